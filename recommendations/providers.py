"""Where audio features come from for tracks that arrive without them: a chain of providers.

Each provider answers what it can for a batch of Spotify ids; what it cannot answer goes to
the next one; a track no provider can score stays unscored and is never recommended.
Order and choice: settings.RECOMMENDATIONS_FEATURE_PROVIDERS (dotted class paths).

`ReccoBeatsClient` is the one module that talks to ReccoBeats (off by default:
RECCOBEATS_ENABLED, RECCOBEATS_BASE_URL). Spotify's own endpoint goes through the Spotify
client, as everything Spotify does.
"""
from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any, Protocol

import requests
from django.utils.module_loading import import_string

from recommendations import conf

Features = dict[str, float | int | None]
FEATURE_FIELDS = ("valence", "energy", "danceability", "acousticness", "instrumentalness", "speechiness", "tempo", "loudness", "mode", "key")
SPOTIFY_TRACK_URL = re.compile(r"open\.spotify\.com/track/([0-9A-Za-z]{22})")


class ProviderError(Exception):
    """A provider failed for this batch (unreachable, refused, answered nonsense)."""


class ProviderRateLimited(ProviderError):
    def __init__(self, provider: str, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"{provider} rate limit reached (retry after {retry_after} s)")


class FeaturesProvider(Protocol):
    name: str
    batch_size: int

    def enabled(self) -> bool: ...

    def fetch(self, spotify_ids: Sequence[str]) -> dict[str, Features]:
        """Features for the ids it knows (others are left out). Raises ProviderError."""
        ...


def provider_chain(*, spotify_client: Any = None) -> list[FeaturesProvider]:
    """The configured providers that are switched on, in order.

    Each provider class is built with `spotify_client` (a connected user's SpotifyClient,
    or None); those that do not call Spotify ignore it.
    """
    providers = [import_string(path)(spotify_client=spotify_client) for path in conf.get("RECOMMENDATIONS_FEATURE_PROVIDERS")]
    return [provider for provider in providers if provider.enabled()]


def clean_features(raw: dict[str, Any]) -> Features | None:
    """The features we keep, range-checked; None unless valence and energy are usable."""
    out: Features = {}
    for field in FEATURE_FIELDS:
        value = raw.get(field)
        out[field] = float(value) if isinstance(value, (int, float)) and math.isfinite(value) else None
    for field in ("valence", "energy", "danceability", "acousticness", "instrumentalness", "speechiness"):
        if out[field] is not None and not 0.0 <= out[field] <= 1.0:  # type: ignore[operator]
            out[field] = None
    out["mode"] = int(out["mode"]) if out["mode"] in (0.0, 1.0) else None
    out["key"] = int(out["key"]) if out["key"] is not None and 0 <= out["key"] <= 11 else None
    if out["valence"] is None or out["energy"] is None:
        return None
    return out


class ReccoBeatsClient:
    """GET {base}audio-features?ids=... (Spotify ids; the answer names each track by its Spotify URL)."""

    def __init__(self, base_url: str | None = None, timeout: float | None = None) -> None:
        base = base_url or conf.get("RECCOBEATS_BASE_URL")
        self.base_url = base if base.endswith("/") else f"{base}/"
        self.timeout = timeout or conf.get("RECCOBEATS_TIMEOUT")
        self.session = requests.Session()

    def audio_features(self, spotify_ids: Sequence[str]) -> list[dict[str, Any]]:
        try:
            response = self.session.get(f"{self.base_url}audio-features", params={"ids": ",".join(spotify_ids)}, timeout=self.timeout)
        except requests.RequestException as exc:
            raise ProviderError(f"ReccoBeats could not be reached: {type(exc).__name__}") from exc
        if response.status_code == 429:
            raise ProviderRateLimited("ReccoBeats", _retry_after(response.headers.get("Retry-After")))
        if response.status_code != 200:
            raise ProviderError(f"ReccoBeats answered {response.status_code}")
        try:
            body = response.json()
        except ValueError as exc:
            raise ProviderError("ReccoBeats answered something other than JSON") from exc
        items = body.get("content") if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise ProviderError("ReccoBeats answered without a content list")
        return [item for item in items if isinstance(item, dict)]


class ReccoBeatsProvider:
    name = "reccobeats"
    batch_size = 40  # ReccoBeats takes at most 40 ids per request

    def __init__(self, spotify_client: Any = None) -> None:
        pass  # keyless: no Spotify client needed

    def enabled(self) -> bool:
        return bool(conf.get("RECCOBEATS_ENABLED"))

    def fetch(self, spotify_ids: Sequence[str]) -> dict[str, Features]:
        found: dict[str, Features] = {}
        for item in ReccoBeatsClient().audio_features(spotify_ids):
            match = SPOTIFY_TRACK_URL.search(str(item.get("href", "")))
            features = clean_features(item)
            if match and features is not None and match.group(1) in spotify_ids:
                found[match.group(1)] = features
        return found


class SpotifyAudioFeaturesProvider:
    """Spotify's GET /audio-features: closed to apps created after 2024-11-27, so off by default."""

    name = "spotify"
    batch_size = 100

    def __init__(self, spotify_client: Any = None) -> None:
        self.client = spotify_client

    def enabled(self) -> bool:
        from accounts.spotify import SpotifyClient

        # Needs SpotifyClient.audio_features (asked of accounts/spotify) and an app with access.
        return bool(conf.get("RECOMMENDATIONS_SPOTIFY_AUDIO_FEATURES_ENABLED")) and hasattr(SpotifyClient, "audio_features")

    def fetch(self, spotify_ids: Sequence[str]) -> dict[str, Features]:
        from accounts.spotify import SpotifyError

        if self.client is None:
            raise ProviderError("Spotify audio features need a connected user's client")
        try:
            items = self.client.audio_features(list(spotify_ids))
        except SpotifyError as exc:
            raise ProviderError(f"Spotify audio features: {exc}") from exc
        found = {}
        for item in items or []:
            features = clean_features(item) if isinstance(item, dict) else None
            if features is not None and item.get("id") in spotify_ids:
                found[item["id"]] = features
        return found


def _retry_after(value: str | None) -> int:
    try:
        return max(1, int(float(value or 1)))
    except ValueError:
        return 1
