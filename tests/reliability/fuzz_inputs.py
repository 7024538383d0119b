"""Malformed audio files, generated deterministically (seeded) for the bad-input tests.

`malformed_inputs(seed)` yields `BadInput(family, name, data)`: truncated real encodings,
random bytes, headers with absurd sizes or rates, mislabelled containers, archives
renamed to audio, empty and 1-byte files, silent WAVs. Every one must be refused.
"""
from __future__ import annotations

import gzip
import io
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import numpy as np

from tests.scenes.helpers import encode

SAMPLE_RATE = 16000
ENCODINGS = ("wav", "flac", "ogg", "mp3", "webm")


@dataclass(frozen=True)
class BadInput:
    family: str
    name: str
    data: bytes


def tone(seconds: float = 2.0, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    return (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)


@cache
def encoded_tone(fmt: str) -> bytes:
    return encode(tone(), SAMPLE_RATE, fmt)


def wav_header(*, rate: int = SAMPLE_RATE, channels: int = 1, bits: int = 16, data_size: int,
               riff_size: int | None = None, fmt_code: int = 1) -> bytes:
    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", fmt_code, channels, rate, (rate * block) & 0xFFFFFFFF, block & 0xFFFF, bits)
    riff = riff_size if riff_size is not None else (36 + data_size) & 0xFFFFFFFF
    return b"RIFF" + struct.pack("<I", riff) + b"WAVEfmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack(
        "<I", data_size & 0xFFFFFFFF
    )


def flac_streaminfo(*, rate: int, channels: int, bits: int, total_samples: int, min_block: int = 4096,
                    max_block: int = 4096) -> bytes:
    """fLaC marker + a last-metadata-block STREAMINFO with the given fields (no frames)."""
    packed = (rate & 0xFFFFF) << 44 | ((channels - 1) & 0x7) << 41 | ((bits - 1) & 0x1F) << 36 | (
        total_samples & 0xFFFFFFFFF
    )
    body = struct.pack(">HH", min_block & 0xFFFF, max_block & 0xFFFF) + b"\x00" * 6 + packed.to_bytes(8, "big")
    body += b"\x00" * 16  # MD5
    return b"fLaC" + bytes([0x80]) + len(body).to_bytes(3, "big") + body


