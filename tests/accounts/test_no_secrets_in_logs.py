"""No token or password reaches a log line, at DEBUG, through the project's formatters.

SQL is logged too (as with DEBUG=True): the statements that store tokens carry them sealed.
"""

from __future__ import annotations

import logging

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from social_django.models import UserSocialAuth

from accounts.spotify import SpotifyAuthError, SpotifyClient
from soundscapify.observability import JsonFormatter, PlainFormatter
from tests.factories import PASSWORD, UserFactory
from tests.fakes.signin import sign_in_with_spotify
from tests.fakes.spotify import CLIENT_SECRET, FakeSpotify

pytestmark = pytest.mark.django_db


def _log_lines(records: list[logging.LogRecord]) -> list[str]:
    """Each record as both configured formatters write it (plain for development, JSON for production)."""
    plain = PlainFormatter(settings.LOGGING["formatters"]["plain"]["format"])
    as_json = JsonFormatter()
    for record in records:
        record.request_id = getattr(record, "request_id", "-")
    return [formatter.format(record) for record in records for formatter in (plain, as_json)]


def _exercise_sign_in_and_tokens(client: Client, fake: FakeSpotify) -> str:
    """Password log-in (wrong, then right), an API token, Spotify sign-in, a 401 and refresh,
    a revoked refresh. Returns the API token's key."""
    user = UserFactory.create()
    client.post("/account/login/", {"username": user.username, "password": "wrong-" + PASSWORD})
    client.post("/account/login/", {"username": user.username, "password": PASSWORD})
    issued = client.post(
        "/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}, content_type="application/json"
    )
    client.logout()
    sign_in_with_spotify(client, fake)
    spotify_user = UserSocialAuth.objects.get(provider="spotify").user
    fake.expire_all_tokens()
    SpotifyClient.for_user(spotify_user).profile()  # 401, refresh, retry
    fake.expire_all_tokens()
    fake.revoke_refresh_tokens()
    with pytest.raises(SpotifyAuthError):
        SpotifyClient.for_user(spotify_user).profile()  # refresh refused: logged as a warning
    return str(issued.json()["key"])


def test_no_token_or_password_appears_in_any_log_line_at_debug(
    client: Client, fake_spotify: FakeSpotify, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django")  # Django's own default stops at INFO

    with CaptureQueriesContext(connection):  # SQL statements logged to django.db.backends
        api_key = _exercise_sign_in_and_tokens(client, fake_spotify)

    secrets = {*fake_spotify.issued_tokens(), CLIENT_SECRET, PASSWORD, api_key}
    assert len(fake_spotify.issued_tokens()) >= 3  # sign-in access + refresh, refreshed access
    assert any("UPDATE" in r.getMessage() and "extra_data" in r.getMessage() for r in caplog.records)
    assert any(r.levelno == logging.WARNING and r.name.startswith("accounts") for r in caplog.records)
    formatted = _log_lines(caplog.records)
    # Unformatted too: a handler without our redacting formatter (e.g. an error tracker)
    # must find nothing either.
    raw = [record.getMessage() for record in caplog.records]
    leaks = [(secret, line) for line in formatted + raw for secret in secrets if secret in line]
    assert leaks == []


def test_the_check_would_catch_a_token_logged_by_mistake(
    fake_spotify: FakeSpotify, caplog: pytest.LogCaptureFixture
) -> None:
    token = fake_spotify.mint_tokens()["access_token"]
    caplog.set_level(logging.DEBUG)

    logging.getLogger("accounts.test").debug("oops, the token was %s", token)

    assert any(token in line for line in _log_lines(caplog.records))
