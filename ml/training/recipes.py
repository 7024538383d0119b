"""Training recipes of the log-mel networks: which network to train, on which features, and how.

A recipe names its network (ml.training.model.BUILDERS); the network fixes the features it reads
(ml.features.NETWORK_FEATURES). The commands' `--arch` is a recipe's name, or the shipped
recipe's (SHIPPED_RECIPE, whose recipe lives in ml.training.scene_lstm), and so are the
artifacts' `arch` and the cross-validation store's file names. Free of TensorFlow: the
commands list the recipes without importing it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from ml.features import NETWORK_FEATURES, FeatureParams
from ml.training.augment import Augmentation


@dataclass(frozen=True)
class Recipe:
    network: str
    epochs: int = 30
    batch_size: int = 32
    learning_rate: float = 2e-3
    warmup_epochs: int = 2
    weight_decay: float = 5e-3
    label_smoothing: float = 0.1
    augmentation: Augmentation = field(default_factory=Augmentation)
    # Inference's circular time shifts per window (ml.features.predict_over_shifts); part of the
    # recipe because cross-validation measures the two together, and the artifact records it.
    test_time_shifts: int = 1
    # Networks trained and averaged: a log-mel recipe trains one (the commands refuse more); the
    # field stays so that artifacts record it as the shipped recipe's do.
    ensemble: int = 1

    @property
    def features(self) -> FeatureParams:
        return NETWORK_FEATURES[self.network]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


RECIPES: dict[str, Recipe] = {
    # The proof of concept's network, kept as the baseline. It sees 1-second windows: a shorter
    # shift and narrower masks fit them.
    "seed": Recipe(
        "seed", batch_size=64, learning_rate=2e-3, augmentation=Augmentation(max_shift=0.25, time_mask_frac=0.1)
    ),
}

# The recipe of the shipped model (ml/artifacts/CURRENT): YAMNet with an LSTM head, whose recipe is
# ml.training.scene_lstm.SCENE_LSTM_RECIPE. The commands train and cross-validate it when no --arch
# is given, so that their defaults reproduce what users run.
SHIPPED_RECIPE = "yamnet-lstm"


def with_overrides(
    recipe: Recipe, *, epochs: int | None = None, test_time_shifts: int | None = None, ensemble: int | None = None
) -> Recipe:
    """The recipe with the options a command was given; None keeps the recipe's value."""
    given: dict[str, Any] = {"epochs": epochs, "test_time_shifts": test_time_shifts, "ensemble": ensemble}
    return replace(recipe, **{name: value for name, value in given.items() if value is not None})
