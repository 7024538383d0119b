"""Training recipes: which network to train, on which features, and how.

A recipe names its network (ml.model.BUILDERS); the network fixes the features it reads
(ml.features.NETWORK_FEATURES). Several recipes train one network differently, so a new
way to train is one entry here, not an entry in each of three tables. The commands'
`--arch` is a recipe's name, and so are the artifacts' `arch` and the cross-validation
store's file names. Free of TensorFlow: the commands list the recipes without importing it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from ml.augment import Augmentation
from ml.features import NETWORK_FEATURES, FeatureParams


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
    # Networks trained with consecutive seeds and averaged (ml.model.average_of): seeds differ in
    # what they get wrong, so their mean generalises better than either; the parameter budget caps it.
    ensemble: int = 1

    @property
    def features(self) -> FeatureParams:
        return NETWORK_FEATURES[self.network]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


RECIPES: dict[str, Recipe] = {
    # 200 epochs: 30 underfit (83% on its own training clips), and over 4 folds 200 beat 100 by
    # 1.9 points for the same seed. Two seeds of 200 averaged beat one by 2.25 points (78.6%
    # against 76.3%), the most the parameter budget allows. One view per window: 4 time-shifted
    # views added 0.4 points for 4 times the work (ml/RESULTS.md). Shipped as esc50-crnn-v6.
    "crnn": Recipe("crnn", epochs=200, ensemble=2),
    # Per-band input normalisation, which gave the 40-ms network 1.5 points per network on folds 1-2,
    # in the shipped network on its 20-ms frames: over four folds each seed gained 1.25-2 points and
    # the two averaged 80.0% against v6's 78.6%; shipped as esc50-crnn-v7 (ml/RESULTS.md).
    "crnn-bandnorm": Recipe("crnn-bandnorm", epochs=200, ensemble=2),
    # Measured alternatives on 40-ms frames (half the work per network): the crnn's recipe, and
    # four narrower networks, the work of two crnn networks and within the parameter budget.
    "crnn40ms": Recipe("crnn40ms", epochs=200, ensemble=2),
    "crnn40ms-small": Recipe("crnn40ms-small", epochs=200, ensemble=4),
    "crnn40ms-deep": Recipe("crnn40ms-deep", epochs=200, ensemble=2),
    # Twice the front end's channels, for 2.5 times the work: on folds 1-2 its pair scored 76.6%, as
    # pairs of the narrow network do (ml/RESULTS.md).
    "crnn40ms-wide": Recipe("crnn40ms-wide", epochs=200, ensemble=2),
    # Each mel band standardised on its own at the input, for no extra work: on folds 1-2 one network
    # scored 1.5 points above a plain one, three averaged 77.8%; not yet cross-validated (ml/RESULTS.md).
    "crnn40ms-bandnorm": Recipe("crnn40ms-bandnorm", epochs=200, ensemble=4),
    # The networks fit their training clips; stretching time and moving pitch (as resampling a
    # recording would) shows them more variants of each sound.
    "crnn40ms-small-warp": Recipe(
        "crnn40ms-small", epochs=200, ensemble=4, augmentation=Augmentation(max_stretch=0.2, max_pitch_bins=3)
    ),
    # AdamW's decoupled decay shrinks each weight by learning rate x decay per step: at the default
    # 5e-3 that is under 4% over 200 epochs, hardly a regulariser for networks that fit their
    # training clips. These two decay 10 and 40 times as much. Over four folds one 5e-2 network
    # scored as a 5e-3 one does (76.8%, 76.6%), and its four networks averaged 77.6% on folds 1-2
    # against 77.25% at 5e-3: no gain beyond seeds (ml/RESULTS.md).
    "crnn40ms-small-decay": Recipe("crnn40ms-small", epochs=200, ensemble=4, weight_decay=5e-2),
    "crnn40ms-small-decay-strong": Recipe("crnn40ms-small", epochs=200, ensemble=4, weight_decay=2e-1),
    # The seed sees 1-second windows: a shorter shift and narrower masks fit them.
    "seed": Recipe(
        "seed", batch_size=64, learning_rate=2e-3, augmentation=Augmentation(max_shift=0.25, time_mask_frac=0.1)
    ),
}

# The recipe of the shipped model (ml/artifacts/CURRENT): the commands train and cross-validate
# it when no --arch is given, so that their defaults reproduce what users run.
SHIPPED_RECIPE = "crnn-bandnorm"


def with_overrides(
    recipe: Recipe, *, epochs: int | None = None, test_time_shifts: int | None = None, ensemble: int | None = None
) -> Recipe:
    """The recipe with the options a command was given; None keeps the recipe's value."""
    given: dict[str, Any] = {"epochs": epochs, "test_time_shifts": test_time_shifts, "ensemble": ensemble}
    return replace(recipe, **{name: value for name, value in given.items() if value is not None})
