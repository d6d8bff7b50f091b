"""One call of the compiled train function trains a whole epoch: a `keras.Model` that overrides `train_step`.

Keras calls `train_step` once per batch. Even with `steps_per_execution`, its loop pulls each batch
from a `tf.data` iterator and launches the compiled step again. On 2 CPU cores, with XLA, a steady
epoch of 10-2 trained at 54,664 samples/s that way and at 114,717 this way (10-4: 17,929 and
22,677). Here one dataset element is a whole epoch's order (`MnistDatasets.epoch_orders`), the
training images are one tensor that the compiled program takes whole, and the step loops over the
epoch's batches inside that program, gathering each batch and calling Keras's own `train_step` on
it, so the loss, the metrics and the optimizer are Keras's.

`WholeEpochTrainer` wraps the network (`tfmlp.trainer`), which stays a plain Keras model. Only the
loop is compiled as the network asks (with XLA where `tfmlp.training` trains whole epochs); its
validation and test passes run without XLA, as `XlaTrainer`'s do.
"""

from __future__ import annotations

from typing import Any

import keras
import tensorflow as tf

from tfmlp.trainer import XlaTrainer


class WholeEpochTrainer(XlaTrainer):
    """Trains `network` a whole epoch, or a stretch of it, per `fit` step: `fit` it on
    `MnistDatasets.epoch_orders`, whose elements are `{"order": rows of indices into `images`, one row
    per batch, "batches": [start, stop) of those rows}`.

    Args:
        network: a compiled model.
        images, labels: the training images and labels that the orders point into, as arrays or
            (copied no more) tensors such as `MnistDatasets.train_tensors`.
        forward: as in `NetworkTrainer` (`tfmlp.masks.with_threefry_masks(network)`).

    Example:
        >>> trainer = WholeEpochTrainer(model, *data.train_tensors)
        >>> trainer.fit(data.epoch_orders(0, 15), epochs=15, steps_per_epoch=1)
    """

    def __init__(self, network: keras.Model, images: Any, labels: Any, forward: keras.Model | None = None) -> None:
        super().__init__(network, forward, steps_per_execution=1)
        self._images, self._labels = tf.convert_to_tensor(images), tf.convert_to_tensor(labels)

    def compiled_step(self, stretch: dict[str, tf.Tensor]) -> dict[str, Any]:
        order, (start, stop) = stretch["order"], tf.unstack(stretch["batches"])
        batch_step = super().compiled_step  # Keras's train_step

        def one_batch(step: tf.Tensor) -> tf.Tensor:
            batch = order[step]
            batch_step((tf.gather(self._images, batch), tf.gather(self._labels, batch)))
            return step + 1

        tf.while_loop(lambda step: step < stop, one_batch, [start])
        return self.get_metrics_result()  # the epoch's running means, as the last batch's step left them
