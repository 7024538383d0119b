"""Decode any recording a browser or phone produces into mono float32 samples.

PyAV ships FFmpeg's codecs inside its wheel, so WAV, FLAC, OGG/Vorbis, Opus, MP3,
M4A/AAC and WebM decode without a system ffmpeg.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import av
import numpy as np

from ml.errors import (
    EmptyAudioError,
    LowSampleRateAudioError,
    SilentAudioError,
    TooLongAudioError,
    TooShortAudioError,
    UndecodableAudioError,
)

AudioSource = str | Path | BinaryIO | bytes
MIN_DURATION_S = 1.0
# Telephone audio: below it a recording holds nothing above a few hundred hertz, which is
# not enough to tell rain from traffic (a WAV header can claim any rate, even 7 Hz).
MIN_SAMPLE_RATE = 8000
# One step of 16-bit audio: anything quieter everywhere is digital silence.
SILENCE_PEAK = 1.0 / 32768.0


@dataclass(frozen=True)
class DecodedAudio:
    samples: np.ndarray  # float32, mono, in [-1, 1]
    sample_rate: int
    duration_s: float
    format_name: str


@dataclass(frozen=True)
class AudioInfo:
    duration_s: float
    sample_rate: int
    format_name: str
    channels: int


def decode_audio(
    source: AudioSource, *, target_sr: int | None = None, max_duration_s: float | None = None
) -> DecodedAudio:
    """Decode `source`, mix to mono and resample to `target_sr` (default: the file's rate).

    Raises UndecodableAudioError, EmptyAudioError, TooShortAudioError, SilentAudioError
    and, when `max_duration_s` is given, TooLongAudioError.
    """
    with _open_container(source) as container:
        stream = _audio_stream(container)
        rate = target_sr or _native_rate(stream)
        samples = _decode_stream(container, stream, rate, max_duration_s)
        format_name = container.format.name
    return _validated(samples, rate, format_name, max_duration_s)


def probe_audio(source: AudioSource) -> AudioInfo:
    """Read the container's headers (decoding only when they lack a duration).

    Raises UndecodableAudioError or EmptyAudioError.
    """
    with _open_container(source) as container:
        stream = _audio_stream(container)
        duration = _header_duration(container, stream)
        if duration is None:
            # MediaRecorder's WebM has no duration in its header: count the samples.
            rate = _native_rate(stream)
            duration = len(_decode_stream(container, stream, rate, None)) / rate
        return AudioInfo(
            duration_s=float(duration),
            sample_rate=_native_rate(stream),
            format_name=container.format.name,
            channels=int(stream.codec_context.channels or 0),
        )


def validate_samples(samples: np.ndarray, sample_rate: int, max_duration_s: float | None = None) -> None:
    """Raise the typed error that fits samples which cannot be classified."""
    if samples.size == 0:
        raise EmptyAudioError()
    duration = samples.size / sample_rate
    if duration < MIN_DURATION_S:
        raise TooShortAudioError()
    if max_duration_s is not None and duration > max_duration_s:
        raise TooLongAudioError()
    if not np.isfinite(samples).all() or float(np.max(np.abs(samples))) <= SILENCE_PEAK:
        raise SilentAudioError()


def _validated(samples: np.ndarray, rate: int, format_name: str, max_duration_s: float | None) -> DecodedAudio:
    validate_samples(samples, rate, max_duration_s)
    return DecodedAudio(samples=samples, sample_rate=rate, duration_s=samples.size / rate, format_name=format_name)


@contextmanager
def _open_container(source: AudioSource) -> Iterator[av.container.InputContainer]:
    fileobj, restore = _as_fileobj(source)
    try:
        if _is_empty(fileobj):
            raise EmptyAudioError()
        try:
            container = av.open(fileobj, mode="r")
        except (av.FFmpegError, ValueError, OSError, UnicodeDecodeError) as exc:
            raise UndecodableAudioError(detail=str(exc)) from exc
        try:
            yield container
        finally:
            container.close()
    finally:
        restore()


def _as_fileobj(source: AudioSource) -> tuple[BinaryIO, Callable[[], object]]:
    """Return a seekable binary file and a callable that undoes what we did to it."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return io.BytesIO(bytes(source)), lambda: None
    if isinstance(source, (str, os.PathLike)):
        try:
            handle = open(source, "rb")  # noqa: SIM115 - closed by the restore callable
        except OSError as exc:
            raise UndecodableAudioError(detail=str(exc)) from exc
        return handle, handle.close
    # A Django UploadedFile or any file object: read from the start, leave it where it was.
    position = source.tell() if source.seekable() else None
    if position is not None:
        source.seek(0)
    else:
        source = io.BytesIO(source.read())
    return source, (lambda: source.seek(position)) if position is not None else (lambda: None)


def _is_empty(fileobj: BinaryIO) -> bool:
    start = fileobj.tell()
    empty = fileobj.read(1) == b""
    fileobj.seek(start)
    return empty


def _audio_stream(container: av.container.InputContainer) -> av.audio.stream.AudioStream:
    if not container.streams.audio:
        raise UndecodableAudioError(detail="no audio stream")
    stream = container.streams.audio[0]
    if stream.codec_context is None:  # a codec id FFmpeg has no decoder for (e.g. a forged WAV header)
        raise UndecodableAudioError(detail="no decoder for the audio codec")
    if _native_rate(stream) < MIN_SAMPLE_RATE:
        raise LowSampleRateAudioError(detail=f"{_native_rate(stream)} Hz")
    return stream


def _native_rate(stream: av.audio.stream.AudioStream) -> int:
    """The rate the file was recorded at: the decoder's, else the container's; 0 if neither says."""
    return int(stream.codec_context.sample_rate or stream.rate or 0)


def _header_duration(container: av.container.InputContainer, stream: av.audio.stream.AudioStream) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return None


def _decode_stream(
    container: av.container.InputContainer, stream: av.audio.stream.AudioStream, rate: int, max_duration_s: float | None
) -> np.ndarray:
    # Keep the channels planar and average them ourselves: FFmpeg's downmix weights
    # stereo by 1/sqrt(2), which would make level depend on the channel count.
    resampler = av.AudioResampler(format="fltp", rate=rate)
    limit = None if max_duration_s is None else int((max_duration_s + 1.0) * rate)
    chunks: list[np.ndarray] = []
    total = 0
    try:
        for frame in container.decode(stream):
            frame.pts = None  # resample by sample count; broken timestamps in WebM otherwise drop audio
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray().mean(axis=0))
                total += chunks[-1].size
            if limit is not None and total > limit:
                raise TooLongAudioError()
        for out in resampler.resample(None):
            chunks.append(out.to_ndarray().mean(axis=0))
    except (av.FFmpegError, ValueError) as exc:
        if not chunks:
            raise UndecodableAudioError(detail=str(exc)) from exc
        # A truncated upload: keep what decoded, as players do.
    if not chunks:
        raise EmptyAudioError()
    return np.concatenate(chunks).astype(np.float32, copy=False)
