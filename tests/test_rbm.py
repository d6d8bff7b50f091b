"""The restricted Boltzmann machine of `lab pretraining`: its CD update, its learning, its stacking, its seed."""

from __future__ import annotations

import dataclasses

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfmlp.config import MAX_SEED, RBMConfig
from tfmlp.data import MnistArrays
from tfmlp.rbm import contrastive_divergence, initial_parameters, pixel_biases, pretrain_stack, train_rbm

QUICK = RBMConfig(epochs=3)


@pytest.fixture(scope="module")
def images(small_mnist: MnistArrays) -> np.ndarray:
    """5,000 real training digits: enough for an RBM's features to show in three quick epochs (150 updates)."""
    return small_mnist.train.images


@pytest.mark.parametrize(("pixel", "sign"), [(1.0, 1.0), (0.0, -1.0)])
def test_contrastive_divergence_raises_what_the_data_shows_and_lowers_what_the_network_dreams(pixel: float, sign: float) -> None:
    """With zero weights every hidden and reconstructed unit is on with probability 1/2, whatever is sampled:
    data of ones gives <v h>_data = 1/2 against <v h>_model = 1/4, so the weights rise by 1/4; data of zeros
    gives 0 against 1/4, so they fall by 1/4. The visible biases move by the data minus the reconstruction."""
    rbm = initial_parameters(visible=4, hidden=3, seed=tf.constant([0, 0], tf.int64))._replace(weights=tf.zeros((4, 3)))
    batch = tf.fill((5, 4), pixel)
    (weights, hidden_bias, visible_bias), reconstruction = contrastive_divergence(rbm, batch, 1, tf.constant([0, 0], tf.int64))
    assert weights.shape == (4, 3) and hidden_bias.shape == (3,) and visible_bias.shape == (4,) and reconstruction.shape == (5, 4)
    np.testing.assert_allclose(weights, np.full((4, 3), sign * 0.25), atol=1e-6)
    np.testing.assert_allclose(hidden_bias, np.zeros(3), atol=1e-6)  # p(h | data) = p(h | reconstruction) = 1/2
    np.testing.assert_allclose(visible_bias, np.full(4, pixel - 0.5), atol=1e-6)


def test_the_visible_biases_start_at_the_mean_image() -> None:
    images = np.array([[1.0, 0.0, 0.5], [0.0, 0.0, 0.5]], dtype=np.float32)
    np.testing.assert_allclose(1 / (1 + np.exp(-pixel_biases(images))), [0.5, 1e-3, 0.5], rtol=1e-5)


def test_reconstruction_error_falls_as_an_rbm_learns_real_digits(images: np.ndarray) -> None:
    layer = train_rbm(images, 64, QUICK, seed=1)
    mean_image_error = float(np.mean((images - images.mean(axis=0)) ** 2))  # what the untrained RBM reconstructs
    errors = layer.reconstruction_errors
    assert len(errors) == QUICK.epochs and list(errors) == sorted(errors, reverse=True)
    assert errors[-1] < 0.7 * mean_image_error, (errors, mean_image_error)
    assert layer.kernel.shape == (784, 64) and layer.hidden_bias.shape == (64,) and layer.visible_bias.shape == (784,)


def test_the_second_rbm_learns_from_the_first_ones_hidden_probabilities(images: np.ndarray) -> None:
    first, second = pretrain_stack(images, (32, 16), QUICK, seed=5)
    features = first.hidden_probabilities(images)
    assert features.shape == (len(images), 32) and 0 <= features.min() and features.max() <= 1
    assert np.mean((features > 0.01) & (features < 0.99)) > 0.1, "probabilities, not sampled states"
    alone = train_rbm(features, 16, QUICK, seed=5, layer=1)
    np.testing.assert_allclose(second.kernel, alone.kernel, rtol=1e-5, atol=1e-7)
    assert second.kernel.shape == (32, 16)


def test_the_same_seed_gives_the_same_weights_and_another_seed_others(images: np.ndarray) -> None:
    short = dataclasses.replace(QUICK, epochs=1)
    once, again, other = (train_rbm(images[:500], 16, short, seed=seed) for seed in (3, 3, 4))
    np.testing.assert_allclose(once.kernel, again.kernel, rtol=1e-5, atol=1e-7)
    assert once.reconstruction_errors == pytest.approx(again.reconstruction_errors, rel=1e-5)
    assert not np.allclose(once.kernel, other.kernel, atol=1e-4)
    next_layer = train_rbm(images[:500], 16, short, seed=3, layer=1)  # a stack's second layer: streams of its own
    assert not np.allclose(next_layer.kernel, once.kernel, atol=1e-4) and not np.allclose(next_layer.kernel, other.kernel, atol=1e-4)
    assert train_rbm(images[:500], 16, short, seed=MAX_SEED).kernel.shape == (784, 16), "any seed a run takes"


def test_a_pretrained_layer_initializes_a_sigmoid_dense_layer_that_computes_its_features(images: np.ndarray) -> None:
    (layer,) = pretrain_stack(images[:500], (16,), dataclasses.replace(QUICK, epochs=1), seed=2)
    dense = keras.layers.Dense(16, activation="sigmoid")
    dense.build((None, 784))
    dense.set_weights(layer.dense_weights())
    np.testing.assert_allclose(dense(images[:10]), layer.hidden_probabilities(images[:10]), rtol=1e-5, atol=1e-6)


def test_too_few_images_for_a_batch_is_refused_in_one_line() -> None:
    with pytest.raises(ValueError, match="at least one batch of 100, got 10 x 784"):
        train_rbm(np.zeros((10, 784), np.float32), 8, QUICK, seed=0)
