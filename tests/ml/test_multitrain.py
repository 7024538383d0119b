"""ml.multitrain: many networks trained at once on Keras's JAX backend.

This process runs Keras on TensorFlow, and a Keras process has one backend, so the trainings
run in subprocesses with KERAS_BACKEND=jax (on the CPU here; on a GPU in production). Their
results are then read here, on TensorFlow, as the product reads them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command

from ml.artifacts import verify_artifact
from ml.crossvalidation import crossvalidate
from ml.datasets import read_metadata
from ml.multitrain import Job, train_together
from ml.recipes import RECIPES
from tests.ml.conftest import write_esc50_metadata

ROOT = Path(__file__).resolve().parents[2]
LABELS = ("rain", "siren")
PARAMS = RECIPES["seed"].features  # the smallest network: these tests check the machinery, not accuracy


def write_feature_dataset(root: Path, clips_per_label: int = 8, folds: tuple[int, ...] = (1, 2)) -> tuple[Path, Path]:
    """An ESC-50 CSV without audio, and its feature cache: rain is a flat hiss, a siren a moving tone."""
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    rows, windows = [], []
    frames, mels = PARAMS.frames_per_window, PARAMS.n_mels
    for fold in folds:
        for target, label in enumerate(LABELS):
            for k in range(clips_per_label):
                rows.append(
                    {"filename": f"{fold}-{k}-{target}.flac", "fold": fold, "target": target, "category": label}
                )
                window = rng.normal(-40.0 if label == "rain" else -80.0, 3.0, (frames, mels))
                if label == "siren":
                    tone = (mels // 2 + 8 * np.sin(np.arange(frames) / 5 + k)).astype(int)
                    window[np.arange(frames), tone] = -10.0
                windows.append(window)
    metadata = write_esc50_metadata(root, rows, "synthetic features")
    features = root / "features.npz"
    stacked = np.stack(windows).astype(np.float16)
    np.savez(features, features=stacked, offsets=np.arange(len(rows) + 1), silent=np.zeros(len(rows), dtype=bool))
    return metadata, features


def run_multitrain(metadata: Path, features: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "ml.multitrain", "--metadata", str(metadata), "--features", str(features)]
    return subprocess.run(
        [*command, "--arch", "seed", *arguments], capture_output=True, text=True, timeout=600, env=jax_environment()
    )


def jax_environment() -> dict[str, str]:
    return {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu", "PYTHONPATH": str(ROOT)}


def test_crossvalidation_trains_every_seed_and_fold_at_once_and_stores_what_crossvalidate_scores(
    tmp_path: Path,
) -> None:
    metadata, features = write_feature_dataset(tmp_path)
    store = tmp_path / "store"
    done = run_multitrain(
        metadata,
        features,
        "--ensemble",
        "2",
        "--epochs",
        "12",
        "crossvalidate",
        "--folds",
        "1,2",
        "--store-dir",
        str(store),
    )
    assert done.returncode == 0, done.stderr
    assert "4 networks of" in done.stdout  # two seeds x two held-out folds, in one program
    assert sorted(p.name for p in store.glob("*.npz")) == [
        f"seed-seed{seed}-e12-folds12-fold{fold}.npz" for seed in (0, 1) for fold in (1, 2)
    ]
    # Read back on TensorFlow: nothing is left to train (there is no audio to train from), and
    # the pooled figure is the one the JAX process printed.
    dataset = read_metadata(metadata, tmp_path / "no-audio")
    recipe = replace(RECIPES["seed"], epochs=12, ensemble=2)
    result = crossvalidate(
        dataset,
        arch="seed",
        folds=[1, 2],
        recipe=recipe,
        seed=0,
        cache_dir=None,
        log=lambda _: None,
        store_dir=store,
    )
    assert f"mean accuracy {result['mean_accuracy']:.4f}" in done.stdout
    assert result["mean_accuracy"] >= 0.75  # two labels: chance is 0.5, and these are easy to tell apart


def test_training_writes_one_artifact_per_seed_that_tensorflow_averages_and_serves(tmp_path: Path) -> None:
    metadata, features = write_feature_dataset(tmp_path)
    done = run_multitrain(
        metadata,
        features,
        "--seed",
        "4",
        "--ensemble",
        "2",
        "--epochs",
        "2",
        "train",
        "--train-folds",
        "1,2",
        "--output-dir",
        str(tmp_path / "out"),
    )
    assert done.returncode == 0, done.stderr
    members = [tmp_path / "out" / f"seed-seed{seed}" for seed in (4, 5)]
    for member in members:
        _, member_metadata = verify_artifact(member)
        assert member_metadata.training["seed"] == int(member.name[-1])
        assert member_metadata.data["train_folds"] == [1, 2]
    call_command("average_scene_models", *map(str, members), output=str(tmp_path / "pair"), stdout=StringIO())
    pair = json.loads((tmp_path / "pair" / "metadata.json").read_text())
    assert pair["training"]["seeds"] == [4, 5]

    import keras

    model = keras.models.load_model(tmp_path / "pair" / "model.keras", compile=False)
    probs = np.asarray(model.predict_on_batch(np.full((3, PARAMS.frames_per_window, PARAMS.n_mels), -40.0, np.float32)))
    assert probs.shape == (3, len(LABELS))
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)


def test_a_network_trained_beside_others_is_the_network_trained_alone(tmp_path: Path) -> None:
    """vmap keeps the networks apart: neighbours change nothing, and seeds give different networks."""
    metadata, features = write_feature_dataset(tmp_path, clips_per_label=4)
    script = f"""
