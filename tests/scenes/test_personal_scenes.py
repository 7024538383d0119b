"""Personal scenes: a correction keeps the clip's embedding, and close later clips lean toward
the scene the user taught (scenes/personal.py, scenes/services/personal.py)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from ml.pipelines import clip_embedding
from recommendations.services.feedback import scene_correction_set
from scenes import personal, services
from scenes.models import PersonalExample, Recording, SceneResult
from scenes.services import classification
from tests.recommendations.factories import RecordingFactory
from tests.scenes.helpers import upload_file

MODEL = {"work_study": 0.7, "home": 0.1, "street": 0.2}
K = 3.0
SIMILARITY = 0.85


def unit(vector: np.ndarray) -> np.ndarray:
    return (vector / np.linalg.norm(vector)).astype(np.float32)


def place(seed: int) -> np.ndarray:
    """The embedding of a made-up place: 1,024 random non-negative values, as YAMNet's are."""
    return unit(np.random.default_rng(seed).random(1024) ** 4)


def near(embedding: np.ndarray, seed: int, noise: float = 0.05) -> np.ndarray:
    """Another clip of the same place: a little noise around it."""
    return unit(embedding + noise * np.random.default_rng(seed).random(1024))


def examples(scene: str, embedding: np.ndarray, count: int) -> list[personal.Example]:
    return [personal.Example(scene=scene, embedding=near(embedding, seed)) for seed in range(count)]


def lean(clip: np.ndarray, taught: list[personal.Example]) -> personal.Blend | None:
    return personal.blend(MODEL, clip, taught, similarity=SIMILARITY, k=K)


# --- The blend ----------------------------------------------------------------------------


def test_without_examples_the_models_answer_stands() -> None:
    assert lean(place(1), []) is None


def test_a_few_close_examples_nudge_but_do_not_decide() -> None:
    kitchen = place(1)

    blend = lean(near(kitchen, 99), examples("home", kitchen, 1))

    assert blend is not None
    assert (blend.scene, blend.examples, blend.weight) == ("home", 1, pytest.approx(0.25))
    assert blend.probabilities["home"] == pytest.approx(0.75 * 0.1 + 0.25)
    assert max(blend.probabilities, key=blend.probabilities.__getitem__) == "work_study"


def test_many_close_examples_decide() -> None:
    kitchen = place(1)

    blend = lean(near(kitchen, 99), examples("home", kitchen, 12))

    assert blend is not None
    assert blend.weight == pytest.approx(0.8)
    assert max(blend.probabilities, key=blend.probabilities.__getitem__) == "home"
    assert sum(blend.probabilities.values()) == pytest.approx(1.0)


def test_the_weight_is_n_over_n_plus_k() -> None:
    assert [personal.personal_weight(n, 3.0) for n in (0, 1, 3, 12)] == [0.0, 0.25, 0.5, 0.8]


def test_far_examples_are_ignored() -> None:
    blend = lean(place(2), examples("home", place(1), 12))

    assert blend is None


def test_examples_of_another_front_end_never_count() -> None:
    other_size = [personal.Example(scene="home", embedding=unit(np.ones(128)))]

    assert lean(place(1), other_size) is None


def test_close_examples_of_two_scenes_share_the_lean_by_similarity() -> None:
    kitchen = place(1)
    taught = examples("home", kitchen, 2) + examples("work_study", kitchen, 1)

    blend = lean(near(kitchen, 99), taught)

    assert blend is not None
    assert blend.scene == "home"
    assert blend.examples == 3


def test_an_embedding_survives_its_compact_storage() -> None:
    embedding = place(3)

    stored = personal.embedding_from_bytes(personal.embedding_to_bytes(embedding))

    assert len(personal.embedding_to_bytes(embedding)) == 2048
    assert float(np.dot(stored, embedding)) == pytest.approx(1.0, abs=1e-3)


