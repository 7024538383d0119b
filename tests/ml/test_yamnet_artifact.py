"""The shipped recipe's artifact: YAMNet inside, checked at load, served with the LSTM head."""

from __future__ import annotations

import json
import shutil
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command

from ml import inference
from ml.artifacts import FRONT_END_CHECKSUM_MESSAGE, load_metadata
from ml.errors import ModelArtifactError
from ml.scenes import SCENES, ambience_label
from ml.training.recipes import SHIPPED_RECIPE
from ml.yamnet import CLASS_MAP_FILE, MODEL_FILE, read_class_names
from tests.ml.audio_helpers import encode
from tests.ml.conftest import synth_clip

pytestmark = pytest.mark.trains


@pytest.fixture(autouse=True)
def fresh_model_cache() -> None:
    inference.reset()


def test_the_artifact_carries_yamnet_with_its_licence_notice_and_checksums(yamnet_artifact: Path) -> None:
    metadata = load_metadata(yamnet_artifact)

    assert metadata.arch == SHIPPED_RECIPE
    assert {MODEL_FILE, CLASS_MAP_FILE, "LICENSE-yamnet.txt", "NOTICE-yamnet.md", "ATTRIBUTION.md"} <= {
        path.name for path in yamnet_artifact.iterdir()
    }
    assert "Apache License" in (yamnet_artifact / "LICENSE-yamnet.txt").read_text()
    assert len(metadata.front_end["model_sha256"]) == 64
    assert metadata.labels == ["rain", "siren"] + [ambience_label(scene) for scene in SCENES]
    assert metadata.label_to_scene["ambience:street"] == "street"
    assert metadata.training["n_params"] < 1_000_000
    assert metadata.data["ambience"]["n_files"] == 2


def test_a_loaded_yamnet_model_reports_scenes_timeline_and_what_it_heard(yamnet_artifact: Path, tmp_path: Path) -> None:
    loaded = inference.load_model(yamnet_artifact)
    samples = synth_clip("siren", 12.0, 16000, np.random.default_rng(4))

    result = inference.classify_samples(samples, 16000, model=loaded)

    assert sum(result.scene_probabilities.values()) == pytest.approx(1.0, abs=1e-4)
    # 12 frames 0.96 s apart, in windows of 5 frames 3 apart, the last one flush with the end.
    assert [window["start_s"] for window in result.timeline] == [0.0, 2.88, 5.76, 6.72]
    # The last patch (10.56 s) ends 0.975 s later; the 0.465 s after it fall between patches.
    assert result.timeline[-1]["end_s"] == pytest.approx(11.535)
    names = read_class_names(yamnet_artifact / CLASS_MAP_FILE)
    assert len(result.heard) == 5 and all(name in names for name, _ in result.heard)
    assert result.heard == sorted(result.heard, key=lambda item: -item[1])


def test_a_clip_shorter_than_a_window_is_classified(yamnet_artifact: Path) -> None:
    loaded = inference.load_model(yamnet_artifact)

    result = inference.classify_samples(synth_clip("rain", 1.2, 16000, np.random.default_rng(5)), 16000, model=loaded)

    assert len(result.timeline) == 1 and result.duration_s == pytest.approx(1.2)


