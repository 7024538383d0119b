"""Versioned model artifacts: a folder with the Keras file and metadata.json.

A model with a pretrained front end (YAMNet) carries it in the same folder, with its
licence and notice, and metadata.json records its checksum too. Loading checks every
checksum and the feature or front-end parameters and fails loudly on a mismatch. Writing
goes to a temporary folder that is renamed into place when complete.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ml.errors import ModelArtifactError
from ml.features import FeatureParams
from ml.yamnet import YamnetParams

FORMAT_VERSION = 1
METADATA_FILE = "metadata.json"
WEIGHTS_FILE = "model.keras"
CURRENT_FILE = "CURRENT"
MISSING_MESSAGE = "No scene model found at {path}."
CHECKSUM_MESSAGE = (
    "The scene model's weights at {path} do not match the checksum in its metadata: "
    "the artifact is corrupt or was tampered with."
)
FEATURES_MESSAGE = "The scene model at {path} declares feature parameters this code cannot produce: {reason}."
FORMAT_MESSAGE = "The scene model at {path} has an unreadable metadata.json: {reason}."
FEATURE_EXTRACTOR = "librosa.melspectrogram+power_to_db"
FRONT_END_CHECKSUM_MESSAGE = (
    "The scene model's front end {path} does not match the checksum in its metadata: "
    "the artifact is corrupt or was tampered with."
)


@dataclass
class ModelMetadata:
    version: str
    arch: str
    labels: list[str]
    label_to_scene: dict[str, str]
    feature_params: dict[str, Any]
    weights_sha256: str
    weights_file: str = WEIGHTS_FILE
    # How many circular time shifts of each window inference averages (1: the window as it is).
    test_time_shifts: int = 1
    format_version: int = FORMAT_VERSION
    scenes: dict[str, str] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)
    library_versions: dict[str, str] = field(default_factory=dict)
    attribution: str = ""
    created_at: str = ""
    # A pretrained front end shipped beside the weights (ml.yamnet.YamnetParams); empty: log-mel features.
    front_end: dict[str, Any] = field(default_factory=dict)

    @property
    def features(self) -> FeatureParams:
        return FeatureParams.from_dict(self.feature_params)

    @property
    def yamnet(self) -> YamnetParams | None:
        return YamnetParams.from_dict(self.front_end) if self.front_end else None

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=False) + "\n"


def resolve_model_dir(path: str | Path) -> Path:
    """The artifact folder: `path` itself, or the version that `path.parent/CURRENT` names."""
    path = Path(path)
    if (path / METADATA_FILE).is_file():
        return path
    current = path.parent / CURRENT_FILE
    if current.is_file():
        name = current.read_text(encoding="utf-8").strip()
        candidate = path.parent / name
        if _is_plain_name(name) and (candidate / METADATA_FILE).is_file():
            return candidate
    raise ModelArtifactError(MISSING_MESSAGE.format(path=path))


def load_metadata(model_dir: str | Path) -> ModelMetadata:
    """Read metadata.json; raises ModelArtifactError when missing or malformed."""
    model_dir = resolve_model_dir(model_dir)
    try:
        raw = json.loads((model_dir / METADATA_FILE).read_text(encoding="utf-8"))
        known = {f for f in ModelMetadata.__dataclass_fields__}
        metadata = ModelMetadata(**{k: v for k, v in raw.items() if k in known})
    except (ValueError, TypeError) as exc:
        raise ModelArtifactError(FORMAT_MESSAGE.format(path=model_dir, reason=exc)) from exc
    if metadata.format_version != FORMAT_VERSION:
        raise ModelArtifactError(FORMAT_MESSAGE.format(path=model_dir, reason=f"format {metadata.format_version}"))
    return metadata


def verify_artifact(model_dir: str | Path) -> tuple[Path, ModelMetadata]:
    """Check checksum and feature parameters; returns (weights path, metadata) or raises ModelArtifactError."""
    model_dir = resolve_model_dir(model_dir)
    metadata = load_metadata(model_dir)
    weights = model_dir / metadata.weights_file
    if not _is_plain_name(metadata.weights_file) or not weights.is_file() or sha256_file(weights) != metadata.weights_sha256:
        raise ModelArtifactError(CHECKSUM_MESSAGE.format(path=weights))
    if metadata.front_end:
        check_front_end(metadata.front_end, model_dir)
    else:
        _check_log_mel(metadata, model_dir)
    if set(metadata.label_to_scene) != set(metadata.labels):
        raise ModelArtifactError(
            FORMAT_MESSAGE.format(path=model_dir, reason="label_to_scene does not cover the labels")
        )
    return weights, metadata


def _check_log_mel(metadata: ModelMetadata, model_dir: Path) -> None:
    parsed = check_feature_params(metadata.feature_params, model_dir)
    shifts = metadata.test_time_shifts
    if type(shifts) is not int or not 1 <= shifts <= parsed.frames_per_window:
        raise ModelArtifactError(FORMAT_MESSAGE.format(path=model_dir, reason=f"test_time_shifts {shifts!r}"))


def check_front_end(front_end: dict[str, Any], model_dir: Path) -> YamnetParams:
    """The front end's parameters, after checking its files against their checksums."""
    try:
        params = YamnetParams.from_dict(front_end)
    except (TypeError, ValueError) as exc:
        raise ModelArtifactError(FORMAT_MESSAGE.format(path=model_dir, reason=f"front_end: {exc}")) from exc
    for name, digest in ((params.model_file, params.model_sha256), (params.class_map_file, params.class_map_sha256)):
        path = model_dir / name
        if not path.is_file() or sha256_file(path) != digest:
            raise ModelArtifactError(FRONT_END_CHECKSUM_MESSAGE.format(path=path))
    return params


