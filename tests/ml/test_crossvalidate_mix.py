"""crossvalidate_mix: stored held-out predictions of several recipes, averaged and scored with no training."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ml.crossvalidation import predictions_name, store_fold_result, stored_stem
from ml.datasets import Dataset, read_metadata
from ml.training import label_indices
from tests.ml.conftest import crossvalidate_tiny

# Each member's probability for the true label of the four clips in a synthetic fold. Alone,
# A gets 2 of 4 right and B 1 of 4; their mean gets 3 of 4 (0.675, 0.675, 0.6, 0.425).
TRUE_LABEL_PROBABILITY = {"crnn-bandnorm": [0.9, 0.9, 0.4, 0.4], "crnn40ms-bandnorm": [0.45, 0.45, 0.8, 0.45]}

POOLED_FIGURES = ("mean_accuracy", "std_accuracy", "mean_scene_accuracy", "std_scene_accuracy", "pooled")


def mix(dataset: tuple[Path, Path], store: Path, *members: str, **options: object) -> dict:
    metadata, audio = dataset
    out = StringIO()
    member_args = [arg for member in members for arg in ("--member", member)]
    call_command(
        "crossvalidate_mix",
        *member_args,
        metadata=str(metadata),
        audio_dir=str(audio),
        folds="1,2",
        store_dir=str(store),
        json=True,
        stdout=out,
        **options,
    )
    return json.loads(out.getvalue().splitlines()[-1])


def store_crafted_predictions(dataset: Dataset, store: Path, arch: str, *, seed: int = 0, epochs: int = 200) -> None:
    """Write `arch`'s TRUE_LABEL_PROBABILITY for folds 1 and 2 where crossvalidate would store them."""
    for fold in (1, 2):
        truth = label_indices(dataset)[dataset.clip_indices({fold})]
        probs = np.zeros((len(truth), len(dataset.labels)), dtype=np.float32)
        for clip, (label, p_true) in enumerate(zip(truth, TRUE_LABEL_PROBABILITY[arch], strict=True)):
            probs[clip] = (1 - p_true) / (len(dataset.labels) - 1)
            probs[clip, label] = p_true
        stored = store / predictions_name(stored_stem(arch, seed, epochs, [1, 2], fold), 1)
        store_fold_result(dataset, stored, fold=fold, probs=probs, seconds=None)


@pytest.fixture
def crafted_store(synthetic_dataset: tuple[Path, Path], tmp_path: Path) -> Path:
    dataset = read_metadata(*synthetic_dataset)
    for arch in TRUE_LABEL_PROBABILITY:
        store_crafted_predictions(dataset, tmp_path, arch)
    return tmp_path


def test_a_mix_of_two_recipes_is_scored_on_the_mean_of_their_stored_predictions(
    synthetic_dataset: tuple[Path, Path], crafted_store: Path
) -> None:
    report = mix(synthetic_dataset, crafted_store, "crnn-bandnorm:0", "crnn40ms-bandnorm:0")

    assert [fold["accuracy"] for fold in report["per_fold"]] == [0.75, 0.75]
    assert [[m["accuracy"] for m in fold["members"]] for fold in report["per_fold"]] == [[0.5, 0.25]] * 2
    assert report["members"] == [
        {"arch": "crnn-bandnorm", "seed": 0, "epochs": 200},
        {"arch": "crnn40ms-bandnorm", "seed": 0, "epochs": 200},
    ]
    assert report["mean_accuracy"] == 0.75 and report["pooled"]["n_clips"] == 8


@pytest.mark.trains
def test_a_mix_of_one_recipes_seeds_scores_what_its_crossvalidated_ensemble_scores(
    synthetic_dataset: tuple[Path, Path], tmp_path: Path
) -> None:
    for seed in (5, 6):
        crossvalidate_tiny(synthetic_dataset, tmp_path, seed=seed)
    ensemble = json.loads(crossvalidate_tiny(synthetic_dataset, tmp_path, seed=5, ensemble=2).splitlines()[-1])

    mixed = mix(synthetic_dataset, tmp_path, "seed:5:1", "seed:6:1")

    def fold_figures(report: dict) -> list[tuple[float, float]]:
        return [(fold["accuracy"], fold["scene_accuracy"]) for fold in report["per_fold"]]

    assert fold_figures(mixed) == fold_figures(ensemble)
    assert {key: mixed[key] for key in POOLED_FIGURES} == {key: ensemble[key] for key in POOLED_FIGURES}


def test_a_mix_names_the_missing_predictions_and_the_run_that_makes_them(
    synthetic_dataset: tuple[Path, Path], crafted_store: Path
) -> None:
    next(crafted_store.glob("crnn40ms-bandnorm-seed0-e200-folds12-fold2.npz")).unlink()

    with pytest.raises(CommandError) as caught:
        mix(synthetic_dataset, crafted_store, "crnn-bandnorm:0", "crnn40ms-bandnorm:0")

    assert str(caught.value) == (
        "No stored predictions for crnn40ms-bandnorm seed 0 (200 epochs) on fold 2: "
        f"{crafted_store}/crnn40ms-bandnorm-seed0-e200-folds12-fold2.npz is missing. "
        "crossvalidate_scene_model --arch crnn40ms-bandnorm --seed 0 --epochs 200 --held-out 2 "
        f"--store-dir {crafted_store} makes it."
    )


def test_a_mix_refuses_predictions_stored_for_other_clips(
    synthetic_dataset: tuple[Path, Path], crafted_store: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from tests.ml.conftest import write_esc50_dataset

    other = write_esc50_dataset(tmp_path_factory.mktemp("bigger"), clips_per_fold=3)

    with pytest.raises(CommandError, match=r"holds predictions for other clips than fold 1 of .*esc50\.csv\.$"):
        mix(other, crafted_store, "crnn-bandnorm:0")


@pytest.mark.parametrize(
    ("member", "message"),
    [
        ("nosuch:0", "unknown arch 'nosuch' in 'nosuch:0'"),
        ("crnn-bandnorm", "expected ARCH:SEED or ARCH:SEED:EPOCHS, got 'crnn-bandnorm'"),
        ("crnn-bandnorm:0:many", "expected ARCH:SEED or ARCH:SEED:EPOCHS, got 'crnn-bandnorm:0:many'"),
    ],
)
def test_a_mix_refuses_a_member_it_cannot_read(
    synthetic_dataset: tuple[Path, Path], crafted_store: Path, member: str, message: str
) -> None:
    with pytest.raises(CommandError, match=message):
        mix(synthetic_dataset, crafted_store, member)


def test_a_members_epochs_default_to_its_recipes(synthetic_dataset: tuple[Path, Path], crafted_store: Path) -> None:
    report = mix(synthetic_dataset, crafted_store, "crnn40ms-bandnorm:0")

    assert report["members"] == [{"arch": "crnn40ms-bandnorm", "seed": 0, "epochs": 200}]
    assert report["mean_accuracy"] == 0.25
