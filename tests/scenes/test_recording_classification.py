"""The classification service, called directly: results stored once, bad files fail at once.

The scene model is replaced by a stand-in here (`scenes.services.classification._classify`), since these
tests are about what the service does with a result; tests/scenes/test_recording_pipeline.py
runs the real model in a real worker.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.utils import timezone

from ml.errors import SILENT_MESSAGE, ModelArtifactError
from scenes import services
from scenes.errors import MODEL_UNAVAILABLE_MESSAGE, NO_AUDIO_MESSAGE, AudioGone
from scenes.models import Recording, SceneResult
from scenes.services import classification
from scenes.signals import recording_classified
from tests.scenes.helpers import ambience, encode, upload_file

pytestmark = pytest.mark.django_db


@dataclass
class FakeResult:
    scene_probabilities: dict[str, float] = field(default_factory=lambda: {"street": 0.7, "nature": 0.2, "rain": 0.1})
    top_scene: str = "street"
    confidence: float = 0.7
    top_labels: list[tuple[str, float]] = field(
        default_factory=lambda: [("engine", 0.5), ("car_horn", 0.2), ("wind", 0.1), ("rain", 0.1), ("siren", 0.05)]
    )
    timeline: list[dict] = field(
        default_factory=lambda: [
            {"start_s": 0.0, "end_s": 5.0, "scenes": {"street": np.float32(0.8), "nature": 0.2}, "top_scene": "street"},
            {"start_s": 2.5, "end_s": 6.0, "scenes": {"street": 0.6, "nature": 0.4}, "top_scene": "street"},
        ]
    )
    model_version: str = "fake-1"
    processing_ms: int = 12
    heard: list[tuple[str, Any]] = field(default_factory=lambda: [("Vehicle", np.float32(0.6)), ("Speech", 0.2)])


@pytest.fixture
def classifier(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """Stands in for the scene model; records (number of samples, sample rate) per call."""
    calls: list[tuple[int, int]] = []

    def classify(samples: np.ndarray, sample_rate: int) -> FakeResult:
        calls.append((samples.size, sample_rate))
        return FakeResult()

    monkeypatch.setattr(classification, "_classify", classify)
    return calls


@pytest.fixture(autouse=True)
def model_rate(monkeypatch: pytest.MonkeyPatch) -> None:
    """The stand-in model's rate: decoding here never loads the real model."""
    monkeypatch.setattr(classification, "_model_sample_rate", lambda: 16000)


@pytest.fixture
def recording(user, clip_wav: bytes) -> Recording:
    return services.recording_create(user=user, upload=upload_file(clip_wav))


def classify(recording: Recording, job_id: uuid.UUID | None = None) -> Recording | None:
    return services.recording_classify(recording_id=recording.id, job_id=job_id or recording.job_id)


def test_it_decodes_the_stored_file_classifies_it_and_stores_the_result(recording, classifier) -> None:
    classify(recording)

    recording.refresh_from_db()
    assert classifier == [(6 * 16000, 16000)]
    assert recording.status == Recording.Status.DONE and recording.attempts == 1
    assert recording.completed_at is not None and recording.error_message == ""
    result = recording.result
    assert result.top_scene == "street" and result.confidence == pytest.approx(0.7)
    assert result.scene_probabilities == {"street": 0.7, "nature": 0.2, "rain": 0.1}
    assert result.top_labels[0] == {"label": "engine", "probability": 0.5} and len(result.top_labels) == 5
    assert result.heard == [{"name": "Vehicle", "score": pytest.approx(0.6)}, {"name": "Speech", "score": 0.2}]
    window = result.timeline[0]
    assert (window["start_s"], window["end_s"], window["top_scene"]) == (0.0, 5.0, "street")
    assert window["scenes"] == {"street": pytest.approx(0.8), "nature": 0.2}  # numpy floats stored as JSON
    assert (result.model_version, result.processing_ms) == ("fake-1", 12)


