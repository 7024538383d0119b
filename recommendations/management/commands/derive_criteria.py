"""`manage.py derive_criteria`: suggest bands computed from the catalog, as the original did."""
from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from recommendations.models import SceneCriteria
from recommendations.services.scenes import CriteriaError, criteria_suggestions_create


class Command(BaseCommand):
    help = (
        "k-means on the catalog's valence (one cluster per scene), then per cluster the valence "
        "range and energy bands. Stored as suggestions: apply them in the admin."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scenes", help="Comma-separated scene names (default: all scenes).")
        parser.add_argument(
            "--energy-split", choices=["thirds", "percentiles"], default="thirds",
            help="thirds: the original table's cuts (min + 1/3 and 2/3 of the range); percentiles: 33rd and 66th.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        scenes = list(SceneCriteria.objects.all())
        if options["scenes"]:
            wanted = [name.strip() for name in options["scenes"].split(",") if name.strip()]
            unknown = set(wanted) - {scene.name for scene in scenes}
            if unknown:
                raise CommandError(f"Unknown scenes: {', '.join(sorted(unknown))}")
            scenes = [scene for scene in scenes if scene.name in wanted]
        try:
            suggestions = criteria_suggestions_create(scenes=scenes, energy_split=options["energy_split"], note=f"derive_criteria ({options['energy_split']})")
        except CriteriaError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{'scene':<16}{'valence':>16}{'energy bands':>34}{'tracks':>9}")
        for s in suggestions:
            self.stdout.write(
                f"{s.scene.name:<16}{s.valence_min:>8.3f}{s.valence_max:>8.3f}"
                f"{s.energy_min:>9.3f}{s.energy_2nd:>8.3f}{s.energy_3rd:>8.3f}{s.energy_max:>9.3f}{s.track_count:>9}"
            )
        self.stdout.write("Suggestions saved; apply them from the admin (Criteria suggestions).")
