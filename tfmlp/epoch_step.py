"""One call of a model's compiled train function trains a whole epoch.

Keras calls `train_step` once per batch. Even with `steps_per_execution`, its loop pulls each batch
from a `tf.data` iterator and launches the compiled step again. On 2 CPU cores, with XLA, a steady
epoch of 10-2 trained at 54,664 samples/s that way and at 114,717 this way (10-4: 17,929 and
22,677). Here one dataset element is a whole epoch's order (`MnistDatasets.epoch_orders`), the
training images are one tensor that the compiled program takes whole, and the step loops over the
epoch's batches inside that program, gathering each batch and calling Keras's own `train_step` on
it, so the loss, the metrics and the optimizer are Keras's.

Keras offers no switch for this, so `whole_epoch_steps` puts the looping step on this one model
instance for the length of a `with` block and takes it away on exit: the model stays a plain Keras
model, trains batch by batch afterwards, and saves and loads without tfmlp.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import keras
import tensorflow as tf


class WholeEpochStep:
    """A `train_step` for one whole epoch, or a stretch of it: `{"order": rows of indices into the
    training images, one row per batch, "batches": [start, stop) of those rows}`."""

    def __init__(self, model: keras.Model, images: Any, labels: Any, batches: int) -> None:
        self._model = model
        self._batch_step = model.train_step
        self._images, self._labels = tf.convert_to_tensor(images), tf.convert_to_tensor(labels)
        self.batches = batches

    @tf.autograph.experimental.do_not_convert  # plain graph code, and Keras's train_step needs no conversion either
    def __call__(self, stretch: dict[str, tf.Tensor]) -> dict[str, Any]:
        order, (start, stop) = stretch["order"], tf.unstack(stretch["batches"])

        def one_batch(step: tf.Tensor) -> tf.Tensor:
            batch = order[step]
            self._batch_step((tf.gather(self._images, batch), tf.gather(self._labels, batch)))
            return step + 1

        tf.while_loop(lambda step: step < stop, one_batch, [start])
        return self._model.get_metrics_result()  # the epoch's running means, as the last batch's step returns them


@contextlib.contextmanager
def whole_epoch_steps(model: keras.Model, images: Any, labels: Any, batches: int) -> Iterator[None]:
    """Inside this block one `model.fit` step trains a whole epoch of `batches` batches of `images`, `labels`.

    Args:
        model: a compiled model, with `steps_per_execution=1`.
        images, labels: the training images and labels that the epochs' indices point into, as
            arrays or (copied no more) tensors such as `MnistDatasets.train_tensors`.
        batches: batches per epoch, the rows of each element's order in `MnistDatasets.epoch_orders`.

    Example:
        >>> with whole_epoch_steps(model, *data.train_tensors, data.steps_per_epoch):
        ...     model.fit(data.epoch_orders(0, 15), epochs=15, steps_per_epoch=1)
    """
    model.train_step = WholeEpochStep(model, images, labels, batches)
    try:
        yield
    finally:
        del model.train_step
        model.make_train_function(force=True)


def batches_per_call(model: keras.Model) -> int:
    """How many batches one call of the model's compiled train function trains."""
    step = model.train_step
    return step.batches if isinstance(step, WholeEpochStep) else model.steps_per_execution
