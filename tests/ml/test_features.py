from __future__ import annotations

import numpy as np
import pytest

from ml.features import (
    SEED_PARAMS,
    FeatureParams,
    frame_windows,
    mean_over_sound,
    predict_over_shifts,
    silent_windows,
    time_shifted,
    window_starts,
    windowed_features,
)
from tests.ml.audio_helpers import tone

# FeatureParams' defaults: 16 kHz, 64 bands, 5-second windows overlapping by half.
PARAMS = FeatureParams()
SR = PARAMS.sample_rate


def test_a_five_second_clip_gives_one_window_of_frames_by_mels() -> None:
    result = windowed_features(tone(5.0, SR), SR, PARAMS)

    assert result.features.shape == (1, PARAMS.frames_per_window, PARAMS.n_mels)
    assert result.features.shape[1:] == (251, 64)
    assert result.features.dtype == np.float32


def test_a_long_clip_is_cut_into_half_overlapping_windows() -> None:
    result = windowed_features(tone(12.0, SR), SR, PARAMS)

    assert result.starts_s.tolist() == [0.0, 2.5, 5.0, 7.5]
    assert result.ends_s.tolist() == [5.0, 7.5, 10.0, 12.0]
    assert result.features.shape[0] == 4


def test_a_clip_that_fits_exactly_has_no_padded_extra_window() -> None:
    assert window_starts(10 * SR, PARAMS).tolist() == [0, 2.5 * SR, 5 * SR]


def test_a_few_stray_milliseconds_at_the_end_add_no_window() -> None:
    assert window_starts(int(10.05 * SR), PARAMS).tolist() == [0, 2.5 * SR, 5 * SR]
    assert window_starts(int(10.7 * SR), PARAMS).tolist() == [0, 2.5 * SR, 5 * SR, 7.5 * SR]


def test_a_short_clip_is_padded_to_one_window_of_silence() -> None:
    result = windowed_features(tone(2.0, SR), SR, PARAMS)

    frames_of_sound = 2 * SR // PARAMS.hop_length
    assert result.features.shape == (1, 251, 64)
    assert result.ends_s.tolist() == [2.0]
    assert np.allclose(result.features[0, frames_of_sound + 3 :], PARAMS.floor_db)
    assert result.features[0, : frames_of_sound - 3].max() > PARAMS.floor_db + 50


def test_the_short_last_piece_is_padded_with_zeros() -> None:
    samples = np.ones(int(6.0 * SR), dtype=np.float32)

    windows = frame_windows(samples, PARAMS)

    assert windows.shape == (2, 5 * SR)
    assert windows[1, : int(3.5 * SR)].min() == 1.0
    assert windows[1, int(3.5 * SR) :].max() == 0.0


def test_stereo_audio_at_another_rate_is_mixed_to_mono_and_resampled() -> None:
    mono = tone(5.0, 44100)
    stereo = np.stack([mono, mono])

    from_stereo = windowed_features(stereo, 44100, PARAMS).features
    from_model_rate = windowed_features(tone(5.0, SR), SR, PARAMS).features

    assert from_stereo.shape == from_model_rate.shape
    assert np.abs(from_stereo[:, 5:-5] - from_model_rate[:, 5:-5]).mean() < 1.0


def test_the_seed_features_are_forty_bands_on_one_second_windows_at_22050_hz() -> None:
    result = windowed_features(tone(3.0, 16000), 16000, SEED_PARAMS)

    assert result.features.shape == (3, 44, 40)


def test_feature_params_round_trip_through_a_dict() -> None:
    assert FeatureParams.from_dict(PARAMS.to_dict()) == PARAMS


def test_the_clip_mean_leaves_out_windows_of_pure_silence() -> None:
    features = np.stack([np.zeros((3, 2)), np.full((3, 2), PARAMS.floor_db)])
    probs = np.array([[0.8, 0.2], [0.1, 0.9]])

    silent = silent_windows(features, PARAMS)

    assert silent.tolist() == [False, True]
    assert mean_over_sound(probs, silent) == pytest.approx([0.8, 0.2])
    assert mean_over_sound(probs, np.array([True, True])) == pytest.approx([0.45, 0.55])


def test_time_shifts_roll_each_window_by_equal_steps_copy_by_copy() -> None:
    windows = np.arange(2 * 8 * 3, dtype=np.float32).reshape(2, 8, 3)

    shifted = time_shifted(windows, 4)

    assert shifted.shape == (8, 8, 3)
    for copy, steps in enumerate((0, 2, 4, 6)):
        for window in range(2):
            assert np.array_equal(shifted[copy * 2 + window], np.roll(windows[window], steps, axis=0))


def test_predictions_over_shifts_are_averaged_per_window_in_one_batch() -> None:
    windows = np.random.default_rng(0).normal(size=(3, 8, 2)).astype(np.float32)
    batches = []

    def first_frame_softmax(x: np.ndarray) -> np.ndarray:
        batches.append(len(x))
        e = np.exp(x[:, 0, :])
        return e / e.sum(axis=1, keepdims=True)

    probs = predict_over_shifts(first_frame_softmax, windows, 2)

    expected = (first_frame_softmax(windows) + first_frame_softmax(np.roll(windows, 4, axis=1))) / 2
    assert batches[0] == 6  # both shifts of all three windows went in one call
    assert probs.shape == (3, 2)
    assert np.allclose(probs, expected)


def test_one_shift_is_the_window_as_it_is() -> None:
    windows = np.random.default_rng(1).normal(size=(2, 8, 2)).astype(np.float32)

    assert np.array_equal(predict_over_shifts(lambda x: x[:, :, 0], windows, 1), windows[:, :, 0])
