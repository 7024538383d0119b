"""Train, cross-validate and ship the YAMNet + LSTM scene model (`--arch yamnet-lstm`).

- ESC-50: k-fold over its folds, scored on 50 labels and on scenes; the ambience files
  always train.
- Ambience: leave one file out (a file is one recording: windows of it are not independent),
  scored on scenes at the file's own level and 15 dB quieter; all ESC-50 clips train.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from ml.artifacts import ModelMetadata, sha256_file, write_artifact
from ml.errors import MetadataError
from ml.scenes import SCENES, default_label_to_scene, scene_probabilities
from ml.training import ESC50_ATTRIBUTION, attribution_file, library_versions, save_inference_model
from ml.training.datasets import AMBIENCE, ESC50, read_metadata
from ml.training.embeddings import dataset_embeddings
from ml.training.evaluation import evaluate_probabilities
from ml.training.scene_lstm import (
    SceneLstmRecipe,
    Sources,
    frame_sequence,
    sequence_windows,
    serving_model,
    train_heads,
)
from ml.yamnet import CLASS_MAP_FILE, MODEL_FILE

ARCH = "yamnet-lstm"
LICENSE_FILE = "LICENSE-yamnet.txt"
NOTICE_FILE = "NOTICE-yamnet.md"
Log = Callable[[str], None]


@dataclass(frozen=True)
class FileResult:
    filename: str
    scene: str
    predicted: dict[str, str]  # variant ("own", "quiet15") -> predicted scene


def load_sources(
    *, esc50: tuple[str | Path, str | Path], ambience: tuple[str | Path, str | Path], front_end_dir: Path,
    cache_dir: Path | None, log: Log = print,
) -> Sources:
    """Both datasets and their embeddings (computed once, then read from `cache_dir`)."""
    esc50_set, ambience_set = read_metadata(*esc50), read_metadata(*ambience)
    if esc50_set.layout != ESC50 or ambience_set.layout != AMBIENCE:
        raise MetadataError("yamnet-lstm trains on an ESC-50 metadata file and an ambience one (filename, scene)")
    model = front_end_dir / MODEL_FILE
    return Sources(
        esc50=esc50_set,
        esc50_embeddings=dataset_embeddings(esc50_set, model, cache_dir, log=log),
        ambience=ambience_set,
        ambience_embeddings=dataset_embeddings(ambience_set, model, cache_dir, log=log),
    )


def train_serving_model(
    sources: Sources, *, esc50_folds: set[int], recipe: SceneLstmRecipe, seed: int, log: Log = print,
    ambience_files: np.ndarray | None = None, val_folds: set[int] | None = None,
) -> Any:
    """The served Keras model, trained on `esc50_folds` and every ambience file (or those given).

    ESC-50 clips of `val_folds` are scored after each epoch (the progress line's val_acc).
    """
    files = np.arange(len(sources.ambience.clips)) if ambience_files is None else ambience_files
    clips = sources.esc50.clip_indices(esc50_folds)
    validation = sources.esc50.clip_indices(val_folds) if val_folds else None
    for folds, found in ((esc50_folds, clips), (val_folds, validation)):
        if folds and found is not None and len(found) == 0:
            raise MetadataError(f"{sources.esc50.metadata_path}: no clips in folds {sorted(folds)}")
    heads = train_heads(
        sources, esc50_clips=clips, ambience_files=files, recipe=recipe, seed=seed, log=log,
        validation_clips=validation,
    )
    return serving_model(heads, recipe)


def window_probabilities(model: Any, windows: np.ndarray) -> np.ndarray:
    return np.asarray(model.predict_on_batch(windows.astype(np.float32)))


def recording_probabilities(model: Any, frames: np.ndarray, recipe: SceneLstmRecipe) -> np.ndarray:
    """A recording's output vector: the mean over its windows, cut as inference cuts them.

    Inference leaves out windows of pure digital silence; the recordings scored here hold none.
    """
    return window_probabilities(model, sequence_windows(frame_sequence(frames, recipe), recipe)).mean(axis=0)


def crossvalidate_esc50(
    sources: Sources, *, folds: list[int], all_folds: list[int], recipe: SceneLstmRecipe, seed: int, log: Log = print
) -> dict[str, Any]:
    """Each of `folds` held out in turn from `all_folds`: 50-label and scene accuracy per fold, and pooled."""
    labels, outputs = sources.labels, sources.output_labels
    mapping = default_label_to_scene(outputs)
    per_fold, all_probs, all_truth = {}, [], []
    for fold in folds:
        log(f"--- ESC-50 fold {fold} held out ---")
        model = train_serving_model(
            sources, esc50_folds=set(all_folds) - {fold}, recipe=recipe, seed=seed, log=log, val_folds={fold}
        )
        clips = sources.esc50.clip_indices({fold})
        probs = np.stack([recording_probabilities(model, sources.esc50_embeddings.clip(i), recipe) for i in clips])
        truth = np.array([labels.index(sources.esc50.clips[i].label) for i in clips])
        per_fold[fold] = _esc50_scores(probs, truth, outputs, mapping, len(labels))
        log(f"fold {fold}: {per_fold[fold]}")
        all_probs.append(probs)
        all_truth.append(truth)
    pooled = _esc50_scores(np.concatenate(all_probs), np.concatenate(all_truth), outputs, mapping, len(labels))
    spread = {
        f"std_{name}": float(np.std([scores[name] for scores in per_fold.values()]))
        for name in ("accuracy", "scene_accuracy")
    }
    return {"per_fold": per_fold, **pooled, **spread, "folds": folds}


def _esc50_scores(
    probs: np.ndarray, truth: np.ndarray, outputs: list[str], mapping: dict[str, str], n_labels: int
) -> dict[str, float]:
    """Label accuracy over the 50 labels alone; scene accuracy over every output, through the table."""
    evaluation = evaluate_probabilities(probs[:, :n_labels], truth, outputs[:n_labels], mapping)
    scenes = evaluate_probabilities(probs, truth, outputs, mapping)
    return {"accuracy": evaluation.accuracy, "macro_f1": evaluation.macro_f1, "scene_accuracy": scenes.scene_accuracy}


def crossvalidate_ambience(
    sources: Sources, *, recipe: SceneLstmRecipe, seed: int, files: list[int] | None = None, log: Log = print
) -> list[FileResult]:
    """Leave one file out: train on every ESC-50 clip and the other files, predict the one left out."""
    all_files = np.arange(len(sources.ambience.clips))
    esc50_folds = {clip.fold for clip in sources.esc50.clips}
    results = []
    for held_out in map(int, all_files if files is None else files):
        clip = sources.ambience.clips[held_out]
        log(f"--- ambience file {held_out + 1}/{len(all_files)} held out: {clip.filename} ---")
        model = train_serving_model(sources, esc50_folds=esc50_folds, recipe=recipe, seed=seed, log=log,
                                    ambience_files=all_files[all_files != held_out])
        predicted = {
            variant: top_scene(recording_probabilities(model, sources.ambience_embeddings.clip(held_out, variant), recipe),
                               sources.output_labels)
            for variant in ("own", "quiet15")
        }
        results.append(FileResult(clip.filename, clip.label, predicted))
        log(f"{clip.filename}: {clip.label} -> {predicted}")
    return results


def top_scene(probs: np.ndarray, outputs: list[str]) -> str:
    scenes = scene_probabilities(dict(zip(outputs, probs.tolist(), strict=True)), default_label_to_scene(outputs))
    return max(scenes, key=scenes.__getitem__)


def ambience_summary(results: list[FileResult]) -> dict[str, Any]:
    """Share of files whose predicted scene is right, per variant, and the files it got wrong."""
    summary: dict[str, Any] = {"n_files": len(results)}
    for variant in ("own", "quiet15"):
        right = [r.predicted[variant] == r.scene for r in results]
        summary[f"scene_accuracy_{variant}"] = float(np.mean(right)) if results else 0.0
        summary[f"wrong_{variant}"] = [
            f"{r.filename}: {r.scene} -> {r.predicted[variant]}" for r, ok in zip(results, right, strict=True) if not ok
        ]
    return summary


def save_scene_model(
    model: Any, sources: Sources, *, output: Path, recipe: SceneLstmRecipe, seed: int, esc50_folds: set[int],
    front_end_dir: Path, seconds: float, val_folds: set[int] | None = None, version: str | None = None,
) -> Path:
    """Write the artifact: the head, YAMNet with its class map, licence and notice, metadata, attribution."""
    outputs = sources.output_labels
    folds_text = ",".join(map(str, sorted(esc50_folds)))
    front_end = recipe.front_end(sha256_file(front_end_dir / MODEL_FILE), sha256_file(front_end_dir / CLASS_MAP_FILE))
    metadata = ModelMetadata(
        version=version or output.name,
        arch=ARCH,
        labels=outputs,
        label_to_scene=default_label_to_scene(outputs),
        feature_params={},
        weights_sha256="",
        scenes=dict(SCENES),
        data=_data_record(sources, esc50_folds, val_folds or set()),
        training={
            "seed": seed,
            "seeds": list(range(seed, seed + recipe.ensemble)),
            "epochs": recipe.epochs,
            "seconds": round(seconds, 1),
            "recipe": recipe.to_dict(),
            "n_params": int(model.count_params()),
            "aggregation": "mean over windows holding sound",
        },
        library_versions=library_versions(),
        attribution=ESC50_ATTRIBUTION.format(folds=folds_text),
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        front_end=front_end.to_dict(),
    )
    texts = {"ATTRIBUTION.md": _attribution(sources, metadata.attribution), NOTICE_FILE: YAMNET_NOTICE}
    copied = {
        MODEL_FILE: front_end_dir / MODEL_FILE,
        CLASS_MAP_FILE: front_end_dir / CLASS_MAP_FILE,
        LICENSE_FILE: Path(__file__).resolve().parent / "licenses" / "Apache-2.0.txt",
    }
    return write_artifact(output, metadata, lambda path: save_inference_model(model, path), texts, copied)


def _data_record(sources: Sources, esc50_folds: set[int], val_folds: set[int]) -> dict[str, Any]:
    return {
        "layout": "esc50+ambience",
        "metadata": sources.esc50.metadata_path.name,
        "n_clips": len(sources.esc50.select(esc50_folds)),
        "train_folds": sorted(esc50_folds),
        "val_folds": sorted(val_folds),
        "ambience": {
            "metadata": sources.ambience.metadata_path.name,
            "n_files": len(sources.ambience.clips),
            "sha256": hashlib.sha256(sources.ambience.metadata_path.read_bytes()).hexdigest(),
        },
    }


def _attribution(sources: Sources, attribution: str) -> str:
    ambience = sources.ambience.metadata_path
    return (
        attribution_file(sources.esc50, attribution)
        + "\n\n## Ambience recordings\n\n"
        f"The scene head also learned from the ambience recordings listed in {ambience.name} "
        "(each row names its source and licence: Moodist and Blanket sounds, CC0, CC BY, public domain "
        "or the Pixabay Content License). The recordings themselves are not shipped.\n\n"
        + _ambience_credits(ambience)
    )


def _ambience_credits(metadata: Path) -> str:
    with open(metadata, newline="", encoding="utf-8") as handle:
        return "".join(f"- {row['filename']}: {row.get('source', '')}, {row.get('license', '')}\n"
                       for row in csv.DictReader(handle))


YAMNET_NOTICE = """# YAMNet

`yamnet.tflite` and `yamnet_class_map.csv` in this folder are Google's YAMNet audio event
classifier (trained on AudioSet), unmodified: the published TFLite model
"lite-model_yamnet_classification_tflite_1" and upstream's class map, from
tensorflow/models, research/audioset/yamnet.

Copyright 2019 The TensorFlow Authors. Licensed under the Apache License, Version 2.0
(LICENSE-yamnet.txt in this folder). SoundScapify reads the embedding that feeds YAMNet's
classifier and its 521 class scores; the scene head (model.keras) is SoundScapify's own.
"""

