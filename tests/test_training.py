"""The wrapper: one call that places, compiles, trains and tests, on one device or mirrored over two."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import keras
import numpy as np
import pytest

import labs
from tfmlp.config import TrainConfig
from tfmlp.data import MnistArrays, make_datasets
from tfmlp.epoch_step import WholeEpochTrainer
from tfmlp.models import mlp
from tfmlp.plan import Machine
from tfmlp.seeding import seed_globally
from tfmlp.training import compile_model, fit_and_evaluate, place

REPOSITORY = Path(__file__).resolve().parent.parent


def test_fit_and_evaluate_trains_and_reports(small_mnist: MnistArrays) -> None:
    config = TrainConfig(epochs=2, batch_size=100)
    result = fit_and_evaluate(lambda: mlp([128]), make_datasets(small_mnist, 100, seed=777), config)
    assert result.test_accuracy > 0.85
    assert result.epochs == 2
    assert set(result.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert result.history["loss"][1] < result.history["loss"][0]
    assert result.samples_per_second == pytest.approx(2 * 5_000 / result.train_seconds)
    assert result.device == place().description  # "CPU (...)" on a CPU, "GPU 0 (...)" on a GPU
    assert "model" not in result.metrics()
    json.dumps(result.metrics())


@pytest.mark.skipif(
    bool(Machine.this().gpus),
    reason="without --deterministic, same-seed reruns are bit-identical on a CPU machine only (README, Reproduce): a GPU's "
    "reductions may add in any order; with --deterministic, tests/test_reliability.py checks it on any machine",
)
@pytest.mark.parametrize("lab_id", ["10-1", "10-2", "10-3", "10-4", "10-5", "10-7", "10-8"])
def test_the_same_seed_gives_bit_identical_weights_on_one_machine(lab_id: str, small_mnist: MnistArrays) -> None:
    """Every single-model step, without --deterministic, with and without XLA, with and without dropout."""
    lab = labs.get_lab(lab_id)
    config = lab.config.with_training(epochs=1)

    def seeded_run() -> keras.Model:
        seed_globally(config.train.seed)
        return fit_and_evaluate(lambda: lab.build_model(config), make_datasets(small_mnist, 100, config.train.seed), config.train).model

    first, second = seeded_run(), seeded_run()
    for before, after in zip(first.get_weights(), second.get_weights(), strict=True):
        np.testing.assert_array_equal(before, after)


def test_an_unknown_optimizer_is_refused() -> None:
    with pytest.raises(
        ValueError, match="optimizer must be one of sgd, momentum, adagrad, adadelta, rmsprop, adam, adamax, nadam, got 'adamw'"
    ):
        compile_model(mlp([8]), TrainConfig(optimizer="adamw"))


@pytest.mark.slow
def test_mirrored_over_two_logical_cpus_learns_like_one_device() -> None:
    """The multi-device path, on this machine: TensorFlow must split the CPU before it starts, so in a child."""
    script = textwrap.dedent(
        """
        import json
        import tensorflow as tf
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        from tfmlp.config import TrainConfig
        from tfmlp.data import MnistArrays, Split, make_datasets, read_mnist
        from tfmlp.models import mlp
        from tfmlp.seeding import seed_globally
        from tfmlp.training import fit_and_evaluate, place

        full = read_mnist()
        head = lambda split, size: Split(split.images[:size], split.labels[:size])
        data = MnistArrays(head(full.train, 10_000), head(full.validation, 1_000), head(full.test, 2_000))

        def train(placement):
            seed_globally(777)
            return fit_and_evaluate(lambda: mlp([256, 256]), make_datasets(data, 100, 777), TrainConfig(epochs=2), placement=placement)

        mirrored = place(["/cpu:0", "/cpu:1"])
        one, two = train(place()), train(mirrored)
        print(json.dumps({"replicas": mirrored.strategy.num_replicas_in_sync, "device": two.device,
                          "one_device": one.test_accuracy, "two_devices": two.test_accuracy}))
        """
    )
    completed = subprocess.run([sys.executable, "-c", script], cwd=REPOSITORY, capture_output=True, text=True, timeout=600, check=False)
    assert completed.returncode == 0, completed.stderr[-3000:]
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    assert report["replicas"] == 2
    assert "MirroredStrategy" in report["device"]
    assert report["two_devices"] > 0.9
    assert report["two_devices"] == pytest.approx(report["one_device"], abs=0.015)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("localhost", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_a_two_worker_cluster_on_localhost_learns_like_one_device() -> None:
    """MultiWorkerMirroredStrategy from TF_CONFIG, as README tells users to start it: one process per worker."""
    script = textwrap.dedent(
        """
        import json
        from tfmlp.config import TrainConfig
        from tfmlp.data import MnistArrays, Split, make_datasets, read_mnist
        from tfmlp.models import mlp
        from tfmlp.seeding import seed_globally
        from tfmlp.training import fit_and_evaluate, place

        placement = place()  # first: the cluster must be joined before any other TensorFlow work
        full = read_mnist()
        head = lambda split, size: Split(split.images[:size], split.labels[:size])
        data = MnistArrays(head(full.train, 10_000), head(full.validation, 1_000), head(full.test, 2_000))
        seed_globally(777)
        result = fit_and_evaluate(lambda: mlp([256, 256]), make_datasets(data, 100, 777), TrainConfig(epochs=2),
                                  placement=placement)
        print(json.dumps({"device": result.device, "accuracy": result.test_accuracy}))
        """
    )
    workers = [f"localhost:{_free_port()}" for _ in range(2)]

    def start(index: int | None) -> subprocess.Popen[str]:
        environment = dict(os.environ)
        if index is not None:
            environment["TF_CONFIG"] = json.dumps({"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}})
        return subprocess.Popen(
            [sys.executable, "-c", script], cwd=REPOSITORY, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )

    def report(process: subprocess.Popen[str]) -> dict[str, Any]:
        stdout, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, stderr[-3000:]
        return json.loads(stdout.strip().splitlines()[-1])

    chief, other = start(0), start(1)
    cluster = [report(chief), report(other)]
    alone = report(start(None))
    assert all(worker["device"].startswith("2 workers") for worker in cluster)
    assert cluster[0]["accuracy"] == cluster[1]["accuracy"]  # one model, mirrored on both workers
    assert cluster[0]["accuracy"] > 0.9
    assert cluster[0]["accuracy"] == pytest.approx(alone["accuracy"], abs=0.015)


def test_the_keras_internals_that_the_multi_worker_trainer_overrides_are_still_there() -> None:
    """`tfmlp.multi_worker` works around two code paths of Keras's `fit` (keras-team/keras#20585): a
    release that changes them fails here at once, and in the two-worker test above."""
    import inspect

    from tfmlp.multi_worker import MultiWorkerTrainer

    def parameters(method: object) -> list[tuple[str, object]]:
        return [(parameter.name, parameter.default) for parameter in inspect.signature(method).parameters.values()]

    assert parameters(keras.Model._maybe_symbolic_build) == [("self", inspect.Parameter.empty), ("iterator", None), ("data_batch", None)]
    assert parameters(MultiWorkerTrainer._maybe_symbolic_build) == parameters(keras.Model._maybe_symbolic_build)
    assert "self._maybe_symbolic_build(iterator=epoch_iterator)" in inspect.getsource(keras.Model.fit)
    keras_tensorflow_trainer = inspect.getmodule(keras.Model.make_train_function)
    assert 'reduction="auto"' in inspect.getsource(keras_tensorflow_trainer)  # a step's results, reduced as...
    assert 'strategy.reduce("MEAN", v, axis=0)' in inspect.getsource(keras_tensorflow_trainer.reduce_per_replica)  # ...along axis 0


@pytest.mark.parametrize("xla", [True, False], ids=["xla", "no-xla"])
def test_the_train_function_is_traced_once(small_mnist: MnistArrays, xla: bool) -> None:
    """compile_model makes the optimizer's and the metric's variables, so tf.function needs no second trace."""
    model = compile_model(mlp([32], dropout_rate=0.3), TrainConfig(), xla=xla, steps_per_execution=1)
    assert model.jit_compile is True or not xla  # the "xla" case is compiled with XLA on any device
    traces: list[object] = []
    batch_step = model.train_step
    model.train_step = lambda batch: (traces.append(batch), batch_step(batch))[1]  # Python runs it only while tracing
    data = make_datasets(small_mnist, 100, seed=777)
    model.fit(data.epochs(0, 2), epochs=2, steps_per_epoch=data.steps_per_epoch, validation_data=data.validation, verbose=0)
    assert len(traces) == 1


def test_a_whole_epoch_per_call_trains_as_batch_by_batch_does(small_mnist: MnistArrays) -> None:
    """The same batches in the same order give the same weights, and the model itself trains batch by batch afterwards."""
    config = TrainConfig(epochs=2)
    keras.utils.set_random_seed(config.seed)
    data = make_datasets(small_mnist, 100, seed=config.seed)
    whole = compile_model(mlp([64], dropout_rate=0.3), config, steps_per_execution=1)
    whole.jit_compile = False  # no XLA on either side, on any device (Keras's "auto" takes it on a GPU): the same kernels
    trainer = WholeEpochTrainer(whole, *data.train_tensors)  # its loop compiled as the model asks: without XLA
    trainer.fit(data.epoch_orders(0, 2), epochs=2, steps_per_epoch=1, verbose=0)
    assert trainer._compiled_step.experimental_get_tracing_count() == 1
    keras.utils.set_random_seed(config.seed)
    batch_by_batch = compile_model(mlp([64], dropout_rate=0.3), config, steps_per_execution=1)
    batch_by_batch.jit_compile = False
    batch_by_batch.fit(data.epochs(0, 2), epochs=2, steps_per_epoch=data.steps_per_epoch, verbose=0)
    for ours, theirs in zip(whole.get_weights(), batch_by_batch.get_weights(), strict=True):
        np.testing.assert_allclose(ours, theirs, atol=1e-5)
    assert int(whole.optimizer.iterations) == 2 * data.steps_per_epoch  # the network's own optimizer stepped
    whole.fit(small_mnist.validation.images, small_mnist.validation.labels, batch_size=100, verbose=0)


@pytest.mark.slow
def test_a_second_run_loads_xla_s_compiled_program_and_trains_the_same_weights(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import sys
        import numpy as np
        from tfmlp.startup import start_tensorflow_quietly

        start_tensorflow_quietly()  # as cli.py starts it: with XLA's compile cache
        from tfmlp.config import TrainConfig
        from tfmlp.data import MnistArrays, Split, make_datasets, read_mnist
        from tfmlp.models import mlp
        from tfmlp.seeding import seed_globally
        from tfmlp.training import fit_and_evaluate

        mnist = read_mnist()
        small = MnistArrays(*(Split(split.images[:1_000], split.labels[:1_000]) for split in (mnist.train, mnist.validation, mnist.test)))
        seed_globally(777)
        batch_size = int(sys.argv[2])
        result = fit_and_evaluate(lambda: mlp([32], dropout_rate=0.3), make_datasets(small, batch_size, 777), TrainConfig(epochs=1))
        np.save(sys.argv[1], np.concatenate([weight.ravel() for weight in result.model.get_weights()]))
        """
    )
    environment = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "PYTHONPATH": str(REPOSITORY)}
    environment.pop("TF_XLA_FLAGS", None)  # this process's own, which names the user's cache
    entries = []
    for run, batch_size in (("first", 100), ("second", 100), ("batch_by_batch", 128)):  # 128 does not divide 1,000 images
        command = [sys.executable, "-c", script, str(tmp_path / run), str(batch_size)]
        subprocess.run(command, env=environment, check=True, capture_output=True)
        entries.append(sorted(path.name for path in (tmp_path / "cache" / "tfmlp" / "xla").rglob("*.pb")))
    assert len(entries[0]) == 1 and entries[1] == entries[0]  # compiled once, then loaded
    np.testing.assert_array_equal(np.load(tmp_path / "first.npy"), np.load(tmp_path / "second.npy"))
    assert len(entries[2]) == 3  # the training step for batches of 128 and for the last, of 104; nothing for validation or test