def png_bytes(rng: np.random.Generator) -> bytes:
    width = height = 4
    raw = b"".join(b"\x00" + rng.bytes(width * 3) for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def _truncated(rng: np.random.Generator, count: int) -> Iterator[BadInput]:
    for i in range(count):
        fmt = ENCODINGS[i % len(ENCODINGS)]
        whole = encoded_tone(fmt)
        # Cut anywhere from inside the header to just before the end.
        cut = int(rng.integers(0, max(1, len(whole) - len(whole) // 5)))
        yield BadInput("truncated", f"cut-{i}.{fmt}", whole[:cut])


def _random_bytes(rng: np.random.Generator, count: int) -> Iterator[BadInput]:
    for i in range(count):
        ext = ENCODINGS[i % len(ENCODINGS)]
        yield BadInput("random_bytes", f"noise-{i}.{ext}", rng.bytes(int(rng.integers(2, 64 * 1024))))


def _magic_then_garbage(rng: np.random.Generator, count: int) -> Iterator[BadInput]:
    magics = (b"RIFF\x00\x00\x00\x00WAVE", b"fLaC", b"OggS\x00\x02", b"ID3\x04\x00\x00", b"\xff\xfb\x90\x64",
              b"\x1a\x45\xdf\xa3", b"\x00\x00\x00\x20ftypM4A ")
    for i in range(count):
        magic = magics[i % len(magics)]
        yield BadInput("magic_garbage", f"magic-{i}.wav", magic + rng.bytes(int(rng.integers(0, 8192))))


def _absurd_wav_headers(rng: np.random.Generator, count: int) -> Iterator[BadInput]:
    rates = (0, 1, 7, 4_000_000_000, 0xFFFFFFFF, 2**31)
    data_sizes = (0xFFFFFFFE, 2**31, 3 * 2**30, 10**9)
    for i in range(count):
        payload = rng.integers(-3000, 3000, size=int(rng.integers(0, 4000)), dtype=np.int16).tobytes()
        variant = i % 5
        if variant == 0:  # absurd sample rate
            header = wav_header(rate=rates[i % len(rates)], data_size=len(payload))
        elif variant == 1:  # declares gigabytes of data
            header = wav_header(data_size=data_sizes[i % len(data_sizes)])
        elif variant == 2:  # zero or absurd channels / bits
            header = wav_header(channels=int(rng.choice([0, 255, 65535])), bits=int(rng.choice([0, 1, 3, 64, 255])),
                                data_size=len(payload))
        elif variant == 3:  # unknown codec id
            header = wav_header(fmt_code=int(rng.integers(0x100, 0xFFFF)), data_size=len(payload))
        else:  # RIFF size beyond the file, and a gigantic data chunk
            header = wav_header(data_size=0xFFFFFFF0, riff_size=0xFFFFFFFF)
        yield BadInput("absurd_wav_header", f"absurd-{i}.wav", header + payload)


def _absurd_flac_headers(rng: np.random.Generator, count: int) -> Iterator[BadInput]:
    for i in range(count):
        head = flac_streaminfo(
            rate=int(rng.choice([0, 1, 655350, 0xFFFFF])),
            channels=int(rng.integers(1, 9)),
            bits=int(rng.choice([1, 4, 32])),
            total_samples=int(rng.choice([0, 2**36 - 1, 10**10])),
            min_block=int(rng.choice([0, 16, 65535])),
            max_block=int(rng.choice([0, 1, 65535])),
        )
        yield BadInput("absurd_flac_header", f"absurd-{i}.flac", head + rng.bytes(int(rng.integers(0, 4096))))


def _mislabelled(rng: np.random.Generator, count: int) -> Iterator[BadInput]:
    for i in range(count):
        if i % 2:
            yield BadInput("mislabelled", f"image-{i}.ogg", png_bytes(rng))
        else:  # a real MP3 named .wav, cut short: the name must not matter, the cut must
            whole = encoded_tone("mp3")
            yield BadInput("mislabelled", f"song-{i}.wav", whole[: int(rng.integers(0, len(whole) // 2))])


def _archives(rng: np.random.Generator, count: int) -> Iterator[BadInput]:
    for i in range(count):
        inner = encoded_tone(ENCODINGS[i % len(ENCODINGS)])
        if i % 3 == 0:
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                archive.writestr("clip.wav", inner)
            data = buffer.getvalue()
        elif i % 3 == 1:
            data = gzip.compress(inner, mtime=0)
        else:  # a zip inside a gzip
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w") as archive:
                archive.writestr("clip.wav", inner)
            data = gzip.compress(buffer.getvalue(), mtime=0)
        yield BadInput("archive", f"archive-{i}.wav", data)


def _tiny(rng: np.random.Generator, count: int) -> Iterator[BadInput]:
    yield BadInput("tiny", "empty.wav", b"")
    for i in range(count - 1):
        yield BadInput("tiny", f"byte-{i}.{ENCODINGS[i % len(ENCODINGS)]}", rng.bytes(int(rng.integers(1, 4))))


def _silent(rng: np.random.Generator, count: int) -> Iterator[BadInput]:
    for i in range(count):
        seconds = float(rng.uniform(1.5, 5.0))
        samples = np.zeros(int(seconds * SAMPLE_RATE), dtype=np.int16).tobytes()
        yield BadInput("silent", f"silence-{i}.wav", wav_header(data_size=len(samples)) + samples)


FAMILIES = {
    "truncated": (_truncated, 300),
    "random_bytes": (_random_bytes, 150),
    "magic_garbage": (_magic_then_garbage, 100),
    "absurd_wav_header": (_absurd_wav_headers, 150),
    "absurd_flac_header": (_absurd_flac_headers, 60),
    "mislabelled": (_mislabelled, 80),
    "archive": (_archives, 60),
    "tiny": (_tiny, 50),
    "silent": (_silent, 50),
}


def malformed_inputs(seed: int = 20261122) -> list[BadInput]:
    """All the families, in a fixed order; the same seed gives the same bytes."""
    inputs: list[BadInput] = []
    for index, (generate, count) in enumerate(FAMILIES.values()):
        inputs.extend(generate(np.random.default_rng([seed, index]), count))
    return inputs
