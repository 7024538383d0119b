"""Spotify: the only code in the project that talks HTTP to the Spotify Web API.

Use `SpotifyClient.for_user(user)`; catch the errors below (all subclass SpotifyError).
"""

from __future__ import annotations

from .client import SpotifyClient
from .errors import (
    SpotifyAuthError,
    SpotifyError,
    SpotifyNotConnected,
    SpotifyNotFound,
    SpotifyRateLimited,
    SpotifyScopeError,
    SpotifyServerError,
)
from .tokens import connection_usable, spotify_connection
from .types import (
    SpotifyPlayedTrack,
    SpotifyPlaylist,
    SpotifyPlaylistPage,
    SpotifyPlaylistSummary,
    SpotifyProfile,
    SpotifyTrack,
)

__all__ = [
    "SpotifyAuthError",
    "SpotifyClient",
    "SpotifyError",
    "SpotifyNotConnected",
    "SpotifyNotFound",
    "SpotifyPlayedTrack",
    "SpotifyPlaylist",
    "SpotifyPlaylistPage",
    "SpotifyPlaylistSummary",
    "SpotifyProfile",
    "SpotifyRateLimited",
    "SpotifyScopeError",
    "SpotifyServerError",
    "SpotifyTrack",
    "connection_usable",
    "spotify_connection",
]
