"""Classification: queued after commit, run by a worker, its result stored exactly once.

Each classification request has a `job_id` (Recording.job_id). Deliveries of a job are
at-least-once (acks_late, reject_on_worker_lost, Redis redelivery, the stale sweep), so
everything here is idempotent per job: SceneResult.job_id is unique.
"""
from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from ml.decoding import DecodedAudio
from ml.errors import AudioError, ModelArtifactError
from scenes.audio import STORED_EXTENSION, decode_recording, encode_for_storage
from scenes.errors import (
    MODEL_UNAVAILABLE_MESSAGE,
    NO_AUDIO_MESSAGE,
    PROCESSING_FAILED_MESSAGE,
    AudioGone,
    InvalidAudio,
)
from scenes.models import Recording, SceneResult
from scenes.selectors import label_to_scene
from scenes.services.personal import personal_result_fields
from scenes.services.storage import recording_audio_delete, recording_audio_replace
from scenes.signals import recording_classified
from soundscapify.celery import BROKER_ERRORS, PUBLISH_RETRY_POLICY

logger = logging.getLogger(__name__)
JobId = uuid.UUID | str
# Deliveries of one job before we give up: a file that kills the worker every time would
# otherwise be redelivered forever. Covers the first try, three retries and a redelivery.
MAX_ATTEMPTS = 5
PENDING = (Recording.Status.QUEUED, Recording.Status.PROCESSING)
# The name scenes/tasks.py registers the classification task under: jobs are sent through
# Celery's registry by it, so this module, which the task module imports, never imports the
# task module back.
CLASSIFY_TASK = "scenes.tasks.classify_recording"
# Seconds past the classification time limit before a processing job counts as stale.
STALE_MARGIN_S = 15


class NoAudioError(AudioError):
    code = "no_audio"
    default_message = NO_AUDIO_MESSAGE


def enqueue_on_commit(recording: Recording) -> None:
    """Send the recording's current job to the `ml` queue once the transaction commits.

    Never raises for a broker that is down: see _send_job.
    """
    recording_id, job_id = str(recording.id), str(recording.job_id)
    transaction.on_commit(lambda: _send_job(recording_id, job_id))


def _send_job(recording_id: str, job_id: str) -> bool:
    """Publish one classification job; False when the broker is down or hangs (logged, not raised).

    This runs after the commit: the recording exists and stays queued whatever happens here.
    Raising would turn an accepted upload into a 500 (the client uploads again: a twin
    recording) for a job that recordings_requeue_stale sends anyway once the broker is back.
    """
    try:
        current_app.tasks[CLASSIFY_TASK].apply_async((recording_id, job_id), retry_policy=PUBLISH_RETRY_POLICY)
    except BROKER_ERRORS:
        logger.warning("Broker unreachable: recording %s (job %s) stays queued for the stale sweep", recording_id, job_id)
        return False
    return True


def recording_classify(*, recording_id: JobId, job_id: JobId) -> Recording | None:
    """Classify the recording for job `job_id` and store the result once; returns the recording.

    Safe to run any number of times: a job that has finished (done or failed), that a newer
    job replaced, or whose recording is gone does nothing and returns None. The uploaded
    file is replaced by its re-encoded audio (once). A bad file marks the recording failed
    with its message (and deletes the audio). Transient errors (storage, database)
    propagate for the task to retry.
    """
    recording = _start_processing(recording_id, job_id)
    if recording is None:
        return None
    try:
        data = _read_audio(recording)
        audio = _decode(data)
        _keep_reencoded(recording, data, audio.duration_s)
        result = _classify(audio.samples, audio.sample_rate)
    except (AudioError, InvalidAudio) as exc:
        return recording_fail(recording=recording, job_id=job_id, code=exc.code, message=exc.message, delete_audio=True)
    except ModelArtifactError:
        logger.exception("Scene model unavailable for recording %s", recording.id)
        message = MODEL_UNAVAILABLE_MESSAGE
        return recording_fail(recording=recording, job_id=job_id, code="model_unavailable", message=message)
    if _store_result(recording, job_id, result):
        recording.refresh_from_db()
        _after_classification(recording)
    return recording


