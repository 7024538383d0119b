"""Celery tasks of the scenes app: take ids, call a service. Routed to the `ml` queue by settings."""
from __future__ import annotations

import logging
import time
from typing import Any

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_process_init
from django.db import InterfaceError, OperationalError

from scenes import services
from scenes.errors import PROCESSING_FAILED_MESSAGE
from scenes.models import Recording

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


@shared_task(
    bind=True,
    name="scenes.tasks.classify_recording",
    max_retries=MAX_RETRIES,
    acks_late=True,
    reject_on_worker_lost=True,
)
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
    except TRANSIENT_ERRORS as exc:
        if self.request.retries >= self.max_retries:
            logger.exception("Giving up on recording %s", recording_id)
            return _give_up(recording_id, job_id, "unavailable")
        raise self.retry(exc=exc, countdown=2**self.request.retries) from exc
    return recording.status if recording else None


def _give_up(recording_id: str, job_id: str, code: str) -> str | None:
    recording = Recording.objects.filter(pk=recording_id).first()
    if recording is None:
        return None
    failed = services.recording_fail(recording=recording, job_id=job_id, code=code, message=PROCESSING_FAILED_MESSAGE)
    return failed.status


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
    return requeued


@worker_process_init.connect
def _warm_up_model(**kwargs: Any) -> None:
    """Load the scene model in each pool child, so the first recording does not wait for it.

    worker_process_init fires in pool children only, never in the parent: TensorFlow is
    not fork-safe, so the parent must not load it.
    """
    from ml.errors import ModelArtifactError

    started = time.monotonic()
    try:
        from ml.inference import active_model_version, warm_up

        warm_up()
    except (ImportError, ModelArtifactError):
        # The task will mark recordings failed with a readable message; the worker stays up.
        logger.exception("Scene model warm-up failed")
        return
    logger.info("Scene model %s warm in %.1f s", active_model_version(), time.monotonic() - started)
