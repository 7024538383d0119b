"""Log-mel features of a whole dataset, computed once and cached under var/cache."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml.errors import AudioError
from ml.features import FeatureParams, windowed_features
from ml.training.datasets import Clip, Dataset

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class WindowSet:
    """Every window of every clip: features[offsets[i]:offsets[i+1]] belong to clip i."""

    features: np.ndarray  # (n_windows, frames, n_mels) float16 dB
    offsets: np.ndarray  # (n_clips + 1,)
    silent: np.ndarray  # (n_windows,) bool: nothing but digital silence/padding

    def clip_windows(self, clip_indices: np.ndarray) -> np.ndarray:
        """Window indices of the given clips, in order."""
        return np.concatenate([np.arange(self.offsets[i], self.offsets[i + 1]) for i in clip_indices])

    def window_clip(self) -> np.ndarray:
        return np.repeat(np.arange(len(self.offsets) - 1), np.diff(self.offsets))


def cache_key(dataset: Dataset, params: FeatureParams) -> str:
    stat = dataset.metadata_path.stat()
    identity = {
        "meta": str(dataset.metadata_path.resolve()),
        "size": stat.st_size,
        "mtime": stat.st_mtime,
        "clips": len(dataset.clips),
        "params": params.to_dict(),
        "v": 1,
    }
    return hashlib.sha1(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:16]


def dataset_windows(dataset: Dataset, params: FeatureParams, cache_dir: Path | None) -> WindowSet:
    """Features of all clips of `dataset`, from the cache when present."""
    path = None if cache_dir is None else Path(cache_dir) / f"{dataset.layout}-{cache_key(dataset, params)}.npz"
    if path is not None and path.is_file():
        return load_windows(path)
    windows = compute_windows(dataset.clips, params)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, features=windows.features, offsets=windows.offsets, silent=windows.silent)
        tmp.replace(path)
    return windows


def load_windows(path: Path) -> WindowSet:
    """A WindowSet saved by dataset_windows."""
    with np.load(path) as data:
        return WindowSet(data["features"], data["offsets"], data["silent"])


def compute_windows(clips: tuple[Clip, ...] | list[Clip], params: FeatureParams) -> WindowSet:
    features, counts = [], []
    for i, clip in enumerate(clips):
        feats = clip_features(clip, params)
        features.append(feats)
        counts.append(len(feats))
        if (i + 1) % 200 == 0:
            logger.info("features: %d/%d clips", i + 1, len(clips))
    stacked = np.concatenate(features).astype(np.float16)
    silent = stacked.max(axis=(1, 2)) <= params.floor_db + 1.0
    return WindowSet(stacked, np.concatenate([[0], np.cumsum(counts)]).astype(np.int64), silent)


def clip_features(clip: Clip, params: FeatureParams) -> np.ndarray:
    from ml.decoding import decode_audio  # PyAV: needed to compute features, not to read them from the cache

    try:
        audio = decode_audio(clip.path, target_sr=params.sample_rate)
    except AudioError as exc:
        # A silent or broken clip must not stop a training run: it becomes one silent window.
        logger.warning("%s: %s (%s)", clip.filename, exc.code, exc.detail)
        return np.full((1, params.frames_per_window, params.n_mels), params.floor_db, dtype=np.float32)
    return windowed_features(audio.samples, audio.sample_rate, params).features
