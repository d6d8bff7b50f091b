"""Lab 10-1 against the original TF1 program: do Keras's N(0, 1) initial weights train worse?

    python benchmarks/softmax_init.py --seeds 20

Softmax regression whose weights start at N(0, 1) ends where its initial weights put it: the weights
of pixels that are rarely ink barely move in 15 epochs, so the draw decides most of the test
accuracy, and one run says little. This trains 10-1 over the same seeds five ways and prints each
way's mean ± std and its distance to the original program's mean (with the standard error of that
difference):

    tfmlp         the lab as `cli.py lab 10-1` trains it (Keras's RandomNormal(stddev=1))
    keras-apart   tfmlp's training from Keras's RandomNormal drawn with seeds apart from the run's
    tf1-draws     tfmlp's training from the values TF1's tf.random_normal drew under tf.set_random_seed
    numpy-draws   tfmlp's training from numpy's RandomState(seed).randn
    tf1-program   the original: a TF1 graph and session, input_data's split (the files' first 5,000
                  training images held out), its batches by a numpy permutation per epoch

Same mean within about two standard errors for every way: the draws are not the cause.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))

from tfmlp.startup import start_tensorflow_quietly  # noqa: E402

start_tensorflow_quietly()

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from tfmlp.config import VALIDATION_SIZE, TrainConfig  # noqa: E402
from tfmlp.data import DEFAULT_MNIST_DIR, MnistArrays, Split, make_datasets, read_mnist  # noqa: E402
from tfmlp.models import softmax_regression  # noqa: E402
from tfmlp.seeding import seed_globally  # noqa: E402
from tfmlp.training import fit_and_evaluate  # noqa: E402

Weights = tuple[np.ndarray, np.ndarray]


def keras_apart(seed: int) -> Weights:
    kernel_seed, bias_seed = np.random.RandomState(seed + 100_000).randint(1, 10**9, size=2)
    draw = lambda shape, draw_seed: np.asarray(keras.initializers.RandomNormal(stddev=1.0, seed=int(draw_seed))(shape))  # noqa: E731
    return draw((784, 10), kernel_seed), draw((10,), bias_seed)


def tf1_draws(seed: int) -> Weights:
    v1 = tf.compat.v1
    with tf.Graph().as_default():
        v1.set_random_seed(seed)
        kernel, bias = v1.random_normal([784, 10]), v1.random_normal([10])
        with v1.Session() as session:
            return tuple(session.run([kernel, bias]))


def numpy_draws(seed: int) -> Weights:
    state = np.random.RandomState(seed)
    return state.randn(784, 10).astype(np.float32), state.randn(10).astype(np.float32)


def train_from(draw: Callable[[int], Weights] | None) -> Callable[[MnistArrays, int], float]:
    """tfmlp's 10-1 training, from the lab's own initial weights (None) or from `draw(seed)`'s."""

    def train(arrays: MnistArrays, seed: int) -> float:
        def build() -> keras.Model:
            model = softmax_regression()
            if draw is not None:
                model.layers[-1].set_weights(list(draw(seed)))
            return model

        seed_globally(seed)  # as `cli.py lab` seeds a run
        return fit_and_evaluate(build, make_datasets(arrays, 100, seed), TrainConfig(seed=seed)).test_accuracy

    return train


def tf1_program(arrays: MnistArrays, seed: int) -> float:
    """Lab 10-1's TF1 code: placeholders, tf.random_normal weights, AdamOptimizer, feed_dict batches."""
    v1 = tf.compat.v1
    with tf.Graph().as_default():
        v1.set_random_seed(seed)
        images, labels = v1.placeholder(tf.float32, [None, 784]), v1.placeholder(tf.int64, [None])
        logits = tf.matmul(images, tf.Variable(v1.random_normal([784, 10]))) + tf.Variable(v1.random_normal([10]))
        cost = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
        optimizer = v1.train.AdamOptimizer(0.001).minimize(cost)
        accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), labels), tf.float32))
        order = np.random.RandomState(seed)
        with v1.Session() as session:
            session.run(v1.global_variables_initializer())
            for _ in range(15):
                shuffled = order.permutation(len(arrays.train))
                for start in range(0, len(shuffled), 100):
                    batch = shuffled[start : start + 100]
                    session.run(optimizer, {images: arrays.train.images[batch], labels: arrays.train.labels[batch]})
            return float(session.run(accuracy, {images: arrays.test.images, labels: arrays.test.labels}))


def input_data_arrays(folder: Path = DEFAULT_MNIST_DIR) -> MnistArrays:
    """MNIST as the original's `input_data.read_data_sets` split it: in the files' order."""

    def read(name: str, offset: int) -> np.ndarray:
        with gzip.open(folder / name) as file:
            return np.frombuffer(file.read(), np.uint8, offset=offset)

    images = read("train-images-idx3-ubyte.gz", 16).reshape(-1, 784).astype(np.float32) / 255.0
    labels = read("train-labels-idx1-ubyte.gz", 8).astype(np.int64)
    test = Split(
        read("t10k-images-idx3-ubyte.gz", 16).reshape(-1, 784).astype(np.float32) / 255.0,
        read("t10k-labels-idx1-ubyte.gz", 8).astype(np.int64),
    )
    held_out = VALIDATION_SIZE
    return MnistArrays(Split(images[held_out:], labels[held_out:]), Split(images[:held_out], labels[:held_out]), test)


WAYS = {
    "tfmlp": train_from(None),
    "keras-apart": train_from(keras_apart),
    "tf1-draws": train_from(tf1_draws),
    "numpy-draws": train_from(numpy_draws),
    "tf1-program": tf1_program,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20, help="seeds 777, 778, ...")
    parser.add_argument("--ways", default=",".join(WAYS))
    arguments = parser.parse_args()
    seeds = range(777, 777 + arguments.seeds)
    data = {"tfds": read_mnist(), "input_data": input_data_arrays()}
    accuracies: dict[str, list[float]] = {}
    for way in arguments.ways.split(","):
        arrays = data["input_data" if way == "tf1-program" else "tfds"]
        accuracies[way] = [WAYS[way](arrays, seed) for seed in seeds]
        print(f"{way:<12} " + " ".join(f"{accuracy:.4f}" for accuracy in accuracies[way]), flush=True)
    reference = accuracies.get("tf1-program")
    print(
        f"\nseeds {seeds.start}-{seeds.stop - 1}, test accuracy mean ± std"
        + (", minus tf1-program's mean ± its standard error" if reference else "")
    )
    for way, values in accuracies.items():
        line = f"{way:<12} {statistics.fmean(values):.4f} ± {statistics.stdev(values):.4f}"
        if reference and way != "tf1-program":
            error = (statistics.variance(values) / len(values) + statistics.variance(reference) / len(reference)) ** 0.5
            line += f"   {statistics.fmean(values) - statistics.fmean(reference):+.4f} ± {error:.4f}"
        print(line)


if __name__ == "__main__":
    main()
