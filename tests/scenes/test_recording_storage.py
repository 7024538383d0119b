"""What the worker keeps of an upload: its decoded audio re-encoded, never the bytes sent.

The worker also decodes the whole clip, which the upload request does not: what only that
shows (silence, a clip cut short, a length no header states) fails there with its message.
The scene model is a stand-in, as in test_recording_classification.py.
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from django.core.files.storage import FileSystemStorage

from ml.errors import SILENT_MESSAGE
from scenes import services
from scenes.audio import STORED_BIT_RATE, STORED_RATE
from scenes.errors import TOO_LONG_MESSAGE, TRUNCATED_MESSAGE
from scenes.models import Recording
from scenes.services import classification
from tests.reliability.audio_bombs import html_then_mp3, mp3_with_giant_id3_tag, wav_with_trailing_junk
from tests.scenes.helpers import ambience, encode, upload_file
from tests.scenes.test_recording_classification import FakeResult

pytestmark = pytest.mark.django_db
KB = 1024


@pytest.fixture(autouse=True)
def classifier(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """The stand-in model at 16 kHz; records (number of samples, sample rate) per call."""
    calls: list[tuple[int, int]] = []

    def classify(samples: np.ndarray, sample_rate: int) -> FakeResult:
        calls.append((samples.size, sample_rate))
        return FakeResult()

    monkeypatch.setattr(classification, "_classify", classify)
    monkeypatch.setattr(classification, "_model_sample_rate", lambda: 16000)
    return calls


def upload_and_classify(user: Any, data: bytes, name: str, on_commit: Any) -> Recording:
    recording = services.recording_create(user=user, upload=upload_file(data, name))
    with on_commit(execute=True):  # the replaced upload is deleted once the row commits
        services.recording_classify(recording_id=recording.id, job_id=recording.job_id)
    recording.refresh_from_db()
    return recording


def stream_of(data: bytes) -> tuple[str, str, int, int, float]:
    """(container, codec, rate, channels, seconds) of an encoded file."""
    with av.open(io.BytesIO(data), mode="r") as container:
        stream = container.streams.audio[0]
        samples = sum(frame.samples for frame in container.decode(stream))
        return container.format.name, stream.codec_context.name, stream.rate, stream.channels, samples / stream.rate


def test_the_worker_replaces_the_upload_with_its_audio_as_mono_opus_in_webm(
    user, clip_wav, media_files, django_capture_on_commit_callbacks
) -> None:
    recording = upload_and_classify(user, clip_wav, "My Balcony.wav", django_capture_on_commit_callbacks)

    assert recording.status == Recording.Status.DONE
    assert recording.file.name == f"recordings/{user.id}/{recording.id}.opus.webm"
    assert [p.name for p in media_files()] == [f"{recording.id}.opus.webm"]  # the upload is gone
    stored = media_files()[0].read_bytes()
    container, codec, rate, channels, seconds = stream_of(stored)
    assert (container, codec, rate, channels) == ("matroska,webm", "opus", STORED_RATE, 1)
    assert seconds == pytest.approx(6.0, abs=0.03)
    assert recording.size_bytes == len(stored) < 6 * STORED_BIT_RATE / 8 + 8 * KB
    # What the user sent stays as metadata; the length is now the decoded one.
    assert (recording.original_filename, recording.format, recording.sample_rate) == ("My Balcony.wav", "wav", 16000)
    assert recording.duration_s == pytest.approx(6.0, abs=0.001)


def test_the_stored_audio_is_what_the_player_gets(
    user, clip_wav, django_capture_on_commit_callbacks, client
) -> None:
    recording = upload_and_classify(user, clip_wav, "clip.wav", django_capture_on_commit_callbacks)
    client.force_login(user)

    response = client.get(f"/scenes/{recording.id}/audio/")

    assert response["Content-Type"] == "audio/webm"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == Path(recording.file.path).read_bytes()


CARRIERS = {
    "5 s of WAV then 2 MB of junk": wav_with_trailing_junk(2048 * KB),
    "an MP3 behind a 2 MB ID3 tag": mp3_with_giant_id3_tag(2048 * KB),
    "an HTML page before MP3 frames": html_then_mp3(96 * KB),
}


@pytest.mark.parametrize("case", list(CARRIERS), ids=lambda case: case.replace(" ", "-"))
def test_what_an_upload_carries_besides_its_audio_is_not_kept(
    user, media_files, django_capture_on_commit_callbacks, case: str
) -> None:
    carrier = CARRIERS[case]

    recording = upload_and_classify(user, carrier.data, "clip.bin", django_capture_on_commit_callbacks)

    assert recording.status == Recording.Status.DONE, recording.error_message
    stored = media_files()[0].read_bytes()
    assert stream_of(stored)[1] == "opus" and stream_of(stored)[4] == pytest.approx(carrier.audio_s, abs=0.1)
    assert recording.size_bytes == len(stored) < 64 * KB
    assert b"<script>" not in stored and carrier.data[-4096:] not in stored


def test_the_storage_quota_counts_what_is_stored_not_what_was_sent(
    user, settings, media_files, django_capture_on_commit_callbacks
) -> None:
    carrier = wav_with_trailing_junk(2048 * KB)
    settings.SCENES_STORAGE_PER_USER_BYTES = int(len(carrier.data) * 1.5)
    upload_and_classify(user, carrier.data, "a.wav", django_capture_on_commit_callbacks)

    second = services.recording_create(user=user, upload=upload_file(carrier.data, "b.wav"))  # 413 before

    assert second.size_bytes == len(carrier.data)  # counted as sent until the worker re-encodes it
    assert len(media_files()) == 2


def test_a_redelivered_job_finds_the_audio_re_encoded_and_keeps_it(
    user, clip_wav, django_capture_on_commit_callbacks, classifier
) -> None:
    recording = upload_and_classify(user, clip_wav, "clip.wav", django_capture_on_commit_callbacks)
    stored = Path(recording.file.path).read_bytes()
    Recording.objects.filter(pk=recording.pk).update(status=Recording.Status.PROCESSING, result=None)
    recording.results.all().delete()

    services.recording_classify(recording_id=recording.id, job_id=recording.job_id)

    recording.refresh_from_db()
    assert recording.status == Recording.Status.DONE
    assert Path(recording.file.path).read_bytes() == stored
    assert len(classifier) == 2


def test_a_storage_failure_while_re_encoding_keeps_the_upload_for_the_retry(
    user, clip_wav, media_files, monkeypatch
) -> None:
    recording = services.recording_create(user=user, upload=upload_file(clip_wav))

    def disk_full(self: FileSystemStorage, name: str, content: Any) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(FileSystemStorage, "_save", disk_full)
    with pytest.raises(OSError):
        services.recording_classify(recording_id=recording.id, job_id=recording.job_id)

    recording.refresh_from_db()
    assert recording.status == Recording.Status.PROCESSING  # the task retries it
    assert (recording.file.name or "").endswith(".wav") and media_files()[0].read_bytes() == clip_wav


def test_a_clip_the_upload_could_not_measure_gets_its_decoded_length(
    user, django_capture_on_commit_callbacks
) -> None:
    """MediaRecorder's WebM states no duration: the request saw only its first seconds."""
    recording = services.recording_create(user=user, upload=upload_file(encode(ambience(6.0), fmt="webm", live=True)))
    assert recording.duration_s < 6.0

    with django_capture_on_commit_callbacks(execute=True):
        services.recording_classify(recording_id=recording.id, job_id=recording.job_id)

    recording.refresh_from_db()
    assert recording.duration_s == pytest.approx(6.0, abs=0.03)


