"""Upload -> real Celery worker on the real broker -> result, including a worker killed mid-task.

These start `celery -A soundscapify worker` processes (tests/scenes/conftest.py) that share
this run's database, media folder and broker: the filesystem broker by default, Redis when
CELERY_BROKER_URL says so.
"""
from __future__ import annotations

import os
import signal
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage

from ml.errors import SILENT_MESSAGE
from scenes import services
from scenes.errors import PROCESSING_FAILED_MESSAGE
from scenes.models import Recording, SceneResult
from scenes.tasks import requeue_stale_recordings
from tests.scenes.helpers import (
    FINAL,
    encode,
    feed_fifo_when_read,
    needs_model,
    replace_with_fifo,
    upload_file,
    wait_for_status,
    wait_until_gone,
)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
URL = "/api/v1/recordings/"


def upload(api_client, data: bytes, name: str = "clip.flac") -> Recording:
    response = api_client.post(URL, {"file": upload_file(data, name, "application/octet-stream")}, format="multipart")
    assert response.status_code == 201, response.content
    return Recording.objects.get(pk=response.json()["id"])


def needs_filesystem_storage() -> None:
    if not isinstance(default_storage, FileSystemStorage):
        pytest.skip("replaces a stored file with a FIFO: needs the filesystem storage")


# --- The happy path -----------------------------------------------------------------------------


@needs_model
def test_an_uploaded_clip_is_classified_by_a_real_worker(celery_worker, api_client, esc50_clip: Path) -> None:
    from ml.artifacts import load_metadata
    from ml.inference import active_model_version

    celery_worker.wait_model_warm()
    started = time.monotonic()
    recording = upload(api_client, esc50_clip.read_bytes(), esc50_clip.name)
    recording = wait_for_status(recording.id, FINAL)
    elapsed = time.monotonic() - started

    assert recording.status == Recording.Status.DONE, recording.error_message
    result = recording.result
    assert result is not None
    assert result.model_version == active_model_version()
    assert result.top_scene in result.scene_probabilities
    assert result.confidence == pytest.approx(result.scene_probabilities[result.top_scene])
    assert sum(result.scene_probabilities.values()) == pytest.approx(1.0, abs=1e-3)
    assert len(result.top_labels) == min(5, len(load_metadata(settings.SCENE_MODEL_DIR).labels))
    assert len(result.timeline) >= 1
    assert result.processing_ms > 0 and recording.attempts == 1
    print(f"upload -> result in {elapsed:.2f} s (model {result.processing_ms} ms)")
    assert elapsed < 10  # "within a second or two" on an idle machine; CI machines are shared
    celery_worker.wait_for_log("Task recommendations.tasks.recommend_for_recording[", 30)  # the hook asked for them


def loads_tensorflow(pid: int) -> bool:
    return "tensorflow" in Path(f"/proc/{pid}/maps").read_text()


@needs_model
def test_the_model_is_loaded_in_the_pool_children_never_in_the_worker_parent(celery_worker) -> None:
    [child] = celery_worker.pool_pids()
    deadline = time.monotonic() + 120
    while not loads_tensorflow(child) and time.monotonic() < deadline:
        time.sleep(0.5)  # worker_process_init is warming the model up

    assert loads_tensorflow(child)
    assert not loads_tensorflow(celery_worker.pid)
    assert "warm-up failed" not in celery_worker.log()


def test_a_worker_off_the_ml_queue_never_loads_the_model(transactional_db, start_celery_worker) -> None:
    """The default queue's worker runs on the web image, which has no TensorFlow to load."""
    worker = start_celery_worker(queues="default")
    requeue_stale_recordings.delay()
    # A pool child takes tasks only once worker_process_init (the warm-up) has returned.
    worker.wait_for_log("Task scenes.tasks.requeue_stale_recordings[", 60)
    worker.wait_for_log("] succeeded in ", 60)

    [child] = worker.pool_pids()
    assert not loads_tensorflow(child)
    assert "Scene model" not in worker.log()


