"""Side-by-side experiments: several variants trained on identical data and seeds, one table, curves.

Lab 10-6 and the comparison experiments (activations, initializers, optimizers, architectures) are
each a list of `Variant`s handed to `compare_variants`; only what differs between them is theirs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import keras

from tfmlp.callbacks import lab_callbacks
from tfmlp.config import LabConfig, ModelConfig, TrainConfig
from tfmlp.data import MnistArrays, make_datasets, probe_batch
from tfmlp.diagnostics import layer_gradient_norms
from tfmlp.files import write_json
from tfmlp.language import display_width, message, padded
from tfmlp.plots import plot_curves
from tfmlp.runner import RunOptions, diverged_runs_recorded, start_run
from tfmlp.runs import RunDir
from tfmlp.seeding import seed_globally
from tfmlp.summaries import log_finished_run
from tfmlp.training import TrainResult, fit_and_evaluate, place


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
class VariantResult:
    """A variant's training result and the gradient norms that reached its layers in its first step."""

    name: str
    result: TrainResult
    initial_gradient_norms: dict[str, float]

    @property
    def first_layer_gradient(self) -> float:
        return next(iter(self.initial_gradient_norms.values()))

    @property
    def last_layer_gradient(self) -> float:
        return list(self.initial_gradient_norms.values())[-1]

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            **self.result.metrics(),
            "initial_gradient_norms": self.initial_gradient_norms,
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


def compare_variants(
    experiment_id: str,
    variants: Sequence[Variant],
    options: RunOptions,
    *,
    plots: Sequence[str] = ("val_accuracy",),
    title: str = "",
    extra: Callable[[Comparison], dict[str, float]] | None = None,
) -> Comparison:
    """Train each variant on the same data in the same order, then print and save the comparison.

    Every variant reshuffles from its own `train.seed`; variants that share a seed and batch size see
    the very same batches. Gradient norms per layer are measured on a fixed validation probe with
    the freshly initialized model, before its first step, where initialization and activation
    decide everything.

    Args:
        experiment_id: names the run folder, e.g. "activations".
        variants: the contestants.
        options: data and output folders.
        plots: history metrics to draw, one PNG each (`<metric>.png`), every variant a line.
        title: the figures' title.
        extra: computes further figures from the trained variants (e.g. an ensemble's accuracy);
            they are printed and saved with the rest.

    Returns:
        The results and the run directory (logs per variant under `logs/<variant>/`).
    """
    saved_config = {"experiment": experiment_id, "variants": {variant.name: variant.config() for variant in variants}}
    placement = place()  # first: a worker joins its cluster before TensorFlow runs anything else
    arrays, run = start_run(experiment_id, saved_config, options)
    print(message("lab.training_on", device=placement.description))
    probe = probe_batch(arrays.validation)
    results = []
    with diverged_runs_recorded(run, {"experiment": experiment_id}):
        for variant in variants:
            print(f"--- {variant.name}")
            initial_norms: dict[str, float] = {}

            def build_and_probe(variant: Variant = variant, norms: dict[str, float] = initial_norms) -> keras.Model:
                model = variant.build_model()
                norms.update(layer_gradient_norms(model, *probe))
                return model

            seed_globally(variant.train.seed, deterministic_ops=variant.train.deterministic)  # every variant from the same seed
            data = make_datasets(arrays, variant.train.batch_size, variant.train.seed)
            result = fit_and_evaluate(
                build_and_probe,
                data,
                variant.train,
                placement=placement,
                callbacks=lab_callbacks(run.logs / variant.name, *probe, data),
            )
            log_finished_run(
                run.logs / variant.name,
                f"{experiment_id}/{run.path.name}/{variant.name}",
                {"experiment": experiment_id, "variant": variant.name, **variant.config()},
                result,
                arrays.test,
            )
            results.append(VariantResult(variant.name, result, initial_norms))
    comparison = Comparison(run, results, arrays)
    print_comparison(comparison)
    if extra:
        comparison.extra.update(extra(comparison))
        for name, value in comparison.extra.items():
            print(f"{name}: {value:.4f}")
    for metric in plots:
        picture = plot_curves({v.name: v.result.history for v in results}, metric, run.file(f"{metric}.png"), title or experiment_id)
        print(message("compare.plot_saved", path=picture))
    write_json(
        run.metrics, {"experiment": experiment_id, "status": "finished", "variants": [v.summary() for v in results], **comparison.extra}
    )
    return comparison


def print_comparison(comparison: Comparison) -> None:
    """Validation accuracy per epoch, then one summary row per variant."""
    names = [variant.name for variant in comparison.variants]
    width = max(12, *(len(name) for name in names))
    epoch = message("compare.epoch")
    epoch_width = max(5, display_width(epoch))
    print("\n" + message("compare.per_epoch"))
    print(padded(epoch, epoch_width) + " " + " ".join(f"{name:>{width}}" for name in names))
    epochs = max(len(v.result.history["val_accuracy"]) for v in comparison.variants)
    for done in range(epochs):
        cells = (v.result.history["val_accuracy"][done] for v in comparison.variants)
        print(f"{done + 1:>{epoch_width}} " + " ".join(f"{cell:>{width}.4f}" for cell in cells))
    columns = [
        message("compare.test_accuracy"), message("compare.first_cost"), message("compare.last_cost"),
        message("compare.first_gradient"), message("compare.last_gradient"), message("compare.seconds"),
    ]  # fmt: skip
    widths = [max(least, display_width(column)) for least, column in zip((8, 10, 10, 14, 15, 8), columns)]
    header = "".join(" " + padded(column, least, ">") for column, least in zip(columns, widths))
    print("\n" + padded(message("compare.variant"), width) + header)
    for variant in comparison.variants:
        losses = variant.result.history["loss"]
        figures = [
            f"{variant.result.test_accuracy:.4f}", f"{losses[0]:.4f}", f"{losses[-1]:.4f}",
            f"{variant.first_layer_gradient:.3e}", f"{variant.last_layer_gradient:.3e}", f"{variant.result.train_seconds:.1f}",
        ]  # fmt: skip
        print(f"{variant.name:<{width}}" + "".join(" " + padded(figure, least, ">") for figure, least in zip(figures, widths)))
