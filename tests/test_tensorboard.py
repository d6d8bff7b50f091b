"""TensorBoard: every run's logs hold the diagnostics, HParams and pictures, read back from the event files."""

from __future__ import annotations

import json
import math
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import keras_tuner
import numpy as np
import pytest
import tensorflow as tf
from click.testing import CliRunner
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.compat.proto import summary_pb2
from tensorboard.plugins.hparams import api_pb2, plugin_data_pb2

import labs
from cli import cli
from tfmlp.callbacks import HISTOGRAM_EXAMPLES, Diagnostics
from tfmlp.config import TrainConfig
from tfmlp.data import MnistArrays, make_datasets, probe_batch
from tfmlp.diagnostics import dead_fraction
from tfmlp.files import write_json
from tfmlp.models import mlp
from tfmlp.runs import create_run_dir
from tfmlp.seeding import seed_globally
from tfmlp.summaries import experiment_summary, flat_hparams
from tfmlp.training import fit_and_evaluate
from tfmlp.tuning import SPACES, SearchSpace

REPOSITORY = Path(__file__).resolve().parent.parent


def read_tensors(folder: Path) -> dict[str, list[tuple[int, np.ndarray]]]:
    """Every tensor summary in one log folder (not its subfolders): tag -> [(step, value)]."""
    events = EventAccumulator(str(folder), size_guidance={"tensors": 0})
    events.Reload()
    return {tag: [(event.step, tf.make_ndarray(event.tensor_proto)) for event in events.Tensors(tag)] for tag in events.Tags()["tensors"]}


@dataclass(frozen=True)
class LabRun:
    folder: Path
    output: str  # what the learner saw: stdout and stderr together