def test_loading_refuses_a_tampered_front_end(yamnet_artifact: Path, tmp_path: Path) -> None:
    tampered = shutil.copytree(yamnet_artifact, tmp_path / "tampered")
    front_end = tampered / MODEL_FILE
    data = bytearray(front_end.read_bytes())
    data[len(data) // 2] ^= 0xFF
    front_end.write_bytes(bytes(data))

    with pytest.raises(ModelArtifactError) as caught:
        inference.load_model(tampered)

    assert str(caught.value) == FRONT_END_CHECKSUM_MESSAGE.format(path=front_end)


@pytest.mark.parametrize("field", ["model_file", "weights_file"])
def test_loading_refuses_a_file_outside_the_artifact_even_with_the_right_checksum(
    yamnet_artifact: Path, tmp_path: Path, field: str
) -> None:
    changed = shutil.copytree(yamnet_artifact, tmp_path / "changed")
    meta = json.loads((changed / "metadata.json").read_text())
    original = meta["front_end"]["model_file"] if field == "model_file" else meta["weights_file"]
    (tmp_path / "elsewhere").mkdir()
    shutil.copyfile(changed / original, tmp_path / "elsewhere" / original)
    (changed / original).unlink()
    if field == "model_file":
        meta["front_end"]["model_file"] = f"../elsewhere/{original}"
    else:
        meta["weights_file"] = f"../elsewhere/{original}"
    (changed / "metadata.json").write_text(json.dumps(meta))

    with pytest.raises(ModelArtifactError):
        inference.load_model(changed)


def test_the_windows_inference_cuts_are_the_ones_training_learned_from(yamnet_artifact: Path) -> None:
    """For clips of many lengths: the same YAMNet frames, the same windows, the same padding."""
    from ml.loudness import normalise_loudness
    from ml.training.scene_lstm import SCENE_LSTM_RECIPE, frame_sequence, sequence_windows

    loaded = inference.load_model(yamnet_artifact)
    rng = np.random.default_rng(6)
    for seconds in (1.0, 1.22, 2.3, 4.8, 5.0, 7.3, 10.0, 12.0):
        samples = synth_clip("rain", seconds, 16000, rng)
        # Training: YAMNet's whole 0.48-s grid on the normalised clip, then every other frame.
        grid = loaded.pipeline._front_end.run(normalise_loudness(samples, 16000))  # type: ignore[attr-defined]
        expected = sequence_windows(frame_sequence(grid.embeddings, SCENE_LSTM_RECIPE), SCENE_LSTM_RECIPE)

        windows = loaded.pipeline.windows(samples, 16000)

        np.testing.assert_allclose(windows.inputs, expected, atol=1e-6, err_msg=f"{seconds} s")
        assert windows.ends_s[-1] <= seconds + 1e-9


def test_windows_of_digital_silence_are_left_out_of_the_clip(yamnet_artifact: Path) -> None:
    loaded = inference.load_model(yamnet_artifact)
    sound = synth_clip("siren", 4.0, 16000, np.random.default_rng(7))
    samples = np.concatenate([sound, np.zeros(9 * 16000, dtype=np.float32)])

    windows, window_probs, clip = inference.clip_probabilities(loaded, samples, 16000)

    assert not windows.silent[0] and windows.silent[-1]
    np.testing.assert_allclose(clip, window_probs[~windows.silent].mean(axis=0), atol=1e-6)
    assert not np.allclose(clip, window_probs.mean(axis=0), atol=1e-4)


def test_the_classify_command_keeps_top_scene_and_adds_what_it_heard(
    yamnet_artifact: Path, tmp_path: Path, settings: object
) -> None:
    settings.SCENE_MODEL_DIR = yamnet_artifact  # type: ignore[attr-defined]
    path = encode(tmp_path / "rain.ogg", synth_clip("rain", 3.0, 44100, np.random.default_rng(1)), 44100)
    out = StringIO()

    call_command("classify_audio", str(path), json=True, stdout=out)

    report = json.loads(out.getvalue())
    assert report["top_scene"] in SCENES
    assert report["model_version"] == "tiny-yamnet-v1"
    assert len(report["heard"]) == 5


def test_the_evaluate_command_scores_ambience_files_at_two_levels(yamnet_artifact: Path, tmp_path: Path) -> None:
    from tests.ml.conftest import write_ambience_dataset

    metadata, audio = write_ambience_dataset(tmp_path / "ambience")
    out = StringIO()

    call_command(
        "evaluate_scene_model", metadata=str(metadata), audio_dir=str(audio), model=str(yamnet_artifact),
        json=True, stdout=out,
    )

    report = json.loads(out.getvalue())
    assert report["n_files"] == 2
    assert {f["filename"] for f in report["files"]} == {"rainy-window.flac", "busy-road.flac"}
    assert 0.0 <= report["scene_accuracy_own_level"] <= 1.0 and 0.0 <= report["scene_accuracy_15db_quieter"] <= 1.0
    assert report["files"][0]["level_dbfs"] == pytest.approx(-20.0, abs=1.5)
