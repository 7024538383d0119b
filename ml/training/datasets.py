"""Read dataset metadata: ESC-50, ambience recordings or DCASE/TAU, detected from the header.

- ESC-50: comma-separated `filename, fold, category` (50 labels, 5-s clips).
- Ambience: comma-separated `filename, scene`, one long recording per row, labelled with one of
  our scenes. A recording is one sample however long it is, so each file is its own fold
  (its row number): whatever holds some out must hold out whole files.
- DCASE/TAU: tab-separated `filename, scene_label`, folds from `evaluation_setup/`.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml.errors import MetadataError
from ml.scenes import SCENES

ESC50 = "esc50"
TAU = "tau"
AMBIENCE = "ambience"
AMBIENCE_COLUMNS = ("filename", "scene")
ESC50_COLUMNS = ("filename", "fold", "category")
TAU_COLUMNS = ("filename", "scene_label")
UNKNOWN_LAYOUT_MESSAGE = (
    "{path}: unknown metadata layout; expected ESC-50 (comma-separated filename, fold, category), "
    "ambience (comma-separated filename, scene) or DCASE/TAU (tab-separated filename, scene_label)"
)
BAD_ROW_MESSAGE = "{path}, line {line}: {reason}"
# Files that are listed in no foldN_evaluate list (TAU 2019+ ships a single split) form fold 0.
TRAIN_ONLY_FOLD = 0


@dataclass(frozen=True)
class Clip:
    filename: str
    path: Path
    label: str
    fold: int


@dataclass(frozen=True)
class Dataset:
    layout: str
    clips: tuple[Clip, ...]
    labels: tuple[str, ...]
    metadata_path: Path

    def select(self, folds: set[int]) -> list[Clip]:
        return [clip for clip in self.clips if clip.fold in folds]

    def clip_indices(self, folds: set[int]) -> np.ndarray:
        """The positions in `clips` of the clips in `folds`, in clip order (int64, also when none)."""
        return np.array([i for i, clip in enumerate(self.clips) if clip.fold in folds], dtype=np.int64)


def read_metadata(metadata_path: str | Path, audio_dir: str | Path) -> Dataset:
    """Parse the metadata; raises MetadataError naming the line of an unreadable row."""
    path = Path(metadata_path)
    text = path.read_text(encoding="utf-8-sig")
    header = text.splitlines()[0] if text else ""
    if "\t" in header:
        clips, labels = _read_tau(path, text, Path(audio_dir))
        return Dataset(layout=TAU, clips=tuple(clips), labels=tuple(labels), metadata_path=path)
    if "," in header and "scene" in _columns(header) and "fold" not in _columns(header):
        clips, labels = _read_ambience(path, text, Path(audio_dir))
        return Dataset(layout=AMBIENCE, clips=tuple(clips), labels=tuple(labels), metadata_path=path)
    if "," in header:
        clips, labels = _read_esc50(path, text, Path(audio_dir))
        return Dataset(layout=ESC50, clips=tuple(clips), labels=tuple(labels), metadata_path=path)
    raise MetadataError(UNKNOWN_LAYOUT_MESSAGE.format(path=path))


def _rows(path: Path, text: str, delimiter: str, required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(text.splitlines(), delimiter=delimiter)
    columns = [c.strip() for c in reader.fieldnames or []]
    missing = [c for c in required if c not in columns]
    if missing:
        raise MetadataError(BAD_ROW_MESSAGE.format(path=path, line=1, reason=f"missing column(s) {', '.join(missing)}"))
    reader.fieldnames = columns
    rows = []
    for line, row in enumerate(reader, start=2):
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue  # blank line
        if any(row.get(c) in (None, "") for c in required):
            raise MetadataError(BAD_ROW_MESSAGE.format(path=path, line=line, reason="a required field is empty"))
        rows.append((line, {k: (v or "").strip() for k, v in row.items() if isinstance(k, str)}))
    return rows


def _read_esc50(path: Path, text: str, audio_dir: Path) -> tuple[list[Clip], list[str]]:
    clips, targets = [], {}
    for line, row in _rows(path, text, ",", ESC50_COLUMNS):
        try:
            fold = int(row["fold"])
        except ValueError:
            raise MetadataError(
                BAD_ROW_MESSAGE.format(path=path, line=line, reason=f"fold {row['fold']!r} is not a number")
            ) from None
        clips.append(Clip(row["filename"], _audio_path(audio_dir, row["filename"]), row["category"], fold))
        if row.get("target", "").isdigit():
            targets[row["category"]] = int(row["target"])
    labels = sorted({c.label for c in clips}, key=lambda label: (targets.get(label, 10**6), label))
    return clips, labels


def _columns(header: str) -> set[str]:
    return {column.strip() for column in next(csv.reader([header]))}


def _read_ambience(path: Path, text: str, audio_dir: Path) -> tuple[list[Clip], list[str]]:
    clips = []
    for fold, (line, row) in enumerate(_rows(path, text, ",", AMBIENCE_COLUMNS), start=1):
        if row["scene"] not in SCENES:
            reason = f"scene {row['scene']!r} is none of {', '.join(SCENES)}"
            raise MetadataError(BAD_ROW_MESSAGE.format(path=path, line=line, reason=reason))
        clips.append(Clip(row["filename"], _audio_path(audio_dir, row["filename"]), row["scene"], fold))
    return clips, sorted({c.label for c in clips})


def _read_tau(path: Path, text: str, audio_dir: Path) -> tuple[list[Clip], list[str]]:
    folds = _tau_folds(path.parent)
    clips = [
        Clip(
            row["filename"],
            _audio_path(audio_dir, row["filename"]),
            row["scene_label"],
            folds.get(_key(row["filename"]), TRAIN_ONLY_FOLD),
        )
        for _, row in _rows(path, text, "\t", TAU_COLUMNS)
    ]
    return clips, sorted({c.label for c in clips})


def _tau_folds(root: Path) -> dict[str, int]:
    """Fold N holds the files listed in evaluation_setup/foldN_evaluate.* (or foldN_test.*)."""
    folds: dict[str, int] = {}
    setup = root / "evaluation_setup"
    for fold_file in sorted(setup.glob("fold*_*")) if setup.is_dir() else []:
        match = re.fullmatch(r"fold(\d+)_(evaluate|test)\.(csv|txt|tsv)", fold_file.name)
        if not match:
            continue
        for line in fold_file.read_text(encoding="utf-8-sig").splitlines():
            name = line.split("\t")[0].strip()
            if name and name != "filename":
                folds[_key(name)] = int(match.group(1))
    return folds


def _key(filename: str) -> str:
    return Path(filename).name


def _audio_path(audio_dir: Path, filename: str) -> Path:
    # TAU names files "audio/x.wav" relative to the dataset root; ESC-50 names them bare.
    direct = audio_dir / filename
    return direct if direct.exists() else audio_dir / Path(filename).name


def parse_folds(value: str) -> set[int]:
    """'1,2,3' -> {1, 2, 3}."""
    return {int(part) for part in value.split(",") if part.strip()}
