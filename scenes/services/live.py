"""Live mode: a listening session, its snippets classified by a worker, their audio deleted at once.

Limits, instead of the hourly recording quota (a 2-hour session would hit it): one open
session per user (a database constraint), at most one snippet per minimum interval per user
(refused snippets count too), short and small snippets, and a bounded session length.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from celery import current_app
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

import scenes.services.classification as classification
from ml.errors import AudioError, ModelArtifactError
from scenes.audio import decode_recording, inspect_audio
from scenes.errors import (
    LIVE_ALREADY_OPEN_MESSAGE,
    LIVE_CONSENT_MESSAGE,
    LIVE_INTERVAL_MESSAGE,
    LIVE_PAUSED_MESSAGE,
    LIVE_SNIPPET_TOO_LARGE_MESSAGE,
    LIVE_SNIPPET_TOO_LONG_MESSAGE,
    LIVE_STOPPED_MESSAGE,
    LIVE_TOO_LONG_SESSION_MESSAGE,
    LIVE_TOO_SOON_MESSAGE,
    MODEL_UNAVAILABLE_MESSAGE,
    PROCESSING_FAILED_MESSAGE,
    InvalidAudio,
    LiveRefused,
    RateLimited,
    RecordingRejected,
    UploadTooLarge,
)
from scenes.live import held_scene
from scenes.models import ListeningSession, LiveSnippet
from scenes.services.personal import personal_lean_fields
from soundscapify.celery import BROKER_ERRORS, PUBLISH_RETRY_POLICY
from soundscapify.time_zones import known_time_zone_or_blank

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)
CLASSIFY_SNIPPET_TASK = "scenes.tasks.classify_snippet"
# A snippet may come this much before the minimum interval: page timers and uploads drift.
EARLY_TOLERANCE = 0.8
OPEN = (ListeningSession.Status.ACTIVE, ListeningSession.Status.PAUSED)


# --- Sessions ------------------------------------------------------------------------------


def live_session_start(*, user: User, interval_s: int, consent: bool, time_zone: str = "") -> ListeningSession:
    """Open a listening session; raises RecordingRejected (400: no consent, interval out of
    bounds) or LiveRefused (409: another session open).

    An open session that ran past its length limit is closed first; any other open session
    refuses the start: one account, one microphone at a time.
    """
    if not consent:
        raise RecordingRejected("consent_required", LIVE_CONSENT_MESSAGE)
    low, high = settings.SCENES_LIVE_MIN_INTERVAL_S, settings.SCENES_LIVE_MAX_INTERVAL_S
    if not low <= interval_s <= high:
        raise RecordingRejected("invalid_interval", LIVE_INTERVAL_MESSAGE.format(low=low, high=high))
    for session in ListeningSession.objects.filter(user=user, status__in=OPEN):
        _stop_if_over(session)
    try:
        with transaction.atomic():
            return ListeningSession.objects.create(
                user=user, interval_s=interval_s, time_zone=known_time_zone_or_blank(time_zone),
                consented_at=timezone.now(),
            )
    except IntegrityError:
        raise LiveRefused("session_open", LIVE_ALREADY_OPEN_MESSAGE) from None


def live_session_pause(*, session: ListeningSession) -> ListeningSession:
    return _set_status(session, ListeningSession.Status.PAUSED)


def live_session_resume(*, session: ListeningSession) -> ListeningSession:
    _refuse_over(session)
    return _set_status(session, ListeningSession.Status.ACTIVE)


def live_session_stop(*, session: ListeningSession) -> ListeningSession:
    """End the session (stopping twice is fine); snippets still queued are classified."""
    if session.status == ListeningSession.Status.STOPPED:
        return session
    ListeningSession.objects.filter(pk=session.pk).exclude(status=ListeningSession.Status.STOPPED).update(
        status=ListeningSession.Status.STOPPED, ended_at=timezone.now(), updated_at=timezone.now()
    )
    session.refresh_from_db()
    return session


def _set_status(session: ListeningSession, status: str) -> ListeningSession:
    if session.status == ListeningSession.Status.STOPPED:
        raise LiveRefused("session_stopped", LIVE_STOPPED_MESSAGE)
    ListeningSession.objects.filter(pk=session.pk, status__in=OPEN).update(status=status, updated_at=timezone.now())
    session.refresh_from_db()
    return session


def session_ends_at(session: ListeningSession) -> datetime:
    return session.started_at + timedelta(seconds=settings.SCENES_LIVE_MAX_SESSION_S)


def _stop_if_over(session: ListeningSession) -> bool:
    if session.status in OPEN and timezone.now() >= session_ends_at(session):
        live_session_stop(session=session)
        return True
    return False


def _refuse_over(session: ListeningSession) -> None:
    if _stop_if_over(session):
        hours = settings.SCENES_LIVE_MAX_SESSION_S / 3600
        raise LiveRefused("session_over", LIVE_TOO_LONG_SESSION_MESSAGE.format(hours=round(hours, 2)))


# --- Snippets ------------------------------------------------------------------------------


def live_snippet_add(*, session: ListeningSession, upload: UploadedFile) -> LiveSnippet:
    """Check `upload` and queue it for classification once committed; returns the queued snippet.

    Raises LiveRefused (409: paused, stopped, over its length), RateLimited (429: sooner than
    the minimum interval), UploadTooLarge (413) or InvalidAudio (400). The interval counts
    from the last snippet sent, refused or not, so bad snippets cannot flood the checks either.
    """
    _refuse_unless_active(session)
    size = upload.size or 0
    if size > settings.SCENES_LIVE_MAX_SNIPPET_BYTES:
        limit_kb = settings.SCENES_LIVE_MAX_SNIPPET_BYTES / 1024
        raise UploadTooLarge("too_large", LIVE_SNIPPET_TOO_LARGE_MESSAGE.format(limit_kb=limit_kb))
    _claim_interval(session)
    try:
        audio = inspect_audio(
            cast(BinaryIO, upload),
            min_duration_s=settings.SCENES_MIN_DURATION_S,
            max_duration_s=settings.SCENES_LIVE_MAX_SNIPPET_S,
        )
    except InvalidAudio as exc:
        if exc.code == "too_long":
            raise InvalidAudio("too_long", _too_long_message()) from None
        raise
    with transaction.atomic():
        snippet = LiveSnippet(session=session, duration_s=audio.duration_s)
        snippet.file.save(f"{snippet.id}.{audio.extension}", upload, save=False)
        try:
            snippet.save()
        except BaseException:
            snippet.file.delete(save=False)
            raise
        snippet_id = str(snippet.id)
        transaction.on_commit(lambda: _send_snippet(snippet_id))
    return snippet


def _too_long_message() -> str:
    return LIVE_SNIPPET_TOO_LONG_MESSAGE.format(limit_s=settings.SCENES_LIVE_MAX_SNIPPET_S)


def _refuse_unless_active(session: ListeningSession) -> None:
    session.refresh_from_db()
    if session.status == ListeningSession.Status.STOPPED:
        raise LiveRefused("session_stopped", LIVE_STOPPED_MESSAGE)
    _refuse_over(session)
    if session.status == ListeningSession.Status.PAUSED:
        raise LiveRefused("session_paused", LIVE_PAUSED_MESSAGE)


def _claim_interval(session: ListeningSession) -> None:
    """Take this user's next snippet slot, or raise RateLimited with the seconds to wait."""
    min_gap = settings.SCENES_LIVE_MIN_INTERVAL_S * EARLY_TOLERANCE
    with transaction.atomic():
        # One snippet at a time per user, so that two parallel ones cannot both pass.
        get_user_model().objects.select_for_update().filter(pk=session.user_id).first()
        last = ListeningSession.objects.filter(user_id=session.user_id).aggregate(last=Max("last_snippet_at"))["last"]
        now = timezone.now()
        if last is not None and (now - last).total_seconds() < min_gap:
            wait = max(1, int(min_gap - (now - last).total_seconds()) + 1)
            message = LIVE_TOO_SOON_MESSAGE.format(interval=settings.SCENES_LIVE_MIN_INTERVAL_S, wait=wait)
            raise RateLimited("too_soon", message, retry_after_s=wait)
        ListeningSession.objects.filter(pk=session.pk).update(last_snippet_at=now, updated_at=now)