def _start_processing(recording_id: JobId, job_id: JobId) -> Recording | None:
    pending = Recording.objects.filter(pk=recording_id, job_id=job_id, status__in=PENDING)
    now = timezone.now()
    started = pending.filter(attempts__lt=MAX_ATTEMPTS).update(
        status=Recording.Status.PROCESSING, attempts=F("attempts") + 1, processing_started_at=now, updated_at=now
    )
    if started:
        return Recording.objects.filter(pk=recording_id).first()  # None if deleted meanwhile
    exhausted = pending.first()
    if exhausted is not None:
        logger.error("Recording %s: job %s started %s times, never finished", recording_id, job_id, exhausted.attempts)
        recording_fail(recording=exhausted, job_id=job_id, code="unavailable", message=PROCESSING_FAILED_MESSAGE)
    return None


def _read_audio(recording: Recording) -> bytes:
    if not recording.file:
        raise NoAudioError()
    with recording.file.open("rb") as handle:
        return handle.read()  # at most SCENES_MAX_UPLOAD_BYTES: the upload checked its size


def _decode(data: bytes) -> DecodedAudio:
    # Decoded straight to the model's rate, with the resampler its training data went through.
    return decode_recording(
        data,
        target_sr=_model_sample_rate(),
        min_duration_s=settings.SCENES_MIN_DURATION_S,
        max_duration_s=settings.SCENES_MAX_DURATION_S,
    )


def _keep_reencoded(recording: Recording, data: bytes, duration_s: float) -> None:
    """Replace the uploaded bytes by the decoded audio, re-encoded: a redelivery finds it done."""
    if (recording.file.name or "").endswith(f".{STORED_EXTENSION}"):
        return
    content = encode_for_storage(data, max_duration_s=settings.SCENES_MAX_DURATION_S)
    recording_audio_replace(recording, content=content, extension=STORED_EXTENSION, duration_s=round(duration_s, 3))


def _model_sample_rate() -> int:
    # Imported here: ml.inference loads TensorFlow, which only worker children may do.
    from ml.inference import get_model

    return get_model().sample_rate


def _classify(samples: Any, sample_rate: int) -> Any:
    from ml.inference import classify_samples

    return classify_samples(samples, sample_rate, label_to_scene=label_to_scene())


def _store_result(recording: Recording, job_id: JobId, result: Any) -> bool:
    """Store `result` unless this job's result exists or a newer job replaced it."""
    try:
        with transaction.atomic():
            current = Recording.objects.select_for_update().get(pk=recording.pk)
            if str(current.job_id) != str(job_id) or SceneResult.objects.filter(job_id=job_id).exists():
                return False
            fields = {**_result_fields(result), **personal_result_fields(recording=current, result=result)}
            stored = SceneResult.objects.create(recording=current, job_id=job_id, **fields)
            now = timezone.now()
            Recording.objects.filter(pk=current.pk).update(
                result=stored, status=Recording.Status.DONE, error_code="", error_message="",
                completed_at=now, updated_at=now,
            )
    except IntegrityError:
        # A twin delivery of the same job stored it between our check and our insert.
        return False
    except Recording.DoesNotExist:
        return False
    return True


def _result_fields(result: Any) -> dict[str, Any]:
    return {
        "scene_probabilities": {scene: float(p) for scene, p in result.scene_probabilities.items()},
        "top_scene": result.top_scene,
        "confidence": float(result.confidence),
        "top_labels": [{"label": label, "probability": float(p)} for label, p in result.top_labels],
        "heard": [{"name": name, "score": float(score)} for name, score in result.heard],
        "timeline": [_window(window) for window in result.timeline],
        "model_version": result.model_version,
        "processing_ms": round(result.processing_ms),
    }


def _window(window: dict[str, Any]) -> dict[str, Any]:
    return {
        "start_s": float(window["start_s"]),
        "end_s": float(window["end_s"]),
        "top_scene": window["top_scene"],
        "scenes": {scene: float(p) for scene, p in window["scenes"].items()},
    }


