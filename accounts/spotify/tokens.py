"""Upkeep of a user's Spotify tokens, which social-auth stores in `UserSocialAuth.extra_data`.

`extra_data` holds what social-auth saved at sign-in or the last refresh: `access_token`,
`refresh_token`, `token_type`, `expires_in` (kept because settings name it in
SOCIAL_AUTH_SPOTIFY_EXTRA_DATA) and `auth_time` (when the token was issued). Expiry is
`auth_time + expires_in`; without `expires_in` social-auth would never refresh.
The two tokens are encrypted there (see .encryption): read them with `stored_token()`.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from social_core.exceptions import AuthConfigurationError, SocialAuthBaseException
from social_django.models import UserSocialAuth
from social_django.utils import load_strategy

from .encryption import TokenDecryptionError, open_token, opened_extra_data
from .errors import SpotifyAuthError, SpotifyNotConnected, SpotifyRateLimited, SpotifyServerError

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)

PROVIDER = "spotify"
# Refresh a little early: a token that expires between our check and Spotify's is a wasted call.
REFRESH_MARGIN = timedelta(seconds=60)
TOKEN_KEYS = ("access_token", "refresh_token", "token_type", "expires_in")
DEFAULT_RETRY_AFTER = 1


def spotify_connection(user: User) -> UserSocialAuth:
    """Return the user's Spotify association; raise SpotifyNotConnected when there is none."""
    # After reconnecting with another Spotify account the newest association is the live one.
    social = UserSocialAuth.objects.filter(user_id=user.pk, provider=PROVIDER).order_by("-modified").first()
    if social is None:
        raise SpotifyNotConnected("No Spotify account is connected.")
    return social


def stored_token(social: UserSocialAuth, name: str) -> str | None:
    """The plain `access_token` or `refresh_token` from extra_data; None when absent.

    Raises TokenDecryptionError when none of TOKEN_ENCRYPTION_KEYS opens it.
    """
    value = social.extra_data.get(name)
    return open_token(value) if isinstance(value, str) and value else None


def connection_usable(social: UserSocialAuth) -> bool:
    """True while the association holds tokens we can read (a failed refresh clears them;
    a token sealed with a key no longer configured cannot be read)."""
    try:
        return bool(stored_token(social, "refresh_token") or stored_token(social, "access_token"))
    except TokenDecryptionError:
        return False


def token_expires_soon(social: UserSocialAuth) -> bool:
    expiration = social.expiration_timedelta()
    # Without expires_in we cannot know; a 401 will trigger the refresh instead.
    return expiration is not None and expiration <= REFRESH_MARGIN


def fresh_access_token(social: UserSocialAuth, *, force_refresh: bool = False) -> str:
    """Return an access token that is valid for at least another minute.

    Refreshes it first when it is about to expire, or when `force_refresh` (after a 401).
    Raises SpotifyAuthError when the user must reconnect, SpotifyRateLimited or
    SpotifyServerError when the token endpoint fails.
    """
    if not connection_usable(social):
        _log_unreadable(social)
        raise SpotifyAuthError("The Spotify connection holds no tokens we can use.")
    if force_refresh or token_expires_soon(social) or not stored_token(social, "access_token"):
        refresh_access_token(social)
    return str(_readable_token(social, "access_token"))


def refresh_access_token(social: UserSocialAuth) -> None:
    """Refresh through social-auth (real HTTP to the token endpoint) and update `social` in place."""
    stale_token = _readable_token(social, "access_token")
    try:
        with transaction.atomic():
            # The row lock serialises refreshes from web and worker processes for one user.
            locked = UserSocialAuth.objects.select_for_update().get(pk=social.pk)
            if _readable_token(locked, "access_token") == stale_token:
                # social-core sends extra_data's refresh_token as it is: give it the plain one.
                # Its save() seals the tokens again (encryption.seal_tokens_before_save).
                locked.extra_data = _readable_extra_data(locked)
                locked.refresh_token(load_strategy())
        social.extra_data = locked.extra_data
    except UserSocialAuth.DoesNotExist as error:
        raise SpotifyNotConnected("The Spotify connection was removed.") from error
    except SocialAuthBaseException as error:
        raise _refresh_failure(social, error) from error


def clear_tokens(social: UserSocialAuth) -> None:
    """Forget tokens Spotify no longer accepts; the association (uid) stays, so reconnecting finds it."""
    social.extra_data = {key: value for key, value in social.extra_data.items() if key not in TOKEN_KEYS}
    social.save(update_fields=["extra_data", "modified"])


def _readable_token(social: UserSocialAuth, name: str) -> str | None:
    try:
        return stored_token(social, name)
    except TokenDecryptionError as error:
        _log_unreadable(social)
        raise SpotifyAuthError("The stored Spotify tokens cannot be decrypted.") from error


def _readable_extra_data(social: UserSocialAuth) -> dict[str, object]:
    try:
        return opened_extra_data(social.extra_data)
    except TokenDecryptionError as error:
        _log_unreadable(social)
        raise SpotifyAuthError("The stored Spotify tokens cannot be decrypted.") from error


def _log_unreadable(social: UserSocialAuth) -> None:
    if social.extra_data.get("refresh_token") or social.extra_data.get("access_token"):
        # Tokens are there but no configured key opens them: the tokens are kept, since
        # restoring the old key to TOKEN_ENCRYPTION_KEYS makes them usable again.
        logger.warning("Spotify tokens of user %s cannot be decrypted (check TOKEN_ENCRYPTION_KEYS).", social.user_id)


def _refresh_failure(social: UserSocialAuth, error: SocialAuthBaseException) -> Exception:
    # "error=", not "code=": the log redaction (soundscapify.observability) hides any "code=".
    logger.warning(
        "Spotify token refresh failed for user %s: error=%s status=%s", social.user_id, error.code, error.status_code
    )
    if error.recovery == "reauthenticate":
        clear_tokens(social)
        return SpotifyAuthError("Spotify no longer accepts this connection's refresh token.")
    if error.code == "rate_limited":
        return SpotifyRateLimited(parse_retry_after(error.retry_after))
    if error.recovery == "retry_later":
        return SpotifyServerError("Spotify's token endpoint is unavailable.", status=error.status_code)
    if isinstance(error, AuthConfigurationError):
        logger.error("Spotify refused the app's own credentials (check SPOTIFY_CLIENT_ID/SECRET).")
        return SpotifyServerError("Spotify refused the app's credentials.", status=error.status_code)
    return SpotifyAuthError("Spotify refused to refresh the access token.")


def parse_retry_after(value: object) -> int:
    """Seconds from a Retry-After header value; the default when missing or not a number."""
    try:
        return max(0, int(float(str(value))))
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER
