"""What an uploaded file really is: the decoded audio decides, never its name or Content-Type."""
from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

from ml.decoding import AudioInfo, decode_audio, probe_audio
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


@dataclass(frozen=True)
class InspectedAudio:
    duration_s: float
    sample_rate: int
    channels: int
    format: str  # FFmpeg's container name
    extension: str


def inspect_audio(upload: BinaryIO, *, min_duration_s: float, max_duration_s: float) -> InspectedAudio:
    """Decode `upload` fully and return what it holds; leave its position where it was.

    Raises InvalidAudio (code and message for the user) for anything that is not
    complete, audible audio of an accepted length.
    """
    try:
        info = probe_audio(upload)
        extension = _extension(info)
        if info.duration_s > max_duration_s + 1.0:  # refuse a long file before decoding it
            raise TooLongAudioError()
        decoded = decode_audio(upload, max_duration_s=max_duration_s)
    except TooLongAudioError:
        raise InvalidAudio("too_long", TOO_LONG_MESSAGE.format(limit_s=max_duration_s)) from None
    except TooShortAudioError:
        raise InvalidAudio("too_short", TOO_SHORT_MESSAGE.format(limit_s=min_duration_s)) from None
    except AudioError as exc:
        raise InvalidAudio(exc.code, exc.message) from exc
    if _is_truncated(upload, info, decoded.duration_s):
        raise InvalidAudio("truncated", TRUNCATED_MESSAGE)
    if decoded.duration_s < min_duration_s:
        raise InvalidAudio("too_short", TOO_SHORT_MESSAGE.format(limit_s=min_duration_s))
    return InspectedAudio(
        duration_s=round(decoded.duration_s, 3),
        sample_rate=info.sample_rate,
        channels=info.channels,
        format=info.format_name,
        extension=extension,
    )


def _extension(info: AudioInfo) -> str:
    if info.format_name not in FORMATS:
        raise InvalidAudio("undecodable", UNDECODABLE_MESSAGE)
    return FORMATS[info.format_name][0]


def _is_truncated(upload: BinaryIO, info: AudioInfo, decoded_s: float) -> bool:
    """True when the header promises more audio than the file holds.

    FFmpeg keeps what decodes from a cut file, as players do; for a user's upload that
    means a broken transfer, so we ask for it again instead of classifying half of it.
    """
    tolerance = max(TRUNCATION_TOLERANCE_S, TRUNCATION_TOLERANCE_RATIO * info.duration_s)
    if info.duration_s - decoded_s > tolerance:
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
