"""Keras callbacks for what the course shows and Keras does not log by itself."""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from tfmlp.data import MnistDatasets
from tfmlp.diagnostics import LayerProbe, dead_fraction
from tfmlp.files import FileNotWritten
from tfmlp.language import message
from tfmlp.models import multiplies_in_bfloat16

HISTOGRAM_EXAMPLES = 200  # probe images whose activations are histogrammed: the shape shows, the cost stays low

# TensorFlow's summary writers raise a failed write as an op error, the errno mapped to a status:
# ENOSPC and EDQUOT to ResourceExhaustedError (which running out of memory raises too), EFBIG to
# OutOfRangeError (which Keras, in a batch's callback, takes for the end of the data: the epoch would
# end early, unsaid).
_WRITE_FAILURES = {
    tf.errors.ResourceExhaustedError: "summaries.no_space",
    tf.errors.OutOfRangeError: "summaries.too_large",
    tf.errors.PermissionDeniedError: "summaries.permission_denied",
}


@contextlib.contextmanager
def summaries_written(log_dir: str | Path) -> Iterator[None]:
    """TensorBoard summaries written to `log_dir` inside; a failed write ends as `FileNotWritten`, one
    line that names the folder, instead of TensorFlow's op error (see `_WRITE_FAILURES`).

    Raises:
        FileNotWritten: a summary could not be written (a full disk, say).
    """
    try:
        yield
    except tf.errors.OpError as error:
        reason = message(_WRITE_FAILURES.get(type(error), "files.write_failed"))
        raise FileNotWritten(message("summaries.cannot_write", folder=log_dir, reason=reason)) from None


def updates_taken(model: keras.Model) -> int:
    """How many optimizer steps `model` has taken: its optimizer's step counter, read as one number
    also where a distribution strategy mirrors it (`int()` of a mirrored variable fails)."""
    return int(keras.ops.convert_to_numpy(model.optimizer.iterations))


class EpochCostLogger(keras.callbacks.Callback):
    """Prints the original lab's epoch line, `Epoch: 0001 cost = 0.266061549`.

    The original averaged the batch costs over the epoch; Keras's epoch `loss` is that same mean
    (dropout active, as it was in the original's training batches).
    """

    def __init__(self, write: Callable[[str], None] = print) -> None:
        super().__init__()
        self._write = write

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._write(f"Epoch: {epoch + 1:04d} cost = {(logs or {})['loss']:.9f}")


class CompilationReport(keras.callbacks.Callback):
    """Says, as training starts, how the wrapper compiled it (the choices depend on the machine and the net)."""

    def __init__(self, write: Callable[[str], None] = print) -> None:
        super().__init__()
        self._write = write

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        calls, batches = self.params.get("steps") or 1, self.params.get("batches_per_epoch", 0)  # as `tfmlp.training` trains
        products = message("compiled.bfloat16" if multiplies_in_bfloat16(self.model) else "compiled.float32")
        if batches > calls > 1:  # a call trains a stretch of an epoch (`tfmlp.epoch_step`)
            looping = message("compiled.epoch_in_calls", batches=batches, calls=calls)
        elif batches > calls:  # a call trains a whole epoch
            looping = message("compiled.batches_per_call", count=batches)
        else:
            looping = message("compiled.batches_per_call", count=self.model.steps_per_execution)
        self._write(message("compiled.with_xla" if self.model.jit_compile else "compiled.without_xla", products=products, looping=looping))


