"""TensorBoard: every run's logs hold the diagnostics, HParams and pictures, read back from the event files."""

from __future__ import annotations

import json
import math
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.plugins.hparams import plugin_data_pb2

import labs
from cli import cli
from tfmlp._tf import tf
from tfmlp.callbacks import HISTOGRAM_EXAMPLES, Diagnostics, dead_fraction
from tfmlp.config import TrainConfig
from tfmlp.data import MnistArrays, make_datasets, probe_batch
from tfmlp.models import mlp
from tfmlp.runs import create_run_dir, write_json
from tfmlp.training import fit_and_evaluate

REPOSITORY = Path(__file__).resolve().parent.parent


def read_tensors(folder: Path) -> dict[str, list[tuple[int, np.ndarray]]]:
    """Every tensor summary in one log folder (not its subfolders): tag -> [(step, value)]."""
    events = EventAccumulator(str(folder), size_guidance={"tensors": 0})
    events.Reload()
    return {
        tag: [(event.step, tf.make_ndarray(event.tensor_proto)) for event in events.Tensors(tag)]
        for tag in events.Tags()["tensors"]
    }


@pytest.fixture(scope="module")
def lab_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real two-epoch run of lab 10-3, made by the command itself in a process of its own, which ends
    without Python's teardown (`cli.py`): whatever these tests read was on disk when it exited."""
    root = tmp_path_factory.mktemp("runs")
    command = [sys.executable, "cli.py", "lab", "10-3", "--epochs", "2", "--logdir", str(root)]
    subprocess.run(command, cwd=REPOSITORY, check=True, capture_output=True)
    (run,) = (root / "10-3").iterdir()
    return run


def test_gradient_norms_for_every_layer_and_globally(lab_run: Path) -> None:
    diagnostics = read_tensors(lab_run / "logs" / "diagnostics")
    for layer in ("dense_1", "dense_2", "logits", "global"):
        values = diagnostics[f"gradient_norm/{layer}"]
        assert [step for step, _ in values] == [0, 1]
        assert all(math.isfinite(float(value)) and float(value) > 0 for _, value in values)
    layers = sum(float(value) ** 2 for tag, [(_, value), *_] in diagnostics.items() if tag.startswith("gradient_norm/") and not tag.endswith("global"))
    assert float(diagnostics["gradient_norm/global"][0][1]) == pytest.approx(math.sqrt(layers), rel=1e-5)


def test_dead_relu_fractions_histograms_and_speed(lab_run: Path) -> None:
    diagnostics = read_tensors(lab_run / "logs" / "diagnostics")
    for layer in ("relu_1", "relu_2"):
        assert all(0.0 <= float(value) <= 1.0 for _, value in diagnostics[f"dead_relu/{layer}"])
        histogram = diagnostics[f"activations/{layer}"][-1][1]
        assert histogram.ndim == 2 and histogram.shape[1] == 3 and histogram[:, 2].sum() == HISTOGRAM_EXAMPLES * 256
    assert float(diagnostics["samples_per_second"][0][1]) > 100


def test_keras_logs_losses_and_weight_histograms(lab_run: Path) -> None:
    train, validation = read_tensors(lab_run / "logs" / "train"), read_tensors(lab_run / "logs" / "validation")
    assert len(train["epoch_loss"]) == 2 and len(validation["epoch_accuracy"]) == 2
    assert float(train["epoch_learning_rate"][0][1]) == pytest.approx(0.001)
    assert {"nn_xavier/dense_1/kernel/histogram", "nn_xavier/logits/bias/histogram"} <= set(train)


