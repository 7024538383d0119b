"""`manage.py import_criteria FILE`: load the original's criteria table (recommend_criteria.csv)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from recommendations.criteria import CriteriaFileError, read_criteria_csv
from recommendations.services.scenes import scene_criteria_import


class Command(BaseCommand):
    help = "Create or update scenes from a criteria CSV: label, valence_min, valence_max, energy_min, energy_2nd, energy_3rd, energy_max."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            rows = read_criteria_csv(path)
        except CriteriaFileError as exc:
            raise CommandError(str(exc)) from exc
        scenes = scene_criteria_import(rows=rows)
        self.stdout.write(f"Imported criteria for {len(scenes)} scenes: {', '.join(s.name for s in scenes)}.")
