"""manage.py crossvalidate_mix: cross-validated figures of stored networks of several recipes, averaged."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ml.datasets import parse_folds
from ml.management.commands._dataset import read_dataset

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
        parser.add_argument("--metadata", required=True)
        parser.add_argument("--audio-dir", required=True)
        parser.add_argument("--folds", default="1,2,3,4")
        parser.add_argument("--held-out", default=None, help="only these folds (default: all)")
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
        parser.add_argument("--json", action="store_true", help="end with one line of JSON")
        parser.add_argument("--output", default=None, help="also write the JSON to this file")

    def handle(self, *args: Any, **options: Any) -> None:
        from ml.crossvalidation import MissingPredictionsError, score_stored_mix

        dataset = read_dataset(options["metadata"], options["audio_dir"])
        try:
            result = score_stored_mix(
                dataset,
                members=options["member"],
                folds=sorted(parse_folds(options["folds"])),
                store_dir=Path(options["store_dir"]),
                held_out=sorted(parse_folds(options["held_out"])) if options["held_out"] else None,
                log=lambda line: self.stdout.write(line),
            )
        except MissingPredictionsError as exc:
            raise CommandError(str(exc)) from exc
        text = json.dumps(result)
        if options["output"]:
            Path(options["output"]).write_text(text + "\n")
        members = " + ".join(f"{m['arch']} seed {m['seed']} ({m['epochs']} epochs)" for m in result["members"])
        self.stdout.write(
            text
            if options["json"]
            else f"{members}: mean accuracy {result['mean_accuracy']:.4f} ± {result['std_accuracy']:.4f}, "
            f"mean scene accuracy {result['mean_scene_accuracy']:.4f}, pooled {result['pooled']}"
        )
