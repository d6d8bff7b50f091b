"""Model factories: uncompiled Keras models that output logits, as the original lab's `hypothesis`.

Initializers are named as the course names them, and mean what the original code meant:
"normal" is `tf.random_normal` with its default stddev of 1.0 (not Keras's 0.05), "xavier" is the
Glorot uniform initializer that `tf.contrib.layers.xavier_initializer()` defaulted to.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from tfmlp._tf import keras
from tfmlp.config import ModelConfig
from tfmlp.data import IMAGE_PIXELS, NUM_CLASSES

from keras import layers

INITIALIZERS: dict[str, Callable[[], keras.initializers.Initializer]] = {
    "normal": lambda: keras.initializers.RandomNormal(mean=0.0, stddev=1.0),
    "xavier": keras.initializers.GlorotUniform,
    "he": lambda: keras.initializers.VarianceScaling(2.0, mode="fan_in", distribution="untruncated_normal"),
    "zeros": keras.initializers.Zeros,
}


def initializer(name: str) -> keras.initializers.Initializer:
    """A fresh initializer for the course's name of it.

    Args:
        name: one of `INITIALIZERS`: "normal" (stddev 1.0), "xavier" (Glorot uniform),
            "he" (normal with variance 2 / fan_in), "zeros".

    Returns:
        A new Keras initializer (a new one per layer, so layers draw different weights).
    """
    try:
        return INITIALIZERS[name]()
    except KeyError:
        raise ValueError(f"unknown initializer {name!r}; valid: {', '.join(INITIALIZERS)}") from None


def mlp(
    widths: Sequence[int] = (),
    *,
    activation: str = "relu",
    kernel_init: str = "xavier",
    bias_init: str = "normal",
    dropout_rate: float = 0.0,
    batch_norm: bool = False,
    num_classes: int = NUM_CLASSES,
    input_dim: int = IMAGE_PIXELS,
    name: str = "mlp",
) -> keras.Sequential:
    """A multi-layer perceptron from flattened images to logits.

    Each hidden layer is Dense -> [BatchNormalization] -> activation -> [Dropout]. With batch norm
    the Dense layer has no bias, since normalization would cancel it.

    Args:
        widths: hidden layer widths; `()` gives softmax regression (lab 10-1).
        activation: any Keras activation name ("relu", "sigmoid", "tanh", "elu", "selu", ...).
        kernel_init: initializer name for every weight matrix (see `initializer`).
        bias_init: initializer name for every bias.
        dropout_rate: fraction of hidden units dropped in training (original keep_prob 0.7 -> 0.3).
        batch_norm: normalize each hidden layer's pre-activations.
        num_classes: logits out.
        input_dim: features in (784 pixels for MNIST).
        name: the model's name in summaries and TensorBoard.

    Returns:
        An uncompiled `keras.Sequential` whose output is `(batch, num_classes)` logits.

    Example:
        >>> model = mlp([512] * 4, kernel_init="xavier", dropout_rate=0.3)  # lab 10-5
    """
    if any(width < 1 for width in widths):
        raise ValueError(f"every hidden width must be at least 1, got {tuple(widths)}")
    if not 0.0 <= dropout_rate < 1.0:
        raise ValueError(f"dropout_rate must be in [0, 1), got {dropout_rate}")
    model = keras.Sequential([keras.Input(shape=(input_dim,))], name=name)
    for index, width in enumerate(widths, start=1):
        model.add(
            layers.Dense(
                width,
                activation=None if batch_norm else activation,
                use_bias=not batch_norm,
                kernel_initializer=initializer(kernel_init),
                bias_initializer=initializer(bias_init),
                name=f"dense_{index}",
            )
        )
        if batch_norm:
            model.add(layers.BatchNormalization(name=f"batch_norm_{index}"))
            model.add(layers.Activation(activation, name=f"{activation}_{index}"))
        if dropout_rate:
            model.add(layers.Dropout(dropout_rate, name=f"dropout_{index}"))
    model.add(
        layers.Dense(
            num_classes,
            kernel_initializer=initializer(kernel_init),
            bias_initializer=initializer(bias_init),
            name="logits",
        )
    )
    return model


def mlp_from_config(config: ModelConfig, name: str = "mlp") -> keras.Sequential:
    """`mlp` with the hyperparameters of a lab's `ModelConfig`."""
    return mlp(**dataclasses.asdict(config), name=name)


def softmax_regression(kernel_init: str = "normal", bias_init: str = "normal") -> keras.Sequential:
    """Lab 10-1's model: one Dense layer from 784 pixels to 10 logits, no hidden layer.

    Example:
        >>> model = softmax_regression()  # weights and biases ~ N(0, 1), as tf.random_normal drew them
    """
    return mlp((), kernel_init=kernel_init, bias_init=bias_init, name="softmax_regression")
