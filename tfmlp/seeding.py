"""The process's random state, changed only where a program asks for it by this module's name.

Keras draws a model's initial weights and its dropout layers' seeds from global generators
(Python's, NumPy's, TensorFlow's and its own), and TensorFlow derives a `tf.data` shuffle's order
from the global seed and the op's. tfmlp's data, model and training functions leave all of them as
they find them, so that importing and calling tfmlp never reseeds someone's program; a program that
wants reproducible runs calls `seed_globally` first, as `cli.py`'s runs do.
"""

from __future__ import annotations

import keras
import tensorflow as tf


def seed_globally(seed: int, *, deterministic_ops: bool = False) -> None:
    """Seed every global generator with `seed` and, if asked, make TensorFlow's ops deterministic.

    Called before `make_datasets` and the model's factory (`fit_and_evaluate` builds it), the same
    seed gives the same shuffle, initial weights and dropout masks on the same machine.

    Args:
        seed: for Python's `random`, NumPy's, TensorFlow's and Keras's generators
            (`keras.utils.set_random_seed`).
        deterministic_ops: also `tf.config.experimental.enable_op_determinism()`, so that two runs
            give bit-identical weights whatever their threads do (slower). It holds for the rest
            of the process: TensorFlow has no public way to switch it off again.

    Returns:
        Nothing: the generators and the switch are the process's.

    Example:
        >>> seed_globally(777)
        >>> result = fit_and_evaluate(lambda: mlp([256, 256]), load_mnist(seed=777), TrainConfig(seed=777))
    """
    if deterministic_ops:
        tf.config.experimental.enable_op_determinism()
    keras.utils.set_random_seed(seed)
