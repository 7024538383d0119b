"""Celery tasks of the scenes app: take ids, call a service. Routed to the `ml` queue by settings."""
from __future__ import annotations

import logging
import threading
import time
from typing import Any

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_process_init, worker_ready, worker_shutting_down
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connections

from scenes import services
from scenes.errors import PROCESSING_FAILED_MESSAGE
from scenes.models import Recording
from scenes.services.classification import CLASSIFY_TASK
from scenes.services.live import CLASSIFY_SNIPPET_TASK

logger = logging.getLogger(__name__)

# What may succeed on a second try: storage and network hiccups (OSError covers
# ConnectionError), a database that went away or was locked. Bad audio is not here: it
# fails at once, with its message; nor are bugs (IntegrityError, TypeError...).
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OSError, TimeoutError, OperationalError, InterfaceError)
try:
    from botocore.exceptions import BotoCoreError

    TRANSIENT_ERRORS += (BotoCoreError,)
except ImportError:  # pragma: no cover - django-storages[s3] is a runtime dependency
    pass
MAX_RETRIES = 3
# The soft limit comes this much before the hard one: time to mark the recording failed.
SOFT_LIMIT_HEADROOM_S = 10


# What a recording's and a snippet's classification share.
CLASSIFICATION_TASK_OPTIONS: dict[str, Any] = {
    "bind": True,
    # Celery sends a transient failure again after 1, 2, then 4 s; the last try gives up
    # in the task itself, so that the row ends failed with a message a user can read.
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": True,
    "retry_jitter": False,
    "max_retries": MAX_RETRIES,
    "acks_late": True,
    "reject_on_worker_lost": True,
    # Its own limits, far below the other tasks': the stale sweep's threshold follows them
    # (services.stale_processing_after), and so does how soon a dead worker's job runs again.
    "time_limit": settings.SCENES_CLASSIFY_TIME_LIMIT,
    "soft_time_limit": max(1, settings.SCENES_CLASSIFY_TIME_LIMIT - SOFT_LIMIT_HEADROOM_S),
}


@shared_task(name=CLASSIFY_TASK, **CLASSIFICATION_TASK_OPTIONS)
def classify_recording(self: Task, recording_id: str, job_id: str) -> str | None:
    """Classify one recording for one classification request; returns its final status."""
    redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
    logger.info(
        "Classifying recording %s (job %s, retry %s, redelivered %s)",
        recording_id, job_id, self.request.retries, redelivered,
    )
    try:
        recording = services.recording_classify(recording_id=recording_id, job_id=job_id)
    except SoftTimeLimitExceeded:
        return _give_up(recording_id, job_id, "timed_out")
    except TRANSIENT_ERRORS:
        if self.request.retries < self.max_retries:
            raise  # to autoretry_for
        logger.exception("Giving up on recording %s", recording_id)
        return _give_up(recording_id, job_id, "unavailable")
    return recording.status if recording else None


def _give_up(recording_id: str, job_id: str, code: str) -> str | None:
    recording = Recording.objects.filter(pk=recording_id).first()
    if recording is None:
        return None
    failed = services.recording_fail(recording=recording, job_id=job_id, code=code, message=PROCESSING_FAILED_MESSAGE)
    return failed.status


@shared_task(name=CLASSIFY_SNIPPET_TASK, **CLASSIFICATION_TASK_OPTIONS)
def classify_snippet(self: Task, snippet_id: str) -> str | None:
    """Classify one live snippet (its audio is deleted whatever happens); returns its final status."""
    try:
        snippet = services.snippet_classify(snippet_id=snippet_id)
    except SoftTimeLimitExceeded:
        snippet = services.snippet_fail(snippet_id=snippet_id, code="timed_out", message=PROCESSING_FAILED_MESSAGE)
    except TRANSIENT_ERRORS:
        if self.request.retries < self.max_retries:
            raise  # to autoretry_for
        logger.exception("Giving up on live snippet %s", snippet_id)
        snippet = services.snippet_fail(snippet_id=snippet_id, code="unavailable", message=PROCESSING_FAILED_MESSAGE)
    return snippet.status if snippet else None


@shared_task(name="scenes.tasks.purge_expired_audio", queue="default")
def purge_expired_audio() -> int:
    """Beat job: delete raw audio past the retention period, keep the results."""
    purged = services.recordings_purge_expired_audio()
    logger.info("Deleted the audio of %s recordings past the retention period", purged)
    return purged


@shared_task(name="scenes.tasks.requeue_stale_recordings", queue="default")
def requeue_stale_recordings() -> int:
    """Beat job: send again the jobs of recordings stuck queued or processing (a lost message)."""
    requeued = services.recordings_requeue_stale()
    if requeued:
        logger.warning("Sent %s stale classification jobs again", requeued)
    _fail_stale_snippets()
    return requeued


def _fail_stale_snippets() -> None:
    failed = services.live_snippets_fail_stale()
    if failed:
        logger.warning("Failed %s live snippets whose job was lost; their audio is deleted", failed)


_sweep_stopped = threading.Event()


@worker_ready.connect
def _start_stale_sweep(**kwargs: Any) -> None:
    """Every worker sends again the jobs that dead workers left behind, every
    SCENES_STALE_SWEEP_INTERVAL seconds from its start: the recovery needs no beat.

    It runs in a thread of the worker's parent process, which never classifies; claims
    (services.recordings_requeue_stale) keep several workers from sending a job twice.
    """
    interval = settings.SCENES_STALE_SWEEP_INTERVAL
    if interval > 0:
        _sweep_stopped.clear()
        threading.Thread(target=_sweep_until_stopped, args=(interval,), name="stale-job-sweep", daemon=True).start()


@worker_shutting_down.connect
def _stop_stale_sweep(**kwargs: Any) -> None:
    _sweep_stopped.set()


def _sweep_until_stopped(interval: float) -> None:
    while not _sweep_stopped.is_set():
        _sweep_once()
        _sweep_stopped.wait(interval)


def _sweep_once() -> None:
    try:
        requeued = services.recordings_requeue_stale()
        _fail_stale_snippets()
    except DatabaseError:
        logger.warning("Stale-job sweep skipped: database unavailable", exc_info=True)
        return
    finally:
        # Closed between sweeps: a pool child forked meanwhile must not inherit an open one.
        connections.close_all()
    if requeued:
        logger.warning("Sent %s stale classification jobs again", requeued)


@worker_process_init.connect
def _warm_up_model(**kwargs: Any) -> None:
    """Load the scene model in each pool child, so the first recording does not wait for it.

    worker_process_init fires in pool children only, never in the parent: TensorFlow is
    not fork-safe, so the parent must not load it. A worker that takes no classifications
    (the default queue's, on an image without TensorFlow) loads nothing.
    """
    from ml.errors import ModelArtifactError

    if not _takes_classifications():
        return
    started = time.monotonic()
    try:
        from ml.inference import active_model_version, warm_up

        warm_up()
    except (ImportError, ModelArtifactError):
        # The task will mark recordings failed with a readable message; the worker stays up.
        logger.exception("Scene model warm-up failed")
        return
    logger.info("Scene model %s warm in %.1f s", active_model_version(), time.monotonic() - started)


def _takes_classifications() -> bool:
    """Whether this worker consumes the queue that classifications are routed to (-Q)."""
    from soundscapify.celery import app

    classify_queue = app.amqp.router.route({}, CLASSIFY_TASK)["queue"].name
    return classify_queue in app.amqp.queues.consume_from
