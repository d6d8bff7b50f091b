"""What a finished run adds to TensorBoard: its hyperparameters and final metrics for the HParams
dashboard, pictures of its test errors (misclassified digits, the confusion matrix), and its lessons
as one chart per run (the gradient reaching each layer, dead ReLUs, training against validation loss).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import tensorflow as tf
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.plugins.hparams import api as hparams_api
from tensorboard.plugins.hparams import api_pb2
from tensorboard.plugins.hparams import summary as hparams_summary

from tfmlp.callbacks import summaries_written
from tfmlp.config import ModelConfig, TrainConfig
from tfmlp.data import Split
from tfmlp.language import message
from tfmlp.plots import confusion_matrix_png, features_png, layers_png, misclassified_png, train_validation_png
from tfmlp.rbm import RBMLayer
from tfmlp.training import TrainResult

# The HParams table's metric columns, in the order it shows them (the first five ticked):
# (tag, the run's subfolder that logs it, the key of the column's title in `tfmlp.language`'s messages).
METRICS = (
    ("test/accuracy", "", "hparams.test_accuracy"),
    ("test/loss", "", "hparams.test_loss"),
    ("train/seconds", "", "hparams.training_seconds"),
    ("train/samples_per_second", "", "hparams.samples_per_second"),
    ("epoch_accuracy", "validation", "hparams.validation_accuracy"),
    ("epoch_loss", "validation", "hparams.validation_loss"),
    ("epoch_loss", "train", "hparams.training_loss"),
    ("gradient_norm/global", "", "hparams.gradient_norm"),
    ("dead_relu/all", "", "hparams.dead_relu"),
)
# The lessons drawn from the diagnostics: (their tag group, the key of the chart's title, a logarithmic y axis).
LESSON_CHARTS = (("gradient_norm", "charts.gradient_norm_title", True), ("dead_relu", "charts.dead_relu_title", False))
# What names a run, then what `cli.py tune` varies (keras-tuner logs its trials under these names).
IDENTITY = ("lab", "experiment", "variant")
# The hyperparameter columns ticked when the table opens. TensorBoard ticks the first five and sorts
# the columns marked as differing first, the rest by name; so these are the ones marked.
SHOWN = ("lab", "variant", "model.widths", "model.kernel_init", "model.dropout_rate")
SEARCHED = {
    "depth": float, "width": float, "activation": str, "kernel_init": str, "dropout_rate": float,
    "batch_norm": bool, "batch_size": float, "learning_rate": float, "optimizer": str,
    "augmentation": float, "elastic_alpha": float, "schedule": str, "weight_decay": float, "epochs": float,
}  # fmt: skip
_DATA_TYPES = {
    bool: api_pb2.DATA_TYPE_BOOL,
    int: api_pb2.DATA_TYPE_FLOAT64,
    float: api_pb2.DATA_TYPE_FLOAT64,
    str: api_pb2.DATA_TYPE_STRING,
}


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


def experiment_summary() -> bytes:
    """The HParams experiment every run declares: its hyperparameter columns and, above all, its
    metric columns, test accuracy first. TensorBoard reads the declaration of any one run and applies
    it to all, so it depends on no run: every hyperparameter any tfmlp run or search logs.
    """
    columns: dict[str, type] = {name: str for name in IDENTITY}
    for section, fields in (("model", dataclasses.fields(ModelConfig)), ("train", dataclasses.fields(TrainConfig))):
        for field in fields:
            columns[f"{section}.{field.name}"] = {"bool": bool, "int": int, "float": float}.get(str(field.type), str)
    columns.update(SEARCHED)
    hparams = [api_pb2.HParamInfo(name=name, type=_DATA_TYPES[kind], differs=name in SHOWN) for name, kind in columns.items()]
    metrics = [
        api_pb2.MetricInfo(name=api_pb2.MetricName(group=group, tag=tag), display_name=message(title)) for tag, group, title in METRICS
    ]
    return hparams_summary.experiment_pb(hparams, metrics, time_created_secs=0).SerializeToString()  # the same, whenever


def log_finished_run(log_dir: Path, trial_id: str, config: dict[str, Any], result: TrainResult, test: Split) -> None:
    """Write the run's HParams session, its test metrics, its error pictures and its lessons under `log_dir`.

    Args:
        log_dir: the run's TensorBoard folder: Keras's `train/` and `validation/` are inside, and
            the diagnostics (`tfmlp.callbacks.Diagnostics`) beside these summaries.
        trial_id: the run's name in the HParams table, e.g. "10-4/20261124-120000".
        config: the run's configuration as saved in `config.json`.
        result: the finished training: its model, final figures and history.
        test: the test split it was scored on.

    Raises:
        FileNotWritten: the summaries could not be written (a full disk, say).
    """
    predictions = np.argmax(result.model(test.images, training=False), axis=1)  # eager: predict() would trace a function first
    lessons = lesson_pictures(log_dir, result.history)
    pictures = {
        "test/misclassified": misclassified_png(test.images, test.labels, predictions),
        "test/confusion_matrix": confusion_matrix_png(test.labels, predictions),
        **lessons,
    }
    with summaries_written(log_dir):
        writer = tf.summary.create_file_writer(str(log_dir))
        with writer.as_default(step=0):
            tf.summary.experimental.write_raw_pb(experiment_summary(), step=0)
            hparams_api.hparams(flat_hparams(config), trial_id=trial_id)
            for name, value in result.final_metrics().items():
                tf.summary.scalar(name, value)
            for name, png in pictures.items():
                tf.summary.image(name, _png_to_tensor(png))
        writer.close()  # on disk now, not whenever the writer is collected


def lesson_pictures(log_dir: Path, history: dict[str, list[float]]) -> dict[str, bytes]:
    """The run's lessons, each one chart with every layer (or both splits) on it, as PNG bytes by
    image tag: `lessons/gradient_norm` and `lessons/dead_relu` from the diagnostics logged in
    `log_dir` (where there are any), `lessons/loss` from the per-epoch `history`."""
    events = EventAccumulator(str(log_dir), size_guidance={"tensors": 0})
    events.Reload()
    tags = events.Tags()["tensors"]
    epoch_ends = [event.step for event in events.Tensors("samples_per_second")] if "samples_per_second" in tags else []
    pictures = {}
    for group, title, log_y in LESSON_CHARTS:
        series = {
            tag.split("/", 1)[1]: [(event.step, float(tf.make_ndarray(event.tensor_proto))) for event in events.Tensors(tag)]
            for tag in tags
            if tag.startswith(f"{group}/") and tag not in (f"{group}/global", f"{group}/all")
        }
        if series:
            pictures[f"lessons/{group}"] = layers_png(series, message(title), log_y, epoch_ends)
    if history.get("loss") and history.get("val_loss"):
        pictures["lessons/loss"] = train_validation_png(history["loss"], history["val_loss"])
    return pictures


def _png_to_tensor(png: bytes) -> tf.Tensor:
    return tf.expand_dims(tf.image.decode_png(png, channels=4), 0)


def log_pretraining(log_dir: Path, stack: Sequence[RBMLayer]) -> bytes:
    """Write a pre-trained stack's story under `log_dir`, a run of its own in TensorBoard: each RBM's
    reconstruction error per epoch (`rbm_<layer>/reconstruction_error`) and the first one's features
    as pictures (`lessons/rbm_features`, whose PNG bytes it returns).

    Raises:
        FileNotWritten: the summaries could not be written (a full disk, say).
    """
    with summaries_written(log_dir):
        writer = tf.summary.create_file_writer(str(log_dir))
        with writer.as_default():
            for index, layer in enumerate(stack, start=1):
                for epoch, error in enumerate(layer.reconstruction_errors, start=1):
                    tf.summary.scalar(f"rbm_{index}/reconstruction_error", error, step=epoch)
            features = features_png(stack[0].kernel)
            tf.summary.image("lessons/rbm_features", _png_to_tensor(features), step=0)
        writer.close()
    return features