def _is_plain_name(name: object) -> bool:
    """A file or folder name with no path in it: nothing an artifact names may lie outside it."""
    return isinstance(name, str) and name not in ("", ".", "..") and Path(name).name == name


def check_feature_params(params: dict[str, Any], model_dir: Path) -> FeatureParams:
    if params.get("extractor") != FEATURE_EXTRACTOR:
        raise ModelArtifactError(
            FEATURES_MESSAGE.format(path=model_dir, reason=f"extractor {params.get('extractor')!r}")
        )
    try:
        parsed = FeatureParams.from_dict(params)
    except TypeError as exc:
        raise ModelArtifactError(FEATURES_MESSAGE.format(path=model_dir, reason=exc)) from exc
    if parsed.to_dict() != params:
        unknown = sorted(set(params) - set(parsed.to_dict()))
        raise ModelArtifactError(FEATURES_MESSAGE.format(path=model_dir, reason=f"unknown or missing keys {unknown}"))
    if parsed.n_fft > parsed.window_samples or parsed.hop_length <= 0 or parsed.n_mels <= 0:
        raise ModelArtifactError(FEATURES_MESSAGE.format(path=model_dir, reason="inconsistent sizes"))
    return parsed


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_artifact(
    output_dir: str | Path,
    metadata: ModelMetadata,
    save_weights: Any,
    extra_files: dict[str, str] | None = None,
    copied_files: dict[str, Path] | None = None,
) -> Path:
    """Write weights (via `save_weights(path)`) and metadata into a temp folder, then rename into place.

    `extra_files` are texts to write, `copied_files` files to copy in (name in the artifact -> source).
    """
    output_dir = Path(output_dir)
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}-", dir=output_dir.parent))
    try:
        weights = tmp / metadata.weights_file
        save_weights(weights)
        metadata.weights_sha256 = sha256_file(weights)
        (tmp / METADATA_FILE).write_text(metadata.to_json(), encoding="utf-8")
        for name, text in (extra_files or {}).items():
            (tmp / name).write_text(text, encoding="utf-8")
        for name, source in (copied_files or {}).items():
            shutil.copyfile(source, tmp / name)
        os.chmod(tmp, 0o755)
        if output_dir.exists():
            shutil.rmtree(output_dir)
        os.replace(tmp, output_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return output_dir


def set_current(model_dir: Path) -> None:
    """Point `<parent>/CURRENT` at this version (a text file: portable where symlinks are not)."""
    (model_dir.parent / CURRENT_FILE).write_text(model_dir.name + "\n", encoding="utf-8")