def test_a_clips_embedding_is_the_unit_mean_of_its_frames_holding_sound() -> None:
    frames = np.array([[3.0, 0.0], [0.0, 4.0], [9.0, 9.0]], dtype=np.float32)
    silent = np.array([False, False, True])

    embedding = clip_embedding(frames, silent)

    assert embedding is not None
    assert embedding.tolist() == pytest.approx([0.6, 0.8])


def test_an_all_silent_clip_uses_every_frame_and_all_zeros_give_no_embedding() -> None:
    assert clip_embedding(np.array([[1.0, 0.0]]), np.array([True])).tolist() == [1.0, 0.0]  # type: ignore[union-attr]
    assert clip_embedding(np.zeros((2, 4)), np.array([False, False])) is None


# --- Classification with the user's examples ------------------------------------------------


@dataclass
class FakeResult:
    embedding: np.ndarray | None
    scene_probabilities: dict[str, float] = field(default_factory=lambda: dict(MODEL))
    top_scene: str = "work_study"
    confidence: float = 0.7
    top_labels: list[tuple[str, float]] = field(default_factory=lambda: [("ambience:office", 0.7)])
    timeline: list[dict[str, Any]] = field(
        default_factory=lambda: [{"start_s": 0.0, "end_s": 5.0, "scenes": dict(MODEL), "top_scene": "work_study"}]
    )
    model_version: str = "fake-1"
    processing_ms: int = 12
    heard: list[tuple[str, float]] = field(default_factory=list)


