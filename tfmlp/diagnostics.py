"""Measurements inside a model that the course reasons about: how much gradient reaches each layer,
and what each activation layer outputs."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

ACTIVATION_LAYERS = (keras.layers.Activation, keras.layers.LeakyReLU)


class LayerProbe:
    """Looks inside `model` in one forward and backward pass of a batch.

    `measure` gives the L2 norm of the loss gradient for each layer's trainable weights (input side
    first) and the outputs of every activation layer. With sigmoid in a deep network the first
    layers' norms fall orders of magnitude below the last layers': the vanishing gradient, as a number.
    It is plain TensorFlow, so a caller that looks again and again can trace it into a function
    (`tfmlp.callbacks.Diagnostics` does).

    Args:
        model: a built model of logits (any tfmlp factory).
        loss: the cost whose gradient is measured; None: the one `model` was compiled with, or the
            course's softmax cross-entropy for a model not compiled yet.
    """

    def __init__(self, model: keras.Model, loss: keras.losses.Loss | None = None) -> None:
        self.trained_layers = [layer for layer in model.layers if layer.trainable_weights]
        self.activation_layers = [layer for layer in model.layers if isinstance(layer, ACTIVATION_LAYERS)]
        outputs = [layer.output for layer in self.activation_layers]
        self._inside = keras.Model(model.inputs[0], [*outputs, model.outputs[0]])
        self._loss = loss or (model.loss if model.compiled else None) or keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    def measure(self, images: tf.Tensor, labels: tf.Tensor) -> tuple[list[tf.Tensor], list[tf.Tensor]]:
        """The gradient norm reaching each of `trained_layers`, and the outputs of `activation_layers`."""
        with tf.GradientTape() as tape:
            everything = tf.nest.flatten(self._inside(images, training=False))  # one output comes back bare
            *outputs, logits = everything
            loss = self._loss(labels, logits)
        gradients = tape.gradient(loss, [layer.trainable_weights for layer in self.trained_layers])
        return [tf.linalg.global_norm(layer_gradients) for layer_gradients in gradients], outputs


def layer_gradient_norms(
    model: keras.Model, images: np.ndarray, labels: np.ndarray, loss: keras.losses.Loss | None = None
) -> dict[str, float]:
    """The L2 norm of the gradient of `loss` (as `LayerProbe` chooses it) for each layer's trainable
    weights, input side first.

    Returns:
        Layer name -> gradient norm, for every layer with trainable weights, in model order.
    """
    probe = LayerProbe(model, loss)
    norms, _ = probe.measure(tf.convert_to_tensor(images), tf.convert_to_tensor(labels))
    return {layer.name: float(norm) for layer, norm in zip(probe.trained_layers, norms, strict=True)}


def dead_fraction(outputs: tf.Tensor) -> tf.Tensor:
    """The fraction of units (columns) that are zero for every example (row) of a batch."""
    return tf.reduce_mean(tf.cast(tf.reduce_all(tf.equal(outputs, 0), axis=0), tf.float32))
