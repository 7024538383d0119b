"""manage.py evaluate_scene_model: accuracy, macro-F1, per-class recall, scene accuracy, confusion matrix."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ml.datasets import parse_folds
from ml.errors import ModelArtifactError
from ml.management.commands._dataset import read_dataset


class Command(BaseCommand):
    help = "Evaluate a scene model artifact (default: the shipped one) on a dataset's folds."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--metadata", required=True)
        parser.add_argument("--audio-dir", required=True)
        parser.add_argument("--folds", required=True, help="e.g. 4")
        parser.add_argument("--model", default=None, help="artifact folder (default: settings.SCENE_MODEL_DIR)")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--plot", default=None, help="write the confusion matrix as a PNG")

    def handle(self, *args: Any, **options: Any) -> None:
        from ml.evaluation import evaluate_probabilities, plot_confusion
        from ml.featurecache import dataset_windows
        from ml.inference import load_model
        from ml.training import predict_clips

        dataset = read_dataset(options["metadata"], options["audio_dir"])
        try:
            loaded = load_model(options["model"] or settings.SCENE_MODEL_DIR)
        except ModelArtifactError as exc:
            raise CommandError(str(exc)) from exc
        labels = loaded.metadata.labels
        folds = parse_folds(options["folds"])
        clips = np.array([i for i, c in enumerate(dataset.clips) if c.fold in folds and c.label in labels])
        if len(clips) == 0:
            raise CommandError(f"no clips with the model's labels in folds {sorted(folds)}")
        windows = dataset_windows(dataset, loaded.params, Path(settings.BASE_DIR) / "var" / "cache" / "features")
        probs = predict_clips(_KerasLike(loaded.predict), windows, clips, shifts=loaded.metadata.test_time_shifts)
        truth = np.array([labels.index(dataset.clips[i].label) for i in clips])
        evaluation = evaluate_probabilities(probs, truth, labels, loaded.metadata.label_to_scene)
        if options["plot"]:
            plot_confusion(evaluation, options["plot"], title=f"{loaded.metadata.version}, folds {options['folds']}")
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        **evaluation.summary(),
                        "model_version": loaded.metadata.version,
                        "folds": sorted(folds),
                        "per_class_recall": evaluation.per_class_recall,
                    }
                )
            )
            return
        self._print(evaluation, loaded.metadata.version)

    def _print(self, evaluation: Any, version: str) -> None:
        self.stdout.write(f"model {version}: {evaluation.n_clips} clips")
        self.stdout.write(f"accuracy        {evaluation.accuracy:.4f}")
        self.stdout.write(f"macro-F1        {evaluation.macro_f1:.4f}")
        self.stdout.write(f"scene accuracy  {evaluation.scene_accuracy:.4f}")
        self.stdout.write("per-class recall:")
        for label, recall in evaluation.per_class_recall.items():
            self.stdout.write(f"  {label:<18} {recall:.3f}")
        self.stdout.write("confusion matrix (rows: true, columns: predicted, in label order above):")
        for label, row in zip(evaluation.labels, evaluation.confusion, strict=True):
            self.stdout.write(f"  {label[:12]:<12} " + " ".join(f"{n:2d}" if n else " ." for n in row))


class _KerasLike:
    """Adapts the loaded model's predict function to predict_clips's `predict_on_batch`."""

    def __init__(self, predict: Any) -> None:
        self.predict_on_batch = predict
