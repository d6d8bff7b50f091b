"""Side-by-side experiments: several variants trained on identical data and seeds, one table, curves.

Lab 10-6 and the comparison experiments (activations, initializers, optimizers, architectures) are
each a list of `Variant`s handed to `compare_variants`; only what differs between them is theirs.
An experiment that claims one variant beats another can train each from several seeds
(`seeds=5`): its table then gives each variant's test accuracy as mean ± std, min and max, so a
gap is read against what the seeds alone move.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras

from tfmlp.callbacks import lab_callbacks
from tfmlp.config import LabConfig, ModelConfig, TrainConfig, integer
from tfmlp.data import MnistArrays, make_datasets, probe_batch
from tfmlp.diagnostics import layer_gradient_norms
from tfmlp.files import write_json
from tfmlp.language import display_width, message, padded
from tfmlp.losses import loss_function
from tfmlp.plots import plot_curves_over_seeds
from tfmlp.runner import RunOptions, diverged_runs_recorded, start_run
from tfmlp.runs import RunDir
from tfmlp.seeding import seed_globally
from tfmlp.spread import Spread
from tfmlp.summaries import log_finished_run
from tfmlp.training import Placement, TrainResult, fit_and_evaluate, place

MAX_EPOCH_ROWS = 20  # of the per-epoch table


@dataclass(frozen=True)
class Variant:
    """One contestant: a name, a model factory and how it trains."""

    name: str
    build_model: Callable[[], keras.Model]
    train: TrainConfig
    details: dict[str, Any] = dataclasses.field(default_factory=dict)

    def config(self) -> dict[str, Any]:
        """What is saved of the variant: its details (e.g. its model config) and its training."""
        return {**self.details, "train": dataclasses.asdict(self.train)}


@dataclass(frozen=True)
class SeededVariant(Variant):
    """A contestant whose network depends on its seed beyond the weights Keras draws from it (a start
    pre-trained from that seed, say): `build_for_seed(seed)` builds it for the seed it trains from, in
    the copies that `compare_variants(seeds=N)` makes for the seeds after the first too."""

    build_model: Callable[[], keras.Model] = dataclasses.field(init=False, repr=False)
    build_for_seed: Callable[[int], keras.Model] = dataclasses.field(kw_only=True)

    def __post_init__(self) -> None:
        object.__setattr__(self, "build_model", lambda: self.build_for_seed(self.train.seed))


def sweep(
    config: LabConfig,
    build_model: Callable[[ModelConfig], keras.Model],
    field: str,
    values: Sequence[Any],
    names: Sequence[str] | None = None,
) -> list[Variant]:
    """One variant per value of one `ModelConfig` field, everything else as `config` says.

    Args:
        config: the experiment's recipe; every variant trains as `config.train` says.
        build_model: the lab's factory, called with each variant's `ModelConfig`.
        field: the field that varies, e.g. "activation".
        values: its values, one variant each.
        names: the variants' names; the values themselves by default.

    Returns:
        The variants, in the order of `values`.
    """
    models = [dataclasses.replace(config.model, **{field: value}) for value in values]
    return [
        Variant(name, lambda model=model: build_model(model), config.train, {"model": dataclasses.asdict(model)})
        for name, model in zip(names or [str(value) for value in values], models)
    ]


@dataclass
class SeedRun:
    """A variant trained from one seed: its result, the gradient norms that reached its layers in its
    first step, and its TensorBoard folder."""

    train: TrainConfig  # how it trained, from its seed
    result: TrainResult
    initial_gradient_norms: dict[str, float]
    logs: Path

    @property
    def seed(self) -> int:
        return self.train.seed

    def summary(self) -> dict[str, Any]:
        return {"seed": self.seed, **self.result.metrics(), "initial_gradient_norms": self.initial_gradient_norms}


@dataclass
class VariantResult:
    """A variant's runs, one per seed (the variant's own seed first), and their figures over the seeds."""

    name: str
    runs: list[SeedRun]

    @property
    def result(self) -> TrainResult:
        """The run from the variant's own seed: the only one unless the comparison spans seeds."""
        return self.runs[0].result

    @property
    def initial_gradient_norms(self) -> dict[str, float]:
        return self.runs[0].initial_gradient_norms

    def mean(self, figure: Callable[[SeedRun], float]) -> float:
        """`figure`'s mean over the seeds."""
        return statistics.fmean(figure(run) for run in self.runs)

    @property
    def first_layer_gradient(self) -> float:
        """The gradient norm that reached the first layer in the first step, the seeds' mean."""
        return self.mean(lambda run: next(iter(run.initial_gradient_norms.values())))

    @property
    def last_layer_gradient(self) -> float:
        return self.mean(lambda run: list(run.initial_gradient_norms.values())[-1])

    @property
    def test_accuracy(self) -> Spread:
        return Spread.of([run.result.test_accuracy for run in self.runs])

    @property
    def train_seconds(self) -> Spread:
        return Spread.of([run.result.train_seconds for run in self.runs])

    def summary(self) -> dict[str, Any]:
        """What metrics.json keeps of the variant: the mean test accuracy and the seconds of all its
        runs (what `cli.py runs` lists), the spreads, and every seed's figures."""
        return {
            "name": self.name,
            "test_accuracy": self.test_accuracy.mean,
            "train_seconds": sum(run.result.train_seconds for run in self.runs),
            "spread": {"test_accuracy": dataclasses.asdict(self.test_accuracy), "train_seconds": dataclasses.asdict(self.train_seconds)},
            "runs": [run.summary() for run in self.runs],
        }


