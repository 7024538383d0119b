"""Benchmark the scene-model pipeline against earlier models and the original proof of concept's.

Prints figures; asserts nothing.

    python bench/scene_model.py [--clips 20] [--model DIR] [--compare DIR ...] [--cores 1]

Figures, for each pipeline on the same real clips (synthetic noise when ../shared is absent):
- cold start: a fresh interpreter importing the pipeline and loading its model;
- latency of decode + loudness normalisation + front end + head for one 5-s, one 10-s and one
  30-s clip (median of runs, warm);
- throughput in 10-s clips per second, one clip after another in one process.

Ours (and any --compare artifact): ml.inference.classify_file, all windows in one batch. The
original's: librosa.load at 22,050 Hz, 1-s chunks, 40-band log-mel, its 60k-parameter LSTM
called through Keras `predict` (the network's weights do not change its speed; without
--seed-model an untrained copy is used). By default the process runs on one CPU core with
one inference thread, as a worker child does.
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
os.sched_setaffinity(0, {cores!r})
os.environ["DJANGO_SETTINGS_MODULE"] = "soundscapify.settings.base"
django.setup()
from django.conf import settings; settings.SCENE_MODEL_DIR = {model!r}
from ml import inference; inference.get_model()
seconds = time.perf_counter() - t0
inference.warm_up()
print(seconds, {rss})
"""
ORIGINAL_COLD = """
import time; t0 = time.perf_counter()
import os; os.sched_setaffinity(0, {cores!r})
import librosa, numpy, keras
model = keras.models.load_model({model!r}, compile=False)
seconds = time.perf_counter() - t0
model.predict(numpy.zeros((5, *model.input_shape[1:]), numpy.float32), verbose=0)
print(seconds, {rss})
"""
# Resident memory of the process once its model has classified one clip, as a worker child's is.
RSS_MB = "int(open('/proc/self/status').read().split('VmRSS:')[1].split()[0]) / 1024"


def main() -> None:
    args = _parse_args()
    cores = set(range(args.cores))
    os.sched_setaffinity(0, cores)
    with tempfile.TemporaryDirectory(prefix="scene-bench-") as tmp:
        clips = _clips(Path(tmp), args.clips)
        seed_model_path = args.seed_model or _untrained_seed(Path(tmp))
        model_dirs = [args.model or str(settings.SCENE_MODEL_DIR), *args.compare]
        pipelines: list[Any] = [Ours(model_dir) for model_dir in model_dirs] + [Original(seed_model_path)]
        sources = [*model_dirs, seed_model_path]
        cold = [_cold(p.cold, src, args.repeats, cores) for p, src in zip(pipelines, sources, strict=True)]
        rows = [
            ("cold start: import + model load (s)", [seconds for seconds, _ in cold]),
            ("memory after one clip (MB)", [rss for _, rss in cold]),
            *[
                (f"latency, {seconds}-s clip (ms)", [_latency(p, clips[seconds], args.repeats * 5) for p in pipelines])
                for seconds in (5, 10, 30)
            ],
            (
                f"throughput, {len(clips['set'])} 10-s clips (clips/s)",
                [_throughput(p, clips["set"]) for p in pipelines],
            ),
        ]
    _print(rows, pipelines, args)


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=None, help="our artifact (default: settings.SCENE_MODEL_DIR)")
    parser.add_argument("--compare", action="append", default=[], help="another artifact to run side by side")
    parser.add_argument("--seed-model", default=None, help="a trained seed-architecture .keras file")
    parser.add_argument("--clips", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cores", type=int, default=1, help="CPU cores the benchmark may use (default 1)")
    parser.add_argument("--json", action="store_true")
    return parser.parse_args()


class Ours:
    cold = OURS_COLD

    def __init__(self, model_dir: str) -> None:
        from ml import inference

        inference.reset()
        self.model = inference.load_model(model_dir)
        inference.warm_up_model(self.model)
        self.name = self.model.metadata.version
        self.classify = inference.classify_file

    def __call__(self, path: Path) -> Any:
        return self.classify(path, model=self.model).scene_probabilities


class Original:
    """librosa.load at 22,050 Hz, 1-s chunks, 40-band log-mel, Keras predict."""

    name = "original (seed LSTM)"
    cold = ORIGINAL_COLD

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


def _clips(tmp: Path, n: int) -> dict[Any, Any]:
    """One 5-s, one 10-s and one 30-s clip, and n 10-s clips, made of real ESC-50 clips (or noise)."""
    sources = sorted(SHARED_AUDIO.glob("*.flac"))[::40][: 2 * n] if SHARED_AUDIO.is_dir() else []
    rng = np.random.default_rng(0)
    pieces = [
        sf.read(sources[i], dtype="float32")[0] if i < len(sources) else (0.1 * rng.standard_normal(80000)).astype(np.float32)
        for i in range(2 * n)
    ]

    def clip(name: str, parts: list[np.ndarray]) -> Path:
        path = tmp / f"{name}.flac"
        sf.write(path, np.concatenate(parts), 16000)
        return path

    return {
        5: clip("five", pieces[:1]),
        10: clip("ten", pieces[:2]),
        30: clip("thirty", (pieces * 6)[:6]),
        "set": [clip(f"clip{i}", pieces[2 * i : 2 * i + 2]) for i in range(n)],
    }


def _untrained_seed(tmp: Path) -> str:
    from ml.training.model import build_model

    path = tmp / "seed-untrained.keras"
    build_model("seed", 50, SEED_PARAMS).save(path)
    return str(path)


def _cold(template: str, model: str, repeats: int, cores: set[int]) -> tuple[float, float]:
    """Median seconds to import and load, and median resident memory (MB) after one clip, in fresh processes."""
    code = template.format(root=str(ROOT), model=model, cores=cores, rss=RSS_MB)
    runs = []
    for _ in range(repeats):
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ.copy()
        )
        seconds, rss = out.stdout.strip().splitlines()[-1].split()
        runs.append((float(seconds), float(rss)))
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


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


def _print(rows: list[tuple[str, list[float]]], pipelines: list[Any], args: argparse.Namespace) -> None:
    load = os.getloadavg()[0]
    names = [p.name for p in pipelines]
    if args.json:
        print(json.dumps({figure: dict(zip(names, values, strict=True)) for figure, values in rows} | {"load_avg": load}))
        return
    print(f"scene model benchmark on {args.cores} CPU core(s) of {os.cpu_count()}, load average {load:.2f} at the end")
    print(f"{'figure':<40} " + " ".join(f"{name[:24]:>24}" for name in names))
    for figure, values in rows:
        print(f"{figure:<40} " + " ".join(f"{value:>24.2f}" for value in values))


if __name__ == "__main__":
    main()
