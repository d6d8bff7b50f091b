"""Side-by-side comparisons over seeds (`tfmlp.compare`), on a slice of the real MNIST with tiny networks."""

from __future__ import annotations

import contextlib
import io
import json
import statistics
from pathlib import Path

import pytest

from tfmlp import runner
from tfmlp.compare import Comparison, Variant, compare_variants
from tfmlp.config import ConfigError, TrainConfig
from tfmlp.data import MnistArrays
from tfmlp.results import collect
from tfmlp.runner import RunOptions
from tfmlp.runs import list_runs

TRAIN = TrainConfig(epochs=1, batch_size=100, seed=11)


def tiny_variants() -> list[Variant]:
    from tfmlp.models import mlp

    return [
        Variant("narrow", lambda: mlp([8], bias_init="zeros", name="narrow"), TRAIN, {"width": 8}),
        Variant("wide", lambda: mlp([32], bias_init="zeros", name="wide"), TRAIN, {"width": 32}),
    ]


@pytest.fixture
def on_small_mnist(monkeypatch: pytest.MonkeyPatch, small_mnist: MnistArrays) -> None:
    monkeypatch.setattr(runner, "read_mnist", lambda *args: small_mnist)


@pytest.fixture(scope="module")
def over_two_seeds(small_mnist: MnistArrays, tmp_path_factory: pytest.TempPathFactory) -> tuple[Comparison, str]:
    """The two tiny variants, each from seeds 11 and 12, and what the comparison printed."""
    printed = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(printed):
        patch.setattr(runner, "read_mnist", lambda *args: small_mnist)
        options = RunOptions(runs_root=tmp_path_factory.mktemp("over_seeds"))
        comparison = compare_variants("tiny", tiny_variants(), options, plots=("val_accuracy", "loss"), seeds=2)
    return comparison, printed.getvalue()


def test_every_variant_trains_from_each_seed_and_keeps_each_run(over_two_seeds: tuple[Comparison, str]) -> None:
    comparison, _ = over_two_seeds
    assert [variant.name for variant in comparison.variants] == ["narrow", "wide"] and comparison.seeds == 2
    for variant in comparison.variants:
        assert [run.seed for run in variant.runs] == [11, 12]
        first, second = (run.result for run in variant.runs)
        assert first.test_loss != second.test_loss, "two seeds, two different networks"
        for run in variant.runs:
            assert run.logs == comparison.run.logs / variant.name / f"seed_{run.seed}"
            assert list(run.logs.glob("events.out.tfevents.*")), "the finished run's summary"
            assert list((run.logs / "train").glob("events.out.tfevents.*")), "Keras's per-epoch logs"
    for metric in ("val_accuracy", "loss"):
        assert comparison.run.file(f"{metric}.png").stat().st_size > 1_000


def test_the_table_prints_each_variants_spread_and_metrics_json_keeps_every_seed(over_two_seeds: tuple[Comparison, str]) -> None:
    comparison, printed = over_two_seeds
    saved = json.loads(comparison.run.metrics.read_text())
    assert json.loads(comparison.run.config.read_text())["seeds"] == 2
    for variant, summary in zip(comparison.variants, saved["variants"], strict=True):
        accuracies = [run.result.test_accuracy for run in variant.runs]
        described = f"{statistics.fmean(accuracies):.4f} ± {statistics.stdev(accuracies):.4f}"
        described += f" (min {min(accuracies):.4f}, max {max(accuracies):.4f}, n 2)"
        (row,) = [line for line in printed.splitlines() if line.startswith(f"{variant.name} ")]
        assert row.endswith(described)
        assert summary["name"] == variant.name
        assert [run["seed"] for run in summary["runs"]] == [11, 12]
        assert [run["test_accuracy"] for run in summary["runs"]] == accuracies
        assert summary["spread"]["test_accuracy"]["mean"] == pytest.approx(statistics.fmean(accuracies))
        assert summary["spread"]["test_accuracy"]["n"] == 2
    assert "test acc over 2 seeds" in printed


def test_runs_lists_a_comparison_over_seeds(over_two_seeds: tuple[Comparison, str]) -> None:
    comparison, _ = over_two_seeds
    (listed,), damaged = list_runs(comparison.run.path.parent.parent)
    assert not damaged and listed.lab == "tiny" and listed.status == "finished"
    assert listed.test_accuracy == max(variant.test_accuracy.mean for variant in comparison.variants)


def test_one_seed_keeps_todays_layout(on_small_mnist: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    comparison = compare_variants("tiny", tiny_variants()[:1], RunOptions(runs_root=tmp_path))
    assert comparison.seeds == 1 and comparison["narrow"].runs[0].logs == comparison.run.logs / "narrow"
    assert list((comparison.run.logs / "narrow").glob("events.out.tfevents.*"))
    assert "over" not in capsys.readouterr().out.split("variant", 1)[1], "no spread column for one seed"


def test_seeds_must_be_a_whole_number_of_at_least_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="seeds must be an integer ≥ 1, got 0"):
        compare_variants("tiny", tiny_variants(), RunOptions(runs_root=tmp_path), seeds=0)
    assert not tmp_path.joinpath("tiny").exists()


def test_report_spreads_each_variant_over_its_seeds(over_two_seeds: tuple[Comparison, str]) -> None:
    comparison, _ = over_two_seeds
    rows, damaged = collect(comparison.run.path.parent.parent, {})
    assert not damaged and [row.lab for row in rows] == ["tiny: narrow", "tiny: wide"]
    for row, variant in zip(rows, comparison.variants, strict=True):
        assert row.test_accuracy == variant.test_accuracy and row.seeds == (11, 12) and row.setting == variant.name
