"""Artifact round trip, checksum and feature checks, inference and the commands, on a tiny model."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from ml import inference
from ml.artifacts import (
    CHECKSUM_MESSAGE,
    CURRENT_FILE,
    FEATURES_MESSAGE,
    FORMAT_MESSAGE,
    load_metadata,
    resolve_model_dir,
)
from ml.errors import SILENT_MESSAGE, ModelArtifactError, SilentAudioError
from ml.features import windowed_features
from tests.ml.audio_helpers import encode
from tests.ml.conftest import crossvalidate_tiny, synth_clip, train_tiny

pytestmark = pytest.mark.trains


@pytest.fixture(autouse=True)
def fresh_model_cache() -> None:
    inference.reset()


def test_training_writes_an_artifact_with_complete_metadata(tiny_artifact: Path) -> None:
    metadata = load_metadata(tiny_artifact)

    assert metadata.version == "tiny-v1"
    assert metadata.arch == "seed"
    assert metadata.labels == ["rain", "siren"]
    assert metadata.label_to_scene == {"rain": "rain", "siren": "street"}
    assert metadata.feature_params["n_mels"] == 40 and metadata.feature_params["sample_rate"] == 22050
    assert metadata.data["train_folds"] == [1] and metadata.data["val_folds"] == [2]
    assert set(metadata.metrics["validation"]) >= {"accuracy", "macro_f1", "scene_accuracy", "n_clips"}
    assert metadata.training["seed"] == 3 and metadata.training["seconds"] > 0
    assert "keras" in metadata.library_versions and "librosa" in metadata.library_versions
    assert "ESC-50" in metadata.attribution
    assert len(metadata.weights_sha256) == 64
    assert (tiny_artifact / "ATTRIBUTION.md").is_file()
    assert not [p for p in tiny_artifact.parent.iterdir() if p.name.startswith(".")]  # no temp folder left


def test_the_current_file_names_the_version_to_load(tiny_artifact: Path) -> None:
    assert (tiny_artifact.parent / CURRENT_FILE).read_text().strip() == "tiny-v1"
    assert resolve_model_dir(tiny_artifact.parent / "current") == tiny_artifact


def test_a_loaded_artifact_classifies_a_file(model_dir: Path, tmp_path: Path) -> None:
    path = encode(tmp_path / "siren.ogg", synth_clip("siren", 3.0, 44100, np.random.default_rng(0)), 44100)

    result = inference.classify_file(path)

    assert set(result.scene_probabilities) == {"rain", "street"}
    assert sum(result.scene_probabilities.values()) == pytest.approx(1.0, abs=1e-4)
    assert result.top_scene in result.scene_probabilities
    assert result.confidence == result.scene_probabilities[result.top_scene]
    assert [label for label, _ in result.top_labels] in (["rain", "siren"], ["siren", "rain"])
    assert [(w["start_s"], w["end_s"]) for w in result.timeline] == [(0.0, 1.0), (1.0, 2.0), (2.0, 3.0)]
    assert result.model_version == "tiny-v1" == inference.active_model_version()
    assert result.processing_ms > 0


def test_samples_that_are_silent_are_refused_before_the_model(model_dir: Path) -> None:
    with pytest.raises(SilentAudioError) as caught:
        inference.classify_samples(np.zeros(44100, np.float32), 44100)
    assert caught.value.message == SILENT_MESSAGE


def test_loading_refuses_a_tampered_checksum(tiny_artifact: Path, tmp_path: Path) -> None:
    tampered = shutil.copytree(tiny_artifact, tmp_path / "tampered")
    weights = tampered / "model.keras"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))

    with pytest.raises(ModelArtifactError) as caught:
        inference.load_model(tampered)

    assert str(caught.value) == CHECKSUM_MESSAGE.format(path=weights)


def test_loading_refuses_feature_parameters_this_code_cannot_produce(tiny_artifact: Path, tmp_path: Path) -> None:
    changed = shutil.copytree(tiny_artifact, tmp_path / "changed")
    meta = json.loads((changed / "metadata.json").read_text())
    meta["feature_params"]["extractor"] = "kapre.Melspectrogram"
    (changed / "metadata.json").write_text(json.dumps(meta))

    with pytest.raises(ModelArtifactError) as caught:
        inference.load_model(changed)

    assert str(caught.value) == FEATURES_MESSAGE.format(path=changed, reason="extractor 'kapre.Melspectrogram'")


def test_warm_up_loads_the_model_once_per_process(model_dir: Path) -> None:
    inference.warm_up()
    first = inference.get_model()
    inference.warm_up()

    assert inference.get_model() is first


def test_the_same_seed_trains_the_same_weights(
    tiny_artifact: Path, synthetic_dataset: tuple[Path, Path], tmp_path: Path
) -> None:
    train_tiny(synthetic_dataset, tmp_path / "again")
    first, again = inference.load_model(tiny_artifact), inference.load_model(tmp_path / "again")
    x = np.random.default_rng(0).normal(-40, 10, (2, 44, 40)).astype(np.float32)

    assert np.array_equal(first.predict(x), again.predict(x))


def test_the_evaluate_command_prints_one_json_object(
    tiny_artifact: Path, synthetic_dataset: tuple[Path, Path], tmp_path: Path
) -> None:
    metadata, audio = synthetic_dataset
    out = StringIO()

    call_command(
        "evaluate_scene_model",
        metadata=str(metadata),
        audio_dir=str(audio),
        folds="2",
        model=str(tiny_artifact),
        json=True,
        plot=str(tmp_path / "cm.png"),
        stdout=out,
    )

    report = json.loads(out.getvalue())
    assert report["n_clips"] == 4 and report["model_version"] == "tiny-v1"
    assert {"accuracy", "macro_f1", "scene_accuracy"} <= set(report)
    assert (tmp_path / "cm.png").read_bytes()[:4] == b"\x89PNG"


def test_the_classify_command_prints_scenes_labels_and_timeline(model_dir: Path, tmp_path: Path) -> None:
    path = encode(tmp_path / "rain.flac", synth_clip("rain", 2.5, 16000, np.random.default_rng(1)), 16000)
    out = StringIO()

    call_command("classify_audio", str(path), json=True, stdout=out)

    report = json.loads(out.getvalue())
    assert report["model_version"] == "tiny-v1"
    assert len(report["timeline"]) == 3 and len(report["top_labels"]) == 2


def test_django_start_up_and_the_inference_module_do_not_import_tensorflow() -> None:
    code = (
        "import django, sys; django.setup(); "
        "import ml.inference, ml.decoding, ml.artifacts, ml.features, ml.scenes, ml.training.datasets; "
        "print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    )
    env = {"DJANGO_SETTINGS_MODULE": "soundscapify.settings.test", "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, check=True
    )

    assert out.stdout.split() == ["False", "False"]


def test_the_evaluate_command_prints_metrics_recalls_and_the_confusion_matrix(
    model_dir: Path, synthetic_dataset: tuple[Path, Path]
) -> None:
    metadata, audio = synthetic_dataset
    out = StringIO()

    call_command("evaluate_scene_model", metadata=str(metadata), audio_dir=str(audio), folds="1,2", stdout=out)

    text = out.getvalue()
    assert "model tiny-v1: 8 clips" in text
    for heading in ("accuracy", "macro-F1", "scene accuracy", "per-class recall:", "confusion matrix"):
        assert heading in text
    assert "  rain " in text and "  siren " in text


def test_a_model_trained_with_time_shifts_averages_them_at_inference(
    synthetic_dataset: tuple[Path, Path], tmp_path: Path, settings: object
) -> None:
    train_tiny(synthetic_dataset, tmp_path / "shifted", time_shifts=4)
    settings.SCENE_MODEL_DIR = tmp_path / "shifted"  # type: ignore[attr-defined]
    samples = synth_clip("siren", 2.0, 22050, np.random.default_rng(5))

    result = inference.classify_samples(samples, 22050)

    loaded = inference.get_model()
    params = loaded.metadata.features
    windows = windowed_features(samples, 22050, params).features
    frames = params.frames_per_window
    views = [loaded.predict(np.roll(windows, k * frames // 4, axis=1)) for k in range(4)]
    assert loaded.metadata.test_time_shifts == 4
    assert dict(result.top_labels) == pytest.approx(dict(zip(loaded.metadata.labels, np.mean(views, axis=(0, 1)))))
    assert not np.allclose(views[0], views[1])  # the shifts are different views, so averaging them matters


@pytest.mark.parametrize("shifts", [0, 45, "4"])
def test_loading_refuses_a_time_shift_count_it_cannot_apply(
    tiny_artifact: Path, tmp_path: Path, shifts: object
) -> None:
    changed = shutil.copytree(tiny_artifact, tmp_path / "changed")
    meta = json.loads((changed / "metadata.json").read_text())
    meta["test_time_shifts"] = shifts  # the seed network's windows have 44 frames
    (changed / "metadata.json").write_text(json.dumps(meta))

    with pytest.raises(ModelArtifactError) as caught:
        inference.load_model(changed)

    assert str(caught.value) == FORMAT_MESSAGE.format(path=changed, reason=f"test_time_shifts {shifts!r}")


def test_crossvalidation_reuses_each_stored_fold_network_for_other_time_shifts(
    synthetic_dataset: tuple[Path, Path], tmp_path: Path
) -> None:
    def crossvalidate(**options: object) -> str:
        return crossvalidate_tiny(synthetic_dataset, tmp_path / "cv", **options)

    trained = crossvalidate()
    shifted = crossvalidate(time_shifts=2)
    again = crossvalidate(time_shifts=2)

    assert trained.count("held out ---") == 2
    assert "held out" not in shifted and shifted.count("predicting with") == 2
    report = json.loads(shifted.splitlines()[-1])
    assert report["test_time_shifts"] == 2 and [f["seconds"] for f in report["per_fold"]] == [None, None]
    assert again.count("reusing") == 2 and json.loads(again.splitlines()[-1]) == report


@pytest.mark.parametrize("command", ["train_scene_model", "crossvalidate_scene_model"])
def test_a_log_mel_recipe_refuses_an_ensemble_before_training(
    command: str, synthetic_dataset: tuple[Path, Path], tmp_path: Path
) -> None:
    metadata, audio = synthetic_dataset
    out = StringIO()
    options = {"train_folds": "1", "output": str(tmp_path / "pair")} if command == "train_scene_model" else {}

    with pytest.raises(CommandError, match=r"^--ensemble: seed trains one network; only yamnet-lstm averages several$"):
        call_command(
            command, metadata=str(metadata), audio_dir=str(audio), arch="seed", ensemble=2, stdout=out, **options
        )

    assert out.getvalue() == "" and not (tmp_path / "pair").exists()


def test_crossvalidation_refuses_a_fold_without_clips_before_training(
    synthetic_dataset: tuple[Path, Path], tmp_path: Path
) -> None:
    metadata, audio = synthetic_dataset
    out = StringIO()

    with pytest.raises(CommandError, match=r"^No clips in folds \[3, 4\] of .*esc50.csv\.$"):
        call_command("crossvalidate_scene_model", metadata=str(metadata), audio_dir=str(audio), arch="seed", stdout=out)

    assert out.getvalue() == ""


def test_training_in_a_fresh_process_applies_its_thread_count(
    synthetic_dataset: tuple[Path, Path], tmp_path: Path
) -> None:
    # Nothing may build a network before SCENE_TRAIN_THREADS is applied: that would fix TensorFlow's
    # threads first (a fresh process, as a training run is).
    metadata, audio = synthetic_dataset
    env = {
        "DJANGO_SETTINGS_MODULE": "soundscapify.settings.test",
        "PATH": "/usr/bin:/bin",
        "SCENE_TRAIN_THREADS": "1",
    }
    command = [sys.executable, "manage.py", "train_scene_model", "--metadata", str(metadata), "--audio-dir"]
    command += [str(audio), "--train-folds", "1", "--arch", "seed", "--epochs", "1", "--no-cache"]
    command += ["--output", str(tmp_path / "threads-v1")]

    out = subprocess.run(command, cwd=settings.BASE_DIR, env=env, capture_output=True, text=True)

    assert out.returncode == 0, out.stderr[-2000:]
    assert load_metadata(tmp_path / "threads-v1").training["epochs"] == 1


@pytest.mark.parametrize("command", ["train_scene_model", "crossvalidate_scene_model"])
@pytest.mark.parametrize("option", ["--epochs", "--time-shifts", "--ensemble"])
def test_training_commands_refuse_a_count_below_one_before_reading_any_data(
    command: str, option: str, tmp_path: Path
) -> None:
    missing = str(tmp_path / "no-such.csv")

    with pytest.raises(CommandError, match=r"expected a whole number of at least 1, got '0'"):
        call_command(command, "--metadata", missing, "--audio-dir", str(tmp_path), option, "0")
