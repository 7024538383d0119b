"""What the ML commands share: reading a dataset's metadata (errors as command errors), option types, recipes."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from django.core.management.base import CommandError

from ml.datasets import Dataset, read_metadata
from ml.errors import MetadataError

if TYPE_CHECKING:
    from ml.recipes import Recipe


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
    from ml.recipes import RECIPES, SHIPPED_RECIPE

    parser.add_argument("--arch", default=SHIPPED_RECIPE, choices=sorted(RECIPES), help="a recipe (ml.recipes)")
    parser.add_argument("--epochs", type=positive_int, default=None, help="epochs to train (default: the recipe's)")
    parser.add_argument(
        "--time-shifts", type=positive_int, default=None, help="time shifts averaged per window at inference"
    )
    parser.add_argument(
        "--ensemble",
        type=positive_int,
        default=None,
        help="networks to train, with seeds --seed, --seed + 1, ..., and average",
    )
    parser.add_argument("--seed", type=int, default=0)


def recipe_for(arch: str, options: dict[str, Any], *, n_labels: int) -> Recipe:
    """`arch`'s recipe with the command's --epochs, --time-shifts and --ensemble; refuses an ensemble over budget."""
    from ml.recipes import RECIPES, with_overrides
    from ml.training import configure_threads

    configure_threads()  # counting the parameters builds a network, which fixes TensorFlow's threads
    from ml.model import check_parameter_budget

    recipe = with_overrides(
        RECIPES[arch], epochs=options["epochs"], test_time_shifts=options["time_shifts"], ensemble=options["ensemble"]
    )
    try:
        check_parameter_budget(recipe, n_labels)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    return recipe
