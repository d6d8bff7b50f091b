"""Two fixes that let Keras 3.15 `fit` under `MultiWorkerMirroredStrategy`: the one place tfmlp leans on Keras's internals.

Keras 3's multi-worker training is broken upstream (keras-team/keras#20585, open; the TensorFlow
tutorial for it fails the same way), and no public switch goes around it. Two bugs stand between
`fit` and a working cluster:

1. Before training, `fit` averages its first (x, y) batch across workers to build the metrics from
   it (`Model._maybe_symbolic_build`, a private method), and that strategy cannot reduce a tuple.
   `MultiWorkerTrainer` skips that step and builds them when the training step is first traced,
   inside the strategy, as Keras does without a strategy.
2. Keras averages a step's results (the loss, the metrics) across workers along axis 0, which a
   scalar does not have. The trainer's steps return each as a vector of one, whose mean along axis
   0 is the mean across workers, a scalar again.

The trainer wraps the network (`tfmlp.trainer`), which stays plain Keras. Keras is pinned to the
releases these code paths were read in (requirements.txt); tests/test_training.py checks that they
are still there and trains a two-worker cluster on localhost, so a release that changes them fails there.
"""

from __future__ import annotations

from typing import Any

import keras
import tensorflow as tf

from tfmlp.trainer import NetworkTrainer


class MultiWorkerTrainer(NetworkTrainer):
    """Trains `network` with `fit` and tests it with `evaluate` under `MultiWorkerMirroredStrategy`;
    make it in the strategy's scope."""

    def _maybe_symbolic_build(self, iterator: Any = None, data_batch: Any = None) -> None:
        """Keras's own, overridden: the metrics are built as the training step is first traced (bug 1)."""

    def train_step(self, data: Any) -> dict[str, tf.Tensor]:
        return _vectors_of_one(super().train_step(data))

    def test_step(self, data: Any) -> dict[str, tf.Tensor]:
        return _vectors_of_one(super().test_step(data))


def needs_multi_worker_trainer(model: keras.Model) -> bool:
    """Whether `model` was made in the scope of a `MultiWorkerMirroredStrategy`."""
    return isinstance(model.distribute_strategy, tf.distribute.MultiWorkerMirroredStrategy)


def _vectors_of_one(results: dict[str, tf.Tensor]) -> dict[str, tf.Tensor]:
    """Each scalar as a vector of one, which Keras can average across workers along axis 0 (bug 2)."""
    return {name: tf.reshape(value, [1]) for name, value in results.items()}
