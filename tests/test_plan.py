"""The plan on every kind of machine, the machine faked: what `lab` would compile, and where, and in what precision."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfmlp.callbacks import CompilationReport
from tfmlp.config import ConfigError, TrainConfig
from tfmlp.data import MnistArrays, make_datasets
from tfmlp.models import mlp, softmax_regression
from tfmlp.plan import Machine, Plan, choose_plan
from tfmlp.seeding import seed_globally
from tfmlp.training import Placement, build_and_compile, compile_model, train_epochs, trains_whole_epochs

AVX512 = frozenset({"avx2", "avx512f"})
AVX512_BF16 = AVX512 | {"avx512_bf16"}  # the AMD EPYC measured: bfloat16 products only 1.2-1.8x float32
AMX = AVX512_BF16 | {"amx_bf16", "amx_tile"}  # the Intel Xeon measured: 3-4x
H100 = "NVIDIA H100 80GB HBM3"


def on(machine: Machine) -> Placement:
    """A placement on one device of a faked machine."""
    return Placement(tf.distribute.get_strategy(), "a faked machine", machine)


@pytest.mark.parametrize(
    "flags", [frozenset(), frozenset({"avx2"}), AVX512, AVX512_BF16], ids=["no-flags", "avx2", "avx512", "avx512-bf16"]
)
def test_a_cpu_without_amx_trains_float32_under_xla_a_whole_epoch_per_call(flags: frozenset[str]) -> None:
    assert choose_plan(Machine(flags)) == Plan("one device", (), xla=True, precision="float32")
    assert choose_plan(Machine(flags)).whole_epochs


def test_a_cpu_with_amx_multiplies_in_bfloat16_through_onednn_not_xla() -> None:
    plan = choose_plan(Machine(AMX))
    assert plan == Plan("one device", (), xla=False, precision="bfloat16")  # XLA does not use AMX
    assert not plan.whole_epochs


def test_the_users_precision_wins_on_any_cpu() -> None:
    assert choose_plan(Machine(AMX), precision="float32") == Plan("one device", (), xla=True, precision="float32")
    assert choose_plan(Machine(AVX512), precision="bfloat16") == Plan("one device", (), xla=False, precision="bfloat16")


def test_determinism_turns_xla_off() -> None:
    assert choose_plan(Machine(AVX512_BF16), deterministic=True) == Plan("one device", (), xla=False, precision="float32")


def test_one_gpu_leaves_xla_to_keras_and_stays_float32_even_beside_amx() -> None:
    assert choose_plan(Machine(AMX, gpus=(H100,))) == Plan("one device", (), xla=False, precision="float32")


def test_several_gpus_are_mirrored() -> None:
    plan = choose_plan(Machine(AVX512, gpus=(H100, H100, H100)))
    assert plan == Plan("mirrored", ("/gpu:0", "/gpu:1", "/gpu:2"), xla=False, precision="float32")


def test_named_devices_are_mirrored_and_one_named_device_is_one_device() -> None:
    assert choose_plan(Machine(AVX512), devices=("/cpu:0", "/cpu:1")) == Plan(
        "mirrored", ("/cpu:0", "/cpu:1"), xla=False, precision="float32"
    )
    assert choose_plan(Machine(AVX512), devices=("/cpu:0",)).distribution == "one device"


@pytest.mark.parametrize("gpus", [(), (H100, H100)], ids=["cpus", "gpus"])
def test_a_cluster_trains_multi_worker_without_xla(gpus: tuple[str, ...]) -> None:
    assert choose_plan(Machine(AMX, gpus=gpus, cluster_workers=3), precision="float32") == Plan(
        "multi-worker", (), xla=False, precision="float32"
    )


def test_this_machine_counts_the_workers_of_tf_config(monkeypatch: pytest.MonkeyPatch) -> None:
    cluster = {"cluster": {"worker": ["localhost:1", "localhost:2"]}, "task": {"type": "worker", "index": 0}}
    monkeypatch.setenv("TF_CONFIG", json.dumps(cluster))
    assert Machine.this().cluster_workers == 2
    monkeypatch.delenv("TF_CONFIG")
    assert Machine.this().cluster_workers == 0


def test_a_precision_outside_the_three_is_refused_by_name() -> None:
    with pytest.raises(ConfigError, match="precision must be one of auto, float32, bfloat16, got 'float16'"):
        TrainConfig(precision="float16")


def test_bfloat16_multiplies_in_bfloat16_and_keeps_float32_weights_and_logits(small_mnist: MnistArrays) -> None:
    config = TrainConfig(precision="bfloat16")
    data = make_datasets(small_mnist, 100, config.seed)
    model = build_and_compile(lambda: mlp([64, 64], dropout_rate=0.3, batch_norm=True), data, config, on(Machine(AVX512_BF16)))
    assert keras.config.dtype_policy().name == "float32"  # the policy was for this model only
    assert [layer.compute_dtype for layer in model.layers if isinstance(layer, keras.layers.Dense)] == ["bfloat16", "bfloat16", "float32"]
    assert {weight.dtype for weight in model.weights} == {"float32"}
    assert model(small_mnist.test.images[:5]).dtype == "float32"


def test_bfloat16_learns_as_float32_does(small_mnist: MnistArrays) -> None:
    """2 epochs of 5,000 images: float32 validates at 0.818 on the AMD EPYC, bfloat16 at 0.821."""
    accuracies = {}
    for precision in ("float32", "bfloat16"):
        config = TrainConfig(epochs=2, precision=precision, deterministic=True)  # no XLA for either
        seed_globally(config.seed)  # the same initial weights for both
        data = make_datasets(small_mnist, 100, config.seed)
        model = build_and_compile(lambda: mlp([64, 64], dropout_rate=0.3), data, config, on(Machine(AVX512_BF16)))
        lines: list[str] = []
        history = train_epochs(model, data, 0, 2, [CompilationReport(lines.append)])
        products = "float32" if precision == "float32" else "bfloat16 products (float32 weights)"
        xla = "with" if Machine.this().gpus else "without"  # the plan leaves XLA to Keras's "auto", which takes the real device's
        assert lines[0] == f"Compiled {xla} XLA, {products}, 50 batches per call"
        assert history.history["loss"][1] < history.history["loss"][0]
        accuracies[precision] = history.history["val_accuracy"][1]
    assert accuracies["bfloat16"] == pytest.approx(accuracies["float32"], abs=0.03)
    assert accuracies["bfloat16"] > 0.75


def test_float32_under_xla_trains_a_whole_epoch_per_call(small_mnist: MnistArrays) -> None:
    config = TrainConfig(epochs=1)
    data = make_datasets(small_mnist, 100, config.seed)
    model = build_and_compile(lambda: mlp([32], dropout_rate=0.3), data, config, on(Machine(AVX512)))
    assert trains_whole_epochs(model)
    lines: list[str] = []
    train_epochs(model, data, 0, 1, [CompilationReport(lines.append)])
    assert lines == ["Compiled with XLA, float32, 50 batches per call"]
    assert np.isfinite(model.evaluate(data.test, verbose=0)[0])


class PauseWatcher(keras.callbacks.Callback):
    """Asks training to return after batches 1, 2, 4 and 8 of each epoch, and notes where it did."""

    pauses = (1, 2, 4, 8)

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[int] = []

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self.seen.append(int(self.model.optimizer.iterations))


def test_pauses_return_inside_an_epoch_and_train_the_very_same_weights(small_mnist: MnistArrays) -> None:
    config = TrainConfig(epochs=2)
    data = make_datasets(small_mnist, 100, config.seed)
    watcher, lines, weights = PauseWatcher(), [], []
    for callbacks in ([], [watcher]):
        keras.utils.set_random_seed(config.seed)
        model = build_and_compile(lambda: mlp([32], dropout_rate=0.3), data, config, on(Machine(AVX512)))
        train_epochs(model, data, 0, 2, [CompilationReport(lines.append), *callbacks])
        weights.append(model.get_weights())
    assert watcher.seen == [1, 2, 4, 8, 50, 51, 52, 54, 58, 100]  # batches trained when each call returned
    for unpaused, paused in zip(*weights, strict=True):
        np.testing.assert_array_equal(unpaused, paused)
    assert lines == ["Compiled with XLA, float32, 50 batches per call", "Compiled with XLA, float32, a 50-batch epoch in 5 calls"]


def test_a_network_that_distorts_its_images_trains_whole_epochs_under_xla(small_mnist: MnistArrays) -> None:
    """The factories' distortions compile with XLA (`tfmlp.distortions`): `lab beyond` trains as the other steps do."""
    data = make_datasets(small_mnist, 100, 777)
    model = build_and_compile(
        lambda: mlp([16], augment_shift=0.1, augment_elastic_alpha=34.0), data, TrainConfig(epochs=1), on(Machine(AVX512))
    )
    assert trains_whole_epochs(model)
    history = train_epochs(model, data, 0, 1)
    assert history.history["loss"][0] > 0


