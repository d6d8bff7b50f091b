"""Results over seeds: `lab --seeds`, `report` and the csv/json formats, from real (short) runs."""

from __future__ import annotations

import csv
import io
import json
import statistics
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from cli import cli

SMALL = {"model": {"widths": [32], "kernel_init": "xavier", "bias_init": "zeros"}, "train": {"epochs": 1}}


@pytest.fixture(scope="module")
def two_seeds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """`lab custom --seeds 2` (seeds 5 and 6) of a small network, one epoch each."""
    folder = tmp_path_factory.mktemp("seeds")
    config = folder / "small.json"
    config.write_text(json.dumps(SMALL))
    result = CliRunner().invoke(
        cli, ["lab", "custom", "--config", str(config), "--seeds", "2", "--seed", "5", "--logdir", str(folder / "runs")]
    )
    assert result.exit_code == 0, result.output
    return folder / "runs", result.output


def recorded(runs: Path, name: str) -> list[float]:
    return [json.loads(metrics.read_text())[name] for metrics in sorted(runs.glob("custom/*/metrics.json"))]


def test_seeds_trains_one_run_per_seed_and_prints_the_spread(two_seeds: tuple[Path, str]) -> None:
    runs, output = two_seeds
    configs = [json.loads(config.read_text()) for config in sorted(runs.glob("custom/*/config.json"))]
    assert sorted(config["train"]["seed"] for config in configs) == [5, 6]
    accuracies = recorded(runs, "test_accuracy")
    losses = recorded(runs, "test_loss")  # not the accuracies: two networks may get as many test images right
    assert losses[0] != losses[1], "two seeds, two different networks"
    mean, std = statistics.fmean(accuracies), statistics.stdev(accuracies)
    assert "--- seed 5 (1 of 2)" in output and "--- seed 6 (2 of 2)" in output
    expected = f"test accuracy  {mean:.4f} ± {std:.4f} (min {min(accuracies):.4f}, max {max(accuracies):.4f}, n 2)"
    assert expected in output


def test_report_writes_the_table_and_the_plot(two_seeds: tuple[Path, str], tmp_path: Path) -> None:
    runs, _ = two_seeds
    result = CliRunner().invoke(cli, ["report", "--logdir", str(runs), "--output", str(tmp_path)])
    assert result.exit_code == 0, result.output
    accuracies = recorded(runs, "test_accuracy")
    table = (tmp_path / "results.md").read_text()
    (row,) = [line for line in table.splitlines() if line.startswith("| custom |")]
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[2] == f"{statistics.fmean(accuracies):.4f} ± {statistics.stdev(accuracies):.4f}"
    assert cells[4] == "2"
    assert cells[8] == "hidden 32, relu, xavier, adam 0.001, batch 100, 1 epoch"
    with Image.open(tmp_path / "results.png") as picture:
        assert picture.size[0] > 300 and picture.size[1] > 200


def test_report_and_runs_speak_csv_and_json(two_seeds: tuple[Path, str], tmp_path: Path) -> None:
    runs, _ = two_seeds
    accuracies = recorded(runs, "test_accuracy")
    assert CliRunner().invoke(cli, ["report", "--logdir", str(runs), "--output", str(tmp_path), "--format", "json"]).exit_code == 0
    (entry,) = json.loads((tmp_path / "results.json").read_text())
    assert entry["test_accuracy"]["mean"] == pytest.approx(statistics.fmean(accuracies))
    assert entry["test_accuracy"]["std"] == pytest.approx(statistics.stdev(accuracies))
    assert entry["seeds"] == [5, 6]
    assert CliRunner().invoke(cli, ["report", "--logdir", str(runs), "--output", str(tmp_path), "--format", "csv"]).exit_code == 0
    (line,) = csv.DictReader(io.StringIO((tmp_path / "results.csv").read_text()))
    assert float(line["test_accuracy_mean"]) == pytest.approx(statistics.fmean(accuracies)) and line["seeds"] == "5 6"

    listed = CliRunner().invoke(cli, ["runs", "--logdir", str(runs), "--format", "json"])
    assert listed.exit_code == 0
    records = json.loads(listed.output)
    assert sorted(record["test_accuracy"] for record in records) == sorted(accuracies)
    assert {record["status"] for record in records} == {"finished"}
    listed = CliRunner().invoke(cli, ["runs", "--logdir", str(runs), "--format", "csv"])
    assert [row["lab"] for row in csv.DictReader(io.StringIO(listed.output))] == ["custom", "custom"]


def test_report_without_runs_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["report", "--logdir", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.strip() == f"Error: no finished runs under {tmp_path} to report; run e.g. `python cli.py lab 10-4 --seeds 3`"


def test_seeds_is_refused_where_it_cannot_apply() -> None:
    for args, message in [
        (
            ["lab", "10-6", "--seeds", "2"],
            "Error: 10-6 does not use --seeds; of the training options it takes --epochs, --batch-size, --learning-rate, --seed,"
            " --precision, --deterministic, --config",
        ),
        (["lab", "10-4", "--seeds", "0"], "Error: Invalid value for '--seeds': 0 is not in the range x>=1."),
        (["lab", "10-4", "--resume", "--seeds", "2"], "Error: --resume continues the run with its own configuration; leave out --seeds"),
    ]:
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2 and result.output.strip() == message
