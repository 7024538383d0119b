"""The tasks themselves, run in this process: only transient errors are retried; retention."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from celery.exceptions import Retry
from celery.signals import task_retry
from django.conf import settings
from django.utils import timezone

from scenes import services
from scenes.errors import PROCESSING_FAILED_MESSAGE
from scenes.models import Recording, SceneResult
from scenes.tasks import MAX_RETRIES, classify_recording, purge_expired_audio, requeue_stale_recordings
from tests.scenes.helpers import upload_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def recording(user, clip_wav) -> Recording:
    return services.recording_create(user=user, upload=upload_file(clip_wav))


def test_a_transient_error_is_retried_then_marks_the_recording_failed(recording, monkeypatch) -> None:
    calls = []

    def flaky(**kwargs):
        calls.append(kwargs)
        raise ConnectionError("storage unreachable")

    monkeypatch.setattr(services, "recording_classify", flaky)

    # Eager: retries run at once, in this process; the countdown is not waited for.
    classify_recording.apply(args=[str(recording.id), str(recording.job_id)])

    recording.refresh_from_db()
    assert len(calls) == 1 + MAX_RETRIES
    assert recording.status == Recording.Status.FAILED
    assert (recording.error_code, recording.error_message) == ("unavailable", PROCESSING_FAILED_MESSAGE)


def test_transient_errors_are_retried_after_one_two_then_four_seconds(recording, monkeypatch) -> None:
    countdowns: list[float] = []

    def record(reason: Retry, **kwargs: Any) -> None:
        countdowns.append(float(reason.when))

    def flaky(**kwargs: Any) -> None:
        raise ConnectionError("storage unreachable")

    monkeypatch.setattr(services, "recording_classify", flaky)
    task_retry.connect(record, weak=False, dispatch_uid="test-classify-backoff")
    try:
        classify_recording.apply(args=[str(recording.id), str(recording.job_id)])
    finally:
        task_retry.disconnect(dispatch_uid="test-classify-backoff")

    assert countdowns == [1.0, 2.0, 4.0]


def test_other_errors_are_not_retried(recording, monkeypatch) -> None:
    calls = []

    def broken(**kwargs):
        calls.append(kwargs)
        raise ValueError("a bug")

    monkeypatch.setattr(services, "recording_classify", broken)

    outcome = classify_recording.apply(args=[str(recording.id), str(recording.job_id)])

    assert outcome.failed() and len(calls) == 1


def queue_of(task) -> str:
    from celery import current_app

    # What apply_async does: the task's own options, then the routes in settings.
    return current_app.amqp.router.route(task._get_exec_options(), task.name, args=(), kwargs={})["queue"].name


def test_classification_goes_to_the_ml_queue_and_acks_late() -> None:
    assert queue_of(classify_recording) == "ml"
    assert classify_recording.acks_late and classify_recording.reject_on_worker_lost


def test_the_housekeeping_jobs_go_to_the_default_queue_not_to_the_ml_workers() -> None:
    assert queue_of(purge_expired_audio) == queue_of(requeue_stale_recordings) == "default"


def test_the_retention_job_is_scheduled_on_the_default_queue() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["scenes-purge-expired-audio"]

    assert entry["task"] == purge_expired_audio.name == "scenes.tasks.purge_expired_audio"
    assert entry["options"]["queue"] == "default"


def test_retention_deletes_old_audio_and_keeps_the_results(
    user, clip_wav, media_files, django_capture_on_commit_callbacks
) -> None:
    old = services.recording_create(user=user, upload=upload_file(clip_wav, "old.wav"))
    new = services.recording_create(user=user, upload=upload_file(clip_wav, "new.wav"))
    result = SceneResult.objects.create(
        recording=old, job_id=old.job_id, scene_probabilities={"rain": 1.0}, top_scene="rain", confidence=1.0,
        model_version="fake-1", processing_ms=5,
    )
    Recording.objects.filter(pk=old.pk).update(
        result=result, status=Recording.Status.DONE, created_at=timezone.now() - timedelta(days=31)
    )
    Recording.objects.filter(pk=new.pk).update(created_at=timezone.now() - timedelta(days=29))

    with django_capture_on_commit_callbacks(execute=True):
        purged = purge_expired_audio.apply().get()

    old.refresh_from_db()
    assert purged == 1
    assert not old.has_audio and old.audio_deleted_at is not None
    assert old.result is not None and old.result.top_scene == "rain"
    assert [p.name for p in media_files()] == [stored_name(new)]


def stored_name(recording: Recording) -> str:
    return str(recording.file.name).rsplit("/", 1)[-1]


def test_the_retention_period_is_configurable(settings, user, clip_wav) -> None:
    settings.SCENES_AUDIO_RETENTION_DAYS = 7
    recording = services.recording_create(user=user, upload=upload_file(clip_wav))
    Recording.objects.filter(pk=recording.pk).update(created_at=timezone.now() - timedelta(days=8))

    assert services.recordings_purge_expired_audio() == 1
