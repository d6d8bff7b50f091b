"""Lab 10-6 and the comparison experiments, trained for real on MNIST, short where the effect already shows.

Each asserts the lesson the experiment exists to show, so a change that loses it fails here.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import labs
from tfmlp.compare import Comparison
from tfmlp.runner import RunOptions

pytestmark = pytest.mark.slow  # trains for minutes on the full MNIST: `-m "not slow"` leaves it out


def run_short(lab_id: str, runs_root: Path, epochs: int = 1) -> Comparison:
    lab = labs.get_lab(lab_id)
    return lab.run(lab.config.with_training(epochs=epochs), RunOptions(runs_root=runs_root))


def event_files(folder: Path) -> list[Path]:
    return list(folder.glob("*/events.out.tfevents.*"))


def test_batch_norm_beats_the_plain_network_on_validation(tmp_path: Path) -> None:
    comparison = run_short("10-6", tmp_path, epochs=3)
    plain, normalized = comparison["plain"].result.history, comparison["batch_norm"].result.history
    assert normalized["val_accuracy"][-1] > plain["val_accuracy"][-1]
    for metric in ("loss", "val_loss", "accuracy", "val_accuracy"):
        assert comparison.run.file(f"{metric}.png").stat().st_size > 1_000
    assert event_files(comparison.run.logs / "plain") and event_files(comparison.run.logs / "batch_norm")
    saved = json.loads(comparison.run.metrics.read_text())
    assert [variant["name"] for variant in saved["variants"]] == ["plain", "batch_norm"]


def test_sigmoid_starves_the_first_layer_of_gradient(tmp_path: Path) -> None:
    comparison = run_short("activations", tmp_path)
    assert [variant.name for variant in comparison.variants] == ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu"]
    sigmoid, relu = comparison["sigmoid"], comparison["relu"]
    assert sigmoid.first_layer_gradient * 10 <= relu.first_layer_gradient
    assert sigmoid.first_layer_gradient * 100 <= sigmoid.last_layer_gradient
    assert relu.result.test_accuracy > sigmoid.result.test_accuracy
    assert comparison.run.file("val_accuracy.png").exists()


def test_zero_initialization_stays_near_chance_and_xavier_does_not(tmp_path: Path) -> None:
    comparison = run_short("initializers", tmp_path)
    assert comparison["zeros"].result.test_accuracy < 0.2
    assert comparison["xavier"].result.test_accuracy > 0.93
    assert comparison["he"].result.test_accuracy > 0.93
    assert comparison["normal"].result.history["loss"][0] > 10 * comparison["xavier"].result.history["loss"][0]


def test_every_optimizer_trains_and_adam_starts_faster_than_sgd(tmp_path: Path) -> None:
    comparison = run_short("optimizers", tmp_path)
    names = ["sgd", "momentum", "adagrad", "adadelta", "rmsprop", "adam", "adamax", "nadam"]
    assert [variant.name for variant in comparison.variants] == names
    assert all(comparison[name].result.test_accuracy > 0.85 for name in names)
    first_costs = {name: comparison[name].result.history["loss"][0] for name in names}
    assert first_costs["adam"] < first_costs["sgd"] and first_costs["adam"] < first_costs["momentum"]
    saved = json.loads(comparison.run.config.read_text())
    assert saved["variants"]["adadelta"]["train"] == {**saved["variants"]["adam"]["train"], "optimizer": "adadelta", "learning_rate": 1.0}


def test_the_ensemble_is_scored_by_its_members_mean_logits(tmp_path: Path) -> None:
    """The ensemble usually beats its best member, their errors differing, but not at every seed or on
    every machine. What a correct program always gives: three members that differ, an ensemble whose
    logits are their mean, and the accuracy that mean gives."""
    comparison = run_short("architectures", tmp_path)
    assert {"10-5", "residual", "split_merge"} <= {variant.name for variant in comparison.variants}
    members = [variant.result for variant in comparison.variants if variant.name.startswith("member_")]
    test = comparison.arrays.test
    logits = [member.model.predict(test.images, verbose=0) for member in members]
    assert len(logits) == 3 and not np.array_equal(logits[0], logits[1]) and not np.array_equal(logits[1], logits[2])
    averaged = float(np.mean(np.mean(logits, axis=0).argmax(axis=1) == test.labels))
    assert abs(comparison.extra["ensemble_test_accuracy"] - averaged) <= 1 / len(test)  # a near-tie two float sums may break apart
    assert comparison.extra["best_member_test_accuracy"] == max(member.test_accuracy for member in members)
    assert all(comparison[name].result.test_accuracy > 0.93 for name in ("residual", "split_merge"))
    assert comparison.extra["ensemble_test_accuracy"] > 0.93
    saved = json.loads(comparison.run.metrics.read_text())
    assert saved["ensemble_test_accuracy"] == comparison.extra["ensemble_test_accuracy"]


def test_selu_with_alpha_dropout_learns(tmp_path: Path) -> None:
    """10-8 over its full 15 epochs would add two minutes to the suite; two epochs already show that SELU
    with alpha dropout learns. The band is that command's measured spread (`labs/measured.toml`), as for
    the full steps, with the masks it draws now and with the two earlier mask streams."""
    lab, short = labs.get_lab("10-8"), labs.measured()["python cli.py lab 10-8 --epochs 2"]
    result = lab.run(lab.config.with_training(epochs=2), RunOptions(runs_root=tmp_path))
    low, high = short.band()
    assert low <= result.test_accuracy <= high, f"{result.test_accuracy:.4f} outside {short.describe()}"
