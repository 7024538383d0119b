"""YAMNet, Google's AudioSet tagger, as the scene model's front end.

The reference file (`yamnet.tflite`, Google's published TFLite model, int8) is run as it
is: one 0.975-s patch of 16-kHz audio per call. Besides its 521 AudioSet scores we read
the 1,024-d embedding that feeds its classifier (the `reduce_mean` tensor), which is what
the scene head learns from. TensorFlow is imported inside `YamnetFrontEnd` only.
"""

from __future__ import annotations

import csv
import warnings
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

SAMPLE_RATE = 16000
PATCH_SAMPLES = 15600  # 96 log-mel frames of 10 ms with a 25-ms window: 0.975 s
FRAME_HOP_SAMPLES = 7680  # YAMNet's own hop, 0.48 s
EMBEDDING_SIZE = 1024
N_CLASSES = 521
EMBEDDING_TENSOR = "tower0/network/layer28/reduce_mean"
MODEL_FILE = "yamnet.tflite"
CLASS_MAP_FILE = "yamnet_class_map.csv"


@dataclass(frozen=True)
class YamnetParams:
    """The front end as an artifact records it: its files, and how the head reads its frames."""

    model_sha256: str
    class_map_sha256: str
    model_file: str = MODEL_FILE
    class_map_file: str = CLASS_MAP_FILE
    # The head reads every frame_stride-th frame (0.96 s apart at 2) in windows of window_frames
    # frames, window_hop_frames apart; each clip is first brought to loudness_dbfs.
    frame_stride: int = 2
    window_frames: int = 5
    window_hop_frames: int = 3
    loudness_dbfs: float = -20.0
    name: str = "yamnet"

    def __post_init__(self) -> None:
        if self.name != "yamnet":
            raise ValueError(f"unknown front end {self.name!r}")
        counts = (self.frame_stride, self.window_frames, self.window_hop_frames)
        if any(type(count) is not int or count < 1 for count in counts):
            raise ValueError("frame_stride, window_frames and window_hop_frames must be whole numbers of at least 1")
        if type(self.loudness_dbfs) not in (int, float) or not -60.0 <= self.loudness_dbfs <= 0.0:
            raise ValueError(f"loudness_dbfs {self.loudness_dbfs!r} is not a level in dBFS")
        for name in (self.model_file, self.class_map_file):
            if type(name) is not str or Path(name).name != name:
                raise ValueError(f"{name!r} is not a file name inside the artifact")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> YamnetParams:
        unknown = set(data) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown keys {sorted(unknown)}")
        return cls(**data)


@dataclass(frozen=True)
class FrontEndOutput:
    embeddings: np.ndarray  # (n_frames, 1024) float32
    scores: np.ndarray  # (n_frames, 521) float32, AudioSet class scores in [0, 1]
    starts_s: np.ndarray  # each frame's start in the clip, seconds


def frame_starts(n_samples: int, stride: int = 1) -> np.ndarray:
    """Start sample of each patch on YAMNet's 0.48-s grid, every `stride`-th one, at least one.

    The grid covers the clip (the last patch zero-padded), but a tail shorter than a quarter of
    the hop gets no patch of its own: it would be a patch of almost nothing but padding.
    Training embeds the whole grid and picks every `stride`-th frame; inference computes only
    those, so both see the same patches.
    """
    extra = max(0, n_samples - PATCH_SAMPLES - FRAME_HOP_SAMPLES // 4)
    n_frames = 1 + -(-extra // FRAME_HOP_SAMPLES)
    return np.arange(0, n_frames, stride, dtype=np.int64) * FRAME_HOP_SAMPLES


def patches(samples: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """(n_frames, PATCH_SAMPLES) float32 patches of 16-kHz mono samples starting at `starts`."""
    padded = np.zeros(int(starts[-1]) + PATCH_SAMPLES, dtype=np.float32)
    padded[: samples.size] = samples[: padded.size]
    return np.stack([padded[s : s + PATCH_SAMPLES] for s in starts])


def read_class_names(path: str | Path) -> list[str]:
    """AudioSet display names in output order, from upstream's yamnet_class_map.csv."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    if [int(row["index"]) for row in rows] != list(range(N_CLASSES)):
        raise ValueError(f"{path} does not list YAMNet's {N_CLASSES} classes in order")
    return [row["display_name"] for row in rows]


class YamnetFrontEnd:
    """One interpreter of the reference model; not thread-safe (one per process or thread)."""

    def __init__(self, model_path: str | Path, *, threads: int | None = 1) -> None:
        import tensorflow as tf

        with warnings.catch_warnings():
            # TensorFlow warns that tf.lite moves to the ai-edge-litert package (same API), and that
            # keeping every tensor is for debugging: we keep them to read the embedding, which the
            # reference file does not output.
            warnings.filterwarnings("ignore", category=UserWarning, module="tensorflow.lite")
            self._interpreter = tf.lite.Interpreter(
                model_path=str(model_path), num_threads=threads, experimental_preserve_all_tensors=True
            )
        self._interpreter.allocate_tensors()
        self._input = self._interpreter.get_input_details()[0]["index"]
        self._scores = self._interpreter.get_output_details()[0]["index"]
        self._embedding, self._dequantise = _embedding_tensor(self._interpreter)

    def frame(self, patch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(1024-d embedding, 521 scores) of one PATCH_SAMPLES patch."""
        self._interpreter.set_tensor(self._input, patch)
        self._interpreter.invoke()
        embedding = self._dequantise(self._interpreter.get_tensor(self._embedding).reshape(EMBEDDING_SIZE))
        return embedding, self._interpreter.get_tensor(self._scores)[0].astype(np.float32)

    def run(self, samples: np.ndarray, *, stride: int = 1) -> FrontEndOutput:
        """Embeddings and scores of every `stride`-th patch of 16-kHz mono samples (loudness already normalised)."""
        starts = frame_starts(samples.size, stride)
        frames = [self.frame(patch) for patch in patches(samples, starts)]
        return FrontEndOutput(
            embeddings=np.stack([embedding for embedding, _ in frames]),
            scores=np.stack([scores for _, scores in frames]),
            starts_s=starts / SAMPLE_RATE,
        )


def _embedding_tensor(interpreter: Any) -> tuple[int, Any]:
    """The embedding tensor's index and a function that turns its int8 values into floats."""
    for detail in interpreter.get_tensor_details():
        if detail["name"] == EMBEDDING_TENSOR and int(np.prod(detail["shape"])) == EMBEDDING_SIZE:
            scale, zero_point = detail["quantization"]
            if not scale:
                return detail["index"], lambda values: values.astype(np.float32)
            return detail["index"], lambda values: (values.astype(np.float32) - zero_point) * np.float32(scale)
    raise ValueError(f"no {EMBEDDING_TENSOR} tensor of {EMBEDDING_SIZE} values: not YAMNet's reference file")
