"""The API scaffold: token auth for mobile clients, session auth for the browser."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts import constants
from accounts.models import ApiToken
from accounts.serializers import DEFAULT_TOKEN_NAME
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _obtain(client: Client, user: Any, name: str = "phone") -> dict[str, Any]:
    response = client.post(
        "/api/v1/auth/token/",
        {"username": user.username, "password": PASSWORD, "name": name},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_a_token_is_obtained_with_username_and_password_and_authenticates(client: Client) -> None:
    user = UserFactory.create()

    issued = _obtain(client, user)

    assert issued["key"].startswith("ssk_")
    assert issued["prefix"] == issued["key"][:12]
    me = client.get("/api/v1/me/", headers=_bearer(issued["key"]))
    assert me.status_code == 200
    assert me.json()["username"] == user.username
    assert me.json()["spotify_connected"] is False


def test_the_key_is_stored_only_as_a_hash(client: Client) -> None:
    issued = _obtain(client, UserFactory.create())

    token = ApiToken.objects.get()
    assert issued["key"] not in (token.key_hash, token.prefix)
    assert len(token.key_hash) == 64


def test_a_wrong_password_gets_no_token(client: Client) -> None:
    user = UserFactory.create()

    response = client.post(
        "/api/v1/auth/token/", {"username": user.username, "password": "nope"}, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == {"code": "invalid_credentials", "detail": constants.INVALID_CREDENTIALS}
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("name", ["", "   "])
def test_a_token_with_a_blank_name_gets_the_default_name(client: Client, name: str) -> None:
    # The schema allows an empty name (no minLength): the API must accept it too.
    issued = _obtain(client, UserFactory.create(), name=name)

    assert issued["name"] == DEFAULT_TOKEN_NAME


def test_using_a_token_records_when_it_was_last_used(client: Client) -> None:
    issued = _obtain(client, UserFactory.create())

    client.get("/api/v1/me/", headers=_bearer(issued["key"]))

    assert ApiToken.objects.get().last_used is not None


def test_tokens_are_listed_without_their_keys(client: Client) -> None:
    user = UserFactory.create()
    first, second = _obtain(client, user, "phone"), _obtain(client, user, "tablet")

    response = client.get("/api/v1/auth/tokens/", headers=_bearer(first["key"]))

    assert response.status_code == 200
    listed = response.json()["results"]
    assert {t["name"] for t in listed} == {"phone", "tablet"}
    assert all("key" not in t for t in listed)
    assert second["key"] not in response.content.decode()


def test_a_revoked_token_is_refused(client: Client) -> None:
    user = UserFactory.create()
    keep, revoke = _obtain(client, user, "keep"), _obtain(client, user, "revoke")

    response = client.delete(f"/api/v1/auth/tokens/{revoke['id']}/", headers=_bearer(keep["key"]))

    assert response.status_code == 204
    refused = client.get("/api/v1/me/", headers=_bearer(revoke["key"]))
    assert refused.status_code == 401
    assert refused["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/api/v1/me/", headers=_bearer(keep["key"])).status_code == 200


def test_an_unknown_token_and_no_credentials_are_refused(client: Client) -> None:
    assert client.get("/api/v1/me/", headers=_bearer("ssk_made_up")).status_code == 401
    assert client.get("/api/v1/me/").status_code == 401


def test_a_token_of_a_deactivated_user_is_refused(client: Client) -> None:
    user = UserFactory.create()
    issued = _obtain(client, user)
    user.is_active = False
    user.save()

    assert client.get("/api/v1/me/", headers=_bearer(issued["key"])).status_code == 401


def test_a_signed_in_browser_session_creates_a_token(client: Client, spotify_user: Any) -> None:
    # What a user who signed in with Spotify (no password) does to get a token for the app.
    client.force_login(spotify_user)

    response = client.post("/api/v1/auth/tokens/", {"name": "after Spotify"}, content_type="application/json")

    assert response.status_code == 201
    key = response.json()["key"]
    me = Client().get("/api/v1/me/", headers=_bearer(key)).json()
    assert me["spotify_connected"] is True
    assert me["username"] == spotify_user.username


def test_session_writes_need_the_csrf_token() -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory.create())

    response = client.post("/api/v1/auth/tokens/", {"name": "x"}, content_type="application/json")

    assert response.status_code == 403


def test_a_user_never_sees_or_revokes_another_users_tokens(client: Client) -> None:
    alice, bob = UserFactory.create(), UserFactory.create()
    alice_key, bob_token = _obtain(client, alice)["key"], _obtain(client, bob)

    listed = client.get("/api/v1/auth/tokens/", headers=_bearer(alice_key)).json()["results"]
    revoke = client.delete(f"/api/v1/auth/tokens/{bob_token['id']}/", headers=_bearer(alice_key))

    assert [t["id"] for t in listed] != [bob_token["id"]]
    assert bob_token["id"] not in {t["id"] for t in listed}
    assert revoke.status_code == 404
    assert client.get("/api/v1/me/", headers=_bearer(bob_token["key"])).status_code == 200


def test_password_guessing_on_the_token_endpoint_is_throttled_per_address(client: Client) -> None:
    # Other usernames each time: the failed-log-in limit per username (5) never applies,
    # the endpoint's own throttle (10/minute per address) does.
    attempts = [
        client.post(
            "/api/v1/auth/token/", {"username": f"user-{n}", "password": f"guess{n}"}, content_type="application/json"
        )
        for n in range(11)
    ]

    assert [a.status_code for a in attempts[:10]] == [400] * 10
    assert attempts[10].status_code == 429
    assert int(attempts[10]["Retry-After"]) > 0
