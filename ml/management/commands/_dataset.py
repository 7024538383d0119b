"""What the ML commands share: reading a dataset's metadata (errors as command errors), option types."""

from __future__ import annotations

import argparse

from django.core.management.base import CommandError

from ml.datasets import Dataset, read_metadata
from ml.errors import MetadataError


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
