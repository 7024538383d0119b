"""manage.py crossvalidate_mix: cross-validated figures of stored networks of several recipes, averaged."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ml.management.commands._dataset import (
    add_crossvalidation_arguments,
    crossvalidation_folds,
    read_dataset,
    report_crossvalidation,
)

if TYPE_CHECKING:
    from ml.crossvalidation import StoredMember

# Where the repository keeps held-out predictions, so that mixes can be measured without training.
COMMITTED_STORE = Path(settings.BASE_DIR) / "ml" / "cvpredictions"


def stored_member(text: str) -> StoredMember:
    """An argparse type: ARCH:SEED or ARCH:SEED:EPOCHS, the epochs defaulting to the arch's recipe."""
    from ml.crossvalidation import StoredMember
    from ml.recipes import RECIPES

    arch, _, rest = text.partition(":")
    seed, _, epochs = rest.partition(":")
    if arch not in RECIPES:
        raise argparse.ArgumentTypeError(f"unknown arch {arch!r} in {text!r}; choose from {', '.join(sorted(RECIPES))}")
    try:
        return StoredMember(arch, int(seed), int(epochs) if epochs else RECIPES[arch].epochs)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected ARCH:SEED or ARCH:SEED:EPOCHS, got {text!r}") from None


class Command(BaseCommand):
    help = (
        "Score the mean of networks that crossvalidate_scene_model stored, of any recipes, fold by fold: "
        "a mixed ensemble measured with no training."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_crossvalidation_arguments(parser)
        parser.add_argument(
            "--member",
            type=stored_member,
            action="append",
            required=True,
            help="ARCH:SEED[:EPOCHS], once per network averaged",
        )
        parser.add_argument(
            "--store-dir",
            default=str(COMMITTED_STORE),
            help="where the predictions are stored (default: ml/cvpredictions, in the repository)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from ml.crossvalidation import MissingPredictionsError, score_stored_mix

        dataset = read_dataset(options["metadata"], options["audio_dir"])
        folds, held_out = crossvalidation_folds(options)
        try:
            result = score_stored_mix(
                dataset,
                members=options["member"],
                folds=folds,
                store_dir=Path(options["store_dir"]),
                held_out=held_out,
                log=lambda line: self.stdout.write(line),
            )
        except MissingPredictionsError as exc:
            raise CommandError(str(exc)) from exc
        name = " + ".join(f"{m['arch']} seed {m['seed']} ({m['epochs']} epochs)" for m in result["members"])
        report_crossvalidation(self, result, name, options)
