"""Keras callbacks for what the course shows and Keras does not print by itself."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tfmlp._tf import keras


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


def tensorboard(log_dir: str | Path) -> keras.callbacks.TensorBoard:
    """Keras's TensorBoard logging as every lab uses it: per-epoch scalars and weight histograms."""
    return keras.callbacks.TensorBoard(log_dir=str(log_dir), histogram_freq=1)
