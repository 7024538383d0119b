"""manage.py crossvalidate_scene_model: k-fold cross-validation of an architecture."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ml.datasets import parse_folds
from ml.errors import MetadataError
from ml.management.commands._dataset import add_recipe_arguments, read_dataset, recipe_for


class Command(BaseCommand):
    help = "Cross-validate: for each fold, train on the others and test on it; print per-fold and pooled figures."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--metadata", required=True)
        parser.add_argument("--audio-dir", required=True)
        parser.add_argument("--folds", default="1,2,3,4")
        add_recipe_arguments(parser)
        parser.add_argument("--json", action="store_true", help="end with one line of JSON")
        parser.add_argument("--output", default=None, help="also write the JSON to this file")
        parser.add_argument(
            "--held-out", default=None, help="only these folds (default: all); combine runs with --store-dir"
        )
        parser.add_argument("--store-dir", default=None, help="keep each fold's predictions here and reuse them")

    def handle(self, *args: Any, **options: Any) -> None:
        from ml.crossvalidation import crossvalidate

        dataset = read_dataset(options["metadata"], options["audio_dir"])
        arch = options["arch"]
        recipe = recipe_for(arch, options, n_labels=len(dataset.labels))
        log = lambda line: self.stdout.write(line) or self.stdout.flush()  # noqa: E731
        try:
            result = crossvalidate(
                dataset,
                arch=arch,
                folds=sorted(parse_folds(options["folds"])),
                recipe=recipe,
                seed=options["seed"],
                cache_dir=Path(settings.BASE_DIR) / "var" / "cache" / "features",
                log=log,
                held_out=sorted(parse_folds(options["held_out"])) if options["held_out"] else None,
                store_dir=Path(options["store_dir"]) if options["store_dir"] else None,
            )
        except MetadataError as exc:  # a held-out fold without clips, refused before training
            raise CommandError(str(exc)) from exc
        text = json.dumps(result)
        if options["output"]:
            Path(options["output"]).write_text(text + "\n")
        if options["json"]:
            self.stdout.write(text)
        else:
            self.stdout.write(
                f"{arch}: mean accuracy {result['mean_accuracy']:.4f} ± {result['std_accuracy']:.4f}, "
                f"mean scene accuracy {result['mean_scene_accuracy']:.4f}, pooled {result['pooled']}"
            )
