"""keras-tuner search end to end on a slice of MNIST: table, saved model, replayable config, resume,
and a test split that plays no part in the selection."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import keras
import keras_tuner
import numpy as np
import pytest
import tensorflow as tf
from click.testing import CliRunner
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from cli import cli
from tfmlp.config import LabConfig
from tfmlp.data import MnistArrays, Split
from tfmlp.tuning import SearchSpace, load_space, search


@pytest.fixture(scope="module")
def tiny_mnist(mnist: MnistArrays) -> MnistArrays:
    """3,000 training and 500 validation images; test labels shifted by one, so every test answer a
    model gets right on real labels counts wrong here: a search that used the test split to select
    would show it."""

    def head(split: Split, size: int) -> Split:
        return Split(split.images[:size], split.labels[:size])

    test = head(mnist.test, 1_000)
    return MnistArrays(head(mnist.train, 3_000), head(mnist.validation, 500), Split(test.images, (test.labels + 1) % 10))


def test_a_tiny_search_saves_a_replayable_best(tiny_mnist: MnistArrays, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = search(tiny_mnist, tmp_path, tuner="random", max_trials=2, epochs=1, fresh=True)
    assert result.trials_run == 2
    assert capsys.readouterr().out.count("trial: ") == 2
    assert [row["val_accuracy"] for row in result.top] == sorted((row["val_accuracy"] for row in result.top), reverse=True)
    assert result.top[0]["val_accuracy"] > 0.5 and all(row["seconds"] > 0 for row in result.top)
    assert result.test_accuracy < 0.2  # scored on the shifted labels: selection never saw them

    reloaded = keras.models.load_model(tmp_path / "best.keras")
    images = tiny_mnist.validation.images[:50]
    np.testing.assert_array_equal(reloaded.predict(images, verbose=0).argmax(1), result.best_model.predict(images, verbose=0).argmax(1))
    assert LabConfig.load(tmp_path / "best.json") == result.best_config

    trial_logs = EventAccumulator(str(tmp_path / "logs" / "0" / "execution0"))
    trial_logs.Reload()
    assert "_hparams_/session_start_info" in trial_logs.Tags()["tensors"]


def test_a_search_resumes_where_it_stopped(tiny_mnist: MnistArrays, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    search(tiny_mnist, tmp_path, max_trials=1, epochs=1, fresh=True)
    capsys.readouterr()
    resumed = search(tiny_mnist, tmp_path, max_trials=2, epochs=1)
    assert resumed.trials_run == 2
    assert capsys.readouterr().out.count("trial: ") == 1
    fresh = search(tiny_mnist, tmp_path, max_trials=1, epochs=1, fresh=True)
    assert fresh.trials_run == 1


def test_a_deadline_ends_the_search_cleanly(tiny_mnist: MnistArrays, tmp_path: Path) -> None:
    result = search(tiny_mnist, tmp_path, max_trials=50, epochs=2, max_minutes=0.001, fresh=True)
    assert result.trials_run == 1
    assert (tmp_path / "best.keras").exists()


@pytest.mark.parametrize("tuner", ["bayesian", "hyperband"])
def test_every_tuner_runs(tuner: str, tiny_mnist: MnistArrays, tmp_path: Path) -> None:
    result = search(tiny_mnist, tmp_path, tuner=tuner, max_trials=2, epochs=2, fresh=True)
    assert result.trials_run >= 1 and result.top[0]["val_accuracy"] > 0.5


def test_the_best_config_replays_as_a_lab(tiny_mnist: MnistArrays, tmp_path: Path) -> None:
    result = search(tiny_mnist, tmp_path / "search", max_trials=1, epochs=1, fresh=True)
    replay = CliRunner().invoke(
        cli, ["lab", "custom", "--config", str(tmp_path / "search" / "best.json"), "--epochs", "1", "--logdir", str(tmp_path / "runs")]
    )
    assert replay.exit_code == 0, replay.output
    (run,) = (tmp_path / "runs" / "custom").iterdir()
    replayed = LabConfig.load(run / "config.json")
    assert replayed.model == result.best_config.model
    assert replayed.train == result.best_config.train


def test_a_search_space_file_changes_only_the_fields_it_names(tmp_path: Path) -> None:
    path = tmp_path / "space.json"
    path.write_text('{"depth": [2, 3], "optimizers": ["adam"]}')
    space = load_space(str(path))
    assert space.depth == (2, 3) and space.optimizers == ("adam",)
    assert space.width == SearchSpace().width
    assert load_space("course").optimizers == ("adam",)


def test_the_beyond_space_draws_augmentation_schedule_weight_decay_and_epochs() -> None:
    from tfmlp.tuning import SPACES, describe

    drawn = []
    for seed in range(12):
        hp = keras_tuner.HyperParameters()
        hp.Float("augmentation", 0.0, 1.5, step=0.25, default=[0.0, 0.5, 1.0, 1.5][seed % 4])
        hp.Choice("schedule", ["constant", "cosine"], default=["constant", "cosine"][seed % 2])
        hp.Float("elastic_alpha", 0.0, 40.0, step=8.0, default=[0.0, 16.0, 40.0][seed % 3])
        drawn.append(SPACES["beyond"].draw(hp, epochs=5, seed=777))
    assert sorted({round(config.model.augment_shift, 6) for config in drawn}) == [0.0, 0.05, 0.1, 0.15]
    assert sorted({config.model.augment_elastic_alpha for config in drawn}) == [0.0, 16.0, 40.0]
    elastic = next(config for config in drawn if config.model.augment_elastic_alpha == 16.0)
    assert "elastic 16" in describe(elastic) and elastic.model.augments
    assert {config.train.schedule for config in drawn} == {"constant", "cosine"}
    assert all(8 <= config.train.epochs <= 20 and 0.0 <= config.train.weight_decay <= 0.05 for config in drawn)
    cosine = next(config for config in drawn if config.train.schedule == "cosine" and config.model.augments)
    assert (
        cosine.train.warmup_epochs == min(1.0, cosine.train.epochs / 10)
        and "cosine" in describe(cosine)
        and "augmentation" in describe(cosine)
    )
    assert "augmentation" not in describe(load_space("default").draw(keras_tuner.HyperParameters(), epochs=5, seed=777))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"depth": 3}', "depth must be [low, high], got 3"),
        ('{"depth": ["a", 3]}', "depth[0] must be an integer ≥ 1, got 'a'"),
        ('{"depth": [4, 2]}', "depth must be [low, high] with low ≤ high, got [4, 2]"),
        ('{"width": [0, 64]}', "width[0] must be an integer ≥ 1, got 0"),
        ('{"dropout_rate": [0, 1.5]}', "dropout_rate[1] must be a number in [0, 1), got 1.5"),
        ('{"learning_rate": [0, 0.1]}', "learning_rate[0] must be a number > 0, got 0"),
        ('{"activations": []}', "activations must be a non-empty list, got []"),
        ('{"activations": ["relu", "swishy"]}', "activations[1] must be a Keras activation name such as relu"),
        ('{"initializers": ["glorot"]}', "initializers[0] must be one of normal, small_normal, truncated_normal, xavier"),
        ('{"optimizers": ["adamw"]}', "optimizers[0] must be one of sgd, momentum, adagrad, adadelta, rmsprop, adam"),
        ('{"batch_norm": ["yes"]}', "batch_norm[0] must be true or false, got 'yes'"),
        ('{"batch_sizes": [100, 60000]}', "batch_sizes[1] must be an integer from 1 to 55000 (the training set's size), got 60000"),
        ('{"width": [64, 10000000]}', "the search space's largest network needs about"),
        ('{"schedules": ["linear"]}', "schedules[0] must be one of constant, cosine, got 'linear'"),
        ('{"augmentation": [0, 5]}', "augmentation[1] must be a number in [0, 4], got 5"),
        ('{"epochs": [0, 3]}', "epochs[0] must be an integer ≥ 1, got 0"),
        ('{"depths": [1, 2]}', "has keys no search space has: depths"),
        ('["depth"]', "must hold a JSON object of search space fields, got list"),
    ],
)
def test_a_bad_search_space_is_one_line_and_exit_code_2(content: str, message: str, tmp_path: Path) -> None:
    """Every field is checked for type and range before anything is built; the line names the field."""
    path = tmp_path / "space.json"
    path.write_text(content)
    result = CliRunner().invoke(cli, ["tune", "--space", str(path), "--logdir", str(tmp_path / "search")])
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0, result.output
    assert result.output.startswith(f"Error: {path}") and message in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "search").exists(), "a refused search space must leave no search behind"


def test_trials_train_a_whole_epoch_per_call_as_lab_does(tiny_mnist: MnistArrays, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tfmlp import training

    whole_epochs: list[int] = []
    real = training.WholeEpochTrainer

    def counted(model: keras.Model, images: tf.Tensor, *rest: object) -> keras.Model:
        whole_epochs.append(len(images) // 100)  # batches per epoch
        return real(model, images, *rest)

    monkeypatch.setattr(training, "WholeEpochTrainer", counted)
    space = SearchSpace(depth=(1, 1), width=(64, 64), batch_norm=(False,), batch_sizes=(100,))
    search(tiny_mnist, tmp_path, tuner="random", max_trials=2, epochs=1, fresh=True, space=space)
    assert whole_epochs == [30, 30]  # one compiled call per epoch of 3,000 images (30 batches), in each of the two trials


@pytest.mark.slow
def test_a_search_from_the_command_line_prints_nothing_but_its_own_lines(tmp_path: Path) -> None:
    """What a learner sees of `cli.py tune`: a line per trial and the table, no TensorFlow or keras-tuner noise."""
    repository = Path(__file__).resolve().parent.parent
    command = [sys.executable, "cli.py", "tune", "--max-trials", "2", "--epochs", "1", "--logdir", str(tmp_path / "search")]
    done = subprocess.run(command, cwd=repository, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
    assert done.returncode == 0, done.stdout
    expected = ("trial: ", "2 trials finished.", "trial  val acc", "    0 ", "    1 ", "Best model's test accuracy", "Saved ")
    assert all(line.startswith(expected) for line in done.stdout.splitlines() if line), done.stdout
    assert sum(line.startswith("trial: ") for line in done.stdout.splitlines()) == 2


@pytest.mark.slow
def test_a_chief_and_two_workers_search_together_on_localhost(tmp_path: Path) -> None:
    """keras-tuner's distributed mode through `cli.py tune`: the workers share the trials, each runs
    once, everything lands in one search folder, and the chief alone tests and saves the best model."""
    import json
    import socket

    repository = Path(__file__).resolve().parent.parent
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    space = tmp_path / "space.json"
    space.write_text(json.dumps({"depth": [1, 2], "width": [64, 128], "batch_norm": [False]}))
    folder = tmp_path / "search"
    command = [sys.executable, "cli.py", "tune", "--max-trials", "4", "--epochs", "1", "--space", str(space), "--logdir", str(folder)]

    def start(tuner_id: str) -> subprocess.Popen:
        environment = {
            **os.environ,
            "KERASTUNER_TUNER_ID": tuner_id,
            "KERASTUNER_ORACLE_IP": "127.0.0.1",
            "KERASTUNER_ORACLE_PORT": str(port),
        }
        return subprocess.Popen(command, cwd=repository, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    chief = start("chief")
    time.sleep(5)  # the chief's oracle listens before the workers ask it for trials
    workers = [start(f"tuner{index}") for index in range(2)]
    outputs = {
        name: process.communicate(timeout=600)[0] for name, process in (("tuner0", workers[0]), ("tuner1", workers[1]), ("chief", chief))
    }
    assert all(process.returncode == 0 for process in (chief, *workers)), outputs

    trial_lines = [line for name in ("tuner0", "tuner1") for line in outputs[name].splitlines() if line.startswith("trial: ")]
    assert len(trial_lines) == 4, outputs  # every trial ran, and ran once
    trials = [json.loads(path.read_text()) for path in (folder / "search").glob("trial_*/trial.json")]
    assert len(trials) == 4 and all(trial["status"] == "COMPLETED" for trial in trials)
    assert len({trial["trial_id"] for trial in trials}) == 4
    assert "4 trials finished" in outputs["chief"] and "Best model's test accuracy" in outputs["chief"]
    assert all("Saved" not in outputs[name] and "This worker is done" in outputs[name] for name in ("tuner0", "tuner1"))
    assert (folder / "best.keras").is_file() and json.loads((folder / "best.json").read_text())["lab"] == "custom"
    assert sorted(path.name for path in folder.iterdir()) == ["best.json", "best.keras", "logs", "search"]  # one search folder
