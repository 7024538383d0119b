"""Benchmark the scene-model pipeline against the original proof of concept's. Prints figures; asserts nothing.

    DJANGO_SETTINGS_MODULE=soundscapify.settings.base python bench/scene_model.py [--clips 20] [--model DIR]

Figures, for each pipeline on the same clips:
- cold start: a fresh interpreter importing the pipeline and loading its model;
- latency of decode + features + inference for one 5-s and one 30-s clip (median of runs);
- throughput in 5-s clips per second, one clip after another in one process.

Ours: PyAV decode at 16 kHz, 64-band log-mel on 5-s windows (50% overlap), the CRNN, all
windows, each in as many time-shifted views as the model's metadata asks (the shipped
model: 1), in one batch through a traced graph. The original's: librosa.load at 22,050 Hz,
1-s chunks, 40-band log-mel, its 60k-parameter LSTM called through Keras `predict`.
The original network's weights do not change its speed; without --seed-model an untrained
copy is used.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soundscapify.settings.base")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402
from django.conf import settings  # noqa: E402

from ml.features import SEED_PARAMS  # noqa: E402

SHARED_AUDIO = Path(settings.BASE_DIR).parent / "shared" / "data" / "esc50" / "audio"

OURS_COLD = """
import time; t0 = time.perf_counter()
import os, sys, django; sys.path.insert(0, {root!r})
os.environ["DJANGO_SETTINGS_MODULE"] = "soundscapify.settings.base"
django.setup()
from django.conf import settings; settings.SCENE_MODEL_DIR = {model!r}
from ml import inference; inference.get_model()
print(time.perf_counter() - t0)
"""
ORIGINAL_COLD = """
import time; t0 = time.perf_counter()
import librosa, numpy, keras
keras.models.load_model({model!r}, compile=False)
print(time.perf_counter() - t0)
"""


def main() -> None:
    args = _parse_args()
    with tempfile.TemporaryDirectory(prefix="scene-bench-") as tmp:
        clips, long_clip = _clips(Path(tmp), args.clips)
        seed_model_path = args.seed_model or _untrained_seed(Path(tmp))
        model_dir = args.model or str(settings.SCENE_MODEL_DIR)
        ours, original = Ours(model_dir), Original(seed_model_path)
        rows = [
            (
                "cold start: import + model load (s)",
                _cold(OURS_COLD, model_dir, args.repeats),
                _cold(ORIGINAL_COLD, seed_model_path, args.repeats),
                "lower",
            ),
            (
                "latency, 5-s clip (ms)",
                _latency(ours, clips[0], args.repeats * 5),
                _latency(original, clips[0], args.repeats * 5),
                "lower",
            ),
            (
                "latency, 30-s clip (ms)",
                _latency(ours, long_clip, args.repeats * 2),
                _latency(original, long_clip, args.repeats * 2),
                "lower",
            ),
            (
                f"throughput, {len(clips)} 5-s clips (clips/s)",
                _throughput(ours, clips),
                _throughput(original, clips),
                "higher",
            ),
        ]
    _print(rows, ours, original, args)


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=None, help="our artifact (default: settings.SCENE_MODEL_DIR)")
    parser.add_argument("--seed-model", default=None, help="a trained seed-architecture .keras file")
    parser.add_argument("--clips", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    return parser.parse_args()


class Ours:
    name = "ours"

    def __init__(self, model_dir: str) -> None:
        from ml import inference

        settings.SCENE_MODEL_DIR = model_dir
        inference.warm_up()
        self.version = inference.active_model_version()
        self.classify = inference.classify_file

    def __call__(self, path: Path) -> Any:
        return self.classify(path).scene_probabilities


class Original:
    """librosa.load at 22,050 Hz, 1-s chunks, 40-band log-mel, Keras predict."""

    name = "original"

    def __init__(self, model_path: str) -> None:
        import keras
        import librosa

        self.librosa = librosa
        self.model = keras.models.load_model(model_path, compile=False)
        self.model.predict(np.zeros((1, SEED_PARAMS.frames_per_window, SEED_PARAMS.n_mels), np.float32), verbose=0)

    def __call__(self, path: Path) -> Any:
        p = SEED_PARAMS
        wav, _ = self.librosa.load(path, sr=p.sample_rate, mono=True)
        step = p.window_samples
        chunks = [
            np.pad(wav[i : i + step], (0, max(0, step - wav[i : i + step].size))) for i in range(0, wav.size, step)
        ]
        mels = [
            self.librosa.power_to_db(
                self.librosa.feature.melspectrogram(
                    y=c, sr=p.sample_rate, n_fft=p.n_fft, hop_length=p.hop_length, n_mels=p.n_mels
                ),
                ref=1.0,
                amin=p.amin,
            ).T
            for c in chunks
        ]
        return self.model.predict(np.stack(mels), verbose=0).mean(axis=0)


def _clips(tmp: Path, n: int) -> tuple[list[Path], Path]:
    """n real 5-s clips (synthetic noise when ../shared is absent) and one 30-s clip made of six."""
    sources = sorted(SHARED_AUDIO.glob("*.flac"))[::80][:n] if SHARED_AUDIO.is_dir() else []
    rng = np.random.default_rng(0)
    clips = []
    for i in range(n):
        audio = (
            sf.read(sources[i], dtype="float32")[0]
            if i < len(sources)
            else (0.1 * rng.standard_normal(80000)).astype(np.float32)
        )
        clips.append(tmp / f"clip{i}.flac")
        sf.write(clips[-1], audio, 16000)
    long_clip = tmp / "long.flac"
    sf.write(long_clip, np.concatenate([sf.read(c, dtype="float32")[0] for c in (clips * 6)[:6]]), 16000)
    return clips, long_clip


def _untrained_seed(tmp: Path) -> str:
    from ml.model import build_model

    path = tmp / "seed-untrained.keras"
    build_model("seed", 50, SEED_PARAMS).save(path)
    return str(path)


def _cold(template: str, model: str, repeats: int) -> float:
    code = template.format(root=str(ROOT), model=model)
    times = []
    for _ in range(repeats):
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ.copy()
        )
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


def _latency(pipeline: Callable[[Path], Any], path: Path, repeats: int) -> float:
    pipeline(path)  # first call of a new input length traces nothing in ours, but warms caches in both
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        pipeline(path)
        times.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(times)


def _throughput(pipeline: Callable[[Path], Any], clips: list[Path]) -> float:
    start = time.perf_counter()
    for path in clips:
        pipeline(path)
    return len(clips) / (time.perf_counter() - start)


def _print(rows: list[tuple[str, float, float, str]], ours: Ours, original: Original, args: argparse.Namespace) -> None:
    load = os.getloadavg()[0]
    if args.json:
        print(
            json.dumps(
                {name: {"ours": a, "original": b} for name, a, b, _ in rows}
                | {"model_version": ours.version, "load_avg": load}
            )
        )
        return
    print(
        f"scene model benchmark: ours = {ours.version}, "
        f"original = seed LSTM ({original.model.count_params():,} parameters)"
    )
    print(f"{os.cpu_count()} CPU cores, load average {load:.2f} at the end")
    print(f"{'figure':<42} {'ours':>10} {'original':>10} {'ratio':>16}")
    for name, a, b, better in rows:
        ratio = b / a if better == "lower" else a / b
        print(f"{name:<42} {a:>10.2f} {b:>10.2f} {ratio:>10.2f}x {'faster' if ratio >= 1 else 'slower'}")


if __name__ == "__main__":
    main()