class Diagnostics(keras.callbacks.Callback):
    """What the course reasons about, as TensorBoard scalars and histograms under `log_dir`, against
    the number of batches trained (step 0: the initialized network):

    - `gradient_norm/<layer>` and `gradient_norm/global`: how much gradient reaches each layer
      (vanishing gradients show as first layers orders of magnitude below the last);
    - `dead_relu/<layer>` and `dead_relu/all`: the fraction of ReLU units that output zero for every
      probe image (units that no longer learn: the "dying ReLU");
    - `layer_outputs/<layer>`: histograms of every activation layer's outputs (for the first
      `HISTOGRAM_EXAMPLES` probe images);
    - `samples_per_second`, per epoch, probing excluded (Keras's own callback logs the learning rate).

    The lessons happen early: the fixed probe batch is measured at initialization, after batches 1,
    2, 4, 8, ... of the first epoch (`pauses`: `train_epochs` returns from the compiled loop there),
    then after every epoch: about ten forward and backward passes of the probe in all, once.
    """

    def __init__(
        self, log_dir: str | Path, probe_images: np.ndarray, probe_labels: np.ndarray, samples_per_epoch: int, steps_per_epoch: int
    ) -> None:
        super().__init__()
        self._log_dir = str(log_dir)
        self._probe_batch = (tf.convert_to_tensor(probe_images), tf.convert_to_tensor(probe_labels))
        self._samples_per_epoch = samples_per_epoch
        self.pauses = frozenset(2**power for power in range(steps_per_epoch.bit_length()) if 2**power < steps_per_epoch)
        self._epoch_started = self._probing_seconds = 0.0

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        with summaries_written(self._log_dir):
            self._writer = tf.summary.create_file_writer(self._log_dir)
        self._look_inside = LayerProbe(self.model)
        self._is_relu = [layer.get_config().get("activation") == "relu" for layer in self._look_inside.activation_layers]
        self._probe_and_write = tf.function(self._probe_and_write_eagerly, autograph=False)  # traced once: a tenth of the eager time
        if self._step() == 0:  # not when a run resumes
            self._probe(0)

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._epoch_started, self._probing_seconds = time.perf_counter(), 0.0

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        step = self._step()
        if step in self.pauses:  # batch counts of the first epoch only: later epochs are past them
            self._probe(step)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        seconds = time.perf_counter() - self._epoch_started - self._probing_seconds
        step = self._step()
        with summaries_written(self._log_dir), self._writer.as_default(step=step):
            tf.summary.scalar("samples_per_second", self._samples_per_epoch / seconds)
        self._probe(step)

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        with summaries_written(self._log_dir):
            self._writer.close()

    def _step(self) -> int:
        return updates_taken(self.model)

    def _probe(self, step: int) -> None:
        started = time.perf_counter()
        with summaries_written(self._log_dir):  # the probe is one batch: what fails in it is the write (which flushes)
            self._probe_and_write(tf.constant(step, tf.int64))
            self._writer.flush()
        self._probing_seconds += time.perf_counter() - started

    def _probe_and_write_eagerly(self, step: tf.Tensor) -> None:
        norms, outputs = self._look_inside.measure(*self._probe_batch)
        with self._writer.as_default(step=step):
            for layer, norm in zip(self._look_inside.trained_layers, norms):
                tf.summary.scalar(f"gradient_norm/{layer.name}", norm)
            tf.summary.scalar("gradient_norm/global", tf.linalg.global_norm(norms))
            for layer, output, is_relu in zip(self._look_inside.activation_layers, outputs, self._is_relu):
                tf.summary.histogram(f"layer_outputs/{layer.name}", output[:HISTOGRAM_EXAMPLES])
                if is_relu:
                    tf.summary.scalar(f"dead_relu/{layer.name}", dead_fraction(output))
            relus = [output for output, is_relu in zip(outputs, self._is_relu) if is_relu]
            if relus:
                tf.summary.scalar("dead_relu/all", dead_fraction(tf.concat(relus, axis=1)))


def _writes_named(hook: Callable[..., None]) -> Callable[..., None]:
    """`hook` of Keras's TensorBoard callback, a failed write of which ends as `FileNotWritten`."""

    @functools.wraps(hook)
    def named(self: keras.callbacks.TensorBoard, *args: Any, **kwargs: Any) -> None:
        with summaries_written(self.log_dir):
            hook(self, *args, **kwargs)

    return named


