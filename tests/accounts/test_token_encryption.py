"""Spotify tokens are encrypted at rest: the database row never holds a plain token."""

from __future__ import annotations

import importlib
import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.db import connection
from django.test import Client
from social_django.models import UserSocialAuth

from accounts import constants
from accounts.spotify import SpotifyAuthError, SpotifyClient
from accounts.spotify.encryption import PREFIX
from accounts.spotify.tokens import stored_token
from tests.fakes.signin import sign_in_with_spotify
from tests.fakes.spotify import FakeSpotify

pytestmark = pytest.mark.django_db
PROBE_PAGE = "/probe/spotify-profile/"
migration = importlib.import_module("accounts.migrations.0002_encrypt_spotify_tokens")


def _raw_extra_data(social: UserSocialAuth) -> str:
    """extra_data exactly as the database holds it (no model, no field conversion)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT extra_data FROM social_auth_usersocialauth WHERE id = %s", [social.pk])
        return str(cursor.fetchone()[0])


def _bearer_sent_to(fake: FakeSpotify, path: str) -> str:
    authorization = fake.requests_to(path)[-1].header("Authorization")
    assert authorization is not None
    return authorization.removeprefix("Bearer ")


def _age_tokens(social: UserSocialAuth, seconds: int) -> None:
    social.extra_data["auth_time"] -= seconds
    social.save()


def test_signing_in_stores_both_tokens_encrypted(client: Client, fake_spotify: FakeSpotify) -> None:
    sign_in_with_spotify(client, fake_spotify)
    social = UserSocialAuth.objects.get()
    access_token = _bearer_sent_to(fake_spotify, "/v1/me")
    _age_tokens(social, 3600)
    SpotifyClient(social).profile()  # refreshes: the plain refresh token reaches the fake
    refresh_token = fake_spotify.requests_to("/api/token")[-1].form["refresh_token"]

    raw = _raw_extra_data(social)

    assert access_token not in raw
    assert refresh_token not in raw
    assert raw.count(PREFIX) == 2


def test_a_refresh_stores_the_new_access_token_encrypted(spotify_user: Any, fake_spotify: FakeSpotify) -> None:
    social = spotify_user.social_auth.get()
    refresh_token = stored_token(social, "refresh_token")
    _age_tokens(social, 3600)

    SpotifyClient.for_user(spotify_user).profile()

    new_access_token = _bearer_sent_to(fake_spotify, "/v1/me")
    assert fake_spotify.requests_to("/api/token")[0].form["refresh_token"] == refresh_token
    raw = _raw_extra_data(social)
    assert new_access_token not in raw
    assert refresh_token not in raw
    assert stored_token(UserSocialAuth.objects.get(pk=social.pk), "access_token") == new_access_token


def test_a_rotated_key_still_opens_old_tokens_and_seals_new_ones_with_the_new_key(
    settings: Any, spotify_user: Any, fake_spotify: FakeSpotify
) -> None:
    new_key = Fernet.generate_key().decode()
    settings.TOKEN_ENCRYPTION_KEYS = [new_key, *settings.TOKEN_ENCRYPTION_KEYS]
    social = spotify_user.social_auth.get()
    _age_tokens(social, 3600)  # this save re-seals with the new key too

    assert SpotifyClient.for_user(spotify_user).profile().id == "fakeuser"

    settings.TOKEN_ENCRYPTION_KEYS = [new_key]
    social = UserSocialAuth.objects.get(pk=social.pk)
    assert stored_token(social, "access_token") == _bearer_sent_to(fake_spotify, "/v1/me")


@pytest.mark.urls("tests.accounts.probe_urls")
def test_tokens_no_configured_key_opens_ask_the_user_to_reconnect_instead_of_failing(
    client: Client, settings: Any, spotify_user: Any, fake_spotify: FakeSpotify
) -> None:
    settings.TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    client.force_login(spotify_user)

    page = client.get(PROBE_PAGE)
    api = client.get("/api/v1/me/")
    account = client.get("/account/")

    assert page.status_code == 302
    assert page["Location"] == "/account/"
    assert [str(m) for m in get_messages(page.wsgi_request)] == [constants.RECONNECT_SPOTIFY]
    assert api.json()["spotify_needs_reconnect"] is True
    assert account.status_code == 200
    assert "Reconnect Spotify" in account.content.decode()
    assert not fake_spotify.requests
    with pytest.raises(SpotifyAuthError):
        SpotifyClient.for_user(spotify_user).profile()


def test_reconnecting_after_a_key_loss_stores_tokens_the_current_key_opens(
    client: Client, settings: Any, spotify_user: Any, fake_spotify: FakeSpotify
) -> None:
    settings.TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    client.force_login(spotify_user)

    sign_in_with_spotify(client, fake_spotify)

    assert SpotifyClient.for_user(spotify_user).profile().id == "fakeuser"


def test_the_migration_encrypts_plain_tokens_and_its_reverse_restores_them(spotify_user: Any) -> None:
    social = spotify_user.social_auth.get()
    plain = {"access_token": "plain-access", "refresh_token": "plain-refresh", "expires_in": 3600, "auth_time": 1}
    UserSocialAuth.objects.filter(pk=social.pk).update(extra_data=plain)  # as written before encryption
    assert stored_token(UserSocialAuth.objects.get(pk=social.pk), "refresh_token") == "plain-refresh"

    migration.seal_tokens(apps, None)
    sealed_raw = _raw_extra_data(social)
    migration.seal_tokens(apps, None)  # a second run changes nothing

    assert "plain-access" not in sealed_raw and "plain-refresh" not in sealed_raw
    assert _raw_extra_data(social) == sealed_raw
    assert stored_token(UserSocialAuth.objects.get(pk=social.pk), "refresh_token") == "plain-refresh"
    migration.open_tokens(apps, None)
    assert UserSocialAuth.objects.get(pk=social.pk).extra_data == plain


def test_production_settings_refuse_to_start_without_valid_token_encryption_keys() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "TOKEN_ENCRYPTION_KEYS")}
    env.update(
        DJANGO_SETTINGS_MODULE="soundscapify.settings.production",
        SECRET_KEY="a-production-secret-that-is-long-and-random-9f8e7d6c5b4a3928171615141312",
        ALLOWED_HOSTS="soundscapify.example",
    )
    code = "import django; django.setup(); from django.conf import settings; print(len(settings.TOKEN_ENCRYPTION_KEYS))"

    def run(**extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", code],
            cwd=Path(django_settings.BASE_DIR),
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    two_keys = f"{Fernet.generate_key().decode()}, {Fernet.generate_key().decode()}"
    missing, malformed = run(), run(TOKEN_ENCRYPTION_KEYS=f"{Fernet.generate_key().decode()},not-a-key")
    configured = run(TOKEN_ENCRYPTION_KEYS=two_keys)

    assert missing.returncode != 0
    assert "Set TOKEN_ENCRYPTION_KEYS" in missing.stderr
    assert malformed.returncode != 0
    assert "TOKEN_ENCRYPTION_KEYS: key 2 is not a Fernet key" in malformed.stderr
    assert configured.returncode == 0, configured.stderr
    assert configured.stdout.strip() == "2"


def test_resealing_after_a_key_rotation_lets_the_old_key_go(
    settings: Any, spotify_user: Any, fake_spotify: FakeSpotify
) -> None:
    social = spotify_user.social_auth.get()
    plain = stored_token(social, "refresh_token")
    assert plain
    new_key = Fernet.generate_key().decode()
    settings.TOKEN_ENCRYPTION_KEYS = [new_key, *settings.TOKEN_ENCRYPTION_KEYS]
    out = io.StringIO()

    call_command("reseal_spotify_tokens", stdout=out)

    assert out.getvalue().strip() == "Re-sealed 1 connection(s); 0 could not be decrypted."
    settings.TOKEN_ENCRYPTION_KEYS = [new_key]
    social = UserSocialAuth.objects.get(pk=social.pk)
    assert stored_token(social, "refresh_token") == plain
    assert plain not in _raw_extra_data(social)
    assert SpotifyClient.for_user(spotify_user).profile().id == "fakeuser"
