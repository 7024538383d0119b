"""What the ML commands share: reading a dataset's metadata, reported as a command error."""

from __future__ import annotations

from django.core.management.base import CommandError

from ml.datasets import Dataset, read_metadata
from ml.errors import MetadataError


def read_dataset(metadata: str, audio_dir: str) -> Dataset:
    """The dataset that `metadata` describes; an unreadable file or row becomes a CommandError with its message."""
    try:
        return read_metadata(metadata, audio_dir)
    except MetadataError as exc:
        raise CommandError(str(exc)) from exc
