"""Train many networks at once on one accelerator: Keras on JAX, the networks vmapped.

Cross-validating a recipe of four averaged networks takes 16 trainings (4 seeds x 4 folds):
about a day on this project's two CPU cores. One small network leaves a GPU idle most of the
time, so this module stacks the networks' weights and runs one compiled program for all of
them. Each network keeps its own seed (initial weights, dropout, batch order, augmentation)
and its own training and validation folds. Networks trained together need training sets of
one size, because the learning-rate schedule counts steps; ESC-50's folds are all 400 clips.

It needs KERAS_BACKEND=jax and a feature cache (no audio decoding, no Django, no TensorFlow),
so it runs on a GPU machine that has JAX and little else. The networks it returns are ordinary
Keras models: `python -m ml.multitrain` stores them where crossvalidate_scene_model and
average_scene_models read them. Augmentation runs inside the compiled step
(ml.augment.augment_batch_jax), so a seed gives other networks here than ml.training.train
gives on the CPU.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from ml.augment import augment_batch_jax
from ml.crossvalidation import crossvalidate, predictions_name, store_fold_result, stored_stem
from ml.datasets import Dataset, parse_folds, read_metadata
from ml.featurecache import WindowSet, load_windows
from ml.recipes import RECIPES, Recipe, with_overrides
from ml.training import (
    Log,
    TrainResult,
    evaluate_on,
    label_indices,
    optimizer_for,
    predict_clips,
    progress_line,
    save_inference_model,
    save_model,
    training_windows,
)


@dataclass(frozen=True)
class Job:
    """One network: its seed, the folds it trains on and the folds it is scored on."""

    seed: int
    train_folds: frozenset[int]
    val_folds: frozenset[int] = frozenset()


def train_together(
    dataset: Dataset,
    windows: WindowSet,
    *,
    arch: str,
    recipe: Recipe,
    jobs: list[Job],
    log: Log = print,
) -> list[TrainResult]:
    """Train one network per job, all in one compiled program; results in the order of `jobs`."""
    import jax

    _require_jax_backend()
    n_classes = len(dataset.labels)
    training_sets = [training_windows(dataset, windows, job.train_folds) for job in jobs]
    sizes = sorted({len(indices) for indices in training_sets})
    if len(sizes) != 1:
        raise ValueError(f"networks trained together need training sets of one size, not of {sizes} windows")
    n_windows = sizes[0]
    steps = math.ceil(n_windows / recipe.batch_size)
    model, optimizer, state = _stacked_start(recipe, n_classes, steps, [job.seed for job in jobs])
    run_batches = _compiled_batches(model, optimizer, recipe, recipe.features.floor_db, n_classes)
    features = jax.device_put(windows.features)
    labels = jax.device_put(label_indices(dataset)[windows.window_clip()].astype(np.int32))
    keys = jax.numpy.stack([jax.random.PRNGKey(job.seed) for job in jobs])
    shufflers = [np.random.default_rng(job.seed) for job in jobs]
    log(
        f"{arch}: {len(jobs)} networks of {model.count_params():,} parameters trained together on "
        f"{jax.devices()[0].platform}, {n_windows} windows each, {recipe.epochs} epochs"
    )
    histories: list[list[dict[str, float]]] = [[] for _ in jobs]
    started = time.monotonic()
    for epoch in range(1, recipe.epochs + 1):
        order = np.stack([rng.permutation(indices) for rng, indices in zip(shufflers, training_sets, strict=True)])
        losses = []
        for batches in _epoch_batches(order.astype(np.int32), recipe.batch_size):
            state, keys, batch_losses = run_batches(state, keys, batches, features, labels)
            losses.append(np.asarray(batch_losses))
        per_network = np.concatenate(losses).mean(axis=0)
        for history, loss in zip(histories, per_network, strict=True):
            history.append({"epoch": epoch, "loss": float(loss)})
        row = {"epoch": epoch, "loss": float(per_network.mean())}
        log(progress_line(row, recipe.epochs, time.monotonic() - started) + "  (mean over networks)")
    seconds = time.monotonic() - started
    return [
        _result(dataset, windows, _network(recipe, n_classes, state, i), job, history, seconds, recipe)
        for i, (job, history) in enumerate(zip(jobs, histories, strict=True))
    ]


def _require_jax_backend() -> None:
    import keras

    if keras.backend.backend() != "jax":
        raise RuntimeError(
            f"ml.multitrain needs Keras on JAX (KERAS_BACKEND=jax); this process runs {keras.backend.backend()}"
        )


def _stacked_start(
    recipe: Recipe, n_classes: int, steps: int, seeds: list[int]
) -> tuple[Any, Any, Any]:
    """A template network, its optimizer, and the starting state of every network stacked on a first axis."""
    import jax.numpy as jnp
    import keras

    from ml.model import build_model

    starts = []
    for seed in seeds:
        keras.utils.set_random_seed(seed)  # each network's initial weights and dropout stream
        model = build_model(recipe.network, n_classes, recipe.features)
        starts.append(([v.value for v in model.trainable_variables], [v.value for v in model.non_trainable_variables]))
    optimizer = optimizer_for(recipe, steps)
    optimizer.build(model.trainable_variables)
    trainable = [jnp.stack(values) for values in zip(*(start[0] for start in starts), strict=True)]
    non_trainable = [jnp.stack(values) for values in zip(*(start[1] for start in starts), strict=True)]
    optimizer_state = [jnp.stack([v.value] * len(seeds)) for v in optimizer.variables]
    return model, optimizer, (trainable, non_trainable, optimizer_state)


def _compiled_batches(model: Any, optimizer: Any, recipe: Recipe, floor_db: float, n_classes: int) -> Any:
    """A compiled function that runs (steps, networks, batch) window indices through every network."""
    import jax
    import jax.numpy as jnp
    import keras

    loss_fn = keras.losses.CategoricalCrossentropy(label_smoothing=recipe.label_smoothing)

    def network_step(trainable, non_trainable, optimizer_state, key, batch, features, labels):
        key, augment_key = jax.random.split(key)
        x = features[batch].astype(jnp.float32)
        y = jax.nn.one_hot(labels[batch], n_classes)
        x, y = augment_batch_jax(augment_key, x, y, recipe.augmentation, floor_db)

        def loss_of(trainable):
            y_pred, updated, losses = model.stateless_call(
                trainable, non_trainable, x, training=True, return_losses=True
            )
            return loss_fn(y, y_pred) + sum(losses), updated

        (loss, non_trainable), grads = jax.value_and_grad(loss_of, has_aux=True)(trainable)
        trainable, optimizer_state = optimizer.stateless_apply(optimizer_state, grads, trainable)
        return trainable, non_trainable, optimizer_state, key, loss

    every_network = jax.vmap(network_step, in_axes=(0, 0, 0, 0, 0, None, None))

    def run(state, keys, batches, features, labels):
        def one_batch(carry, batch):
            (trainable, non_trainable, optimizer_state), keys = carry
            *state, keys, loss = every_network(trainable, non_trainable, optimizer_state, keys, batch, features, labels)
            return (tuple(state), keys), loss

        (state, keys), losses = jax.lax.scan(one_batch, (state, keys), batches)
        return state, keys, losses

    return jax.jit(run, donate_argnums=(0, 1))


def _epoch_batches(order: np.ndarray, batch_size: int) -> list[np.ndarray]:
    """(networks, windows) shuffled indices as (steps, networks, batch) blocks: the full batches, then the rest."""
    n_networks, n_windows = order.shape
    full = n_windows // batch_size * batch_size
    blocks = [order[:, :full].reshape(n_networks, -1, batch_size).swapaxes(0, 1)] if full else []
    if full < n_windows:
        blocks.append(order[None, :, full:])
    return blocks


def _network(recipe: Recipe, n_classes: int, state: Any, index: int) -> Any:
    """A Keras network of `recipe`'s holding the `index`-th stacked weights."""
    from ml.model import build_model

    model = build_model(recipe.network, n_classes, recipe.features)
    trainable, non_trainable, _ = state
    for variable, values in zip(model.trainable_variables, trainable, strict=True):
        variable.assign(values[index])
    for variable, values in zip(model.non_trainable_variables, non_trainable, strict=True):
        variable.assign(values[index])
    return model


