"""Loudness normalisation: one level into the front end, whatever the recording's."""

from __future__ import annotations

import numpy as np
import pytest

from ml.loudness import MAX_GAIN_DB, TARGET_DBFS, at_level, loudness_dbfs, normalise_loudness

RATE = 16000


def noise(level_dbfs: float, seconds: float = 3.0, seed: int = 0) -> np.ndarray:
    samples = np.random.default_rng(seed).standard_normal(int(seconds * RATE))
    return (samples * 10 ** (level_dbfs / 20) / np.sqrt(np.mean(samples**2))).astype(np.float32)


@pytest.mark.parametrize("level", [-50.0, -35.0, -20.0, -10.0])
def test_it_brings_a_recording_at_any_level_to_the_target(level: float) -> None:
    normalised = normalise_loudness(noise(level), RATE)

    assert loudness_dbfs(normalised, RATE) == pytest.approx(TARGET_DBFS, abs=0.1)


def test_the_same_sound_quiet_and_loud_comes_out_the_same() -> None:
    loud, quiet = noise(-20.0), noise(-50.0)

    np.testing.assert_allclose(normalise_loudness(quiet, RATE), normalise_loudness(loud, RATE), atol=1e-5)


def test_a_short_loud_event_in_near_silence_is_measured_by_the_event() -> None:
    clip = noise(-80.0, seconds=5.0)
    clip[RATE : RATE + RATE // 2] = noise(-20.0, seconds=0.5, seed=1)

    assert loudness_dbfs(clip, RATE) == pytest.approx(-20.0, abs=0.5)


def test_gain_is_capped_so_a_noise_floor_is_not_blown_up() -> None:
    floor = noise(-110.0)

    normalised = normalise_loudness(floor, RATE)

    assert loudness_dbfs(normalised, RATE) == pytest.approx(-110.0 + MAX_GAIN_DB, abs=0.1)


def test_digital_silence_stays_silent() -> None:
    silence = np.zeros(RATE, dtype=np.float32)

    assert loudness_dbfs(silence, RATE) == float("-inf")
    assert not normalise_loudness(silence, RATE).any()


def test_a_recording_at_a_low_level_keeps_only_sixteen_bit_steps() -> None:
    quiet = at_level(noise(-20.0), RATE, -55.0)

    steps = quiet * 32767.0
    np.testing.assert_allclose(steps, np.round(steps), atol=1e-3)
    assert loudness_dbfs(quiet, RATE) == pytest.approx(-55.0, abs=0.5)
