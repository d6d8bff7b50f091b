"""The one train-and-evaluate of every lab: devices, distribution strategy, compile, fit, evaluate.

The same call runs on a laptop's CPU, one GPU, several GPUs (`MirroredStrategy`) or several machines
(`MultiWorkerMirroredStrategy` from `TF_CONFIG`); a lab never knows which.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keras
import tensorflow as tf

from tfmlp.callbacks import TrainingTimeBudget, updates_taken
from tfmlp.checkpoint import Checkpoint, EpochCheckpoint, restore_checkpoint
from tfmlp.config import TRAIN_SIZE, TrainConfig, choice
from tfmlp.data import MnistDatasets
from tfmlp.epoch_step import WholeEpochTrainer
from tfmlp.losses import loss_function
from tfmlp.machine import cpu_description
from tfmlp.masks import with_threefry_masks
from tfmlp.models import compiles_under_xla, multiplies_in_bfloat16
from tfmlp.multi_worker import MultiWorkerTrainer, needs_multi_worker_trainer
from tfmlp.plan import Machine, Plan, choose_distribution, choose_plan, cluster_workers
from tfmlp.trainer import XlaTrainer

OPTIMIZERS: dict[str, Callable[..., keras.optimizers.Optimizer]] = {  # called with a learning rate (or schedule) and options
    "sgd": keras.optimizers.SGD,
    "momentum": functools.partial(keras.optimizers.SGD, momentum=0.9),
    "adagrad": keras.optimizers.Adagrad,
    "adadelta": keras.optimizers.Adadelta,
    "rmsprop": keras.optimizers.RMSprop,
    "adam": keras.optimizers.Adam,
    "adamax": keras.optimizers.Adamax,
    "nadam": keras.optimizers.Nadam,
}


class TrainingDiverged(ArithmeticError):
    """The training loss became NaN or infinite; the message names the epoch."""

    def __init__(self, epoch: int, loss: float) -> None:
        super().__init__(f"training diverged: the loss became {loss} in epoch {epoch} (is the learning rate too large?)")
        self.epoch = epoch


class DivergenceGuard(keras.callbacks.Callback):
    """Stops `fit` at the end of the first epoch whose loss is not finite.

    Checking the epoch's mean loss costs nothing per batch, and a NaN never leaves the mean once it
    entered the weights. Raising (rather than Keras's `TerminateOnNaN`, which stops silently) lets
    callers tell a diverged run from a finished one; put it before any checkpoint callback, so the
    diverged epoch is never saved.
    """

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        loss = float((logs or {}).get("loss", 0.0))
        if not math.isfinite(loss):
            raise TrainingDiverged(epoch + 1, loss)


@dataclass(frozen=True)
class Placement:
    """Where training runs: the strategy, a sentence for the user, and what the plan was chosen from."""

    strategy: tf.distribute.Strategy
    description: str
    machine: Machine
    devices: tuple[str, ...] | None = None  # as given to `place`

    def plan(self, config: TrainConfig) -> Plan:
        """How `config` trains here: XLA or not, float32 or bfloat16 (`tfmlp.plan.choose_plan`)."""
        return choose_plan(self.machine, config.precision, config.deterministic, self.devices)


@dataclass
class TrainResult:
    """What a training run measured. `model` is the trained model; the rest goes to `metrics.json`."""

    test_accuracy: float
    test_loss: float
    train_seconds: float
    samples_per_second: float
    epochs: int
    device: str
    history: dict[str, list[float]]
    model: keras.Model = field(repr=False)
    resumed_from_epoch: int = 0  # epochs restored from a checkpoint; the seconds count the rest only
    updates: int = 0  # optimizer steps taken in those seconds: batches trained, one update each

    def metrics(self) -> dict[str, Any]:
        """The JSON-ready figures: everything but the model."""
        return {name: value for name, value in vars(self).items() if name != "model"}

    def final_metrics(self) -> dict[str, float]:
        """The figures that compare runs in TensorBoard's HParams table."""
        return {
            "test/accuracy": self.test_accuracy,
            "test/loss": self.test_loss,
            "train/seconds": self.train_seconds,
            "train/samples_per_second": self.samples_per_second,
        }


def place(devices: Sequence[str] | None = None) -> Placement:
    """Pick devices and a `tf.distribute` strategy for this machine.

    A cluster in `TF_CONFIG` gives `MultiWorkerMirroredStrategy`; otherwise several GPUs (or the
    devices named) give `MirroredStrategy`, and one device or none gives the default strategy.
    In a cluster's worker call it before anything else that uses TensorFlow: a process can join a
    cluster only before its first op.

    Args:
        devices: logical devices to mirror over, e.g. `["/cpu:0", "/cpu:1"]`; None picks the GPUs.

    Returns:
        The strategy and a line that says what was chosen.

    Example:
        >>> placement = place()
        >>> with placement.strategy.scope():
        ...     model = mlp([256, 256])
    """
    for gpu in tf.config.list_physical_devices("GPU"):
        try:
            tf.config.experimental.set_memory_growth(gpu, True)  # share the GPU instead of grabbing it all
        except RuntimeError:
            pass  # the runtime is already initialized; growth was set, or cannot be, by then
    machine = Machine.this()
    given = None if devices is None else tuple(devices)
    distribution, mirrored = choose_distribution(machine, given)
    if distribution == "multi-worker":
        strategy = join_cluster()
        description = f"{machine.cluster_workers} workers, {strategy.num_replicas_in_sync} replicas in all (MultiWorkerMirroredStrategy)"
    elif distribution == "mirrored":
        strategy = tf.distribute.MirroredStrategy(list(mirrored))
        description = f"{len(mirrored)} devices {', '.join(mirrored)} (MirroredStrategy)"
    else:
        strategy = tf.distribute.get_strategy()
        description = f"GPU 0 ({machine.gpus[0]})" if machine.gpus else f"CPU ({cpu_description()})"
    return Placement(strategy, description, machine, given)


@functools.cache
def join_cluster() -> tf.distribute.MultiWorkerMirroredStrategy | None:
    """Joins the cluster that `TF_CONFIG` names, once per process; None when it names none.

    TensorFlow lets a process join a cluster only before its first op, so a worker calls this (or
    `place()`) before anything else; later calls return the same strategy.

    Returns:
        The `MultiWorkerMirroredStrategy` over the cluster's workers, or None.
    """
    return tf.distribute.MultiWorkerMirroredStrategy() if cluster_workers() > 1 else None


def learning_rate(config: TrainConfig, steps_per_epoch: int) -> float | keras.optimizers.schedules.LearningRateSchedule:
    """`config.learning_rate` as the optimizer takes it: a number, or Keras's cosine decay with a
    linear warm-up from 0 (`config.schedule == "cosine"`), ending at 0 after `config.epochs` epochs.

    A warm-up lets the first steps, taken on random weights, stay small; the decay lets the last
    epochs settle into a minimum instead of jumping around it at full step size.
    """
    if config.schedule == "constant":
        return config.learning_rate
    warmup = round(config.warmup_epochs * steps_per_epoch)
    return keras.optimizers.schedules.CosineDecay(
        0.0 if warmup else config.learning_rate,
        decay_steps=config.epochs * steps_per_epoch - warmup,
        warmup_target=config.learning_rate if warmup else None,
        warmup_steps=warmup,
    )


def compile_model(
    model: keras.Model, config: TrainConfig, *, xla: bool = False, steps_per_execution: int = 1, steps_per_epoch: int | None = None
) -> keras.Model:
    """Compile for the lab: the configured cost on logits (the course's softmax cross-entropy unless
    `config.loss` names another, `tfmlp.losses`), the configured optimizer, accuracy.

    Args:
        model: an uncompiled model that outputs logits.
        config: the optimizer and learning rate.
        xla: compile training with XLA, kept for the next run where the program turned on
            `tfmlp.compile_cache` (`cli.py` does); else Keras's "auto", which is XLA on a GPU where
            the model allows it and none on a CPU. `trainer_for` compiles only the training with
            XLA, and validates and tests without it (`tfmlp.trainer`).
        steps_per_execution: batches per call of the compiled function; a whole epoch
            (`data.steps_per_epoch`) saves Python's per-batch overhead (10-4 trains 1.26x as fast on
            2 CPU cores). Only without a distribution strategy. Per-batch callbacks then run once
            per call; epoch callbacks are unaffected.
        steps_per_epoch: batches per epoch, for a learning-rate schedule; None: the full training
            set's (`TRAIN_SIZE / batch_size`).

    Returns:
        The same model, compiled.

    Raises:
        ConfigError: the optimizer is unknown.
    """
    steps_per_epoch = steps_per_epoch or math.ceil(TRAIN_SIZE / config.batch_size)
    options = {"weight_decay": config.weight_decay or None, "use_ema": config.ema}
    optimizer = OPTIMIZERS[choice("optimizer", config.optimizer, OPTIMIZERS)](learning_rate(config, steps_per_epoch), **options)
    model.compile(
        optimizer=optimizer,
        loss=loss_function(config.loss),
        metrics=[keras.metrics.SparseCategoricalAccuracy("accuracy")],  # an argmax: of logits, as of either probabilities
        steps_per_execution=steps_per_execution,
        jit_compile=True if xla else "auto",
    )
    # The optimizer's slots and the metric's counters are made here, not in the train function's first
    # trace: tf.function traces a function again when its first trace made variables (0.45 s on 10-2).
    if model.built:
        optimizer.build(model.trainable_variables)
    return model


@contextlib.contextmanager
def precision_policy(precision: str) -> Iterator[None]:
    """Layers made inside compute in `precision`: "bfloat16" is Keras's mixed_bfloat16 (float32
    variables, bfloat16 products); the logits layer stays float32 (`tfmlp.models.logits_layer`)."""
    before = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_bfloat16" if precision == "bfloat16" else "float32")
    try:
        yield
    finally:
        keras.config.set_dtype_policy(before)


def build_and_compile(
    build_model: Callable[[], keras.Model], data: MnistDatasets, config: TrainConfig, placement: Placement
) -> keras.Model:
    """A fresh model in the precision of `placement.plan(config)`, compiled for its loop (call it in
    the strategy's scope).

    Under XLA a whole epoch per call where its batches stack (`tfmlp.epoch_step`); else all of an
    epoch's batches per call through Keras's `steps_per_execution`, or one batch under a strategy
    (Keras 3.15 fails there with a while-loop error). A model with nothing to multiply in bfloat16
    (softmax regression: its one layer is the float32 logits) is compiled as float32 is, and one
    with layers XLA cannot compile (Keras's random image layers, in a model of your own; the factories
    distort images with `tfmlp.distortions`, which XLA compiles) without XLA.
    """
    plan = placement.plan(config)
    with precision_policy(plan.precision):
        model = build_model()
    if plan.precision == "bfloat16" and not multiplies_in_bfloat16(model):
        plan = placement.plan(dataclasses.replace(config, precision="float32"))
    one_device = plan.distribution == "one device" and not tf.distribute.has_strategy()
    xla = plan.xla and one_device and compiles_under_xla(model)  # not Keras's random image layers, in a model of one's own
    whole_epochs = xla and plan.whole_epochs and data.train_size % data.batch_size == 0
    return compile_model(
        model,
        config,
        xla=xla,
        steps_per_execution=1 if whole_epochs or not one_device else data.steps_per_epoch,
        steps_per_epoch=data.steps_per_epoch,
    )


def trains_whole_epochs(model: keras.Model) -> bool:
    """Whether `build_and_compile` compiled `model` to train a whole epoch per call (XLA, one batch per step)."""
    return model.jit_compile is True and model.steps_per_execution == 1


def trainer_for(model: keras.Model, data: MnistDatasets) -> keras.Model:
    """The model whose `fit` trains `model` as `build_and_compile` compiled it: a whole epoch per call
    with dropout masks drawn by ThreeFry (`tfmlp.epoch_step`, `tfmlp.masks`) where it chose that (XLA
    on one CPU), its other steps under XLA with validation and test without (`tfmlp.trainer`), Keras's
    fixes for a cluster (`tfmlp.multi_worker`), else `model` itself."""
    if trains_whole_epochs(model):
        return WholeEpochTrainer(model, *data.train_tensors, with_threefry_masks(model))
    if model.jit_compile is True:
        return XlaTrainer(model)
    if needs_multi_worker_trainer(model):
        with model.distribute_strategy.scope():
            return MultiWorkerTrainer(model)
    return model


def train_epochs(
    model: keras.Model,
    data: MnistDatasets,
    first: int,
    stop: int,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    verbose: int = 0,
) -> keras.callbacks.History:
    """`fit` over epochs `first` ... `stop - 1` of `data`, validating after each, by `trainer_for(model, data)`.

    The callbacks see `model` itself, whichever model trains it, and besides Keras's `params`
    (`steps`: `fit`'s steps per epoch, a call of the compiled function each for whole epochs)
    `batches_per_epoch`. A callback with a `pauses` attribute (batch
    counts within an epoch, such as `Diagnostics`'s) makes a whole-epoch call return after those
    batches, so that its `on_train_batch_end` sees them.
    """
    return _fit(trainer_for(model, data), model, data, first, stop, callbacks, verbose)


def _fit(
    trainer: keras.Model,
    model: keras.Model,
    data: MnistDatasets,
    first: int,
    stop: int,
    callbacks: Sequence[keras.callbacks.Callback],
    verbose: int,
) -> keras.callbacks.History:
    """`train_epochs` by `trainer`, which `fit_and_evaluate` also tests with."""
    whole_epochs = trains_whole_epochs(model)
    pauses = {batch for callback in callbacks for batch in getattr(callback, "pauses", ())}
    steps = len(data.stretches(pauses)) if whole_epochs else data.steps_per_epoch
    seen_by_model = keras.callbacks.CallbackList(
        list(callbacks),
        add_history=True,
        add_progbar=verbose != 0,
        model=model,
        verbose=verbose,
        epochs=stop,
        steps=steps,
        batches_per_epoch=data.steps_per_epoch,
    )
    return trainer.fit(
        data.epoch_orders(first, stop, pauses) if whole_epochs else data.epochs(first, stop),
        epochs=stop,
        initial_epoch=first,
        steps_per_epoch=steps,
        validation_data=data.validation,
        shuffle=False,  # the stream is already shuffled, epoch by epoch
        callbacks=seen_by_model,
        verbose=verbose,
    )


def fit_and_evaluate(
    build_model: Callable[[], keras.Model],
    data: MnistDatasets,
    config: TrainConfig,
    *,
    placement: Placement | None = None,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    verbose: int = 0,
    checkpoint_dir: Path | None = None,
) -> TrainResult:
    """Build, compile, train and test a model.

    The model is built inside the strategy's scope, so its variables live where the strategy puts
    them. Training validates on `data.validation` after every epoch; the test set is touched once.

    The process's random state is the caller's: for a run that the same seed repeats, call
    `tfmlp.seeding.seed_globally(config.seed, deterministic_ops=config.deterministic)` before
    `make_datasets` and this (as `cli.py` does); same weights on the same machine, bit-identical
    ones whatever the threads do with deterministic ops.

    Args:
        build_model: returns a fresh uncompiled model (a factory, so it can run inside the scope).
        data: the pipelines from `tfmlp.data`.
        config: epochs, batch size (already applied to `data`), optimizer, learning rate, cost,
            whether ops must be deterministic (which trains without XLA; the switch itself is
            `seed_globally`'s), and a limit on the training seconds (`TrainingTimeBudget` stops
            there, within an epoch). Its seed is for `seed_globally`.
        placement: from `place()`; None calls it.
        callbacks: extra Keras callbacks (epoch lines, TensorBoard, ...).
        verbose: Keras's progress output (0 silent, 1 bar, 2 a line per epoch).
        checkpoint_dir: saves the training state after every epoch; if it already holds one, training
            continues from it and ends as the uninterrupted run would have. None: no checkpoints.

    Returns:
        Test accuracy and loss, training seconds (validation passes included), training samples
        per second, the device line, the per-epoch history and the trained model.

    Raises:
        TrainingDiverged: the loss became NaN or infinite.

    Example:
        >>> result = fit_and_evaluate(lambda: mlp([256, 256]), load_mnist(), TrainConfig(epochs=3))
        >>> result.test_accuracy
    """
    placement = placement or place()
    with placement.strategy.scope():
        model = build_and_compile(build_model, data, config, placement)
        start = restore_checkpoint(model, checkpoint_dir) if checkpoint_dir else Checkpoint()
    guards: list[keras.callbacks.Callback] = [DivergenceGuard()]
    if checkpoint_dir:
        guards.append(EpochCheckpoint(checkpoint_dir, start))
    if config.max_seconds:
        guards.append(TrainingTimeBudget(config.max_seconds, data.steps_per_epoch))
    updates_before = updates_taken(model)
    started = time.perf_counter()
    trainer = trainer_for(model, data)
    history = _fit(trainer, model, data, start.epochs_done, config.epochs, [*guards, *callbacks], verbose)
    train_seconds = time.perf_counter() - started
    test_loss, test_accuracy = trainer.evaluate(data.test, verbose=0)
    epochs_run, updates = len(history.epoch), updates_taken(model) - updates_before
    samples = min(epochs_run * data.train_size, updates * data.batch_size)  # an epoch a callback stopped counts its batches only
    return TrainResult(
        test_accuracy=float(test_accuracy),
        test_loss=float(test_loss),
        train_seconds=train_seconds,
        samples_per_second=samples / train_seconds,
        epochs=start.epochs_done + epochs_run,
        device=placement.description,
        history={
            name: start.history.get(name, []) + [float(value) for value in history.history.get(name, [])]
            for name in {**start.history, **history.history}
        },
        model=model,
        resumed_from_epoch=start.epochs_done,
        updates=updates,
    )
