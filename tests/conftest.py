"""Fixtures shared by the whole test suite.

- `media_root` (autouse): MEDIA_ROOT is a fresh temporary folder for every test.
- `fake_spotify`: a running tests.fakes.spotify.FakeSpotify; the settings point the real
  social-auth backend and the real Spotify client (accounts.spotify) at it.
- `spotify_user`: a local user (password tests.factories.PASSWORD) with a connected
  Spotify account whose tokens the fake server accepts (Spotify id `fakeuser`).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from soundscapify.settings.base import origin_of
from tests.factories import UserFactory, connect_spotify
from tests.fakes.spotify import CLIENT_ID, CLIENT_SECRET, DEFAULT_USER_ID, FakeSpotify


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Remove this run's filesystem-broker folder (soundscapify/settings/test.py makes one per run)."""
    from django.conf import settings

    control_folder = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}).get("control_folder")
    if control_folder and Path(control_folder).parent.name.startswith("test-broker-"):
        shutil.rmtree(Path(control_folder).parent, ignore_errors=True)


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    """Every test writes its files under its own temporary MEDIA_ROOT."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = str(root)
    return root


@pytest.fixture
def fake_spotify(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSpotify]:
    """A fake Spotify on 127.0.0.1:<free port>, with the Spotify settings pointing at it.

    Use its knobs to script Spotify's behaviour (`expire_all_tokens()`,
    `revoke_refresh_tokens()`, `fail_next("/v1/me", 429)`, ...) and `requests_to(path)`
    to assert on what the product sent. A default Spotify user `fakeuser` exists and is
    the one who consents at /authorize (`fake_spotify.consenting_user`).
    """
    # A proxy from the environment must never see requests meant for the fake.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    fake = FakeSpotify(client_id=CLIENT_ID, client_secret=CLIENT_SECRET).start()
    settings.SPOTIFY_CLIENT_ID = settings.SOCIAL_AUTH_SPOTIFY_KEY = CLIENT_ID
    settings.SPOTIFY_CLIENT_SECRET = settings.SOCIAL_AUTH_SPOTIFY_SECRET = CLIENT_SECRET
    settings.SPOTIFY_ENABLED = True
    settings.SPOTIFY_ACCOUNTS_BASE_URL = fake.base_url
    settings.SPOTIFY_API_BASE_URL = fake.api_base_url
    settings.SOCIAL_AUTH_SPOTIFY_AUTHORIZATION_URL = fake.authorize_url
    settings.SOCIAL_AUTH_SPOTIFY_ACCESS_TOKEN_URL = fake.token_url
    # The policy lets sign-in forms redirect on to Spotify's accounts host (form-action).
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    settings.CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": {**directives, "form-action": ["'self'", origin_of(fake.base_url)]},
    }
    yield fake
    fake.stop()


@pytest.fixture
def spotify_user(db: None, fake_spotify: FakeSpotify) -> Any:
    """A local user with Spotify connected: tokens minted by the fake for `fakeuser` and
    stored in UserSocialAuth.extra_data exactly as social-auth stores them after sign-in
    (access_token, refresh_token, expires_in, token_type, auth_time).

    `SpotifyClient.for_user(spotify_user)` works against the fake straight away.
    """
    user = UserFactory.create()
    connect_spotify(user, DEFAULT_USER_ID, fake_spotify.mint_tokens(DEFAULT_USER_ID))
    return user


@pytest.fixture
def user(db: None) -> Any:
    """A local user without Spotify (password tests.factories.PASSWORD)."""
    return UserFactory.create()
