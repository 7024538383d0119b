"""manage.py train_scene_model: train the scene model and write a versioned artifact."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from ml.datasets import parse_folds
from ml.management.commands._dataset import add_recipe_arguments, read_dataset, recipe_for


class Command(BaseCommand):
    help = "Train the scene model on a dataset's folds and write a versioned artifact."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--metadata", required=True, help="ESC-50 CSV or DCASE/TAU tab-separated meta file")
        parser.add_argument("--audio-dir", required=True)
        parser.add_argument("--train-folds", required=True, help="e.g. 1,2,3")
        parser.add_argument("--val-folds", default="", help="e.g. 4 (empty: no validation)")
        add_recipe_arguments(parser)
        parser.add_argument("--output", required=True, help="artifact folder to write (its name is the version)")
        parser.add_argument("--model-version", default=None, help="version name (default: the output folder's name)")
        parser.add_argument("--make-current", action="store_true", help="point <output parent>/CURRENT at it")
        parser.add_argument("--checkpoint-dir", default=None, help="save the model and history after each epoch")
        parser.add_argument("--no-cache", action="store_true", help="do not read or write the feature cache")

    def handle(self, *args: Any, **options: Any) -> None:
        # TensorFlow is imported here, never when Django starts.
        from ml.artifacts import set_current
        from ml.training import save_model, train_ensemble

        dataset = read_dataset(options["metadata"], options["audio_dir"])
        arch = options["arch"]
        recipe = recipe_for(arch, options, n_labels=len(dataset.labels))
        train_folds, val_folds = parse_folds(options["train_folds"]), parse_folds(options["val_folds"])
        cache_dir = None if options["no_cache"] else Path(settings.BASE_DIR) / "var" / "cache" / "features"
        log = lambda line: self.stdout.write(line) or self.stdout.flush()  # noqa: E731 - progress as it happens
        result = train_ensemble(
            dataset,
            arch=arch,
            train_folds=train_folds,
            val_folds=val_folds,
            recipe=recipe,
            seed=options["seed"],
            cache_dir=cache_dir,
            log=log,
            checkpoint_dir=Path(options["checkpoint_dir"]) if options["checkpoint_dir"] else None,
        )
        output = save_model(
            result,
            dataset,
            output=Path(options["output"]),
            arch=arch,
            recipe=recipe,
            seed=options["seed"],
            train_folds=train_folds,
            val_folds=val_folds,
            version=options["model_version"],
        )
        if options["make_current"]:
            set_current(output)
        summary = result.evaluation.summary() if result.evaluation else {}
        self.stdout.write(self.style.SUCCESS(f"wrote {output} in {result.seconds:.0f} s {summary}"))