@pytest.fixture(scope="module")
def lab_run(tmp_path_factory: pytest.TempPathFactory) -> LabRun:
    """A real two-epoch run of lab 10-3, made by the command itself in a process of its own, which ends
    without Python's teardown (`cli.py`): whatever these tests read was on disk when it exited."""
    root = tmp_path_factory.mktemp("runs")
    command = [sys.executable, "cli.py", "lab", "10-3", "--epochs", "2", "--logdir", str(root)]
    done = subprocess.run(command, cwd=REPOSITORY, check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    (run,) = (root / "10-3").iterdir()
    return LabRun(run, done.stdout)


def test_a_lab_prints_nothing_but_its_own_lines(lab_run: LabRun) -> None:
    expected = (
        "Lab 10-3:",
        "Run directory:",
        "Training on",
        "Compiled ",
        "Epoch: 000",
        "Learning Finished!",
        "Accuracy:",
        "Label:",
        "Prediction:",
        "Digit saved as",
    )
    lines = lab_run.output.splitlines()
    assert len(lines) == len(expected) + 1, lab_run.output  # two epoch lines
    assert all(line.startswith(expected) for line in lines), lab_run.output


def test_gradient_norms_at_initialization_through_the_first_epoch_and_per_epoch(lab_run: LabRun) -> None:
    diagnostics = read_tensors(lab_run.folder)
    dense_first_epoch = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
    for layer in ("dense_1", "dense_2", "logits", "global"):
        values = diagnostics[f"gradient_norm/{layer}"]
        assert [step for step, _ in values] == [*dense_first_epoch, 550, 1100]  # batches trained
        assert all(math.isfinite(float(value)) and float(value) > 0 for _, value in values)
    layers = sum(
        float(value) ** 2
        for tag, [(_, value), *_] in diagnostics.items()
        if tag.startswith("gradient_norm/") and not tag.endswith("global")
    )
    assert float(diagnostics["gradient_norm/global"][0][1]) == pytest.approx(math.sqrt(layers), rel=1e-5)


def test_dead_relu_fractions_histograms_and_speed(lab_run: LabRun) -> None:
    diagnostics = read_tensors(lab_run.folder)
    for layer in ("relu_1", "relu_2", "all"):
        assert len(diagnostics[f"dead_relu/{layer}"]) == 13
        assert all(0.0 <= float(value) <= 1.0 for _, value in diagnostics[f"dead_relu/{layer}"])
    for layer in ("relu_1", "relu_2"):
        histogram = diagnostics[f"layer_outputs/{layer}"][-1][1]
        assert histogram.ndim == 2 and histogram.shape[1] == 3 and histogram[:, 2].sum() == HISTOGRAM_EXAMPLES * 256
    assert [step for step, _ in diagnostics["samples_per_second"]] == [550, 1100]
    assert float(diagnostics["samples_per_second"][0][1]) > 100


def test_keras_logs_losses_and_weight_histograms(lab_run: LabRun) -> None:
    train, validation = read_tensors(lab_run.folder / "train"), read_tensors(lab_run.folder / "validation")
    assert len(train["epoch_loss"]) == 2 and len(validation["epoch_accuracy"]) == 2
    assert float(train["epoch_learning_rate"][0][1]) == pytest.approx(0.001)
    assert {"nn_xavier/dense_1/kernel/histogram", "nn_xavier/logits/bias/histogram"} <= set(train)


def test_hparams_session_metrics_and_pictures(lab_run: LabRun) -> None:
    root = read_tensors(lab_run.folder)
    events = EventAccumulator(str(lab_run.folder))
    events.Reload()
    start_info = events.SummaryMetadata("_hparams_/session_start_info").plugin_data.content
    hparams = plugin_data_pb2.HParamsPluginData.FromString(start_info).session_start_info.hparams
    assert hparams["lab"].string_value == "10-3"
    assert hparams["model.kernel_init"].string_value == "xavier"
    assert hparams["train.learning_rate"].number_value == pytest.approx(0.001)
    assert hparams["train.epochs"].number_value == 2
    metrics = json.loads((lab_run.folder / "metrics.json").read_text())
    assert float(root["test/accuracy"][0][1]) == pytest.approx(metrics["test_accuracy"])
    for picture in ("test/misclassified", "test/confusion_matrix", "lessons/gradient_norm", "lessons/dead_relu", "lessons/loss"):
        width, height, png = root[picture][0][1]
        assert int(width) > 100 and int(height) > 100 and png.startswith(b"\x89PNG")


def declared_now() -> api_pb2.Experiment:
    """The HParams declaration as `experiment_summary` makes it, independently of any run."""
    content = summary_pb2.Summary.FromString(experiment_summary()).value[0].metadata.plugin_data.content
    return plugin_data_pb2.HParamsPluginData.FromString(content).experiment


def test_every_run_declares_the_same_experiment_with_test_accuracy_first(lab_run: LabRun) -> None:
    events = EventAccumulator(str(lab_run.folder))
    events.Reload()
    content = events.SummaryMetadata("_hparams_/experiment").plugin_data.content
    declared = plugin_data_pb2.HParamsPluginData.FromString(content).experiment
    assert [(metric.name.group, metric.name.tag) for metric in declared.metric_infos][:5] == [
        ("", "test/accuracy"),
        ("", "test/loss"),
        ("", "train/seconds"),
        ("", "train/samples_per_second"),
        ("validation", "epoch_accuracy"),
    ]
    assert declared == declared_now()  # TensorBoard applies any one run's declaration to all


def test_the_declaration_names_every_hyperparameter_that_runs_and_searches_log() -> None:
    declared = declared_now()
    config = labs.get_lab("10-4").config.to_dict()
    hp = keras_tuner.HyperParameters()
    SearchSpace().draw(hp, epochs=1, seed=1)
    SPACES["beyond"].draw(hp, epochs=1, seed=1)
    logged = {
        *flat_hparams({"lab": "10-4", **config}),
        *flat_hparams({"experiment": "activations", "variant": "relu", **config}),
        *hp.values,
    }
    assert logged <= {info.name for info in declared.hparam_infos}
    assert {info.name for info in declared.hparam_infos if info.differs} == {
        "lab",
        "variant",
        "model.widths",
        "model.kernel_init",
        "model.dropout_rate",
    }


def test_a_deep_sigmoid_net_starves_its_first_layer_from_initialization(small_mnist: MnistArrays, tmp_path: Path) -> None:
    probe = probe_batch(small_mnist.validation)
    data = make_datasets(small_mnist, 100, seed=777)
    seed_globally(777)
    fit_and_evaluate(
        lambda: mlp([256] * 6, activation="sigmoid", bias_init="zeros"),
        data,
        TrainConfig(epochs=1),
        callbacks=[Diagnostics(tmp_path, *probe, samples_per_epoch=data.train_size, steps_per_epoch=data.steps_per_epoch)],
    )
    norms = read_tensors(tmp_path)
    first, last = norms["gradient_norm/dense_1"], norms["gradient_norm/logits"]
    assert first[0][0] == 0 and [step for step, _ in first] == [0, 1, 2, 4, 8, 16, 32, 50]
    assert float(first[0][1]) * 100 < float(last[0][1])  # at initialization, before any step


def test_dead_fraction_counts_units_silent_for_the_whole_batch() -> None:
    outputs = tf.constant([[0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 2.0, 0.0]])
    assert float(dead_fraction(outputs)) == 0.5


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


def get(port: int, path: str, body: dict | None = None) -> bytes:
    """What a browser's page asks TensorBoard for: GET, or POST of a JSON body (the HParams dashboard)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"http://localhost:{port}/{path}", data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read()


def test_tensorboard_serves_what_the_dashboards_show_quietly_and_stops_on_ctrl_c(lab_run: LabRun) -> None:
    with socket.socket() as probe:
        probe.bind(("localhost", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "cli.py", "tensorboard", "--logdir", str(lab_run.folder.parent.parent), "--port", str(port)],
        cwd=REPOSITORY,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    run = f"10-3/{lab_run.folder.name}"
    try:
        deadline, runs = time.monotonic() + 90, None
        while time.monotonic() < deadline and runs is None:
            try:
                runs = json.loads(get(port, "data/runs"))
            except OSError:
                time.sleep(0.5)
        assert set(runs) == {run, f"{run}/train", f"{run}/validation"}
        for page in ("data/plugins_listing", "data/plugin/projector/runs", "data/plugin/graphs/info"):  # these import TensorFlow
            get(port, page)

        experiment = json.loads(get(port, "data/plugin/hparams/experiment", {"experimentName": ""}))
        assert [metric["name"]["tag"] for metric in experiment["metricInfos"]][:2] == ["test/accuracy", "test/loss"]
        groups = json.loads(
            get(
                port,
                "data/plugin/hparams/session_groups",
                {"experimentName": "", "allowedStatuses": ["STATUS_UNKNOWN"], "colParams": [], "startIndex": 0, "sliceSize": 10},
            )
        )
        (group,) = groups["sessionGroups"]
        accuracy = next(value["value"] for value in group["metricValues"] if value["name"]["tag"] == "test/accuracy")
        assert accuracy == pytest.approx(json.loads((lab_run.folder / "metrics.json").read_text())["test_accuracy"])

        scalars = json.loads(get(port, "data/plugin/scalars/tags"))
        assert {"gradient_norm/dense_1", "gradient_norm/logits", "dead_relu/relu_1", "test/accuracy"} <= set(scalars[run])
        assert {"epoch_loss", "epoch_accuracy"} <= set(scalars[f"{run}/validation"])
        images = json.loads(get(port, "data/plugin/images/tags"))
        assert {"lessons/gradient_norm", "lessons/dead_relu", "lessons/loss", "test/misclassified"} <= set(images[run])
        (picture,) = json.loads(get(port, f"data/plugin/images/images?run={urllib.parse.quote(run)}&tag=lessons%2Fgradient_norm"))
        assert get(port, f"data/plugin/images/individualImage?{picture['query']}").startswith(b"\x89PNG")
    finally:
        server.send_signal(signal.SIGINT)
        output, _ = server.communicate(timeout=30)
    assert server.returncode == 0, output
    assert output.splitlines() == [
        f"TensorBoard of {lab_run.folder.parent.parent} at http://localhost:{port}/ (Ctrl-C stops it)",
        "TensorBoard stopped.",
    ]


def test_a_missing_tensorboard_is_said_plainly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tensorboard", None)
    result = CliRunner().invoke(cli, ["tensorboard"])
    assert result.exit_code == 2
    assert result.output.strip() == "Error: the tensorboard package is missing: pip install tensorboard"
