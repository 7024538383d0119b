"""1,000 malformed audio files (tests/reliability/fuzz_inputs.py): each one a clean refusal.

Upload: the service the API and the page call (`services.recording_create`) refuses every
one with a code and a message a user can read, and stores nothing; a sample goes through
the API too (4xx + that message). Silent files, which only decoding the whole clip shows,
pass the upload's probe and fail in the worker with their message. Classification: the same files, as if damaged in
storage after upload, end `failed` with a message, never a crash. A few go through a real
Celery worker, which must keep serving a good clip afterwards.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.conf import settings
from django.core.files.base import ContentFile

from ml import errors as ml_errors
from scenes import errors, services
from scenes.errors import RecordingRejected
from scenes.models import Recording
from scenes.services import classification
from tests.reliability.fuzz_inputs import BadInput, malformed_inputs, wav_header
from tests.scenes.conftest import celery_worker, start_celery_worker  # noqa: F401 - the real-worker fixtures
from tests.scenes.helpers import FINAL, ambience, encode, model_available, upload_file, wait_for_status

URL = "/api/v1/recordings/"
MB = 1024 * 1024
INPUTS = malformed_inputs()
# What only decoding the whole clip can tell: the upload request probes the first seconds,
# so these pass it and fail in the worker.
WORKER_FAMILIES = {"silent"}


def user_messages() -> set[str]:
    """Every message an upload or a classification may end with, the limits filled in."""
    return {
        ml_errors.UNDECODABLE_MESSAGE, ml_errors.EMPTY_MESSAGE, ml_errors.SILENT_MESSAGE,
        ml_errors.LOW_SAMPLE_RATE_MESSAGE,
        errors.TRUNCATED_MESSAGE,
        errors.TOO_SHORT_MESSAGE.format(limit_s=settings.SCENES_MIN_DURATION_S),
        errors.TOO_LONG_MESSAGE.format(limit_s=settings.SCENES_MAX_DURATION_S),
        errors.TOO_LARGE_MESSAGE.format(limit_mb=settings.SCENES_MAX_UPLOAD_BYTES / MB),
    }


@pytest.fixture(autouse=True)
def no_rate_limit(settings: Any) -> None:
    settings.SCENES_RECORDINGS_PER_HOUR = 100_000


@pytest.fixture
def api_client(user: Any) -> Any:
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(user)
    return api


@pytest.fixture
def fake_classifier(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Stands in for the scene model (not under test here); records the sample rates it saw."""
    from tests.scenes.test_recording_classification import FakeResult

    rates: list[int] = []

    def classify(samples: np.ndarray, sample_rate: int) -> FakeResult:
        assert samples.size and np.isfinite(samples).all()
        rates.append(sample_rate)
        return FakeResult()

    monkeypatch.setattr(classification, "_classify", classify)
    return rates


def stored_files(media_root: Path) -> list[Path]:
    return [p for p in media_root.rglob("*") if p.is_file()]


def upload(user: Any, bad: BadInput) -> Recording | RecordingRejected:
    try:
        return services.recording_create(user=user, upload=upload_file(bad.data, bad.name, "application/octet-stream"))
    except RecordingRejected as exc:
        return exc


def test_the_generator_makes_at_least_1000_files_the_same_way_every_time() -> None:
    assert len(INPUTS) >= 1000
    assert [b.data for b in malformed_inputs()[:50]] == [b.data for b in INPUTS[:50]]
    assert len(Counter(b.family for b in INPUTS)) >= 9


@pytest.mark.django_db
def test_every_malformed_upload_is_refused_with_a_readable_message_and_nothing_stored(
    user: Any, media_root: Path, fake_classifier: list[int]
) -> None:
    messages, codes, crashes, accepted = user_messages(), Counter[tuple[str, str]](), [], []
    for bad in INPUTS:
        try:
            outcome = upload(user, bad)
        except Exception as exc:  # noqa: BLE001 - a crash is what this test looks for
            crashes.append(f"{bad.name}: {exc!r}")
            continue
        if isinstance(outcome, Recording):
            accepted.append((bad, outcome))
            continue
        codes[(bad.family, outcome.code)] += 1
        assert 400 <= outcome.http_status < 500 and outcome.code, bad.name
        assert outcome.message in messages, (bad.name, outcome.message)
        assert len(stored_files(media_root)) == len(accepted), bad.name
    assert crashes == []
    # What passed the upload checks (silence, a header-valid file) must end cleanly when
    # classified: failed with a message, or done.
    for bad, recording in accepted:
        services.recording_classify(recording_id=recording.id, job_id=recording.job_id)
        recording.refresh_from_db()
        assert recording.status in FINAL, bad.name
        if recording.status == Recording.Status.FAILED:
            assert recording.error_code and recording.error_message in messages, bad.name
        if bad.family in WORKER_FAMILIES:
            assert recording.error_code == bad.family, bad.name
    passed_the_probe = [bad.name for bad, _ in accepted if bad.family not in WORKER_FAMILIES]
    assert len(passed_the_probe) <= len(INPUTS) // 100, passed_the_probe


