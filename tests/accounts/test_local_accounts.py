"""Local accounts: sign up, log in and out, password reset, password for Spotify-only users."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client

from accounts import constants
from tests.factories import PASSWORD, SpotifyOnlyUserFactory, UserFactory

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a-much-newer-passphrase-42"


def _messages(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_signing_up_creates_a_local_account_and_logs_in(client: Client) -> None:
    response = client.post(
        "/account/signup/",
        {"username": "ada", "email": "ada@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )

    assert response.status_code == 302
    assert response["Location"] == "/scenes/"
    user = get_user_model().objects.get(username="ada")
    assert user.email == "ada@example.com"
    assert user.check_password(PASSWORD)
    assert not user.social_auth.exists()
    assert _messages(response) == [constants.SIGNED_UP]
    assert client.get("/account/").status_code == 200


def test_signing_up_with_a_taken_email_is_refused(client: Client) -> None:
    UserFactory.create(email="ada@example.com")

    response = client.post(
        "/account/signup/",
        {"username": "ada2", "email": "ADA@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )

    assert response.status_code == 200
    assert constants.EMAIL_IN_USE in response.content.decode()
    assert not get_user_model().objects.filter(username="ada2").exists()


def test_a_weak_password_is_refused_at_sign_up(client: Client) -> None:
    response = client.post(
        "/account/signup/", {"username": "bob", "email": "bob@example.com", "password1": "123", "password2": "123"}
    )

    assert response.status_code == 200
    assert not get_user_model().objects.filter(username="bob").exists()


def test_logging_in_with_username_and_password(client: Client) -> None:
    user = UserFactory.create()

    response = client.post("/account/login/", {"username": user.username, "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/scenes/"
    assert int(client.session["_auth_user_id"]) == user.pk


def test_a_wrong_password_does_not_log_in(client: Client) -> None:
    user = UserFactory.create()

    response = client.post("/account/login/", {"username": user.username, "password": "nope"})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_logging_out_takes_a_post(client: Client) -> None:
    client.force_login(UserFactory.create())

    assert client.get("/account/logout/").status_code == 405
    response = client.post("/account/logout/")

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_logging_out_says_so_on_the_page_it_lands_on(client: Client) -> None:
    client.force_login(UserFactory.create())

    response = client.post("/account/logout/", follow=True)

    assert response.redirect_chain == [("/", 302)]
    assert constants.LOGGED_OUT in response.content.decode()
    assert constants.LOGGED_OUT not in client.get("/").content.decode()  # said once


def field_errors(html: str) -> dict[str, list[str]]:
    """The error messages listed under each field of form_fields.html, by the field's id."""
    found: dict[str, list[str]] = {}
    for field_id, errors in re.findall(r'<p>\s*<label for="(id_[a-z0-9_]+)">.*?(?:<ul class="errorlist">(.*?)</ul>|</p>)', html, re.S):
        found[field_id] = re.findall(r"<li>(.*?)</li>", errors)
    return found


def test_a_weak_password_is_said_under_the_password_field_at_sign_up(client: Client) -> None:
    response = client.post(
        "/account/signup/", {"username": "bob", "email": "bob@example.com", "password1": "123", "password2": "123"}
    )

    errors = field_errors(response.content.decode())
    assert "This password is too short. It must contain at least 8 characters." in errors["id_password1"]
    assert errors["id_password2"] == []


def test_a_mismatch_is_said_under_the_confirmation_at_sign_up(client: Client) -> None:
    response = client.post(
        "/account/signup/", {"username": "bob", "email": "bob@example.com", "password1": PASSWORD, "password2": "x" + PASSWORD}
    )

    errors = field_errors(response.content.decode())
    assert errors["id_password1"] == [] and errors["id_password2"] == ["The two password fields didn’t match."]


def test_a_wrong_password_is_said_under_the_password_field_at_log_in(client: Client) -> None:
    user = UserFactory.create()

    response = client.post("/account/login/", {"username": user.username, "password": "nope"})

    errors = field_errors(response.content.decode())
    assert len(errors["id_password"]) == 1 and "correct username and password" in errors["id_password"][0]
    assert errors["id_username"] == []


def test_a_weak_new_password_is_said_under_the_new_password_field(client: Client) -> None:
    client.force_login(UserFactory.create())

    response = client.post(
        "/account/password/", {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"}
    )

    errors = field_errors(response.content.decode())
    assert "This password is entirely numeric." in errors["id_new_password1"]
    assert errors["id_new_password2"] == []


def test_the_account_page_needs_a_login(client: Client) -> None:
    response = client.get("/account/")

    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/")


def test_password_reset_mails_a_link_that_sets_a_new_password(client: Client) -> None:
    user = UserFactory.create(email="ada@example.com")

    response = client.post("/account/password/reset/", {"email": "ada@example.com"})

    assert response.status_code == 302
    assert response["Location"] == "/account/password/reset/sent/"
    (message,) = mail.outbox
    assert message.to == ["ada@example.com"]
    assert message.subject == "Reset your SoundScapify password"
    sent = re.search(r"http://testserver(/account/password/reset/\S+/)", str(message.body))
    assert sent is not None
    link = sent.group(1)
    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"]
    client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client: Client) -> None:
    response = client.post("/account/password/reset/", {"email": "nobody@example.com"})

    assert response.status_code == 302
    assert not mail.outbox


def test_a_spotify_only_user_can_set_a_password(client: Client) -> None:
    user = SpotifyOnlyUserFactory.create()
    client.force_login(user)

    response = client.post("/account/password/", {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert "_auth_user_id" in client.session  # still logged in


def test_changing_a_password_needs_the_old_one(client: Client) -> None:
    user = UserFactory.create()
    client.force_login(user)

    response = client.post(
        "/account/password/", {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    assert response.status_code == 200
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
