"""What an uploaded file really is: the decoded audio decides, never its name or Content-Type.

Two checks, both bounded in memory and time whatever the file claims: `inspect_audio` in the
upload request reads the headers and the first seconds only; `decode_recording` in the
worker decodes the whole clip, never more than the longest accepted clip plus a margin.
What we store is `encode_for_storage`'s re-encoding of the decoded audio, not the bytes sent.
"""
from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from typing import BinaryIO

import av
import numpy as np

from ml.decoding import AudioInfo, DecodedAudio, decode_audio, probe_audio
from ml.errors import UNDECODABLE_MESSAGE, AudioError, TooLongAudioError, TooShortAudioError
from scenes.errors import TOO_LONG_MESSAGE, TOO_SHORT_MESSAGE, TRUNCATED_MESSAGE, InvalidAudio

# FFmpeg's container name -> the extension we store and the type we serve it with.
# Anything else FFmpeg happens to open (a video, a raw stream) is refused as undecodable.
FORMATS: dict[str, tuple[str, str]] = {
    "wav": ("wav", "audio/wav"),
    "flac": ("flac", "audio/flac"),
    "ogg": ("ogg", "audio/ogg"),
    "mp3": ("mp3", "audio/mpeg"),
    "mov,mp4,m4a,3gp,3g2,mj2": ("m4a", "audio/mp4"),
    "matroska,webm": ("webm", "audio/webm"),
    "aiff": ("aiff", "audio/aiff"),
}
CONTENT_TYPES: dict[str, str] = dict(FORMATS.values())
# A header may round its duration; more missing than this means the file was cut short.
TRUNCATION_TOLERANCE_S = 0.25
TRUNCATION_TOLERANCE_RATIO = 0.05
# A header that states more than the limit by this much is refused in the request.
HEADER_TOLERANCE_S = 0.5
# The upload check decodes this much past the shortest accepted clip: a stream that ends
# before is too short, one that goes on is left to the worker.
PROBE_PAST_MINIMUM_S = 1.0
# What we keep of a clip: mono Opus in WebM, which every browser's <audio> plays. 64 kbit/s
# keeps ambience transparent enough to listen to and to classify again (120 s: under 1 MB).
STORED_EXTENSION = "opus.webm"
STORED_RATE = 48000
STORED_BIT_RATE = 64000


@dataclass(frozen=True)
class InspectedAudio:
    duration_s: float  # the header's, or what the probe decoded: the worker measures it exactly
    sample_rate: int
    channels: int
    format: str  # FFmpeg's container name
    extension: str


def inspect_audio(upload: BinaryIO, *, min_duration_s: float, max_duration_s: float) -> InspectedAudio:
    """The upload request's check: headers and the first seconds; leave `upload`'s position where it was.

    Refuses what the headers and those seconds show: not audio, a stated length over the
    limit, a stream that ends too short or before its header says. Silence, and a length
    only decoding can tell, are for the worker (`decode_recording`).
    Raises InvalidAudio (code and message for the user).
    """
    try:
        info = probe_audio(upload, decode_s=min_duration_s + PROBE_PAST_MINIMUM_S)
    except AudioError as exc:
        raise InvalidAudio(exc.code, exc.message) from exc
    extension = _extension(info)
    if info.header_duration_s is not None and info.header_duration_s > max_duration_s + HEADER_TOLERANCE_S:
        raise _too_long(max_duration_s)
    if _is_truncated(upload, info, info.probed_s if info.ended else None):
        raise InvalidAudio("truncated", TRUNCATED_MESSAGE)
    if info.ended and info.probed_s < min_duration_s:
        raise _too_short(min_duration_s)
    return InspectedAudio(
        duration_s=round(info.duration_s or info.probed_s, 3),
        sample_rate=info.sample_rate,
        channels=info.channels,
        format=info.format_name,
        extension=extension,
    )


