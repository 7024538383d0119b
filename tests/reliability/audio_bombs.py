"""Files that are small to send and costly to take in, made on the spot.

- Decoding bombs: FLAC or Opus in Matroska/WebM whose header states no duration (as a live
  MediaRecorder stream's does not) and whose packets are the same silent frame again and
  again, each a few bytes for up to 1.4 s of audio: 96 KB hold an hour.
- Carriers: a few seconds of real audio with megabytes of something else around it (a
  giant ID3 tag, bytes after the WAV data, an HTML page before MP3 frames). They decode
  fine; what matters is what we keep of them.

tests/reliability/test_audio_bombs.py and bench/decode_bombs.py use them.
"""
from __future__ import annotations

import functools
import io
import struct
from collections.abc import Callable
from dataclasses import dataclass

import av
import numpy as np

from tests.scenes.helpers import ambience, encode

KB = 1024
MB = 1024 * KB
# 16 KB to 20 MB: from one packet's worth of headers to the largest accepted upload.
SIZES = (16 * KB, 96 * KB, 388 * KB, 3200 * KB, 20 * MB)


@dataclass(frozen=True)
class Bomb:
    name: str
    data: bytes
    audio_s: float  # the audio it holds, as its packets say (a decoder that trusts them decodes this much)


def silent_packet(codec: str, rate: int, options: dict[str, str]) -> tuple[bytes, int, bytes | None]:
    """One encoded frame of silence: (packet, samples it decodes to, codec extradata)."""
    container = av.open(io.BytesIO(), mode="w", format="matroska")
    stream = container.add_stream(codec, rate=rate, layout="mono")
    assert isinstance(stream, av.AudioStream)
    stream.codec_context.options = options
    container.start_encoding()
    frame_size = stream.codec_context.frame_size
    packets: list[bytes] = []
    for index in range(3):
        frame = av.AudioFrame.from_ndarray(np.zeros((1, frame_size), np.int16), format="s16", layout="mono")
        frame.sample_rate, frame.pts = rate, index * frame_size
        packets += [bytes(packet) for packet in stream.encode(frame)]
    extradata = stream.codec_context.extradata
    container.close()
    return packets[-1], frame_size, extradata


def no_duration_bomb(codec: str, size: int) -> Bomb:
    """`codec` (flac or libopus) in Matroska, `size` bytes, with no duration in its header."""
    options = {"frame_size": "65535"} if codec == "flac" else {"frame_duration": "120"}
    rate = 48000
    packet, samples, _ = silent_packet(codec, rate, options)
    buffer = io.BytesIO()
    # live: written as a stream is, without the duration and cues a seekable file gets at the end.
    container = av.open(buffer, mode="w", format="matroska", options={"live": "1"})
    stream = container.add_stream(codec, rate=rate, layout="mono")
    stream.codec_context.options = options
    container.start_encoding()
    time_base = stream.time_base
    assert time_base is not None
    step = int(samples / rate / time_base)
    count = 0
    while buffer.tell() < size:
        out = av.Packet(packet)
        out.stream, out.time_base = stream, time_base
        out.pts = out.dts = count * step
        out.duration = step
        container.mux(out)
        count += 1
    container.close()
    name = "flac-mkv" if codec == "flac" else "opus-webm"
    return Bomb(f"{name}-no-duration", buffer.getvalue(), count * samples / rate)


def _filler(size: int) -> bytes:
    """Bytes that look like nothing in particular (a file someone wants hosted)."""
    return np.random.default_rng(size).integers(0, 256, size, dtype=np.uint8).tobytes()


def wav_with_trailing_junk(size: int, seconds: float = 5.0) -> Bomb:
    wav = encode(ambience(seconds), fmt="wav")
    return Bomb("wav-trailing-junk", wav + _filler(max(0, size - len(wav))), seconds)


def mp3_with_giant_id3_tag(size: int, seconds: float = 5.0) -> Bomb:
    mp3 = encode(ambience(seconds), fmt="mp3")
    body_size = max(64, size - len(mp3) - 10)  # a small tag when the audio alone is over `size`
    frame = b"PRIV" + struct.pack(">I", body_size - 10) + b"\0\0" + _filler(body_size - 10)
    synchsafe = bytes((body_size >> shift) & 0x7F for shift in (21, 14, 7, 0))
    return Bomb("mp3-giant-id3", b"ID3\x03\x00\x00" + synchsafe + frame + mp3, seconds)


def html_then_mp3(size: int, seconds: float = 5.0) -> Bomb:
    mp3 = encode(ambience(seconds), fmt="mp3")
    page = b"<!doctype html><html><body><script>alert(document.domain)</script>"
    page += b"<p>" + b"hosted for free " * max(0, (size - len(mp3) - len(page)) // 16) + b"</p></body></html>\n"
    return Bomb("html-then-mp3", page + mp3, seconds)


BUILDERS: dict[str, Callable[[int], Bomb]] = {
    "flac-mkv-no-duration": lambda size: no_duration_bomb("flac", size),
    "opus-webm-no-duration": lambda size: no_duration_bomb("libopus", size),
    "wav-trailing-junk": wav_with_trailing_junk,
    "mp3-giant-id3": mp3_with_giant_id3_tag,
    "html-then-mp3": html_then_mp3,
}


@functools.lru_cache(maxsize=8)
def bomb(kind: str, size: int) -> Bomb:
    """A file of `kind` (a key of BUILDERS), about `size` bytes; the last few made are kept."""
    return BUILDERS[kind](size)
