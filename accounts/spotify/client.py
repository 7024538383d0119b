"""The one Spotify Web API client of the project: spotipy underneath, typed results and errors."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import requests
import spotipy
from django.conf import settings
from spotipy.exceptions import SpotifyException

from .errors import (
    SpotifyAuthError,
    SpotifyError,
    SpotifyNotFound,
    SpotifyRateLimited,
    SpotifyScopeError,
    SpotifyServerError,
)
from .tokens import fresh_access_token, parse_retry_after, spotify_connection
from .types import (
    SpotifyPlayedTrack,
    SpotifyPlaylist,
    SpotifyPlaylistPage,
    SpotifyProfile,
    SpotifyTrack,
    parse_played,
    parse_playlist,
    parse_playlist_page,
    parse_profile,
    parse_track,
    parse_tracks,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from social_django.models import UserSocialAuth

# spotipy logs every request's headers, the bearer token included, at DEBUG level.
logging.getLogger("spotipy").setLevel(logging.INFO)

T = TypeVar("T")
TimeRange = Literal["short_term", "medium_term", "long_term"]
ADD_ITEMS_BATCH = 100  # Spotify's maximum per POST /playlists/{id}/items
AUDIO_FEATURES_BATCH = 100
BASE62_ID = re.compile(r"[0-9A-Za-z]{1,64}")
SEARCH_LIMIT_MAX = 10  # Development Mode: at most 10 results per search page
PAGE_LIMIT_MAX = 50
OFFSET_MAX = 100_000  # Spotify refuses a larger offset for GET /me/playlists


class _Unauthorized(Exception):
    """A 401 on the first attempt: refresh and retry once."""


class SpotifyClient:
    """Calls the Spotify Web API on behalf of one user.

    Every method first makes sure the access token is fresh (refreshing it when it expires
    within a minute), and on a 401 refreshes once and retries once. Methods raise
    SpotifyAuthError (reconnect needed), SpotifyScopeError (403), SpotifyRateLimited (429,
    with `retry_after`), SpotifyServerError (5xx, timeout, unreachable), SpotifyNotFound (404)
    or SpotifyError (any other refusal).
    """

    def __init__(self, social: UserSocialAuth) -> None:
        self._social = social
        # A plain session: spotipy's default one retries 429 and 5xx itself and then hides
        # the status and the Retry-After header from us.
        self._sp = spotipy.Spotify(
            requests_session=requests.Session(),
            requests_timeout=settings.SPOTIFY_REQUEST_TIMEOUT,
            retries=0,
            status_retries=0,
        )
        self._sp.prefix = _api_prefix()

    @classmethod
    def for_user(cls, user: User) -> SpotifyClient:
        """Client for the user's connected Spotify account; raises SpotifyNotConnected."""
        return cls(spotify_connection(user))

    def profile(self) -> SpotifyProfile:
        return parse_profile(self._call(lambda sp: sp.me()))

    def recently_played(self, limit: int = 50) -> list[SpotifyPlayedTrack]:
        _check_limit(limit, PAGE_LIMIT_MAX)
        data = self._call(lambda sp: sp.current_user_recently_played(limit=limit))
        return parse_played(data.get("items") or [])

    def top_tracks(self, time_range: TimeRange = "medium_term", limit: int = 50) -> list[SpotifyTrack]:
        _check_limit(limit, PAGE_LIMIT_MAX)
        data = self._call(lambda sp: sp.current_user_top_tracks(limit=limit, time_range=time_range))
        return parse_tracks(data.get("items") or [])

    def search_tracks(self, query: str, limit: int = SEARCH_LIMIT_MAX) -> list[SpotifyTrack]:
        _check_limit(limit, SEARCH_LIMIT_MAX)
        data = self._call(lambda sp: sp.search(q=query, limit=limit, type="track"))
        return parse_tracks((data.get("tracks") or {}).get("items") or [])

    def track(self, track_id: str) -> SpotifyTrack:
        _check_id(track_id)
        return parse_track(self._call(lambda sp: sp.track(track_id)))

    def create_playlist(self, name: str, *, public: bool = False, description: str = "") -> SpotifyPlaylist:
        """Create a playlist owned by the user (POST /me/playlists)."""
        data = self._call(
            lambda sp: sp.current_user_playlist_create(
                name, public=public, collaborative=False, description=description
            )
        )
        return parse_playlist(data)

    def playlist(self, playlist_id: str) -> SpotifyPlaylist:
        _check_id(playlist_id)
        return parse_playlist(self._call(lambda sp: sp.playlist(playlist_id, fields="id,name,external_urls")))

    def my_playlists(self, *, limit: int = PAGE_LIMIT_MAX, offset: int = 0) -> SpotifyPlaylistPage:
        """One page of the playlists in the user's library (GET /me/playlists), in Spotify's
        order (a playlist just created comes first).

        Private playlists are listed only when the token carries playlist-read-private.
        """
        _check_limit(limit, PAGE_LIMIT_MAX)
        if not 0 <= offset <= OFFSET_MAX:
            raise ValueError(f"offset must be between 0 and {OFFSET_MAX}, got {offset}")
        data = self._call(lambda sp: sp.current_user_playlists(limit=limit, offset=offset))
        return parse_playlist_page(data, offset=offset)

    def playlist_items_total(self, playlist_id: str) -> int:
        """How many items the playlist holds now (GET /playlists/{id}/items, one item asked for)."""
        _check_id(playlist_id)
        data = self._call(lambda sp: sp.playlist_items(playlist_id, fields="total", limit=1))
        total = data.get("total")
        if not isinstance(total, int):
            raise SpotifyServerError("Spotify answered a playlist's items without a total.")
        return total

    def add_items(self, playlist_id: str, uris: Sequence[str]) -> str | None:
        """Append tracks to a playlist, 100 per request; return the last snapshot id.

        A failure part-way leaves the earlier batches added; the error says which call failed.
        """
        _check_id(playlist_id)
        track_uris = [_track_uri(uri) for uri in uris]
        snapshot_id: str | None = None
        for start in range(0, len(track_uris), ADD_ITEMS_BATCH):
            batch = track_uris[start : start + ADD_ITEMS_BATCH]
            data = self._call(partial(_post_items, playlist_id=playlist_id, uris=batch))
            snapshot_id = data.get("snapshot_id", snapshot_id)
        return snapshot_id

    def audio_features(self, track_ids: Sequence[str]) -> list[dict[str, Any]]:
        """Spotify's audio-features objects (raw dicts, unknown ids left out), 100 ids per call.

        Closed to apps created after 2024-11-27: those get SpotifyScopeError (403). Only an
        app that kept its extended access can use it; nothing may depend on it.
        """
        features: list[dict[str, Any]] = []
        ids = list(track_ids)
        for start in range(0, len(ids), AUDIO_FEATURES_BATCH):
            batch = ",".join(ids[start : start + AUDIO_FEATURES_BATCH])
            data = self._call(partial(_get_audio_features, ids=batch))
            features.extend(item for item in data.get("audio_features") or [] if item)
        return features

    def _call(self, request: Callable[[spotipy.Spotify], Any]) -> Any:
        try:
            return self._attempt(request, fresh_access_token(self._social))
        except _Unauthorized:
            return self._attempt(request, fresh_access_token(self._social, force_refresh=True), retry=False)

    def _attempt(self, request: Callable[[spotipy.Spotify], Any], token: str, *, retry: bool = True) -> Any:
        self._sp.set_auth(token)
        try:
            result = request(self._sp)
        except SpotifyException as error:
            if error.http_status == 401 and retry:
                raise _Unauthorized from error
            raise _typed_error(error) from error
        except requests.RequestException as error:
            raise SpotifyServerError(f"Spotify could not be reached: {type(error).__name__}") from error
        if not isinstance(result, dict):
            raise SpotifyServerError("Spotify answered with something other than a JSON object.")
        return result


