"""Train and cross-validate the scene model. Imports TensorFlow: only for commands, never at start-up."""

from __future__ import annotations

import math
import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import numpy as np

from ml.artifacts import ModelMetadata, write_artifact
from ml.features import mean_over_sound, predict_over_shifts
from ml.scenes import SCENES, default_label_to_scene
from ml.training.augment import augment_batch
from ml.training.datasets import ESC50, Dataset
from ml.training.evaluation import Evaluation, evaluate_probabilities
from ml.training.featurecache import WindowSet, dataset_windows
from ml.training.recipes import Recipe

Log = Callable[[str], None]


@dataclass
class TrainResult:
    model: Any
    history: list[dict[str, float]]
    evaluation: Evaluation | None
    seconds: float
    # The validation clips' probabilities behind `evaluation` (None without validation folds).
    val_probs: np.ndarray | None = None

    def validation(self) -> tuple[np.ndarray, Evaluation]:
        """The validation clips' probabilities and their scores; raises ValueError if there were none."""
        if self.val_probs is None or self.evaluation is None:
            raise ValueError("this network was trained without validation folds")
        return self.val_probs, self.evaluation


def configure_tensorflow(seed: int, threads: int | None = None) -> None:
    """Seed every generator and make ops deterministic, so a seed reproduces a model."""
    import keras
    import tensorflow as tf

    configure_threads(threads)
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def configure_threads(threads: int | None = None) -> None:
    """Apply `threads` (default: SCENE_TRAIN_THREADS) to TensorFlow.

    Call it before TensorFlow builds anything: afterwards it can only be set to what it already is.
    """
    import tensorflow as tf

    threads = threads or int(os.environ.get("SCENE_TRAIN_THREADS", "0")) or None
    if not threads:
        return
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:
        pass  # TensorFlow already ran something in this process (a test run): its threads are fixed.


def train(
    dataset: Dataset,
    *,
    arch: str,
    train_folds: set[int],
    val_folds: set[int],
    recipe: Recipe,
    seed: int,
    cache_dir: Path | None,
    log: Log = print,
    checkpoint_dir: Path | None = None,
) -> TrainResult:
    """Train `recipe`'s network on the clips of `train_folds`; evaluate each epoch on `val_folds` (may be empty)."""
    import keras

    from ml.training.model import build_model

    configure_tensorflow(seed)
    params = recipe.features
    windows = dataset_windows(dataset, params, cache_dir)
    truth = label_indices(dataset)
    train_clips, val_clips = dataset.clip_indices(train_folds), dataset.clip_indices(val_folds)
    x_idx = training_windows(dataset, windows, train_folds)
    y_all = truth[windows.window_clip()]
    n_classes = len(dataset.labels)

    model = build_model(recipe.network, n_classes, params)
    steps = math.ceil(len(x_idx) / recipe.batch_size)
    model.compile(
        optimizer=optimizer_for(recipe, steps),
        # No XLA: Keras refuses it under op determinism, and forced on it made epochs of the
        # earlier convolutional networks twice as slow on this project's CPUs (ml/RESULTS.md, "Training speed").
        jit_compile=False,
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=recipe.label_smoothing),
    )
    log(
        f"{arch}: {model.count_params():,} parameters, {len(train_clips)} training clips ({len(x_idx)} windows), "
        f"{len(val_clips)} validation clips, {recipe.epochs} epochs"
    )
    rng = np.random.default_rng(seed)
    history: list[dict[str, float]] = []
    evaluation, probs = None, None
    started = time.monotonic()
    for epoch in range(1, recipe.epochs + 1):
        loss = _train_epoch(model, windows.features, x_idx, y_all, n_classes, recipe, params.floor_db, rng)
        row: dict[str, float] = {"epoch": epoch, "loss": loss}
        if len(val_clips):
            probs = predict_clips(model, windows, val_clips)
            evaluation = evaluate_on(dataset, probs, truth[val_clips])
            row.update(val_accuracy=evaluation.accuracy, val_scene_accuracy=evaluation.scene_accuracy)
        history.append(row)
        log(progress_line(row, recipe.epochs, time.monotonic() - started))
        if checkpoint_dir is not None:
            _checkpoint(model, history, checkpoint_dir)
    seconds = time.monotonic() - started
    if len(val_clips) and recipe.test_time_shifts > 1:
        # Epochs are scored on plain windows (cheaper); the model's own figure uses its shifts.
        probs = predict_clips(model, windows, val_clips, shifts=recipe.test_time_shifts)
        evaluation = evaluate_on(dataset, probs, truth[val_clips])
        log(f"validation with {recipe.test_time_shifts} time shifts: accuracy {evaluation.accuracy:.4f}")
    return TrainResult(model=model, history=history, evaluation=evaluation, seconds=seconds, val_probs=probs)


