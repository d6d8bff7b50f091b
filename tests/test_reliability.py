"""Reliability in real processes: interrupted runs resume and end as if uninterrupted, deterministic
runs are bit-identical, a diverging run stops and says so, runs never collide."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from tfmlp.runs import create_run_dir

REPOSITORY = Path(__file__).resolve().parent.parent
# Small and quick, with dropout so that the random generators' state must survive the interruption too.
SMALL = {"model": {"widths": [64], "kernel_init": "xavier", "bias_init": "zeros", "dropout_rate": 0.3}, "train": {"epochs": 4}}


def cli(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-u", "cli.py", *args],
        cwd=REPOSITORY,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    stdout, stderr = process.communicate(timeout=600)
    return process.returncode, stdout, stderr


def epochs_printed(stdout: str) -> list[int]:
    return [int(number) for number in re.findall(r"^Epoch: (\d{4}) cost", stdout, re.MULTILINE)]


def weights(run: Path) -> list[np.ndarray]:
    import keras

    return keras.saving.load_model(run / "model.keras").get_weights()


def only_run(folder: Path) -> Path:
    (run,) = (folder / "custom").iterdir()
    return run


@pytest.fixture(scope="module")
def small_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("config") / "small.json"
    path.write_text(json.dumps(SMALL))
    return path


@pytest.fixture(scope="module")
def uninterrupted(small_config: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference: the small run, deterministic, from start to end."""
    runs = tmp_path_factory.mktemp("uninterrupted")
    code, stdout, stderr = finish(cli("lab", "custom", "--config", str(small_config), "--deterministic", "--logdir", str(runs)))
    assert code == 0, stderr
    assert epochs_printed(stdout) == [1, 2, 3, 4]
    return only_run(runs)


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=["ctrl-c", "sigterm", "kill"])
def test_an_interrupted_run_resumes_and_ends_as_if_uninterrupted(
    stop: signal.Signals, small_config: Path, uninterrupted: Path, tmp_path: Path
) -> None:
    process = cli("lab", "custom", "--config", str(small_config), "--deterministic", "--logdir", str(tmp_path))
    for line in process.stdout:
        if line.startswith("Epoch: 0001"):
            process.send_signal(stop)
            break
    code, _, stderr = finish(process)
    run = only_run(tmp_path)
    assert not (run / "metrics.json").exists(), "an interrupted run must not look finished"
    done = json.loads((run / "checkpoint" / "state.json").read_text())["epochs_done"]
    assert 1 <= done < 4
    if stop == signal.SIGKILL:
        assert code == -signal.SIGKILL
    else:
        assert code == 130
        assert stderr.strip().splitlines()[-1] == (
            f"Interrupted after {done} of 4 epochs; the run is kept in {run}. Continue it with: python cli.py lab custom --resume {run}"
        )
        assert "Traceback" not in stderr

    code, stdout, stderr = finish(cli("lab", "custom", "--resume", "--logdir", str(tmp_path)))  # the newest unfinished run
    assert code == 0, stderr
    assert f"Resuming {run} after epoch {done}" in stdout
    assert epochs_printed(stdout) == list(range(done + 1, 5)), "finished epochs must not run again"
    resumed, reference = (json.loads((folder / "metrics.json").read_text()) for folder in (run, uninterrupted))
    assert resumed["test_accuracy"] == reference["test_accuracy"]
    assert resumed["history"]["loss"] == reference["history"]["loss"]
    for mine, theirs in zip(weights(run), weights(uninterrupted), strict=True):
        np.testing.assert_array_equal(mine, theirs)
    assert not (run / "checkpoint").exists(), "a finished run drops its checkpoint"


@pytest.mark.slow
def test_a_killed_search_resumes_without_repeating_finished_trials(tmp_path: Path) -> None:
    space = tmp_path / "space.json"  # one-layer networks on big batches: a trial takes seconds
    space.write_text(json.dumps({"depth": [1, 1], "width": [64, 128], "optimizers": ["adam"], "batch_norm": [False], "batch_sizes": [500]}))
    command = ("tune", "--tuner", "random", "--max-trials", "3", "--epochs", "1", "--space", str(space), "--logdir", str(tmp_path / "search"))
    process = cli(*command)
    printed = []
    for line in process.stdout:
        if line.startswith("trial: "):
            printed.append(line.split(" -> ")[0])
            if len(printed) == 2:  # the first trial is recorded by now, the second may not be
                process.send_signal(signal.SIGKILL)
                break
    assert finish(process)[0] == -signal.SIGKILL

    code, stdout, stderr = finish(cli(*command))
    assert code == 0, stderr
    rerun = [line.split(" -> ")[0] for line in stdout.splitlines() if line.startswith("trial: ")]
    assert printed[0] not in rerun, "a finished trial must not run again"
    assert 1 <= len(rerun) <= 2
    assert "3 trials finished" in stdout


@pytest.mark.slow
def test_deterministic_runs_give_bit_identical_weights(small_config: Path, uninterrupted: Path, tmp_path: Path) -> None:
    code, _, stderr = finish(cli("lab", "custom", "--config", str(small_config), "--deterministic", "--logdir", str(tmp_path)))
    assert code == 0, stderr
    config = json.loads((only_run(tmp_path) / "config.json").read_text())
    assert config["train"]["deterministic"] is True
    for mine, theirs in zip(weights(only_run(tmp_path)), weights(uninterrupted), strict=True):
        np.testing.assert_array_equal(mine, theirs)


def test_a_diverging_run_stops_and_is_marked_failed(tmp_path: Path) -> None:
    sgd = tmp_path / "sgd.json"
    sgd.write_text(json.dumps({"model": {"widths": [256, 256], "kernel_init": "xavier"}, "train": {"optimizer": "sgd"}}))
    args = ("lab", "custom", "--config", str(sgd), "--learning-rate", "10", "--epochs", "3", "--logdir", str(tmp_path))
    code, stdout, stderr = finish(cli(*args))
    assert code == 1
    assert stderr.strip().splitlines()[-1] == (
        "Error: training diverged: the loss became nan in epoch 1 (is the learning rate too large?);"
        " the run is marked diverged in its metrics.json"
    )
    assert "Traceback" not in stderr and "Learning Finished!" not in stdout
    run = only_run(tmp_path)
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["status"] == "diverged" and metrics["epoch"] == 1
    assert not (run / "model.keras").exists()


def test_runs_started_in_the_same_second_never_collide(tmp_path: Path) -> None:
    folders: list[Path] = []
    threads = [threading.Thread(target=lambda: folders.append(create_run_dir("10-4", tmp_path).path)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(folders)) == 8
    assert all(folder.is_dir() and not any(folder.iterdir()) for folder in folders)