def _get_audio_features(sp: spotipy.Spotify, *, ids: str) -> Any:
    # spotipy's audio_features() warns on every call; the endpoint itself is the same.
    return sp._get("audio-features", ids=ids)


def _post_items(sp: spotipy.Spotify, *, playlist_id: str, uris: list[str]) -> Any:
    # spotipy's playlist_add_items posts a bare JSON list; the documented body is {"uris": [...]}.
    return sp._post(f"playlists/{playlist_id}/items", payload={"uris": uris})


def _typed_error(error: SpotifyException) -> SpotifyError:
    status = error.http_status
    if status == 401:
        return SpotifyAuthError("Spotify refused the access token.")
    if status == 403:
        return SpotifyScopeError(f"Spotify refused the call (403): {error.msg}")
    if status == 404:
        return SpotifyNotFound(f"Spotify has no such resource: {error.msg}")
    if status == 429:
        return SpotifyRateLimited(parse_retry_after((error.headers or {}).get("Retry-After")))
    if status >= 500:
        return SpotifyServerError(f"Spotify failed with {status}.", status=status)
    return SpotifyError(f"Spotify refused the request ({status}): {error.msg}")


def _api_prefix() -> str:
    base: str = settings.SPOTIFY_API_BASE_URL
    return base if base.endswith("/") else f"{base}/"


def _track_uri(value: str) -> str:
    return value if value.startswith("spotify:") else f"spotify:track:{value}"


def _check_id(spotify_id: str) -> None:
    # Ids go into URL paths: anything but base62 could reach another endpoint.
    if not BASE62_ID.fullmatch(spotify_id):
        raise ValueError(f"not a Spotify id: {spotify_id!r}")


def _check_limit(limit: int, maximum: int) -> None:
    if not 1 <= limit <= maximum:
        raise ValueError(f"limit must be between 1 and {maximum}, got {limit}")
