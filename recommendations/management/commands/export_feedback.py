"""`manage.py export_feedback FILE`: scene corrections as DCASE/TAU metadata for retraining.

Writes `filename<TAB>scene_label` rows (the layout `train_scene_model --metadata` reads),
one per corrected recording whose audio is still stored; `filename` is the storage name,
so pass MEDIA_ROOT as `--audio-dir` when training.
"""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from recommendations.selectors import scene_corrections_for_export


class Command(BaseCommand):
    help = "Write the users' scene corrections as a TAU-layout metadata file (filename<TAB>scene_label)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        written = skipped = 0
        with open(options["file"], "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
            writer.writerow(["filename", "scene_label"])
            for correction in scene_corrections_for_export():
                if not correction.recording.file:
                    skipped += 1  # the audio is gone (retention): nothing to train on
                    continue
                writer.writerow([correction.recording.file.name, correction.corrected_scene])
                written += 1
        self.stdout.write(f"Wrote {written} corrections to {options['file']}; skipped {skipped} without audio.")
