"""Exceptions raised by the Spotify client: every failure the rest of the project sees."""

from __future__ import annotations


class SpotifyError(Exception):
    """Base class: something went wrong talking to Spotify."""


class SpotifyNotConnected(SpotifyError):
    """The user has no Spotify account connected."""


class SpotifyAuthError(SpotifyError):
    """Spotify refused our credentials (401, or a refresh that failed): the user must reconnect."""


class SpotifyScopeError(SpotifyError):
    """Spotify answered 403: the token lacks a scope, or the app may not make this call."""


class SpotifyNotFound(SpotifyError):
    """Spotify answered 404: no such track or playlist (or the endpoint was removed)."""


class SpotifyRateLimited(SpotifyError):
    """Spotify answered 429; `retry_after` is the number of seconds it asked us to wait."""

    def __init__(self, retry_after: int, message: str = "Spotify rate limit reached") -> None:
        self.retry_after = retry_after
        super().__init__(f"{message} (retry after {retry_after} s)")


class SpotifyServerError(SpotifyError):
    """Spotify failed (5xx), timed out, could not be reached, or answered something unexpected."""

    def __init__(self, message: str = "Spotify is unavailable", status: int | None = None) -> None:
        self.status = status
        super().__init__(message)
