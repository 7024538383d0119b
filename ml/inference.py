"""Classify recordings with the shipped scene model.

Two kinds of artifact load here: the shipped one, whose front end is YAMNet (the clip is
loudness-normalised, YAMNet turns it into frame embeddings and AudioSet scores, the LSTM
head reads windows of embeddings), and log-mel ones such as the proof of concept's
baseline (ml.features). Both give per-window label probabilities, summed into scenes
through the label -> scene table.

TensorFlow is imported only inside functions here: Django start-up and the Celery parent
process never pay for it. The model loads once per process, lazily (or in `warm_up()`
when a worker process starts), and reloads if `settings.SCENE_MODEL_DIR` changes.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings

from ml.artifacts import ModelMetadata, load_metadata, resolve_model_dir, verify_artifact
from ml.decoding import AudioSource, decode_audio, validate_samples
from ml.errors import ModelArtifactError
from ml.features import mean_over_sound
from ml.pipelines import LogMelPipeline, Pipeline, Windows, YamnetPipeline
from ml.scenes import scene_probabilities

SHAPE_MESSAGE = "The scene model at {path} expects inputs {expected} but its front end gives {actual}."
FRONT_END_MESSAGE = "The scene model at {path} has a front end that does not load: {reason}."
TOP_LABELS = 5


@dataclass
class ClassificationResult:
    scene_probabilities: dict[str, float]
    top_scene: str
    confidence: float
    top_labels: list[tuple[str, float]]
    timeline: list[dict[str, Any]]
    model_version: str
    processing_ms: float
    duration_s: float = 0.0
    # What the front end heard: the likeliest AudioSet classes over the clip (YAMNet models only).
    heard: list[tuple[str, float]] = field(default_factory=list)
    # The clip's front-end embedding, unit length (YAMNet models only): what personal examples compare.
    embedding: np.ndarray | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "scene_probabilities": self.scene_probabilities,
            "top_scene": self.top_scene,
            "confidence": self.confidence,
            "top_labels": [[label, p] for label, p in self.top_labels],
            "timeline": self.timeline,
            "model_version": self.model_version,
            "processing_ms": self.processing_ms,
            "duration_s": self.duration_s,
            "heard": [[name, p] for name, p in self.heard],
        }


@dataclass
class LoadedModel:
    source: str
    model_dir: Path
    metadata: ModelMetadata
    pipeline: Pipeline = field(repr=False)  # samples -> windows the network reads
    predict: Any = field(repr=False)  # (n, *window shape) float32 -> (n, labels) ndarray

    @property
    def sample_rate(self) -> int:
        return self.pipeline.sample_rate


_lock = threading.Lock()
_loaded: LoadedModel | None = None


def get_model() -> LoadedModel:
    """The process's model, loaded on first use; raises ModelArtifactError."""
    global _loaded
    source = str(settings.SCENE_MODEL_DIR)
    loaded = _loaded
    if loaded is not None and loaded.source == source:
        return loaded
    with _lock:
        if _loaded is None or _loaded.source != source:
            _loaded = load_model(source)
        return _loaded


def load_model(source: str | Path) -> LoadedModel:
    """Verify the artifact (checksums, front end or feature parameters, shapes), then load it with Keras."""
    model_dir = resolve_model_dir(source)
    weights, metadata = verify_artifact(model_dir)
    _configure_threads()
    import keras
    import tensorflow as tf

    pipeline = _pipeline(metadata, model_dir)
    model = keras.models.load_model(weights, compile=False)
    _check_shapes(model, pipeline, metadata, model_dir)
    spec = tf.TensorSpec((None, *pipeline.window_shape), tf.float32)
    # One traced graph for every batch size: all windows of a clip go through in one call.
    graph = tf.function(lambda x: model(x, training=False), input_signature=[spec])
    return LoadedModel(str(source), model_dir, metadata, pipeline, lambda x: graph(tf.constant(x)).numpy())


def _pipeline(metadata: ModelMetadata, model_dir: Path) -> Pipeline:
    """The artifact's front end; a file the checksums passed but that does not load is still a bad artifact."""
    yamnet = metadata.yamnet
    if yamnet is None:
        return LogMelPipeline(metadata.features, metadata.test_time_shifts)
    try:
        return YamnetPipeline(yamnet, model_dir, threads=_inference_threads())
    except (ValueError, KeyError, OSError) as exc:
        raise ModelArtifactError(FRONT_END_MESSAGE.format(path=model_dir, reason=exc)) from exc


def _inference_threads() -> int | None:
    return int(os.environ.get("SCENE_INFERENCE_THREADS", "0")) or None


def _configure_threads() -> None:
    import tensorflow as tf

    threads = _inference_threads()
    if threads:
        try:
            tf.config.threading.set_intra_op_parallelism_threads(threads)
            tf.config.threading.set_inter_op_parallelism_threads(1)
        except RuntimeError:
            pass  # TensorFlow already initialised in this process: its threads are fixed.


def _check_shapes(model: Any, pipeline: Pipeline, metadata: ModelMetadata, model_dir: Path) -> None:
    expected = tuple(model.input_shape[1:])
    actual = tuple(pipeline.window_shape)
    if expected != actual or model.output_shape[-1] != len(metadata.labels):
        raise ModelArtifactError(SHAPE_MESSAGE.format(path=model_dir, expected=expected, actual=actual))


