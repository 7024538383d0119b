"""Spotify failures in a view become a reconnect prompt or a friendly error, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from social_django.models import UserSocialAuth

from accounts import constants
from tests.factories import UserFactory
from tests.fakes.spotify import FakeSpotify

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.accounts.probe_urls")]
PAGE, API = "/probe/spotify-profile/", "/api/v1/probe/spotify-profile/"


def _messages(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_a_page_works_while_spotify_answers(client: Client, spotify_user: Any) -> None:
    client.force_login(spotify_user)

    assert client.get(PAGE).content == b"Fake User"


def test_a_revoked_refresh_in_a_page_redirects_to_the_account_page_with_a_reconnect_prompt(
    client: Client, spotify_user: Any, fake_spotify: FakeSpotify
) -> None:
    client.force_login(spotify_user)
    fake_spotify.expire_all_tokens()
    fake_spotify.revoke_refresh_tokens()

    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"] == "/account/"
    assert _messages(response) == [constants.RECONNECT_SPOTIFY]
    assert UserSocialAuth.objects.filter(user=spotify_user).exists()
    account = client.get("/account/").content.decode()
    assert "Reconnect Spotify" in account


def test_a_revoked_refresh_in_the_api_answers_409_with_a_code(
    client: Client, spotify_user: Any, fake_spotify: FakeSpotify
) -> None:
    client.force_login(spotify_user)
    fake_spotify.expire_all_tokens()
    fake_spotify.revoke_refresh_tokens()

    response = client.get(API)

    assert response.status_code == 409
    assert response.json() == {"detail": constants.RECONNECT_SPOTIFY, "code": "spotify_reconnect_required"}


def test_a_rate_limit_in_a_page_answers_503_with_retry_after(
    client: Client, spotify_user: Any, fake_spotify: FakeSpotify
) -> None:
    client.force_login(spotify_user)
    fake_spotify.fail_next("/v1/me", 429, headers={"Retry-After": "42"})

    response = client.get(PAGE)

    assert response.status_code == 503
    assert response["Retry-After"] == "42"
    assert constants.SPOTIFY_RATE_LIMITED in response.content.decode()


def test_a_spotify_outage_in_a_page_answers_502(client: Client, spotify_user: Any, fake_spotify: FakeSpotify) -> None:
    client.force_login(spotify_user)
    fake_spotify.fail_next("/v1/me", 500)

    response = client.get(PAGE)

    assert response.status_code == 502
    assert constants.SPOTIFY_UNAVAILABLE in response.content.decode()


def test_a_user_without_spotify_is_asked_to_connect_it(client: Client, fake_spotify: FakeSpotify) -> None:
    client.force_login(UserFactory.create())

    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"] == "/account/"
    assert _messages(response) == [constants.CONNECT_SPOTIFY_FIRST]
