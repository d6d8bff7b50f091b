"""What a finished run adds to TensorBoard: its hyperparameters and final metrics for the HParams
dashboard, and pictures of its test errors (misclassified digits, the confusion matrix)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from tensorboard.plugins.hparams import api as hparams_api

from tfmlp._tf import keras, tf
from tfmlp.data import Split
from tfmlp.plots import confusion_matrix_png, misclassified_png


def flat_hparams(config: dict[str, Any], prefix: str = "") -> dict[str, bool | int | float | str]:
    """A nested config as HParams values: one key per leaf ("model.widths"), lists as text."""
    flat: dict[str, bool | int | float | str] = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flat_hparams(value, f"{name}."))
        else:
            flat[name] = value if isinstance(value, (bool, int, float, str)) else str(value)
    return flat


def log_finished_run(
    log_dir: Path, trial_id: str, config: dict[str, Any], model: keras.Model, test: Split, metrics: dict[str, float]
) -> None:
    """Write the run's HParams session, its test metrics and its error pictures under `log_dir`.

    Args:
        log_dir: the run's TensorBoard folder (its `train/`, `validation/` ... are beside).
        trial_id: the run's name in the HParams table, e.g. "10-4/20261124-120000".
        config: the run's configuration as saved in `config.json`.
        model: the trained model of logits.
        test: the test split it was scored on.
        metrics: final figures to show in the HParams table, e.g. {"test/accuracy": 0.98}.
    """
    predictions = np.argmax(model(test.images, training=False), axis=1)  # eager: predict() would trace a function first
    writer = tf.summary.create_file_writer(str(log_dir))
    with writer.as_default(step=0):
        hparams_api.hparams(flat_hparams(config), trial_id=trial_id)
        for name, value in metrics.items():
            tf.summary.scalar(name, value)
        tf.summary.image("test/misclassified", _png_to_tensor(misclassified_png(test.images, test.labels, predictions)))
        tf.summary.image("test/confusion_matrix", _png_to_tensor(confusion_matrix_png(test.labels, predictions)))
    writer.close()  # on disk now, not whenever the writer is collected


def _png_to_tensor(png: bytes) -> tf.Tensor:
    return tf.expand_dims(tf.image.decode_png(png, channels=4), 0)



