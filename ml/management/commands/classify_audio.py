"""manage.py classify_audio FILE: scene probabilities, top labels, what it heard and timeline of any recording."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ml.errors import AudioError, ModelArtifactError


class Command(BaseCommand):
    help = "Classify an audio file with the shipped scene model."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        from ml.inference import classify_file

        try:
            result = classify_file(options["file"])
        except AudioError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        except ModelArtifactError as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(result.to_dict()))
            return
        self._print(result)

    def _print(self, result: Any) -> None:
        self.stdout.write(
            f"model {result.model_version}, {result.duration_s:.1f} s of audio, {result.processing_ms:.0f} ms"
        )
        self.stdout.write(f"scene: {result.top_scene} ({result.confidence:.1%})")
        for scene, p in sorted(result.scene_probabilities.items(), key=lambda kv: -kv[1]):
            self.stdout.write(f"  {scene:<12} {p:6.1%}")
        self.stdout.write("top labels: " + ", ".join(f"{label} {p:.1%}" for label, p in result.top_labels))
        if result.heard:
            self.stdout.write("heard: " + ", ".join(f"{name} {score:.1%}" for name, score in result.heard))
        self.stdout.write("timeline:")
        for window in result.timeline:
            p = window["scenes"][window["top_scene"]]
            self.stdout.write(f"  {window['start_s']:7.2f}-{window['end_s']:7.2f} s  {window['top_scene']} ({p:.1%})")
