"""Keras callbacks for what the course shows and Keras does not log by itself."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from tfmlp._tf import keras, tf
from tfmlp.diagnostics import layer_gradient_norms
from tfmlp.epoch_step import batches_per_call
from tfmlp.models import multiplies_in_bfloat16

ACTIVATION_LAYERS = (keras.layers.Activation, keras.layers.LeakyReLU)
HISTOGRAM_EXAMPLES = 200  # probe images whose activations are histogrammed: the shape shows, the cost stays low


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
        batches = batches_per_call(self.model)
        products = "bfloat16 products (float32 weights)" if multiplies_in_bfloat16(self.model) else "float32"
        xla = "with" if self.model.jit_compile else "without"
        self._write(f"Compiled {xla} XLA, {products}, {batches} batch{'es' if batches > 1 else ''} per call")


class Diagnostics(keras.callbacks.Callback):
    """Per-epoch TensorBoard diagnostics on a fixed probe batch, under `log_dir`:

    - `gradient_norm/<layer>` and `gradient_norm/global`: how much gradient reaches each layer
      (vanishing gradients show as first layers orders of magnitude below the last);
    - `dead_relu/<layer>`: the fraction of a ReLU layer's units that output zero for every probe
      image (units that no longer learn: the "dying ReLU");
    - `activations/<layer>`: histograms of every activation layer's outputs (for the first
      `HISTOGRAM_EXAMPLES` probe images);
    - `samples_per_second` (Keras's own callback already logs the learning rate).

    Probing once per epoch on a fixed batch keeps the cost to a few forward and backward passes of
    that batch per epoch.
    """

    def __init__(self, log_dir: str | Path, probe_images: np.ndarray, probe_labels: np.ndarray, samples_per_epoch: int) -> None:
        super().__init__()
        self._log_dir = str(log_dir)
        self._probe = (probe_images, probe_labels)
        self._samples_per_epoch = samples_per_epoch
        self._epoch_started = 0.0

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._writer = tf.summary.create_file_writer(self._log_dir)
        self._activation_layers = [layer for layer in self.model.layers if isinstance(layer, ACTIVATION_LAYERS)]
        outputs = [layer.output for layer in self._activation_layers]
        self._activations = keras.Model(self.model.inputs[0], outputs) if outputs else None  # 10-1 has none

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._epoch_started = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        seconds = time.perf_counter() - self._epoch_started
        norms = layer_gradient_norms(self.model, *self._probe)
        outputs = self._activations(self._probe[0], training=False) if self._activations else []
        outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        with self._writer.as_default(step=epoch):
            tf.summary.scalar("samples_per_second", self._samples_per_epoch / seconds)
            for name, norm in norms.items():
                tf.summary.scalar(f"gradient_norm/{name}", norm)
            tf.summary.scalar("gradient_norm/global", math.sqrt(sum(norm**2 for norm in norms.values())))
            for layer, output in zip(self._activation_layers, outputs):
                tf.summary.histogram(f"activations/{layer.name}", output[:HISTOGRAM_EXAMPLES])
                if layer.get_config().get("activation") == "relu":
                    tf.summary.scalar(f"dead_relu/{layer.name}", dead_fraction(output))
        self._writer.flush()

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        self._writer.close()


def dead_fraction(outputs: tf.Tensor) -> float:
    """The fraction of units (columns) that are zero for every example (row) of a batch."""
    return float(tf.reduce_mean(tf.cast(tf.reduce_all(outputs == 0, axis=0), tf.float32)))


def tensorboard(log_dir: str | Path) -> keras.callbacks.TensorBoard:
    """Keras's TensorBoard logging as every lab uses it: per-epoch scalars and weight histograms."""
    return keras.callbacks.TensorBoard(log_dir=str(log_dir), histogram_freq=1)


def lab_callbacks(
    log_dir: Path,
    probe_images: np.ndarray,
    probe_labels: np.ndarray,
    samples_per_epoch: int,
    write: Callable[[str], None] = print,
) -> list[keras.callbacks.Callback]:
    """Every lab's callbacks: how training was compiled and the original's epoch lines (through
    `write`), Keras's TensorBoard logs under `log_dir`, and the diagnostics under `log_dir/diagnostics`."""
    return [
        CompilationReport(write),
        EpochCostLogger(write),
        tensorboard(log_dir),
        Diagnostics(log_dir / "diagnostics", probe_images, probe_labels, samples_per_epoch),
    ]
