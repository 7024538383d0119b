"""Log-mel features, cut into fixed windows. Pure NumPy/librosa: no TensorFlow here.

The parameters travel inside the model artifact, so a model is always fed the features
it was trained on.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np


@dataclass(frozen=True)
class FeatureParams:
    sample_rate: int = 16000
    n_mels: int = 64
    n_fft: int = 1024
    hop_length: int = 320
    fmin: float = 20.0
    fmax: float | None = None
    window_s: float = 5.0
    window_hop_s: float = 2.5
    # Floor of the dB scale: digital silence (and padding) sits at 10*log10(amin).
    amin: float = 1e-10

    @property
    def window_samples(self) -> int:
        return int(round(self.window_s * self.sample_rate))

    @property
    def window_hop_samples(self) -> int:
        return int(round(self.window_hop_s * self.sample_rate))

    @property
    def frames_per_window(self) -> int:
        # librosa centres frames, so a window of N samples gives 1 + N // hop frames.
        return 1 + self.window_samples // self.hop_length

    @property
    def floor_db(self) -> float:
        return 10.0 * math.log10(self.amin)

    def to_dict(self) -> dict[str, Any]:
        return {"extractor": "librosa.melspectrogram+power_to_db", **asdict(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FeatureParams:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


# The original proof of concept: 40 bands on 1-second windows at 22,050 Hz.
SEED_PARAMS = FeatureParams(
    sample_rate=22050, n_mels=40, n_fft=2048, hop_length=512, fmin=0.0, window_s=1.0, window_hop_s=1.0
)
# The features each network reads (ml.training.model.BUILDERS builds them; ml.training.recipes trains them).
NETWORK_FEATURES: dict[str, FeatureParams] = {
    "seed": SEED_PARAMS,
}


@dataclass(frozen=True)
class WindowedFeatures:
    features: np.ndarray  # (n_windows, frames_per_window, n_mels) float32, dB
    starts_s: np.ndarray
    ends_s: np.ndarray
    duration_s: float


def to_model_rate(samples: np.ndarray, sample_rate: int, params: FeatureParams) -> np.ndarray:
    """Mix to mono (channels first or last) and resample to the model's rate."""
    return to_mono_at(samples, sample_rate, params.sample_rate)


def to_mono_at(samples: np.ndarray, sample_rate: int, target_rate: int) -> np.ndarray:
    """Mix to mono (channels first or last) and resample to `target_rate`, float32."""
    samples = np.asarray(samples, dtype=np.float32)
    if samples.ndim == 2:
        channel_axis = 0 if samples.shape[0] < samples.shape[1] else 1
        samples = samples.mean(axis=channel_axis)
    if sample_rate != target_rate:
        import librosa  # here, not at import: decoding at the model's rate (the upload path) needs none

        samples = librosa.resample(samples, orig_sr=sample_rate, target_sr=target_rate, res_type="soxr_hq")
    return samples.astype(np.float32, copy=False)


def window_starts(n_samples: int, params: FeatureParams) -> np.ndarray:
    """Start sample of each window: as few as cover the clip, the last one padded.

    A tail shorter than a quarter of the hop (encoder padding, a few stray milliseconds)
    gets no window of its own: it would be a window of almost nothing but padding.
    """
    hop = params.window_hop_samples
    extra = max(0, n_samples - params.window_samples - hop // 4)
    n_windows = 1 + math.ceil(extra / hop)
    return np.arange(n_windows, dtype=np.int64) * params.window_hop_samples


def frame_windows(samples: np.ndarray, params: FeatureParams) -> np.ndarray:
    """Cut into (n_windows, window_samples), zero-padding a short clip or last piece."""
    starts = window_starts(samples.size, params)
    needed = int(starts[-1]) + params.window_samples
    padded = np.zeros(max(needed, samples.size), dtype=np.float32)
    padded[: samples.size] = samples
    return np.stack([padded[s : s + params.window_samples] for s in starts])


def log_mel(windows: np.ndarray, params: FeatureParams) -> np.ndarray:
    """Log-mel in dB of one window (samples,) or a batch (n, samples) -> (..., frames, n_mels)."""
    import librosa

    mel = librosa.feature.melspectrogram(
        y=np.asarray(windows, dtype=np.float32),
        sr=params.sample_rate,
        n_fft=params.n_fft,
        hop_length=params.hop_length,
        n_mels=params.n_mels,
        fmin=params.fmin,
        fmax=params.fmax,
        power=2.0,
    )
    db = librosa.power_to_db(mel, ref=1.0, amin=params.amin, top_db=None)
    return np.swapaxes(db, -1, -2).astype(np.float32)


def windowed_features(samples: np.ndarray, sample_rate: int, params: FeatureParams) -> WindowedFeatures:
    """Features of every window of a clip, with each window's span in seconds."""
    samples = to_model_rate(samples, sample_rate, params)
    starts = window_starts(samples.size, params)
    duration = samples.size / params.sample_rate
    starts_s = starts / params.sample_rate
    return WindowedFeatures(
        features=log_mel(frame_windows(samples, params), params),
        starts_s=starts_s,
        ends_s=np.minimum(starts_s + params.window_s, duration),
        duration_s=duration,
    )


def silent_windows(features: np.ndarray, params: FeatureParams) -> np.ndarray:
    """Windows holding nothing but digital silence or padding."""
    return features.max(axis=(1, 2)) <= params.floor_db + 1.0


def mean_over_sound(window_probs: np.ndarray, silent: np.ndarray) -> np.ndarray:
    """The clip's result: mean of its windows' probabilities, leaving out pure silence unless all are."""
    keep = ~silent if (~silent).any() else np.ones_like(silent)
    return window_probs[keep].mean(axis=0)


def time_shifted(features: np.ndarray, shifts: int) -> np.ndarray:
    """`shifts` copies of each window, rolled in time by equal steps: (shifts * n, frames, mels), copy-major."""
    frames = features.shape[1]
    return np.concatenate([np.roll(features, k * frames // shifts, axis=1) for k in range(shifts)])


def predict_over_shifts(predict: Callable[[np.ndarray], Any], features: np.ndarray, shifts: int) -> np.ndarray:
    """Each window's probabilities, averaged over `shifts` circular time shifts sent in one batch.

    The network learned from circularly shifted windows, so every shift is a fair view of the
    same sound; averaging them steadies a prediction that one view can tip (test-time augmentation).
    """
    if shifts <= 1:
        return np.asarray(predict(features))
    probs = np.asarray(predict(time_shifted(features, shifts)))
    return probs.reshape(shifts, len(features), -1).mean(axis=0)
