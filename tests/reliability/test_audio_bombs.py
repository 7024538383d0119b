"""Decoding bombs cost the upload request a probe and the worker a bounded decode.

A few KB of FLAC or Opus in Matroska that state no duration hold hours of audio; decoded
whole inside the request, 96 KB took 1.4 GB and 3.5 s of a web worker. Memory is traced
with tracemalloc, which sees numpy's buffers: where decoded samples would pile up.
bench/decode_bombs.py measures the same files in fresh processes, before and after.
"""
from __future__ import annotations

import io
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from scenes import services
from scenes.audio import decode_recording, inspect_audio
from scenes.errors import TOO_LONG_MESSAGE, InvalidAudio
from scenes.models import Recording
from scenes.services import classification
from tests.reliability.audio_bombs import KB, MB, bomb
from tests.scenes.helpers import upload_file

BOMBS = ["flac-mkv-no-duration", "opus-webm-no-duration"]
MIN_S, MAX_S = 1.0, 120.0
# Generous for a shared machine: the unbounded decode took seconds for 96 KB.
PROMPT_S = 1.0


@contextmanager
def traced() -> Iterator[Callable[[], float]]:
    """Yields a callable giving the peak of traced allocations inside the block, in MB."""
    tracemalloc.start()
    peak: list[float] = []
    try:
        yield lambda: peak[0]
    finally:
        peak.append(tracemalloc.get_traced_memory()[1] / MB)
        tracemalloc.stop()


@pytest.mark.parametrize("kind", BOMBS)
@pytest.mark.parametrize("size", [388 * KB, 20 * MB], ids=["388KB", "20MB"])
def test_the_upload_check_probes_a_bomb_without_decoding_it(kind: str, size: int) -> None:
    made = bomb(kind, size)
    assert made.audio_s > 10 * MAX_S  # what a decoder trusting the packets would decode

    started = time.monotonic()
    with traced() as peak:
        inspected = inspect_audio(io.BytesIO(made.data), min_duration_s=MIN_S, max_duration_s=MAX_S)

    assert time.monotonic() - started < PROMPT_S
    assert peak() < 1.0
    assert inspected.duration_s <= MIN_S + 2.0  # its first seconds: the worker measures the rest


@pytest.mark.parametrize("kind", BOMBS)
def test_the_worker_stops_decoding_a_bomb_past_the_longest_clip(kind: str) -> None:
    made = bomb(kind, 20 * MB)

    started = time.monotonic()
    with traced() as peak, pytest.raises(InvalidAudio) as caught:
        decode_recording(made.data, target_sr=16000, min_duration_s=MIN_S, max_duration_s=MAX_S)

    assert (caught.value.code, caught.value.message) == ("too_long", TOO_LONG_MESSAGE.format(limit_s=MAX_S))
    assert time.monotonic() - started < 5 * PROMPT_S
    # (120 s + 1 s) at 16 kHz in float32 is 7.7 MB; twice that while the pieces are joined.
    assert peak() < 20.0


@pytest.mark.parametrize("kind", ["mp3-giant-id3", "wav-trailing-junk"])
def test_the_upload_check_of_5_s_of_audio_in_20_mb_is_prompt(kind: str) -> None:
    made = bomb(kind, 20 * MB)

    started = time.monotonic()
    inspected = inspect_audio(io.BytesIO(made.data), min_duration_s=MIN_S, max_duration_s=MAX_S)

    assert time.monotonic() - started < PROMPT_S  # a 20 MB ID3 tag took FFmpeg 2-3 s to read
    assert inspected.duration_s == pytest.approx(5.0, abs=0.1)


@pytest.mark.django_db
def test_a_bomb_uploaded_is_queued_then_fails_in_the_worker_as_too_long(
    api_client: Any, user: Any, media_root: Path, monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    monkeypatch.setattr(classification, "_model_sample_rate", lambda: 16000)
    made = bomb("flac-mkv-no-duration", 388 * KB)

    response = api_client.post(
        "/api/v1/recordings/", {"file": upload_file(made.data, "rain.webm", "audio/webm")}, format="multipart"
    )

    assert response.status_code == 201, response.content
    recording = Recording.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.recording_classify(recording_id=recording.id, job_id=recording.job_id)
    recording.refresh_from_db()
    assert recording.status == Recording.Status.FAILED
    assert recording.error_message == TOO_LONG_MESSAGE.format(limit_s=120)
    assert [path for path in media_root.rglob("*") if path.is_file()] == []