def classify_file(
    source: AudioSource,
    *,
    max_duration_s: float | None = None,
    label_to_scene: dict[str, str] | None = None,
    model: LoadedModel | None = None,
) -> ClassificationResult:
    """Decode and classify a recording with `model` (default: the process's).

    Raises AudioError subclasses or ModelArtifactError.
    """
    loaded = model or get_model()  # loading is a once-per-process cost, not part of this clip's processing time
    started = time.perf_counter()
    audio = decode_audio(source, target_sr=loaded.sample_rate, max_duration_s=max_duration_s)
    return _classify(loaded, audio.samples, audio.sample_rate, started, label_to_scene)


def classify_samples(
    samples: np.ndarray,
    sample_rate: int,
    *,
    label_to_scene: dict[str, str] | None = None,
    model: LoadedModel | None = None,
) -> ClassificationResult:
    """Classify mono (or channels-first) samples at any rate with `model` (default: the process's).

    Raises AudioError subclasses.
    """
    samples = np.asarray(samples, dtype=np.float32)
    mono = samples if samples.ndim == 1 else samples.mean(axis=0 if samples.shape[0] < samples.shape[1] else 1)
    validate_samples(mono, sample_rate)
    loaded = model or get_model()
    return _classify(loaded, mono, sample_rate, time.perf_counter(), label_to_scene)


def _classify(
    loaded: LoadedModel, samples: np.ndarray, sample_rate: int, started: float, label_to_scene: dict[str, str] | None
) -> ClassificationResult:
    windows, window_probs, clip = clip_probabilities(loaded, samples, sample_rate)
    mapping = _effective_mapping(loaded.metadata.label_to_scene, label_to_scene)
    labels = loaded.metadata.labels
    scenes = _scenes(clip, labels, mapping)
    top_scene = max(scenes, key=scenes.__getitem__)
    order = np.argsort(clip)[::-1][:TOP_LABELS]
    return ClassificationResult(
        scene_probabilities=scenes,
        top_scene=top_scene,
        confidence=scenes[top_scene],
        top_labels=[(labels[i], float(clip[i])) for i in order],
        timeline=_timeline(windows.starts_s, windows.ends_s, window_probs, labels, mapping),
        model_version=loaded.metadata.version,
        processing_ms=(time.perf_counter() - started) * 1000.0,
        duration_s=windows.duration_s,
        heard=windows.heard,
        embedding=windows.embedding,
    )


def clip_probabilities(loaded: LoadedModel, samples: np.ndarray, sample_rate: int) -> tuple[Windows, np.ndarray, np.ndarray]:
    """The clip's windows, each window's output, and the clip's: their mean over windows holding sound."""
    windows = loaded.pipeline.windows(samples, sample_rate)
    window_probs = loaded.pipeline.predict(loaded.predict, windows.inputs)
    return windows, window_probs, mean_over_sound(window_probs, windows.silent)


def _effective_mapping(shipped: dict[str, str], override: dict[str, str] | None) -> dict[str, str]:
    """The artifact's mapping, with an override (the admin's table) for the labels this model has.

    Labels the override does not know keep their shipped scene, so a partial table or one
    written for another model never drops probability mass.
    """
    mapping = dict(shipped)
    mapping.update({label: scene for label, scene in (override or {}).items() if label in mapping})
    return mapping


def _scenes(probs: np.ndarray, labels: list[str], mapping: dict[str, str]) -> dict[str, float]:
    return scene_probabilities(dict(zip(labels, probs.tolist(), strict=True)), mapping)


def _timeline(
    starts: np.ndarray, ends: np.ndarray, window_probs: np.ndarray, labels: list[str], mapping: dict[str, str]
) -> list[dict[str, Any]]:
    timeline = []
    for start, end, probs in zip(starts, ends, window_probs, strict=True):
        scenes = _scenes(probs, labels, mapping)
        timeline.append(
            {
                "start_s": round(float(start), 3),
                "end_s": round(float(end), 3),
                "scenes": scenes,
                "top_scene": max(scenes, key=scenes.__getitem__),
            }
        )
    return timeline


def warm_up() -> None:
    """Load the model and run one clip through every stage, so the first user waits for nothing."""
    warm_up_model(get_model())


def warm_up_model(loaded: LoadedModel) -> None:
    """Run one clip through every stage of `loaded` (traces its graph, fills the interpreter's buffers)."""
    rng = np.random.default_rng(0)
    noise = (0.01 * rng.standard_normal(int(1.5 * loaded.sample_rate))).astype(np.float32)
    classify_samples(noise, loaded.sample_rate, model=loaded)


def active_model_version() -> str:
    """The version a worker would load now: read from metadata, without TensorFlow."""
    loaded = _loaded
    if loaded is not None and loaded.source == str(settings.SCENE_MODEL_DIR):
        return loaded.metadata.version
    return load_metadata(settings.SCENE_MODEL_DIR).version


def reset() -> None:
    """Forget the loaded model (tests, or after shipping a new version)."""
    global _loaded
    with _lock:
        _loaded = None
