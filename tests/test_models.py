"""The factories: architecture, parameter counts, initializers that mean what the original meant."""

from __future__ import annotations

import math

import numpy as np
import pytest

import labs
from tfmlp.models import mlp, softmax_regression

EXPECTED_PARAMETERS = {"10-1": 7_850, "10-2": 269_322, "10-3": 269_322, "10-4": 1_195_018, "10-5": 1_195_018}


@pytest.mark.parametrize("lab", labs.all_labs(), ids=lambda lab: lab.id)
def test_every_lab_builds_a_model_of_logits_with_its_known_size(lab: labs.Lab) -> None:
    model = lab.build_model()
    assert model.count_params() == EXPECTED_PARAMETERS[lab.id]
    logits = model(np.zeros((3, 784), np.float32), training=False)
    assert tuple(logits.shape) == (3, 10)


def test_softmax_regression_has_no_hidden_layer() -> None:
    model = softmax_regression()
    assert [layer.name for layer in model.layers] == ["logits"]


def test_normal_means_tf_random_normal_with_stddev_one_for_weights_and_biases() -> None:
    model = mlp([256], kernel_init="normal", bias_init="normal")
    kernel, bias = model.get_layer("dense_1").get_weights()
    assert kernel.std() == pytest.approx(1.0, abs=0.02)
    assert kernel.mean() == pytest.approx(0.0, abs=0.02)
    assert 0.7 < bias.std() < 1.3


def test_xavier_is_glorot_uniform() -> None:
    kernel = mlp([256], kernel_init="xavier").get_layer("dense_1").get_weights()[0]
    limit = math.sqrt(6 / (784 + 256))
    assert np.abs(kernel).max() <= limit
    assert np.abs(kernel).max() > 0.99 * limit
    assert kernel.std() == pytest.approx(limit / math.sqrt(3), rel=0.02)


def test_he_has_variance_two_over_fan_in() -> None:
    kernel = mlp([512], kernel_init="he").get_layer("dense_1").get_weights()[0]
    assert kernel.std() == pytest.approx(math.sqrt(2 / 784), rel=0.02)


def test_each_layer_draws_its_own_weights() -> None:
    model = mlp([784, 784], kernel_init="normal")
    first, second = (model.get_layer(name).get_weights()[0] for name in ("dense_1", "dense_2"))
    assert not np.array_equal(first, second)


def test_dropout_drops_in_training_only() -> None:
    model = mlp([512], dropout_rate=0.3)
    inputs = np.random.default_rng(0).random((8, 784), dtype=np.float32)
    assert np.array_equal(model(inputs, training=False), model(inputs, training=False))
    assert not np.array_equal(model(inputs, training=True), model(inputs, training=True))
    assert model.get_layer("dropout_1").rate == pytest.approx(0.3)


def test_batch_norm_comes_before_the_activation_and_replaces_the_bias() -> None:
    model = mlp([32, 32], batch_norm=True)
    assert [layer.name for layer in model.layers] == [
        "dense_1", "batch_norm_1", "relu_1", "dense_2", "batch_norm_2", "relu_2", "logits",
    ]
    assert not model.get_layer("dense_1").use_bias


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kernel_init": "glorot"}, "unknown initializer 'glorot'; valid: normal, xavier, he, zeros"),
        ({"dropout_rate": 1.0}, r"dropout_rate must be in \[0, 1\)"),
        ({"widths": [0]}, "every hidden width must be at least 1"),
    ],
)
def test_bad_arguments_are_refused_clearly(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        mlp(**kwargs)
