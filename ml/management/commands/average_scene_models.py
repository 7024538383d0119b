"""manage.py average_scene_models: one ensemble artifact from networks trained separately."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ml.errors import ModelArtifactError


class Command(BaseCommand):
    help = (
        "Average artifacts of one recipe that differ only in seed (for example trained side by side, "
        "one per core) into the artifact that train_scene_model --ensemble would write; or mix recipes "
        "whose features differ only in hop, each coarser network reading every k-th frame. A model that is "
        "already an ensemble counts as its networks: the result is the mean of all of them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("models", nargs="+", help="artifact folders: single networks or ensembles")
        parser.add_argument("--output", required=True, help="artifact folder to write (its name is the version)")
        parser.add_argument("--model-version", default=None, help="version name (default: the output folder's name)")
        parser.add_argument("--make-current", action="store_true", help="point <output parent>/CURRENT at it")

    def handle(self, *args: Any, **options: Any) -> None:
        # TensorFlow is imported here, never when Django starts.
        from ml.artifacts import load_metadata, set_current
        from ml.averaging import average_artifacts

        try:
            output = average_artifacts(
                [Path(path) for path in options["models"]], Path(options["output"]), version=options["model_version"]
            )
        except ModelArtifactError as exc:
            raise CommandError(str(exc)) from exc
        if options["make_current"]:
            set_current(output)
        networks = len(load_metadata(output).training["seeds"])
        self.stdout.write(self.style.SUCCESS(f"wrote {output}, the mean of {networks} networks"))
