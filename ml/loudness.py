"""Loudness normalisation: every clip reaches the front end at one level.

Phones with their automatic gain off record real places at -40 to -50 dBFS, and YAMNet
(like any AudioSet model) hears very quiet input as "Silence". Training and inference
both bring a clip to TARGET_DBFS here, so the level a recording was made at does not
decide its scene.
"""

from __future__ import annotations

import numpy as np

TARGET_DBFS = -20.0
BLOCK_S = 0.1
# Blocks quieter than the clip's mean power by more than this are gated out of the measure
# (as EBU R128 does): a dog's bark in five seconds of near-silence is measured by the bark.
RELATIVE_GATE_DB = -10.0
# Never amplify by more: a clip this far below the target is a noise floor, not a scene.
MAX_GAIN_DB = 60.0
# How much quieter than its own level evaluation also hears each recording: a phone with its
# automatic gain off records real places 15-25 dB below what most published recordings hold.
QUIETER_DB = 15.0


def loudness_dbfs(samples: np.ndarray, sample_rate: int) -> float:
    """The gated RMS level of mono samples in dBFS (-inf for digital silence)."""
    powers = _block_powers(np.asarray(samples, dtype=np.float64), max(1, int(BLOCK_S * sample_rate)))
    mean_power = float(powers.mean()) if powers.size else 0.0
    if mean_power <= 0.0:
        return float("-inf")
    loud = powers[powers >= mean_power * 10.0 ** (RELATIVE_GATE_DB / 10.0)]
    return 10.0 * float(np.log10(loud.mean()))


def normalise_loudness(samples: np.ndarray, sample_rate: int, target_dbfs: float = TARGET_DBFS) -> np.ndarray:
    """The samples scaled to `target_dbfs` (gain capped at MAX_GAIN_DB), clipped to [-1, 1], float32."""
    level = loudness_dbfs(samples, sample_rate)
    if not np.isfinite(level):
        return np.asarray(samples, dtype=np.float32)
    gain_db = min(target_dbfs - level, MAX_GAIN_DB)
    scaled = np.asarray(samples, dtype=np.float32) * np.float32(10.0 ** (gain_db / 20.0))
    return np.clip(scaled, -1.0, 1.0)


def at_level(samples: np.ndarray, sample_rate: int, level_dbfs: float) -> np.ndarray:
    """The samples as a recorder at `level_dbfs` would store them: scaled, then rounded to 16 bits.

    The rounding matters at low levels: a quiet phone recording keeps only the top bits of
    its signal, and training on that is what makes the model robust to it.
    """
    scaled = normalise_loudness(samples, sample_rate, level_dbfs)
    return (np.round(scaled * 32767.0) / 32767.0).astype(np.float32)


def _block_powers(samples: np.ndarray, block: int) -> np.ndarray:
    usable = samples[: samples.size - samples.size % block] if samples.size >= block else samples
    if usable.size == 0:
        return np.zeros(0)
    return np.square(usable).reshape(-1, min(block, usable.size)).mean(axis=1)
