"""manage.py evaluate_scene_model: how a model artifact does on a dataset, through the inference pipeline.

- ESC-50 or TAU folds: label accuracy, macro-F1, per-class recall, scene accuracy, confusion matrix.
- Ambience recordings (filename, scene): scene accuracy over whole files, at each file's own
  level and 15 dB quieter (what a phone with its automatic gain off records).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ml.decoding import decode_audio
from ml.errors import AudioError, ModelArtifactError
from ml.management.commands._dataset import read_dataset
from ml.training.datasets import AMBIENCE, Dataset, parse_folds


class Command(BaseCommand):
    help = "Evaluate a scene model artifact (default: the shipped one) on a dataset's folds or ambience files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--metadata", required=True, help="ESC-50 CSV, ambience CSV or TAU meta file")
        parser.add_argument("--audio-dir", required=True)
        parser.add_argument("--folds", default=None, help="e.g. 4 (ambience: rows; default: all)")
        parser.add_argument("--model", default=None, help="artifact folder (default: settings.SCENE_MODEL_DIR)")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--plot", default=None, help="write the confusion matrix as a PNG (labelled datasets)")

    def handle(self, *args: Any, **options: Any) -> None:
        from ml.inference import load_model

        dataset = read_dataset(options["metadata"], options["audio_dir"])
        try:
            loaded = load_model(options["model"] or settings.SCENE_MODEL_DIR)
        except ModelArtifactError as exc:
            raise CommandError(str(exc)) from exc
        folds = parse_folds(options["folds"]) if options["folds"] else {clip.fold for clip in dataset.clips}
        if dataset.layout == AMBIENCE:
            result = self._ambience(loaded, dataset, folds)
            printer = self._print_ambience
        else:
            result = self._labelled(loaded, dataset, folds, options["plot"])
            printer = self._print_labelled
        if options["json"]:
            self.stdout.write(json.dumps({key: value for key, value in result.items() if key != "confusion"}))
        else:
            printer(result)

    def _ambience(self, loaded: Any, dataset: Dataset, folds: set[int]) -> dict[str, Any]:
        from ml.loudness import QUIETER_DB, at_level, loudness_dbfs

        files = []
        for clip in dataset.select(folds):
            samples = _decode(clip.path, loaded.sample_rate)
            level = loudness_dbfs(samples, loaded.sample_rate)
            quiet = at_level(samples, loaded.sample_rate, level - QUIETER_DB)
            files.append(
                {
                    "filename": clip.filename,
                    "scene": clip.label,
                    "level_dbfs": round(level, 1),
                    "own": _top_scene(loaded, samples),
                    "quieter": _top_scene(loaded, quiet),
                }
            )
        return {
            "model_version": loaded.metadata.version,
            "n_files": len(files),
            "scene_accuracy_own_level": _share(files, "own"),
            "scene_accuracy_15db_quieter": _share(files, "quieter"),
            "files": files,
        }

    def _labelled(self, loaded: Any, dataset: Dataset, folds: set[int], plot: str | None) -> dict[str, Any]:
        from ml.inference import clip_probabilities
        from ml.training.evaluation import evaluate_probabilities, plot_confusion

        outputs = loaded.metadata.labels
        columns = [i for i, label in enumerate(outputs) if label in dataset.labels]
        clips = [clip for clip in dataset.select(folds) if clip.label in outputs]
        if not clips:
            raise CommandError(f"no clips with the model's labels in folds {sorted(folds)}")
        probs = np.stack(
            [clip_probabilities(loaded, _decode(clip.path, loaded.sample_rate), loaded.sample_rate)[2] for clip in clips]
        )
        labels = [outputs[i] for i in columns]
        truth = np.array([labels.index(clip.label) for clip in clips])
        evaluation = evaluate_probabilities(probs[:, columns], truth, labels, loaded.metadata.label_to_scene)
        scenes = evaluate_probabilities(probs, np.array([outputs.index(c.label) for c in clips]), outputs,
                                        loaded.metadata.label_to_scene)
        if plot:
            plot_confusion(evaluation, plot, title=f"{loaded.metadata.version}, folds {sorted(folds)}")
        return {
            **evaluation.summary(),
            "scene_accuracy": scenes.scene_accuracy,
            "model_version": loaded.metadata.version,
            "folds": sorted(folds),
            "per_class_recall": evaluation.per_class_recall,
            "confusion": evaluation.confusion,
        }

    def _print_labelled(self, result: dict[str, Any]) -> None:
        self.stdout.write(f"model {result['model_version']}: {result['n_clips']} clips")
        for key, name in (("accuracy", "accuracy"), ("macro_f1", "macro-F1"), ("scene_accuracy", "scene accuracy")):
            self.stdout.write(f"{name:<15} {result[key]:.4f}")
        self.stdout.write("per-class recall:")
        for label, recall in result["per_class_recall"].items():
            self.stdout.write(f"  {label:<18} {recall:.3f}")
        self.stdout.write("confusion matrix (rows: true, columns: predicted, in label order above):")
        for label, row in zip(result["per_class_recall"], result["confusion"], strict=True):
            self.stdout.write(f"  {label[:12]:<12} " + " ".join(f"{n:2d}" if n else " ." for n in row))

    def _print_ambience(self, result: dict[str, Any]) -> None:
        self.stdout.write(f"model {result['model_version']}: {result['n_files']} files")
        self.stdout.write(f"scene accuracy at their own level  {result['scene_accuracy_own_level']:.4f}")
        self.stdout.write(f"scene accuracy 15 dB quieter       {result['scene_accuracy_15db_quieter']:.4f}")
        for f in result["files"]:
            mark = "" if f["own"] == f["scene"] == f["quieter"] else "  <- wrong"
            self.stdout.write(
                f"  {f['filename']:<42} {f['level_dbfs']:6.1f} dBFS  {f['scene']:<11} "
                f"heard {f['own']} / {f['quieter']} quieter{mark}"
            )


def _decode(path: Any, sample_rate: int) -> np.ndarray:
    try:
        return decode_audio(path, target_sr=sample_rate).samples
    except AudioError as exc:
        raise CommandError(f"{path}: {exc.message}") from exc


def _top_scene(loaded: Any, samples: np.ndarray) -> str:
    from ml.inference import classify_samples

    return classify_samples(samples, loaded.sample_rate, model=loaded).top_scene


def _share(files: list[dict[str, Any]], variant: str) -> float:
    return float(np.mean([f[variant] == f["scene"] for f in files])) if files else 0.0
