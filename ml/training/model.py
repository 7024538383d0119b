"""The log-mel network. Imported only by training and by inference inside a worker: it pulls in Keras.

Only the seed network is left here: the original proof of concept's, kept as the baseline. The
shipped model (yamnet-lstm) is built in ml.training.scene_lstm.
"""

from __future__ import annotations

from collections.abc import Callable

import keras
from keras import layers

from ml.features import FeatureParams


def build_model(network: str, n_classes: int, params: FeatureParams) -> keras.Model:
    """A fresh, uncompiled `network` taking (frames, n_mels) log-mel windows; raises KeyError for an unknown one."""
    builder = BUILDERS[network]
    return builder(params.frames_per_window, params.n_mels, n_classes)


def build_seed(frames: int, n_mels: int, n_classes: int) -> keras.Model:
    """The original proof of concept's ~60k-parameter network, layer for layer."""
    inputs = keras.Input((frames, n_mels), name="log_mel")
    x = layers.LayerNormalization(axis=2, name="frame_norm")(inputs)
    x = layers.TimeDistributed(layers.Dense(64, activation="tanh"), name="td_dense")(x)
    s = layers.Bidirectional(layers.LSTM(32, return_sequences=True), name="bilstm")(x)
    x = layers.Concatenate(axis=2, name="skip")([x, s])
    x = layers.Dense(64, activation="relu")(x)
    x = layers.MaxPooling1D()(x)
    x = layers.Dense(32, activation="relu")(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(0.2)(x)
    x = layers.Dense(32, activation="relu", activity_regularizer=keras.regularizers.l2(0.001))(x)
    outputs = layers.Dense(n_classes, activation="softmax", name="labels")(x)
    return keras.Model(inputs, outputs, name="seed")


BUILDERS: dict[str, Callable[[int, int, int], keras.Model]] = {
    "seed": build_seed,
}
