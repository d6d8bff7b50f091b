"""How much the TensorBoard diagnostics slow a lab down: the same run with and without them.

    python benchmarks/diagnostics_overhead.py --lab 10-4 --epochs 15 --repeats 2

Trains the lab in this process on identical data and seeds, with the epoch lines only (the
baseline) and with every lab's callbacks (Keras's TensorBoard with weight histograms, and the
gradient norms, dead-ReLU fractions and activation histograms of `Diagnostics`, at initialization,
densely through the first epoch, then per epoch), and
prints the fastest time of each and their ratio. The ratio, not the seconds, is the figure to
compare. A one-epoch warm-up comes first and the two setups alternate, because on this machine the
first trainings of a process run slower than later ones whatever their callbacks.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tfmlp.startup import start_tensorflow_quietly

start_tensorflow_quietly()

import labs  # noqa: E402
from tfmlp.callbacks import EpochCostLogger, lab_callbacks  # noqa: E402
from tfmlp.data import make_datasets, probe_batch, read_mnist  # noqa: E402
from tfmlp.seeding import seed_globally  # noqa: E402
from tfmlp.training import fit_and_evaluate  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab", default="10-4")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--repeats", type=int, default=2, help="Trainings of each setup; the fastest counts.")
    arguments = parser.parse_args()
    lab = labs.get_lab(arguments.lab)
    config = lab.config.with_training(epochs=arguments.epochs)
    arrays = read_mnist()
    silent = lambda line: None  # noqa: E731
    data = make_datasets(arrays, config.train.batch_size, config.train.seed)
    setups = {
        "epoch lines only": lambda logs: [EpochCostLogger(silent)],
        "with diagnostics": lambda logs: lab_callbacks(logs, *probe_batch(arrays.validation), data, write=silent),
    }

    def train(epochs: int, callbacks: list) -> float:
        train_config = dataclasses.replace(config.train, epochs=epochs)
        seed_globally(train_config.seed, deterministic_ops=train_config.deterministic)  # identical seeds, as the lab's run
        result = fit_and_evaluate(lambda: lab.build_model(config), data, train_config, callbacks=callbacks)
        return result.train_seconds

    with tempfile.TemporaryDirectory() as folder:
        train(1, [])
        seconds: dict[str, list[float]] = {name: [] for name in setups}
        for repeat in range(arguments.repeats):
            for name, callbacks in setups.items():
                seconds[name].append(train(arguments.epochs, callbacks(Path(folder) / f"{name}-{repeat}")))
                print(f"{name:<18} {seconds[name][-1]:7.1f} s", flush=True)
    fastest = {name: min(times) for name, times in seconds.items()}
    overhead = fastest["with diagnostics"] / fastest["epoch lines only"] - 1
    print(f"fastest: {fastest['epoch lines only']:.1f} s without, {fastest['with diagnostics']:.1f} s with diagnostics")
    print(f"overhead {overhead:+.1%}  (lab {lab.id}, {arguments.epochs} epochs, best of {arguments.repeats})")


if __name__ == "__main__":
    main()
