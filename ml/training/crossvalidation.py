"""Cross-validation of a log-mel recipe: hold out each fold in turn, train on the others, pool the predictions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from ml.errors import MetadataError
from ml.training import Log, evaluate_on, label_indices, predict_clips, save_inference_model, train
from ml.training.datasets import Dataset
from ml.training.featurecache import dataset_windows
from ml.training.recipes import Recipe

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
    """
    if recipe.ensemble != 1:
        raise ValueError(f"a log-mel recipe trains one network per fold, not {recipe.ensemble}")
    empty = sorted(set(held_out or folds) - {clip.fold for clip in dataset.clips})
    if empty:  # checked before hours of training, not after
        raise MetadataError(f"No clips in folds {empty} of {dataset.metadata_path}.")
    per_fold, all_probs, all_truth = [], [], []
    for fold in held_out or folds:
        probs, truth, summary = _network_result(
            dataset,
            arch=arch,
            folds=folds,
            fold=fold,
            recipe=recipe,
            seed=seed,
            cache_dir=cache_dir,
            log=log,
            store_dir=store_dir,
        )
        per_fold.append(summary)
        all_probs.append(probs)
        all_truth.append(truth)
        log(f"fold {fold}: accuracy {summary['accuracy']:.4f}  scene accuracy {summary['scene_accuracy']:.4f}")
    pooled = evaluate_on(dataset, np.concatenate(all_probs), np.concatenate(all_truth))
    accs = [f["accuracy"] for f in per_fold]
    scene_accs = [f["scene_accuracy"] for f in per_fold]
    return {
        "arch": arch,
        "folds": folds,
        "held_out": held_out or folds,
        "seed": seed,
        "epochs": recipe.epochs,
        "test_time_shifts": recipe.test_time_shifts,
        "per_fold": per_fold,
        "mean_accuracy": float(np.mean(accs)),
        "std_accuracy": float(np.std(accs)),
        "mean_scene_accuracy": float(np.mean(scene_accs)),
        "std_scene_accuracy": float(np.std(scene_accs)),
        "pooled": pooled.summary(),
    }


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
    """The network on the held-out fold: stored predictions, a stored network, or training now."""
    stem = _stored_stem(arch, seed, recipe.epochs, folds, fold)
    stored = _stored_path(store_dir, _predictions_name(stem, recipe.test_time_shifts))
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
    truth = label_indices(dataset)[dataset.clip_indices({fold})]
    summary = {"fold": fold, **evaluate_on(dataset, probs, truth).summary(), "seconds": seconds}
    if stored is not None:
        np.savez(stored, probs=probs, truth=truth, summary=json.dumps(summary))
    return probs, truth, summary


def _stored_stem(arch: str, seed: int, epochs: int, folds: list[int], fold: int) -> str:
    """The name under which a store dir keeps one network's fold: its model (.keras) and predictions (.npz)."""
    return f"{arch}-seed{seed}-e{epochs}-folds{''.join(map(str, folds))}-fold{fold}"


def _predictions_name(stem: str, test_time_shifts: int) -> str:
    """The predictions file of a stored network: one per number of test-time shifts."""
    return stem + (f"-shifts{test_time_shifts}" if test_time_shifts > 1 else "") + ".npz"


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
