"""The networks. Imported only by training and by inference inside a worker: it pulls in Keras."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

import keras
from keras import layers

from ml.features import FeatureParams

if TYPE_CHECKING:
    from ml.recipes import Recipe

MAX_PARAMS = 1_000_000


def build_model(network: str, n_classes: int, params: FeatureParams) -> keras.Model:
    """A fresh, uncompiled `network` taking (frames, n_mels) log-mel windows; raises KeyError for an unknown one."""
    builder = BUILDERS[network]
    return builder(params.frames_per_window, params.n_mels, n_classes)


def average_of(
    members: list[keras.Model], frame_strides: list[int] | None = None, weights: list[int] | None = None
) -> keras.Model:
    """One model whose output is the mean of the members' outputs.

    An ensemble saved this way is a single Keras file: the artifact's checksum, the shape
    checks and the one-batch inference treat it like any network. The members are copied
    under distinct names (weights only, no optimizer state), so they can be nested together.

    `frame_strides` mixes frame rates: a member with stride k reads every k-th frame of the
    ensemble's input. Features that differ only in a hop k times longer are exactly those
    frames (tests/ml/test_features.py), so one input serves networks on 20-ms and 40-ms frames.

    `weights` counts the networks inside each member: an ensemble of two averaged with one
    network weighs 2 to 1, so that the result is the plain mean of the three networks.
    """
    strides = frame_strides or [1] * len(members)
    if len(members) == 1 and strides == [1]:
        return members[0]
    copies = []
    for number, member in enumerate(members, start=1):
        copy = keras.Model.from_config({**member.get_config(), "name": f"{member.name}_{number}"})
        copy.set_weights(member.get_weights())
        copies.append(copy)
    inputs = keras.Input(members[strides.index(1)].input_shape[1:], name="log_mel")
    # A pool of one frame with stride k keeps frames 0, k, 2k, ...: a built-in layer, saved and loaded as any.
    strided = {k: layers.AveragePooling1D(1, strides=k, name=f"every_{k}_frames")(inputs) for k in set(strides) - {1}}
    strided[1] = inputs
    outputs = [copy(strided[k]) for copy, k in zip(copies, strides, strict=True)]
    return keras.Model(inputs, _mean_of(outputs, weights), name=f"ensemble_of_{len(members)}")


def _mean_of(outputs: list[keras.KerasTensor], weights: list[int] | None) -> keras.KerasTensor:
    """The outputs' mean, each counted `weights[i]` times; built-in layers only, so that it saves and loads."""
    if weights is None or len(set(weights)) == 1:
        return layers.Average(name="mean_of_members")(outputs)
    total = sum(weights)
    scaled = [
        layers.Rescaling(weight / total, name=f"share_of_member_{number}")(output)
        for number, (output, weight) in enumerate(zip(outputs, weights, strict=True), start=1)
    ]
    return layers.Add(name="mean_of_members")(scaled)


def check_parameter_budget(recipe: Recipe, n_classes: int) -> int:
    """The parameters of `recipe`'s ensemble of `recipe.ensemble` networks; raises ValueError above MAX_PARAMS."""
    total = build_model(recipe.network, n_classes, recipe.features).count_params() * recipe.ensemble
    refuse_over_budget(total, f"{recipe.ensemble} {recipe.network} networks")
    return total


def refuse_over_budget(total: int, what: str) -> None:
    """Raise ValueError if `what`, of `total` parameters, is over MAX_PARAMS."""
    if total > MAX_PARAMS:
        raise ValueError(
            f"{what} would have {total:,} parameters together, more than the model's budget of {MAX_PARAMS:,}"
        )


def build_crnn(
    frames: int,
    n_mels: int,
    n_classes: int,
    time_pools: tuple[int, ...] = (2, 2, 2, 2),
    frame_units: int = 128,
    lstm_units: int = 96,
    convs_per_block: int = 1,
    block_channels: tuple[int, ...] = (16, 32, 64, 128),
    per_band_norm: bool = False,
) -> keras.Model:
    """Conv front end on (time, mel), then a BiLSTM over the pooled frame sequence."""
    inputs = keras.Input((frames, n_mels), name="log_mel")
    x = layers.Reshape((frames, n_mels, 1))(inputs)
    # Learned standardisation of the dB values, kept inside the model so the artifact is self-contained:
    # over all bands at once, or each mel band on its own (axis 2), so that a quiet band's level counts
    # as much as a loud one's.
    x = layers.BatchNormalization(axis=2 if per_band_norm else -1, name="input_norm")(x)
    for i, (channels, time_pool) in enumerate(zip(block_channels, time_pools, strict=True)):
        x = _conv_block(x, channels, time_pool, convs_per_block, name=f"conv{i + 1}")
    _, t, f, c = x.shape
    x = layers.Reshape((t, f * c), name="frames")(x)
    x = layers.Dropout(0.25)(x)
    x = layers.Dense(frame_units, activation="relu", name="frame_proj")(x)
    x = layers.Bidirectional(layers.LSTM(lstm_units, return_sequences=True), name="bilstm")(x)
    # Mean and max over time: long textures (rain) and short events (a dog bark) both count.
    x = layers.Concatenate()([layers.GlobalAveragePooling1D()(x), layers.GlobalMaxPooling1D()(x)])
    x = layers.Dropout(0.4)(x)
    outputs = layers.Dense(n_classes, activation="softmax", name="labels")(x)
    return keras.Model(inputs, outputs, name="crnn")


def _conv_block(
    x: keras.KerasTensor, channels: int, time_pool: int, convs: int, *, name: str
) -> keras.KerasTensor:
    for number in range(convs):
        # The first convolution keeps the block's name, so single-convolution networks load as saved.
        conv_name = name if number == 0 else f"{name}_{number + 1}"
        x = layers.Conv2D(channels, 3, padding="same", use_bias=False, name=conv_name)(x)
        x = layers.BatchNormalization(name=f"{conv_name}_bn")(x)
        x = layers.ReLU()(x)
    return layers.MaxPooling2D((time_pool, 2))(x)


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


_build_crnn40ms_small = partial(build_crnn, time_pools=(2, 2, 2, 1), frame_units=96, lstm_units=64)

BUILDERS: dict[str, Callable[[int, int, int], keras.Model]] = {
    "crnn": build_crnn,
    # The shipped network with each mel band standardised on its own at the input: the same work.
    "crnn-bandnorm": partial(build_crnn, per_band_norm=True),
    # Pooled in time three times, not four: the LSTM still sees 15 steps per window.
    "crnn40ms": partial(build_crnn, time_pools=(2, 2, 2, 1)),
    # A third fewer parameters, in the dense layers that cost little work: four fit the budget.
    "crnn40ms-small": _build_crnn40ms_small,
    # Two convolutions per block (VGG-style): a deeper front end, for 2.3 times the work.
    "crnn40ms-deep": partial(_build_crnn40ms_small, convs_per_block=2),
    # Twice the channels in the first three blocks: the front end's width, not its depth.
    "crnn40ms-wide": partial(_build_crnn40ms_small, block_channels=(32, 64, 128, 128)),
    # Each mel band standardised on its own at the input: the same work.
    "crnn40ms-bandnorm": partial(_build_crnn40ms_small, per_band_norm=True),
    "seed": build_seed,
}
