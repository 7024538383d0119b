"""The log-mel network's shape, for every recipe the commands offer besides the shipped one."""

from __future__ import annotations

import pytest

from ml.features import NETWORK_FEATURES, SEED_PARAMS
from ml.training.recipes import RECIPES


@pytest.mark.parametrize("network", sorted(NETWORK_FEATURES))
def test_each_network_takes_its_own_feature_windows_and_outputs_label_probabilities(network: str) -> None:
    from ml.training.model import build_model

    params = NETWORK_FEATURES[network]
    model = build_model(network, 50, params)

    assert model.input_shape == (None, params.frames_per_window, params.n_mels)
    assert model.output_shape == (None, 50)


def test_every_recipe_trains_a_network_that_exists() -> None:
    from ml.training.model import BUILDERS

    assert {recipe.network for recipe in RECIPES.values()} <= set(BUILDERS) == set(NETWORK_FEATURES)


def test_the_seed_network_is_the_proof_of_concept_s_on_its_features() -> None:
    from ml.training.model import build_model

    model = build_model("seed", 50, SEED_PARAMS)

    assert RECIPES["seed"].features == SEED_PARAMS and RECIPES["seed"].ensemble == 1
    assert model.input_shape == (None, 44, 40)  # 1-second windows at 22,050 Hz, hop 512, 40 bands
    assert model.count_params() < 100_000


def test_an_unknown_network_is_refused() -> None:
    from ml.training.model import build_model

    with pytest.raises(KeyError):
        build_model("no-such-network", 50, SEED_PARAMS)
