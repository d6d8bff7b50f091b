"""The original lab's script, whole, for any single-model step: what `python cli.py lab ID` is measured against.

    python benchmarks/tf1_lab.py 10-5 [--epochs 15] [--seed 777]

As the 2017 code ran: MNIST read from the four .gz files the way `input_data.read_data_sets` read
them (55,000 / 5,000 / 10,000, scaled to 0..1), a `tf.compat.v1` graph of the step's network
(its widths, activation, initializers; dropout and batch norm switched by a fed `training` flag as
the original fed `keep_prob`), a session, `feed_dict` batches of 100 drawn from numpy, the epoch
costs, "Learning Finished!", the test accuracy and one random test digit's label and prediction.
It writes nothing. `benchmarks/speed.py` trains the same graph as "the TF1 way" and times this whole
script against the whole `cli.py lab` command.
"""

from __future__ import annotations

import argparse
import gzip
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))  # labs, for the step's hyperparameters (importing them loads no TensorFlow)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
BATCH = 100
SELU_SATURATION = -1.6732632423543772 * 1.0507009873554805  # SELU's value at minus infinity


@dataclass(frozen=True)
class Arrays:
    """MNIST as `read_data_sets` returned it, images flattened and scaled, labels as class numbers."""

    train: tuple[np.ndarray, np.ndarray]
    validation: tuple[np.ndarray, np.ndarray]
    test: tuple[np.ndarray, np.ndarray]


def read_data_sets(folder: Path) -> Arrays:
    """The four .gz files, decoded with numpy as TF1's `input_data` did (no tensorflow-datasets)."""

    def images(name: str) -> np.ndarray:
        with gzip.open(folder / name) as file:
            return np.frombuffer(file.read(), np.uint8, offset=16).reshape(-1, 784).astype(np.float32) / 255.0

    def labels(name: str) -> np.ndarray:
        with gzip.open(folder / name) as file:
            return np.frombuffer(file.read(), np.uint8, offset=8).astype(np.int64)

    train_images, train_labels = images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz")
    return Arrays(
        train=(train_images[5_000:], train_labels[5_000:]),
        validation=(train_images[:5_000], train_labels[:5_000]),
        test=(images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz")),
    )


@dataclass(frozen=True)
class Graph:
    """The tensors a session runs: inputs, the training flag, cost, the Adam step, predictions, accuracy."""

    images: Any
    labels: Any
    training: Any
    cost: Any
    optimizer: Any
    prediction: Any
    accuracy: Any


def build_graph(model: Any, learning_rate: float, seed: int) -> Graph:
    """The step's network (`model`: a `tfmlp.config.ModelConfig`) in the current tf.compat.v1 graph."""
    import tensorflow as tf

    v1 = tf.compat.v1
    initializers = {
        "normal": v1.random_normal_initializer(stddev=1.0),
        "xavier": v1.glorot_uniform_initializer(),
        "he": v1.variance_scaling_initializer(2.0, "fan_in", "untruncated_normal"),
        "lecun": v1.variance_scaling_initializer(1.0, "fan_in", "truncated_normal"),
        "zeros": v1.zeros_initializer(),
    }
    v1.set_random_seed(seed)
    images, labels = v1.placeholder(tf.float32, [None, 784]), v1.placeholder(tf.int64, [None])
    training = v1.placeholder_with_default(False, [])
    hidden = images
    for index, (fan_in, width) in enumerate(zip([784, *model.widths], [*model.widths, 10]), start=1):
        hidden = tf.matmul(hidden, v1.get_variable(f"w{index}", [fan_in, width], initializer=initializers[model.kernel_init]))
        if index > len(model.widths):
            hidden += v1.get_variable(f"b{index}", [width], initializer=initializers[model.bias_init])
            break
        if model.batch_norm:
            hidden = _batch_norm(hidden, width, index, model.batch_norm_momentum, training)
        else:
            hidden += v1.get_variable(f"b{index}", [width], initializer=initializers[model.bias_init])
        hidden = tf.nn.leaky_relu(hidden, 0.01) if model.activation == "leaky_relu" else getattr(tf.nn, model.activation)(hidden)
        if model.dropout_rate:
            drop = _alpha_dropout if model.dropout_type == "alpha" else _dropout
            hidden = drop(hidden, model.dropout_rate, training)
    cost = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=hidden))
    prediction = tf.argmax(hidden, 1)
    return Graph(
        images,
        labels,
        training,
        cost,
        v1.train.AdamOptimizer(learning_rate).minimize(cost),
        prediction,
        tf.reduce_mean(tf.cast(tf.equal(prediction, labels), tf.float32)),
    )