def recording_fail(
    *, recording: Recording, job_id: JobId, code: str, message: str, delete_audio: bool = False
) -> Recording:
    """Mark the recording failed for job `job_id` (a newer or finished job is left alone); returns it."""
    with transaction.atomic():
        pending = Recording.objects.filter(pk=recording.pk, job_id=job_id, status__in=PENDING)
        now = timezone.now()
        changed = pending.update(
            status=Recording.Status.FAILED, error_code=code, error_message=message, completed_at=now, updated_at=now
        )
        if not changed:
            return recording  # a newer job, a finished one, or a deleted recording: leave it be
        recording.refresh_from_db()
        if delete_audio and recording.file:
            # A file we cannot classify is of no use to anyone: do not keep it.
            recording_audio_delete(recording)
    return recording


def _after_classification(recording: Recording) -> None:
    recording_classified.send(sender=Recording, recording=recording)


def recording_reclassify(*, recording: Recording) -> Recording:
    """Queue a new job with the active model; the current result stays until the new one replaces it.

    Raises AudioGone when the raw audio has been deleted.
    """
    if not recording.file:
        raise AudioGone("no_audio", NO_AUDIO_MESSAGE)
    with transaction.atomic():
        recording.job_id = uuid.uuid4()
        recording.status = Recording.Status.QUEUED
        recording.error_code = recording.error_message = ""
        recording.attempts = 0
        recording.completed_at = None
        fields = ["job_id", "status", "error_code", "error_message", "attempts", "completed_at", "updated_at"]
        recording.save(update_fields=fields)
        enqueue_on_commit(recording)
    return recording


def recordings_requeue_stale(*, older_than: timedelta | None = None) -> int:
    """Send again the jobs of recordings stuck queued or processing; returns how many were sent.

    A message can be lost without any worker error: a worker killed outright (Redis gives
    its tasks back only after the visibility timeout, the filesystem broker never does), a
    broker that lost its data. The job id stays the same, so a job that was only slow is
    not stored twice.

    Stale means, unless `older_than` says otherwise: processing for longer than the
    classification task may run (no live worker can still hold it), or queued for longer
    than a busy queue should take. A job sent again is queued anew, so the shorter limit
    never sends it twice while it waits behind others.

    Each recording is claimed with a conditional update before its job is sent: several
    workers sweep at once, and each stale job must go out once. A recording's wait restarts
    only once its job is sent: one the broker refused is stale at the next sweep too. The
    first refusal ends the sweep, since each further try would wait out the broker's timeout
    as well. The jobs are sent at once, not on commit: the recordings are committed rows.
    """
    now = timezone.now()
    requeued = 0
    for recording in _stale_recordings(now, older_than).iterator():
        if not _claim_stale(recording, now):
            continue  # another sweep took it, or it moved on
        if not _send_job(str(recording.id), str(recording.job_id)):
            _unclaim_stale(recording, now)
            break
        requeued += 1
    return requeued


def stale_processing_after() -> timedelta:
    """How long after its start a classification cannot be running any more: the task's hard
    time limit kills it by then, plus a margin for clocks and the kill itself."""
    return timedelta(seconds=settings.SCENES_CLASSIFY_TIME_LIMIT + STALE_MARGIN_S)


def _stale_recordings(now: datetime, older_than: timedelta | None) -> QuerySet[Recording]:
    processing_limit = stale_processing_after() if older_than is None else older_than
    queued_limit = timedelta(seconds=2 * settings.CELERY_TASK_TIME_LIMIT) if older_than is None else older_than
    return Recording.objects.filter(
        Q(status=Recording.Status.PROCESSING, updated_at__lt=now - processing_limit)
        | Q(status=Recording.Status.QUEUED, updated_at__lt=now - queued_limit)
    )


def _claim_stale(recording: Recording, now: datetime) -> bool:
    unchanged = Recording.objects.filter(
        pk=recording.pk, job_id=recording.job_id, status=recording.status, updated_at=recording.updated_at
    )
    return bool(unchanged.update(status=Recording.Status.QUEUED, updated_at=now))


def _unclaim_stale(recording: Recording, now: datetime) -> None:
    claimed = Recording.objects.filter(pk=recording.pk, job_id=recording.job_id, updated_at=now)
    claimed.update(status=recording.status, updated_at=recording.updated_at)
