"""How the application starts TensorFlow: quietly, and with XLA's compiled programs kept between runs.

This is the application's choice, not the library's: `cli.py` (and the notebooks and the draw page)
call `start_tensorflow_quietly()` once before anything imports TensorFlow, while `tfmlp`'s core
modules import TensorFlow and Keras plainly and leave the process as they found it.

TensorFlow's C++ libraries write lines such as "oneDNN custom operations are on" and "Could not find
cuda drivers" straight to file descriptor 2 before Python's logging exists, whatever
`TF_CPP_MIN_LOG_LEVEL` says. We point that descriptor at /dev/null for the import alone; errors raised
by the import still reach the user, because Python reports them after the descriptor is restored.

TensorFlow also warns when one Python function is traced more than five times. An experiment
trains six models one after the other, and Keras traces each one's train function anew, as it
must: the warning says nothing a learner can act on, so it is filtered out, and only it.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
from collections.abc import Iterator

from tfmlp.compile_cache import use_compile_cache


@functools.cache  # once per process: the notebooks and the draw page may call it again
def start_tensorflow_quietly() -> None:
    """Import TensorFlow and Keras without their start-up lines, with XLA's compile cache on.

    Sets `TF_CPP_MIN_LOG_LEVEL` to 3 unless it is set, has XLA keep its compiled programs
    (`tfmlp.compile_cache`), imports TensorFlow with file descriptor 2 silenced, and hides
    TensorFlow's retracing warning. Call it before anything imports TensorFlow: called after, the
    start-up lines are already out, and the rest still applies.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    use_compile_cache()  # before TensorFlow reads its XLA flags
    with _stderr_descriptor_silenced():
        import keras  # noqa: F401  (imported here, where its start-up lines go nowhere)
        import tensorflow as tf

        tf.config.list_physical_devices()  # CUDA probing logs here, once, while silenced.
    tf.get_logger().addFilter(_ExpectedRetracing())


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


class _ExpectedRetracing(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "triggered tf.function retracing" not in record.getMessage()
