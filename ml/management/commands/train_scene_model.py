"""manage.py train_scene_model: train the scene model and write a versioned artifact."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ml.errors import MetadataError
from ml.management.commands._dataset import (
    add_recipe_arguments,
    add_yamnet_arguments,
    load_yamnet_sources,
    read_dataset,
    recipe_for,
    refuse_options,
    scene_lstm_recipe,
)
from ml.training.datasets import parse_folds
from ml.training.recipes import SHIPPED_RECIPE


class Command(BaseCommand):
    help = (
        "Train the scene model and write a versioned artifact: the shipped recipe (YAMNet + LSTM, on ESC-50 "
        "and the ambience recordings) or --arch seed (the proof of concept's network, the baseline)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--metadata", required=True, help="ESC-50 CSV or DCASE/TAU tab-separated meta file")
        parser.add_argument("--audio-dir", required=True)
        parser.add_argument("--train-folds", required=True, help="e.g. 1,2,3")
        parser.add_argument("--val-folds", default="", help="e.g. 4: scored after each epoch (empty: no validation)")
        add_recipe_arguments(parser)
        add_yamnet_arguments(parser)
        parser.add_argument("--output", required=True, help="artifact folder to write (its name is the version)")
        parser.add_argument("--model-version", default=None, help="version name (default: the output folder's name)")
        parser.add_argument("--make-current", action="store_true", help="point <output parent>/CURRENT at it")
        parser.add_argument("--checkpoint-dir", default=None, help="save the model and history after each epoch")
        parser.add_argument("--no-cache", action="store_true", help="do not read or write the feature cache")

    def handle(self, *args: Any, **options: Any) -> None:
        from ml.artifacts import set_current

        log = lambda line: self.stdout.write(line) or self.stdout.flush()  # noqa: E731 - progress as it happens
        if options["arch"] == SHIPPED_RECIPE:
            output, summary = self._train_scene_lstm(options, log)
        else:
            output, summary = self._train_log_mel(options, log)
        if options["make_current"]:
            set_current(output)
        self.stdout.write(self.style.SUCCESS(f"wrote {output} {summary}"))

    def _train_scene_lstm(self, options: dict[str, Any], log: Any) -> tuple[Path, str]:
        # TensorFlow is imported by these, never when Django starts.
        from ml.training import configure_tensorflow
        from ml.training.yamnet_lstm import save_scene_model, train_serving_model

        refuse_options(options, ("checkpoint_dir", "time_shifts"), SHIPPED_RECIPE)
        sources = load_yamnet_sources(options, log)  # reads both metadata files first: a bad row fails fast
        configure_tensorflow(options["seed"])
        recipe = scene_lstm_recipe(options)
        folds, val_folds = parse_folds(options["train_folds"]), parse_folds(options["val_folds"])
        if folds & val_folds:
            raise CommandError("--train-folds and --val-folds overlap")
        started = time.monotonic()
        try:
            model = train_serving_model(
                sources, esc50_folds=folds, recipe=recipe, seed=options["seed"], log=log, val_folds=val_folds
            )
        except MetadataError as exc:  # folds without clips, refused before training
            raise CommandError(str(exc)) from exc
        seconds = time.monotonic() - started
        output = save_scene_model(
            model, sources, output=Path(options["output"]), recipe=recipe, seed=options["seed"], esc50_folds=folds,
            front_end_dir=Path(options["front_end_dir"]), seconds=seconds, val_folds=val_folds,
            version=options["model_version"],
        )
        return output, f"in {seconds:.0f} s ({model.count_params():,} parameters in the head)"

    def _train_log_mel(self, options: dict[str, Any], log: Any) -> tuple[Path, str]:
        from ml.training import save_model, train_ensemble

        dataset = read_dataset(options["metadata"], options["audio_dir"])
        arch = options["arch"]
        recipe = recipe_for(arch, options)
        train_folds, val_folds = parse_folds(options["train_folds"]), parse_folds(options["val_folds"])
        cache_dir = None if options["no_cache"] else Path(settings.BASE_DIR) / "var" / "cache" / "features"
        result = train_ensemble(
            dataset, arch=arch, train_folds=train_folds, val_folds=val_folds, recipe=recipe, seed=options["seed"],
            cache_dir=cache_dir, log=log,
            checkpoint_dir=Path(options["checkpoint_dir"]) if options["checkpoint_dir"] else None,
        )
        output = save_model(
            result, dataset, output=Path(options["output"]), arch=arch, recipe=recipe, seed=options["seed"],
            train_folds=train_folds, val_folds=val_folds, version=options["model_version"],
        )
        summary = result.evaluation.summary() if result.evaluation else {}
        return output, f"in {result.seconds:.0f} s {summary}"