def test_running_the_same_job_twice_stores_the_result_once(recording, classifier) -> None:
    classify(recording)
    second = classify(recording)

    assert second is None  # nothing to do: the result is stored
    assert SceneResult.objects.filter(recording=recording).count() == 1
    assert len(classifier) == 1


def test_a_redelivered_job_after_a_crash_mid_task_runs_again_and_stores_once(recording, classifier) -> None:
    # A worker died after marking the recording processing: the row says so, no result exists.
    Recording.objects.filter(pk=recording.pk).update(status=Recording.Status.PROCESSING, attempts=1)

    classify(recording)

    recording.refresh_from_db()
    assert recording.status == Recording.Status.DONE and recording.attempts == 2
    assert SceneResult.objects.filter(recording=recording).count() == 1


def test_a_job_replaced_by_a_newer_one_stores_nothing(recording, classifier) -> None:
    old_job = recording.job_id
    services.recording_reclassify(recording=recording)

    assert classify(recording, job_id=old_job) is None
    assert not SceneResult.objects.exists()
    assert classifier == []


def test_a_twin_delivery_racing_to_store_stores_once(recording, monkeypatch) -> None:
    """Two deliveries of one job both classify; whichever stores second stores nothing."""
    def classify_then_let_the_twin_store(samples, sample_rate):
        monkeypatch.setattr(classification, "_classify", lambda *args: FakeResult(top_scene="street"))
        twin = Recording.objects.get(pk=recording.pk)
        Recording.objects.filter(pk=recording.pk).update(status=Recording.Status.QUEUED)
        services.recording_classify(recording_id=twin.id, job_id=twin.job_id)
        return FakeResult(top_scene="nature")

    monkeypatch.setattr(classification, "_classify", classify_then_let_the_twin_store)

    classify(recording)

    assert SceneResult.objects.filter(recording=recording).count() == 1
    result = Recording.objects.get(pk=recording.pk).result
    assert result is not None and result.top_scene == "street"


def test_a_bad_file_fails_at_once_with_its_message_and_its_audio_is_deleted(
    user, classifier, media_files, django_capture_on_commit_callbacks
) -> None:
    recording = services.recording_create(user=user, upload=upload_file(encode(ambience(3.0))))
    # Audio that passed the upload checks and was damaged in storage: silence now.
    Path(recording.file.path).write_bytes(encode(np.zeros(16000 * 3, dtype=np.float32)))

    with django_capture_on_commit_callbacks(execute=True):
        classify(recording)

    recording.refresh_from_db()
    assert recording.status == Recording.Status.FAILED
    assert (recording.error_code, recording.error_message) == ("silent", SILENT_MESSAGE)
    assert recording.attempts == 1 and classifier == []
    assert not recording.has_audio and media_files() == []


def test_a_missing_model_fails_the_recording_with_a_readable_message(recording, monkeypatch) -> None:
    def no_model(samples, sample_rate):
        raise ModelArtifactError("No scene model found at /nowhere.")

    monkeypatch.setattr(classification, "_classify", no_model)

    classify(recording)

    recording.refresh_from_db()
    assert recording.status == Recording.Status.FAILED
    assert (recording.error_code, recording.error_message) == ("model_unavailable", MODEL_UNAVAILABLE_MESSAGE)
    assert recording.has_audio  # the file is fine: it can be classified again later


def test_a_storage_error_propagates_for_the_task_to_retry(recording, classifier, media_files) -> None:
    Path(recording.file.path).unlink()

    with pytest.raises(OSError):
        classify(recording)

    assert Recording.objects.get(pk=recording.pk).status == Recording.Status.PROCESSING


def test_a_deleted_recording_is_skipped(recording, classifier) -> None:
    recording_id, job_id = recording.id, recording.job_id
    services.recording_delete(recording=recording)

    assert services.recording_classify(recording_id=recording_id, job_id=job_id) is None


