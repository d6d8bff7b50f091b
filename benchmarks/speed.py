"""How fast tfmlp trains each step, against the other ways of training the same network on this machine.

    python benchmarks/speed.py --ways tfmlp,tf1 --repeats 3 --whole 10-2,10-4,10-5

Each way trains the step's network (its widths, activation, initializers, dropout, batch norm or alpha
dropout; batch 100, Adam at the step's learning rate, the 55,000 training images, one validation pass
per epoch) in a process of its own, on every single-model step (10-1 ... 10-5, 10-7, 10-8), for 3
epochs (what a learner trying a step waits for) and for the lab's 15:

    tfmlp     `fit_and_evaluate`, as a user calls it (no TensorBoard callbacks)
    tf1       the original's way (`benchmarks/tf1_lab.py`): a tf.compat.v1 graph, a session,
              feed_dict batches of numpy arrays, dropout and batch norm switched by a fed flag
    keras     plain Keras: the step's model, compile, fit on numpy arrays (what most TF2 ports do)
    torch     PyTorch: DataLoader, nn.Sequential, Adam (plain nets only; skipped with a note when
              torch is missing)

It prints the CPU (model and the flags that choose the kernels), every run, then the README's table
(samples per second, test accuracy, tfmlp's ratio to each way), and writes them as JSON. `--whole`
also times the whole `python cli.py lab` command against the whole TF1 script
(`benchmarks/start_to_exit.py`). Ratios, measured in one run on one machine, are the figures to
compare. This machine's speed comes and goes with its neighbours' load (whole minutes at half speed
are common), so `--repeats 3` runs everything three times, round after round, and compares each
way's fastest run (the whole commands: medians).
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
from typing import TYPE_CHECKING, Any

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))  # tfmlp and labs, run from anywhere
WAYS = ("tfmlp", "tf1", "keras", "torch")
NAMES = {"tfmlp": "tfmlp", "tf1": "TF1 way", "keras": "plain Keras", "torch": "PyTorch"}
STEPS = ("10-1", "10-2", "10-3", "10-4", "10-5", "10-7", "10-8")
BATCH = 100

if TYPE_CHECKING:
    from tfmlp.config import LabConfig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labs", default=",".join(STEPS), help="single-model steps [default: all]")
    parser.add_argument("--epochs", default="3,15", help="comma-separated; every step trains for each [default: 3,15]")
    parser.add_argument("--ways", default=",".join(WAYS))
    parser.add_argument("--output", type=Path, default=Path("bench.json"))
    parser.add_argument("--repeats", type=int, default=1, help="runs of each way; the fastest counts")
    parser.add_argument("--whole", default="", help="steps whose whole command to time too (benchmarks/start_to_exit.py)")
    parser.add_argument("--one", nargs=2, metavar=("WAY", "LAB"), help=argparse.SUPPRESS)  # a child process
    arguments = parser.parse_args()
    if arguments.one:
        way, lab_id = arguments.one
        print(json.dumps(train_one(way, lab_id, int(arguments.epochs))))
        return
    from tfmlp.machine import cpu_description

    cpu = cpu_description()
    print(f"CPU: {cpu}", flush=True)
    runs: dict[tuple[str, int, str], list[dict[str, Any]]] = {}
    for _ in range(arguments.repeats):  # round after round, so a slow spell of the machine hits every way
        for epochs in (int(value) for value in arguments.epochs.split(",")):
            for lab_id in arguments.labs.split(","):
                for way in arguments.ways.split(","):
                    row = measure(way, lab_id, epochs)
                    runs.setdefault((lab_id, epochs, way), []).append(row)
                    print(_line(row), flush=True)
    rows = [{**_fastest(tries), "cpu": cpu} for tries in runs.values()]
    print(f"\nOn {cpu}: samples/s of training (validation passes and compilation included), test accuracy, tfmlp's speed over each way's\n")
    print(_table(rows, arguments.ways.split(",")))
    if arguments.whole:
        import start_to_exit

        whole = {lab_id: start_to_exit.measure(lab_id, 15, arguments.repeats) for lab_id in arguments.whole.split(",")}
        print("\n" + "\n".join(start_to_exit.report(lab_id, timed) for lab_id, timed in whole.items()))
        print("\n" + start_to_exit.table(whole))
        rows.append({"whole": {lab_id: start_to_exit.summary(timed) for lab_id, timed in whole.items()}, "cpu": cpu})
    arguments.output.write_text(json.dumps(rows, indent=2) + "\n")
    print(f"Wrote {arguments.output}")


def measure(way: str, lab_id: str, epochs: int, environment: dict[str, str] | None = None) -> dict[str, Any]:
    """Train in a fresh process, so no way inherits another's threads, caches or compiled graphs
    (`environment`: variables to set for it, e.g. an empty XLA cache)."""
    if way == "torch" and importlib.util.find_spec("torch") is None:
        return {"way": way, "lab": lab_id, "epochs": epochs, "skipped": "torch is not installed (pip install torch)"}
    if way == "torch" and not _plain(lab_id):
        return {
            "way": way,
            "lab": lab_id,
            "epochs": epochs,
            "skipped": "the PyTorch peer trains plain nets only (no dropout, batch norm, LeCun init)",
        }
    command = [sys.executable, __file__, "--one", way, lab_id, "--epochs", str(epochs)]
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(REPOSITORY), **(environment or {})}
    done = subprocess.run(command, capture_output=True, text=True, env=environment, check=False)
    if done.returncode != 0:
        return {"way": way, "lab": lab_id, "epochs": epochs, "skipped": f"failed: {done.stderr.strip().splitlines()[-1:]}"}
    return {"way": way, "lab": lab_id, **json.loads(done.stdout.strip().splitlines()[-1])}


def _plain(lab_id: str) -> bool:
    import labs

    model = labs.get_lab(lab_id).config.model
    return not (model.dropout_rate or model.batch_norm) and {model.kernel_init, model.bias_init} <= {"normal", "xavier", "zeros"}


def train_one(way: str, lab_id: str, epochs: int) -> dict[str, Any]:
    import labs
    from tfmlp.startup import start_tensorflow_quietly

    start_tensorflow_quietly()  # every way starts TensorFlow as `cli.py` does: quietly, with the XLA cache

    trainer = {"tfmlp": _tfmlp, "keras": _keras, "tf1": _tf1, "torch": _torch}[way]
    lab = labs.get_lab(lab_id)
    lab.require_single_model("be benchmarked")
    seconds, accuracy = trainer(lab_id, lab.config.with_training(epochs=epochs))
    return {"epochs": epochs, "train_seconds": seconds, "samples_per_second": epochs * 55_000 / seconds, "test_accuracy": accuracy}


def _tfmlp(lab_id: str, config: LabConfig) -> tuple[float, float]:
    import labs
    from tfmlp.data import load_mnist
    from tfmlp.seeding import seed_globally
    from tfmlp.training import fit_and_evaluate

    lab = labs.get_lab(lab_id)
    seed_globally(config.train.seed, deterministic_ops=config.train.deterministic)
    result = fit_and_evaluate(lambda: lab.build_model(config), load_mnist(config.train.batch_size, config.train.seed), config.train)
    return result.train_seconds, result.test_accuracy


def _arrays() -> Any:
    from tfmlp.data import read_mnist

    return read_mnist()


def _keras(lab_id: str, config: LabConfig) -> tuple[float, float]:
    """The step's own Keras network (same layers), trained the way most TF2 ports do: compile, fit on arrays."""
    arrays = _arrays()
    import keras

    import labs

    keras.utils.set_random_seed(config.train.seed)
    network = labs.get_lab(lab_id).build_model(config)
    network.compile(
        optimizer=keras.optimizers.Adam(config.train.learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    started = time.perf_counter()
    network.fit(
        arrays.train.images,
        arrays.train.labels,
        batch_size=BATCH,
        epochs=config.train.epochs,
        verbose=0,
        validation_data=(arrays.validation.images, arrays.validation.labels),
    )
    seconds = time.perf_counter() - started
    return seconds, float(network.evaluate(arrays.test.images, arrays.test.labels, verbose=0)[1])


def _tf1(lab_id: str, config: LabConfig) -> tuple[float, float]:
    """The original's way (`benchmarks/tf1_lab.py`): a tf.compat.v1 graph, a session, feed_dict batches."""
    from tf1_lab import Arrays, build_graph, train

    arrays = _arrays()
    import tensorflow as tf

    ours = Arrays(*((split.images, split.labels) for split in (arrays.train, arrays.validation, arrays.test)))
    with tf.Graph().as_default(), tf.compat.v1.Session() as session:  # graph mode, as TF1 ran
        graph = build_graph(config.model, config.train.learning_rate, config.train.seed)
        session.run(tf.compat.v1.global_variables_initializer())
        seconds = train(session, graph, ours, config.train.epochs, config.train.seed, report_cost=False)
        return seconds, float(session.run(graph.accuracy, {graph.images: ours.test[0], graph.labels: ours.test[1]}))


def _torch(lab_id: str, config: LabConfig) -> tuple[float, float]:
    arrays = _arrays()
    import torch

    model = config.model
    torch.manual_seed(config.train.seed)
    initializers = {"normal": torch.nn.init.normal_, "xavier": torch.nn.init.xavier_uniform_, "zeros": torch.nn.init.zeros_}
    sizes = [784, *model.widths, 10]
    layers: list[Any] = []
    for index, (fan_in, width) in enumerate(zip(sizes, sizes[1:])):
        linear = torch.nn.Linear(fan_in, width)
        initializers[model.kernel_init](linear.weight)
        initializers[model.bias_init](linear.bias)
        layers.append(linear)
        if index < len(model.widths):
            layers.append({"relu": torch.nn.ReLU, "elu": torch.nn.ELU, "selu": torch.nn.SELU}[model.activation]())
    network = torch.nn.Sequential(*layers)
    optimizer = torch.optim.Adam(network.parameters(), lr=config.train.learning_rate)
    train = torch.utils.data.TensorDataset(torch.from_numpy(arrays.train.images), torch.from_numpy(arrays.train.labels))
    loader = torch.utils.data.DataLoader(train, batch_size=BATCH, shuffle=True)
    loss_function = torch.nn.CrossEntropyLoss()
    started = time.perf_counter()
    for _ in range(config.train.epochs):
        network.train()
        for images, labels in loader:
            optimizer.zero_grad()
            loss_function(network(images), labels).backward()
            optimizer.step()
        with torch.no_grad():
            network.eval()
            network(torch.from_numpy(arrays.validation.images))
    seconds = time.perf_counter() - started
    with torch.no_grad():
        predictions = network(torch.from_numpy(arrays.test.images)).argmax(dim=1).numpy()
    return seconds, float((predictions == arrays.test.labels).mean())


def _fastest(tries: list[dict[str, Any]]) -> dict[str, Any]:
    """The fastest of a way's runs, with every run's samples/s beside it."""
    measured = [row for row in tries if "skipped" not in row]
    if not measured:
        return tries[0]
    fastest = max(measured, key=lambda row: row["samples_per_second"])
    return {**fastest, "samples_per_second_of_each_run": [row["samples_per_second"] for row in measured]}


def _line(row: dict[str, Any]) -> str:
    if "skipped" in row:
        return f"{row['lab']:<6} {row['way']:<6} skipped: {row['skipped']}"
    return (
        f"{row['lab']:<6} {row['epochs']:>2} epochs {row['way']:<6}"
        f" {row['train_seconds']:8.1f} s {row['samples_per_second']:10,.0f} samples/s"
        f"  test accuracy {row['test_accuracy']:.4f}"
    )


def _table(rows: list[dict[str, Any]], ways: list[str]) -> str:
    """The README's table: a row per step and epoch count, tfmlp's samples/s and each other way's with tfmlp's ratio to it."""
    peers = [way for way in ways if way != "tfmlp"]
    lines = [
        "| step | epochs | tfmlp | " + " | ".join(NAMES[way] for way in peers) + " |",
        "|---|---|---|" + "---|" * len(peers),
    ]
    for lab_id, epochs in dict.fromkeys((row["lab"], row["epochs"]) for row in rows if "epochs" in row):
        measured = {row["way"]: row for row in rows if (row["lab"], row.get("epochs")) == (lab_id, epochs)}
        ours = measured.get("tfmlp")
        cells = []
        for way in ["tfmlp", *peers]:
            row = measured.get(way)
            if row is None or "skipped" in row:
                cells.append("-")
                continue
            cell = f"{row['samples_per_second']:,.0f}, {row['test_accuracy']:.4f}"
            if way != "tfmlp" and ours and "skipped" not in ours:
                row["tfmlp_speedup"] = ours["samples_per_second"] / row["samples_per_second"]
                cell += f" (tfmlp **{row['tfmlp_speedup']:.2f}x**)"
            cells.append(cell)
        lines.append(f"| {lab_id} | {epochs} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
