"""Growing the catalog: tracks from connected users' Spotify and from searches, then features
from the provider chain. Each run is recorded in CatalogRefreshRun.

A failure stops only its own part: one user's revoked token, a search refused, a provider
down halfway. What was written before it stays, and the run says what went wrong.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.spotify import SpotifyClient, SpotifyError, SpotifyRateLimited, SpotifyTrack
from recommendations import conf
from recommendations.catalog import upsert_tracks
from recommendations.models import CatalogRefreshRun, TasteTrack, Track
from recommendations.providers import FeaturesProvider, ProviderError, ProviderRateLimited, provider_chain

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)
TASTE_MAX_AGE = timedelta(hours=12)
SCORE_LIMIT = 2000  # unscored tracks looked up per run, oldest first
Sleep = Callable[[float], None]


class _StopSource(Exception):
    """A rate limit too long to wait for: this source is done for the run."""


def taste_sync(*, user: User, client: SpotifyClient, sleep: Sleep = time.sleep) -> int:
    """Fetch the user's top and recently played tracks into the catalog and their taste rows.

    Returns how many tracks were seen. Raises the Spotify client's errors.
    """
    top = _with_rate_limit(lambda: client.top_tracks("medium_term", limit=50), sleep)
    recent = [played.track for played in _with_rate_limit(lambda: client.recently_played(limit=50), sleep)]
    _upsert_spotify_tracks([*top, *recent], source="spotify:user")
    ids = {t.spotify_id: t.pk for t in Track.objects.filter(spotify_id__in=[t.id for t in [*top, *recent]])}
    rows = [
        TasteTrack(user=user, track_id=ids[track.id], source=source, rank=rank)
        for source, tracks in ((TasteTrack.Source.TOP, top), (TasteTrack.Source.RECENT, _unique(recent)))
        for rank, track in enumerate(tracks, start=1)
    ]
    with transaction.atomic():
        TasteTrack.objects.filter(user=user).delete()
        TasteTrack.objects.bulk_create(rows, ignore_conflicts=True)
    return len(top) + len(recent)


def taste_refresh_if_stale(*, user: User, max_age: timedelta = TASTE_MAX_AGE) -> bool:
    """Sync the user's Spotify taste unless it was fetched within `max_age`; True if it synced.

    Best effort: without Spotify, or when Spotify fails, the taste stays as it was.
    """
    fetched = TasteTrack.objects.filter(user=user).aggregate(latest=Max("fetched_at"))["latest"]
    if fetched is not None and timezone.now() - fetched < max_age:
        return False
    try:
        taste_sync(user=user, client=SpotifyClient.for_user(user))
    except (SpotifyError, _StopSource) as exc:
        logger.info("Taste of user %s not refreshed: %s", user.pk, exc)
        return False
    return True


def catalog_refresh_run(*, sleep: Sleep = time.sleep) -> CatalogRefreshRun:
    """One refresh: connected users' tracks, the configured searches, then features. Returns the run."""
    run = CatalogRefreshRun.objects.create()
    before = Track.objects.count()
    errors: list[str] = []
    clients = _connected_clients(errors)
    run.users_seen = len(clients)
    run.tracks_seen = _gather_users(clients, errors, sleep) + _gather_searches(clients, errors, sleep)
    run.tracks_created = Track.objects.count() - before
    providers = provider_chain(spotify_client=clients[0][1] if clients else None)
    run.tracks_scored = _score_unscored(providers, errors, sleep)
    run.tracks_waiting = Track.objects.filter(scored=False).count()
    run.errors, run.finished_at = errors, timezone.now()
    run.status = CatalogRefreshRun.Status.PARTIAL if errors else CatalogRefreshRun.Status.SUCCEEDED
    run.save()
    return run


def catalog_refresh_fail(*, run_id: int, message: str) -> None:
    """Mark an unfinished run failed (the task's last word when something unexpected broke)."""
    CatalogRefreshRun.objects.filter(pk=run_id, finished_at__isnull=True).update(
        status=CatalogRefreshRun.Status.FAILED, finished_at=timezone.now(), errors=[message]
    )


