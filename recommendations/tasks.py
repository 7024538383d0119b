"""Celery tasks of the recommendations app: take ids, call a service, retry what may pass."""
from __future__ import annotations

import logging
import random

from celery import Task, shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from accounts.spotify import (
    SpotifyAuthError,
    SpotifyError,
    SpotifyNotConnected,
    SpotifyRateLimited,
    SpotifyScopeError,
    SpotifyServerError,
)
from recommendations.services import playlists
from recommendations.services.recommendations import RecommendationError, recommendation_create_for_recording
from recommendations.services.refresh import taste_refresh_if_stale

logger = logging.getLogger(__name__)
PLAYLIST_MAX_RETRIES = 5
# A Retry-After longer than this is not worth holding the playlist for.
PLAYLIST_MAX_WAIT_S = 15 * 60
# First wait after a 5xx, a timeout or a lost database connection; each retry doubles it
# (10, 20, 40, 80, 160 s: about five minutes of outage ridden out). Settings may override it
# (PLAYLIST_RETRY_BACKOFF_S), as tests do to keep the numbers small.
PLAYLIST_RETRY_BACKOFF_S = 10.0


@shared_task(name="recommendations.tasks.recommend_for_recording", acks_late=True)
def recommend_for_recording(recording_id: str) -> int | None:
    """After a recording is classified: its recommendation (made once); returns its id."""
    from scenes.models import Recording

    recording = Recording.objects.filter(pk=recording_id).first()
    if recording is None:
        return None
    if not recording.recommendations.exists():
        taste_refresh_if_stale(user=recording.user)
    try:
        return recommendation_create_for_recording(recording=recording).pk
    except RecommendationError as exc:
        # Nothing to retry: the catalog or the criteria table must change first. The page
        # makes the same attempt when the user opens it and shows this message.
        logger.warning("No recommendation for recording %s: %s", recording_id, exc)
        return None


@shared_task(bind=True, name=playlists.SAVE_PLAYLIST_TASK, max_retries=PLAYLIST_MAX_RETRIES, acks_late=True)
def save_playlist(self: Task, export_id: int) -> str:
    """Save a recommendation to Spotify; returns the export's status."""
    try:
        return playlists.playlist_export_run(export_id=export_id).status
    except SpotifyRateLimited as exc:
        return _retry_or_fail(self, export_id, exc, exc.retry_after, playlists.MESSAGE_RATE_LIMITED)
    except SpotifyServerError as exc:
        # 5xx, timeouts and refused connections pass with time: back off, do not hammer Spotify.
        return _retry_or_fail(self, export_id, exc, _backoff_s(self.request.retries), playlists.MESSAGE_UNAVAILABLE)
    except (OperationalError, InterfaceError) as exc:
        # The database went away, possibly between Spotify's answer and our write: without a
        # retry the export would stay pending for good (acks_late acks a failed task). The
        # retry finds the playlist again by its marker (see services.playlists).
        return _retry_or_fail(self, export_id, exc, _backoff_s(self.request.retries), playlists.MESSAGE_INTERRUPTED)
    except SpotifyNotConnected:
        return playlists.playlist_export_fail(export_id=export_id, message=playlists.MESSAGE_NOT_CONNECTED).status
    except (SpotifyAuthError, SpotifyScopeError):
        return playlists.playlist_export_fail(export_id=export_id, message=playlists.MESSAGE_RECONNECT).status
    except SpotifyError:
        logger.exception("Spotify refused playlist export %s", export_id)
        return playlists.playlist_export_fail(export_id=export_id, message=playlists.MESSAGE_FAILED).status


# Retried by hand, not with Celery's autoretry_for/retry_backoff: a 429 waits for Spotify's
# Retry-After, each failure ends with its own message, and autoretry's backoff takes whole
# seconds only (PLAYLIST_RETRY_BACKOFF_S may be a fraction) with a jitter that may wait 0 s.
def _backoff_s(retries: int) -> float:
    """Exponential backoff with up to a quarter more at random, so that the exports a 5xx
    storm failed together do not all come back in the same second."""
    delay = float(getattr(settings, "PLAYLIST_RETRY_BACKOFF_S", PLAYLIST_RETRY_BACKOFF_S)) * 2**retries
    return delay + random.uniform(0, delay / 4)


def _retry_or_fail(task: Task, export_id: int, exc: Exception, countdown: float, message: str) -> str:
    if task.request.retries >= task.max_retries or countdown > PLAYLIST_MAX_WAIT_S:
        logger.warning("Giving up on playlist export %s: %s", export_id, exc)
        return playlists.playlist_export_fail(export_id=export_id, message=message).status
    raise task.retry(exc=exc, countdown=countdown)


@shared_task(name="recommendations.tasks.refresh_catalog", acks_late=True)
def refresh_catalog() -> int:
    """Beat job (schedule in the database, editable in the admin): grow the catalog; returns the run id."""
    from recommendations.services.refresh import catalog_refresh_fail, catalog_refresh_run

    try:
        return catalog_refresh_run().pk
    except Exception as exc:
        from recommendations.models import CatalogRefreshRun

        unfinished = CatalogRefreshRun.objects.filter(finished_at__isnull=True).order_by("-started_at").first()
        if unfinished is not None:
            catalog_refresh_fail(run_id=unfinished.pk, message=f"{type(exc).__name__}: {exc}")
        raise
