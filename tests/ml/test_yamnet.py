"""The YAMNet front end: Google's reference file, its embedding and its scores."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from django.conf import settings

from ml.loudness import normalise_loudness
from ml.yamnet import (
    CLASS_MAP_FILE,
    EMBEDDING_SIZE,
    MODEL_FILE,
    N_CLASSES,
    PATCH_SAMPLES,
    SAMPLE_RATE,
    YamnetFrontEnd,
    frame_starts,
    read_class_names,
)
from tests.ml.conftest import shipped_model_dir

SHARED_YAMNET = Path(settings.BASE_DIR).parent / "shared" / "models" / "yamnet"
FC_WEIGHTS = "tower0/network/layer29/fc/MatMul"
FC_BIASES = "network/layer29/fc/biases"


def yamnet_dir() -> Path:
    """The shipped artifact carries YAMNet; ../shared has the original."""
    for folder in (shipped_model_dir(), SHARED_YAMNET):
        if folder is not None and (folder / MODEL_FILE).is_file():
            return folder
    pytest.skip("no yamnet.tflite in the shipped artifact or ../shared")


@pytest.fixture(scope="module")
def front_end() -> YamnetFrontEnd:
    return YamnetFrontEnd(yamnet_dir() / MODEL_FILE)


@pytest.fixture(scope="module")
def class_names() -> list[str]:
    return read_class_names(yamnet_dir() / CLASS_MAP_FILE)


def tone(seconds: float, amplitude: float) -> np.ndarray:
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return (amplitude * np.sin(2 * np.pi * 1000.0 * t)).astype(np.float32)


def test_frames_cover_the_clip_with_the_last_one_padded() -> None:
    assert list(frame_starts(PATCH_SAMPLES)) == [0]
    assert list(frame_starts(PATCH_SAMPLES + 1000)) == [0]  # under a quarter of a hop: no patch of its own
    assert list(frame_starts(PATCH_SAMPLES + 2000)) == [0, 7680]
    assert len(frame_starts(10 * SAMPLE_RATE)) == 20
    assert len(frame_starts(100)) == 1


def test_every_other_frame_is_the_same_grid_that_training_picks_from() -> None:
    for n_samples in range(PATCH_SAMPLES - 100, 40 * SAMPLE_RATE, 997):
        assert list(frame_starts(n_samples, stride=2)) == list(frame_starts(n_samples)[::2])


def test_it_gives_an_embedding_and_audioset_scores_per_frame(front_end: YamnetFrontEnd) -> None:
    output = front_end.run(tone(3.0, 0.1), stride=2)

    assert output.embeddings.shape == (3, EMBEDDING_SIZE)
    assert output.scores.shape == (3, N_CLASSES)
    assert list(output.starts_s) == [0.0, 0.96, 1.92]
    assert ((output.scores >= 0) & (output.scores <= 1)).all()


def test_the_embedding_is_the_one_yamnet_classifies_from(front_end: YamnetFrontEnd) -> None:
    """Through YAMNet's own classifier layer, the embedding we read gives the scores YAMNet gives."""
    weights, biases = _classifier(yamnet_dir() / MODEL_FILE)
    rng = np.random.default_rng(0)
    patch = (0.1 * rng.standard_normal(PATCH_SAMPLES)).astype(np.float32)

    embedding, scores = front_end.frame(patch)

    recomputed = 1.0 / (1.0 + np.exp(-(weights @ embedding + biases)))
    assert np.corrcoef(recomputed, scores)[0, 1] > 0.99
    assert np.abs(recomputed - scores).max() < 0.05


def test_a_tone_is_heard_as_a_beep_at_a_loud_and_a_quiet_level(
    front_end: YamnetFrontEnd, class_names: list[str]
) -> None:
    for amplitude in (0.3, 0.003):
        scores = front_end.run(normalise_loudness(tone(2.0, amplitude), SAMPLE_RATE)).scores.mean(axis=0)

        assert class_names[int(scores.argmax())] == "Beep, bleep"


def test_the_class_map_lists_the_521_classes_in_order(class_names: list[str]) -> None:
    assert len(class_names) == N_CLASSES
    assert class_names[0] == "Speech"
    assert "Rail transport" in class_names and "Outside, urban or manmade" in class_names


def test_a_file_that_is_not_yamnet_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.tflite"
    other.write_bytes(b"not a model")

    with pytest.raises(ValueError):
        YamnetFrontEnd(other)


def _classifier(model: Path) -> tuple[np.ndarray, np.ndarray]:
    """YAMNet's last layer, dequantised, read from the reference file itself."""
    import tensorflow as tf

    interpreter = tf.lite.Interpreter(model_path=str(model))
    interpreter.allocate_tensors()
    details = {d["name"]: d for d in interpreter.get_tensor_details()}
    weights, biases = details[FC_WEIGHTS], details[FC_BIASES]
    return (
        interpreter.get_tensor(weights["index"]).astype(np.float32) * weights["quantization"][0],
        interpreter.get_tensor(biases["index"]).astype(np.float32) * biases["quantization"][0],
    )
