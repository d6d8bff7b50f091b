"""Measurements inside a model that the course reasons about: how much gradient reaches each layer."""

from __future__ import annotations

import numpy as np

from tfmlp._tf import keras, tf


def layer_gradient_norms(model: keras.Model, images: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """The L2 norm of the loss gradient for each layer's trainable weights, input side first.

    With sigmoid in a deep network the first layers' norms fall orders of magnitude below the last
    layers': the vanishing gradient, as a number.

    Args:
        model: a model of logits (any tfmlp factory).
        images: a probe batch of flattened images.
        labels: their integer labels.

    Returns:
        Layer name -> gradient norm, for every layer with trainable weights, in model order.
    """
    trained = [layer for layer in model.layers if layer.trainable_weights]
    loss_function = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with tf.GradientTape() as tape:
        loss = loss_function(labels, model(images, training=False))
    gradients = tape.gradient(loss, [layer.trainable_weights for layer in trained])
    return {layer.name: float(tf.linalg.global_norm(layer_gradients)) for layer, layer_gradients in zip(trained, gradients)}
