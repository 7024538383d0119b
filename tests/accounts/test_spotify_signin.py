from __future__ import annotations

import base64
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.test import Client
from social_django.models import UserSocialAuth

from accounts import constants
from accounts.spotify.tokens import stored_token
from tests.factories import UserFactory
from tests.fakes.signin import consent, finish_spotify_sign_in, sign_in_with_spotify, start_spotify_sign_in
from tests.fakes.spotify import CLIENT_ID, CLIENT_SECRET, FakeSpotify

pytestmark = pytest.mark.django_db
REDIRECT_URI = "http://127.0.0.1:8000/complete/spotify/"


def test_signing_in_with_spotify_creates_a_user_and_stores_its_tokens(
    client: Client, fake_spotify: FakeSpotify
) -> None:
    authorize_url = start_spotify_sign_in(client)
    parts = urlsplit(authorize_url)
    params = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == fake_spotify.authorize_url
    assert params["client_id"] == CLIENT_ID
    assert params["response_type"] == "code"
    assert params["redirect_uri"] == REDIRECT_URI
    assert params["state"]
    assert params["code_challenge_method"] == "S256"
    assert set(params["scope"].split()) == {
        "user-read-recently-played",
        "user-top-read",
        "playlist-modify-private",
        "playlist-modify-public",
        "playlist-read-private",
    }

    callback = consent(authorize_url)
    assert callback.startswith(REDIRECT_URI)
    response = finish_spotify_sign_in(client, callback)

    assert response.status_code == 302
    assert response["Location"] == "/scenes/"
    user = get_user_model().objects.get()
    assert user.username == "fakeuser"
    assert not user.has_usable_password()
    social = UserSocialAuth.objects.get(user=user)
    assert (social.provider, social.uid, social.id_key) == ("spotify", "fakeuser", "id")
    assert fake_spotify.access_token_valid(stored_token(social, "access_token"))
    assert (stored_token(social, "refresh_token") or "").startswith("fake-refresh-")
    assert social.extra_data["expires_in"] == 3600
    assert abs(social.extra_data["auth_time"] - time.time()) < 60
    assert client.get("/account/").status_code == 200


def test_the_token_exchange_uses_basic_auth_the_code_and_the_pkce_verifier(
    client: Client, fake_spotify: FakeSpotify
) -> None:
    sign_in_with_spotify(client, fake_spotify)

    (exchange,) = fake_spotify.requests_to("/api/token", "POST")
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    assert exchange.header("Authorization") == f"Basic {basic}"
    assert exchange.form["grant_type"] == "authorization_code"
    assert exchange.form["redirect_uri"] == REDIRECT_URI
    assert exchange.form["code_verifier"]
    (profile,) = fake_spotify.requests_to("/v1/me", "GET")
    assert profile.header("Authorization") == f"Bearer {stored_token(UserSocialAuth.objects.get(), 'access_token')}"


def test_signing_in_with_spotify_again_finds_the_same_account(client: Client, fake_spotify: FakeSpotify) -> None:
    sign_in_with_spotify(client, fake_spotify)
    client.logout()

    response = sign_in_with_spotify(Client(), fake_spotify)

    assert response.status_code == 302
    assert get_user_model().objects.count() == 1
    assert UserSocialAuth.objects.count() == 1


def test_a_signed_in_local_user_connects_spotify_to_their_own_account(
    client: Client, fake_spotify: FakeSpotify
) -> None:
    user = UserFactory.create()
    client.force_login(user)

    response = sign_in_with_spotify(client, fake_spotify)

    assert response.status_code == 302
    assert response["Location"] == "/account/"
    assert get_user_model().objects.count() == 1
    assert UserSocialAuth.objects.get().user == user
    # Signing in with Spotify later finds this local account.
    client.logout()
    sign_in_with_spotify(client, fake_spotify)
    assert int(client.session["_auth_user_id"]) == user.pk


def test_declining_consent_returns_to_the_login_page_with_a_message(client: Client, fake_spotify: FakeSpotify) -> None:
    fake_spotify.deny_next_authorization()

    response = sign_in_with_spotify(client, fake_spotify)

    assert response.status_code == 302
    assert response["Location"] == "/account/login/"
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        constants.SPOTIFY_SIGNIN_FAILED.format(reason="Authentication process canceled")
    ]
    assert not get_user_model().objects.exists()


def test_a_callback_with_a_forged_state_is_refused(client: Client, fake_spotify: FakeSpotify) -> None:
    callback = consent(start_spotify_sign_in(client))
    forged = callback.replace("state=", "state=x")

    response = finish_spotify_sign_in(client, forged)

    assert response.status_code == 302
    assert response["Location"] == "/account/login/"
    assert not fake_spotify.requests_to("/api/token")
    assert not get_user_model().objects.exists()


def test_connecting_a_spotify_account_that_belongs_to_someone_else_is_refused(
    client: Client, fake_spotify: FakeSpotify
) -> None:
    sign_in_with_spotify(Client(), fake_spotify)  # fakeuser now owns the Spotify account
    other = UserFactory.create()
    client.force_login(other)

    response = sign_in_with_spotify(client, fake_spotify)

    assert response.status_code == 302
    assert response["Location"] == "/account/"
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        constants.SPOTIFY_SIGNIN_FAILED.format(reason="This identity is already associated with another account.")
    ]
    assert not UserSocialAuth.objects.filter(user=other).exists()
