"""What the ML commands share: reading a dataset's metadata (errors as command errors), option types, recipes,
and the options and report of the cross-validation commands."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.management.base import BaseCommand, CommandError

from ml.errors import MetadataError
from ml.training.datasets import Dataset, parse_folds, read_metadata

if TYPE_CHECKING:
    from ml.training.recipes import Recipe
    from ml.training.scene_lstm import SceneLstmRecipe, Sources


def read_dataset(metadata: str, audio_dir: str) -> Dataset:
    """The dataset that `metadata` describes; an unreadable file or row becomes a CommandError with its message."""
    try:
        return read_metadata(metadata, audio_dir)
    except MetadataError as exc:
        raise CommandError(str(exc)) from exc


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def add_recipe_arguments(parser: argparse.ArgumentParser) -> None:
    """--arch, the options that `recipe_for` reads, and --seed: the same in every command that trains."""
    from ml.training.recipes import RECIPES, SHIPPED_RECIPE

    parser.add_argument(
        "--arch", default=SHIPPED_RECIPE, choices=sorted([SHIPPED_RECIPE, *RECIPES]), help="a recipe (ml.training.recipes)"
    )
    parser.add_argument("--epochs", type=positive_int, default=None, help="epochs to train (default: the recipe's)")
    parser.add_argument(
        "--time-shifts", type=positive_int, default=None, help="time shifts averaged per window at inference"
    )
    parser.add_argument(
        "--ensemble",
        type=positive_int,
        default=None,
        help="networks to train, with seeds --seed, --seed + 1, ..., and average (the shipped recipe only)",
    )
    parser.add_argument("--seed", type=int, default=0)


def add_yamnet_arguments(parser: argparse.ArgumentParser) -> None:
    """What the shipped recipe (yamnet-lstm) needs besides ESC-50: the ambience recordings and YAMNet."""
    from django.conf import settings

    shared = Path(settings.BASE_DIR).parent / "shared"
    parser.add_argument(
        "--ambience-metadata", default=str(shared / "data" / "ambience" / "ambience.csv"), help="filename, scene CSV"
    )
    parser.add_argument("--ambience-audio-dir", default=str(shared / "data" / "ambience" / "audio"))
    parser.add_argument(
        "--front-end-dir", default=str(shared / "models" / "yamnet"), help="folder with yamnet.tflite and its class map"
    )


def scene_lstm_recipe(options: dict[str, Any]) -> SceneLstmRecipe:
    """The shipped recipe with the command's --epochs and --ensemble."""
    from dataclasses import replace

    from ml.training.scene_lstm import SCENE_LSTM_RECIPE

    given = {"epochs": options["epochs"], "ensemble": options["ensemble"]}
    return replace(SCENE_LSTM_RECIPE, **{name: value for name, value in given.items() if value is not None})


def load_yamnet_sources(options: dict[str, Any], log: Any) -> Sources:
    """ESC-50 and the ambience recordings with their YAMNet embeddings (cached under var/cache/embeddings)."""
    from django.conf import settings

    from ml.training.yamnet_lstm import load_sources

    cache = None if options.get("no_cache") else Path(settings.BASE_DIR) / "var" / "cache" / "embeddings"
    try:
        return load_sources(
            esc50=(options["metadata"], options["audio_dir"]),
            ambience=(options["ambience_metadata"], options["ambience_audio_dir"]),
            front_end_dir=Path(options["front_end_dir"]),
            cache_dir=cache,
            log=log,
        )
    except (MetadataError, OSError) as exc:
        raise CommandError(str(exc)) from exc


def recipe_for(arch: str, options: dict[str, Any]) -> Recipe:
    """`arch`'s recipe with the command's --epochs and --time-shifts; refuses --ensemble above 1.

    A log-mel recipe trains one network: only the shipped recipe averages several.
    """
    from ml.training import configure_threads
    from ml.training.recipes import RECIPES, SHIPPED_RECIPE, with_overrides

    if options["ensemble"] not in (None, 1):
        raise CommandError(f"--ensemble: {arch} trains one network; only {SHIPPED_RECIPE} averages several")
    # Before anything builds or loads a network (cross-validation may load a stored one before it
    # trains): afterwards TensorFlow's threads are fixed.
    configure_threads()
    return with_overrides(RECIPES[arch], epochs=options["epochs"], test_time_shifts=options["time_shifts"])


def add_crossvalidation_arguments(parser: argparse.ArgumentParser) -> None:
    """The dataset, folds and report options of every cross-validation command."""
    parser.add_argument("--metadata", required=True)
    parser.add_argument("--audio-dir", required=True)
    parser.add_argument("--folds", default="1,2,3,4")
    parser.add_argument("--held-out", default=None, help="only these folds (default: all)")
    parser.add_argument("--json", action="store_true", help="end with one line of JSON")
    parser.add_argument("--output", default=None, help="also write the JSON to this file")


def crossvalidation_folds(options: dict[str, Any]) -> tuple[list[int], list[int] | None]:
    """The folds, and the held-out folds (None: all of them), that --folds and --held-out name."""
    held_out = sorted(parse_folds(options["held_out"])) if options["held_out"] else None
    return sorted(parse_folds(options["folds"])), held_out


def report_crossvalidation(command: BaseCommand, result: dict[str, Any], options: dict[str, Any], summary: str) -> None:
    """Write `result` to --output if given, and print it as JSON (--json) or as the `summary` line."""
    text = json.dumps(result)
    if options["output"]:
        Path(options["output"]).write_text(text + "\n")
    command.stdout.write(text if options["json"] else summary)


def refuse_options(options: dict[str, Any], names: tuple[str, ...], recipe: str) -> None:
    """A CommandError naming the first of `names` that was given but means nothing to `recipe`."""
    for name in names:
        if options.get(name) not in (None, False, ""):
            raise CommandError(f"--{name.replace('_', '-')} does not apply to {recipe}")