def test_six_models_in_a_row_warn_of_no_retracing_and_other_warnings_still_show(
    small_mnist: MnistArrays, caplog: pytest.LogCaptureFixture
) -> None:
    """An experiment trains six models one after the other: TensorFlow's retracing warning is expected there, and
    `cli.py`'s start of TensorFlow hides it."""
    import tensorflow as tf

    from tfmlp.startup import start_tensorflow_quietly

    start_tensorflow_quietly()
    data = make_datasets(small_mnist, 1000, seed=777)
    with caplog.at_level("WARNING"):
        for _ in range(7):
            fit_and_evaluate(lambda: mlp([16]), data, TrainConfig(epochs=1))
        tf.get_logger().warning("another warning")
    messages = [record.getMessage() for record in caplog.records]
    assert not [message for message in messages if "retracing" in message]
    assert "another warning" in messages


def test_a_cosine_schedule_warms_up_from_zero_peaks_and_decays_to_zero() -> None:
    from tfmlp.training import learning_rate

    schedule = learning_rate(TrainConfig(epochs=4, learning_rate=0.002, schedule="cosine", warmup_epochs=0.5), steps_per_epoch=100)
    rates = [float(schedule(step)) for step in (0, 25, 50, 225, 400)]  # warm-up 50 steps, decay over the other 350
    assert rates[0] == 0.0 and rates[1] == pytest.approx(0.001) and rates[2] == pytest.approx(0.002)
    assert rates[3] == pytest.approx(0.001, rel=1e-3) and rates[4] == pytest.approx(0.0, abs=1e-9)
    assert learning_rate(TrainConfig(learning_rate=0.01), steps_per_epoch=100) == 0.01  # the labs' constant


def test_weight_decay_and_the_weights_average_reach_the_optimizer() -> None:
    model = compile_model(mlp([8]), TrainConfig(weight_decay=0.01, ema=True))
    assert model.optimizer.weight_decay == pytest.approx(0.01) and model.optimizer.use_ema
    plain = compile_model(mlp([8]), TrainConfig())
    assert plain.optimizer.weight_decay is None and not plain.optimizer.use_ema
