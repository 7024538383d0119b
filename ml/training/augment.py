"""Augmentation in the log-mel domain, so that features are computed once per clip.

Time shift (circular roll), gain (a dB offset), mixup (in the power domain, where sounds add)
and SpecAugment time and frequency masks: what the seed recipe (ml.training.recipes) trains with.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Augmentation:
    max_shift: float = 0.5  # fraction of the window
    gain_db: float = 6.0
    mixup_alpha: float = 0.4
    mixup_prob: float = 0.8
    time_masks: int = 2
    time_mask_frac: float = 0.1
    freq_masks: int = 2
    freq_mask_frac: float = 0.12

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def augment_batch(
    x: np.ndarray, y: np.ndarray, aug: Augmentation, floor_db: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Augment (batch, frames, mels) dB features and (batch, classes) one-hot targets; returns new arrays."""
    x = x.astype(np.float32, copy=True)
    x = _shift(x, aug.max_shift, rng)
    x = _gain(x, aug.gain_db, floor_db, rng)
    x, y = _mixup(x, y, aug, rng)
    return _masks(x, aug, rng), y


def _shift(x: np.ndarray, max_shift: float, rng: np.random.Generator) -> np.ndarray:
    limit = int(max_shift * x.shape[1])
    if limit <= 0:
        return x
    for i, shift in enumerate(rng.integers(-limit, limit + 1, size=len(x))):
        x[i] = np.roll(x[i], int(shift), axis=0)
    return x


def _gain(x: np.ndarray, gain_db: float, floor_db: float, rng: np.random.Generator) -> np.ndarray:
    gains = rng.uniform(-gain_db, gain_db, size=(len(x), 1, 1)).astype(np.float32)
    # Nothing goes below the floor of the dB scale (digital silence); a positive gain lifts it a little.
    return np.maximum(x + gains, floor_db)


def _mixup(x: np.ndarray, y: np.ndarray, aug: Augmentation, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    if aug.mixup_alpha <= 0 or rng.random() >= aug.mixup_prob:
        return x, y
    lam = rng.beta(aug.mixup_alpha, aug.mixup_alpha, size=len(x)).astype(np.float32)
    lam = np.maximum(lam, 1.0 - lam)  # the first clip dominates, so its label stays the main one
    partner = rng.permutation(len(x))
    power = np.power(10.0, x / 10.0)
    mixed = lam[:, None, None] * power + (1.0 - lam[:, None, None]) * power[partner]
    x = 10.0 * np.log10(np.maximum(mixed, 1e-10))
    return x.astype(np.float32), lam[:, None] * y + (1.0 - lam[:, None]) * y[partner]


def _masks(x: np.ndarray, aug: Augmentation, rng: np.random.Generator) -> np.ndarray:
    frames, mels = x.shape[1], x.shape[2]
    for i in range(len(x)):
        fill = float(x[i].mean())
        for _ in range(aug.time_masks):
            width = int(rng.integers(0, max(1, int(aug.time_mask_frac * frames)) + 1))
            start = int(rng.integers(0, frames - width + 1))
            x[i, start : start + width, :] = fill
        for _ in range(aug.freq_masks):
            width = int(rng.integers(0, max(1, int(aug.freq_mask_frac * mels)) + 1))
            start = int(rng.integers(0, mels - width + 1))
            x[i, :, start : start + width] = fill
    return x
