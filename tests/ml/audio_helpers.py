"""Encode test signals into real files with PyAV, so every decoder is tested on a real container."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

# extension -> (container format, codec, sample rate, channels, extra codec options)
FORMATS: dict[str, tuple[str, str, int, int, dict[str, str]]] = {
    "wav": ("wav", "pcm_s16le", 44100, 2, {}),
    "flac": ("flac", "flac", 16000, 1, {}),
    "ogg": ("ogg", "vorbis", 44100, 2, {"strict": "experimental"}),
    "opus": ("opus", "libopus", 48000, 1, {}),
    "mp3": ("mp3", "libmp3lame", 44100, 2, {}),
    "m4a": ("ipod", "aac", 44100, 2, {}),
    "webm": ("webm", "libopus", 48000, 1, {}),
}


def tone(duration_s: float, sample_rate: int, freq: float = 440.0, amplitude: float = 0.3) -> np.ndarray:
    t = np.arange(int(duration_s * sample_rate)) / sample_rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def encode(path: Path, samples: np.ndarray, sample_rate: int | None = None, ext: str | None = None) -> Path:
    """Write mono `samples` (at the format's rate unless given) to `path` in the format its extension names."""
    fmt, codec, default_rate, channels, options = FORMATS[ext or path.suffix.lstrip(".")]
    rate = sample_rate or default_rate
    with av.open(str(path), mode="w", format=fmt) as container:
        stream = container.add_stream(codec, rate=rate, layout="stereo" if channels == 2 else "mono")
        assert isinstance(stream, av.AudioStream)
        stream.codec_context.options = options
        planar = np.tile(samples[None, :], (channels, 1)).astype(np.float32)
        frame_size = stream.codec_context.frame_size or 1024
        sample_format = "fltp" if codec not in ("pcm_s16le", "flac") else "s16"
        pts = 0
        for start in range(0, planar.shape[1], frame_size):
            chunk = planar[:, start : start + frame_size]
            frame = _frame(chunk, sample_format, rate, channels)
            frame.pts = pts
            pts += chunk.shape[1]
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def _frame(chunk: np.ndarray, sample_format: str, rate: int, channels: int) -> av.AudioFrame:
    layout = "stereo" if channels == 2 else "mono"
    if sample_format == "s16":
        interleaved = (np.clip(chunk.T, -1, 1) * 32767).astype(np.int16).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(interleaved, format="s16", layout=layout)
    else:
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(chunk), format="fltp", layout=layout)
    frame.sample_rate = rate
    return frame