def _result(
    dataset: Dataset,
    windows: WindowSet,
    model: Any,
    job: Job,
    history: list[dict[str, float]],
    seconds: float,
    recipe: Recipe,
) -> TrainResult:
    if not job.val_folds:
        return TrainResult(model=model, history=history, evaluation=None, seconds=seconds)
    clips = dataset.clip_indices(set(job.val_folds))
    probs = predict_clips(model, windows, clips, shifts=recipe.test_time_shifts)
    evaluation = evaluate_on(dataset, probs, label_indices(dataset)[clips])
    history[-1].update(val_accuracy=evaluation.accuracy, val_scene_accuracy=evaluation.scene_accuracy)
    return TrainResult(model=model, history=history, evaluation=evaluation, seconds=seconds, val_probs=probs)


def crossvalidate_together(
    dataset: Dataset,
    windows: WindowSet,
    *,
    arch: str,
    folds: list[int],
    recipe: Recipe,
    seed: int,
    store_dir: Path,
    log: Log = print,
) -> dict[str, Any]:
    """crossvalidate(), with every network the store lacks trained at once; the store's names and scoring."""
    store_dir.mkdir(parents=True, exist_ok=True)
    seeds = range(seed, seed + recipe.ensemble)
    single = replace(recipe, ensemble=1)
    missing = [
        Job(s, frozenset(folds) - {fold}, frozenset({fold}))
        for s in seeds
        for fold in folds
        if not _predictions_path(store_dir, stored_stem(arch, s, recipe.epochs, folds, fold), recipe).is_file()
    ]
    for jobs in _same_size_groups(dataset, windows, missing):
        results = train_together(dataset, windows, arch=arch, recipe=single, jobs=jobs, log=log)
        for job, result in zip(jobs, results, strict=True):
            (fold,) = job.val_folds
            stem = stored_stem(arch, job.seed, recipe.epochs, folds, fold)
            save_inference_model(result.model, store_dir / f"{stem}.keras")
            predictions = _predictions_path(store_dir, stem, recipe)
            probs, evaluation = result.validation()
            store_fold_result(dataset, predictions, fold=fold, probs=probs, seconds=round(result.seconds, 1))
            log(f"seed {job.seed}, fold {fold}: accuracy {evaluation.accuracy:.4f}")
    # Everything is stored now: crossvalidate only reads and scores it, ensembles included.
    return crossvalidate(
        dataset,
        arch=arch,
        folds=folds,
        recipe=recipe,
        seed=seed,
        cache_dir=None,
        log=log,
        store_dir=store_dir,
    )