@pytest.mark.django_db
def test_a_wav_whose_codec_ffmpeg_cannot_decode_is_refused_as_undecodable(user: Any, media_root: Path) -> None:
    """Found by this fuzzing: FFmpeg opens the stream but has no decoder (codec_context None)."""
    samples = np.zeros(16000, dtype=np.int16).tobytes()
    bad = BadInput("absurd_wav_header", "codec.wav", wav_header(fmt_code=0xFF00, data_size=len(samples)) + samples)

    outcome = upload(user, bad)

    assert isinstance(outcome, RecordingRejected)
    assert (outcome.code, outcome.message) == ("undecodable", ml_errors.UNDECODABLE_MESSAGE)
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_through_the_api_a_malformed_upload_gets_a_4xx_with_its_code_and_message(
    api_client: Any, media_root: Path
) -> None:
    messages = user_messages()
    for bad in INPUTS[::10]:
        response = api_client.post(URL, {"file": upload_file(bad.data, bad.name, "audio/wav")}, format="multipart")
        if response.status_code == 201:
            continue  # accepted on its header: the service test above classifies those
        body = response.json()
        assert 400 <= response.status_code < 500, (bad.name, response.status_code)
        assert set(body) == {"code", "detail"} and body["detail"] in messages, (bad.name, body)
    assert sorted(stored_files(media_root)) == sorted(Path(r.file.path) for r in Recording.objects.all())


@pytest.mark.django_db
def test_malformed_audio_damaged_in_storage_fails_its_classification_with_a_message(
    user: Any, media_root: Path, fake_classifier: list[int], django_capture_on_commit_callbacks: Any
) -> None:
    """The task's service on files that never went through the upload checks: failed, not a crash."""
    messages, crashes = user_messages(), []
    for bad in INPUTS[::4]:
        recording = stored_recording(user, bad)
        try:
            with django_capture_on_commit_callbacks(execute=True):  # the audio is deleted on commit
                services.recording_classify(recording_id=recording.id, job_id=recording.job_id)
        except Exception as exc:  # noqa: BLE001 - a crash is what this test looks for
            crashes.append(f"{bad.name}: {exc!r}")
            continue
        recording.refresh_from_db()
        assert recording.status in FINAL, bad.name
        if recording.status == Recording.Status.FAILED:
            assert recording.error_code and recording.error_message in messages, (bad.name, recording.error_message)
            assert not recording.has_audio, bad.name
    assert crashes == []
    # Only audio that still decodes to a classifiable clip (a WAV cut after 1 s) reaches the model.
    done = Recording.objects.filter(status=Recording.Status.DONE).count()
    assert done == len(fake_classifier) and done <= 0.1 * len(INPUTS[::4])
    assert len(stored_files(media_root)) == Recording.objects.exclude(file="").count()


def stored_recording(user: Any, bad: BadInput) -> Recording:
    recording = Recording(user=user, original_filename=bad.name, duration_s=2.0, sample_rate=16000,
                          format="wav", size_bytes=len(bad.data))
    recording.file.save(f"{recording.id}.wav", ContentFile(bad.data), save=False)
    recording.save()
    return recording


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_survives_ten_damaged_files_and_then_classifies_a_good_clip(
    user: Any, celery_worker: Any  # noqa: F811 - the fixture imported above
) -> None:
    from scenes.tasks import classify_recording

    families: dict[str, BadInput] = {}
    for bad in INPUTS:
        families.setdefault(bad.family, bad)
    damaged = [*families.values(), INPUTS[1]][:10]
    recordings = [stored_recording(user, bad) for bad in damaged]
    for recording in recordings:
        classify_recording.delay(str(recording.id), str(recording.job_id))
    for recording, bad in zip(recordings, damaged):
        final = wait_for_status(recording.id, FINAL)
        assert final.status == Recording.Status.FAILED and final.error_message in user_messages(), bad.name
    pool = celery_worker.pool_pids()

    good = services.recording_create(user=user, upload=upload_file(encode(ambience(3.0)), "good.wav"))
    classify_recording.delay(str(good.id), str(good.job_id))
    final = wait_for_status(good.id, FINAL)
    if model_available():
        assert final.status == Recording.Status.DONE, final.error_message
    else:  # without a model artifact the worker still answers, with its readable message
        assert final.error_code == "model_unavailable", final.error_message
    assert celery_worker.pool_pids() == pool  # no pool child died on the way
