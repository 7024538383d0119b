"""The networks' shapes and the parameter budget, for every architecture the commands offer."""

from __future__ import annotations

import pytest

from ml.features import ARCH_FEATURES, DEFAULT_PARAMS

CRNNS = [arch for arch in ARCH_FEATURES if arch.startswith("crnn")]


@pytest.mark.parametrize("arch", sorted(ARCH_FEATURES))
def test_each_network_takes_its_own_feature_windows_and_outputs_label_probabilities(arch: str) -> None:
    from ml.model import build_model

    params = ARCH_FEATURES[arch]
    model = build_model(arch, 50, params)

    assert model.input_shape == (None, params.frames_per_window, params.n_mels)
    assert model.output_shape == (None, 50)


@pytest.mark.parametrize("arch", CRNNS)
def test_every_crnn_gives_its_lstm_the_same_number_of_steps_per_window(arch: str) -> None:
    # The 40-ms variants pool time once less than the CRNN: its 5-s window stays 15 LSTM steps.
    from ml.model import build_model

    model = build_model(arch, 50, ARCH_FEATURES[arch])

    assert model.get_layer("frames").output.shape[1] == 15


def test_the_coarse_frames_halve_the_frames_of_a_window() -> None:
    assert ARCH_FEATURES["crnn40ms"].frames_per_window == 1 + DEFAULT_PARAMS.frames_per_window // 2


@pytest.mark.parametrize("arch", CRNNS)
def test_each_crnn_recipes_ensemble_fits_the_budget(arch: str) -> None:
    from ml.model import MAX_PARAMS, check_parameter_budget
    from ml.training import RECIPES

    assert RECIPES[arch].ensemble >= 2
    assert check_parameter_budget(arch, 50, ARCH_FEATURES[arch], RECIPES[arch].ensemble) <= MAX_PARAMS


def test_three_networks_of_the_crnn_exceed_the_budget() -> None:
    from ml.model import check_parameter_budget

    with pytest.raises(ValueError, match="more than the model's budget"):
        check_parameter_budget("crnn", 50, DEFAULT_PARAMS, 3)


@pytest.mark.parametrize(("arch", "convolutions"), [("crnn40ms-small", 4), ("crnn40ms-deep", 8)])
def test_the_deep_crnn_doubles_the_convolutions_of_each_block(arch: str, convolutions: int) -> None:
    from keras import layers

    from ml.model import build_model

    model = build_model(arch, 50, ARCH_FEATURES[arch])

    convs = [layer.name for layer in model.layers if isinstance(layer, layers.Conv2D)]
    assert len(convs) == convolutions
    assert convs[0] == "conv1"  # single-convolution networks keep the names their artifacts were saved with
