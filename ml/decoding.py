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
# Decoding stops this far past a caller's limit: room for a clip at the limit whose header
# rounds, never hours of audio from a container that states no duration (or a wrong one).
DURATION_MARGIN_S = 1.0
# What a probe decodes unless told otherwise: enough to show that the stream decodes.
PROBE_DECODE_S = 2.0
# Packets a probe reads at most: packets that decode to no samples must not make it read
# a whole file. A probe's seconds need a few hundred packets in any codec we accept.
PROBE_MAX_PACKETS = 4096
ID3V2_HEADER_BYTES = 10


@dataclass(frozen=True)
class DecodedAudio:
    samples: np.ndarray  # float32, mono, in [-1, 1]
    sample_rate: int
    duration_s: float
    format_name: str


@dataclass(frozen=True)
class AudioInfo:
    sample_rate: int
    format_name: str
    channels: int
    header_duration_s: float | None  # what the container states; None when it states nothing
    probed_s: float  # seconds of audio the probe decoded
    ended: bool  # the stream ended within the probe: probed_s is all the audio there is

    @property
    def duration_s(self) -> float | None:
        """The clip's length as far as a probe can tell: a short stream's decoded length, else the header's."""
        return self.probed_s if self.ended else self.header_duration_s


def decode_audio(
    source: AudioSource, *, target_sr: int | None = None, max_duration_s: float | None = None
) -> DecodedAudio:
    """Decode `source`, mix to mono and resample to `target_sr` (default: the file's rate).

    Raises UndecodableAudioError, EmptyAudioError, TooShortAudioError, SilentAudioError
    and, when `max_duration_s` is given, TooLongAudioError: then it never decodes more than
    `max_duration_s + DURATION_MARGIN_S` seconds, whatever the container claims. Without
    it, decoding is unbounded: give one for any file that a user sent.
    """
    with _open_container(source) as container:
        stream = _audio_stream(container)
        rate = target_sr or _native_rate(stream)
        samples = _decode_stream(container, stream, rate, max_duration_s)
        format_name = container.format.name
    return _validated(samples, rate, format_name, max_duration_s)


def probe_audio(source: AudioSource, *, decode_s: float = PROBE_DECODE_S) -> AudioInfo:
    """Read the container's headers and decode at most the first `decode_s` seconds.

    Cheap whatever the file holds: the samples are counted, not kept, and a container that
    states no duration (MediaRecorder's WebM) is not decoded to its end to measure it.
    Raises UndecodableAudioError, EmptyAudioError or LowSampleRateAudioError.
    """
    with _open_container(source) as container:
        stream = _audio_stream(container)
        header_duration = _header_duration(container, stream)
        probed_s, ended = _probe_stream(container, stream, decode_s)
        return AudioInfo(
            sample_rate=_native_rate(stream),
            format_name=container.format.name,
            channels=int(stream.codec_context.channels or 0),
            header_duration_s=None if header_duration is None else float(header_duration),
            probed_s=probed_s,
            ended=ended,
        )


def _probe_stream(
    container: av.container.InputContainer, stream: av.audio.stream.AudioStream, decode_s: float
) -> tuple[float, bool]:
    """(seconds decoded, whether the stream ended) after at most `decode_s` seconds or PROBE_MAX_PACKETS packets."""
    rate = _native_rate(stream)
    decoded = 0
    try:
        for count, packet in enumerate(container.demux(stream), start=1):
            decoded += sum(frame.samples for frame in packet.decode())
            if decoded >= decode_s * rate or count >= PROBE_MAX_PACKETS:
                return decoded / rate, False
    except (av.FFmpegError, ValueError) as exc:
        if not decoded:
            raise UndecodableAudioError(detail=str(exc)) from exc
        # A cut file: what decoded is all there is, as in _decode_stream.
    if not decoded:
        raise EmptyAudioError()
    return decoded / rate, True


def validate_samples(samples: np.ndarray, sample_rate: int, max_duration_s: float | None = None) -> None:
    """Raise the typed error that fits samples which cannot be classified."""
    if samples.size == 0:
        raise EmptyAudioError()
    duration = samples.size / sample_rate
    if duration < MIN_DURATION_S:
        raise TooShortAudioError(limit_s=MIN_DURATION_S)
    if max_duration_s is not None and duration > max_duration_s:
        raise TooLongAudioError(limit_s=max_duration_s)
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
            container = av.open(fileobj, mode="r", options=_skip_tags_options(fileobj))
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


def _skip_tags_options(fileobj: BinaryIO) -> dict[str, str]:
    """FFmpeg's options to start reading past the ID3v2 tags at the start of the file, if any.

    FFmpeg turns a tag's frames into metadata strings byte by byte (a 20 MB tag took it 2-3 s
    to read), and audio needs none of it.
    """
    start, offset = fileobj.tell(), 0
    try:
        while (size := _id3v2_size(fileobj.read(ID3V2_HEADER_BYTES))) is not None:
            offset += size
            fileobj.seek(start + offset)
    finally:
        fileobj.seek(start)
    return {"skip_initial_bytes": str(offset)} if offset else {}


def _id3v2_size(header: bytes) -> int | None:
    """The whole size of the ID3v2 tag that `header` opens (header and footer included), else None."""
    if len(header) < ID3V2_HEADER_BYTES or header[:3] != b"ID3" or header[3] == 0xFF or header[4] == 0xFF:
        return None
    size_bytes = header[6:10]
    if any(byte & 0x80 for byte in size_bytes):  # sizes are "synchsafe": 7 bits a byte
        return None
    size = 0
    for byte in size_bytes:
        size = (size << 7) | byte
    has_footer = bool(header[5] & 0x10)
    return ID3V2_HEADER_BYTES + size + (ID3V2_HEADER_BYTES if has_footer else 0)


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
    limit = None if max_duration_s is None else int((max_duration_s + DURATION_MARGIN_S) * rate)
    chunks: list[np.ndarray] = []
    total = 0
    try:
        for frame in container.decode(stream):
            frame.pts = None  # resample by sample count; broken timestamps in WebM otherwise drop audio
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray().mean(axis=0))
                total += chunks[-1].size
            if limit is not None and max_duration_s is not None and total > limit:
                raise TooLongAudioError(limit_s=max_duration_s)
        for out in resampler.resample(None):
            chunks.append(out.to_ndarray().mean(axis=0))
    except (av.FFmpegError, ValueError) as exc:
        if not chunks:
            raise UndecodableAudioError(detail=str(exc)) from exc
        # A truncated upload: keep what decoded, as players do.
    if not chunks:
        raise EmptyAudioError()
    return np.concatenate(chunks).astype(np.float32, copy=False)