def _connected_clients(errors: list[str]) -> list[tuple[Any, SpotifyClient]]:
    users = get_user_model().objects.filter(social_auth__provider="spotify").distinct().order_by("pk")
    clients = []
    for user in users[: conf.get("RECOMMENDATIONS_REFRESH_MAX_USERS")]:
        try:
            clients.append((user, SpotifyClient.for_user(user)))
        except SpotifyError as exc:
            errors.append(f"user {user.pk}: {exc}")
    return clients


def _gather_users(clients: Sequence[tuple[Any, SpotifyClient]], errors: list[str], sleep: Sleep) -> int:
    seen = 0
    for user, client in clients:
        try:
            seen += taste_sync(user=user, client=client, sleep=sleep)
        except _StopSource as exc:
            errors.append(f"spotify: {exc}")
            break
        except SpotifyError as exc:
            errors.append(f"user {user.pk}: {exc}")
    return seen


def _gather_searches(clients: Sequence[tuple[Any, SpotifyClient]], errors: list[str], sleep: Sleep) -> int:
    queries = conf.get("RECOMMENDATIONS_REFRESH_SEARCHES")
    if not queries or not clients:
        return 0
    client = clients[0][1]  # search needs a token; any connected user's will do
    seen = 0
    for query in queries:
        try:
            tracks = _with_rate_limit(partial(client.search_tracks, query, limit=10), sleep)
        except _StopSource as exc:
            errors.append(f"search: {exc}")
            break
        except SpotifyError as exc:
            errors.append(f"search {query!r}: {exc}")
            continue
        _upsert_spotify_tracks(tracks, source="spotify:search")
        seen += len(tracks)
    return seen


def _score_unscored(providers: Sequence[FeaturesProvider], errors: list[str], sleep: Sleep) -> int:
    """Ask each provider in turn for the unscored tracks' features; write each batch as it comes."""
    waiting = list(Track.objects.filter(scored=False).order_by("created_at", "pk").values_list("spotify_id", flat=True)[:SCORE_LIMIT])
    scored = 0
    for provider in providers:
        try:
            for batch in _batches(waiting, provider.batch_size):
                found = _fetch(provider, batch, sleep)
                scored += _write_features(found, provider.name)
        except (ProviderError, _StopSource) as exc:
            errors.append(f"{provider.name}: {exc}")
        waiting = list(Track.objects.filter(scored=False, spotify_id__in=waiting).values_list("spotify_id", flat=True))
    return scored


def _fetch(provider: FeaturesProvider, batch: list[str], sleep: Sleep) -> dict[str, Any]:
    try:
        return provider.fetch(batch)
    except ProviderRateLimited as exc:
        _wait(exc.retry_after, sleep, str(exc))
        return provider.fetch(batch)


def _write_features(found: dict[str, dict[str, Any]], provider: str) -> int:
    if not found:
        return 0
    # Only ids we asked for come back, so these rows all exist already: fields left out stay as they are.
    upsert_tracks([{"spotify_id": sid, **features} for sid, features in found.items()], source=f"provider:{provider}", features_source=provider)
    return len(found)


def _with_rate_limit(call: Callable[[], Any], sleep: Sleep) -> Any:
    """Spotify's 429: wait for Retry-After (up to the configured limit) and try once more."""
    try:
        return call()
    except SpotifyRateLimited as exc:
        _wait(exc.retry_after, sleep, str(exc))
        return call()


def _wait(seconds: int, sleep: Sleep, what: str) -> None:
    if seconds > conf.get("RECOMMENDATIONS_REFRESH_MAX_WAIT_S"):
        raise _StopSource(what)
    sleep(seconds)


def _upsert_spotify_tracks(tracks: Iterable[SpotifyTrack], *, source: str) -> None:
    rows = [
        {"spotify_id": t.id, "name": t.name[:500], "artists": list(t.artists), "album": t.album[:500], "image_url": t.image_url[:500]}
        for t in tracks if t.id
    ]
    if rows:
        upsert_tracks(rows, source=source)


def _unique(tracks: list[SpotifyTrack]) -> list[SpotifyTrack]:
    first: dict[str, SpotifyTrack] = {}
    for track in tracks:
        first.setdefault(track.id, track)
    return list(first.values())


def _batches(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
