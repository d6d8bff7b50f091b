"""Model factories: uncompiled Keras models that output logits, as the original lab's `hypothesis`.

Initializers are named as the course names them, and mean what the original code meant:
"normal" is `tf.random_normal` with its default stddev of 1.0 (not Keras's 0.05), "xavier" is the
Glorot uniform initializer that `tf.contrib.layers.xavier_initializer()` defaulted to.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence

import keras
from keras import layers

from tfmlp.config import IMAGE_PIXELS, NUM_CLASSES, ConfigError, ModelConfig, choice
from tfmlp.distortions import RandomDistortion
from tfmlp.language import message

INITIALIZERS: dict[str, Callable[[], keras.initializers.Initializer]] = {
    "normal": lambda: keras.initializers.RandomNormal(mean=0.0, stddev=1.0),
    "small_normal": lambda: keras.initializers.RandomNormal(mean=0.0, stddev=0.01),
    "truncated_normal": lambda: keras.initializers.TruncatedNormal(mean=0.0, stddev=1.0),
    "xavier": keras.initializers.GlorotUniform,
    "he": lambda: keras.initializers.VarianceScaling(2.0, mode="fan_in", distribution="untruncated_normal"),
    "lecun": keras.initializers.LecunNormal,
    "zeros": keras.initializers.Zeros,
}
DROPOUT_TYPES: dict[str, type[keras.layers.Layer]] = {"standard": layers.Dropout, "alpha": layers.AlphaDropout}
EXAMPLE_ACTIVATIONS = ("relu", "leaky_relu", "elu", "selu", "tanh", "sigmoid")
LEAKY_RELU_SLOPE = 0.01  # the course's leaky ReLU, max(0.01x, x); Keras's own default slope is 0.2


def initializer(name: str) -> keras.initializers.Initializer:
    """A fresh initializer for the course's name of it.

    Args:
        name: one of `INITIALIZERS`: "normal" (stddev 1.0, `tf.random_normal`), "small_normal"
            (stddev 0.01), "truncated_normal" (stddev 1.0, `tf.truncated_normal`), "xavier" (Glorot
            uniform), "he" (normal with variance 2 / fan_in), "lecun" (LeCun normal, for SELU), "zeros".

    Returns:
        A new Keras initializer (a new one per layer, so layers draw different weights).
    """
    return INITIALIZERS[choice("initializer", name, INITIALIZERS)]()


def mlp(
    widths: Sequence[int] = (),
    *,
    activation: str = "relu",
    kernel_init: str = "xavier",
    bias_init: str = "normal",
    dropout_rate: float = 0.0,
    dropout_type: str = "standard",
    batch_norm: bool = False,
    batch_norm_momentum: float = 0.99,
    augment_shift: float = 0.0,
    augment_rotation: float = 0.0,
    augment_zoom: float = 0.0,
    augment_elastic_alpha: float = 0.0,
    augment_elastic_sigma: float = 4.0,
    num_classes: int = NUM_CLASSES,
    input_dim: int = IMAGE_PIXELS,
    name: str = "mlp",
) -> keras.Sequential:
    """A multi-layer perceptron from flattened images to logits, optionally distorting its training images first.

    Each hidden layer is Dense -> [BatchNormalization] -> activation -> [Dropout], each a layer of
    its own so that TensorBoard and the diagnostics see every stage. With batch norm the Dense layer
    has no bias, since normalization would cancel it.

    Args:
        widths: hidden layer widths; `()` gives softmax regression (lab 10-1).
        activation: a Keras activation name ("relu", "sigmoid", "tanh", "elu", "selu", ...);
            "leaky_relu" is the course's, with slope 0.01.
        kernel_init: initializer name for every weight matrix (see `initializer`).
        bias_init: initializer name for every bias.
        dropout_rate: fraction of hidden units dropped in training (original keep_prob 0.7 -> 0.3).
        dropout_type: "standard", or "alpha" (`AlphaDropout`, which keeps SELU's self-normalization).
        batch_norm: normalize each hidden layer's pre-activations.
        batch_norm_momentum: moving-average momentum of batch norm (TF1's `decay`).
        augment_shift, augment_rotation, augment_zoom: random affine distortions of each training image
            (`augmentation_layers`; fractions of its size, of a full turn, of its size).
        augment_elastic_alpha, augment_elastic_sigma: random elastic distortions of each training
            image (`tfmlp.distortions`: the field's scale and smoothness, in pixels).
        num_classes: logits out.
        input_dim: features in (784 pixels for MNIST).
        name: the model's name in summaries and TensorBoard.

    Returns:
        An uncompiled `keras.Sequential` whose output is `(batch, num_classes)` logits.

    Raises:
        ConfigError: a value has the wrong type or range, or names no initializer, activation or
            dropout type; the message names the argument.

    Example:
        >>> model = mlp([512] * 4, kernel_init="xavier", dropout_rate=0.3)  # lab 10-5
    """
    config = ModelConfig(  # checks every value's type and range, as for a configuration file
        widths=widths,
        activation=activation,
        kernel_init=kernel_init,
        bias_init=bias_init,
        dropout_rate=dropout_rate,
        dropout_type=dropout_type,
        batch_norm=batch_norm,
        batch_norm_momentum=batch_norm_momentum,
        augment_shift=augment_shift,
        augment_rotation=augment_rotation,
        augment_zoom=augment_zoom,
        augment_elastic_alpha=augment_elastic_alpha,
        augment_elastic_sigma=augment_elastic_sigma,
    )
    check_names(config)
    settings = {name: value for name, value in dataclasses.asdict(config).items() if not name.startswith("augment_")}
    model = keras.Sequential([keras.Input(shape=(input_dim,)), *augmentation_layers(config)], name=name)
    for index, width in enumerate(settings.pop("widths"), start=1):
        for layer in hidden_block(width, index, **settings):
            model.add(layer)
    model.add(logits_layer(num_classes, kernel_init, bias_init))
    return model


def hidden_block(
    width: int,
    index: int,
    *,
    activation: str = "relu",
    kernel_init: str = "xavier",
    bias_init: str = "normal",
    dropout_rate: float = 0.0,
    dropout_type: str = "standard",
    batch_norm: bool = False,
    batch_norm_momentum: float = 0.99,
    prefix: str = "",
) -> list[keras.layers.Layer]:
    """The layers of one hidden layer, in order: Dense, [BatchNormalization], activation, [Dropout].

    Sequential models add them one by one; functional models apply them in turn. `prefix` keeps
    layer names unique where several branches are built.
    """
    block: list[keras.layers.Layer] = [
        layers.Dense(
            width,
            use_bias=not batch_norm,
            kernel_initializer=initializer(kernel_init),
            bias_initializer=initializer(bias_init),
            name=f"{prefix}dense_{index}",
        )
    ]
    if batch_norm:
        block.append(layers.BatchNormalization(momentum=batch_norm_momentum, name=f"{prefix}batch_norm_{index}"))
    block.append(activation_layer(activation, name=f"{prefix}{activation}_{index}"))
    if dropout_rate:
        block.append(DROPOUT_TYPES[dropout_type](dropout_rate, name=f"{prefix}dropout_{index}"))
    return block


def _apply(block: Sequence[keras.layers.Layer], tensor: keras.KerasTensor) -> keras.KerasTensor:
    for layer in block:
        tensor = layer(tensor)
    return tensor


def residual_mlp(
    width: int = 512,
    depth: int = 4,
    *,
    activation: str = "relu",
    kernel_init: str = "xavier",
    dropout_rate: float = 0.0,
    name: str = "residual_mlp",
) -> keras.Model:
    """A deep MLP whose hidden layers after the first add their input to their output ("fast forward").

    The skip connections give the gradient a path around every layer, so depth costs less.

    Args:
        width: units of every hidden layer (equal widths, so each output adds to its input).
        depth: hidden layers.
        activation, kernel_init, dropout_rate: as in `mlp`.
        name: the model's name.

    Returns:
        An uncompiled functional `keras.Model` of logits.

    Example:
        >>> model = residual_mlp(512, depth=4, dropout_rate=0.3)
    """
    settings = {"activation": activation, "kernel_init": kernel_init, "bias_init": "zeros", "dropout_rate": dropout_rate}
    inputs = keras.Input(shape=(IMAGE_PIXELS,), name="images")
    hidden = _apply(hidden_block(width, 1, **settings), inputs)
    for index in range(2, depth + 1):
        hidden = layers.Add(name=f"skip_{index}")([hidden, _apply(hidden_block(width, index, **settings), hidden)])
    return keras.Model(inputs, logits_layer(NUM_CLASSES, kernel_init, "zeros")(hidden), name=name)


def split_merge_mlp(
    branches: Sequence[Sequence[int]] = ((512, 256), (256, 256), (128, 256)),
    merged_width: int = 512,
    *,
    activation: str = "relu",
    kernel_init: str = "xavier",
    dropout_rate: float = 0.0,
    name: str = "split_merge_mlp",
) -> keras.Model:
    """Parallel branches of different shapes from the same input, concatenated, then one more layer.

    Args:
        branches: each branch's hidden widths.
        merged_width: the hidden layer after the concatenation.
        activation, kernel_init, dropout_rate: as in `mlp`.
        name: the model's name.

    Returns:
        An uncompiled functional `keras.Model` of logits.

    Example:
        >>> model = split_merge_mlp(((512, 256), (128, 256)), merged_width=512)
    """
    settings = {"activation": activation, "kernel_init": kernel_init, "bias_init": "zeros", "dropout_rate": dropout_rate}
    inputs = keras.Input(shape=(IMAGE_PIXELS,), name="images")
    outputs = []
    for branch, widths in enumerate(branches, start=1):
        hidden = inputs
        for index, width in enumerate(widths, start=1):
            hidden = _apply(hidden_block(width, index, prefix=f"branch_{branch}_", **settings), hidden)
        outputs.append(hidden)
    merged = layers.Concatenate(name="merge")(outputs)
    hidden = _apply(hidden_block(merged_width, 1, prefix="merged_", **settings), merged)
    return keras.Model(inputs, logits_layer(NUM_CLASSES, kernel_init, "zeros")(hidden), name=name)


def ensemble(members: Sequence[keras.Model], name: str = "ensemble") -> keras.Model:
    """One model that averages the logits of already trained `members`.

    Args:
        members: models of the same input and output shapes (their weights are shared, not copied).
        name: the model's name.

    Returns:
        A functional `keras.Model` whose logits are the members' mean.

    Example:
        >>> combined = ensemble([model_a, model_b, model_c])
    """
    inputs = keras.Input(shape=(IMAGE_PIXELS,), name="images")
    return keras.Model(inputs, layers.Average(name="average")([member(inputs) for member in members]), name=name)


def activation_layer(activation: str, name: str | None = None) -> keras.layers.Layer:
    """The activation as a layer of its own; "leaky_relu" with the course's slope of 0.01.

    Raises:
        ConfigError: Keras knows no activation of that name.
    """
    if check_activation(activation) == "leaky_relu":
        return layers.LeakyReLU(negative_slope=LEAKY_RELU_SLOPE, name=name)
    return layers.Activation(activation, name=name)


def check_names(config: ModelConfig) -> None:
    """Refuse a configuration whose initializer, dropout or activation names no Keras part, without
    building anything: `ModelConfig` checks every value's type and range, this the names.

    Raises:
        ConfigError: the message names the field ("kernel_init must be one of ..., got 'xavir'").
    """
    choice("kernel_init", config.kernel_init, INITIALIZERS)
    choice("bias_init", config.bias_init, INITIALIZERS)
    choice("dropout_type", config.dropout_type, DROPOUT_TYPES)
    check_activation(config.activation)  # even where there is no hidden layer to use it


def check_activation(activation: str, field: str = "activation") -> str:
    """`activation` if it names an activation ("leaky_relu" or Keras's), else ConfigError naming `field`."""
    try:
        if activation != "leaky_relu":
            keras.activations.get(activation)
    except ValueError:
        raise ConfigError.of(field, activation, message("config.activation_name", examples=", ".join(EXAMPLE_ACTIVATIONS))) from None
    return activation


def logits_layer(num_classes: int = NUM_CLASSES, kernel_init: str = "xavier", bias_init: str = "normal") -> keras.layers.Dense:
    """The last layer of every model here: linear, one logit per class, in float32 whatever the
    precision of the layers before it, so the softmax and the loss see full-precision logits."""
    return layers.Dense(
        num_classes, kernel_initializer=initializer(kernel_init), bias_initializer=initializer(bias_init), dtype="float32", name="logits"
    )


def mlp_from_config(config: ModelConfig, name: str = "mlp") -> keras.Sequential:
    """`mlp` with the hyperparameters of a lab's `ModelConfig`.

    Args:
        config: widths, activation, initializers, dropout and batch norm.
        name: the model's name.

    Returns:
        An uncompiled `keras.Sequential` of logits.

    Example:
        >>> model = mlp_from_config(LabConfig.load("runs/search/best.json").model)
    """
    return mlp(**dataclasses.asdict(config), name=name)


def softmax_regression(kernel_init: str = "normal", bias_init: str = "normal") -> keras.Sequential:
    """Lab 10-1's model: one Dense layer from 784 pixels to 10 logits, no hidden layer.

    Args:
        kernel_init, bias_init: initializer names (see `mlp`); the lab's are "normal".

    Returns:
        An uncompiled `keras.Sequential` of logits.

    Example:
        >>> model = softmax_regression()  # weights and biases ~ N(0, 1), as tf.random_normal drew them
    """
    return mlp((), kernel_init=kernel_init, bias_init=bias_init, name="softmax_regression")


def leaf_layers(layer: keras.layers.Layer) -> Iterator[keras.layers.Layer]:
    """The layers that hold no layers, inside `layer` (a model, or models of models) or `layer` itself."""
    inner = getattr(layer, "layers", None)
    if inner is None:
        yield layer
    for each in inner or ():
        yield from leaf_layers(each)


def compiles_under_xla(model: keras.Model) -> bool:
    """Whether XLA can compile every layer (Keras marks its random image layers as not; tfmlp's
    `RandomDistortion`, which the factories build, it can)."""
    return all(getattr(layer, "supports_jit", True) for layer in leaf_layers(model))


def augmentation_layers(config: ModelConfig) -> list[keras.layers.Layer]:
    """The random distortions of each training image that `config` asks for, as one layer that XLA
    compiles (`tfmlp.distortions.RandomDistortion`, inactive outside training): `[]` when it asks for none.

    A network that sees every digit shifted, turned, scaled and bent a little learns what stays the
    same: the shape, not its position on the grid. It is the one idea that takes an MLP past 0.99.
    """
    if not config.augments:
        return []
    return [
        RandomDistortion(
            shift=config.augment_shift,
            rotation=config.augment_rotation,
            zoom=config.augment_zoom,
            elastic_alpha=config.augment_elastic_alpha,
            elastic_sigma=config.augment_elastic_sigma,
            name="random_distortion",
        )
    ]


def multiplies_in_bfloat16(model: keras.Model) -> bool:
    """Whether any layer with weights of its own computes in bfloat16 (built under Keras's mixed_bfloat16 policy)."""
    return any(layer.compute_dtype == "bfloat16" for layer in leaf_layers(model) if layer.weights)
