"""The shipped scene model's head: an LSTM over YAMNet frame embeddings, taught by two sources.

ESC-50 clips (50 event labels, each mapped to a scene) and the ambience recordings (whole
places, labelled with a scene) feed one network with two outputs: a label head that only
ESC-50 clips train, and a scene head that both train. The served model returns one vector
over the labels and the scene head's outputs (`ambience:<scene>`), weighted so that it sums
to one; summing it through the label -> scene table gives the scene probabilities, so the
admin's table still decides where every output counts.

Everything here works on cached embeddings (ml.training.embeddings); TensorFlow is imported
inside functions.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ml.pipelines import frame_window_starts, window_inputs
from ml.scenes import ESC50_LABEL_TO_SCENE, SCENES, ambience_label
from ml.training.datasets import Dataset
from ml.training.embeddings import TRAINING_VARIANTS, EmbeddingSet
from ml.yamnet import EMBEDDING_SIZE, YamnetParams

Log = Callable[[str], None]


@dataclass(frozen=True)
class SceneLstmRecipe:
    projection: int = 256
    lstm_units: int = 64
    input_dropout: float = 0.2
    dropout: float = 0.3
    epochs: int = 30
    batch_size: int = 64
    learning_rate: float = 1e-3
    weight_decay: float = 1e-2
    label_smoothing: float = 0.1
    # Windows drawn from each ambience file per epoch: a 4-minute loop and a 10-s one count alike.
    windows_per_file: int = 40
    # The head reads every `frame_stride`-th YAMNet frame (0.96 s apart: half the front end's
    # work at inference) in windows of `window_frames`, `window_hop_frames` apart.
    frame_stride: int = 2
    window_frames: int = 5
    window_hop_frames: int = 3
    # Scene probability = label_weight x (label head through the table) + the rest x scene head.
    label_weight: float = 0.5
    # Heads trained with consecutive seeds and averaged: two of 442,172 parameters fit the 1 M budget.
    ensemble: int = 2

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def front_end(self, model_sha256: str, class_map_sha256: str) -> YamnetParams:
        """The front-end parameters an artifact of this recipe records."""
        return YamnetParams(
            model_sha256=model_sha256,
            class_map_sha256=class_map_sha256,
            frame_stride=self.frame_stride,
            window_frames=self.window_frames,
            window_hop_frames=self.window_hop_frames,
        )


# The shipped recipe (ml.training.recipes.SHIPPED_RECIPE names it): ml/RESULTS.md has its figures.
SCENE_LSTM_RECIPE = SceneLstmRecipe()


@dataclass(frozen=True)
class Sources:
    """The two training sources and their embeddings."""

    esc50: Dataset
    esc50_embeddings: EmbeddingSet
    ambience: Dataset
    ambience_embeddings: EmbeddingSet

    @property
    def labels(self) -> list[str]:
        return list(self.esc50.labels)

    @property
    def scenes(self) -> list[str]:
        return list(SCENES)

    @property
    def output_labels(self) -> list[str]:
        return self.labels + [ambience_label(scene) for scene in self.scenes]


def frame_sequence(frames: np.ndarray, recipe: SceneLstmRecipe, phase: int = 0) -> np.ndarray:
    """The frames the head reads: every frame_stride-th, starting at `phase` (at least one frame)."""
    picked = frames[phase :: recipe.frame_stride]
    return (picked if len(picked) else frames[:1]).astype(np.float32)


def sequence_windows(sequence: np.ndarray, recipe: SceneLstmRecipe, hop: int | None = None) -> np.ndarray:
    """(n, window_frames, 1024) windows covering the sequence, cut as inference cuts them (ml.pipelines)."""
    size = recipe.window_frames
    return window_inputs(sequence, frame_window_starts(len(sequence), size, hop or recipe.window_hop_frames), size)


def build_head(recipe: SceneLstmRecipe, n_labels: int, n_scenes: int, *, seed: int = 0) -> Any:
    """The training network: (window_frames, 1024) -> [label probabilities, scene probabilities].

    Named by its seed, so that the heads of an ensemble can live in one served model.
    """
    import keras
    from keras import layers

    inputs = keras.Input((recipe.window_frames, EMBEDDING_SIZE), name="embeddings")
    x = layers.Dropout(recipe.input_dropout)(inputs)
    x = layers.TimeDistributed(layers.Dense(recipe.projection, activation="relu"), name="projection")(x)
    x = layers.Bidirectional(layers.LSTM(recipe.lstm_units, return_sequences=True), name="lstm")(x)
    x = layers.Concatenate()([layers.GlobalAveragePooling1D()(x), layers.GlobalMaxPooling1D()(x)])
    x = layers.Dropout(recipe.dropout)(x)
    labels = layers.Dense(n_labels, activation="softmax", name="label")(x)
    scenes = layers.Dense(n_scenes, activation="softmax", name="scene")(x)
    return keras.Model(inputs, [labels, scenes], name=f"scene_lstm_seed{seed}")


def serving_model(heads: list[Any], recipe: SceneLstmRecipe) -> Any:
    """One model over the heads: the mean of their weighted [labels, ambience scenes] vectors (sums to 1)."""
    import keras
    from keras import layers

    inputs = keras.Input((recipe.window_frames, EMBEDDING_SIZE), name="embeddings")
    outputs = []
    for head in heads:
        labels, scenes = _uncompiled(head)(inputs, training=False)
        outputs.append(
            layers.Concatenate()(
                [layers.Rescaling(recipe.label_weight)(labels), layers.Rescaling(1.0 - recipe.label_weight)(scenes)]
            )
        )
    output = outputs[0] if len(outputs) == 1 else layers.Average()(outputs)
    return keras.Model(inputs, output, name="scene_lstm_serving")


def _uncompiled(head: Any) -> Any:
    """A copy of a trained head without its optimizer, whose state would otherwise be saved with it."""
    import keras

    copy = keras.Model.from_config(head.get_config())
    copy.set_weights(head.get_weights())
    return copy


def train_heads(
    sources: Sources,
    *,
    esc50_clips: np.ndarray,
    ambience_files: np.ndarray,
    recipe: SceneLstmRecipe,
    seed: int,
    log: Log = print,
    validation_clips: np.ndarray | None = None,
) -> list[Any]:
    """Train `recipe.ensemble` heads (seeds seed, seed + 1, ...) on the given clips and files.

    With `validation_clips` (ESC-50 clips), each epoch's line reports the head's label accuracy on them.
    """
    validation = None if validation_clips is None else _validation_set(sources, validation_clips, recipe)
    return [
        _train_head(sources, esc50_clips, ambience_files, recipe, seed + k, log, validation)
        for k in range(recipe.ensemble)
    ]


def _validation_set(sources: Sources, clips: np.ndarray, recipe: SceneLstmRecipe) -> tuple[np.ndarray, np.ndarray]:
    windows = [sequence_windows(frame_sequence(sources.esc50_embeddings.clip(i), recipe), recipe)[0] for i in clips]
    truth = np.array([sources.labels.index(sources.esc50.clips[i].label) for i in clips])
    return np.stack(windows), truth


def _train_head(
    sources: Sources,
    esc50_clips: np.ndarray,
    ambience_files: np.ndarray,
    recipe: SceneLstmRecipe,
    seed: int,
    log: Log,
    validation: tuple[np.ndarray, np.ndarray] | None,
) -> Any:
    import keras

    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    pool = _TrainingPool(sources, esc50_clips, ambience_files, recipe)
    model = build_head(recipe, len(sources.labels), len(sources.scenes), seed=seed)
    steps = -(-pool.epoch_size // recipe.batch_size)
    schedule = keras.optimizers.schedules.CosineDecay(recipe.learning_rate, recipe.epochs * steps)
    model.compile(
        optimizer=keras.optimizers.AdamW(schedule, weight_decay=recipe.weight_decay),
        loss=[keras.losses.CategoricalCrossentropy(label_smoothing=recipe.label_smoothing)] * 2,
    )
    started = time.monotonic()
    for epoch in range(1, recipe.epochs + 1):
        x, targets, weights = pool.epoch(rng)
        history = model.fit(x, targets, sample_weight=weights, batch_size=recipe.batch_size, epochs=1, verbose=0)
        elapsed = time.monotonic() - started
        log(
            f"seed {seed} epoch {epoch}/{recipe.epochs}  loss {history.history['loss'][-1]:.4f}"
            f"{_validation_accuracy(model, validation)}  "
            f"elapsed {elapsed:.0f} s  left ~{elapsed / epoch * (recipe.epochs - epoch):.0f} s"
        )
    return model


def _validation_accuracy(model: Any, validation: tuple[np.ndarray, np.ndarray] | None) -> str:
    if validation is None:
        return ""
    windows, truth = validation
    labels = np.asarray(model.predict_on_batch(windows)[0])
    return f"  val_acc {float((labels.argmax(axis=1) == truth).mean()):.4f}"


class _TrainingPool:
    """Every training view, precomputed once: an epoch draws from it without touching audio."""

    def __init__(
        self, sources: Sources, esc50_clips: np.ndarray, ambience_files: np.ndarray, recipe: SceneLstmRecipe
    ) -> None:
        self.recipe = recipe
        labels, scenes = sources.labels, sources.scenes
        esc = sources.esc50_embeddings
        # Each ESC-50 clip (5 s) is one window, seen at every level variant and frame phase.
        self.esc50_views = np.stack([self._clip_views(esc.clip, i) for i in esc50_clips])
        self.esc50_labels = np.array([labels.index(sources.esc50.clips[i].label) for i in esc50_clips], dtype=int)
        label_scene = [scenes.index(ESC50_LABEL_TO_SCENE[label]) for label in labels]
        self.esc50_scenes = np.array([label_scene[k] for k in self.esc50_labels], dtype=int)
        self.ambience_windows = [self._file_windows(sources.ambience_embeddings.clip, f) for f in ambience_files]
        self.ambience_scenes = [scenes.index(sources.ambience.clips[f].label) for f in ambience_files]
        self.n_labels, self.n_scenes = len(labels), len(scenes)

    def _clip_views(self, clip: Callable[[int, str], np.ndarray], index: int) -> list[np.ndarray]:
        recipe = self.recipe
        return [
            sequence_windows(frame_sequence(clip(index, variant), recipe, phase), recipe)[0]
            for variant in TRAINING_VARIANTS
            for phase in range(recipe.frame_stride)
        ]

    def _file_windows(self, clip: Callable[[int, str], np.ndarray], index: int) -> np.ndarray:
        """Every window of a recording, one frame apart, at every level variant and frame phase."""
        recipe = self.recipe
        return np.concatenate(
            [
                sequence_windows(frame_sequence(clip(index, variant), recipe, phase), recipe, hop=1)
                for variant in TRAINING_VARIANTS
                for phase in range(recipe.frame_stride)
            ]
        )

    @property
    def epoch_size(self) -> int:
        return len(self.esc50_views) + len(self.ambience_windows) * self.recipe.windows_per_file

    def epoch(self, rng: np.random.Generator) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
        """One random view of each ESC-50 clip and windows_per_file random windows of each file."""
        per_file = self.recipe.windows_per_file
        n_clips, n_views = self.esc50_views.shape[:2]
        esc = self.esc50_views[np.arange(n_clips), rng.integers(n_views, size=n_clips)]
        ambience = [w[rng.choice(len(w), size=per_file, replace=len(w) < per_file)] for w in self.ambience_windows]
        x = np.concatenate([esc, *ambience]).astype(np.float32)
        n_ambience = per_file * len(self.ambience_windows)
        label_ids = np.concatenate([self.esc50_labels, np.zeros(n_ambience, dtype=int)])
        scene_ids = np.concatenate([self.esc50_scenes, np.repeat(self.ambience_scenes, per_file).astype(int)])
        labels = np.eye(self.n_labels, dtype=np.float32)[label_ids]
        scenes = np.eye(self.n_scenes, dtype=np.float32)[scene_ids]
        # Ambience recordings carry no event label: they teach the scene head only.
        label_weight = np.concatenate([np.ones(len(esc)), np.zeros(n_ambience)]).astype(np.float32)
        return x, [labels, scenes], [label_weight, np.ones(len(x), dtype=np.float32)]

