"""Dropout masks drawn with ThreeFry while training under XLA: the same dropout, faster, on a plain Keras model."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfmlp.masks import threefry_masks
from tfmlp.models import mlp


@pytest.mark.parametrize("kind", ["standard", "alpha"])
def test_masks_drop_the_rate_and_keep_the_expected_value(kind: str) -> None:
    model = mlp([512], activation="selu" if kind == "alpha" else "relu", dropout_rate=0.3, dropout_type=kind)
    (dropout,) = [layer for layer in model.layers if "dropout" in type(layer).__name__.lower()]
    inputs = tf.ones([200, 512])
    with threefry_masks(model):
        assert "call" in vars(dropout)
        under_xla = tf.function(lambda: dropout(inputs, training=True), jit_compile=True)  # where tfmlp uses them
        outputs, again = under_xla().numpy(), under_xla().numpy()
        assert np.array_equal(dropout(inputs, training=False).numpy(), inputs.numpy())
    assert "call" not in vars(dropout)  # Keras's own call again
    dropped = outputs != outputs.max()
    assert 0.28 < dropped.mean() < 0.32  # 102,400 draws: the rate within 10 standard deviations
    assert not np.array_equal(outputs, again)  # each call draws a new mask from the layer's seed generator
    if kind == "standard":
        assert outputs.mean() == pytest.approx(1.0, abs=0.02)  # kept units scaled by 1 / 0.7
        np.testing.assert_allclose(np.unique(outputs), [0.0, 1 / 0.7], rtol=1e-6)


def test_a_model_trained_with_them_saves_and_loads_as_plain_keras(tmp_path: Path) -> None:
    model = mlp([16], dropout_rate=0.3)
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), jit_compile=True)  # as tfmlp trains
    images, labels = np.random.default_rng(0).random((200, 784), dtype=np.float32), np.arange(200) % 10
    with threefry_masks(model):
        model.fit(images, labels, batch_size=100, epochs=1, verbose=0)
    model.save(tmp_path / "model.keras")
    reloaded = keras.models.load_model(tmp_path / "model.keras")  # no tfmlp class in the file
    np.testing.assert_array_equal(reloaded.predict(images, verbose=0), model.predict(images, verbose=0))
