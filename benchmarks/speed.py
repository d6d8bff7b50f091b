"""How fast tfmlp trains a step, against the other ways of training the same network on this machine.

    python benchmarks/speed.py --labs 10-2,10-4 --epochs 15 --output bench.json

Each way trains the step's network (same widths and activation, batch 100, Adam 0.001, the 55,000
training images, one validation pass per epoch where the way has one) in a process of its own:

    tfmlp     `fit_and_evaluate`, as a user calls it (no TensorBoard callbacks)
    keras     plain Keras: Sequential, compile, fit on numpy arrays (what most TF2 ports do)
    tf1       the original's way: a tf.compat.v1 graph, a session, feed_dict batches of numpy arrays
    torch     PyTorch: DataLoader, nn.Sequential, Adam (skipped with a note when torch is missing)

It prints train seconds, samples per second, test accuracy and each way's ratio to tfmlp, and writes
them as JSON. Ratios, measured in one run on one machine, are the figures to compare.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPOSITORY = Path(__file__).resolve().parent.parent
WAYS = ("tfmlp", "keras", "tf1", "torch")
BATCH, LEARNING_RATE = 100, 0.001


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labs", default="10-2,10-4")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--ways", default=",".join(WAYS))
    parser.add_argument("--output", type=Path, default=Path("bench.json"))
    parser.add_argument("--one", nargs=2, metavar=("WAY", "LAB"), help=argparse.SUPPRESS)  # a child process
    arguments = parser.parse_args()
    if arguments.one:
        way, lab_id = arguments.one
        print(json.dumps(train_one(way, lab_id, arguments.epochs)))
        return
    rows = []
    for lab_id in arguments.labs.split(","):
        for way in arguments.ways.split(","):
            row = measure(way, lab_id, arguments.epochs)
            rows.append(row)
            print(_line(row), flush=True)
    _print_ratios(rows)
    arguments.output.write_text(json.dumps(rows, indent=2) + "\n")
    print(f"Wrote {arguments.output}")


def measure(way: str, lab_id: str, epochs: int) -> dict[str, Any]:
    """Train in a fresh process, so no way inherits another's threads, caches or compiled graphs."""
    if way == "torch" and importlib.util.find_spec("torch") is None:
        return {"way": way, "lab": lab_id, "skipped": "torch is not installed (pip install torch)"}
    command = [sys.executable, __file__, "--one", way, lab_id, "--epochs", str(epochs)]
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(REPOSITORY)}
    done = subprocess.run(command, capture_output=True, text=True, env=environment, check=False)
    if done.returncode != 0:
        return {"way": way, "lab": lab_id, "skipped": f"failed: {done.stderr.strip().splitlines()[-1:]}"}
    return {"way": way, "lab": lab_id, **json.loads(done.stdout.strip().splitlines()[-1])}


def train_one(way: str, lab_id: str, epochs: int) -> dict[str, Any]:
    import labs

    model = labs.get_lab(lab_id).config.model
    widths, activation = list(model.widths), model.activation
    trainer = {"tfmlp": _tfmlp, "keras": _keras, "tf1": _tf1, "torch": _torch}[way]
    seconds, accuracy = trainer(lab_id, widths, activation, epochs)
    return {"epochs": epochs, "train_seconds": seconds, "samples_per_second": epochs * 55_000 / seconds, "test_accuracy": accuracy}


def _tfmlp(lab_id: str, widths: list[int], activation: str, epochs: int) -> tuple[float, float]:
    import labs
    from tfmlp.data import load_mnist
    from tfmlp.training import fit_and_evaluate

    lab = labs.get_lab(lab_id)
    config = lab.config.with_training(epochs=epochs)
    result = fit_and_evaluate(lambda: lab.build_model(config), load_mnist(BATCH, config.train.seed), config.train)
    return result.train_seconds, result.test_accuracy


def _arrays() -> Any:
    from tfmlp.data import read_mnist

    return read_mnist()


def _keras(lab_id: str, widths: list[int], activation: str, epochs: int) -> tuple[float, float]:
    arrays = _arrays()
    from tfmlp._tf import keras

    model = keras.Sequential(
        [keras.Input((784,)), *[keras.layers.Dense(width, activation=activation) for width in widths], keras.layers.Dense(10)]
    )
    model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    started = time.perf_counter()
    model.fit(
        arrays.train.images, arrays.train.labels, batch_size=BATCH, epochs=epochs, verbose=0,
        validation_data=(arrays.validation.images, arrays.validation.labels),
    )
    seconds = time.perf_counter() - started
    return seconds, float(model.evaluate(arrays.test.images, arrays.test.labels, verbose=0)[1])