# --- Failures --------------------------------------------------------------------------------------


def test_a_bad_file_fails_at_once_in_the_worker_with_its_message(
    transactional_db, start_celery_worker, api_client, media_files
) -> None:
    recording = upload(api_client, encode(np.sin(np.arange(48000) / 5).astype(np.float32), fmt="flac"))
    # Damaged in storage after the upload checks passed: silence now.
    Path(recording.file.path).write_bytes(encode(np.zeros(48000, dtype=np.float32), fmt="flac"))

    worker = start_celery_worker()
    recording = wait_for_status(recording.id, FINAL)

    assert recording.status == Recording.Status.FAILED
    assert (recording.error_code, recording.error_message) == ("silent", SILENT_MESSAGE)
    assert recording.attempts == 1 and "Retry in" not in worker.log()
    assert media_files() == []  # a file we cannot classify is not kept


def test_a_transient_storage_error_is_retried_with_backoff_then_fails_with_a_readable_message(
    transactional_db, start_celery_worker, api_client
) -> None:
    recording = upload(api_client, encode(np.sin(np.arange(48000) / 5).astype(np.float32), fmt="flac"))
    Path(recording.file.path).unlink()  # storage answers "not found" every time

    worker = start_celery_worker()
    recording = wait_for_status(recording.id, FINAL)

    assert recording.status == Recording.Status.FAILED
    assert (recording.error_code, recording.error_message) == ("unavailable", PROCESSING_FAILED_MESSAGE)
    assert recording.attempts == 4  # the first try and three retries
    assert worker.log().count("Retry in") == 3


# --- A worker killed mid-task ---------------------------------------------------------------------


@needs_model
def test_a_worker_child_killed_mid_task_still_ends_with_exactly_one_result(
    transactional_db, start_celery_worker, api_client, clip_wav: bytes
) -> None:
    needs_filesystem_storage()
    recording = upload(api_client, clip_wav, "clip.wav")
    path, data = replace_with_fifo(recording)
    worker = start_celery_worker()

    wait_for_status(recording.id, {Recording.Status.PROCESSING})  # and blocked reading its audio
    [child] = worker.pool_pids()
    os.kill(child, signal.SIGKILL)
    wait_until_gone(child)
    feed_fifo_when_read(path, data)  # the redelivered task reads the real audio
    recording = wait_for_status(recording.id, FINAL)

    assert recording.status == Recording.Status.DONE, recording.error_message
    assert recording.attempts == 2
    assert SceneResult.objects.filter(recording=recording).count() == 1
    assert "WorkerLostError" in worker.log()


@needs_model
def test_a_whole_worker_killed_mid_task_is_redelivered_to_a_new_worker_with_one_result(
    transactional_db, start_celery_worker, api_client, clip_wav: bytes
) -> None:
    """Redis redelivers the unacknowledged task after its visibility timeout. The filesystem
    broker deleted the message when the worker took it: there the stale-job sweep (a beat
    job) sends it again."""
    needs_filesystem_storage()
    on_redis = settings.CELERY_BROKER_URL.startswith("redis")
    recording = upload(api_client, clip_wav, "clip.wav")
    path, data = replace_with_fifo(recording)
    short_visibility = {"CELERY_VISIBILITY_TIMEOUT": "3"} if on_redis else {}
    first = start_celery_worker(env=short_visibility)

    wait_for_status(recording.id, {Recording.Status.PROCESSING})
    children = first.pool_pids()
    first.kill()  # parent and child, SIGKILL: nothing acknowledges, nothing requeues
    for child in children:
        wait_until_gone(child)
    if not on_redis:
        assert services.recordings_requeue_stale(older_than=timedelta(0)) == 1
    feed_fifo_when_read(path, data)
    start_celery_worker(env=short_visibility)
    recording = wait_for_status(recording.id, FINAL)

    assert recording.status == Recording.Status.DONE, recording.error_message
    assert recording.attempts == 2
    assert SceneResult.objects.filter(recording=recording).count() == 1