def _predictions_path(store_dir: Path, stem: str, recipe: Recipe) -> Path:
    return store_dir / predictions_name(stem, recipe.test_time_shifts)


def _same_size_groups(dataset: Dataset, windows: WindowSet, jobs: list[Job]) -> list[list[Job]]:
    groups: dict[int, list[Job]] = defaultdict(list)
    for job in jobs:
        groups[len(training_windows(dataset, windows, job.train_folds))].append(job)
    return list(groups.values())


def train_and_save(
    dataset: Dataset,
    windows: WindowSet,
    *,
    arch: str,
    train_folds: set[int],
    recipe: Recipe,
    seed: int,
    output_dir: Path,
    log: Log = print,
) -> list[Path]:
    """Train seeds `seed` to `seed + recipe.ensemble - 1` on `train_folds` together; one artifact per network."""
    jobs = [Job(s, frozenset(train_folds)) for s in range(seed, seed + recipe.ensemble)]
    single = replace(recipe, ensemble=1)
    results = train_together(dataset, windows, arch=arch, recipe=single, jobs=jobs, log=log)
    paths = []
    for job, result in zip(jobs, results, strict=True):
        output = output_dir / f"{arch}-seed{job.seed}"
        paths.append(
            save_model(
                result,
                dataset,
                output=output,
                arch=arch,
                recipe=single,
                seed=job.seed,
                train_folds=set(train_folds),
                val_folds=set(),
            )
        )
        log(f"seed {job.seed}: wrote {output}")
    return paths


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    dataset = read_metadata(args.metadata, args.audio_dir or Path(args.metadata).parent / "audio")
    windows = load_windows(Path(args.features))
    if len(windows.offsets) - 1 != len(dataset.clips):
        sys.exit(f"{args.features} holds {len(windows.offsets) - 1} clips, {args.metadata} lists {len(dataset.clips)}")
    recipe = with_overrides(RECIPES[args.arch], epochs=args.epochs, ensemble=args.ensemble)
    common = {"arch": args.arch, "recipe": recipe, "seed": args.seed}
    log = lambda line: print(line, flush=True)  # noqa: E731
    if args.command == "crossvalidate":
        _require_budget(recipe, len(dataset.labels))
        folds = sorted(parse_folds(args.folds))
        result = crossvalidate_together(
            dataset, windows, folds=folds, store_dir=Path(args.store_dir), log=log, **common
        )
        log(
            f"{args.arch}: mean accuracy {result['mean_accuracy']:.4f} ± {result['std_accuracy']:.4f}, "
            f"mean scene accuracy {result['mean_scene_accuracy']:.4f}"
        )
    else:
        train_folds = parse_folds(args.train_folds)
        train_and_save(dataset, windows, train_folds=train_folds, output_dir=Path(args.output_dir), log=log, **common)


def _require_budget(recipe: Recipe, n_labels: int) -> None:
    """Exit as the commands refuse: a cross-validation scores the networks averaged, so they must fit the budget.

    (`train` writes one artifact per seed; average_scene_models checks what it combines.)
    """
    from ml.model import check_parameter_budget

    try:
        check_parameter_budget(recipe, n_labels)
    except ValueError as exc:
        sys.exit(str(exc))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ml.multitrain", description=__doc__.splitlines()[0])
    parser.add_argument("--metadata", required=True, help="the dataset's CSV")
    parser.add_argument("--audio-dir", default=None, help="not read: features come from --features")
    parser.add_argument("--features", required=True, help="the feature cache (.npz) of this dataset and arch")
    parser.add_argument("--arch", default="crnn40ms-small", choices=sorted(RECIPES), help="a recipe (ml.recipes)")
    parser.add_argument("--seed", type=int, default=0, help="the first network's seed")
    parser.add_argument("--ensemble", type=int, default=1, help="networks per fold: seeds seed, seed+1, ...")
    parser.add_argument("--epochs", type=int, default=None, help="default: the arch's recipe")
    commands = parser.add_subparsers(dest="command", required=True)
    cv = commands.add_parser("crossvalidate", help="store each (seed, held-out fold) network and score them")
    cv.add_argument("--folds", default="1,2,3,4")
    cv.add_argument("--store-dir", required=True, help="crossvalidate_scene_model --store-dir reads it")
    train = commands.add_parser("train", help="one artifact per seed, for average_scene_models")
    train.add_argument("--train-folds", default="1,2,3,4")
    train.add_argument("--output-dir", required=True)
    return parser


if __name__ == "__main__":
    main()
