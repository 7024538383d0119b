"""Fixtures for the scene model: synthetic datasets and one tiny trained artifact per session."""

from __future__ import annotations

import csv
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from django.conf import settings

from ml.artifacts import resolve_model_dir
from ml.errors import ModelArtifactError

SYNTH_LABELS = ("rain", "siren")
SHIPPED = Path(settings.BASE_DIR) / "ml" / "artifacts" / "current"


def shipped_model_dir() -> Path | None:
    """The committed artifact that ml/artifacts/CURRENT names, or None when there is none."""
    try:
        return resolve_model_dir(SHIPPED)
    except ModelArtifactError:
        return None


def use_shipped_model(settings: object, data_file: Path) -> Path:
    """Point inference at the shipped model for a test on real data; skips without either."""
    if not data_file.is_file():
        pytest.skip(f"{data_file.parent} is absent")
    model_dir = shipped_model_dir()
    if model_dir is None:
        pytest.skip("no shipped model artifact")
    settings.SCENE_MODEL_DIR = model_dir  # type: ignore[attr-defined]
    from ml import inference

    inference.reset()
    return model_dir


def synth_clip(label: str, duration_s: float, sample_rate: int, rng: np.random.Generator) -> np.ndarray:
    """Rain is broadband noise; a siren is a sweeping tone."""
    n = int(duration_s * sample_rate)
    if label == "rain":
        return (0.1 * rng.standard_normal(n)).astype(np.float32)
    t = np.arange(n) / sample_rate
    freq = 700 + 300 * np.sin(2 * np.pi * 0.5 * t + rng.uniform(0, 6))
    return (0.3 * np.sin(2 * np.pi * np.cumsum(freq) / sample_rate)).astype(np.float32)


def write_esc50_dataset(root: Path, clips_per_fold: int = 2, folds: tuple[int, ...] = (1, 2)) -> tuple[Path, Path]:
    """An ESC-50-shaped dataset of 2-second FLAC clips; returns (metadata CSV, audio dir)."""
    audio = root / "audio"
    audio.mkdir(parents=True)
    rng = np.random.default_rng(1)
    rows = []
    for fold in folds:
        for target, label in enumerate(SYNTH_LABELS):
            for k in range(clips_per_fold):
                name = f"{fold}-{k}{target}-A-{target}.flac"
                sf.write(audio / name, synth_clip(label, 2.0, 16000, rng), 16000)
                rows.append(
                    {
                        "filename": name,
                        "fold": fold,
                        "target": target,
                        "category": label,
                        "esc10": "FALSE",
                        "src_file": f"{k}{target}",
                        "take": "A",
                    }
                )
    return write_esc50_metadata(root, rows, "synthetic test clips"), audio


def write_esc50_metadata(root: Path, rows: list[dict[str, object]], license_text: str) -> Path:
    """esc50.csv with `rows`, and the LICENSE file the artifacts' attribution quotes."""
    metadata = root / "esc50.csv"
    with open(metadata, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    (root / "LICENSE").write_text(license_text + "\n")
    return metadata


@pytest.fixture(scope="session")
def synthetic_dataset(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return write_esc50_dataset(tmp_path_factory.mktemp("esc50"))


@pytest.fixture(scope="session")
def tiny_artifact(
    synthetic_dataset: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory, django_db_blocker: object
) -> Path:
    """The seed network trained for one epoch by the real command on the synthetic dataset."""
    output = tmp_path_factory.mktemp("models") / "tiny-v1"
    train_tiny(synthetic_dataset, output, make_current=True)
    return output


def train_tiny(dataset: tuple[Path, Path], output: Path, **options: object) -> None:
    from django.core.management import call_command

    metadata, audio = dataset
    call_command(
        "train_scene_model",
        metadata=str(metadata),
        audio_dir=str(audio),
        output=str(output),
        no_cache=True,
        stdout=StringIO(),
        **{"arch": "seed", "train_folds": "1", "val_folds": "2", "epochs": 1, "seed": 3, **options},
    )


def crossvalidate_tiny(dataset: tuple[Path, Path], store: Path, **options: object) -> str:
    """Cross-validate the seed network for one epoch on the synthetic folds 1 and 2; returns what it printed."""
    from django.core.management import call_command

    metadata, audio = dataset
    out = StringIO()
    call_command(
        "crossvalidate_scene_model",
        metadata=str(metadata),
        audio_dir=str(audio),
        folds="1,2",
        arch="seed",
        epochs=1,
        json=True,
        store_dir=str(store),
        stdout=out,
        **options,
    )
    return out.getvalue()


@pytest.fixture
def model_dir(tiny_artifact: Path, settings: object) -> Path:
    """Point the inference module at the tiny artifact."""
    settings.SCENE_MODEL_DIR = tiny_artifact  # type: ignore[attr-defined]
    return tiny_artifact


def write_ambience_dataset(root: Path) -> tuple[Path, Path]:
    """Two 6-second recordings labelled with scenes (filename, scene); returns (metadata CSV, audio dir)."""
    audio = root / "audio"
    audio.mkdir(parents=True)
    rng = np.random.default_rng(2)
    rows = [("rainy-window.flac", "rain", "rain"), ("busy-road.flac", "street", "siren")]
    for name, _, sound in rows:
        sf.write(audio / name, synth_clip(sound, 6.0, 16000, rng), 16000)
    metadata = root / "ambience.csv"
    metadata.write_text("filename,scene,source,license\n" + "".join(f"{n},{s},synthetic,CC0\n" for n, s, _ in rows))
    return metadata, audio


@pytest.fixture(scope="session")
def yamnet_artifact(
    synthetic_dataset: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory, django_db_blocker: object
) -> Path:
    """The shipped recipe's network trained for one epoch by the real command, YAMNet inside."""
    from django.core.management import call_command

    from tests.ml.test_yamnet import yamnet_dir

    ambience_metadata, ambience_audio = write_ambience_dataset(tmp_path_factory.mktemp("ambience"))
    output = tmp_path_factory.mktemp("models") / "tiny-yamnet-v1"
    metadata, audio = synthetic_dataset
    call_command(
        "train_scene_model",
        metadata=str(metadata),
        audio_dir=str(audio),
        ambience_metadata=str(ambience_metadata),
        ambience_audio_dir=str(ambience_audio),
        front_end_dir=str(yamnet_dir()),
        train_folds="1,2",
        epochs=1,
        no_cache=True,
        output=str(output),
        stdout=StringIO(),
    )
    return output