def test_a_network_of_keras_random_image_layers_trains_without_xla_an_epoch_per_call_quietly(small_mnist: MnistArrays) -> None:
    """XLA cannot compile Keras's random image layers (in a model of one's own): the plan falls back to
    `steps_per_execution`, without Keras's warning."""
    import warnings

    def keras_distortions() -> keras.Model:
        image = [keras.layers.Reshape((28, 28, 1)), keras.layers.RandomTranslation(0.1, 0.1), keras.layers.Flatten()]
        return keras.Sequential([keras.Input((784,)), *image, keras.layers.Dense(10)])

    data = make_datasets(small_mnist, 100, 777)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Keras warns when asked for XLA on a model that has no XLA
        model = build_and_compile(keras_distortions, data, TrainConfig(epochs=1), on(Machine(AVX512)))
    assert model.jit_compile is False and model.steps_per_execution == data.steps_per_epoch
    assert not trains_whole_epochs(model)


def test_softmax_regression_has_nothing_to_multiply_in_bfloat16_and_keeps_xla_on_an_amx_cpu(small_mnist: MnistArrays) -> None:
    data = make_datasets(small_mnist, 100, 777)
    model = build_and_compile(lambda: softmax_regression(), data, TrainConfig(), on(Machine(AMX)))
    assert trains_whole_epochs(model)  # its one layer is the float32 logits
    deep = build_and_compile(lambda: mlp([32]), data, TrainConfig(), on(Machine(AMX)))
    assert not trains_whole_epochs(deep) and deep.steps_per_execution == 50


def test_compile_model_leaves_a_cpu_without_xla_unless_asked() -> None:
    assert compile_model(mlp([32]), TrainConfig(), xla=True).jit_compile is True
    assert compile_model(mlp([32]), TrainConfig()).jit_compile is bool(Machine.this().gpus)  # Keras's "auto": XLA on a GPU only
