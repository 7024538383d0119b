from __future__ import annotations

import io
from pathlib import Path
from typing import BinaryIO, cast

import av
import numpy as np
import pytest
import soundfile as sf
from django.core.files.uploadedfile import SimpleUploadedFile

from ml.decoding import decode_audio, probe_audio
from ml.errors import (
    EMPTY_MESSAGE,
    LOW_SAMPLE_RATE_MESSAGE,
    SILENT_MESSAGE,
    TOO_LONG_MESSAGE,
    TOO_SHORT_MESSAGE,
    UNDECODABLE_MESSAGE,
    AudioError,
    EmptyAudioError,
    LowSampleRateAudioError,
    SilentAudioError,
    TooLongAudioError,
    TooShortAudioError,
    UndecodableAudioError,
)
from tests.ml.audio_helpers import FORMATS, encode, tone


@pytest.mark.parametrize("ext", sorted(FORMATS))
def test_it_decodes_each_format_to_mono_at_the_requested_rate(ext: str, tmp_path: Path) -> None:
    rate = FORMATS[ext][2]
    path = encode(tmp_path / f"clip.{ext}", tone(2.0, rate))

    audio = decode_audio(path, target_sr=16000)

    assert audio.sample_rate == 16000
    assert audio.samples.ndim == 1 and audio.samples.dtype == np.float32
    assert audio.duration_s == pytest.approx(2.0, abs=0.06)
    assert float(np.abs(audio.samples).max()) == pytest.approx(0.3, abs=0.05)


def test_it_keeps_the_files_rate_when_none_is_requested(tmp_path: Path) -> None:
    audio = decode_audio(encode(tmp_path / "clip.wav", tone(1.5, 44100)))

    assert audio.sample_rate == 44100
    assert audio.format_name == "wav"


def test_it_decodes_an_uploaded_file_and_leaves_its_position_alone(tmp_path: Path) -> None:
    data = encode(tmp_path / "clip.webm", tone(1.5, 48000)).read_bytes()
    upload = SimpleUploadedFile("recording.webm", data, content_type="audio/webm")
    upload.seek(7)

    audio = decode_audio(cast(BinaryIO, upload), target_sr=16000)  # as scenes.services.uploads passes it

    assert audio.duration_s == pytest.approx(1.5, abs=0.06)
    assert upload.tell() == 7


def test_probe_reads_duration_rate_and_channels(tmp_path: Path) -> None:
    info = probe_audio(io.BytesIO(encode(tmp_path / "clip.mp3", tone(3.0, 44100)).read_bytes()))

    assert info.duration_s == pytest.approx(3.0, abs=0.1)
    assert (info.sample_rate, info.channels, info.format_name) == (44100, 2, "mp3")


def _expect(error: type[AudioError], code: str, message: str, source: object, **kwargs: object) -> None:
    with pytest.raises(error) as caught:
        decode_audio(source, **kwargs)  # type: ignore[arg-type]
    assert caught.value.code == code
    assert caught.value.message == message
    assert str(caught.value) == message


def test_bytes_that_are_not_audio_are_undecodable() -> None:
    _expect(UndecodableAudioError, "undecodable", UNDECODABLE_MESSAGE, b"this is not audio at all" * 40)


def test_a_missing_file_is_undecodable(tmp_path: Path) -> None:
    _expect(UndecodableAudioError, "undecodable", UNDECODABLE_MESSAGE, tmp_path / "nope.wav")


def test_an_empty_upload_is_empty(tmp_path: Path) -> None:
    (tmp_path / "empty.wav").write_bytes(b"")
    _expect(EmptyAudioError, "empty", EMPTY_MESSAGE, tmp_path / "empty.wav")
    _expect(EmptyAudioError, "empty", EMPTY_MESSAGE, SimpleUploadedFile("x.webm", b""))


def test_a_container_without_samples_is_empty(tmp_path: Path) -> None:
    sf.write(tmp_path / "none.wav", np.zeros(0, np.float32), 16000)
    _expect(EmptyAudioError, "empty", EMPTY_MESSAGE, tmp_path / "none.wav")


def test_a_clip_under_one_second_is_too_short(tmp_path: Path) -> None:
    _expect(TooShortAudioError, "too_short", TOO_SHORT_MESSAGE.format(limit_s=1), encode(tmp_path / "short.flac", tone(0.6, 16000)))


@pytest.mark.parametrize("rate", [7, 4000, 7999])
def test_a_recording_sampled_below_8_khz_is_refused_before_decoding(rate: int, tmp_path: Path) -> None:
    path = tmp_path / f"rate-{rate}.wav"
    sf.write(path, tone(3.0, rate, freq=rate / 8), rate)

    _expect(LowSampleRateAudioError, "low_sample_rate", LOW_SAMPLE_RATE_MESSAGE, path)
    with pytest.raises(LowSampleRateAudioError):
        probe_audio(path)


def test_telephone_quality_audio_at_8_khz_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "phone.wav"
    sf.write(path, tone(3.0, 8000), 8000)

    assert decode_audio(path, target_sr=16000).duration_s == pytest.approx(3.0, abs=0.01)


def test_digital_silence_is_silent(tmp_path: Path) -> None:
    _expect(
        SilentAudioError, "silent", SILENT_MESSAGE, encode(tmp_path / "quiet.wav", np.zeros(32000, np.float32), 16000)
    )


def test_a_clip_over_the_limit_is_too_long(tmp_path: Path) -> None:
    path = encode(tmp_path / "long.flac", tone(4.0, 16000))
    _expect(TooLongAudioError, "too_long", TOO_LONG_MESSAGE.format(limit_s=2), path, max_duration_s=2.0)


def test_probe_decodes_only_the_first_seconds_of_a_stream_that_states_no_duration(tmp_path: Path) -> None:
    path = encode(tmp_path / "long.webm", tone(20.0, 48000))
    live = tmp_path / "live.webm"
    with av.open(str(path)) as source, av.open(str(live), "w", format="webm", options={"live": "1"}) as copy:
        stream = copy.add_stream_from_template(source.streams.audio[0])
        for packet in source.demux(source.streams.audio[0]):
            if packet.dts is not None:
                packet.stream = stream
                copy.mux(packet)

    info = probe_audio(live, decode_s=2.0)

    assert info.header_duration_s is None and info.duration_s is None and not info.ended
    assert 2.0 <= info.probed_s < 2.2


def test_probe_of_a_short_stream_decodes_all_of_it(tmp_path: Path) -> None:
    info = probe_audio(encode(tmp_path / "short.flac", tone(1.5, 16000)), decode_s=2.0)

    assert info.ended and info.duration_s == pytest.approx(1.5, abs=0.01)


def test_audio_behind_a_leading_id3_tag_decodes(tmp_path: Path) -> None:
    mp3 = encode(tmp_path / "clip.mp3", tone(3.0, 44100)).read_bytes()
    body = b"PRIV" + (1000).to_bytes(4, "big") + b"\0\0" + b"x" * 1000
    size = bytes((len(body) >> shift) & 0x7F for shift in (21, 14, 7, 0))
    tagged = b"ID3\x03\x00\x00" + size + body + mp3

    audio = decode_audio(tagged, target_sr=16000)

    assert audio.format_name == "mp3" and audio.duration_s == pytest.approx(3.0, abs=0.1)