@pytest.fixture
def model_gives(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Makes the stand-in model answer MODEL with the given clip embedding."""
    monkeypatch.setattr(classification, "_model_sample_rate", lambda: 16000)

    def use(embedding: np.ndarray | None) -> None:
        monkeypatch.setattr(classification, "_classify", lambda samples, rate: FakeResult(embedding=embedding))

    return use


def teach(user: Any, scene: str, embedding: np.ndarray, count: int, model_version: str = "fake-1") -> None:
    for seed in range(count):
        PersonalExample.objects.create(
            user=user, scene=scene, embedding=personal.embedding_to_bytes(near(embedding, seed)), model_version=model_version
        )


def classified(user: Any, clip_wav: bytes) -> SceneResult:
    recording = services.recording_create(user=user, upload=upload_file(clip_wav))
    services.recording_classify(recording_id=recording.id, job_id=recording.job_id)
    result = Recording.objects.get(pk=recording.pk).result
    assert result is not None
    return result


@pytest.mark.django_db
def test_a_result_keeps_its_clip_embedding_and_stands_without_examples(user, clip_wav, model_gives) -> None:
    kitchen = place(1)
    model_gives(kitchen)

    result = classified(user, clip_wav)

    assert result.top_scene == "work_study" and result.personal == {}
    assert result.scene_probabilities == MODEL
    assert result.embedding is not None
    assert float(np.dot(personal.embedding_from_bytes(result.embedding), kitchen)) == pytest.approx(1.0, abs=1e-3)


@pytest.mark.django_db
def test_a_clip_close_to_many_of_the_users_examples_moves_to_their_scene(user, clip_wav, model_gives) -> None:
    kitchen = place(1)
    teach(user, "home", kitchen, 6)
    model_gives(near(kitchen, 99))

    result = classified(user, clip_wav)

    assert result.top_scene == "home"
    assert result.personal == {
        "scene": "home", "examples": 6, "weight": pytest.approx(6 / 9, abs=1e-4),
        "model_scene": "work_study", "model_confidence": pytest.approx(0.7),
    }
    assert result.confidence == pytest.approx(result.scene_probabilities["home"])
    assert result.timeline[0]["top_scene"] == "work_study"  # the timeline stays the model's


@pytest.mark.django_db
def test_other_users_and_other_model_versions_examples_do_not_count(user, other_user, clip_wav, model_gives) -> None:
    kitchen = place(1)
    teach(other_user, "home", kitchen, 6)
    teach(user, "home", kitchen, 6, model_version="older-front-end")
    model_gives(near(kitchen, 99))

    result = classified(user, clip_wav)

    assert result.top_scene == "work_study" and result.personal == {}


@pytest.mark.django_db
def test_a_model_without_embeddings_stores_none_and_leans_nothing(user, clip_wav, model_gives) -> None:
    teach(user, "home", place(1), 6)
    model_gives(None)

    result = classified(user, clip_wav)

    assert result.embedding is None and result.personal == {} and result.top_scene == "work_study"


# --- Corrections keep examples ----------------------------------------------------------------


def classified_recording(user: Any, embedding: np.ndarray | None, name: str = "kitchen.wav") -> Recording:
    recording = RecordingFactory.create(user=user, original_filename=name, scenes={"work_study": 0.7, "home": 0.3})
    assert recording.result is not None
    if embedding is not None:
        SceneResult.objects.filter(pk=recording.result.pk).update(embedding=personal.embedding_to_bytes(embedding))
    return Recording.objects.select_related("result").get(pk=recording.pk)


@pytest.mark.django_db
def test_a_correction_keeps_the_clips_embedding_as_a_personal_example(user) -> None:
    kitchen = place(1)
    recording = classified_recording(user, kitchen)

    scene_correction_set(user=user, recording=recording, scene="home")

    example = PersonalExample.objects.get(user=user)
    assert (example.scene, example.recording_id, example.source_name) == ("home", recording.pk, "kitchen.wav")
    assert example.model_version == "esc50-test-v1"
    assert float(np.dot(personal.embedding_from_bytes(example.embedding), kitchen)) == pytest.approx(1.0, abs=1e-3)


@pytest.mark.django_db
def test_correcting_the_same_recording_again_replaces_its_example(user) -> None:
    recording = classified_recording(user, place(1))
    scene_correction_set(user=user, recording=recording, scene="home")
    first = PersonalExample.objects.get(user=user)

    scene_correction_set(user=user, recording=recording, scene="work_study")

    again = PersonalExample.objects.get(user=user)
    assert (again.pk, again.scene) == (first.pk, "work_study")
    assert again.created_at > first.created_at


@pytest.mark.django_db
def test_a_recording_without_a_stored_embedding_keeps_the_correction_and_no_example(user) -> None:
    recording = classified_recording(user, None)

    correction = scene_correction_set(user=user, recording=recording, scene="home")

    assert correction.corrected_scene == "home"
    assert not PersonalExample.objects.filter(user=user).exists()
    assert services.personal_example_keep(user=user, recording=recording, scene="home") is None


@pytest.mark.django_db
def test_past_the_cap_the_oldest_examples_go(user, settings) -> None:
    settings.SCENES_PERSONAL_MAX_EXAMPLES = 2
    first, second, third = (classified_recording(user, place(seed), name=f"{seed}.wav") for seed in (1, 2, 3))

    for recording in (first, second, third):
        scene_correction_set(user=user, recording=recording, scene="home")

    assert set(PersonalExample.objects.filter(user=user).values_list("source_name", flat=True)) == {"2.wav", "3.wav"}


@pytest.mark.django_db
def test_an_example_outlives_its_recording_and_says_where_it_came_from(user) -> None:
    recording = classified_recording(user, place(1))
    scene_correction_set(user=user, recording=recording, scene="home")

    services.recording_delete(recording=recording)

    example = PersonalExample.objects.get(user=user)
    assert example.recording_id is None and example.source_name == "kitchen.wav"


@pytest.mark.django_db
def test_a_recordings_own_example_does_not_count_when_it_is_classified_again(user, clip_wav, model_gives) -> None:
    kitchen = place(1)
    model_gives(kitchen)
    recording = services.recording_create(user=user, upload=upload_file(clip_wav))
    services.recording_classify(recording_id=recording.id, job_id=recording.job_id)
    recording = Recording.objects.select_related("result").get(pk=recording.pk)
    services.personal_example_keep(user=user, recording=recording, scene="home")
    job = uuid.uuid4()
    Recording.objects.filter(pk=recording.pk).update(job_id=job, status=Recording.Status.QUEUED)

    services.recording_classify(recording_id=recording.id, job_id=job)

    result = Recording.objects.get(pk=recording.pk).result
    assert result is not None and result.personal == {} and result.top_scene == "work_study"
