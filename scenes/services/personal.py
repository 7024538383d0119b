"""Writes on personal examples, and the personal lean of a new result (scenes/personal.py)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from scenes import personal
from scenes.models import PersonalExample, Recording

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@transaction.atomic
def personal_example_keep(*, user: User, recording: Recording, scene: str) -> PersonalExample | None:
    """Keep the recording's clip embedding as the user's example of `scene`; returns it.

    A recording has one example per user: teaching it again replaces the scene. Returns None,
    and keeps nothing, when the recording's result holds no embedding (classified before
    embeddings were stored, or by a model without one). Past the per-user cap the oldest go.
    """
    result = recording.result
    if result is None or not result.embedding:
        return None
    example, _ = PersonalExample.objects.update_or_create(
        user=user,
        recording=recording,
        defaults={
            "scene": scene,
            "embedding": bytes(result.embedding),
            "model_version": result.model_version,
            "source_name": recording.original_filename,
            "created_at": timezone.now(),  # taught again now: it lists as new
        },
    )
    _trim(user)
    return example


def _trim(user: User) -> None:
    keep = PersonalExample.objects.filter(user=user).order_by("-created_at", "-pk")
    stale = list(keep.values_list("pk", flat=True)[settings.SCENES_PERSONAL_MAX_EXAMPLES :])
    if stale:
        PersonalExample.objects.filter(pk__in=stale).delete()


def personal_example_delete(*, example: PersonalExample) -> None:
    example.delete()


def personal_examples_delete_all(*, user: User) -> int:
    """Delete every example of the user; returns how many there were."""
    deleted, _ = PersonalExample.objects.filter(user=user).delete()
    return deleted


def personal_result_fields(*, recording: Recording, result: Any) -> dict[str, Any]:
    """The SceneResult fields the user's examples add to (or change in) `result`.

    Always the embedding (when the model gives one). When close examples exist: the blended
    probabilities, top scene and confidence, and `personal`, saying what the model said
    and how far the examples moved it. Examples of another model version, and the
    recording's own (a clip always matches itself), never count.
    """
    return personal_lean_fields(user_id=recording.user_id, result=result, exclude_recording_id=recording.pk)


def personal_lean_fields(*, user_id: int, result: Any, exclude_recording_id: Any = None) -> dict[str, Any]:
    """personal_result_fields for any clip of user `user_id` (a live snippet has no recording)."""
    embedding = getattr(result, "embedding", None)
    if embedding is None:
        return {"embedding": None, "personal": {}}
    fields: dict[str, Any] = {"embedding": personal.embedding_to_bytes(embedding), "personal": {}}
    lean = personal.blend(
        result.scene_probabilities,
        embedding,
        _examples(user_id, result.model_version, exclude_recording_id),
        similarity=settings.SCENES_PERSONAL_SIMILARITY,
        k=settings.SCENES_PERSONAL_WEIGHT_K,
    )
    if lean is not None:
        top = max(lean.probabilities, key=lambda s: (lean.probabilities[s], s))
        fields.update(
            scene_probabilities=lean.probabilities,
            top_scene=top,
            confidence=lean.probabilities[top],
            personal={
                "scene": lean.scene,
                "examples": lean.examples,
                "weight": round(lean.weight, 4),
                "model_scene": result.top_scene,
                "model_confidence": float(result.confidence),
            },
        )
    return fields


def _examples(user_id: int, model_version: str, exclude_recording_id: Any) -> list[personal.Example]:
    rows = PersonalExample.objects.filter(user_id=user_id, model_version=model_version)
    if exclude_recording_id is not None:
        rows = rows.exclude(recording_id=exclude_recording_id)
    pairs = rows.values_list("scene", "embedding")
    return [personal.Example(scene=scene, embedding=personal.embedding_from_bytes(data)) for scene, data in pairs]