def _tf1(lab_id: str, widths: list[int], activation: str, epochs: int) -> tuple[float, float]:
    arrays = _arrays()
    from tfmlp._tf import tf

    v1 = tf.compat.v1
    with tf.Graph().as_default():  # graph mode, as TF1 ran: placeholders, a session, feed_dict
        images, labels = v1.placeholder(tf.float32, [None, 784]), v1.placeholder(tf.int64, [None])
        hidden = images
        for index, (fan_in, width) in enumerate(zip([784, *widths], [*widths, 10], strict=True), start=1):
            weights = v1.get_variable(f"w{index}", [fan_in, width], initializer=v1.glorot_uniform_initializer())
            hidden = tf.matmul(hidden, weights) + v1.get_variable(f"b{index}", [width], initializer=v1.zeros_initializer())
            if index <= len(widths):
                hidden = getattr(tf.nn, activation)(hidden)
        cost = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=hidden))
        optimizer = v1.train.AdamOptimizer(LEARNING_RATE).minimize(cost)
        accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(hidden, 1), labels), tf.float32))
        rng = np.random.default_rng(777)
        with v1.Session() as session:
            session.run(v1.global_variables_initializer())
            started = time.perf_counter()
            for _ in range(epochs):
                order = rng.permutation(len(arrays.train))
                for start in range(0, len(order), BATCH):
                    batch = order[start : start + BATCH]
                    session.run(optimizer, {images: arrays.train.images[batch], labels: arrays.train.labels[batch]})
                session.run(accuracy, {images: arrays.validation.images, labels: arrays.validation.labels})
            seconds = time.perf_counter() - started
            return seconds, float(session.run(accuracy, {images: arrays.test.images, labels: arrays.test.labels}))


def _torch(lab_id: str, widths: list[int], activation: str, epochs: int) -> tuple[float, float]:
    arrays = _arrays()
    import torch

    torch.manual_seed(777)
    layers: list[Any] = []
    for fan_in, width in zip([784, *widths], widths, strict=False):
        layers += [torch.nn.Linear(fan_in, width), {"relu": torch.nn.ReLU, "elu": torch.nn.ELU, "selu": torch.nn.SELU}[activation]()]
    model = torch.nn.Sequential(*layers, torch.nn.Linear(([784, *widths])[-1], 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    train = torch.utils.data.TensorDataset(torch.from_numpy(arrays.train.images), torch.from_numpy(arrays.train.labels))
    loader = torch.utils.data.DataLoader(train, batch_size=BATCH, shuffle=True)
    loss_function = torch.nn.CrossEntropyLoss()
    started = time.perf_counter()
    for _ in range(epochs):
        model.train()
        for images, labels in loader:
            optimizer.zero_grad()
            loss_function(model(images), labels).backward()
            optimizer.step()
        with torch.no_grad():
            model.eval()
            model(torch.from_numpy(arrays.validation.images))
    seconds = time.perf_counter() - started
    with torch.no_grad():
        predictions = model(torch.from_numpy(arrays.test.images)).argmax(dim=1).numpy()
    return seconds, float((predictions == arrays.test.labels).mean())


def _line(row: dict[str, Any]) -> str:
    if "skipped" in row:
        return f"{row['lab']:<6} {row['way']:<6} skipped: {row['skipped']}"
    return (
        f"{row['lab']:<6} {row['way']:<6} {row['train_seconds']:8.1f} s {row['samples_per_second']:10,.0f} samples/s"
        f"  test accuracy {row['test_accuracy']:.4f}"
    )


def _print_ratios(rows: list[dict[str, Any]]) -> None:
    print("\nsamples/s of tfmlp over each way's (above 1: tfmlp is faster)")
    for lab_id in dict.fromkeys(row["lab"] for row in rows):
        measured = {row["way"]: row for row in rows if row["lab"] == lab_id and "skipped" not in row}
        if "tfmlp" not in measured:
            continue
        ours = measured["tfmlp"]["samples_per_second"]
        ratios = ", ".join(f"{way} {ours / row['samples_per_second']:.2f}x" for way, row in measured.items() if way != "tfmlp")
        print(f"{lab_id}: {ratios}")
        for row in rows:
            if row["lab"] == lab_id and row["way"] in measured:
                row["tfmlp_speedup"] = ours / row["samples_per_second"]


if __name__ == "__main__":
    main()
