"""Factories for the recommendations app's models."""
from __future__ import annotations

import datetime
import importlib
from typing import Any, Literal

import factory
from django.apps import apps as django_apps

from recommendations.models import Feedback, Recommendation, RecommendationItem, SceneCriteria, TasteTrack, Track
from scenes.models import Recording
from tests.factories import UserFactory

__all__ = ["UserFactory"]


class TrackFactory(factory.django.DjangoModelFactory[Track]):
    class Meta:
        model = Track

    spotify_id = factory.Sequence(lambda n: f"{n:022d}")
    name = factory.Sequence(lambda n: f"Song {n}")
    artists = factory.Sequence(lambda n: [f"Artist {n}"])
    valence = 0.5
    energy = 0.5
    danceability = 0.5
    acousticness = 0.5
    instrumentalness = 0.0
    speechiness = 0.05
    tempo = 120.0
    scored = factory.LazyAttribute(lambda t: t.valence is not None and t.energy is not None)
    source = "test"


class SceneCriteriaFactory(factory.django.DjangoModelFactory[SceneCriteria]):
    class Meta:
        model = SceneCriteria
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"scene{n}")
    valence_min = 0.2
    valence_max = 0.6
    energy_min = 0.1
    energy_2nd = 0.3
    energy_3rd = 0.6
    energy_max = 0.9


class RecommendationFactory(factory.django.DjangoModelFactory[Recommendation]):
    class Meta:
        model = Recommendation

    user = factory.SubFactory(UserFactory)
    scene_probabilities = factory.LazyFunction(lambda: {"rain": 1.0})
    top_scene = "rain"
    local_time = factory.LazyFunction(lambda: datetime.datetime(2026, 5, 1, 9, 30, tzinfo=datetime.UTC))


class RecommendationItemFactory(factory.django.DjangoModelFactory[RecommendationItem]):
    class Meta:
        model = RecommendationItem

    recommendation = factory.SubFactory(RecommendationFactory)
    track = factory.SubFactory(TrackFactory)
    rank = factory.Sequence(lambda n: n + 1)
    score = 0.5
    reason = "fits"


class FeedbackFactory(factory.django.DjangoModelFactory[Feedback]):
    class Meta:
        model = Feedback

    user = factory.SubFactory(UserFactory)
    track = factory.SubFactory(TrackFactory)
    value = Feedback.Value.UP


class TasteTrackFactory(factory.django.DjangoModelFactory[TasteTrack]):
    class Meta:
        model = TasteTrack

    user = factory.SubFactory(UserFactory)
    track = factory.SubFactory(TrackFactory)
    source = TasteTrack.Source.TOP
    rank = 1


class RecordingFactory(factory.django.DjangoModelFactory[Recording]):
    """A classified recording (scenes.Recording) with its SceneResult."""

    class Meta:
        model = Recording
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    file = factory.Sequence(lambda n: f"recordings/test/{n}.wav")
    original_filename = "clip.wav"
    duration_s = 5.0
    sample_rate = 16000
    format = "wav"
    size_bytes = 1000
    status = "done"

    @factory.post_generation
    def scenes(recording: Recording, create: bool, extracted: dict[str, float] | Literal[False] | None, **kwargs: object) -> None:
        from scenes.models import SceneResult

        if not create or extracted is False:
            return
        probabilities = extracted or {"rain": 0.7, "nature": 0.3}
        top = max(probabilities, key=probabilities.__getitem__)
        recording.result = SceneResult.objects.create(
            recording=recording, job_id=recording.job_id, scene_probabilities=probabilities, top_scene=top,
            confidence=probabilities[top], model_version="esc50-test-v1", processing_ms=10,
        )
        recording.save(update_fields=["result"])


class _SeedApps:
    """The app registry as the seed migration knew it: SceneLabel has moved to the scenes app
    since, and Scene became SceneCriteria."""

    MOVED = {("recommendations", "SceneLabel"): ("scenes", "SceneLabel"), ("recommendations", "Scene"): ("recommendations", "SceneCriteria")}

    def get_model(self, app_label: str, model_name: str) -> Any:
        return django_apps.get_model(*self.MOVED.get((app_label, model_name), (app_label, model_name)))


def seed_scene_table() -> None:
    """The scenes and their labels, as the seed migration writes them: a transactional test
    empties every table afterwards, the migration-seeded ones too."""
    importlib.import_module("recommendations.migrations.0002_seed_scenes").seed(_SeedApps(), None)
