"""`lab beyond` before and after its distortions moved into XLA, as multiples of the TF1 code's 10-5.

    python benchmarks/beyond.py --epochs 3 --repeats 2

Each round, one after the other, each in a fresh process, so a slow spell of this shared machine hits
all three:
- keras-layers: the same network behind Keras's RandomTranslation, RandomRotation and RandomZoom,
  which XLA cannot compile (so it trains through Keras's `steps_per_execution` loop), on the 60-epoch
  schedule `lab beyond` had with them;
- compiled: `lab beyond` as it is (`labs/beyond.py`): affine and elastic distortions in one XLA-compiled layer
  (`tfmlp.distortions`), a whole epoch per call;
- the original TF1 code's 10-5, 15 epochs (`benchmarks/tf1_lab.py`).
The two beyonds train `--epochs` epochs; each epoch is timed, and its whole schedule's seconds are
projected as the first epoch (tracing and compiling included) plus the rest at the median of the later
epochs. Printed: every run, then each beyond's projection as a multiple of the TF1 10-5's seconds in the
same round. Other people's programs share this machine's cores: absolute seconds mean little, the
ratios, measured side by side, somewhat more.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))
sys.path.insert(0, str(REPOSITORY / "benchmarks"))

KERAS_LAYERS_EPOCHS = 60  # the recipe's schedule before elastic distortions (test accuracy 0.9925 over 3 seeds)


def beyond_with_keras_layers() -> Any:
    """`lab beyond`'s network as it was: Keras's random image layers, then 784 -> (1024, ReLU, dropout 0.2) x 2 -> 10."""
    import keras
    from keras import layers

    from labs.beyond_speedrun import he_relu_dropout_layers

    distortions = [
        layers.Reshape((28, 28, 1), name="to_image"),
        layers.RandomTranslation(0.1, 0.1, fill_mode="constant", name="random_shift"),
        layers.RandomRotation(0.03, fill_mode="constant", name="random_rotation"),
        layers.RandomZoom(0.1, fill_mode="constant", name="random_zoom"),
        layers.Flatten(name="to_pixels"),
    ]
    return keras.Sequential([keras.Input((784,)), *distortions, *he_relu_dropout_layers(1024, depth=2, dropout_rate=0.2)], name="beyond")


def train_one(which: str, epochs: int) -> dict[str, Any]:
    """Train beyond with Keras's image layers or as it is, `epochs` epochs, as `cli.py lab beyond` would (its seed, its
    schedule for that many epochs), timing each epoch."""
    import keras

    import labs
    from tfmlp.data import load_mnist
    from tfmlp.seeding import seed_globally
    from tfmlp.startup import start_tensorflow_quietly
    from tfmlp.training import fit_and_evaluate

    start_tensorflow_quietly()
    lab = labs.get_lab("beyond")
    config = lab.config.with_training(epochs=epochs)

    class EpochClock(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.seconds: list[float] = []

        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            self.started = time.perf_counter()

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            self.seconds.append(time.perf_counter() - self.started)

    clock = EpochClock()
    seed_globally(config.train.seed)
    build = beyond_with_keras_layers if which == "keras-layers" else lab.build_model
    result = fit_and_evaluate(build, load_mnist(config.train.batch_size, config.train.seed), config.train, callbacks=[clock])
    full = KERAS_LAYERS_EPOCHS if which == "keras-layers" else lab.config.train.epochs
    projected = clock.seconds[0] + (full - 1) * statistics.median(clock.seconds[1:] or clock.seconds)
    return {"train_seconds": result.train_seconds, "epoch_seconds": clock.seconds, "full_epochs": full, "projected": projected}


def measure(which: str, epochs: int) -> dict[str, Any]:
    """`train_one` in a fresh process, so that neither beyond inherits the other's threads or compiled programs."""
    command = [sys.executable, __file__, "--one", which, "--epochs", str(epochs)]
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(REPOSITORY)}
    done = subprocess.run(command, capture_output=True, text=True, env=environment, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3, help="epochs each beyond trains [default: 3]")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--one", choices=("keras-layers", "compiled"), help=argparse.SUPPRESS)  # a child process
    arguments = parser.parse_args()
    if arguments.one:
        print(json.dumps(train_one(arguments.one, arguments.epochs)))
        return
    import speed

    from tfmlp.machine import cpu_description

    print(f"CPU: {cpu_description()}", flush=True)
    ratios: dict[str, list[float]] = {"keras-layers": [], "compiled": []}
    for _ in range(arguments.repeats):
        runs = {which: measure(which, arguments.epochs) for which in ratios}
        tf1 = speed.measure("tf1", "10-5", 15)["train_seconds"]
        print(f"TF1 10-5, 15 epochs: {tf1:.1f} s of training", flush=True)
        for which, run in runs.items():
            epochs = ", ".join(f"{seconds:.1f}" for seconds in run["epoch_seconds"])
            ratios[which].append(run["projected"] / tf1)
            print(
                f"beyond, {which}: epochs of {epochs} s; {run['full_epochs']} epochs projected at {run['projected']:.0f} s,"
                f" {ratios[which][-1]:.1f}x the TF1 10-5",
                flush=True,
            )
    print(f"\nMedians of {arguments.repeats}: " + ", ".join(f"beyond {which} {statistics.median(r):.1f}x" for which, r in ratios.items()))


if __name__ == "__main__":
    main()
