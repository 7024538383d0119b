"""Typed results of the Spotify client, parsed from the Web API's JSON (2026 shapes)."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SpotifyProfile:
    id: str
    display_name: str
    image_url: str | None


@dataclass(frozen=True)
class SpotifyTrack:
    id: str
    name: str
    artists: tuple[str, ...]
    album: str
    uri: str
    image_url: str = ""  # the album's artwork, about 300 px where Spotify has that size


@dataclass(frozen=True)
class SpotifyPlayedTrack:
    track: SpotifyTrack
    played_at: str


@dataclass(frozen=True)
class SpotifyPlaylist:
    id: str
    url: str
    name: str


@dataclass(frozen=True)
class SpotifyPlaylistSummary:
    """A playlist as GET /me/playlists lists it."""

    id: str
    url: str
    name: str
    description: str
    owner_id: str | None
    items_total: int | None


@dataclass(frozen=True)
class SpotifyPlaylistPage:
    """One page of playlists; `next_offset` is None on the last page."""

    items: tuple[SpotifyPlaylistSummary, ...]
    total: int
    next_offset: int | None


def parse_profile(data: dict[str, Any]) -> SpotifyProfile:
    images = data.get("images") or []
    return SpotifyProfile(
        id=data["id"],
        display_name=data.get("display_name") or data["id"],
        image_url=images[0].get("url") if images else None,
    )


def parse_track(data: dict[str, Any]) -> SpotifyTrack:
    return SpotifyTrack(
        id=data["id"],
        name=data.get("name", ""),
        artists=tuple(artist.get("name", "") for artist in data.get("artists") or []),
        album=(data.get("album") or {}).get("name", ""),
        uri=data.get("uri") or f"spotify:track:{data['id']}",
        image_url=_artwork((data.get("album") or {}).get("images") or []),
    )


def _artwork(images: list[dict[str, Any]]) -> str:
    """The smallest album image at least 120 px wide (Spotify lists 640, 300, 64), else the largest."""
    sized = sorted((image for image in images if image.get("url")), key=lambda image: image.get("width") or 0)
    fitting = [image for image in sized if (image.get("width") or 0) >= 120]
    chosen = fitting[0] if fitting else (sized[-1] if sized else None)
    return str(chosen["url"]) if chosen else ""


def parse_tracks(items: list[dict[str, Any] | None]) -> list[SpotifyTrack]:
    # Spotify returns null for tracks that are unavailable or were removed.
    return [parse_track(item) for item in items if item and item.get("id")]


def parse_played(items: list[dict[str, Any]]) -> list[SpotifyPlayedTrack]:
    return [
        SpotifyPlayedTrack(track=parse_track(item["track"]), played_at=item.get("played_at", ""))
        for item in items
        if item.get("track") and item["track"].get("id")
    ]


def parse_playlist(data: dict[str, Any]) -> SpotifyPlaylist:
    url = (data.get("external_urls") or {}).get("spotify") or f"https://open.spotify.com/playlist/{data['id']}"
    return SpotifyPlaylist(id=data["id"], url=url, name=data.get("name", ""))


def parse_playlist_summary(data: dict[str, Any]) -> SpotifyPlaylistSummary:
    # 2026: a playlist's `tracks` ({href, total}) became `items`; older answers still say `tracks`.
    items = data.get("items") or data.get("tracks") or {}
    total = items.get("total") if isinstance(items, dict) else None
    return SpotifyPlaylistSummary(
        id=data["id"],
        url=parse_playlist(data).url,
        name=data.get("name") or "",
        # Spotify HTML-escapes descriptions ("&amp;", "&#x27;", "&#x2F;"): callers get the text that was sent.
        description=html.unescape(data.get("description") or ""),
        owner_id=(data.get("owner") or {}).get("id"),
        items_total=total if isinstance(total, int) else None,
    )


def parse_playlist_page(data: dict[str, Any], *, offset: int) -> SpotifyPlaylistPage:
    entries = data.get("items") or []
    # Spotify may list null for a playlist it cannot show; it still takes a place in the paging.
    playlists = tuple(parse_playlist_summary(e) for e in entries if isinstance(e, dict) and e.get("id"))
    more = bool(data.get("next")) and bool(entries)
    return SpotifyPlaylistPage(
        items=playlists, total=int(data.get("total") or 0), next_offset=offset + len(entries) if more else None
    )
