"""Augmentation in the log-mel domain, so that features are computed once per clip.

Time shift (circular roll), time stretch (frames resampled), pitch shift (mel bands moved),
gain (a dB offset), mixup (in the power domain, where sounds add) and SpecAugment time and
frequency masks.
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
    # Off unless a recipe asks: each draws from the generator, so turning one on changes the
    # rest of a seed's augmentation too.
    max_stretch: float = 0.0  # playback rate drawn from [1 - max_stretch, 1 + max_stretch]
    max_pitch_bins: int = 0  # mel bands moved up or down

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def augment_batch(
    x: np.ndarray, y: np.ndarray, aug: Augmentation, floor_db: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Augment (batch, frames, mels) dB features and (batch, classes) one-hot targets; returns new arrays."""
    x = x.astype(np.float32, copy=True)
    x = _shift(x, aug.max_shift, rng)
    x = _stretch(x, aug.max_stretch, rng)
    x = _pitch(x, aug.max_pitch_bins, rng)
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


def _stretch(x: np.ndarray, max_stretch: float, rng: np.random.Generator) -> np.ndarray:
    if max_stretch <= 0:
        return x
    frames = x.shape[1]
    rates = rng.uniform(1.0 - max_stretch, 1.0 + max_stretch, size=len(x))
    # Frame t plays what the clip held at t * rate, read circularly as the time shift is, and
    # interpolated between the two frames around it.
    positions = (np.arange(frames)[None, :] * rates[:, None]) % frames
    before = np.floor(positions).astype(np.int64)
    after = (before + 1) % frames
    weight = (positions - before).astype(np.float32)[:, :, None]
    rows = np.arange(len(x))[:, None]
    return ((1.0 - weight) * x[rows, before] + weight * x[rows, after]).astype(np.float32)


def _pitch(x: np.ndarray, max_bins: int, rng: np.random.Generator) -> np.ndarray:
    if max_bins <= 0:
        return x
    mels = x.shape[2]
    moves = rng.integers(-max_bins, max_bins + 1, size=len(x))
    # Band m takes band m - move; the edge band fills what the move left empty, so no energy
    # appears from nowhere. Above ~1 kHz a mel band is a near-constant musical interval.
    source = np.clip(np.arange(mels)[None, :] - moves[:, None], 0, mels - 1)
    return np.take_along_axis(x, source[:, None, :], axis=2)


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


def augment_batch_jax(key: Any, x: Any, y: Any, aug: Augmentation, floor_db: float) -> tuple[Any, Any]:
    """`augment_batch` in JAX, for a compiled training step on an accelerator (ml.multitrain).

    The same transforms with the same parameters, drawn from `key` instead of a NumPy generator;
    masks are filled with the window's mean after mixup, as above.
    """
    import jax
    import jax.numpy as jnp

    n, frames, mels = x.shape
    shift_key, gain_key, mix_key, time_key, freq_key = jax.random.split(key, 5)
    limit = int(aug.max_shift * frames)
    if limit > 0:
        shifts = jax.random.randint(shift_key, (n,), -limit, limit + 1)
        source = (jnp.arange(frames)[None, :] - shifts[:, None]) % frames  # np.roll's direction
        x = jnp.take_along_axis(x, source[:, :, None], axis=1)
    # Keys of their own, so that recipes without these two draw exactly what they drew before.
    stretch_key, pitch_key = jax.random.split(jax.random.fold_in(key, 1))
    if aug.max_stretch > 0:
        x = _stretch_jax(stretch_key, x, aug.max_stretch)
    if aug.max_pitch_bins > 0:
        moves = jax.random.randint(pitch_key, (n,), -aug.max_pitch_bins, aug.max_pitch_bins + 1)
        source = jnp.clip(jnp.arange(mels)[None, :] - moves[:, None], 0, mels - 1)
        x = jnp.take_along_axis(x, source[:, None, :], axis=2)
    gains = jax.random.uniform(gain_key, (n, 1, 1), minval=-aug.gain_db, maxval=aug.gain_db)
    x = jnp.maximum(x + gains, floor_db)
    if aug.mixup_alpha > 0:
        x, y = _mixup_jax(mix_key, x, y, aug)
    fill = x.mean(axis=(1, 2), keepdims=True)
    masked = (
        _random_bands(time_key, n, frames, aug.time_masks, aug.time_mask_frac)[:, :, None]
        | _random_bands(freq_key, n, mels, aug.freq_masks, aug.freq_mask_frac)[:, None, :]
    )
    return jnp.where(masked, fill, x), y


def _stretch_jax(key: Any, x: Any, max_stretch: float) -> Any:
    import jax
    import jax.numpy as jnp

    n, frames, _ = x.shape
    rates = jax.random.uniform(key, (n,), minval=1.0 - max_stretch, maxval=1.0 + max_stretch)
    positions = (jnp.arange(frames)[None, :] * rates[:, None]) % frames
    before = jnp.floor(positions).astype(jnp.int32)
    after = (before + 1) % frames
    weight = (positions - before)[:, :, None]
    at_before = jnp.take_along_axis(x, before[:, :, None], axis=1)
    at_after = jnp.take_along_axis(x, after[:, :, None], axis=1)
    return (1.0 - weight) * at_before + weight * at_after


def _mixup_jax(key: Any, x: Any, y: Any, aug: Augmentation) -> tuple[Any, Any]:
    import jax
    import jax.numpy as jnp

    apply_key, lam_key, partner_key = jax.random.split(key, 3)
    lam = jax.random.beta(lam_key, aug.mixup_alpha, aug.mixup_alpha, (len(x),))
    lam = jnp.maximum(lam, 1.0 - lam)
    partner = jax.random.permutation(partner_key, len(x))
    power = jnp.power(10.0, x / 10.0)
    mixed = lam[:, None, None] * power + (1.0 - lam[:, None, None]) * power[partner]
    mixed_x = 10.0 * jnp.log10(jnp.maximum(mixed, 1e-10))
    mixed_y = lam[:, None] * y + (1.0 - lam[:, None]) * y[partner]
    apply = jax.random.uniform(apply_key) < aug.mixup_prob
    return jnp.where(apply, mixed_x, x), jnp.where(apply, mixed_y, y)


def _random_bands(key: Any, n: int, size: int, count: int, frac: float) -> Any:
    """(n, size) booleans: `count` bands per row, each of a random width up to `frac` of `size`."""
    import jax
    import jax.numpy as jnp

    positions = jnp.arange(size)[None, :]
    mask = jnp.zeros((n, size), dtype=bool)
    for band_key in jax.random.split(key, count) if count else []:
        width_key, start_key = jax.random.split(band_key)
        width = jax.random.randint(width_key, (n, 1), 0, max(1, int(frac * size)) + 1)
        start = jax.random.randint(start_key, (n, 1), 0, size - width + 1)
        mask = mask | ((positions >= start) & (positions < start + width))
    return mask
