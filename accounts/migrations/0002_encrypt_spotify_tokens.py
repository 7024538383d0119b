"""Encrypt the Spotify tokens already stored in plain text in UserSocialAuth.extra_data.

Forwards seals every plain `access_token` / `refresh_token` with the first of
TOKEN_ENCRYPTION_KEYS; sealed ones are left as they are, so running it twice is harmless.
Backwards opens them again (for code older than the encryption); a token that no
configured key opens is left sealed, and its user reconnects Spotify.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

from accounts.spotify.encryption import TokenDecryptionError, opened_extra_data, sealed_extra_data


def _rewrite(apps: Any, transform: Any) -> None:
    UserSocialAuth = apps.get_model("social_django", "UserSocialAuth")
    for social in UserSocialAuth.objects.only("pk", "extra_data").iterator(chunk_size=500):
        if not isinstance(social.extra_data, dict):
            continue
        try:
            rewritten = transform(social.extra_data)
        except TokenDecryptionError:
            continue
        if rewritten != social.extra_data:
            UserSocialAuth.objects.filter(pk=social.pk).update(extra_data=rewritten)


def seal_tokens(apps: Any, schema_editor: Any) -> None:
    _rewrite(apps, sealed_extra_data)


def open_tokens(apps: Any, schema_editor: Any) -> None:
    _rewrite(apps, opened_extra_data)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("social_django", "0022_nonce_timestamp_index"),
    ]

    operations = [migrations.RunPython(seal_tokens, open_tokens, elidable=False)]
