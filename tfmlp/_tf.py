"""The one place tfmlp imports TensorFlow, so that its start-up noise stays out of the lab's output.

TensorFlow's C++ libraries write lines such as "oneDNN custom operations are on" and "Could not find
cuda drivers" straight to file descriptor 2 before Python's logging exists, whatever
`TF_CPP_MIN_LOG_LEVEL` says. We point that descriptor at /dev/null for the import alone; errors raised
by the import still reach the user, because Python reports them after the descriptor is restored.

TensorFlow also warns when one Python function is traced more than five times. An experiment
trains six models one after the other, and Keras traces each one's train function anew, as it
must: the warning says nothing a learner can act on, so it is filtered out, and only it.
"""

import contextlib
import logging
import os
from collections.abc import Iterator

from tfmlp.compile_cache import use_compile_cache

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
use_compile_cache()  # before TensorFlow reads its XLA flags


@contextlib.contextmanager
def _stderr_descriptor_silenced() -> Iterator[None]:
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


with _stderr_descriptor_silenced():
    import tensorflow as tf
    import keras

    tf.config.list_physical_devices()  # CUDA probing logs here, once, while silenced.


class _ExpectedRetracing(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "triggered tf.function retracing" not in record.getMessage()


tf.get_logger().addFilter(_ExpectedRetracing())

__all__ = ["keras", "tf"]