def train_ensemble(
    dataset: Dataset,
    *,
    seed: int,
    recipe: Recipe,
    val_folds: set[int],
    log: Log = print,
    checkpoint_dir: Path | None = None,
    **options: Any,
) -> TrainResult:
    """`train` the recipe's network: a log-mel recipe trains one (only the shipped recipe averages several)."""
    if recipe.ensemble != 1:
        raise ValueError(f"a log-mel recipe trains one network, not {recipe.ensemble}")
    return train(
        dataset, seed=seed, recipe=recipe, val_folds=val_folds, log=log, checkpoint_dir=checkpoint_dir, **options
    )


def training_windows(dataset: Dataset, windows: WindowSet, folds: set[int] | frozenset[int]) -> np.ndarray:
    """Indices of the windows of `folds` that hold sound: padding carries no label."""
    clips = dataset.clip_indices(set(folds))
    if len(clips) == 0:
        raise ValueError(f"no clips in training folds {sorted(folds)}")
    idx = windows.clip_windows(clips)
    return idx[~windows.silent[idx]]


def label_indices(dataset: Dataset) -> np.ndarray:
    """Each clip's label as its index in `dataset.labels`, in clip order."""
    label_index = {label: i for i, label in enumerate(dataset.labels)}
    return np.array([label_index[c.label] for c in dataset.clips])


def evaluate_on(dataset: Dataset, probs: np.ndarray, truth: np.ndarray) -> Evaluation:
    """Score clip probabilities against label indices, by label and by the default scene mapping."""
    labels = list(dataset.labels)
    return evaluate_probabilities(probs, truth, labels, default_label_to_scene(labels))


def optimizer_for(recipe: Recipe, steps_per_epoch: int) -> Any:
    """AdamW on the recipe's schedule: a linear warm-up, then cosine decay over the remaining steps."""
    import keras

    warmup = recipe.warmup_epochs * steps_per_epoch
    schedule = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=recipe.learning_rate / 20,
        decay_steps=max(1, recipe.epochs * steps_per_epoch - warmup),
        warmup_target=recipe.learning_rate,
        warmup_steps=warmup,
    )
    return keras.optimizers.AdamW(learning_rate=schedule, weight_decay=recipe.weight_decay)


def _train_epoch(
    model: Any,
    features: np.ndarray,
    x_idx: np.ndarray,
    y_all: np.ndarray,
    n_classes: int,
    recipe: Recipe,
    floor_db: float,
    rng: np.random.Generator,
) -> float:
    order = rng.permutation(x_idx)
    eye = np.eye(n_classes, dtype=np.float32)
    losses = []
    for start in range(0, len(order), recipe.batch_size):
        batch = np.sort(order[start : start + recipe.batch_size])
        x, y = augment_batch(features[batch], eye[y_all[batch]], recipe.augmentation, floor_db, rng)
        losses.append(float(model.train_on_batch(x, y)))
    return float(np.mean(losses))


