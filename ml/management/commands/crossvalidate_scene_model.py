"""manage.py crossvalidate_scene_model: k-fold cross-validation of a recipe.

The shipped recipe (yamnet-lstm) is scored two ways: ESC-50's folds held out in turn (50 labels
and scenes; the ambience recordings always train), and the ambience recordings one file at a
time (scenes, at the file's own level and 15 dB quieter; every ESC-50 clip trains). Log-mel
recipes (--arch seed) are scored on the dataset's folds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ml.errors import MetadataError
from ml.management.commands._dataset import (
    add_crossvalidation_arguments,
    add_recipe_arguments,
    add_yamnet_arguments,
    crossvalidation_folds,
    load_yamnet_sources,
    read_dataset,
    recipe_for,
    refuse_options,
    report_crossvalidation,
    scene_lstm_recipe,
)
from ml.training.recipes import SHIPPED_RECIPE


class Command(BaseCommand):
    help = "Cross-validate: for each fold (or ambience file), train on the rest and test on it."

    def add_arguments(self, parser: CommandParser) -> None:
        add_crossvalidation_arguments(parser)
        add_recipe_arguments(parser)
        add_yamnet_arguments(parser)
        parser.add_argument(
            "--ambience",
            action="store_true",
            help=f"{SHIPPED_RECIPE}: leave one ambience file out instead of ESC-50's folds",
        )
        parser.add_argument(
            "--files", default=None, help="with --ambience: only these files, by row number (e.g. 1,5,9)"
        )
        parser.add_argument(
            "--store-dir",
            default=None,
            help="log-mel recipes: keep each fold's predictions here and reuse them",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        log = lambda line: self.stdout.write(line) or self.stdout.flush()  # noqa: E731
        if options["arch"] == SHIPPED_RECIPE:
            self._scene_lstm(options, log)
        else:
            self._log_mel(options, log)

    def _scene_lstm(self, options: dict[str, Any], log: Any) -> None:
        from ml.training import configure_tensorflow
        from ml.training.yamnet_lstm import ambience_summary, crossvalidate_ambience, crossvalidate_esc50

        refuse_options(options, ("store_dir", "time_shifts"), SHIPPED_RECIPE)
        sources = load_yamnet_sources(options, log)
        configure_tensorflow(options["seed"])
        recipe = scene_lstm_recipe(options)
        if options["ambience"]:
            files = [int(n) - 1 for n in options["files"].split(",")] if options["files"] else None
            if files and not all(0 <= f < len(sources.ambience.clips) for f in files):
                raise CommandError(f"--files: rows 1 to {len(sources.ambience.clips)}")
            results = crossvalidate_ambience(sources, recipe=recipe, seed=options["seed"], files=files, log=log)
            summary = ambience_summary(results)
            line = (
                f"{SHIPPED_RECIPE}: {summary['n_files']} files held out one at a time, scene accuracy "
                f"{summary['scene_accuracy_own']:.4f} at their own level, {summary['scene_accuracy_quiet15']:.4f} "
                "15 dB quieter"
            )
            report_crossvalidation(self, {"arch": SHIPPED_RECIPE, "ambience": summary}, options, line)
            return
        folds, held_out = crossvalidation_folds(options)
        result = crossvalidate_esc50(sources, folds=held_out or folds, all_folds=folds, recipe=recipe,
                                     seed=options["seed"], log=log)
        line = (
            f"{SHIPPED_RECIPE}: accuracy {result['accuracy']:.4f} ± {result['std_accuracy']:.4f}, "
            f"scene accuracy {result['scene_accuracy']:.4f} ± {result['std_scene_accuracy']:.4f}, "
            f"macro-F1 {result['macro_f1']:.4f} over folds {result['folds']}"
        )
        report_crossvalidation(self, {"arch": SHIPPED_RECIPE, "esc50": result}, options, line)

    def _log_mel(self, options: dict[str, Any], log: Any) -> None:
        from ml.training.crossvalidation import crossvalidate

        dataset = read_dataset(options["metadata"], options["audio_dir"])
        arch = options["arch"]
        recipe = recipe_for(arch, options)
        folds, held_out = crossvalidation_folds(options)
        try:
            result = crossvalidate(
                dataset, arch=arch, folds=folds, recipe=recipe, seed=options["seed"],
                cache_dir=Path(settings.BASE_DIR) / "var" / "cache" / "features", log=log, held_out=held_out,
                store_dir=Path(options["store_dir"]) if options["store_dir"] else None,
            )
        except MetadataError as exc:  # a held-out fold without clips, refused before training
            raise CommandError(str(exc)) from exc
        summary = (
            f"{arch}: mean accuracy {result['mean_accuracy']:.4f} ± {result['std_accuracy']:.4f}, "
            f"mean scene accuracy {result['mean_scene_accuracy']:.4f}, pooled {result['pooled']}"
        )
        report_crossvalidation(self, result, options, summary)
