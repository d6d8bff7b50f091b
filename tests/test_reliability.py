"""Reliability in real processes: interrupted runs resume and end as if uninterrupted, a killed or
damaged search resumes without repeating a finished trial, deterministic runs are bit-identical, a
diverging run stops and says so, runs never collide, a saved model is whole or absent."""

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

from tfmlp.runs import create_run_dir, write_model

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
    from tfmlp._tf import keras

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


# One-layer networks on big batches: a trial takes seconds.
TINY_SPACE = {"depth": [1, 1], "width": [64, 128], "optimizers": ["adam"], "batch_norm": [False], "batch_sizes": [500]}


def tune(folder: Path, max_trials: int) -> tuple[str, ...]:
    """The `tune` command of a small random search in `folder` (its space file written there)."""
    space = folder / "space.json"
    space.write_text(json.dumps(TINY_SPACE))
    return ("tune", "--tuner", "random", "--max-trials", str(max_trials), "--epochs", "1", "--space", str(space), "--logdir", str(folder / "search"))


def trial_lines(stdout: str) -> list[str]:
    """The trials a search ran, each as its hyperparameters ("trial: 1x64 relu ... batch 500")."""
    return [line.split(" -> ")[0] for line in stdout.splitlines() if line.startswith("trial: ")]


def tear(path: Path) -> None:
    """What a kill in the middle of keras-tuner's in-place write leaves: the first half of the file."""
    content = path.read_bytes()
    path.write_bytes(content[: len(content) // 2])


@pytest.fixture
def two_finished_trials(tmp_path: Path) -> tuple[Path, list[str]]:
    """A finished search of two trials in `tmp_path`, and the trials it ran."""
    code, stdout, stderr = finish(cli(*tune(tmp_path, 2)))
    assert code == 0, stderr
    assert "2 trials finished" in stdout
    return tmp_path, trial_lines(stdout)


def resume(folder: Path) -> tuple[list[str], list[str]]:
    """Continue the search in `folder` to 3 trials; the repair lines it printed, and the trials it ran."""
    code, stdout, stderr = finish(cli(*tune(folder, 3)))
    assert code == 0, stderr
    assert "Traceback" not in stdout + stderr
    assert "3 trials finished" in stdout
    state = folder / "search" / "search"
    return [line for line in stdout.splitlines() if line.startswith(str(state))], trial_lines(stdout)


@pytest.mark.slow
def test_a_killed_search_with_a_torn_oracle_resumes_without_repeating_finished_trials(tmp_path: Path) -> None:
    """A real kill, then the torn `oracle.json` it can leave, put there deterministically: the rerun
    of the same command repairs it and runs only what had not finished."""
    process = cli(*tune(tmp_path, 3))
    printed = []
    for line in process.stdout:
        if line.startswith("trial: "):
            printed.append(line.split(" -> ")[0])
            if len(printed) == 2:  # the first trial is recorded as finished by now; the second may not be yet
                process.send_signal(signal.SIGKILL)
                break
    assert finish(process)[0] == -signal.SIGKILL
    oracle = tmp_path / "search" / "search" / "oracle.json"
    tear(oracle)

    code, stdout, stderr = finish(cli(*tune(tmp_path, 3)))
    assert code == 0, stderr
    assert "Traceback" not in stdout + stderr
    (repair,) = [line for line in stdout.splitlines() if line.startswith(str(oracle))]
    kept = int(re.fullmatch(rf"{re.escape(str(oracle))} was damaged \(cut short\); rebuilt it from ([12]) finished trials?.*", repair)[1])
    rerun = trial_lines(stdout)
    assert printed[0] not in rerun, "a finished trial must not run again"
    assert len(rerun) == 3 - kept
    assert "3 trials finished" in stdout


@pytest.mark.slow
def test_a_torn_oracle_is_rebuilt_from_the_finished_trials(two_finished_trials: tuple[Path, list[str]]) -> None:
    folder, first = two_finished_trials
    oracle = folder / "search" / "search" / "oracle.json"
    tear(oracle)
    repairs, rerun = resume(folder)
    assert repairs == [f"{oracle} was damaged (cut short); rebuilt it from 2 finished trials"]
    assert len(rerun) == 1 and rerun[0] not in first, "the two finished trials must not run again"


@pytest.mark.slow
def test_a_torn_record_of_a_finished_trial_is_named_and_the_trial_runs_again(two_finished_trials: tuple[Path, list[str]]) -> None:
    folder, first = two_finished_trials
    state = folder / "search" / "search"
    tear(state / "trial_1" / "trial.json")
    repairs, rerun = resume(folder)
    assert repairs == [
        (
            f"{state / 'trial_1' / 'trial.json'} was damaged (cut short): trial 1 had finished, but its score is lost;"
            f" a new trial 1 runs in its place (the damaged folder is kept in {state / 'damaged' / 'trial_1'})"
        )
    ]
    assert len(rerun) == 2 and first[0] not in rerun, "trial 0 finished and is whole: it must not run again"
    assert (state / "damaged" / "trial_1" / "trial.json").is_file(), "nothing the search wrote is deleted"


@pytest.mark.slow
def test_a_torn_oracle_and_a_torn_trial_record_together_keep_the_whole_trial(two_finished_trials: tuple[Path, list[str]]) -> None:
    folder, first = two_finished_trials
    state = folder / "search" / "search"
    tear(state / "oracle.json")
    tear(state / "trial_1" / "trial.json")
    repairs, rerun = resume(folder)
    assert repairs == [
        (
            f"{state / 'trial_1' / 'trial.json'} was damaged (cut short): trial 1 runs again as a new trial"
            f" (the damaged folder is kept in {state / 'damaged' / 'trial_1'})"
        ),
        f"{state / 'oracle.json'} was damaged (cut short); rebuilt it from 1 finished trial",
    ]
    assert len(rerun) == 2 and first[0] not in rerun


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


def test_a_model_save_torn_midway_leaves_the_previous_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`best.keras` (and any model `write_model` saves) is the whole old file or the whole new one:
    here the save writes half a file and fails, as a full disk or a kill would leave it."""
    from tfmlp._tf import keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    path = tmp_path / "best.keras"
    write_model(model, path)
    whole = path.read_bytes()

    def cut_short(filepath: Path, *args: object, **kwargs: object) -> None:
        Path(filepath).write_bytes(whole[: len(whole) // 2])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(model, "save", cut_short)
    with pytest.raises(OSError):
        write_model(model, path)
    assert path.read_bytes() == whole
    assert list(tmp_path.iterdir()) == [path], "no half-written file is left behind"
    assert keras.saving.load_model(path).get_weights()[0].shape == (3, 2)