# --- Classifying again ------------------------------------------------------------------------


def test_classifying_again_keeps_the_old_result_until_the_new_one_replaces_it(
    recording, classifier, django_capture_on_commit_callbacks
) -> None:
    classify(recording)
    first = Recording.objects.get(pk=recording.pk).result

    with django_capture_on_commit_callbacks() as callbacks:
        services.recording_reclassify(recording=recording)
    queued = Recording.objects.get(pk=recording.pk)
    classify(queued)

    assert len(callbacks) == 1
    assert queued.status == Recording.Status.QUEUED and queued.result == first
    final = Recording.objects.get(pk=recording.pk)
    assert final.status == Recording.Status.DONE and final.result != first
    assert SceneResult.objects.filter(recording=recording).count() == 2


def test_classifying_again_needs_the_audio(recording, classifier) -> None:
    services.recordings_purge_expired_audio(retention_days=-1)
    recording.refresh_from_db()

    with pytest.raises(AudioGone) as raised:
        services.recording_reclassify(recording=recording)

    assert raised.value.message == NO_AUDIO_MESSAGE and raised.value.http_status == 409



def test_deleting_audio_that_is_already_gone_changes_nothing(
    recording, media_files, django_capture_on_commit_callbacks
) -> None:
    from scenes.services.storage import recording_audio_delete

    with django_capture_on_commit_callbacks(execute=True):
        recording_audio_delete(recording)
    deleted_at = Recording.objects.get(pk=recording.pk).audio_deleted_at

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        recording_audio_delete(recording)

    assert callbacks == [] and media_files() == []
    assert Recording.objects.get(pk=recording.pk).audio_deleted_at == deleted_at

# --- After classification -----------------------------------------------------------------------


def test_the_app_tells_listeners_once_the_result_is_stored(recording, classifier) -> None:
    heard: list[Recording] = []

    def listener(sender, recording, **kwargs):
        heard.append(recording)

    recording_classified.connect(listener)
    try:
        classify(recording)
        classify(recording)  # delivered again: the result is already stored
    finally:
        recording_classified.disconnect(listener)

    assert [r.pk for r in heard] == [recording.pk]
    assert heard[0].status == Recording.Status.DONE and heard[0].result is not None


def test_a_clip_that_fails_tells_no_listener(user, classifier) -> None:
    recording = services.recording_create(user=user, upload=upload_file(encode(ambience(3.0))))
    Path(recording.file.path).write_bytes(encode(np.zeros(16000 * 3, dtype=np.float32)))
    heard: list[Recording] = []
    recording_classified.connect(lambda sender, recording, **kwargs: heard.append(recording), weak=False, dispatch_uid="t")
    try:
        classify(recording)
    finally:
        recording_classified.disconnect(dispatch_uid="t")

    assert heard == [] and Recording.objects.get(pk=recording.pk).status == Recording.Status.FAILED


# --- Deliveries that never finish ---------------------------------------------------------------


def test_a_job_delivered_too_many_times_fails_instead_of_running_again(recording, classifier) -> None:
    Recording.objects.filter(pk=recording.pk).update(status=Recording.Status.PROCESSING, attempts=services.MAX_ATTEMPTS)

    assert classify(recording) is None

    recording.refresh_from_db()
    assert classifier == []
    assert recording.status == Recording.Status.FAILED and recording.error_code == "unavailable"


def test_a_failed_job_delivered_again_keeps_its_message(user, classifier, django_capture_on_commit_callbacks) -> None:
    recording = services.recording_create(user=user, upload=upload_file(encode(ambience(3.0))))
    Path(recording.file.path).write_bytes(encode(np.zeros(16000 * 3, dtype=np.float32)))
    with django_capture_on_commit_callbacks(execute=True):
        classify(recording)

    assert classify(recording) is None  # e.g. the worker died before acknowledging

    recording.refresh_from_db()
    assert (recording.status, recording.error_code, recording.attempts) == (Recording.Status.FAILED, "silent", 1)


