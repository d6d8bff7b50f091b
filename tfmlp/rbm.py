"""Restricted Boltzmann machines, stacked into a deep belief net: the pre-training of lecture 10's story.

In 2006 Hinton, Osindero and Teh trained deep nets that had failed before by first training them
without labels, one layer at a time. Each layer is a restricted Boltzmann machine (RBM): binary
visible units (the pixels) and binary hidden units (the features), every visible unit joined to every
hidden one by a weight and none joined within its own layer, so that, given one layer, the units of
the other are independent: p(h_j = 1 | v) = sigmoid(v W_j + c_j), p(v_i = 1 | h) = sigmoid(W_i h + b_i).
The machine learns to give the training images a high probability. Its exact gradient needs samples
from the model's own distribution, which would take a long Markov chain; contrastive divergence (CD-k)
starts the chain at the data and stops after k steps:

    dW = learning_rate * (<v h>_data - <v h>_reconstruction)

"raise the weights between pixels and features that go together in the data, lower them between those
that go together in the network's own fantasy". This is not the gradient of any loss, so it is written
here with TensorFlow ops, not minimized by a Keras optimizer. Settings follow Hinton's "A practical
guide to training restricted Boltzmann machines" (2010): weights from N(0, 0.01), hidden biases 0,
visible biases log(p / (1 - p)) of each pixel's mean, mini-batches of 100, learning rate 0.1, momentum
0.5 then 0.9, weight decay 0.0002, sampled hidden states to drive the reconstruction and probabilities
everywhere else.

Stacking: the second RBM is trained on the first one's hidden probabilities, and so on; each RBM's
weights and hidden biases then initialize a Dense layer with a sigmoid, which computes exactly those
probabilities. Fine tuning with labels (backpropagation) starts from there.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import keras
import numpy as np
import tensorflow as tf

from tfmlp.config import RBMConfig
from tfmlp.language import message

PIXEL_MEAN_CLIP = 1e-3  # a pixel that is never (or always) ink would get a visible bias of -inf (+inf)


@dataclass(frozen=True)
class RBMLayer:
    """A trained RBM: what initializes a Dense layer, its visible biases, and how well it reconstructed.

    `kernel` is (visible, hidden), as a Keras Dense layer's kernel; `dense_weights()` is what its
    `set_weights` takes. The visible biases belong to the RBM alone: a feed-forward net has no use for them.
    """

    kernel: np.ndarray
    hidden_bias: np.ndarray
    visible_bias: np.ndarray
    reconstruction_errors: tuple[float, ...]  # per epoch: mean squared error between the data and its reconstruction
    seconds: float

    def dense_weights(self) -> list[np.ndarray]:
        """[kernel, bias] for `keras.layers.Dense.set_weights`."""
        return [self.kernel, self.hidden_bias]

    def hidden_probabilities(self, visible: np.ndarray) -> np.ndarray:
        """p(h = 1 | v) for each row of `visible`: the features this layer hands to the next."""
        return hidden_given(Parameters(self.kernel, self.hidden_bias, self.visible_bias), visible).numpy()


class Parameters(NamedTuple):
    """An RBM's weights, (visible, hidden), and its two biases: plain tensors, no variables, so that an RBM
    trains the same wherever it is called (inside a `tf.distribute` strategy's scope too)."""

    weights: tf.Tensor
    hidden_bias: tf.Tensor
    visible_bias: tf.Tensor


def initial_parameters(visible: int, hidden: int, seed: tf.Tensor, visible_bias: np.ndarray | None = None) -> Parameters:
    """The practical guide's start: weights from N(0, 0.01) drawn from `seed` (a stateless op's (2,) seed),
    hidden biases 0, and `visible_bias` (zeros if None; `pixel_biases` gives the guide's)."""
    return Parameters(
        tf.random.stateless_normal((visible, hidden), seed=seed, stddev=0.01),
        tf.zeros(hidden),
        tf.zeros(visible) if visible_bias is None else tf.constant(visible_bias, tf.float32),
    )


def hidden_given(parameters: Parameters, visible: tf.Tensor) -> tf.Tensor:
    """p(h = 1 | v), for each row of `visible`."""
    return tf.sigmoid(tf.matmul(visible, parameters.weights) + parameters.hidden_bias)


def visible_given(parameters: Parameters, hidden: tf.Tensor) -> tf.Tensor:
    """p(v = 1 | h), for each row of `hidden`."""
    return tf.sigmoid(tf.matmul(hidden, parameters.weights, transpose_b=True) + parameters.visible_bias)


def contrastive_divergence(
    parameters: Parameters, visible: tf.Tensor, cd_steps: int, sample_seed: tf.Tensor
) -> tuple[Parameters, tf.Tensor]:
    """The CD-k estimate of the log-likelihood's gradient for a batch, and the batch's reconstruction.

    Positive statistics from the data and its hidden probabilities; then k Gibbs steps (hidden states
    sampled, visible probabilities as the reconstruction, as the guide advises); negative statistics
    from the last reconstruction and its hidden probabilities.

    Args:
        parameters: the RBM.
        visible: (batch, visible) probabilities in [0, 1] (pixels, or the layer below's features).
        cd_steps: k.
        sample_seed: a (2,) int64 seed for this batch's samples (step i of the chain adds i to its second part).

    Returns:
        (the ascent directions, shaped as `parameters`: batch means, before any learning rate, momentum or
        weight decay; the reconstruction).
    """
    positive_hidden = hidden_given(parameters, visible)
    hidden, reconstruction = positive_hidden, visible
    for step in range(cd_steps):
        noise = tf.random.stateless_uniform(tf.shape(hidden), seed=sample_seed + tf.constant([0, 1], tf.int64) * step)
        reconstruction = visible_given(parameters, tf.cast(noise < hidden, tf.float32))
        hidden = hidden_given(parameters, reconstruction)
    batch = tf.cast(tf.shape(visible)[0], tf.float32)
    return Parameters(
        (tf.matmul(visible, positive_hidden, transpose_a=True) - tf.matmul(reconstruction, hidden, transpose_a=True)) / batch,
        tf.reduce_mean(positive_hidden - hidden, axis=0),
        tf.reduce_mean(visible - reconstruction, axis=0),
    ), reconstruction


@tf.function
def _train_epoch(
    parameters: Parameters, velocities: Parameters, batches: tf.Tensor, first_seed: tf.Tensor, settings: tf.Tensor, cd_steps: int
) -> tuple[Parameters, Parameters, tf.Tensor]:
    """One pass over `batches`, (count, batch, visible), with momentum and weight decay: the parameters and
    velocities after it, and the epoch's mean reconstruction error. `settings` is (learning rate, momentum,
    weight decay), a tensor, so that the momentum's switch does not trace the function again."""
    learning_rate, momentum, weight_decay = settings[0], settings[1], settings[2]
    total = tf.constant(0.0)
    for index in tf.range(tf.shape(batches)[0]):
        visible = batches[index]
        sample_seed = first_seed + tf.stack([0, tf.cast(index * cd_steps, tf.int64)])
        directions, reconstruction = contrastive_divergence(parameters, visible, cd_steps, sample_seed)
        directions = directions._replace(weights=directions.weights - weight_decay * parameters.weights)
        velocities = Parameters(*(momentum * velocity + learning_rate * direction for velocity, direction in zip(velocities, directions)))
        parameters = Parameters(*(parameter + velocity for parameter, velocity in zip(parameters, velocities)))
        total += tf.reduce_mean(tf.square(visible - reconstruction))
    return parameters, velocities, total / tf.cast(tf.shape(batches)[0], tf.float32)


def pixel_biases(images: np.ndarray) -> np.ndarray:
    """The practical guide's visible biases, log(p / (1 - p)) of each unit's mean over the training images:
    with no hidden unit on, the RBM's reconstruction is then the mean image."""
    mean = np.clip(images.mean(axis=0), PIXEL_MEAN_CLIP, 1 - PIXEL_MEAN_CLIP)
    return np.log(mean / (1 - mean)).astype(np.float32)


def train_rbm(
    images: np.ndarray,
    hidden: int,
    config: RBMConfig,
    seed: int,
    report: Callable[[int, float], None] | None = None,
    *,
    layer: int = 0,
) -> RBMLayer:
    """Train one RBM on `images` by CD-k, without labels.

    Args:
        images: (examples, visible) floats in [0, 1], read as the probabilities that each unit is on.
        hidden: hidden units.
        config: epochs, batch size, learning rate, momentum, weight decay, k.
        seed: decides the initial weights, each epoch's order and every sample.
        report: called with (epoch, reconstruction error) after each epoch, e.g. to print it.
        layer: which layer of a stack this is: each layer draws from its own streams of `seed`, none
            shared with another layer or another seed's stack.

    Returns:
        The trained layer, with its reconstruction error per epoch and its training seconds.
    """
    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 2 or not len(images) >= config.batch_size:
        raise ValueError(message("rbm.too_few_images", shape=" x ".join(map(str, images.shape)), batch_size=config.batch_size))
    started = time.perf_counter()
    stream = layer << 32  # the seeds' second part: the layer's own range, whose first draw is the initial weights
    parameters = initial_parameters(images.shape[1], hidden, tf.constant([seed, stream], tf.int64), pixel_biases(images))
    velocities = Parameters(*(tf.zeros_like(parameter) for parameter in parameters))
    order = np.random.default_rng([seed, layer])
    count = len(images) // config.batch_size  # whole batches: each epoch leaves out a different few, fewer than a batch
    errors = []
    for epoch in range(config.epochs):
        shuffled = images[order.permutation(len(images))[: count * config.batch_size]]
        momentum = config.initial_momentum if epoch < config.momentum_switch_epoch else config.final_momentum
        settings = tf.constant([config.learning_rate, momentum, config.weight_decay], tf.float32)
        batches = tf.constant(shuffled.reshape(count, config.batch_size, -1))
        epoch_seed = tf.constant([seed, stream + 1 + epoch * count * config.cd_steps], tf.int64)  # no two batches share samples
        parameters, velocities, error = _train_epoch(parameters, velocities, batches, epoch_seed, settings, config.cd_steps)
        errors.append(float(error))
        if report:
            report(epoch, errors[-1])
    return RBMLayer(
        kernel=parameters.weights.numpy(),
        hidden_bias=parameters.hidden_bias.numpy(),
        visible_bias=parameters.visible_bias.numpy(),
        reconstruction_errors=tuple(errors),
        seconds=time.perf_counter() - started,
    )


def pretrain_stack(
    images: np.ndarray,
    widths: Sequence[int],
    config: RBMConfig,
    seed: int,
    report: Callable[[int, int, float], None] | None = None,
) -> list[RBMLayer]:
    """Greedy layer-wise pre-training: an RBM per width, each trained on the hidden probabilities of the one below.

    Args:
        images: (examples, 784) training images in [0, 1], without labels.
        widths: hidden units per layer, input side first, e.g. (256, 256).
        config: how each RBM trains.
        seed: the stack's seed (each layer draws from its own streams of it: `train_rbm`'s `layer`).
        report: called with (layer, epoch, reconstruction error) after each epoch.

    Returns:
        One trained `RBMLayer` per width; `layer.dense_weights()` initializes the Dense layer of that width.
    """
    stack: list[RBMLayer] = []
    visible = np.asarray(images, dtype=np.float32)
    for index, width in enumerate(widths):
        layer_report = (lambda epoch, error, index=index: report(index, epoch, error)) if report else None
        layer = train_rbm(visible, width, config, seed, layer_report, layer=index)
        stack.append(layer)
        if index + 1 < len(widths):
            visible = layer.hidden_probabilities(visible)
    return stack


def load_into(model: keras.Model, stack: Sequence[RBMLayer], prefix: str = "dense_") -> None:
    """Start `model`'s hidden Dense layers (named `dense_1`, `dense_2`, ... as `tfmlp.models.mlp` names
    them) from the pre-trained stack, input side first: the deep belief net, ready for fine tuning.

    Raises:
        ValueError: a layer's shape is not its RBM's.
    """
    for index, layer in enumerate(stack, start=1):
        dense = model.get_layer(f"{prefix}{index}")
        dense.set_weights(layer.dense_weights()[: len(dense.weights)])  # a Dense before batch norm has no bias
