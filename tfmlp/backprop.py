"""Backpropagation written out by the chain rule, as lab 10-X1 does it: no GradientTape, no optimizer.

A 784-30-10 sigmoid network scored by the squared error `0.5 * sum((y_pred - y)^2)`. The gradients
are the four lines of the chain rule; `tests/test_backprop.py` checks them against TensorFlow's
automatic differentiation on the same batch.
"""

from __future__ import annotations

import tensorflow as tf

from tfmlp.data import IMAGE_PIXELS, NUM_CLASSES


class SigmoidNet(tf.Module):
    """784-H-10 with sigmoid everywhere; weights from `tf.truncated_normal` (stddev 1.0), as the original."""

    def __init__(self, hidden: int = 30, seed: int = 777) -> None:
        super().__init__(name="sigmoid_net")
        draw = lambda shape, index: tf.Variable(tf.random.stateless_truncated_normal(shape, seed=[seed, index]))  # noqa: E731
        self.w1 = draw((IMAGE_PIXELS, hidden), 0)
        self.b1 = draw((1, hidden), 1)
        self.w2 = draw((hidden, NUM_CLASSES), 2)
        self.b2 = draw((1, NUM_CLASSES), 3)

    def forward(self, images: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor]:
        """The pre-activations and activations of both layers: (l1, a1, l2, y_pred)."""
        l1 = tf.matmul(images, self.w1) + self.b1
        a1 = tf.sigmoid(l1)
        l2 = tf.matmul(a1, self.w2) + self.b2
        return l1, a1, l2, tf.sigmoid(l2)

    def gradients(self, images: tf.Tensor, targets: tf.Tensor) -> dict[str, tf.Tensor]:
        """d(0.5 * sum((y_pred - targets)^2)) / d(each weight), by the chain rule.

        Args:
            images: (batch, 784) floats.
            targets: (batch, 10) one-hot labels.

        Returns:
            "w1", "b1", "w2", "b2" -> the gradient, shaped like the weight.
        """
        l1, a1, l2, y_pred = self.forward(images)
        d_l2 = (y_pred - targets) * sigmoid_prime(l2)
        d_a1 = tf.matmul(d_l2, self.w2, transpose_b=True)
        d_l1 = d_a1 * sigmoid_prime(l1)
        return {
            "w1": tf.matmul(images, d_l1, transpose_a=True),
            "b1": tf.reduce_sum(d_l1, axis=0, keepdims=True),
            "w2": tf.matmul(a1, d_l2, transpose_a=True),
            "b2": tf.reduce_sum(d_l2, axis=0, keepdims=True),
        }

    @tf.function
    def train_step(self, images: tf.Tensor, targets: tf.Tensor, learning_rate: float) -> None:
        """One step of gradient descent, with the original's quirk: the bias steps are batch means.

        The original moved the weights by the summed gradient and the biases by its mean over the
        batch (`tf.reduce_mean(d_b1, reduction_indices=[0])`); we keep both.
        """
        gradients = self.gradients(images, targets)
        batch = tf.cast(tf.shape(images)[0], tf.float32)
        self.w1.assign_sub(learning_rate * gradients["w1"])
        self.b1.assign_sub(learning_rate * gradients["b1"] / batch)
        self.w2.assign_sub(learning_rate * gradients["w2"])
        self.b2.assign_sub(learning_rate * gradients["b2"] / batch)

    def count_correct(self, images: tf.Tensor, labels: tf.Tensor) -> int:
        """How many images the network labels right (the original printed this number)."""
        predictions = tf.argmax(self.forward(images)[-1], axis=1)
        return int(tf.reduce_sum(tf.cast(predictions == tf.cast(labels, tf.int64), tf.int32)))


def sigmoid_prime(x: tf.Tensor) -> tf.Tensor:
    """The sigmoid's derivative, sigma(x) * (1 - sigma(x))."""
    return tf.sigmoid(x) * (1 - tf.sigmoid(x))
