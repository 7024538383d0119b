"""Cross-validation: hold out each fold in turn, train on the others, pool the predictions.

Stored predictions of several recipes can also be averaged and scored as one mixed ensemble.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ml.datasets import Dataset
from ml.errors import MetadataError
from ml.featurecache import dataset_windows
from ml.recipes import Recipe
from ml.training import Log, evaluate_on, label_indices, predict_clips, save_inference_model, train

# One fold's clip probabilities, label indices and summary (accuracy, scene accuracy, ...).
FoldResult = tuple[np.ndarray, np.ndarray, dict[str, Any]]


def crossvalidate(
    dataset: Dataset,
    *,
    arch: str,
    folds: list[int],
    recipe: Recipe,
    seed: int,
    cache_dir: Path | None,
    log: Log = print,
    held_out: list[int] | None = None,
    store_dir: Path | None = None,
) -> dict[str, Any]:
    """For each held-out fold, train on the other `folds` and test on it; pool the predictions.

    With `store_dir`, each finished fold's network and predictions are kept there and reused by
    a later run with the same arch, seed, epochs and folds, so a long cross-validation can be
    split; a run with other test-time shifts reuses the network and predicts again.

    With `recipe.ensemble` N, each fold has N networks (seeds `seed` to `seed + N - 1`), stored
    one by one, and is scored on their mean; a seed's networks serve every ensemble it is in.
    """
    empty = sorted(set(held_out or folds) - {clip.fold for clip in dataset.clips})
    if empty:  # checked before hours of training, not after
        raise MetadataError(f"No clips in folds {empty} of {dataset.metadata_path}.")
    figures = _over_folds(
        dataset,
        held_out or folds,
        lambda fold: _fold_result(
            dataset,
            arch=arch,
            folds=folds,
            fold=fold,
            recipe=recipe,
            seed=seed,
            cache_dir=cache_dir,
            log=log,
            store_dir=store_dir,
        ),
        log,
    )
    return {
        "arch": arch,
        "folds": folds,
        "held_out": held_out or folds,
        "seed": seed,
        "epochs": recipe.epochs,
        "test_time_shifts": recipe.test_time_shifts,
        "ensemble": recipe.ensemble,
        **figures,
    }


@dataclass(frozen=True)
class StoredMember:
    """One network of a mix: what `crossvalidate` stored for an arch, a seed and a number of epochs."""

    arch: str
    seed: int
    epochs: int


class MissingPredictionsError(Exception):
    """A mix names a network whose held-out predictions are not in the store."""


def score_stored_mix(
    dataset: Dataset,
    *,
    members: list[StoredMember],
    folds: list[int],
    store_dir: Path,
    held_out: list[int] | None = None,
    log: Log = print,
) -> dict[str, Any]:
    """Cross-validated figures of the mean of stored networks of any recipes, with no training.

    Networks on other frames or bands cannot share a model, but their held-out predictions can
    be averaged: this measures a mixed ensemble before anyone builds one. Each fold is scored
    as `crossvalidate` scores one recipe's ensemble, so the figures compare with its reports.
    """
    figures = _over_folds(
        dataset,
        held_out or folds,
        lambda fold: _mean_of_members(
            dataset,
            fold,
            [_stored_predictions(dataset, store_dir, member, folds, fold) for member in members],
            [asdict(member) for member in members],
        ),
        log,
    )
    return {
        "members": [asdict(member) for member in members],
        "folds": folds,
        "held_out": held_out or folds,
        **figures,
    }


def _stored_predictions(
    dataset: Dataset, store_dir: Path, member: StoredMember, folds: list[int], fold: int
) -> FoldResult:
    """A member's stored probabilities, truth and summary on `fold`, refused if they are missing or for other clips."""
    stem = stored_stem(member.arch, member.seed, member.epochs, folds, fold)
    path = Path(store_dir) / predictions_name(stem, 1)
    if not path.is_file():
        raise MissingPredictionsError(
            f"No stored predictions for {member.arch} seed {member.seed} ({member.epochs} epochs) on fold {fold}: "
            f"{path} is missing. crossvalidate_scene_model --arch {member.arch} --seed {member.seed} "
            f"--epochs {member.epochs} --held-out {fold} --store-dir {store_dir} makes it."
        )
    data = np.load(path)
    truth = fold_truth(dataset, fold)
    if not np.array_equal(data["truth"], truth):  # stored from another metadata file: averaging would mix clips
        raise MissingPredictionsError(
            f"{path} holds predictions for other clips than fold {fold} of {dataset.metadata_path}."
        )
    return data["probs"], truth, json.loads(str(data["summary"]))


def _over_folds(
    dataset: Dataset, held_out: list[int], fold_result: Callable[[int], FoldResult], log: Log
) -> dict[str, Any]:
    """Each held-out fold's result, logged as it comes; then their mean and spread, and all clips pooled."""
    per_fold, all_probs, all_truth = [], [], []
    for fold in held_out:
        probs, truth, summary = fold_result(fold)
        per_fold.append(summary)
        all_probs.append(probs)
        all_truth.append(truth)
        log(f"fold {fold}: accuracy {summary['accuracy']:.4f}  scene accuracy {summary['scene_accuracy']:.4f}")
    pooled = evaluate_on(dataset, np.concatenate(all_probs), np.concatenate(all_truth))
    accs = [f["accuracy"] for f in per_fold]
    scene_accs = [f["scene_accuracy"] for f in per_fold]
    return {
        "per_fold": per_fold,
        "mean_accuracy": float(np.mean(accs)),
        "std_accuracy": float(np.std(accs)),
        "mean_scene_accuracy": float(np.mean(scene_accs)),
        "std_scene_accuracy": float(np.std(scene_accs)),
        "pooled": pooled.summary(),
    }