def _send_snippet(snippet_id: str) -> None:
    try:
        current_app.tasks[CLASSIFY_SNIPPET_TASK].apply_async((snippet_id,), retry_policy=PUBLISH_RETRY_POLICY)
    except BROKER_ERRORS:
        # The audio must not wait for a sweep: fail the snippet, delete it; the page sends the next.
        logger.warning("Broker unreachable: live snippet %s failed", snippet_id)
        snippet_fail(snippet_id=snippet_id, code="unavailable", message=PROCESSING_FAILED_MESSAGE)


# --- Classification (the worker) -----------------------------------------------------------


def snippet_classify(*, snippet_id: str) -> LiveSnippet | None:
    """Classify a queued snippet, delete its audio, store its result and move the held scene.

    Safe to run twice: a snippet no longer queued (or gone) does nothing and returns None.
    Bad audio or no model fail the snippet (audio deleted, the session goes on). Transient
    errors (storage, database) propagate for the task to retry; its last try fails the snippet.
    """
    snippet = LiveSnippet.objects.filter(pk=snippet_id, status=LiveSnippet.Status.QUEUED).first()
    if snippet is None:
        return None
    try:
        result = _classify_file(snippet)
    except AudioError as exc:
        return snippet_fail(snippet_id=snippet_id, code=exc.code, message=exc.message)
    except InvalidAudio as exc:
        return snippet_fail(snippet_id=snippet_id, code=exc.code, message=exc.message)
    except ModelArtifactError:
        logger.exception("Scene model unavailable for live snippet %s", snippet_id)
        return snippet_fail(snippet_id=snippet_id, code="model_unavailable", message=MODEL_UNAVAILABLE_MESSAGE)
    return _store_snippet_result(snippet_id, result)


