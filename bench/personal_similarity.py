"""How close is close for personal scenes: clip-embedding similarities on the real ambience files.

Prints figures; asserts nothing.

    python bench/personal_similarity.py [--threshold 0.85] [--seconds 5]

Two clips of `--seconds` are cut from each ambience recording of ../shared/data/ambience (at
20% and 70% of it; files shorter than 12 s are left out) and run through the active scene
model (ml.inference.classify_samples). For each pair of clips, the cosine similarity of their
clip embeddings is put in one of three groups: the same file (what a person teaching one
place gives), other files of the same scene, other scenes. For each group: the median, the
10th and 90th percentiles, and the share of pairs at or above each threshold, i.e. how often
an example would count.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soundscapify.settings.base")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from django.conf import settings  # noqa: E402

from ml import inference  # noqa: E402
from ml.decoding import decode_audio  # noqa: E402

AMBIENCE = Path(settings.BASE_DIR).parent / "shared" / "data" / "ambience"
SAMPLE_RATE = 16000
AT = (0.2, 0.7)
MIN_FILE_S = 12.0


def clip_embeddings(seconds: float) -> tuple[np.ndarray, list[str], list[str]]:
    """(clips x dims) embeddings, with each clip's file and scene."""
    embeddings: list[np.ndarray] = []
    files: list[str] = []
    scenes: list[str] = []
    with open(AMBIENCE / "ambience.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        samples = decode_audio(AMBIENCE / "audio" / row["filename"], target_sr=SAMPLE_RATE).samples
        duration = samples.size / SAMPLE_RATE
        if duration < MIN_FILE_S:
            continue
        for fraction in AT:
            start = int(fraction * (duration - seconds) * SAMPLE_RATE)
            clip = samples[start : start + int(seconds * SAMPLE_RATE)]
            embedding = inference.classify_samples(clip, SAMPLE_RATE).embedding
            if embedding is None:
                sys.exit("the active model gives no clip embedding (a log-mel model)")
            embeddings.append(embedding)
            files.append(row["filename"])
            scenes.append(row["scene"])
    return np.stack(embeddings), files, scenes


def grouped(similarity: np.ndarray, files: list[str], scenes: list[str]) -> dict[str, list[float]]:
    groups: dict[str, list[float]] = {"same file": [], "other file, same scene": [], "other scene": []}
    for i in range(len(files)):
        for j in range(i + 1, len(files)):
            if files[i] == files[j]:
                key = "same file"
            elif scenes[i] == scenes[j]:
                key = "other file, same scene"
            else:
                key = "other scene"
            groups[key].append(float(similarity[i, j]))
    return groups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threshold", type=float, action="append", help="repeatable; default 0.80, 0.85, 0.90")
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    thresholds = args.threshold or [0.80, 0.85, 0.90]
    if not (AMBIENCE / "ambience.csv").is_file():
        sys.exit(f"{AMBIENCE} is absent")
    embeddings, files, scenes = clip_embeddings(args.seconds)
    print(f"model {inference.active_model_version()}: {len(files)} clips of {args.seconds:g} s from {len(set(files))} files")
    for name, values in grouped(embeddings @ embeddings.T, files, scenes).items():
        v = np.array(values)
        shares = ", ".join(f">= {t:.2f}: {np.mean(v >= t):.1%}" for t in thresholds)
        print(f"{name}: {v.size} pairs, median {np.median(v):.3f}, p10 {np.percentile(v, 10):.3f}, "
              f"p90 {np.percentile(v, 90):.3f}; {shares}")


if __name__ == "__main__":
    main()
