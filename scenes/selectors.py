"""Reads on recordings, always scoped to one user."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.db.models import Count, QuerySet

from scenes.models import ListeningSession, PersonalExample, Recording, SceneLabel

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def recording_list(*, user: User) -> QuerySet[Recording]:
    """The user's recordings, newest first, with their current result."""
    return Recording.objects.filter(user=user).select_related("result").order_by("-created_at")


def recording_get(*, user: User, recording_id: UUID | str) -> Recording:
    """The user's recording `recording_id`; raises Recording.DoesNotExist for anyone else's."""
    return recording_list(user=user).get(pk=recording_id)


def personal_example_list(*, user: User) -> QuerySet[PersonalExample]:
    """The user's personal examples, by scene, newest first within each."""
    return PersonalExample.objects.filter(user=user).select_related("recording").order_by("scene", "-created_at")


def personal_example_get(*, user: User, example_id: int) -> PersonalExample:
    """The user's example `example_id`; raises PersonalExample.DoesNotExist for anyone else's."""
    return personal_example_list(user=user).get(pk=example_id)


def label_to_scene() -> dict[str, str]:
    """The admin-edited label -> scene table, for turning label probabilities into scenes."""
    return dict(SceneLabel.objects.values_list("label", "scene__name"))


def timeline_segments(timeline: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Runs of consecutive windows with the same top scene, as contiguous segments.

    Windows overlap (a 5 s window every 2.5 s), so a segment runs from its first window's
    start to the next segment's start; the last one ends with the last window. Each has
    `start_s`, `end_s`, `scene` and `probability`, the scene's mean over its windows.
    """
    runs: list[list[dict[str, Any]]] = []
    for window in timeline:
        if runs and runs[-1][0]["top_scene"] == window["top_scene"]:
            runs[-1].append(window)
        else:
            runs.append([window])
    segments = []
    for index, run in enumerate(runs):
        scene = run[0]["top_scene"]
        end = runs[index + 1][0]["start_s"] if index + 1 < len(runs) else run[-1]["end_s"]
        probability = sum(window["scenes"].get(scene, 0.0) for window in run) / len(run)
        segments.append({"start_s": run[0]["start_s"], "end_s": end, "scene": scene, "probability": probability})
    return segments


def listening_session_list(*, user: User) -> QuerySet[ListeningSession]:
    """The user's listening sessions, newest first, with how many snippets each has."""
    return ListeningSession.objects.filter(user=user).annotate(snippet_count=Count("snippets")).order_by("-started_at")


def listening_session_row(*, user: User, session_id: UUID | str) -> ListeningSession:
    """The user's session `session_id` alone (no snippets, no count): for a snippet's upload."""
    return ListeningSession.objects.get(user=user, pk=session_id)


def listening_session_get(*, user: User, session_id: UUID | str) -> ListeningSession:
    """The user's session `session_id` with its snippets; raises ListeningSession.DoesNotExist for anyone else's."""
    return listening_session_list(user=user).prefetch_related("snippets").get(pk=session_id)