def _fold_result(dataset: Dataset, *, fold: int, recipe: Recipe, seed: int, **options: Any) -> FoldResult:
    """The fold's probabilities, truth and summary: one network's, or the mean of the ensemble's."""
    seeds = range(seed, seed + recipe.ensemble)
    if len(seeds) == 1:
        return _network_result(dataset, fold=fold, recipe=recipe, seed=seed, **options)
    members = [_network_result(dataset, fold=fold, recipe=recipe, seed=s, **options) for s in seeds]
    return _mean_of_members(dataset, fold, members, [{"seed": s} for s in seeds])


def _mean_of_members(
    dataset: Dataset,
    fold: int,
    members: list[FoldResult],
    names: list[dict[str, Any]],
) -> FoldResult:
    """The fold scored on the mean of its members' probabilities; `names` say which member is which."""
    probs, truth = np.mean([probs for probs, _, _ in members], axis=0), members[0][1]
    evaluation = evaluate_on(dataset, probs, truth)
    seconds = [summary["seconds"] for _, _, summary in members]
    summary = {
        "fold": fold,
        **evaluation.summary(),
        "seconds": None if None in seconds else round(sum(seconds), 1),
        "members": [
            {**name, "accuracy": s["accuracy"], "scene_accuracy": s["scene_accuracy"]}
            for name, (_, _, s) in zip(names, members, strict=True)
        ],
    }
    return probs, truth, summary


def _network_result(
    dataset: Dataset,
    *,
    arch: str,
    folds: list[int],
    fold: int,
    recipe: Recipe,
    seed: int,
    cache_dir: Path | None,
    log: Log,
    store_dir: Path | None,
) -> FoldResult:
    """One seed's network on the held-out fold: stored predictions, a stored network, or training now."""
    stem = stored_stem(arch, seed, recipe.epochs, folds, fold)
    stored = _stored_path(store_dir, predictions_name(stem, recipe.test_time_shifts))
    if stored is not None and stored.is_file():
        data = np.load(stored)
        log(f"--- fold {fold}: reusing {stored} ---")
        return data["probs"], data["truth"], json.loads(str(data["summary"]))
    probs, seconds = _fold_probabilities(
        dataset,
        stored_model=_stored_path(store_dir, stem + ".keras"),
        arch=arch,
        folds=folds,
        fold=fold,
        recipe=recipe,
        seed=seed,
        cache_dir=cache_dir,
        log=log,
    )
    return store_fold_result(dataset, stored, fold=fold, probs=probs, seconds=seconds)


def stored_stem(arch: str, seed: int, epochs: int, folds: list[int], fold: int) -> str:
    """The name under which a store dir keeps one network's fold: its model (.keras) and predictions (.npz)."""
    return f"{arch}-seed{seed}-e{epochs}-folds{''.join(map(str, folds))}-fold{fold}"


def predictions_name(stem: str, test_time_shifts: int) -> str:
    """The predictions file of a stored network: one per number of test-time shifts."""
    return stem + (f"-shifts{test_time_shifts}" if test_time_shifts > 1 else "") + ".npz"


def store_fold_result(
    dataset: Dataset, stored: Path | None, *, fold: int, probs: np.ndarray, seconds: float | None
) -> FoldResult:
    """Score one network's held-out probabilities and keep them at `stored` (None: keep nothing)."""
    truth = fold_truth(dataset, fold)
    evaluation = evaluate_on(dataset, probs, truth)
    summary = {"fold": fold, **evaluation.summary(), "seconds": seconds}
    if stored is not None:
        np.savez(stored, probs=probs, truth=truth, summary=json.dumps(summary))
    return probs, truth, summary


def fold_truth(dataset: Dataset, fold: int) -> np.ndarray:
    """The label index of each clip in `fold`, in clip order: what its stored predictions are scored against."""
    return label_indices(dataset)[dataset.clip_indices({fold})]


def _stored_path(store_dir: Path | None, name: str) -> Path | None:
    if store_dir is None:
        return None
    Path(store_dir).mkdir(parents=True, exist_ok=True)
    return Path(store_dir) / name


def _fold_probabilities(
    dataset: Dataset,
    *,
    stored_model: Path | None,
    fold: int,
    folds: list[int],
    recipe: Recipe,
    cache_dir: Path | None,
    log: Log,
    **training: Any,
) -> tuple[np.ndarray, float | None]:
    """The held-out fold's clip probabilities, in clip order, and the training seconds (None: not trained now).

    A stored network is loaded and predicts, so inference-time choices (test-time shifts) are
    measured on the same network without training again; a network trained now has already
    scored the fold, with the recipe's shifts, at the end of training.
    """
    if stored_model is not None and stored_model.is_file():
        import keras

        log(f"--- fold {fold}: predicting with {stored_model} ---")
        model = keras.models.load_model(stored_model, compile=False)
        windows = dataset_windows(dataset, recipe.features, cache_dir)
        probs = predict_clips(model, windows, dataset.clip_indices({fold}), shifts=recipe.test_time_shifts)
        return probs, None
    log(f"--- fold {fold} held out ---")
    result = train(
        dataset,
        train_folds=set(folds) - {fold},
        val_folds={fold},
        recipe=recipe,
        cache_dir=cache_dir,
        log=log,
        **training,
    )
    if stored_model is not None:
        save_inference_model(result.model, stored_model)
    return result.validation()[0], round(result.seconds, 1)
