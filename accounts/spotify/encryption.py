"""Spotify tokens encrypted at rest in `UserSocialAuth.extra_data` (Fernet, key rotation).

social-auth writes extra_data itself (sign-in pipeline, token refresh), so encryption sits
where every write passes: a pre_save receiver on UserSocialAuth (connected in
AccountsConfig.ready) seals `access_token` and `refresh_token` in place. After a save the
instance holds what the row holds; read tokens with `open_token()` / `opened_extra_data()`.

A sealed value is "fernet:" + a Fernet token. TOKEN_ENCRYPTION_KEYS lists the keys: the
first encrypts, every one decrypts (MultiFernet). To rotate, put a new key first, run
`manage.py reseal_spotify_tokens`, then drop the old key. A value without the prefix is a
plain token written before migration accounts.0002, read as it is; the next save seals it.

Not covered: QuerySet.update() and bulk_create() skip pre_save; nothing writes tokens so.
"""

from __future__ import annotations

import functools
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

PREFIX = "fernet:"
SEALED_KEYS = ("access_token", "refresh_token")


class TokenDecryptionError(Exception):
    """A sealed token none of TOKEN_ENCRYPTION_KEYS opens (a key was removed or is wrong)."""


def seal_token(value: str) -> str:
    """The token encrypted with the first key; a value already sealed is returned unchanged."""
    if value.startswith(PREFIX):
        return value
    return PREFIX + _cipher(tuple(settings.TOKEN_ENCRYPTION_KEYS)).encrypt(value.encode()).decode()


def open_token(value: str) -> str:
    """The plain token; raises TokenDecryptionError when no configured key opens it."""
    if not value.startswith(PREFIX):
        return value  # written before tokens were encrypted
    try:
        return _cipher(tuple(settings.TOKEN_ENCRYPTION_KEYS)).decrypt(value[len(PREFIX) :].encode()).decode()
    except InvalidToken as error:
        raise TokenDecryptionError("No TOKEN_ENCRYPTION_KEYS key opens this token.") from error


def sealed_extra_data(extra_data: dict[str, Any]) -> dict[str, Any]:
    """A copy of extra_data with its tokens sealed."""
    return _map_tokens(extra_data, seal_token)


def opened_extra_data(extra_data: dict[str, Any]) -> dict[str, Any]:
    """A copy of extra_data with its tokens in plain text; raises TokenDecryptionError."""
    return _map_tokens(extra_data, open_token)


def resealed_extra_data(extra_data: dict[str, Any]) -> dict[str, Any]:
    """A copy with its tokens sealed anew with the first key (after a rotation); plain ones
    get sealed. Raises TokenDecryptionError when no configured key opens one."""
    return sealed_extra_data(opened_extra_data(extra_data))


def seal_tokens_before_save(sender: type, instance: Any, **kwargs: Any) -> None:
    """pre_save receiver for UserSocialAuth: the row (and the instance) hold sealed tokens."""
    if isinstance(instance.extra_data, dict):
        instance.extra_data = sealed_extra_data(instance.extra_data)


def _map_tokens(extra_data: dict[str, Any], transform: Any) -> dict[str, Any]:
    return {
        key: transform(value) if key in SEALED_KEYS and isinstance(value, str) and value else value
        for key, value in extra_data.items()
    }


@functools.lru_cache(maxsize=4)
def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ValueError("TOKEN_ENCRYPTION_KEYS is empty: set at least one Fernet key.")
    return MultiFernet([Fernet(key) for key in keys])
