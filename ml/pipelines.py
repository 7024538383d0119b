"""From samples to the windows a network reads: YAMNet embeddings, or log-mel features.

A pipeline cuts a clip into windows (each with its span in seconds, and whether it holds
nothing but digital silence), turns them into the network's input, and knows how the
network's outputs per window are formed. TensorFlow stays inside YamnetFrontEnd.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ml.decoding import SILENCE_PEAK
from ml.features import FeatureParams, predict_over_shifts, silent_windows, to_mono_at, windowed_features
from ml.loudness import normalise_loudness
from ml.yamnet import PATCH_SAMPLES, SAMPLE_RATE, YamnetFrontEnd, YamnetParams, read_class_names

HEARD_CLASSES = 5
Predict = Callable[[np.ndarray], Any]


@dataclass(frozen=True)
class Windows:
    inputs: np.ndarray  # (n_windows, *window_shape) float32
    starts_s: np.ndarray
    ends_s: np.ndarray
    silent: np.ndarray  # (n_windows,) bool: nothing but digital silence or padding
    duration_s: float
    heard: list[tuple[str, float]] = field(default_factory=list)
    # The clip's front-end embedding (unit length), for comparing clips; None for log-mel pipelines.
    embedding: np.ndarray | None = None


class Pipeline(Protocol):
    sample_rate: int

    @property
    def window_shape(self) -> tuple[int, ...]: ...

    def windows(self, samples: np.ndarray, sample_rate: int) -> Windows: ...

    def predict(self, predict: Predict, inputs: np.ndarray) -> np.ndarray: ...


class LogMelPipeline:
    """Log-mel windows (the proof of concept's baseline, `--arch seed`), with optional time shifts."""

    def __init__(self, params: FeatureParams, test_time_shifts: int = 1) -> None:
        self.params = params
        self.sample_rate = params.sample_rate
        self.test_time_shifts = test_time_shifts

    @property
    def window_shape(self) -> tuple[int, ...]:
        return (self.params.frames_per_window, self.params.n_mels)

    def windows(self, samples: np.ndarray, sample_rate: int) -> Windows:
        windowed = windowed_features(samples, sample_rate, self.params)
        return Windows(
            inputs=windowed.features,
            starts_s=windowed.starts_s,
            ends_s=windowed.ends_s,
            silent=silent_windows(windowed.features, self.params),
            duration_s=windowed.duration_s,
        )

    def predict(self, predict: Predict, inputs: np.ndarray) -> np.ndarray:
        return predict_over_shifts(predict, inputs, self.test_time_shifts)


class YamnetPipeline:
    """Loudness-normalised 16-kHz audio -> YAMNet frames -> windows of frame embeddings."""

    sample_rate = SAMPLE_RATE

    def __init__(self, params: YamnetParams, model_dir: Path, *, threads: int | None = None) -> None:
        self.params = params
        self.class_names = read_class_names(model_dir / params.class_map_file)
        self._front_end = YamnetFrontEnd(model_dir / params.model_file, threads=threads or 1)
        # One interpreter per process: a threaded server must not run two clips through it at once.
        self._lock = threading.Lock()

    @property
    def window_shape(self) -> tuple[int, ...]:
        return (self.params.window_frames, 1024)

    def windows(self, samples: np.ndarray, sample_rate: int) -> Windows:
        samples_16k = to_mono_at(samples, sample_rate, SAMPLE_RATE)
        audio = normalise_loudness(samples_16k, SAMPLE_RATE, self.params.loudness_dbfs)
        with self._lock:
            frames = self._front_end.run(audio, stride=self.params.frame_stride)
        silent_frames = _silent_frames(samples_16k, frames.starts_s)
        size, hop = self.params.window_frames, self.params.window_hop_frames
        starts = frame_window_starts(len(frames.embeddings), size, hop)
        duration = audio.size / SAMPLE_RATE
        last_frames = [min(start + size, len(frames.starts_s)) - 1 for start in starts]
        return Windows(
            inputs=window_inputs(frames.embeddings, starts, size),
            starts_s=frames.starts_s[starts],
            ends_s=np.minimum(frames.starts_s[last_frames] + PATCH_SAMPLES / SAMPLE_RATE, duration),
            silent=np.array([silent_frames[start : last + 1].all() for start, last in zip(starts, last_frames)]),
            duration_s=duration,
            heard=self._heard(frames.scores, silent_frames),
            embedding=clip_embedding(frames.embeddings, silent_frames),
        )

    def predict(self, predict: Predict, inputs: np.ndarray) -> np.ndarray:
        return np.asarray(predict(inputs))

    def _heard(self, scores: np.ndarray, silent_frames: np.ndarray) -> list[tuple[str, float]]:
        kept = scores[~silent_frames] if (~silent_frames).any() else scores
        mean = kept.mean(axis=0)
        return [(self.class_names[i], round(float(mean[i]), 4)) for i in np.argsort(mean)[::-1][:HEARD_CLASSES]]


def clip_embedding(embeddings: np.ndarray, silent_frames: np.ndarray) -> np.ndarray | None:
    """Mean of the frames holding sound (all, if none does), scaled to unit length; None when it is all zeros."""
    kept = embeddings[~silent_frames] if (~silent_frames).any() else embeddings
    mean = kept.mean(axis=0).astype(np.float32)
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm > 0 else None


def frame_window_starts(n_frames: int, size: int, hop: int) -> list[int]:
    """First frame of each window of `size` frames, `hop` apart: as few as cover, the last flush with the end."""
    if n_frames <= size:
        return [0]
    starts = list(range(0, n_frames - size + 1, hop))
    return starts + [n_frames - size] if starts[-1] + size < n_frames else starts


def window_inputs(embeddings: np.ndarray, starts: list[int], size: int) -> np.ndarray:
    """(n, size, 1024) float32 windows from `starts`; a clip shorter than a window repeats its frames."""
    return np.stack(
        [np.resize(embeddings[start : start + size], (size, embeddings.shape[1])) for start in starts]
    ).astype(np.float32)


def _silent_frames(samples: np.ndarray, starts_s: np.ndarray) -> np.ndarray:
    """Frames whose patch holds nothing louder than one 16-bit step, judged before normalisation.

    Lossy codecs never decode silence to exact zeros, and normalisation would lift it up to
    60 dB: the recorded level is what tells digital silence.
    """
    starts = np.round(starts_s * SAMPLE_RATE).astype(int)
    return np.array([np.max(np.abs(samples[s : s + PATCH_SAMPLES]), initial=0.0) <= SILENCE_PEAK for s in starts])
