"""Writes to the criteria table: importing the original's table, suggestions from the catalog."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from django.db import transaction
from django.utils import timezone

from recommendations import criteria as rules
from recommendations.models import CRITERIA_FIELDS, CriteriaSuggestion, SceneCriteria, Track
from scenes.models import SceneLabel

ERROR_TOO_FEW_TRACKS = "The catalog has too few scored tracks to derive criteria: {count} for {scenes} scenes."


class CriteriaError(ValueError):
    """Criteria cannot be derived or applied; the message is for the admin."""


@transaction.atomic
def scene_criteria_import(*, rows: Sequence[tuple[str, dict[str, float]]]) -> list[SceneCriteria]:
    """Create or update one scene per (name, criteria) row; return the scenes.

    A scene new to the table maps its own name as a label (the TAU model's labels are its
    scenes), unless that label already maps elsewhere.
    """
    scenes = []
    for name, criteria in rows:
        scene, _ = SceneCriteria.objects.update_or_create(name=name, defaults=criteria)
        SceneLabel.objects.get_or_create(label=name, defaults={"scene": scene})
        scenes.append(scene)
    return scenes


def criteria_suggestions_create(
    *, scenes: Sequence[SceneCriteria], energy_split: str = "thirds", note: str = ""
) -> list[CriteriaSuggestion]:
    """Derive bands from the scored catalog as the original did; store them as suggestions.

    One valence cluster per scene; clusters go to scenes in order of the scenes' current
    valence centres (the lowest cluster to the scene with the lowest valence, and so on).
    Raises CriteriaError when the catalog is too small.
    """
    valence, energy = _scored_features()
    if len(valence) < max(3 * len(scenes), 1) or not scenes:
        raise CriteriaError(ERROR_TOO_FEW_TRACKS.format(count=len(valence), scenes=len(scenes)))
    try:
        derived = rules.derive(valence, energy, len(scenes), energy_split=energy_split)
    except ValueError as exc:
        raise CriteriaError(str(exc)) from exc
    ordered = sorted(scenes, key=lambda s: ((s.valence_min + s.valence_max) / 2, s.name))
    return CriteriaSuggestion.objects.bulk_create(
        CriteriaSuggestion(scene=scene, note=note, **values) for scene, values in zip(ordered, derived)
    )


def _scored_features() -> tuple[np.ndarray, np.ndarray]:
    rows = Track.objects.filter(scored=True).values_list("valence", "energy")
    array = np.fromiter(rows.iterator(chunk_size=20_000), dtype=np.dtype((np.float64, 2)))
    return array[:, 0], array[:, 1]


@transaction.atomic
def criteria_suggestion_apply(*, suggestion: CriteriaSuggestion) -> SceneCriteria:
    """Copy a suggestion's criteria onto its scene; return the scene. Raises CriteriaError if invalid."""
    errors = rules.criteria_errors(suggestion.criteria)
    if errors:
        raise CriteriaError("; ".join(f"{field}: {message}" for field, message in errors.items()))
    scene = SceneCriteria.objects.select_for_update().get(pk=suggestion.scene_id)
    for field in CRITERIA_FIELDS:
        setattr(scene, field, getattr(suggestion, field))
    scene.save()
    suggestion.applied_at = timezone.now()
    suggestion.save(update_fields=["applied_at"])
    return scene
