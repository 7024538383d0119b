"""ml.training.augment: each transform the seed recipe trains with."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ml.training.augment import Augmentation, augment_batch

FLOOR_DB = -100.0
NO_AUGMENTATION = Augmentation(
    max_shift=0, gain_db=0, mixup_alpha=0, mixup_prob=0, time_masks=0, time_mask_frac=0, freq_masks=0, freq_mask_frac=0
)


def augment(x: np.ndarray, y: np.ndarray, aug: Augmentation, seed: int) -> tuple[np.ndarray, np.ndarray]:
    return augment_batch(x, y, aug, FLOOR_DB, np.random.default_rng(seed))


def batch(n: int = 6, frames: int = 20, mels: int = 8) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(2)
    x = rng.uniform(-80.0, -10.0, (n, frames, mels)).astype(np.float32)
    return x, np.eye(3, dtype=np.float32)[rng.integers(0, 3, n)]


def test_time_shift_rolls_each_window_in_time() -> None:
    x, y = batch()
    out, _ = augment(x, y, replace(NO_AUGMENTATION, max_shift=0.5), 0)
    shifts = []
    for before, after in zip(x, out, strict=True):
        matches = [s for s in range(-10, 11) if np.array_equal(np.roll(before, s, axis=0), after)]
        assert matches, "each window is a circular roll of itself"
        shifts.append(matches[0])
    assert len(set(shifts)) > 1  # windows are shifted independently


def test_gain_offsets_each_window_by_one_amount_within_the_limit() -> None:
    x, y = batch()
    out, _ = augment(x, y, replace(NO_AUGMENTATION, gain_db=6.0), 0)
    offsets = (out - x).reshape(len(x), -1)
    np.testing.assert_allclose(offsets, offsets[:, :1].repeat(offsets.shape[1], axis=1), atol=1e-4)
    assert np.all(np.abs(offsets) <= 6.0) and len(np.unique(offsets[:, 0].round(3))) == len(x)


def test_gain_never_lowers_a_window_below_the_floor_of_the_db_scale() -> None:
    x, y = batch()
    x[:] = FLOOR_DB  # digital silence
    out, _ = augment(x, y, replace(NO_AUGMENTATION, gain_db=6.0), 4)
    assert np.all(out >= FLOOR_DB)
    assert np.any(np.all(out == FLOOR_DB, axis=(1, 2)))  # windows given a negative gain stay at the floor


def test_mixup_keeps_the_first_clip_dominant_and_the_targets_a_distribution() -> None:
    x, y = batch()
    _, out_y = augment(x, y, replace(NO_AUGMENTATION, mixup_alpha=0.4, mixup_prob=1.0), 0)
    np.testing.assert_allclose(out_y.sum(axis=1), 1.0, rtol=1e-5)
    assert np.all((out_y * y).sum(axis=1) >= 0.5 - 1e-6)  # lambda >= 0.5 for the clip's own label
    assert not np.array_equal(out_y, y)


def test_masks_fill_bands_with_the_window_mean_and_leave_the_rest() -> None:
    x, y = batch()
    masks = replace(NO_AUGMENTATION, time_masks=2, time_mask_frac=0.2, freq_masks=2, freq_mask_frac=0.25)
    out, _ = augment(x, y, masks, 3)
    changed = ~np.isclose(out, x)
    assert changed.any()
    for before, after, moved in zip(x, out, changed, strict=True):
        np.testing.assert_allclose(after[moved], before.mean(), rtol=1e-5)
        time_bands, freq_bands = moved.all(axis=1), moved.all(axis=0)
        assert time_bands.sum() <= 2 * 4 and freq_bands.sum() <= 2 * 2  # two bands of at most 20% / 25%


def test_the_input_batch_is_left_untouched() -> None:
    x, y = batch()
    kept_x, kept_y = x.copy(), y.copy()
    augment(x, y, Augmentation(), 5)
    np.testing.assert_array_equal(x, kept_x)
    np.testing.assert_array_equal(y, kept_y)
