"""Runs one lab step the way the original script did, on tfmlp's parts, and keeps the results.

Prints what the original printed (epoch costs, "Learning Finished!", the accuracy, one test digit's
label and prediction) and writes the run directory described in `tfmlp.runs`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tfmlp._tf import keras
from tfmlp.callbacks import lab_callbacks
from tfmlp.config import LabConfig, ModelConfig
from tfmlp.data import DEFAULT_MNIST_DIR, MnistArrays, Split, make_datasets, probe_batch, read_mnist
from tfmlp.runs import DEFAULT_RUNS_ROOT, RunDir, create_run_dir, write_json
from tfmlp.summaries import log_finished_run
from tfmlp.training import TrainResult, fit_and_evaluate, place


@dataclass(frozen=True)
class RunOptions:
    """Where a run reads its data and writes its results."""

    runs_root: Path = DEFAULT_RUNS_ROOT
    mnist_dir: Path = DEFAULT_MNIST_DIR
    tfds_dir: Path | None = None


def run_lab(
    lab_id: str,
    config: LabConfig,
    build_model: Callable[[ModelConfig], keras.Model],
    options: RunOptions = RunOptions(),
) -> TrainResult:
    """Train and test one lab step, print the original lab's output and save the run.

    Args:
        lab_id: the step, e.g. "10-4"; names the run's folder.
        config: the step's hyperparameters (after any command-line overrides).
        build_model: the step's factory, called with `config.model`.
        options: data and output folders.

    Returns:
        The training result (also written to the run's `metrics.json`).
    """
    saved_config = {"lab": lab_id, **config.to_dict()}
    arrays, run = start_run(lab_id, saved_config, options)
    placement = place()
    print(f"Training on {placement.description}")
    result = fit_and_evaluate(
        lambda: build_model(config.model),
        make_datasets(arrays, config.train.batch_size, config.train.seed),
        config.train,
        placement=placement,
        callbacks=lab_callbacks(run.logs, *probe_batch(arrays.validation), samples_per_epoch=len(arrays.train)),
    )
    print("Learning Finished!")
    print(f"Accuracy: {result.test_accuracy:.4f}")
    result.model.save(run.model)
    log_finished_run(run.logs, f"{lab_id}/{run.path.name}", saved_config, result.model, arrays.test, result.final_metrics())
    _get_one_and_predict(result.model, arrays.test, random.Random(config.train.seed), run)
    write_json(run.metrics, {"lab": lab_id, **result.metrics()})
    return result


def start_run(run_id: str, saved_config: dict[str, Any], options: RunOptions) -> tuple[MnistArrays, RunDir]:
    """Read MNIST, then create the run's folder with its `config.json` and say where it is.

    The data comes first, so that a missing or corrupted data folder leaves no empty run behind.
    """
    arrays = read_mnist(options.mnist_dir, options.tfds_dir)
    run = create_run_dir(run_id, options.runs_root)
    write_json(run.config, saved_config)
    print(f"Run directory: {run.path}")
    return arrays, run


def _get_one_and_predict(model: keras.Model, test: Split, rng: random.Random, run: RunDir) -> None:
    """The original's last step: show one random test digit, its label and the model's prediction."""
    index = rng.randrange(len(test))
    logits = model.predict(test.images[index : index + 1], verbose=0)
    print(f"Label: {test.labels[index]}")
    print(f"Prediction: {int(np.argmax(logits, axis=1)[0])}")
    picture = run.file(f"test_digit_{index}.png")
    keras.utils.save_img(picture, test.images[index].reshape(28, 28, 1), scale=True)
    print(f"Digit saved as {picture}")