def _classify_file(snippet: LiveSnippet) -> Any:
    # The recordings' model calls, looked up at call time (the tests stand in for the model there).
    if not snippet.file:
        raise InvalidAudio("no_audio", PROCESSING_FAILED_MESSAGE)
    with snippet.file.open("rb") as handle:
        data = handle.read()  # at most SCENES_LIVE_MAX_SNIPPET_BYTES
    audio = decode_recording(
        data,
        target_sr=classification._model_sample_rate(),
        min_duration_s=settings.SCENES_MIN_DURATION_S,
        max_duration_s=settings.SCENES_LIVE_MAX_SNIPPET_S,
    )
    return classification._classify(audio.samples, audio.sample_rate)


def _store_snippet_result(snippet_id: str, result: Any) -> LiveSnippet | None:
    with transaction.atomic():
        snippet = LiveSnippet.objects.select_for_update().filter(pk=snippet_id, status=LiveSnippet.Status.QUEUED).first()
        if snippet is None:
            return None  # a twin delivery stored it first
        session = ListeningSession.objects.select_for_update().get(pk=snippet.session_id)
        fields = _snippet_fields(result, personal_lean_fields(user_id=session.user_id, result=result))
        for name, value in fields.items():
            setattr(snippet, name, value)
        snippet.status, snippet.classified_at = LiveSnippet.Status.DONE, timezone.now()
        snippet.held_scene = _move_held_scene(session, snippet)
        _delete_audio(snippet)
        snippet.save()
    return snippet


def _snippet_fields(result: Any, lean: dict[str, Any]) -> dict[str, Any]:
    probabilities = lean.get("scene_probabilities", result.scene_probabilities)
    return {
        "scene_probabilities": {scene: round(float(p), 4) for scene, p in probabilities.items()},
        "top_scene": lean.get("top_scene", result.top_scene),
        "confidence": float(lean.get("confidence", result.confidence)),
        "personal": lean["personal"],
        "model_version": result.model_version,
        "processing_ms": round(result.processing_ms),
    }


def _move_held_scene(session: ListeningSession, snippet: LiveSnippet) -> str:
    """Apply the hysteresis with this snippet as the newest; returns the session's scene after it."""
    hold = max(1, settings.SCENES_LIVE_HOLD_SNIPPETS)
    # The session's latest results in the order they were recorded, this one in its place: two
    # workers may finish a session's snippets out of order.
    others = (
        LiveSnippet.objects.filter(session=session, status=LiveSnippet.Status.DONE)
        .exclude(pk=snippet.pk)
        .order_by("-created_at")
        .values_list("created_at", "top_scene")[:hold]
    )
    ordered = sorted([*others, (snippet.created_at, snippet.top_scene)])
    recent = [scene for _, scene in ordered[-hold:]]
    scene = held_scene(current=session.scene, recent=recent, hold=hold)
    now = timezone.now()
    changes = session.scene_changes + (1 if session.scene and scene != session.scene else 0)
    changed_at = now if scene != session.scene else session.scene_changed_at
    probabilities = snippet.scene_probabilities if scene == snippet.top_scene else session.scene_probabilities
    ListeningSession.objects.filter(pk=session.pk).update(
        scene=scene, scene_probabilities=probabilities, scene_changes=changes, scene_changed_at=changed_at, updated_at=now
    )
    return scene


def _delete_audio(snippet: LiveSnippet) -> None:
    """Forget the snippet's file; storage deletes it after commit (a rollback keeps the row's pointer)."""
    name, storage = snippet.file.name, snippet.file.storage
    if not name:
        return
    snippet.file.name = ""
    LiveSnippet.objects.filter(pk=snippet.pk).update(file="")
    transaction.on_commit(lambda: storage.delete(name))


def snippet_fail(*, snippet_id: str, code: str, message: str) -> LiveSnippet | None:
    """Fail a queued snippet and delete its audio; a finished (or deleted) one is left alone."""
    with transaction.atomic():
        snippet = LiveSnippet.objects.select_for_update().filter(pk=snippet_id, status=LiveSnippet.Status.QUEUED).first()
        if snippet is None:
            return None
        snippet.status, snippet.error_code, snippet.error_message = LiveSnippet.Status.FAILED, code, message[:255]
        snippet.classified_at = timezone.now()
        _delete_audio(snippet)
        snippet.save()
    return snippet


def live_snippets_fail_stale(*, older_than: timedelta | None = None) -> int:
    """Fail snippets whose job was lost (still queued after the classification time limit and a
    margin) and delete their audio: a live snippet is worth nothing minutes later. Returns how many."""
    limit = older_than if older_than is not None else timedelta(seconds=2 * settings.SCENES_CLASSIFY_TIME_LIMIT)
    stale = LiveSnippet.objects.filter(status=LiveSnippet.Status.QUEUED, created_at__lt=timezone.now() - limit)
    failed = 0
    for snippet_id in stale.values_list("pk", flat=True):
        if snippet_fail(snippet_id=str(snippet_id), code="unavailable", message=PROCESSING_FAILED_MESSAGE):
            failed += 1
    return failed

