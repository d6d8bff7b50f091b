"""Two fixes that let Keras 3.15 `fit` under `MultiWorkerMirroredStrategy`, applied only there.

Keras 3's multi-worker training is broken upstream (keras-team/keras#20585, open; the TensorFlow
tutorial for it fails the same way). Two bugs stand between `fit` and a working cluster:

1. Before training, `fit` averages its first (x, y) batch across workers to build the metrics from
   it, and that strategy cannot reduce a tuple. The model skips that step and builds them when the
   training step is first traced, inside the strategy, as Keras does without a strategy.
2. Per-step metrics (the loss, accuracy) are scalars, which Keras averages across workers along
   axis 0, which a scalar does not have. They are averaged whole instead.

Both fixes are undone on exit; a test trains a two-worker cluster on localhost, so a Keras release
that changes either code path shows up there.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import keras
import tensorflow as tf
from keras.src.backend.tensorflow import trainer as keras_tf_trainer


@contextlib.contextmanager
def multi_worker_fixes(model: keras.Model, strategy: tf.distribute.Strategy) -> Iterator[None]:
    """Within this block `model.fit` and `model.evaluate` work under `strategy`; a no-op for any other strategy."""
    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        yield
        return
    reduce_per_replica = keras_tf_trainer.reduce_per_replica

    def mean_across_workers(values: Any, strategy: tf.distribute.Strategy, reduction: str) -> Any:
        if reduction not in ("auto", "mean"):  # predict's "concat" works as it is
            return reduce_per_replica(values, strategy, reduction)
        return tf.nest.map_structure(lambda value: strategy.reduce("MEAN", value, axis=None), values)

    model._maybe_symbolic_build = lambda iterator=None, data_batch=None: None
    keras_tf_trainer.reduce_per_replica = mean_across_workers
    try:
        yield
    finally:
        keras_tf_trainer.reduce_per_replica = reduce_per_replica
        del model._maybe_symbolic_build
