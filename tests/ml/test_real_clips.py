"""The shipped model on real ESC-50 recordings, where ../shared holds them."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from django.conf import settings

from ml import inference
from ml.artifacts import load_metadata
from ml.scenes import AMBIENCE_PREFIX
from tests.ml.conftest import use_shipped_model

pytestmark = [pytest.mark.shared_data, pytest.mark.trains]

ESC50 = Path(settings.BASE_DIR).parent / "shared" / "data" / "esc50"
# Clear examples of six scenes. The shipped model saw folds 1-4 in training (fold 5 is
# kept aside), so this checks the shipped artifact and the pipeline end to end on real
# recordings, not the model's accuracy: RESULTS.md reports that, cross-validated. The likeliest
# event label (the scene head's `ambience:` labels aside) is the clip's own.
CLIPS = (
    "2-117625-A-10.flac",  # rain
    "1-39901-B-11.flac",  # sea_waves
    "2-30322-A-12.flac",  # crackling_fire
    "3-149189-A-1.flac",  # rooster
    "3-62878-A-42.flac",  # siren
    "2-99795-A-32.flac",  # keyboard_typing
)


@pytest.fixture
def shipped(settings: object) -> Path:
    return use_shipped_model(settings, ESC50 / "esc50.csv")


def _labels() -> dict[str, str]:
    with open(ESC50 / "esc50.csv", newline="") as handle:
        return {row["filename"]: row["category"] for row in csv.DictReader(handle)}


@pytest.mark.parametrize("filename", CLIPS)
def test_the_shipped_model_recognises_a_real_recording(shipped: Path, filename: str) -> None:
    label = _labels()[filename]
    mapping = load_metadata(shipped).label_to_scene

    result = inference.classify_file(ESC50 / "audio" / filename)

    events = [name for name, _ in result.top_labels if not name.startswith(AMBIENCE_PREFIX)]
    assert events[0] == label
    assert result.top_scene == mapping[label]
    assert result.model_version == load_metadata(shipped).version
