"""Equal seconds of training (`tfmlp.callbacks.TrainingTimeBudget`) and `lab batch-sizes`, on tiny settings."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from pathlib import Path

import pytest

import labs
from tfmlp import runner
from tfmlp.callbacks import TrainingTimeBudget
from tfmlp.compare import compare_variants, print_throughput
from tfmlp.config import LabConfig, TrainConfig
from tfmlp.data import MnistArrays, make_datasets
from tfmlp.models import mlp
from tfmlp.runner import RunOptions
from tfmlp.training import fit_and_evaluate, trains_whole_epochs

COMMAND = "python cli.py lab batch-sizes --epochs 1"  # its equal-epochs networks measured over eight seeds (labs/measured.toml)


def test_the_budget_stops_training_at_the_first_look_at_its_clock_past_the_budget(small_mnist: MnistArrays) -> None:
    """A clock that moves one second per look: the first call (which compiles) is free, and the run stops at
    the fourth look, whatever the machine, after as many batches as four looks span in the loop this
    machine compiled."""
    ticks = itertools.count()
    data = make_datasets(small_mnist, 100, 5)  # 50 batches an epoch
    budget = TrainingTimeBudget(3.0, data.steps_per_epoch, checks_per_epoch=5, clock=lambda: float(next(ticks)))
    result = fit_and_evaluate(lambda: mlp([16], bias_init="zeros"), data, TrainConfig(epochs=100), callbacks=[budget])
    batches_per_look = 10 if trains_whole_epochs(result.model) else result.model.steps_per_execution
    assert budget.trained == 3.0
    assert result.updates == 4 * batches_per_look and result.epochs == -(-result.updates // data.steps_per_epoch)
    assert result.samples_per_second * result.train_seconds == pytest.approx(result.updates * 100)


def test_the_budget_counts_training_alone_across_epochs(small_mnist: MnistArrays) -> None:
    """Neither compiling (the first call) nor the time between epochs (validation, logging) is the run's."""
    times = itertools.chain([0.0, 0.4, 0.8, 1.0, 100.0, 100.4, 100.8, 101.0, 200.0, 200.4, 200.8, 201.0], itertools.count(300.0))
    data = make_datasets(small_mnist, 1_000, 5)  # 5 batches an epoch: looks after batches 1, 3 and 5 (or once, at its end)
    budget = TrainingTimeBudget(2.5, data.steps_per_epoch, checks_per_epoch=3, clock=lambda: next(times))
    result = fit_and_evaluate(lambda: mlp([16], bias_init="zeros"), data, TrainConfig(epochs=10), callbacks=[budget])
    if trains_whole_epochs(result.model):  # trained 0.6 s in the first epoch (after the first call), 1.0 in each after
        assert result.epochs == 3 and result.updates == 5 + 5 + 5 and budget.trained == pytest.approx(2.6)
    else:  # one look an epoch, at its end
        assert budget.trained >= 2.5 and result.epochs < 10


def test_batch_sizes_compares_each_size_at_equal_epochs_and_equal_seconds(
    monkeypatch: pytest.MonkeyPatch, small_mnist: MnistArrays, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lab = labs.get_lab("batch-sizes")
    assert lab.default_seeds == 3 and "seeds" in lab.options and "batch_size" not in lab.options
    small = LabConfig(dataclasses.replace(lab.config.model, widths=(16,)), dataclasses.replace(lab.config.train, epochs=1, max_seconds=0.5))
    variants = lab.module.variants(small, batch_sizes=(100, 5_000))
    assert [variant.name for variant in variants] == ["batch100_1ep", "batch5000_1ep", "batch100_0.5s", "batch5000_0.5s"]
    assert [variant.train.max_seconds for variant in variants] == [0.0, 0.0, 0.5, 0.5]
    monkeypatch.setattr(runner, "read_mnist", lambda *args: small_mnist)
    comparison = compare_variants("batch-sizes", variants, RunOptions(runs_root=tmp_path))
    by_epochs, by_seconds = comparison.variants[:2], comparison.variants[2:]
    assert [variant.result.updates for variant in by_epochs] == [50, 1], "updates per epoch: 5,000 images / batch size"
    assert by_epochs[0].result.test_accuracy > 0.3 > 0.2 > by_epochs[1].result.test_accuracy, "one step leaves it near chance (0.1)"
    for variant in by_seconds:
        assert variant.result.epochs < lab.module.EPOCHS_CAP, "stopped by its clock"
        assert variant.result.train_seconds >= 0.5
    print_throughput(comparison)
    throughput = capsys.readouterr().out.split("What each variant's training bought")[1]
    (row,) = [line for line in throughput.splitlines() if line.startswith("batch100_1ep ")]
    assert row.split()[1:5] == ["100", "50", "1.00", "50"]


def test_batch_sizes_is_spelled_with_a_hyphen_and_suggested_for_an_underscore() -> None:
    assert labs.get_lab("Batch-Sizes").id == "batch-sizes"
    assert labs.closest_id("batch_sizes") == "batch-sizes" and labs.closest_id("batch-size") == "batch-sizes"
    with pytest.raises(labs.UnknownLabError, match="batch-sizes"):
        labs.get_lab("batch_sizes")


@pytest.mark.slow
def test_one_epoch_at_each_batch_size_lands_in_its_measured_band(tmp_path: Path, in_measured_bands: Callable[..., None]) -> None:
    """The equal-epochs half of `python cli.py lab batch-sizes --epochs 1` at seed 777: the 10-3 net after one
    epoch in batches of each size, each in its band, measured over eight seeds (`labs/measured.toml`). The
    equal-seconds half is left out: how far a network gets in ten seconds is the machine's, not the program's.
    The whole batch's band (one update: 0.12 ± 0.03) reaches down to below chance and so says only that one
    step leaves the network near it, which still fails a batch size that was not applied."""
    lab = labs.get_lab("batch-sizes")
    by_epochs = [variant for variant in lab.module.variants(lab.config.with_training(epochs=1)) if not variant.train.max_seconds]
    in_measured_bands(compare_variants("batch-sizes", by_epochs, RunOptions(runs_root=tmp_path)), COMMAND)


def test_the_bands_of_one_epoch_say_fewer_updates_learn_less() -> None:
    """At equal epochs the number of updates decides: 550 updates of 100 images beat 55 of 1,000 beyond both bands,
    and one update of all 55,000 leaves the network near chance (0.1)."""
    measured = labs.measured_variants()[COMMAND]
    assert measured["batch100_1ep"].band()[0] > measured["batch1000_1ep"].band()[1]
    assert measured["batch1000_1ep"].band()[0] > 0.5 > measured["batch55000_1ep"].band()[1]