class TensorBoard(keras.callbacks.TensorBoard):
    """Keras's TensorBoard callback, whose failed writes end the run as `FileNotWritten` (`summaries_written`):
    the hooks that write in this project's use (the model's summary and graph, the validation scalars,
    the epoch's scalars and histograms, closing)."""

    set_model = _writes_named(keras.callbacks.TensorBoard.set_model)
    on_train_batch_end = _writes_named(keras.callbacks.TensorBoard.on_train_batch_end)
    on_test_end = _writes_named(keras.callbacks.TensorBoard.on_test_end)
    on_epoch_end = _writes_named(keras.callbacks.TensorBoard.on_epoch_end)
    on_train_end = _writes_named(keras.callbacks.TensorBoard.on_train_end)


class TrainingTimeBudget(keras.callbacks.Callback):
    """Stops training once it has trained for `seconds`: the clock runs while batches train, stops
    between an epoch's last batch and the next epoch's first (validation, logging), and starts when
    the first call of the compiled training returns, since that call spends its time compiling. So
    every run gets that call's batches free: one batch where the diagnostics pause after the first
    (`Diagnostics`, in every lab's callbacks), else the call's stretch.

    It looks at the clock where Keras hands control back: where a whole epoch trains in one compiled
    call (`tfmlp.epoch_step`), `checks_per_epoch` times an epoch (its `pauses`), else after each
    call (an epoch, where `steps_per_execution` is one). So a run overshoots by at most that stretch,
    and a stopped epoch counts its batches only (Keras's epoch loss is their mean). The seconds depend
    on the machine and what else runs on it: two budgets are equal on one machine at one time only.

    Args:
        seconds: the training time allowed.
        steps_per_epoch: batches per epoch, to place the checks.
        checks_per_epoch: how often an epoch looks at the clock (more: a closer stop, more calls).
        clock: seconds from some start (a test's own clock makes the stop exact).
    """

    def __init__(
        self, seconds: float, steps_per_epoch: int, checks_per_epoch: int = 20, clock: Callable[[], float] = time.perf_counter
    ) -> None:
        super().__init__()
        self.seconds, self._clock = seconds, clock
        self.pauses = frozenset(steps_per_epoch * check // checks_per_epoch for check in range(1, checks_per_epoch)) - {0}
        self.trained = 0.0  # seconds trained so far
        self._epoch_started = self._before_epoch = 0.0
        self._compiled = False

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._epoch_started, self._before_epoch = self._clock(), self.trained

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        now = self._clock()
        if not self._compiled:  # the first call compiled the training: the clock starts as it returns
            self._compiled, self._epoch_started = True, now
            return
        self.trained = self._before_epoch + now - self._epoch_started
        if self.trained >= self.seconds:
            self.model.stop_training = True


def tensorboard(log_dir: str | Path) -> keras.callbacks.TensorBoard:
    """Keras's TensorBoard logging as every lab uses it: per-epoch scalars and weight histograms."""
    return TensorBoard(log_dir=str(log_dir), histogram_freq=1)


def lab_callbacks(
    log_dir: Path,
    probe_images: np.ndarray,
    probe_labels: np.ndarray,
    data: MnistDatasets,
    write: Callable[[str], None] = print,
) -> list[keras.callbacks.Callback]:
    """Every lab's callbacks: how training was compiled and the original's epoch lines (through
    `write`), Keras's TensorBoard logs under `log_dir/train` and `log_dir/validation`, and the
    diagnostics in `log_dir` itself, beside the run's HParams (`tfmlp.summaries`)."""
    return [
        CompilationReport(write),
        EpochCostLogger(write),
        tensorboard(log_dir),
        Diagnostics(log_dir, probe_images, probe_labels, data.train_size, data.steps_per_epoch),
    ]