def make_stale(recording: Recording, status: str = Recording.Status.PROCESSING) -> None:
    Recording.objects.filter(pk=recording.pk).update(status=status, updated_at=timezone.now() - timedelta(hours=1))


@pytest.fixture
def published(monkeypatch) -> list[tuple]:
    """Classification jobs published to the broker, recorded instead of sent (a unit test runs no worker)."""
    from celery import current_app

    sent: list[tuple] = []

    def send_task(name, args=(), *rest, **options):  # what Task.apply_async calls
        if name == classification.CLASSIFY_TASK:
            sent.append(tuple(args))

    monkeypatch.setattr(current_app, "send_task", send_task)
    return sent


def test_stale_jobs_are_sent_again_with_the_same_job_id(user, recording, clip_wav, published) -> None:
    fresh = services.recording_create(user=user, upload=upload_file(clip_wav))
    make_stale(recording)
    published.clear()

    requeued = services.recordings_requeue_stale(older_than=timedelta(minutes=10))

    assert requeued == 1
    assert published == [(str(recording.pk), str(recording.job_id))]
    assert Recording.objects.get(pk=recording.pk).job_id == recording.job_id
    assert Recording.objects.get(pk=fresh.pk).status == Recording.Status.QUEUED


def test_a_processing_job_is_stale_once_the_classification_time_limit_has_passed(
    user, clip_wav, published, settings
) -> None:
    """Production defaults: a dead worker's job goes out again about a minute after it started."""
    settings.SCENES_CLASSIFY_TIME_LIMIT = 60
    started = {age: services.recording_create(user=user, upload=upload_file(clip_wav)) for age in (70, 80)}
    for age, recording in started.items():
        Recording.objects.filter(pk=recording.pk).update(
            status=Recording.Status.PROCESSING, updated_at=timezone.now() - timedelta(seconds=age)
        )
    waiting = services.recording_create(user=user, upload=upload_file(clip_wav))
    Recording.objects.filter(pk=waiting.pk).update(updated_at=timezone.now() - timedelta(seconds=80))
    published.clear()

    assert services.recordings_requeue_stale() == 1

    assert published == [(str(started[80].pk), str(started[80].job_id))]
    # Queued anew: while it waits its turn, the sweep leaves it alone for the queued limit.
    assert Recording.objects.get(pk=started[80].pk).status == Recording.Status.QUEUED
    assert services.recordings_requeue_stale() == 0


def test_a_job_the_broker_refuses_stays_stale_for_the_next_sweep(user, clip_wav, published, monkeypatch) -> None:
    from celery import current_app
    from kombu.exceptions import OperationalError

    stale = [services.recording_create(user=user, upload=upload_file(clip_wav)) for _ in range(3)]
    for recording in stale:
        make_stale(recording, Recording.Status.QUEUED)
    tries = []

    def broker_down(name, args=(), *rest, **options):
        tries.append(args)
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    with monkeypatch.context() as down:
        down.setattr(current_app, "send_task", broker_down)
        assert services.recordings_requeue_stale(older_than=timedelta(minutes=10)) == 0
    published.clear()
    back = services.recordings_requeue_stale(older_than=timedelta(minutes=10))

    assert len(tries) == 1  # the sweep stopped at the first refusal
    assert back == 3 and sorted(job for job, _ in published) == sorted(str(r.pk) for r in stale)
    assert services.recordings_requeue_stale(older_than=timedelta(minutes=10)) == 0  # sent: their wait restarted


def test_a_recording_deleted_while_it_is_classified_is_left_alone(recording, monkeypatch) -> None:
    def classify_while_the_user_deletes_it(samples, sample_rate):
        Recording.objects.filter(pk=recording.pk).delete()
        return FakeResult()

    monkeypatch.setattr(classification, "_classify", classify_while_the_user_deletes_it)

    classify(recording)

    assert not SceneResult.objects.exists()
