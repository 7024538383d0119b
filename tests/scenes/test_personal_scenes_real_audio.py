"""Personal scenes on a real recording, with the shipped model (on CPU: each clip costs well
under a second once the model is loaded).

An office the model calls "work & study" is someone's home: four parts of the recording,
corrected to home, teach it; a held-out part of the same recording then moves to home, a
street does not, and forgetting the examples moves the held-out part back.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ml.decoding import decode_audio
from recommendations.services.feedback import scene_correction_set
from scenes import services
from scenes.models import PersonalExample, Recording, SceneResult
from tests.ml.conftest import use_shipped_model
from tests.scenes.helpers import SHARED_DIR, encode, upload_file

pytestmark = [pytest.mark.shared_data, pytest.mark.django_db]

AMBIENCE = SHARED_DIR / "data" / "ambience" / "audio"
OFFICE = AMBIENCE / "moodist_places_office.opus"
STREET = AMBIENCE / "moodist_urban_busy-street.opus"
SAMPLE_RATE = 16000
PART_S = 5.0
TAUGHT_AT_S = (20.0, 40.0, 60.0, 100.0)
HELD_OUT_AT_S = 80.0  # five seconds that no taught part overlaps


@pytest.fixture
def shipped(settings: Any) -> Path:
    model_dir = use_shipped_model(settings, OFFICE)
    settings.SCENES_RECORDINGS_PER_HOUR = 100
    return model_dir


@cache
def decoded(path: Path) -> np.ndarray:
    return decode_audio(path, target_sr=SAMPLE_RATE).samples


def part(path: Path, start_s: float) -> np.ndarray:
    samples = decoded(path)
    return samples[int(start_s * SAMPLE_RATE) : int((start_s + PART_S) * SAMPLE_RATE)]


def classified(user: Any, samples: np.ndarray, name: str) -> Recording:
    recording = services.recording_create(user=user, upload=upload_file(encode(samples, SAMPLE_RATE), name=name))
    services.recording_classify(recording_id=recording.id, job_id=recording.job_id)
    return Recording.objects.select_related("result").get(pk=recording.pk)


def classified_again(recording: Recording) -> SceneResult:
    recording = services.recording_reclassify(recording=recording)
    services.recording_classify(recording_id=recording.id, job_id=recording.job_id)
    result = Recording.objects.select_related("result").get(pk=recording.pk).result
    assert result is not None
    return result


def test_a_taught_place_moves_a_held_out_part_of_it_and_forgetting_moves_it_back(shipped, user) -> None:
    held_out = classified(user, part(OFFICE, HELD_OUT_AT_S), "held-out.wav")
    assert held_out.result is not None
    model_scene = held_out.result.top_scene
    assert model_scene != "home"
    for start in TAUGHT_AT_S:
        taught = classified(user, part(OFFICE, start), f"office-{start:.0f}.wav")
        scene_correction_set(user=user, recording=taught, scene="home")
    assert PersonalExample.objects.filter(user=user, scene="home").count() == len(TAUGHT_AT_S)

    leaned = classified_again(held_out)

    assert leaned.top_scene == "home"
    assert leaned.personal["scene"] == "home" and leaned.personal["model_scene"] == model_scene
    assert leaned.personal["examples"] >= 3  # most of the taught parts are close, so they decide

    services.personal_examples_delete_all(user=user)
    restored = classified_again(held_out)

    assert restored.top_scene == model_scene and restored.personal == {}


def test_a_place_that_sounds_different_keeps_the_models_answer(shipped, user) -> None:
    for start in TAUGHT_AT_S:
        taught = classified(user, part(OFFICE, start), f"office-{start:.0f}.wav")
        scene_correction_set(user=user, recording=taught, scene="home")

    street = classified(user, part(STREET, 10.0), "street.wav")

    assert street.result is not None
    assert street.result.top_scene == "street" and street.result.personal == {}
