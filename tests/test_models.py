"""The factories: architecture, parameter counts, initializers that mean what the original meant."""

from __future__ import annotations

import dataclasses
import math

import keras
import numpy as np
import pytest

import labs
from tfmlp.config import LabConfig
from tfmlp.models import ensemble, mlp, mlp_from_config, residual_mlp, softmax_regression, split_merge_mlp

EXPECTED_PARAMETERS = {
    "10-1": 7_850,
    "10-2": 269_322,
    "10-3": 269_322,
    "10-4": 1_195_018,
    "10-5": 1_195_018,
    "10-6": 784 * 32 + 4 * 32 + 32 * 32 + 4 * 32 + 330,  # no biases before batch norm
    "10-7": 1_195_018 - 4 * 512 + 4 * 4 * 512,  # biases traded for batch norm's four vectors
    "10-8": 1_195_018,
    "10-X1": 784 * 30 + 30 + 30 * 10 + 10,
    "activations": 784 * 256 + 256 + 5 * (256 * 256 + 256) + 2_570,
    "architectures": 1_195_018,
    "custom": 269_322,
    "speedrun": 269_322,
    "beyond": 784 * 1024 + 1024 + 1024 * 1024 + 1024 + 10_250,  # the distortion layer holds no weights
    "initializers": 269_322,
    "optimizers": 269_322,
    "losses": 269_322,
    "batch-sizes": 269_322,
    "pretraining": 269_322,
}


@pytest.mark.parametrize("lab", labs.all_labs(), ids=lambda lab: lab.id)
def test_every_lab_builds_a_model_of_logits_with_its_known_size(lab: labs.Lab) -> None:
    model = lab.build_model()
    assert model.count_params() == EXPECTED_PARAMETERS[lab.id]
    logits = model(np.zeros((3, 784), np.float32), training=False)
    assert tuple(logits.shape) == (3, 10)


def layer_by_layer(model: keras.Model) -> list[tuple[str, dict]]:
    """Each layer's class and configuration: units, activation, rates, momentum, dtype, and its initializers'
    classes and arguments."""
    return [(type(layer).__name__, layer.get_config()) for layer in model.layers]


@pytest.mark.parametrize("lab", [lab for lab in labs.all_labs() if hasattr(lab.module, "build_model")], ids=lambda lab: lab.id)
def test_a_steps_own_network_is_the_factorys_for_its_config_weight_for_weight(lab: labs.Lab) -> None:
    """Each step writes its network out as Keras layers; the factory builds the same from the step's CONFIG
    (layers in the same order with the same units, activations, initializers and names), so a `--config`
    override, which the factory builds, changes only what it names, and the same seed draws the same weights."""
    keras.utils.set_random_seed(777)
    own = lab.module.build_model()
    keras.utils.set_random_seed(777)
    factory = mlp_from_config(lab.config.model)
    assert layer_by_layer(own) == layer_by_layer(factory)
    assert own.count_params() == factory.count_params() == lab.config.model.parameter_count()
    assert all(np.array_equal(mine, its) for mine, its in zip(own.get_weights(), factory.get_weights(), strict=True))


def test_a_step_trains_its_own_network_and_the_factorys_for_another_config() -> None:
    lab = labs.get_lab("10-5")
    assert lab.build_model().name == "deep_nn_dropout"  # labs/lab_10_5_dropout.py's build_model
    without_dropout = lab.build_model(LabConfig(model=dataclasses.replace(lab.config.model, dropout_rate=0.0)))
    assert without_dropout.name == "10-5" and not any("Dropout" in type(layer).__name__ for layer in without_dropout.layers)


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
        "dense_1",
        "batch_norm_1",
        "relu_1",
        "dense_2",
        "batch_norm_2",
        "relu_2",
        "logits",
    ]
    assert not model.get_layer("dense_1").use_bias


