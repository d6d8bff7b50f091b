"""How much the TensorBoard diagnostics slow a lab down: the same run with and without them.

    python benchmarks/diagnostics_overhead.py --lab 10-4 --epochs 15

Trains the lab twice in this process on identical data and seeds: once with the epoch lines only
(the baseline), once with every lab's callbacks (Keras's TensorBoard with weight histograms, and
the per-epoch gradient norms, dead-ReLU fractions and activation histograms of `Diagnostics`), and
prints both training times and their ratio. The ratio, not the seconds, is the figure to compare.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import labs  # noqa: E402
from tfmlp.callbacks import EpochCostLogger, lab_callbacks  # noqa: E402
from tfmlp.data import make_datasets, probe_batch, read_mnist  # noqa: E402
from tfmlp.training import fit_and_evaluate  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab", default="10-4")
    parser.add_argument("--epochs", type=int, default=15)
    arguments = parser.parse_args()
    lab = labs.get_lab(arguments.lab)
    config = lab.config.with_training(epochs=arguments.epochs)
    arrays = read_mnist()
    with tempfile.TemporaryDirectory() as logs:
        silent = lambda line: None  # noqa: E731
        setups = {
            "epoch lines only": [EpochCostLogger(silent)],
            "with diagnostics": lab_callbacks(Path(logs), *probe_batch(arrays.validation), len(arrays.train), write=silent),
        }
        seconds = {}
        for name, callbacks in setups.items():
            data = make_datasets(arrays, config.train.batch_size, config.train.seed)
            result = fit_and_evaluate(lambda: lab.build_model(config), data, config.train, callbacks=callbacks)
            seconds[name] = result.train_seconds
            print(f"{name:<18} {result.train_seconds:7.1f} s  test accuracy {result.test_accuracy:.4f}", flush=True)
    overhead = seconds["with diagnostics"] / seconds["epoch lines only"] - 1
    print(f"{'overhead':<18} {overhead:+7.1%}  (lab {lab.id}, {arguments.epochs} epochs)")


if __name__ == "__main__":
    main()
