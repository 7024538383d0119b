"""YAMNet embeddings of a dataset's clips, at several recording levels, cached on disk.

Training never runs YAMNet in its loop: each clip goes through the front end once per
level variant, and the scene head learns from the stored frame embeddings (0.48-s hop,
float16). A clip's variants:

- `own`: the file as it is;
- `gain1`, `gain2`: the file as a recorder at a random level between -55 and -10 dBFS
  would store it (scaled, rounded to 16 bits), the gain augmentation;
- `quiet15`: the file 15 dB below its own level, what evaluation checks the model against.

Every variant is loudness-normalised before the front end, as inference does.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml.decoding import decode_audio
from ml.loudness import (
    BLOCK_S,
    MAX_GAIN_DB,
    QUIETER_DB,
    RELATIVE_GATE_DB,
    TARGET_DBFS,
    at_level,
    loudness_dbfs,
    normalise_loudness,
)
from ml.training.datasets import Dataset
from ml.yamnet import FRAME_HOP_SAMPLES, SAMPLE_RATE, YamnetFrontEnd

CACHE_VERSION = 2
VARIANTS = ("own", "gain1", "gain2", "quiet15")
TRAINING_VARIANTS = ("own", "gain1", "gain2")
GAIN_RANGE_DBFS = (-55.0, -10.0)

Log = Callable[[str], None]


@dataclass(frozen=True)
class EmbeddingSet:
    """Frame embeddings of every clip of a dataset, per variant."""

    frames: dict[str, np.ndarray]  # variant -> (total frames, 1024) float16, clips one after another
    offsets: np.ndarray  # (n_clips + 1,) clip i's frames are frames[offsets[i]:offsets[i + 1]]
    levels_dbfs: np.ndarray  # (n_clips,) each file's own gated level

    def clip(self, index: int, variant: str = "own") -> np.ndarray:
        return self.frames[variant][self.offsets[index] : self.offsets[index + 1]]

    def __len__(self) -> int:
        return len(self.offsets) - 1


def dataset_embeddings(
    dataset: Dataset, front_end_path: Path, cache_dir: Path | None, *, log: Log = print
) -> EmbeddingSet:
    """The dataset's embeddings, from the cache when its key matches, else computed and cached."""
    cache = None if cache_dir is None else cache_dir / f"{dataset.layout}-{_cache_key(dataset, front_end_path)}.npz"
    if cache is not None and cache.is_file():
        return _load(cache)
    embeddings = _compute(dataset, front_end_path, log)
    if cache is not None:
        _save(cache, embeddings)
    return embeddings


def variant_samples(samples: np.ndarray, variant: str, clip_index: int, level_dbfs: float) -> np.ndarray:
    """The 16-kHz samples of one variant, before loudness normalisation. Seeded by clip: reproducible."""
    if variant == "own":
        return samples
    if variant == "quiet15":
        return at_level(samples, SAMPLE_RATE, level_dbfs - QUIETER_DB)
    rng = np.random.default_rng([clip_index, VARIANTS.index(variant)])
    return at_level(samples, SAMPLE_RATE, float(rng.uniform(*GAIN_RANGE_DBFS)))


def _compute(dataset: Dataset, front_end_path: Path, log: Log) -> EmbeddingSet:
    front_end = YamnetFrontEnd(front_end_path)
    per_variant: dict[str, list[np.ndarray]] = {variant: [] for variant in VARIANTS}
    levels, started = [], time.monotonic()
    for index, clip in enumerate(dataset.clips):
        samples = decode_audio(clip.path, target_sr=SAMPLE_RATE).samples
        levels.append(loudness_dbfs(samples, SAMPLE_RATE))
        for variant in VARIANTS:
            normalised = normalise_loudness(variant_samples(samples, variant, index, levels[-1]), SAMPLE_RATE)
            per_variant[variant].append(front_end.run(normalised).embeddings.astype(np.float16))
        if (index + 1) % 100 == 0 or index + 1 == len(dataset.clips):
            log(f"embedded {index + 1}/{len(dataset.clips)} clips in {time.monotonic() - started:.0f} s")
    counts = [len(frames) for frames in per_variant["own"]]
    return EmbeddingSet(
        frames={variant: np.concatenate(frames) for variant, frames in per_variant.items()},
        offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        levels_dbfs=np.asarray(levels, dtype=np.float32),
    )


def _cache_key(dataset: Dataset, front_end_path: Path) -> str:
    digest = hashlib.sha256()
    # Everything that shapes an embedding: the variants, the loudness normalisation, YAMNet's grid.
    settings = [CACHE_VERSION, VARIANTS, GAIN_RANGE_DBFS, QUIETER_DB, TARGET_DBFS, RELATIVE_GATE_DB, MAX_GAIN_DB,
                BLOCK_S, FRAME_HOP_SAMPLES]
    digest.update(json.dumps(settings).encode())
    digest.update(Path(front_end_path).read_bytes())
    for clip in dataset.clips:
        digest.update(f"{clip.filename}\0{clip.path.stat().st_size}\n".encode())
    return digest.hexdigest()[:16]


def _save(path: Path, embeddings: EmbeddingSet) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial.npz")
    arrays: dict[str, np.ndarray] = {
        "offsets": embeddings.offsets,
        "levels_dbfs": embeddings.levels_dbfs,
        **{f"frames_{variant}": frames for variant, frames in embeddings.frames.items()},
    }
    np.savez(partial, **arrays)  # type: ignore[arg-type]  # numpy's stub types **kwds as allow_pickle
    partial.replace(path)


def _load(path: Path) -> EmbeddingSet:
    with np.load(path) as stored:
        return EmbeddingSet(
            frames={variant: stored[f"frames_{variant}"] for variant in VARIANTS},
            offsets=stored["offsets"],
            levels_dbfs=stored["levels_dbfs"],
        )
