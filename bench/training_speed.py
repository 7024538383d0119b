"""Time the log-mel networks' training steps per recipe. Prints figures; asserts nothing.

    python bench/training_speed.py [--arch seed] [--threads 1] [--steps 20] [--xla]

For each recipe: its network's parameters, then the seconds 1,200 training windows take in
the recipe's batches on `--threads` TensorFlow threads, timed over `--steps` steps after two
warm-up steps. The seed network reads 1-s windows, so an epoch of a cross-validation fold
(1,200 five-second ESC-50 clips) is five times that. The batches are random features of the
recipe's shape: a step's cost does not depend on the values.

Training runs with TensorFlow's op determinism, under which Keras turns XLA off. `--xla`
drops determinism and forces XLA on, to measure what it would change.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

WINDOWS = 1200


def main() -> None:
    from ml.training.recipes import RECIPES

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", nargs="+", default=sorted(RECIPES), choices=sorted(RECIPES))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--xla", action="store_true", help="force XLA on (without op determinism)")
    args = parser.parse_args()

    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    if args.xla:
        # Keras refuses jit_compile under op determinism; this is the only way to measure it.
        import keras.src.trainers.trainer as trainer

        trainer.model_supports_jit = lambda model: True
    else:
        tf.config.experimental.enable_op_determinism()

    print(f"{args.threads} thread(s), XLA {'on' if args.xla else 'off'}, {args.steps} timed steps per arch")
    for arch in args.arch:
        params, seconds = time_arch(arch, steps=args.steps, xla=args.xla)
        print(f"{arch:14s} {params:>9,} parameters  {seconds:6.2f} s per {WINDOWS:,} windows")


def time_arch(arch: str, *, steps: int, xla: bool) -> tuple[int, float]:
    """(parameters, seconds per WINDOWS windows) of `arch`'s training steps in its recipe's batches."""
    import numpy as np

    from ml.training.model import build_model
    from ml.training.recipes import RECIPES

    recipe = RECIPES[arch]
    features, batch_size = recipe.features, recipe.batch_size
    model = build_model(recipe.network, 50, features)
    model.compile(optimizer="adamw", loss="categorical_crossentropy", jit_compile=xla)
    rng = np.random.default_rng(0)
    x = rng.normal(-40, 15, (batch_size, features.frames_per_window, features.n_mels)).astype(np.float32)
    y = np.eye(50, dtype=np.float32)[rng.integers(0, 50, batch_size)]
    for _ in range(2):  # tracing (and XLA's compilation) happen here
        model.train_on_batch(x, y)
    started = time.perf_counter()
    for _ in range(steps):
        model.train_on_batch(x, y)
    per_step = (time.perf_counter() - started) / steps
    return model.count_params(), per_step * -(-WINDOWS // batch_size)


if __name__ == "__main__":
    main()
