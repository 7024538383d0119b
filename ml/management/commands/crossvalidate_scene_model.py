"""manage.py crossvalidate_scene_model: k-fold cross-validation of an architecture."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ml.errors import MetadataError
from ml.management.commands._dataset import (
    add_crossvalidation_arguments,
    add_recipe_arguments,
    crossvalidation_folds,
    read_dataset,
    recipe_for,
    report_crossvalidation,
)


class Command(BaseCommand):
    help = "Cross-validate: for each fold, train on the others and test on it; print per-fold and pooled figures."

    def add_arguments(self, parser: CommandParser) -> None:
        add_crossvalidation_arguments(parser)
        add_recipe_arguments(parser)
        parser.add_argument(
            "--store-dir",
            default=None,
            help="keep each fold's predictions here and reuse them; runs of different --held-out folds combine there",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from ml.crossvalidation import crossvalidate

        dataset = read_dataset(options["metadata"], options["audio_dir"])
        arch = options["arch"]
        recipe = recipe_for(arch, options, n_labels=len(dataset.labels))
        folds, held_out = crossvalidation_folds(options)
        log = lambda line: self.stdout.write(line) or self.stdout.flush()  # noqa: E731
        try:
            result = crossvalidate(
                dataset,
                arch=arch,
                folds=folds,
                recipe=recipe,
                seed=options["seed"],
                cache_dir=Path(settings.BASE_DIR) / "var" / "cache" / "features",
                log=log,
                held_out=held_out,
                store_dir=Path(options["store_dir"]) if options["store_dir"] else None,
            )
        except MetadataError as exc:  # a held-out fold without clips, refused before training
            raise CommandError(str(exc)) from exc
        report_crossvalidation(self, result, arch, options)
