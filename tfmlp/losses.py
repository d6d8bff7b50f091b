"""The cost a run trains on, by name (`TrainConfig.loss`): the course's softmax cross-entropy, or mean
squared error between the one-hot label and the probabilities, as the early literature trained.

Every model here outputs logits (`tfmlp.models`), whatever it trains on: predictions, the draw page,
ensembles and the accuracy metric (an argmax, which softmax and sigmoid keep) read logits. So the
squashing into probabilities is the cost's: "softmax_mse" squashes the logits with softmax (the
probabilities sum to 1), "sigmoid_mse" each logit on its own with the sigmoid (ten independent
outputs, the networks of the 1980s and 90s), and both then take the squared error against the
one-hot label.
"""

from __future__ import annotations

import keras
from keras import ops

from tfmlp.config import LOSSES, choice


@keras.saving.register_keras_serializable(package="tfmlp")
class SquaredErrorOfProbabilities(keras.losses.Loss):
    """Mean squared error between the one-hot labels and the logits squashed by `squash` ("softmax" or
    "sigmoid"), averaged over the classes. Takes integer labels, as the cross-entropy does.

    Its gradient reaches a logit through the squashing's slope: a wrong answer held with confidence
    (a probability near 0 or 1) gets almost none, where the cross-entropy's stays as large as the error.
    """

    def __init__(self, squash: str = "softmax", name: str | None = None, **kwargs) -> None:
        super().__init__(name=name or f"{squash}_mse", **kwargs)
        self.squash = choice("squash", squash, ("softmax", "sigmoid"))

    def call(self, y_true, y_pred):
        probabilities = ops.softmax(y_pred, axis=-1) if self.squash == "softmax" else ops.sigmoid(y_pred)
        one_hot = ops.one_hot(ops.reshape(ops.cast(y_true, "int32"), (-1,)), ops.shape(y_pred)[-1], dtype=probabilities.dtype)
        return ops.mean(ops.square(one_hot - probabilities), axis=-1)

    def get_config(self) -> dict:
        return {**super().get_config(), "squash": self.squash}


def loss_function(name: str) -> keras.losses.Loss:
    """A fresh Keras loss on logits and integer labels for `name`, one of `tfmlp.config.LOSSES`.

    Raises:
        ConfigError: `name` is not one of them.
    """
    if choice("loss", name, LOSSES) == "cross_entropy":
        return keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    return SquaredErrorOfProbabilities(name.removesuffix("_mse"))