def test_hparams_session_metrics_and_pictures(lab_run: Path) -> None:
    root = read_tensors(lab_run / "logs")
    events = EventAccumulator(str(lab_run / "logs"))
    events.Reload()
    start_info = events.SummaryMetadata("_hparams_/session_start_info").plugin_data.content
    hparams = plugin_data_pb2.HParamsPluginData.FromString(start_info).session_start_info.hparams
    assert hparams["lab"].string_value == "10-3"
    assert hparams["model.kernel_init"].string_value == "xavier"
    assert hparams["train.learning_rate"].number_value == pytest.approx(0.001)
    assert hparams["train.epochs"].number_value == 2
    metrics = json.loads((lab_run / "metrics.json").read_text())
    assert float(root["test/accuracy"][0][1]) == pytest.approx(metrics["test_accuracy"])
    for picture in ("test/misclassified", "test/confusion_matrix"):
        width, height, png = root[picture][0][1]
        assert int(width) > 100 and int(height) > 100 and png.startswith(b"\x89PNG")


def test_a_deep_sigmoid_net_starves_its_first_layer(small_mnist: MnistArrays, tmp_path: Path) -> None:
    probe = probe_batch(small_mnist.validation)
    fit_and_evaluate(
        lambda: mlp([256] * 6, activation="sigmoid", bias_init="zeros"),
        make_datasets(small_mnist, 100, seed=777),
        TrainConfig(epochs=1),
        callbacks=[Diagnostics(tmp_path, *probe, samples_per_epoch=len(small_mnist.train))],
    )
    norms = read_tensors(tmp_path)
    assert float(norms["gradient_norm/dense_1"][0][1]) * 10 < float(norms["gradient_norm/logits"][0][1])


def test_dead_fraction_counts_units_silent_for_the_whole_batch() -> None:
    outputs = tf.constant([[0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 2.0, 0.0]])
    assert dead_fraction(outputs) == 0.5


def test_runs_lists_newest_first_and_filters_by_lab(tmp_path: Path) -> None:
    for lab_id, accuracy in [("10-2", 0.9447), ("10-4", 0.9804), ("10-4", None)]:
        run = create_run_dir(lab_id, tmp_path)
        write_json(run.config, {"lab": lab_id, **labs.get_lab(lab_id).config.to_dict()})
        if accuracy is not None:
            write_json(run.metrics, {"test_accuracy": accuracy, "train_seconds": 12.5})
    rows = CliRunner().invoke(cli, ["runs", "--logdir", str(tmp_path)]).output.splitlines()
    assert rows[0].split()[:4] == ["lab", "started", "accuracy", "seconds"]
    assert [row.split()[0] for row in rows[1:]] == ["10-4", "10-4", "10-2"]
    assert "unfinished" in rows[1] and "0.9804" in rows[2] and "hidden 512x512x512x512" in rows[2]
    only = CliRunner().invoke(cli, ["runs", "--logdir", str(tmp_path), "--lab", "10-2"]).output.splitlines()
    assert len(only) == 2 and "0.9447" in only[1]


def test_runs_of_an_unknown_lab_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["runs", "--logdir", str(tmp_path), "--lab", "10-99"])
    assert result.exit_code == 2 and result.output.startswith("Error: unknown lab '10-99'")


def test_tensorboard_serves_on_localhost_and_stops_on_ctrl_c(lab_run: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("localhost", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "cli.py", "tensorboard", "--logdir", str(lab_run.parent.parent), "--port", str(port)],
        cwd=REPOSITORY, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline, status = time.monotonic() + 90, None
        while time.monotonic() < deadline and status is None:
            try:
                status = urllib.request.urlopen(f"http://localhost:{port}/data/runs", timeout=2).status
            except OSError:
                time.sleep(0.5)
        assert status == 200
    finally:
        server.send_signal(signal.SIGINT)
        output, _ = server.communicate(timeout=30)
    assert server.returncode == 0, output
    assert f"at http://localhost:{port}/" in output and "TensorBoard stopped." in output
    assert "Traceback" not in output


def test_a_missing_tensorboard_is_said_plainly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tensorboard", None)
    result = CliRunner().invoke(cli, ["tensorboard"])
    assert result.exit_code == 2
    assert result.output.strip() == "Error: the tensorboard package is missing: pip install tensorboard"