def train(session: Any, graph: Graph, arrays: Arrays, epochs: int, seed: int, report_cost: bool) -> float:
    """Train as the original did, a validation pass after each epoch (as tfmlp validates) unless
    `report_cost`, which prints each epoch's mean cost as the original printed it; the seconds taken."""
    rng = np.random.default_rng(seed)
    images, labels = arrays.train
    batches = len(images) // BATCH
    started = time.perf_counter()
    for epoch in range(epochs):
        order, total = rng.permutation(len(images)), 0.0
        for start in range(0, len(order), BATCH):
            feed = {
                graph.images: images[order[start : start + BATCH]],
                graph.labels: labels[order[start : start + BATCH]],
                graph.training: True,
            }
            if report_cost:
                total += session.run([graph.cost, graph.optimizer], feed)[0] / batches
            else:
                session.run(graph.optimizer, feed)
        if report_cost:
            print(f"Epoch: {epoch + 1:04d} cost = {total:.9f}", flush=True)
        else:
            session.run(graph.accuracy, {graph.images: arrays.validation[0], graph.labels: arrays.validation[1]})
    return time.perf_counter() - started


def _dropout(hidden: Any, rate: float, training: Any) -> Any:
    import tensorflow as tf

    return tf.cond(training, lambda: tf.nn.dropout(hidden, rate=rate), lambda: hidden)


def _alpha_dropout(hidden: Any, rate: float, training: Any) -> Any:
    """SELU's alpha dropout (Klambauer et al. 2017): dropped units go to SELU's saturation, then rescale."""
    import tensorflow as tf

    scale = ((1 - rate) * (1 + rate * SELU_SATURATION**2)) ** -0.5
    shift = -scale * SELU_SATURATION * rate

    def dropped() -> Any:
        kept = tf.cast(tf.random.uniform(tf.shape(hidden)) >= rate, hidden.dtype)
        return scale * (hidden * kept + SELU_SATURATION * (1 - kept)) + shift

    return tf.cond(training, dropped, lambda: hidden)


def _batch_norm(hidden: Any, width: int, index: int, momentum: float, training: Any) -> Any:
    """What tf.contrib.layers.batch_norm did: batch statistics in training, moving averages at test."""
    import tensorflow as tf

    v1 = tf.compat.v1
    scale = v1.get_variable(f"gamma{index}", [width], initializer=v1.ones_initializer())
    offset = v1.get_variable(f"beta{index}", [width], initializer=v1.zeros_initializer())
    moving_mean = v1.get_variable(f"mean{index}", [width], initializer=v1.zeros_initializer(), trainable=False)
    moving_variance = v1.get_variable(f"variance{index}", [width], initializer=v1.ones_initializer(), trainable=False)

    def batch_statistics() -> tuple[Any, Any]:
        mean, variance = tf.nn.moments(hidden, [0])
        updates = [
            v1.assign(moving_mean, momentum * moving_mean + (1 - momentum) * mean),
            v1.assign(moving_variance, momentum * moving_variance + (1 - momentum) * variance),
        ]
        with tf.control_dependencies(updates):
            return tf.identity(mean), tf.identity(variance)

    mean, variance = tf.cond(training, batch_statistics, lambda: (tf.identity(moving_mean), tf.identity(moving_variance)))
    return tf.nn.batch_normalization(hidden, mean, variance, offset, scale, 1e-3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lab_id")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--seed", type=int, default=777)
    parser.add_argument("--data-dir", type=Path, default=REPOSITORY / "MNIST_data")
    arguments = parser.parse_args()
    import labs

    lab = labs.get_lab(arguments.lab_id)
    lab.require_single_model("run as a TF1 script")
    import tensorflow as tf

    arrays = read_data_sets(arguments.data_dir)
    with tf.Graph().as_default(), tf.compat.v1.Session() as session:
        graph = build_graph(lab.config.model, lab.config.train.learning_rate, arguments.seed)
        session.run(tf.compat.v1.global_variables_initializer())
        train(session, graph, arrays, arguments.epochs, arguments.seed, report_cost=True)
        print("Learning Finished!")
        test_images, test_labels = arrays.test
        print("Accuracy:", session.run(graph.accuracy, {graph.images: test_images, graph.labels: test_labels}))
        index = np.random.default_rng(arguments.seed).integers(len(test_labels))
        print("Label: ", test_labels[index : index + 1])
        print("Prediction: ", session.run(graph.prediction, {graph.images: test_images[index : index + 1]}))


if __name__ == "__main__":
    main()
