"""Thumbs up/down on recommended tracks, and scene corrections kept for retraining."""
from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from recommendations.models import Feedback, Recommendation, SceneCorrection, SceneCriteria
from scenes.services import personal_example_keep

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from scenes.models import Recording

# The words pages and the API use for a vote.
FEEDBACK_VALUES = {"up": Feedback.Value.UP, "down": Feedback.Value.DOWN}
ERROR_NOT_RECOMMENDED = "This song is not part of that recommendation."
ERROR_UNKNOWN_SCENE = "Pick one of our scenes."
ERROR_NOT_CLASSIFIED = "This recording has no detected scene to correct yet."


class FeedbackError(ValueError):
    """Feedback that cannot be stored; the message is for the user (ERROR_* constants)."""


def feedback_set(*, user: User, recommendation: Recommendation, track_id: int, value: int) -> Feedback:
    """Store the user's thumbs up (1) or down (-1) on a track of their recommendation; the latest vote wins.

    Raises FeedbackError when the track is not in the recommendation.
    """
    if recommendation.user_id != user.pk or not recommendation.items.filter(track_id=track_id).exists():
        raise FeedbackError(ERROR_NOT_RECOMMENDED)
    feedback, _ = Feedback.objects.update_or_create(
        user=user, track_id=track_id, defaults={"value": Feedback.Value(value), "recommendation": recommendation}
    )
    return feedback


def feedback_clear(*, user: User, track_id: int) -> None:
    Feedback.objects.filter(user=user, track_id=track_id).delete()


@transaction.atomic
def scene_correction_set(*, user: User, recording: Recording, scene: str) -> SceneCorrection:
    """Record "the right scene was `scene`" for the user's recording; a later pick replaces it.

    The recording's clip embedding becomes the user's personal example of `scene` (when its
    result holds one). Raises FeedbackError for a scene not in the table or a recording
    without a result.
    """
    if not SceneCriteria.objects.filter(name=scene).exists():
        raise FeedbackError(ERROR_UNKNOWN_SCENE)
    result = recording.result
    if result is None:
        raise FeedbackError(ERROR_NOT_CLASSIFIED)
    correction, _ = SceneCorrection.objects.update_or_create(
        user=user, recording=recording,
        defaults={"corrected_scene": scene, "predicted_scene": result.top_scene, "model_version": result.model_version},
    )
    # The correction teaches this user's scenes too; a result without an embedding keeps none.
    personal_example_keep(user=user, recording=recording, scene=scene)
    return correction
