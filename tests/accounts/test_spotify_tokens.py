"""Token refresh: before expiry, after a 401, and when Spotify revoked the refresh token."""

from __future__ import annotations

import time
from typing import Any

import pytest
from social_django.models import UserSocialAuth

from accounts.services import api_token_create
from accounts.spotify import SpotifyAuthError, SpotifyClient, SpotifyRateLimited, SpotifyServerError
from accounts.spotify.tokens import stored_token
from tests.fakes.spotify import FakeSpotify

pytestmark = pytest.mark.django_db


def _age_tokens(user: Any, seconds: int) -> UserSocialAuth:
    """Pretend the stored token was issued `seconds` ago."""
    social = user.social_auth.get()
    social.extra_data["auth_time"] -= seconds
    social.save()
    return social


def test_an_expired_token_is_refreshed_before_the_call(spotify_user: Any, fake_spotify: FakeSpotify) -> None:
    aged = _age_tokens(spotify_user, 3600)
    old_access, old_refresh = stored_token(aged, "access_token"), stored_token(aged, "refresh_token")

    SpotifyClient.for_user(spotify_user).profile()

    assert [(r.method, r.path.rstrip("/")) for r in fake_spotify.requests] == [
        ("POST", "/api/token"),
        ("GET", "/v1/me"),
    ]
    refresh = fake_spotify.requests[0]
    assert refresh.form["grant_type"] == "refresh_token"
    assert refresh.form["refresh_token"] == old_refresh
    assert (refresh.header("Authorization") or "").startswith("Basic ")
    social = UserSocialAuth.objects.get(user=spotify_user)
    stored = social.extra_data
    assert stored_token(social, "access_token") != old_access
    assert fake_spotify.requests[1].header("Authorization") == f"Bearer {stored_token(social, 'access_token')}"
    # Spotify omitted refresh_token from its answer: the old one is kept.
    assert stored_token(social, "refresh_token") == old_refresh
    assert stored["expires_in"] == 3600
    assert abs(stored["auth_time"] - time.time()) < 60


def test_a_token_expiring_within_a_minute_is_refreshed_too(spotify_user: Any, fake_spotify: FakeSpotify) -> None:
    _age_tokens(spotify_user, 3600 - 30)

    SpotifyClient.for_user(spotify_user).profile()

    assert len(fake_spotify.requests_to("/api/token")) == 1


def test_a_fresh_token_is_used_without_refreshing(spotify_user: Any, fake_spotify: FakeSpotify) -> None:
    SpotifyClient.for_user(spotify_user).profile()

    assert not fake_spotify.requests_to("/api/token")


def test_a_revoked_refresh_token_raises_auth_error_and_clears_only_the_tokens(
    spotify_user: Any, fake_spotify: FakeSpotify
) -> None:
    api_token_create(user=spotify_user, name="phone")
    fake_spotify.expire_all_tokens()
    fake_spotify.revoke_refresh_tokens()

    with pytest.raises(SpotifyAuthError):
        SpotifyClient.for_user(spotify_user).profile()

    social = UserSocialAuth.objects.get(user=spotify_user)
    assert social.uid == "fakeuser"  # still linked, so reconnecting finds this account
    assert "access_token" not in social.extra_data
    assert "refresh_token" not in social.extra_data
    spotify_user.refresh_from_db()
    assert spotify_user.is_active and spotify_user.has_usable_password()
    assert spotify_user.api_tokens.count() == 1


def test_after_a_failed_refresh_no_request_is_sent_until_the_user_reconnects(
    spotify_user: Any, fake_spotify: FakeSpotify
) -> None:
    _age_tokens(spotify_user, 7200)
    fake_spotify.revoke_refresh_tokens()
    with pytest.raises(SpotifyAuthError):
        SpotifyClient.for_user(spotify_user).profile()
    fake_spotify.clear_requests()

    with pytest.raises(SpotifyAuthError):
        SpotifyClient.for_user(spotify_user).profile()

    assert not fake_spotify.requests


def test_a_rate_limited_refresh_raises_rate_limited_and_keeps_the_tokens(
    spotify_user: Any, fake_spotify: FakeSpotify
) -> None:
    before = _age_tokens(spotify_user, 3600).extra_data.copy()
    fake_spotify.fail_next("/api/token", 429, headers={"Retry-After": "5"})

    with pytest.raises(SpotifyRateLimited) as caught:
        SpotifyClient.for_user(spotify_user).profile()

    assert caught.value.retry_after == 5
    assert UserSocialAuth.objects.get(user=spotify_user).extra_data == before


def test_a_failing_token_endpoint_raises_server_error_and_keeps_the_tokens(
    spotify_user: Any, fake_spotify: FakeSpotify
) -> None:
    before = _age_tokens(spotify_user, 3600).extra_data.copy()
    fake_spotify.fail_next("/api/token", 503)

    with pytest.raises(SpotifyServerError):
        SpotifyClient.for_user(spotify_user).profile()

    assert UserSocialAuth.objects.get(user=spotify_user).extra_data == before


def test_reconnecting_after_a_revoked_refresh_stores_new_tokens(
    client: Any, spotify_user: Any, fake_spotify: FakeSpotify
) -> None:
    from tests.fakes.signin import sign_in_with_spotify

    fake_spotify.expire_all_tokens()
    fake_spotify.revoke_refresh_tokens()
    with pytest.raises(SpotifyAuthError):
        SpotifyClient.for_user(spotify_user).profile()
    client.force_login(spotify_user)

    sign_in_with_spotify(client, fake_spotify)

    social = UserSocialAuth.objects.get(user=spotify_user)
    assert fake_spotify.access_token_valid(stored_token(social, "access_token"))
    assert SpotifyClient.for_user(spotify_user).profile().id == "fakeuser"