import numpy as np
from pathlib import Path
from ml.datasets import read_metadata
from ml.featurecache import load_windows
from ml.multitrain import Job, train_together
from ml.recipes import RECIPES
from dataclasses import replace
dataset = read_metadata({str(metadata)!r}, "audio")
windows = load_windows(Path({str(features)!r}))
recipe = replace(RECIPES["seed"], epochs=2)
def weights(jobs):
    results = train_together(dataset, windows, arch="seed", recipe=recipe, jobs=jobs, log=lambda _: None)
    return [np.concatenate([w.ravel() for w in r.model.get_weights()]) for r in results]
(alone,) = weights([Job(0, frozenset({{1}}))])
first, second = weights([Job(0, frozenset({{1}})), Job(1, frozenset({{2}}))])
print(float(np.abs(alone - first).max()), float(np.abs(first - second).max()))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=600, env=jax_environment()
    )
    assert done.returncode == 0, done.stderr
    beside_alone, between_seeds = map(float, done.stdout.split()[-2:])
    assert beside_alone < 1e-5
    assert between_seeds > 1e-2


def test_networks_with_training_sets_of_different_sizes_are_refused(tmp_path: Path) -> None:
    metadata, features = write_feature_dataset(tmp_path, clips_per_label=2, folds=(1, 2, 3))
    done = run_multitrain(
        metadata, features, "--epochs", "1", "crossvalidate", "--folds", "1,2,3", "--store-dir", str(tmp_path / "s")
    )
    assert done.returncode == 0, done.stderr  # each held-out fold leaves two folds: one size, one program
    script = f"""
from pathlib import Path
from ml.datasets import read_metadata
from ml.featurecache import load_windows
from ml.multitrain import Job, train_together
from ml.recipes import RECIPES
dataset = read_metadata({str(metadata)!r}, "audio")
windows = load_windows(Path({str(features)!r}))
jobs = [Job(0, frozenset({{1}})), Job(1, frozenset({{1, 2}}))]
train_together(dataset, windows, arch="seed", recipe=RECIPES["seed"], jobs=jobs)
"""
    refused = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=600, env=jax_environment()
    )
    assert refused.returncode != 0
    assert "need training sets of one size, not of [4, 8] windows" in refused.stderr


def test_a_feature_cache_of_another_dataset_is_refused(tmp_path: Path) -> None:
    metadata, _ = write_feature_dataset(tmp_path / "a")
    _, other_features = write_feature_dataset(tmp_path / "b", clips_per_label=3)
    done = run_multitrain(metadata, other_features, "train", "--output-dir", str(tmp_path / "out"))
    assert done.returncode != 0
    assert "holds 12 clips" in done.stderr and "lists 32" in done.stderr
    assert not (tmp_path / "out").exists()


def test_a_cross_validated_ensemble_over_the_parameter_budget_is_refused_before_training(tmp_path: Path) -> None:
    metadata, features = write_feature_dataset(tmp_path, clips_per_label=1)
    store = tmp_path / "store"
    done = run_multitrain(metadata, features, "--arch", "crnn", "--ensemble", "3", "crossvalidate", "--store-dir", str(store))
    assert done.returncode != 0
    assert "3 crnn networks would have" in done.stderr and "more than the model's budget of 1,000,000" in done.stderr
    assert not store.exists()


def test_training_together_on_the_tensorflow_backend_names_the_backend_it_needs(tmp_path: Path) -> None:
    metadata, features = write_feature_dataset(tmp_path, clips_per_label=1)
    from ml.featurecache import load_windows

    dataset = read_metadata(metadata, tmp_path)
    with pytest.raises(RuntimeError, match="KERAS_BACKEND=jax"):
        train_together(
            dataset,
            load_windows(features),
            arch="seed",
            recipe=RECIPES["seed"],
            jobs=[Job(0, frozenset({1}))],
        )
