"""The shipped model on real ambience recordings, where ../shared holds them.

The shipped model learned from every one of these files, so this checks the artifact and the
pipeline end to end on real places (decoding Opus, loudness, YAMNet, the head, the table),
not its accuracy: ml/RESULTS.md reports that, cross-validated by file.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings

from ml import inference
from ml.decoding import decode_audio
from ml.loudness import at_level
from tests.ml.conftest import use_shipped_model

pytestmark = [pytest.mark.shared_data, pytest.mark.trains]

AMBIENCE = Path(settings.BASE_DIR).parent / "shared" / "data" / "ambience"
# One recording of each kind of place a person is likely to be in.
FILES = (
    "moodist_urban_busy-street.opus",
    "moodist_transport_inside-a-train.opus",
    "moodist_places_cafe.opus",
    "blanket_rain.opus",
    "moodist_nature_jungle.opus",
    "blanket_waves.opus",
)


@pytest.fixture
def shipped(settings: object) -> Path:
    return use_shipped_model(settings, AMBIENCE / "ambience.csv")


def _scenes() -> dict[str, str]:
    with open(AMBIENCE / "ambience.csv", newline="") as handle:
        return {row["filename"]: row["scene"] for row in csv.DictReader(handle)}


@pytest.mark.parametrize("filename", FILES)
def test_the_shipped_model_puts_a_real_place_in_its_scene(shipped: Path, filename: str) -> None:
    result = inference.classify_file(AMBIENCE / "audio" / filename)

    assert result.top_scene == _scenes()[filename]
    assert result.heard and result.model_version == shipped.name


def test_a_quiet_phone_and_a_loud_one_hear_the_same_street(shipped: Path) -> None:
    samples = decode_audio(AMBIENCE / "audio" / "moodist_urban_busy-street.opus", target_sr=16000).samples
    clip = samples[: 10 * 16000]

    quiet = inference.classify_samples(at_level(clip, 16000, -50.0), 16000)
    loud = inference.classify_samples(at_level(clip, 16000, -20.0), 16000)

    assert quiet.top_scene == loud.top_scene == "street"
    assert np.allclose(list(quiet.scene_probabilities.values()), list(loud.scene_probabilities.values()), atol=0.05)