def test_leaky_relu_has_the_course_slope_and_selu_gets_alpha_dropout() -> None:
    leaky = mlp([4], activation="leaky_relu").get_layer("leaky_relu_1")
    assert np.allclose(leaky(np.array([[-100.0, 2.0]], np.float32)), [[-1.0, 2.0]])
    selu = mlp([4], activation="selu", kernel_init="lecun", dropout_rate=0.1, dropout_type="alpha")
    assert type(selu.get_layer("dropout_1")).__name__ == "AlphaDropout"


def test_residual_adds_each_layer_to_its_input() -> None:
    model = residual_mlp(64, depth=3)
    assert [layer.name for layer in model.layers if layer.name.startswith("skip_")] == ["skip_2", "skip_3"]
    assert model.count_params() == 784 * 64 + 64 + 2 * (64 * 64 + 64) + 650


def test_split_merge_concatenates_its_branches() -> None:
    model = split_merge_mlp(((32,), (16, 8)), merged_width=20)
    assert tuple(model.get_layer("merge").output.shape) == (None, 40)
    assert tuple(model(np.zeros((2, 784), np.float32)).shape) == (2, 10)


def test_an_ensemble_averages_its_members_logits() -> None:
    members = [mlp([16], name=f"member_{index}") for index in range(3)]
    inputs = np.random.default_rng(0).random((5, 784), dtype=np.float32)
    expected = np.mean([member(inputs) for member in members], axis=0)
    np.testing.assert_allclose(ensemble(members)(inputs), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"kernel_init": "glorot"},
            "kernel_init must be one of normal, small_normal, truncated_normal, xavier, he, lecun, zeros, got 'glorot'",
        ),
        ({"bias_init": "one"}, "bias_init must be one of normal, small_normal, truncated_normal, xavier, he, lecun, zeros, got 'one'"),
        ({"dropout_rate": 1.0}, r"dropout_rate must be a number in \[0, 1\), got 1.0"),
        ({"widths": [0]}, r"widths must be a list of hidden layer widths, each an integer ≥ 1 \(e.g. \[512, 512\]\), got \[0\]"),
        ({"widths": [8], "dropout_type": "gaussian"}, "dropout_type must be one of standard, alpha, got 'gaussian'"),
        (
            {"activation": "swishy"},
            "activation must be a Keras activation name such as relu, leaky_relu, elu, selu, tanh, sigmoid, got 'swishy'",
        ),
    ],
)
def test_bad_arguments_are_refused_clearly(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        mlp(**kwargs)


def test_augmentation_distorts_training_images_only_in_one_layer_xla_compiles() -> None:
    from tfmlp.distortions import RandomDistortion
    from tfmlp.models import compiles_under_xla

    model = mlp([16], augment_shift=0.1, augment_rotation=0.03, augment_zoom=0.1, augment_elastic_alpha=34.0, augment_elastic_sigma=5.0)
    distortion = model.layers[0]
    assert isinstance(distortion, RandomDistortion) and distortion.name == "random_distortion"
    strengths = {name: distortion.get_config()[name] for name in ("shift", "rotation", "zoom", "elastic_alpha", "elastic_sigma")}
    assert strengths == {"shift": 0.1, "rotation": 0.03, "zoom": 0.1, "elastic_alpha": 34.0, "elastic_sigma": 5.0}
    images = np.random.default_rng(0).random((4, 784)).astype(np.float32)
    np.testing.assert_array_equal(model(images, training=False), model(images, training=False))
    assert not np.allclose(model(images, training=True), model(images, training=True))
    assert compiles_under_xla(model) and compiles_under_xla(mlp([16]))
    assert model.count_params() == mlp([16]).count_params()
    assert not any(isinstance(layer, RandomDistortion) for layer in mlp([16]).layers)  # no distortion asked, none built
    keras_layers = keras.Sequential([keras.Input((784,)), keras.layers.Reshape((28, 28, 1)), keras.layers.RandomZoom(0.1)])
    assert not compiles_under_xla(keras_layers)  # Keras's own random image layers, in a model of one's own
