"""Runs one lab step the way the original script did, on tfmlp's parts, and keeps the results.

Prints what the original printed (epoch costs, "Learning Finished!", the accuracy, one test digit's
label and prediction) and writes the run directory described in `tfmlp.runs`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import random
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from tfmlp.backprop import SigmoidNet
from tfmlp.callbacks import lab_callbacks
from tfmlp.checkpoint import newest_intact_epoch, saved_epochs
from tfmlp.config import ConfigError, LabConfig, ModelConfig, choice
from tfmlp.data import DEFAULT_MNIST_DIR, NUM_CLASSES, MnistArrays, Split, make_datasets, probe_batch, read_mnist
from tfmlp.files import FileNotWritten, write_json, written_whole
from tfmlp.language import message
from tfmlp.machine import require_memory
from tfmlp.models import check_names
from tfmlp.runs import DEFAULT_RUNS_ROOT, RunDir, create_run_dir
from tfmlp.seeding import seed_globally
from tfmlp.summaries import log_finished_run
from tfmlp.training import OPTIMIZERS, Placement, TrainingDiverged, TrainResult, fit_and_evaluate, place


@dataclass(frozen=True)
class RunOptions:
    """Where a run reads its data and writes its results, and, for a comparison that spans seeds, from
    how many seeds it trains each variant (`cli.py lab --seeds`; None: the step's own default)."""

    runs_root: Path = DEFAULT_RUNS_ROOT
    mnist_dir: Path = DEFAULT_MNIST_DIR
    tfds_dir: Path | None = None
    seeds: int | None = None


def check_config(config: LabConfig) -> None:
    """Refuse a bad `config` before a run's folder exists, without building anything: its size against
    this machine's memory, and the names of its initializers, activation and optimizer (the configs
    check every other value as they are made). The model is built once, to train.

    Raises:
        ConfigError: the network would not fit in memory, or a name is unknown; the message names the
            field ("model.activation must be ...").
    """
    require_memory(config)
    try:
        check_names(config.model)
    except ConfigError as error:
        raise error.within("model") from None
    try:
        choice("optimizer", config.train.optimizer, OPTIMIZERS)
    except ConfigError as error:
        raise error.within("train") from None


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM stopped a run; the message says what was kept and how to continue."""


def run_lab(
    lab_id: str,
    config: LabConfig,
    build_model: Callable[[ModelConfig], keras.Model],
    options: RunOptions = RunOptions(),
    resume: RunDir | None = None,
) -> TrainResult:
    """Train and test one lab step, print the original lab's output and save the run.

    Every completed epoch is checkpointed in the run's folder; an interrupted run continues with
    `resume` and ends as it would have without the interruption (bit for bit with
    `config.train.deterministic`).

    Args:
        lab_id: the step, e.g. "10-4"; names the run's folder.
        config: the step's hyperparameters (after any command-line overrides).
        build_model: the step's factory, called with `config.model`.
        options: data and output folders.
        resume: an interrupted run of this step to continue (its `config.json` must be `config`).

    Returns:
        The training result (also written to the run's `metrics.json`).

    Raises:
        ConfigError: `config` holds a value the factory or the optimizer refuses.
        RunInterrupted: Ctrl-C (or SIGTERM, under `cli.py`); the run's folder keeps the last epoch.
        TrainingDiverged: the loss became NaN; `metrics.json` says so.
        FileNotWritten: a file of the run could not be written (a full disk); the message says
            where the last completed epoch is kept and how to continue.
        NoIntactEpoch: `resume`'s checkpoint holds epochs, but every one is damaged.
    """
    placement = place()  # first: a worker joins its cluster before TensorFlow runs anything else
    check_config(config)
    saved_config = {"lab": lab_id, **config.to_dict()}
    arrays, run = start_run(lab_id, saved_config, options, resume)
    try:
        with diverged_runs_recorded(run, {"lab": lab_id}):
            result = _train_and_report(lab_id, config, build_model, arrays, run, saved_config, placement)
    except KeyboardInterrupt:
        done = saved_epochs(run.checkpoint)
        raise RunInterrupted(message("lab.interrupted", done=done, count=config.train.epochs, path=run.path, lab=lab_id)) from None
    except FileNotWritten as error:
        done = saved_epochs(run.checkpoint)
        kept = message("lab.epoch_kept", epoch=done, path=run.checkpoint) if done else message("lab.no_epoch_kept", path=run.path)
        raise FileNotWritten(message("lab.not_written", error=error, kept=kept, lab=lab_id, path=run.path)) from None
    shutil.rmtree(run.checkpoint, ignore_errors=True)  # metrics.json is written: the run is complete
    return result


@contextlib.contextmanager
def diverged_runs_recorded(run: RunDir, identity: dict[str, str]) -> Iterator[None]:
    """Marks the run as diverged in its `metrics.json` (then re-raises) if training diverges inside."""
    try:
        yield
    except TrainingDiverged as error:
        write_json(run.metrics, {**identity, "status": "diverged", "error": str(error), "epoch": error.epoch})
        raise


def _train_and_report(
    lab_id: str,
    config: LabConfig,
    build_model: Callable[[ModelConfig], keras.Model],
    arrays: MnistArrays,
    run: RunDir,
    saved_config: dict[str, Any],
    placement: Placement,
) -> TrainResult:
    print(message("lab.training_on", device=placement.description))
    seed_globally(config.train.seed, deterministic_ops=config.train.deterministic)  # the shuffle and the weights: the seed's alone
    data = make_datasets(arrays, config.train.batch_size, config.train.seed)
    result = fit_and_evaluate(
        lambda: build_model(config.model),
        data,
        config.train,
        placement=placement,
        callbacks=lab_callbacks(run.logs, *probe_batch(arrays.validation), data),
        checkpoint_dir=run.checkpoint,
    )
    print("Learning Finished!")
    print(f"Accuracy: {result.test_accuracy:.4f}")
    with written_whole(run.model) as temporary:
        result.model.save(temporary)
    log_finished_run(run.logs, f"{lab_id}/{run.path.name}", saved_config, result, arrays.test)
    _get_one_and_predict(result.model, arrays.test, random.Random(config.train.seed), run)
    write_json(run.metrics, {"lab": lab_id, "status": "finished", **result.metrics()})
    return result


def start_run(run_id: str, saved_config: dict[str, Any], options: RunOptions, resume: RunDir | None = None) -> tuple[MnistArrays, RunDir]:
    """Read MNIST, then create the run's folder with its `config.json` (or reopen `resume`) and say where it is.

    The data comes first, so that a missing or corrupted data folder leaves no empty run behind; so
    does a `config.json` that cannot be written.

    Raises:
        NoIntactEpoch: `resume`'s checkpoint holds epochs, but every one is damaged.
        FileNotWritten: `config.json` could not be written.
    """
    arrays = read_mnist(options.mnist_dir, options.tfds_dir)
    if resume:
        saved, damaged = newest_intact_epoch(resume.checkpoint)
        done = saved.epochs_done if saved else 0
        if damaged:
            print(message("lab.resuming_past_damage", path=resume.path, epoch=done, damaged="; ".join(map(str, damaged))))
        else:
            print(message("lab.resuming", path=resume.path, epoch=done))
        return arrays, resume
    run = create_run_dir(run_id, options.runs_root)
    try:
        write_json(run.config, saved_config)
    except FileNotWritten:
        run.path.rmdir()
        raise
    print(message("lab.run_directory", path=run.path))
    return arrays, run


def _get_one_and_predict(model: keras.Model, test: Split, rng: random.Random, run: RunDir) -> None:
    """The original's last step: show one random test digit, its label and the model's prediction."""
    index = rng.randrange(len(test))
    logits = model(test.images[index : index + 1], training=False)  # eager: predict() would trace a function first
    print(f"Label: {test.labels[index]}")
    print(f"Prediction: {int(np.argmax(logits, axis=1)[0])}")
    picture = run.file(f"test_digit_{index}.png")
    with written_whole(picture) as temporary:
        keras.utils.save_img(temporary, test.images[index].reshape(28, 28, 1), scale=True)
    print(message("lab.digit_saved", path=picture))


@dataclass(frozen=True)
class HandTrainedResult:
    """What lab 10-X1 measured, as its `metrics.json` holds it (and `lab --seeds` spreads)."""

    test_accuracy: float
    train_seconds: float
    correct_of_1000: list[int]  # of the first 1,000 test images, every `report_every` steps
    steps: int


def train_by_hand(lab_id: str, config: LabConfig, options: RunOptions, *, hidden: int, steps: int, report_every: int) -> HandTrainedResult:
    """Lab 10-X1's loop: `steps` hand-written descent steps, counting correct test answers as it goes.

    Args:
        lab_id: names the run folder.
        config: batch size, learning rate, seed and op determinism in `config.train`.
        options: data and output folders.
        hidden: hidden units.
        steps: batches to train on.
        report_every: print the count of correct answers on the first 1,000 test images this often.

    Returns:
        The figures also written to `metrics.json`.
    """
    arrays, run = start_run(lab_id, {"lab": lab_id, **config.to_dict(), "steps": steps}, options)
    seed_globally(config.train.seed, deterministic_ops=config.train.deterministic)  # the shuffle's order: the seed's alone
    train = make_datasets(arrays, config.train.batch_size, config.train.seed).train.repeat()
    network = SigmoidNet(hidden, config.train.seed)
    probe_images, probe_labels = arrays.test.images[:1_000], arrays.test.labels[:1_000]
    learning_rate = tf.constant(config.train.learning_rate)
    counts = []
    started = time.perf_counter()
    for step, (images, labels) in enumerate(train.take(steps)):
        network.train_step(images, tf.one_hot(labels, NUM_CLASSES), learning_rate)
        if step % report_every == 0:
            counts.append(network.count_correct(probe_images, probe_labels))
            print(message("backprop.correct", step=f"{step:>5}", correct=counts[-1], count=len(probe_labels)))
    seconds = time.perf_counter() - started
    test_accuracy = network.count_correct(arrays.test.images, arrays.test.labels) / len(arrays.test)
    print("Learning Finished!")
    print(f"Accuracy: {test_accuracy:.4f}")
    result = HandTrainedResult(test_accuracy, seconds, counts, steps)
    write_json(run.metrics, {"lab": lab_id, "status": "finished", **dataclasses.asdict(result)})
    return result
