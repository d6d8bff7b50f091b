"""A `keras.Model` that trains another one: how tfmlp changes Keras's training step without touching the model.

Keras documents overriding `train_step` in a `keras.Model` subclass as the way to customize `fit`. A
lab's network is any plain Keras model (a `keras.Sequential` of Dense and Dropout layers, say), and
it must stay one: it is saved as `model.keras`, which loads with `keras.saving.load_model` alone (a
network with tfmlp's own layers, `lab beyond`'s `RandomDistortion`, with tfmlp imported too). So
the subclass wraps the network instead of replacing it: its forward pass is the network's, its
variables are the network's, its optimizer is the network's own object, and its loss and metrics are
made from the network's compile settings. Training the trainer trains the network.

`fit`'s callbacks are given the network (`tfmlp.training` passes them in a `CallbackList` made for
it), so that checkpoints, keras-tuner and TensorBoard see and save the model the user sees; the
trainer's `stop_training` and `history` are the network's, so a callback that stops training stops it.

`XlaTrainer` compiles only the training step as the network asks (with XLA where `tfmlp.training`
compiled it so), and validates and tests without XLA: TensorFlow's own kernels run a pass of one
batch as fast (10-2: 0.025 s), where XLA would compile it again for each batch shape (a validation
and a test pass of 10-2 took 3.4 s with XLA's compiling, 0.7 s without, on 2 busy AMD EPYC cores).
"""

from __future__ import annotations

from typing import Any

import keras
import tensorflow as tf


class NetworkTrainer(keras.Model):
    """Trains `network`, a compiled model, through its own `fit`; subclasses override `train_step`.

    Make it in the distribution strategy's scope where the network was made.

    Args:
        network: the compiled model to train.
        forward: the model the forward pass calls, sharing the network's layers (`tfmlp.masks`);
            None: the network itself.
        **compile_settings: compile arguments that differ from the network's (e.g. `jit_compile`).
    """

    def __init__(self, network: keras.Model, forward: keras.Model | None = None, **compile_settings: Any) -> None:
        super().__init__(name=f"{network.name}_trainer")
        self.network = network
        self.forward = network if forward is None else forward
        settings = network.get_compile_config()
        settings.pop("optimizer")  # the network's own object, not a copy: its state is the network's
        self.compile(optimizer=network.optimizer, **{**keras.saving.deserialize_keras_object(settings), **compile_settings})

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        return self.forward(inputs, training=training)

    @property
    def stop_training(self) -> bool:
        return self.network.stop_training

    @stop_training.setter
    def stop_training(self, value: bool) -> None:
        self.network.stop_training = value

    @property
    def history(self) -> keras.callbacks.History:
        return self.network.history

    @history.setter
    def history(self, value: keras.callbacks.History) -> None:
        self.network.history = value


class XlaTrainer(NetworkTrainer):
    """Trains `network` with the training step compiled as the network was (`jit_compile`, XLA in
    tfmlp), and validates and tests it without XLA; subclasses override `compiled_step`."""

    def __init__(self, network: keras.Model, forward: keras.Model | None = None, **compile_settings: Any) -> None:
        super().__init__(network, forward, **{**compile_settings, "jit_compile": False})
        # plain graph code, and Keras's train_step needs no conversion either
        self._compiled_step = tf.function(self.compiled_step, jit_compile=bool(network.jit_compile), autograph=False)

    def train_step(self, data: Any) -> Any:
        return self._compiled_step(data)

    def compiled_step(self, data: Any) -> Any:
        """What one call of the compiled training step does: Keras's `train_step`."""
        return super().train_step(data)
