"""The networks' shapes and the parameter budget, for every network and recipe the commands offer."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ml.features import DEFAULT_PARAMS, NETWORK_FEATURES
from ml.recipes import RECIPES

CRNNS = [network for network in NETWORK_FEATURES if network.startswith("crnn")]
CRNN_RECIPES = [name for name, recipe in RECIPES.items() if recipe.network.startswith("crnn")]


@pytest.mark.parametrize("network", sorted(NETWORK_FEATURES))
def test_each_network_takes_its_own_feature_windows_and_outputs_label_probabilities(network: str) -> None:
    from ml.model import build_model

    params = NETWORK_FEATURES[network]
    model = build_model(network, 50, params)

    assert model.input_shape == (None, params.frames_per_window, params.n_mels)
    assert model.output_shape == (None, 50)


@pytest.mark.parametrize("network", CRNNS)
def test_every_crnn_gives_its_lstm_the_same_number_of_steps_per_window(network: str) -> None:
    # The 40-ms variants pool time once less than the CRNN: its 5-s window stays 15 LSTM steps.
    from ml.model import build_model

    model = build_model(network, 50, NETWORK_FEATURES[network])

    assert model.get_layer("frames").output.shape[1] == 15


def test_the_coarse_frames_halve_the_frames_of_a_window() -> None:
    assert NETWORK_FEATURES["crnn40ms"].frames_per_window == 1 + DEFAULT_PARAMS.frames_per_window // 2


def test_every_recipe_trains_a_network_that_exists() -> None:
    from ml.model import BUILDERS

    assert {recipe.network for recipe in RECIPES.values()} <= set(BUILDERS) == set(NETWORK_FEATURES)


def test_recipes_of_one_network_differ_only_in_how_they_train_it() -> None:
    # crnn40ms-small-decay is crnn40ms-small with more weight decay: the same features, layers and budget.
    plain, decayed = RECIPES["crnn40ms-small"], RECIPES["crnn40ms-small-decay"]

    assert decayed.network == plain.network and decayed.features == plain.features
    assert decayed.weight_decay > plain.weight_decay


@pytest.mark.parametrize("name", CRNN_RECIPES)
def test_each_crnn_recipes_ensemble_fits_the_budget(name: str) -> None:
    from ml.model import MAX_PARAMS, check_parameter_budget

    recipe = RECIPES[name]

    assert recipe.ensemble >= 2
    assert check_parameter_budget(recipe, 50) <= MAX_PARAMS


def test_three_networks_of_the_crnn_exceed_the_budget() -> None:
    from ml.model import check_parameter_budget

    with pytest.raises(ValueError, match="more than the model's budget"):
        check_parameter_budget(replace(RECIPES["crnn"], ensemble=3), 50)


@pytest.mark.parametrize(("network", "convolutions"), [("crnn40ms-small", 4), ("crnn40ms-deep", 8)])
def test_the_deep_crnn_doubles_the_convolutions_of_each_block(network: str, convolutions: int) -> None:
    from keras import layers

    from ml.model import build_model

    model = build_model(network, 50, NETWORK_FEATURES[network])

    convs = [layer.name for layer in model.layers if isinstance(layer, layers.Conv2D)]
    assert len(convs) == convolutions
    assert convs[0] == "conv1"  # single-convolution networks keep the names their artifacts were saved with


def test_the_wide_crnn_doubles_the_first_three_blocks_channels_only() -> None:
    from keras import layers

    from ml.model import build_model

    def conv_channels(network: str) -> list[int]:
        model = build_model(network, 50, NETWORK_FEATURES[network])
        return [layer.filters for layer in model.layers if isinstance(layer, layers.Conv2D)]

    assert conv_channels("crnn40ms-small") == [16, 32, 64, 128]
    assert conv_channels("crnn40ms-wide") == [32, 64, 128, 128]


def test_the_band_normalised_crnn_standardises_each_mel_band_on_its_own() -> None:
    from ml.model import build_model

    def input_norm_scales(network: str) -> int:
        return build_model(network, 50, NETWORK_FEATURES[network]).get_layer("input_norm").gamma.shape[0]

    assert input_norm_scales("crnn") == input_norm_scales("crnn40ms-small") == 1
    assert input_norm_scales("crnn-bandnorm") == NETWORK_FEATURES["crnn-bandnorm"].n_mels
    assert input_norm_scales("crnn40ms-bandnorm") == NETWORK_FEATURES["crnn40ms-bandnorm"].n_mels
