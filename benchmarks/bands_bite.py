"""Do the accuracy bands still catch a broken step? Finished runs, tested again with a bug put in.

    python cli.py lab 10-5 --seeds 8 --logdir runs/seeds
    python benchmarks/bands_bite.py runs/seeds/10-5 runs/seeds/10-7

A band wide enough for every seed and CPU could be wide enough to let a bug through. For each run
folder of a step (its `model.keras`), this tests the model twice on the 10,000 test images: as
trained, and with dropout left on at test time (the original's bug when `keep_prob: 0.7` is fed to
the test too), and prints both beside the step's band (from `labs/measured.toml`). A band bites when every
broken figure falls outside it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tfmlp.startup import start_tensorflow_quietly

start_tensorflow_quietly()

import keras  # noqa: E402

import labs  # noqa: E402
from tfmlp.data import read_mnist  # noqa: E402


def dropout_left_on(model: keras.Model) -> keras.Model:
    """The same model (same weights) whose dropout layers drop at test time too."""
    for layer in model.layers:
        if isinstance(layer, (keras.layers.Dropout, keras.layers.AlphaDropout)):
            call = layer.call
            layer.call = lambda inputs, training=None, call=call: call(inputs, training=True)
    return model


def accuracy(model: keras.Model, images: np.ndarray, labels: np.ndarray) -> float:
    """Test accuracy from one eager call (no compiled predict function to keep the unbroken layers)."""
    return float(np.mean(np.argmax(model(images, training=False), axis=1) == labels))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("steps", nargs="+", type=Path, help="a step's runs folder, e.g. runs/seeds/10-5")
    arguments = parser.parse_args()
    test = read_mnist().test
    for folder in arguments.steps:
        runs = sorted(run for run in folder.iterdir() if (run / "model.keras").is_file())
        lab = labs.get_lab(json.loads((runs[0] / "config.json").read_text())["lab"])
        low, high = lab.expected.band()
        print(f"{lab.id}: band {low:.4f}-{high:.4f}")
        broken = []
        for run in runs:
            keras.utils.set_random_seed(json.loads((run / "config.json").read_text())["train"]["seed"])
            model = keras.saving.load_model(run / "model.keras")
            trained = accuracy(model, test.images, test.labels)
            broken.append(accuracy(dropout_left_on(model), test.images, test.labels))
            print(f"  {run.name}  as trained {trained:.4f}   dropout left on at test time {broken[-1]:.4f}")
        caught = sum(not low <= figure <= high for figure in broken)
        print(f"  the band catches {caught} of {len(broken)} broken runs")


if __name__ == "__main__":
    main()