def decode_recording(data: bytes, *, target_sr: int, min_duration_s: float, max_duration_s: float) -> DecodedAudio:
    """The worker's check and the model's input: the whole clip, mono at `target_sr`.

    Never decodes more than `max_duration_s` plus ml.decoding's margin.
    Raises InvalidAudio (code and message for the user) for anything that is not
    complete, audible audio of an accepted length.
    """
    try:
        info = probe_audio(data)
        decoded = decode_audio(data, target_sr=target_sr, max_duration_s=max_duration_s)
    except TooLongAudioError:
        raise _too_long(max_duration_s) from None
    except TooShortAudioError:
        raise _too_short(min_duration_s) from None
    except AudioError as exc:
        raise InvalidAudio(exc.code, exc.message) from exc
    if _is_truncated(io.BytesIO(data), info, decoded.duration_s):
        raise InvalidAudio("truncated", TRUNCATED_MESSAGE)
    if decoded.duration_s < min_duration_s:
        raise _too_short(min_duration_s)
    return decoded


def encode_for_storage(data: bytes, *, max_duration_s: float) -> bytes:
    """The clip as we keep it: its decoded audio as mono Opus in WebM.

    Whatever else the upload held (tags, bytes after the audio, another file before it)
    is not in it. Decoding is bounded as in decode_recording. Raises InvalidAudio.
    """
    try:
        decoded = decode_audio(data, target_sr=STORED_RATE, max_duration_s=max_duration_s)
    except AudioError as exc:
        raise InvalidAudio(exc.code, exc.message) from exc
    return _opus_webm(decoded.samples)


def _opus_webm(samples: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="webm") as container:
        stream = container.add_stream("libopus", rate=STORED_RATE, layout="mono")
        stream.codec_context.bit_rate = STORED_BIT_RATE
        resampler = av.AudioResampler(format=stream.codec_context.format, layout="mono", rate=STORED_RATE)
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="flt", layout="mono")
        frame.sample_rate = STORED_RATE
        for resampled in resampler.resample(frame) + resampler.resample(None):
            container.mux(stream.encode(resampled))
        container.mux(stream.encode(None))
    return buffer.getvalue()


def _too_long(max_duration_s: float) -> InvalidAudio:
    return InvalidAudio("too_long", TOO_LONG_MESSAGE.format(limit_s=max_duration_s))


def _too_short(min_duration_s: float) -> InvalidAudio:
    return InvalidAudio("too_short", TOO_SHORT_MESSAGE.format(limit_s=min_duration_s))


def _extension(info: AudioInfo) -> str:
    if info.format_name not in FORMATS:
        raise InvalidAudio("undecodable", UNDECODABLE_MESSAGE)
    return FORMATS[info.format_name][0]


def _is_truncated(upload: BinaryIO, info: AudioInfo, decoded_s: float | None) -> bool:
    """True when the header promises more audio than the file holds (`decoded_s`: None if not known yet).

    FFmpeg keeps what decodes from a cut file, as players do; for a user's upload that
    means a broken transfer, so we ask for it again instead of classifying half of it.
    """
    stated = info.header_duration_s
    if stated is not None and decoded_s is not None:
        tolerance = max(TRUNCATION_TOLERANCE_S, TRUNCATION_TOLERANCE_RATIO * stated)
        if stated - decoded_s > tolerance:
            return True
    # FFmpeg trims a WAV's duration to the bytes present: read the RIFF header ourselves.
    return info.format_name == "wav" and _wav_data_missing(upload)


def _wav_data_missing(upload: BinaryIO) -> bool:
    position = upload.tell()
    try:
        upload.seek(0)
        head = upload.read(4096)
        upload.seek(0, 2)
        size = upload.tell()
    finally:
        upload.seek(position)
    offset = 12
    while offset + 8 <= len(head) and head[:4] == b"RIFF":
        chunk_id, chunk_size = head[offset : offset + 4], struct.unpack("<I", head[offset + 4 : offset + 8])[0]
        if chunk_id == b"data":
            # 0 and 0xFFFFFFFF mean "unknown" in streamed WAVs: nothing to compare.
            return 0 < chunk_size < 0xFFFFFFFF and offset + 8 + chunk_size > size
        offset += 8 + chunk_size + (chunk_size & 1)
    return False
