"""The one place tfmlp imports TensorFlow, so that its start-up noise stays out of the lab's output.

TensorFlow's C++ libraries write lines such as "oneDNN custom operations are on" and "Could not find
cuda drivers" straight to file descriptor 2 before Python's logging exists, whatever
`TF_CPP_MIN_LOG_LEVEL` says. We point that descriptor at /dev/null for the import alone; errors raised
by the import still reach the user, because Python reports them after the descriptor is restored.
"""

import contextlib
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

__all__ = ["keras", "tf"]
