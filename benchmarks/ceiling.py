"""How close a steady epoch comes to this CPU's limit: the matrix products' peak, and the step's products alone.

    python benchmarks/ceiling.py --labs 10-2,10-4

For each step, in one process, on this machine:
- the peak of its matrix products: chained products of its batch (100) by its hidden widths, in
  GFLOP/s, float32 and bfloat16, through TensorFlow's oneDNN kernels and under XLA (fastest of 5);
- its training's products alone: a whole epoch of forward and backward products of its network
  (batch 100, ReLU, no loss, no optimizer, no data pipeline) under XLA, in samples/s: no trainer of
  this network in float32 can run faster on this CPU;
- a steady epoch (the second) of tfmlp (`fit_and_evaluate`) and of the TF1 way
  (`benchmarks/tf1_lab.py`), in samples/s and in GFLOP/s of its products;
so a target such as "1.5x the TF1 way" reads as a fraction of what the CPU can do.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))
BATCH = 100
STEPS = 550  # batches in an epoch of 55,000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labs", default="10-2,10-4")
    arguments = parser.parse_args()
    import labs
    from tfmlp.machine import cpu_description
    from tfmlp.startup import start_tensorflow_quietly

    start_tensorflow_quietly()

    print(f"CPU: {cpu_description()}", flush=True)
    for lab_id in arguments.labs.split(","):
        config = labs.get_lab(lab_id).config
        sizes = [784, *config.model.widths, 10]
        flops = training_flops(sizes)
        print(f"\n{lab_id} ({'-'.join(map(str, sizes))}): {flops / 1e6:.2f} MFLOP of products per training sample")
        width = max(config.model.widths)
        for dtype in ("float32", "bfloat16"):
            peaks = {xla: product_peak(width, dtype, xla) for xla in (False, True)}
            print(f"  product peak, {BATCH}x{width} by {width}x{width}, {dtype}: oneDNN {peaks[False]:.0f}, XLA {peaks[True]:.0f} GFLOP/s")
        ceiling = products_alone(sizes)
        print(f"  products alone, a whole epoch under XLA: {ceiling:,.0f} samples/s ({ceiling * flops / 1e9:.0f} GFLOP/s)")
        for way, rate in (("tfmlp", steady_tfmlp(lab_id)), ("TF1 way", steady_tf1(lab_id))):
            print(
                f"  {way} steady epoch: {rate:,.0f} samples/s"
                f" ({rate * flops / 1e9:.0f} GFLOP/s, {rate / ceiling:.0%} of the products alone)"
            )


def training_flops(sizes: list[int]) -> float:
    """Products of one sample's forward and backward pass: 2 FLOP per multiply-add; the backward pass
    multiplies twice per layer (gradients of weights and of inputs) but needs no gradient of the images."""
    layers = list(zip(sizes, sizes[1:]))
    forward = sum(fan_in * fan_out for fan_in, fan_out in layers)
    return 2 * (3 * forward - sizes[0] * sizes[1])


def product_peak(width: int, dtype: str, xla: bool, chain: int = 50) -> float:
    """GFLOP/s of `chain` chained (100 x width) by (width x width) products, fastest of 5 runs of 20."""
    import tensorflow as tf

    start = tf.cast(tf.random.normal([BATCH, width]), dtype)
    weights = [tf.cast(tf.random.normal([width, width]) / width**0.5, dtype) for _ in range(chain)]

    @tf.function(jit_compile=xla)
    def products(tensor: Any) -> Any:
        for weight in weights:
            tensor = tf.matmul(tensor, weight)
        return tensor

    products(start).numpy()
    best = min(_seconds(lambda: [products(start) for _ in range(20)][-1].numpy()) for _ in range(5))
    return 2 * BATCH * width * width * chain * 20 / best / 1e9


def products_alone(sizes: list[int]) -> float:
    """Samples/s of an epoch of forward and backward products (ReLU between), under XLA, best of 3."""
    import tensorflow as tf

    weights = [tf.Variable(tf.random.normal([fan_in, fan_out]) * 0.05) for fan_in, fan_out in zip(sizes, sizes[1:])]
    images = tf.random.uniform([STEPS, BATCH, sizes[0]])

    @tf.function(jit_compile=True)
    def epoch() -> Any:
        def one_batch(step: Any, total: Any) -> tuple[Any, Any]:
            with tf.GradientTape() as tape:
                hidden = images[step]
                for index, weight in enumerate(weights):
                    hidden = tf.matmul(hidden, weight)
                    if index < len(weights) - 1:
                        hidden = tf.nn.relu(hidden)
                total_out = tf.reduce_sum(hidden)
            gradients = tape.gradient(total_out, weights)
            return step + 1, total + tf.add_n([tf.reduce_sum(gradient) for gradient in gradients])

        return tf.while_loop(lambda step, total: step < STEPS, one_batch, [tf.constant(0), tf.constant(0.0)])[1]

    epoch().numpy()
    return BATCH * STEPS / min(_seconds(lambda: epoch().numpy()) for _ in range(3))


def steady_tfmlp(lab_id: str) -> float:
    """Samples/s of tfmlp's second epoch of the step."""
    import keras

    import labs
    from tfmlp.data import load_mnist
    from tfmlp.seeding import seed_globally
    from tfmlp.training import fit_and_evaluate

    class EpochClock(keras.callbacks.Callback):
        seconds: list[float] = []

        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            self.started = time.perf_counter()

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            self.seconds.append(time.perf_counter() - self.started)

    lab = labs.get_lab(lab_id)
    config = lab.config.with_training(epochs=3)
    clock = EpochClock()
    seed_globally(config.train.seed, deterministic_ops=config.train.deterministic)
    fit_and_evaluate(lambda: lab.build_model(config), load_mnist(BATCH, config.train.seed), config.train, callbacks=[clock])
    return STEPS * BATCH / min(clock.seconds[1:])


def steady_tf1(lab_id: str) -> float:
    """Samples/s of the TF1 way's second epoch of the step."""
    import tensorflow as tf
    from tf1_lab import Arrays, build_graph, train

    import labs
    from tfmlp.data import read_mnist

    config = labs.get_lab(lab_id).config
    arrays = read_mnist()
    ours = Arrays(*((split.images, split.labels) for split in (arrays.train, arrays.validation, arrays.test)))
    with tf.Graph().as_default(), tf.compat.v1.Session() as session:
        graph = build_graph(config.model, config.train.learning_rate, config.train.seed)
        session.run(tf.compat.v1.global_variables_initializer())
        seconds = [train(session, graph, ours, 1, epoch, report_cost=False) for epoch in range(3)]
    return STEPS * BATCH / min(seconds[1:])


def _seconds(work: Any) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
