"""Dropout masks drawn with ThreeFry while training under XLA: the same dropout, faster, on a plain Keras model."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfmlp.config import TrainConfig
from tfmlp.epoch_step import WholeEpochTrainer
from tfmlp.masks import ThreeFryMasks, with_threefry_masks
from tfmlp.models import ensemble, leaf_layers, mlp
from tfmlp.training import compile_model


@pytest.mark.parametrize("kind", ["standard", "alpha"])
def test_masks_drop_the_rate_and_keep_the_expected_value(kind: str) -> None:
    model = mlp([512], activation="selu" if kind == "alpha" else "relu", dropout_rate=0.3, dropout_type=kind)
    (dropout,) = [layer for layer in with_threefry_masks(model).layers if isinstance(layer, ThreeFryMasks)]
    inputs = tf.ones([200, 512])
    under_xla = tf.function(lambda: dropout(inputs, training=True), jit_compile=True)  # where tfmlp uses them
    state = dropout.dropout.seed_generator.state.numpy()
    outputs, again = under_xla().numpy(), under_xla().numpy()
    assert not np.array_equal(dropout.dropout.seed_generator.state.numpy(), state)  # the wrapped layer's own seed stream
    assert np.array_equal(dropout(inputs, training=False).numpy(), inputs.numpy())
    dropped = outputs != outputs.max()
    assert 0.28 < dropped.mean() < 0.32  # 102,400 draws: the rate within 10 standard deviations
    assert not np.array_equal(outputs, again)  # each call draws a new mask from the layer's seed generator
    if kind == "standard":
        assert outputs.mean() == pytest.approx(1.0, abs=0.02)  # kept units scaled by 1 / 0.7
        np.testing.assert_allclose(np.unique(outputs), [0.0, 1 / 0.7], rtol=1e-6)


def test_the_clone_shares_every_weight_and_leaves_the_model_as_it_was() -> None:
    members = [mlp([16], dropout_rate=0.3, name=f"member_{index}") for index in range(2)]
    model = ensemble(members)  # functional, of Sequential models: cloned through and through
    clone = with_threefry_masks(model)
    assert [id(weight) for weight in clone.weights] == [id(weight) for weight in model.weights]
    assert sum(isinstance(layer, ThreeFryMasks) for layer in leaf_layers(clone)) == 2
    assert not any(isinstance(layer, ThreeFryMasks) for layer in leaf_layers(model))
    images = np.random.default_rng(0).random((4, 784), dtype=np.float32)
    np.testing.assert_array_equal(clone(images, training=False), model(images, training=False))
    without_dropout = mlp([16])
    assert with_threefry_masks(without_dropout) is without_dropout  # nothing to draw: nothing cloned


def test_a_plain_sequential_trained_with_them_saves_and_loads_as_plain_keras(tmp_path: Path) -> None:
    """As a step builds it: keras.Sequential with Keras's Dropout and AlphaDropout layers."""
    model = keras.Sequential(
        [
            keras.Input(shape=(784,)),
            keras.layers.Dense(32, activation="selu"),
            keras.layers.AlphaDropout(0.1),
            keras.layers.Dense(32, activation="relu"),
            keras.layers.Dropout(0.3),
            keras.layers.Dense(10),
        ]
    )
    compile_model(model, TrainConfig(), xla=True)  # as tfmlp trains it
    images, labels = np.random.default_rng(0).random((200, 784), dtype=np.float32), np.arange(200) % 10
    before = model.get_weights()
    trainer = WholeEpochTrainer(model, images, labels, with_threefry_masks(model))
    orders = tf.data.Dataset.from_tensors({"order": tf.reshape(tf.range(200), [2, 100]), "batches": tf.constant([0, 2])})
    trainer.fit(orders.repeat(2), epochs=2, shuffle=False, verbose=0)
    assert not any(np.array_equal(old, new) for old, new in zip(before, model.get_weights()))  # the model itself trained
    model.save(tmp_path / "model.keras")
    reloaded = keras.models.load_model(tmp_path / "model.keras")  # no tfmlp class in the file
    assert [type(layer) for layer in reloaded.layers] == [type(layer) for layer in model.layers]
    assert all(type(layer).__module__.startswith("keras.") for layer in [reloaded, *reloaded.layers])  # Keras's own classes
    np.testing.assert_array_equal(reloaded.predict(images, verbose=0), model.predict(images, verbose=0))


def test_a_subclassed_model_keeps_keras_s_masks() -> None:
    class Subclassed(keras.Model):
        def __init__(self) -> None:
            super().__init__()
            self.dropout = keras.layers.Dropout(0.3)

        def call(self, inputs: tf.Tensor, training: bool = False) -> tf.Tensor:
            return self.dropout(inputs, training=training)

    model = Subclassed()
    assert with_threefry_masks(model) is model