@dataclass
class Comparison:
    """Everything an experiment measured, and where it was saved."""

    run: RunDir
    variants: list[VariantResult]
    arrays: MnistArrays
    extra: dict[str, float] = dataclasses.field(default_factory=dict)

    def __getitem__(self, name: str) -> VariantResult:
        return next(variant for variant in self.variants if variant.name == name)

    @property
    def seeds(self) -> int:
        return len(self.variants[0].runs)


def compare_variants(
    experiment_id: str,
    variants: Sequence[Variant],
    options: RunOptions,
    *,
    plots: Sequence[str] = ("val_accuracy",),
    title: str = "",
    extra: Callable[[Comparison], dict[str, float]] | None = None,
    seeds: int = 1,
) -> Comparison:
    """Train each variant on the same data in the same order, from `seeds` seeds, then print and save the comparison.

    Every variant reshuffles from its own `train.seed` (then `train.seed + 1`, ... for more seeds);
    variants that share a seed and batch size see the very same batches. Gradient norms per layer
    are measured on a fixed validation probe with the freshly initialized model, before its first
    step, where initialization and activation decide everything.

    Args:
        experiment_id: names the run folder, e.g. "activations".
        variants: the contestants.
        options: data and output folders.
        plots: history metrics to draw, one PNG each (`<metric>.png`), every variant a line (over
            several seeds their mean, shaded from the lowest seed's to the highest).
        title: the figures' title.
        extra: computes further figures from the trained variants (e.g. an ensemble's accuracy);
            they are printed and saved with the rest.
        seeds: runs per variant, from seeds `train.seed`, `train.seed + 1`, ...; with more than one
            the table gives each variant's test accuracy as mean ± std, min, max over them, and a
            seed's TensorBoard logs go to `logs/<variant>/seed_<seed>/`.

    Returns:
        The results and the run directory (logs per variant under `logs/<variant>/`).

    Raises:
        ConfigError: `seeds` is not a whole number of at least 1.
    """
    integer("seeds", seeds, 1)
    saved_config = {
        "experiment": experiment_id,
        "seeds": seeds,
        "variants": {variant.name: variant.config() for variant in variants},
    }
    placement = place()  # first: a worker joins its cluster before TensorFlow runs anything else
    arrays, run = start_run(experiment_id, saved_config, options)
    print(message("lab.training_on", device=placement.description))
    probe = probe_batch(arrays.validation)
    results = []
    with diverged_runs_recorded(run, {"experiment": experiment_id}):
        for variant in variants:
            runs = []
            for offset in range(seeds):
                seeded = dataclasses.replace(variant, train=dataclasses.replace(variant.train, seed=variant.train.seed + offset))
                print(f"--- {variant.name}" + (message("compare.seed", seed=seeded.train.seed) if seeds > 1 else ""))
                logs = run.logs / variant.name if seeds == 1 else run.logs / variant.name / f"seed_{seeded.train.seed}"
                runs.append(_train_once(experiment_id, run, seeded, logs, arrays, probe, placement))
            results.append(VariantResult(variant.name, runs))
    comparison = Comparison(run, results, arrays)
    print_comparison(comparison)
    if extra:
        comparison.extra.update(extra(comparison))
        for name, value in comparison.extra.items():
            print(f"{name}: {value:.4f}")
    for metric in plots:
        histories = {variant.name: [seeded.result.history for seeded in variant.runs] for variant in results}
        picture = plot_curves_over_seeds(histories, metric, run.file(f"{metric}.png"), title or experiment_id)
        print(message("compare.plot_saved", path=picture))
    write_json(
        run.metrics, {"experiment": experiment_id, "status": "finished", "variants": [v.summary() for v in results], **comparison.extra}
    )
    return comparison