def _flac_cut_in_half() -> bytes:
    data = encode(ambience(6.0), fmt="flac")
    return data[: len(data) // 2]


WORKER_FINDS = {
    "silence": (encode(np.zeros(16000 * 5, dtype=np.float32)), "silent", SILENT_MESSAGE),
    "a flac cut after its first seconds": (_flac_cut_in_half(), "truncated", TRUNCATED_MESSAGE),
    "a webm stating no duration, past the limit": (
        encode(ambience(12.0), fmt="webm", live=True), "too_long", TOO_LONG_MESSAGE.format(limit_s=10.0)
    ),
}


@pytest.mark.parametrize("case", list(WORKER_FINDS), ids=lambda case: case.replace(" ", "-"))
def test_what_only_the_whole_clip_shows_fails_in_the_worker_with_its_message(
    user, settings, media_files, django_capture_on_commit_callbacks, classifier, case: str
) -> None:
    settings.SCENES_MAX_DURATION_S = 10.0
    data, code, message = WORKER_FINDS[case]

    recording = upload_and_classify(user, data, "clip.bin", django_capture_on_commit_callbacks)

    assert recording.status == Recording.Status.FAILED
    assert (recording.error_code, recording.error_message) == (code, message)
    assert not recording.has_audio and media_files() == []
    assert classifier == []