def predict_clips(
    model: Any, windows: WindowSet, clip_indices: np.ndarray, *, shifts: int = 1, batch_size: int = 256
) -> np.ndarray:
    """Clip probabilities: the mean over each clip's windows that hold sound, each window over `shifts` shifts."""
    idx = windows.clip_windows(clip_indices)
    step = max(1, batch_size // shifts)  # the shifted copies share the batch
    window_probs = np.concatenate(
        [
            predict_over_shifts(model.predict_on_batch, windows.features[idx[s : s + step]].astype(np.float32), shifts)
            for s in range(0, len(idx), step)
        ]
    )
    out, cursor = [], 0
    for clip in clip_indices:
        n = int(windows.offsets[clip + 1] - windows.offsets[clip])
        out.append(mean_over_sound(window_probs[cursor : cursor + n], windows.silent[idx[cursor : cursor + n]]))
        cursor += n
    return np.stack(out)


def progress_line(row: dict[str, float], epochs: int, elapsed: float) -> str:
    """One epoch's line: its loss, validation figures when there are any, time spent and time left."""
    epoch = int(row["epoch"])
    left = elapsed / epoch * (epochs - epoch)
    val = (
        f"  val_acc {row['val_accuracy']:.4f}  val_scene_acc {row['val_scene_accuracy']:.4f}"
        if "val_accuracy" in row
        else ""
    )
    return f"epoch {epoch}/{epochs}  loss {row['loss']:.4f}{val}  elapsed {_hms(elapsed)}  left ~{_hms(left)}"


def _hms(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _checkpoint(model: Any, history: list[dict[str, float]], checkpoint_dir: Path) -> None:
    import json

    checkpoint_dir.mkdir(parents=True, exist_ok=True)
    model.save(checkpoint_dir / "last.keras")
    (checkpoint_dir / "history.json").write_text(json.dumps(history, indent=1))


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in ("tensorflow-cpu", "tensorflow", "keras", "librosa", "numpy", "av", "soundfile", "scikit-learn"):
        try:
            versions[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            continue
    return versions


ESC50_ATTRIBUTION = (
    'Trained on ESC-50 folds {folds} (K. J. Piczak, "ESC: Dataset for Environmental Sound Classification", '
    "ACM Multimedia 2015, https://github.com/karoldvl/ESC-50, https://dx.doi.org/10.7910/DVN/YDEPUT). "
    "The dataset is licensed CC BY-NC 3.0 (the ESC-10 subset CC BY 3.0); per-clip credits are in ATTRIBUTION.md. "
    "This model may therefore be used for non-commercial purposes only."
)


def save_model(
    result: TrainResult,
    dataset: Dataset,
    *,
    output: Path,
    arch: str,
    recipe: Recipe,
    seed: int,
    train_folds: set[int],
    val_folds: set[int],
    version: str | None = None,
) -> Path:
    """Write the versioned artifact (weights, metadata.json, ATTRIBUTION.md) atomically."""
    labels = list(dataset.labels)
    folds_text = ",".join(map(str, sorted(train_folds)))
    metadata = ModelMetadata(
        version=version or output.name,
        arch=arch,
        labels=labels,
        label_to_scene=default_label_to_scene(labels),
        feature_params=recipe.features.to_dict(),
        weights_sha256="",
        test_time_shifts=recipe.test_time_shifts,
        scenes=dict(SCENES) if dataset.layout == ESC50 else {},
        data={
            "layout": dataset.layout,
            "metadata": dataset.metadata_path.name,
            "n_clips": len(dataset.select(train_folds)),
            "train_folds": sorted(train_folds),
            "val_folds": sorted(val_folds),
        },
        metrics={
            "validation": result.evaluation.summary() if result.evaluation else None,
            "final_train_loss": result.history[-1]["loss"],
        },
        training={
            "seed": seed,
            "seeds": [seed],
            "epochs": recipe.epochs,
            "seconds": round(result.seconds, 1),
            "recipe": recipe.to_dict(),
            "n_params": int(result.model.count_params()),
            "aggregation": "mean over windows holding sound",
        },
        library_versions=library_versions(),
        attribution=ESC50_ATTRIBUTION.format(folds=folds_text) if dataset.layout == ESC50 else "",
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    extra = {"ATTRIBUTION.md": attribution_file(dataset, metadata.attribution)} if metadata.attribution else {}
    return write_artifact(output, metadata, lambda path: save_inference_model(result.model, path), extra)


def save_inference_model(model: Any, path: Path) -> None:
    """Save the network without its optimizer state, which only training needs (a third of the size)."""
    import keras

    bare = keras.Model.from_config(model.get_config())
    bare.set_weights(model.get_weights())
    bare.save(path)


def attribution_file(dataset: Dataset, attribution: str) -> str:
    """ATTRIBUTION.md: `attribution`, then the dataset's LICENSE file (ESC-50's per-clip credits) when it has one."""
    license_file = dataset.metadata_path.parent / "LICENSE"
    credits = license_file.read_text(encoding="utf-8") if license_file.is_file() else ""
    return f"# Attribution\n\n{attribution}\n\n{credits}"