def _train_once(
    experiment_id: str,
    run: RunDir,
    variant: Variant,
    logs: Path,
    arrays: MnistArrays,
    probe: tuple[Any, Any],
    placement: Placement,
) -> SeedRun:
    """Train and test `variant` from its seed, logging to `logs`, and add its finished-run summary there."""
    initial_norms: dict[str, float] = {}

    def build_and_probe() -> keras.Model:
        model = variant.build_model()
        initial_norms.update(layer_gradient_norms(model, *probe, loss_function(variant.train.loss)))  # of the cost it trains on
        return model

    seed_globally(variant.train.seed, deterministic_ops=variant.train.deterministic)  # every variant from the same seed
    data = make_datasets(arrays, variant.train.batch_size, variant.train.seed)
    result = fit_and_evaluate(build_and_probe, data, variant.train, placement=placement, callbacks=lab_callbacks(logs, *probe, data))
    trial = f"{experiment_id}/{run.path.name}/{logs.relative_to(run.logs).as_posix()}"
    log_finished_run(logs, trial, {"experiment": experiment_id, "variant": variant.name, **variant.config()}, result, arrays.test)
    return SeedRun(variant.train, result, initial_norms, logs)


def print_comparison(comparison: Comparison) -> None:
    """Validation accuracy per epoch (the seeds' mean), then one summary row per variant: the means over
    its seeds, and with more than one seed its test accuracy's spread."""
    names = [variant.name for variant in comparison.variants]
    width = max(12, *(len(name) for name in names))
    epoch = message("compare.epoch")
    epoch_width = max(5, display_width(epoch))
    print("\n" + message("compare.per_epoch"))
    print(padded(epoch, epoch_width) + " " + " ".join(f"{name:>{width}}" for name in names))
    epochs = max(len(run.result.history["val_accuracy"]) for v in comparison.variants for run in v.runs)
    every = -(-epochs // MAX_EPOCH_ROWS)  # a long run (many quick epochs) shows every `every`-th, and its last
    for done in sorted({*range(every - 1, epochs, every), epochs - 1}):  # a run that stopped earlier leaves its later epochs blank
        cells = [[run.result.history["val_accuracy"][done:][:1] for run in v.runs] for v in comparison.variants]
        means = [statistics.fmean(sum(cell, [])) if any(cell) else None for cell in cells]
        print(f"{done + 1:>{epoch_width}} " + " ".join(f"{mean:>{width}.4f}" if mean is not None else " " * width for mean in means))
    columns = [
        message("compare.test_accuracy"), message("compare.first_cost"), message("compare.last_cost"),
        message("compare.first_gradient"), message("compare.last_gradient"), message("compare.seconds"),
    ]  # fmt: skip
    spread = comparison.seeds > 1
    if spread:
        columns.append(message("compare.over_seeds", count=comparison.seeds))
    widths = [max(least, display_width(column)) for least, column in zip((8, 10, 10, 14, 15, 8, 46), columns)]
    header = "".join(" " + padded(column, least, ">") for column, least in zip(columns, widths))
    print("\n" + padded(message("compare.variant"), width) + header)
    for variant in comparison.variants:
        figures = [
            f"{variant.test_accuracy.mean:.4f}", f"{variant.mean(lambda run: run.result.history['loss'][0]):.4f}",
            f"{variant.mean(lambda run: run.result.history['loss'][-1]):.4f}", f"{variant.first_layer_gradient:.3e}",
            f"{variant.last_layer_gradient:.3e}", f"{variant.train_seconds.mean:.1f}",
        ]  # fmt: skip
        if spread:
            figures.append(variant.test_accuracy.describe(4))
        print(f"{variant.name:<{width}}" + "".join(" " + padded(figure, least, ">") for figure, least in zip(figures, widths)))


def print_throughput(comparison: Comparison) -> None:
    """What each variant's training bought, the seeds' means: its batch size, updates per epoch, epochs
    and updates trained, images and updates per second, and its test accuracy. Mini-batches buy updates:
    at equal seconds, the size that takes the most useful steps wins."""
    columns = [
        message("compare.batch_size"), message("compare.updates_per_epoch"), message("compare.epochs_trained"),
        message("compare.updates"), message("compare.images_per_second"), message("compare.updates_per_second"),
        message("compare.test_accuracy"),
    ]  # fmt: skip
    width = max(12, *(len(variant.name) for variant in comparison.variants))
    widths = [max(9, display_width(column)) for column in columns]
    print("\n" + message("compare.throughput"))
    print(padded(message("compare.variant"), width) + "".join(" " + padded(column, least, ">") for column, least in zip(columns, widths)))
    for variant in comparison.variants:
        batch_size = variant.runs[0].train.batch_size
        per_epoch = math.ceil(len(comparison.arrays.train) / batch_size)
        updates = variant.mean(lambda run: run.result.updates)
        figures = [
            f"{batch_size:,}", f"{per_epoch:,}", f"{updates / per_epoch:.2f}", f"{updates:,.0f}",
            f"{variant.mean(lambda run: run.result.samples_per_second):,.0f}",
            f"{variant.mean(lambda run: run.result.updates / run.result.train_seconds):,.1f}", f"{variant.test_accuracy.mean:.4f}",
        ]  # fmt: skip
        print(f"{variant.name:<{width}}" + "".join(" " + padded(figure, least, ">") for figure, least in zip(figures, widths)))
