"""Lab 10-X1: the chain rule written by hand equals TensorFlow's automatic differentiation, and learns."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

import labs
from tfmlp.backprop import SigmoidNet
from tfmlp.data import MnistArrays
from tfmlp.runner import RunOptions


def test_hand_written_gradients_equal_gradient_tape(mnist: MnistArrays) -> None:
    network = SigmoidNet(hidden=30, seed=777)
    images = tf.constant(mnist.train.images[:10])
    targets = tf.one_hot(mnist.train.labels[:10], 10)
    by_hand = network.gradients(images, targets)
    with tf.GradientTape() as tape:
        loss = 0.5 * tf.reduce_sum((network.forward(images)[-1] - targets) ** 2)
    weights = [network.w1, network.b1, network.w2, network.b2]
    automatic = dict(zip(["w1", "b1", "w2", "b2"], tape.gradient(loss, weights)))
    for name in automatic:
        assert by_hand[name].shape == automatic[name].shape
        np.testing.assert_allclose(by_hand[name], automatic[name], rtol=1e-4, atol=1e-6, err_msg=name)
    assert float(tf.norm(by_hand["w1"])) > 0


def test_one_step_lowers_the_squared_error_of_its_batch(mnist: MnistArrays) -> None:
    network = SigmoidNet(hidden=30, seed=1)
    images, targets = tf.constant(mnist.train.images[:10]), tf.one_hot(mnist.train.labels[:10], 10)
    error = lambda: float(tf.reduce_sum((network.forward(images)[-1] - targets) ** 2))  # noqa: E731
    before = error()
    network.train_step(images, targets, tf.constant(0.5))
    assert error() < before


@pytest.mark.slow
def test_the_lab_learns_as_the_original_printed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lab = labs.get_lab("10-X1")
    result = lab.run(options=RunOptions(runs_root=tmp_path))
    counts = result.correct_of_1000
    assert len(counts) == 10 and result.steps == 10_000
    assert counts[0] < 300 < 850 < counts[1]
    low, high = lab.expected.band()  # measured over seeds on two CPUs (labs/measured.toml)
    assert counts[-1] > 900 and low <= result.test_accuracy <= high
    assert "step  9000:" in capsys.readouterr().out
    (run,) = (tmp_path / "10-X1").iterdir()
    assert json.loads((run / "metrics.json").read_text())["correct_of_1000"] == counts
