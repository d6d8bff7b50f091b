"""Reliability in real processes: interrupted runs resume and end as if uninterrupted, a killed or
damaged search resumes without repeating a finished trial, deterministic runs are bit-identical, a
diverging run stops and says so, runs never collide, a saved model is whole or absent."""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from tfmlp.checkpoint import saved_epochs
from tfmlp.files import written_whole
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
    done = saved_epochs(run / "checkpoint")
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
    return (
        "tune",
        "--tuner",
        "random",
        "--max-trials",
        str(max_trials),
        "--epochs",
        "1",
        "--space",
        str(space),
        "--logdir",
        str(folder / "search"),
    )


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


# --- Damaged and torn files, a full disk ------------------------------------------------------------
# Every file a run wrote is read back checked: a damaged one is named on one line, the intact runs
# and epochs are still used, and nothing finished is deleted. A full disk ends a run on one line
# that says what could not be written and where the last complete epoch is.

# `cli.py` in a process whose checkpoint callback does one thing more once epoch AFTER is saved:
# the interruption or the full disk lands there, every time, not wherever a signal happens to.
STOPPED_AFTER_EPOCH = """
import runpy, sys
from tfmlp.startup import start_tensorflow_quietly
start_tensorflow_quietly()  # before the import below brings TensorFlow in, as cli.py's commands start it
from tfmlp import checkpoint
save = checkpoint.EpochCheckpoint.on_epoch_end
def on_epoch_end(self, epoch, logs=None):
    save(self, epoch, logs)
    if epoch + 1 == {after}:
        {then}
checkpoint.EpochCheckpoint.on_epoch_end = on_epoch_end
sys.argv[0] = "cli.py"
runpy.run_path("cli.py", run_name="__main__")
"""
# The most bytes a file may hold on the "full disk" (writes beyond fail with EFBIG, "File too large";
# CPython ignores SIGXFSZ): config.json and an epoch's TensorBoard logs fit, a checkpoint (600 kB) does not.
FULL = 100_000


def stopped_after_epoch(after: int, then: str, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    code = STOPPED_AFTER_EPOCH.format(after=after, then=then)
    return subprocess.Popen(
        [sys.executable, "-u", "-c", code, *args], cwd=REPOSITORY, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )


def full_disk_env() -> dict[str, str]:
    """XLA's cache of compiled programs (outside the run) writes too, on a cache miss: read-only here, so
    that the limit meets the run's own files whatever earlier tests compiled."""
    return {**os.environ, "TF_XLA_FLAGS": f"{os.environ.get('TF_XLA_FLAGS', '')} --tf_xla_persistent_cache_read_only=true"}


def limit_file_size(limit: int) -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def cut_short(path: Path) -> int:
    """Truncate `path` to half its size, as a copy or a disk cut short would; returns the size it had."""
    content = path.read_bytes()
    path.write_bytes(content[: len(content) // 2])
    return len(content)


def finished_run_files(folder: Path, lab_id: str, seed: int, accuracy: float) -> Path:
    """A run folder with the config.json and metrics.json a finished run of `lab_id` writes."""
    import labs

    folder.mkdir(parents=True)
    config = labs.get_lab(lab_id).config.with_training(seed=seed)
    (folder / "config.json").write_text(json.dumps({"lab": lab_id, **config.to_dict()}))
    metrics = {"lab": lab_id, "status": "finished", "test_accuracy": accuracy, "train_seconds": 9.0, "samples_per_second": 90_000.0,
               "device": "CPU", "epochs": 15}  # fmt: skip
    (folder / "metrics.json").write_text(json.dumps(metrics, indent=2))
    return folder


def test_runs_and_report_list_the_intact_runs_and_name_each_damaged_one(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cli import cli as command_line

    runs = tmp_path / "runs"
    finished_run_files(runs / "10-4" / "20261130-051500", "10-4", seed=1, accuracy=0.97)
    finished_run_files(runs / "10-4" / "20261130-051600", "10-4", seed=2, accuracy=0.98)
    damaged_metrics = finished_run_files(runs / "10-4" / "20261130-051700", "10-4", seed=3, accuracy=0.10) / "metrics.json"
    cut_short(damaged_metrics)
    damaged_config = finished_run_files(runs / "10-5" / "20261130-051800", "10-5", seed=1, accuracy=0.10) / "config.json"
    damaged_config.write_bytes(b"")
    notes = [
        f"{damaged_config} is damaged (empty): the run is left out",
        f"{damaged_metrics} is damaged (cut short): the run is left out",
    ]

    listed = CliRunner().invoke(command_line, ["runs", "--logdir", str(runs), "--format", "json"])
    assert listed.exit_code == 0, listed.output
    assert listed.stderr.splitlines() == notes
    assert sorted(run["test_accuracy"] for run in json.loads(listed.stdout)) == [0.97, 0.98]

    report = CliRunner().invoke(command_line, ["report", "--logdir", str(runs), "--output", str(tmp_path / "report")])
    assert report.exit_code == 0, report.output
    assert report.stderr.splitlines() == notes
    (row,) = [line for line in (tmp_path / "report" / "results.md").read_text().splitlines() if line.startswith("| 10-4 |")]
    assert "| 0.9750 ± 0.0071 |" in row and "| 2 |" in row, "the two intact runs, and only they"
    assert not list((tmp_path / "report").glob(".tmp-*"))


@pytest.mark.parametrize("damaged", ["metrics.json", "config.json", "model.keras"])
def test_evaluate_names_a_damaged_run_file_in_one_line(damaged: str, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cli import cli as command_line
    from tfmlp.models import softmax_regression

    run = finished_run_files(tmp_path / "10-1" / "20261130-051745", "10-1", seed=777, accuracy=0.90)
    softmax_regression().save(run / "model.keras")
    size = cut_short(run / damaged)
    problem = {
        "metrics.json": "cut short",
        "config.json": "cut short",
        "model.keras": "not a whole Keras model file: cut short or overwritten",
    }[damaged]
    result = CliRunner().invoke(command_line, ["evaluate", str(run)])
    assert result.exit_code == 2
    assert result.output.strip() == f"Error: {run / damaged} is damaged ({problem})"
    assert (run / damaged).stat().st_size == size // 2, "the damaged file is left as it was, for the user to look at"


def test_resume_names_a_damaged_config_json_in_one_line(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cli import cli as command_line

    run = tmp_path / "custom" / "20261130-051745"
    run.mkdir(parents=True)
    (run / "config.json").write_text('{"lab": "custom", "model": {"widths": [6')
    result = CliRunner().invoke(command_line, ["lab", "custom", "--resume", str(run)])
    assert result.exit_code == 2
    assert result.output.strip() == f"Error: {run / 'config.json'} is damaged (cut short): the run cannot be resumed"


@pytest.fixture(scope="module")
def interrupted_after_two(small_config: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small deterministic run, interrupted once its second epoch is saved."""
    runs = tmp_path_factory.mktemp("interrupted")
    args = ("lab", "custom", "--config", str(small_config), "--deterministic", "--logdir", str(runs))
    code, _, stderr = finish(stopped_after_epoch(2, "raise KeyboardInterrupt", *args))
    run = only_run(runs)
    assert code == 130
    assert stderr.strip().splitlines()[-1].startswith(f"Interrupted after 2 of 4 epochs; the run is kept in {run}.")
    return run


@pytest.mark.parametrize("torn", ["epoch-0002.weights.h5", "epoch-0002.json"], ids=["weights", "state"])
def test_resume_continues_from_the_intact_epoch_before_a_torn_checkpoint(
    torn: str, interrupted_after_two: Path, uninterrupted: Path, tmp_path: Path
) -> None:
    run = shutil.copytree(interrupted_after_two, tmp_path / "run")
    path = run / "checkpoint" / torn
    size = cut_short(path)
    problem = f"{size // 2:,} bytes where {size:,} were written" if torn.endswith(".h5") else "cut short"

    code, stdout, stderr = finish(cli("lab", "custom", "--resume", str(run)))
    assert code == 0, stderr
    assert f"Resuming {run} after epoch 1, the last intact one: {path} is damaged ({problem})" in stdout.splitlines()
    assert epochs_printed(stdout) == [2, 3, 4], "the torn epoch runs again, the intact one does not"
    resumed, reference = (json.loads((folder / "metrics.json").read_text()) for folder in (run, uninterrupted))
    assert resumed["resumed_from_epoch"] == 1
    assert resumed["history"]["loss"] == reference["history"]["loss"]
    for mine, theirs in zip(weights(run), weights(uninterrupted), strict=True):
        np.testing.assert_array_equal(mine, theirs)


def test_resume_refuses_in_one_line_when_every_saved_epoch_is_torn(interrupted_after_two: Path, tmp_path: Path) -> None:
    run = shutil.copytree(interrupted_after_two, tmp_path / "run")
    newest, older = (run / "checkpoint" / f"epoch-000{epoch}.weights.h5" for epoch in (2, 1))
    sizes = [cut_short(path) for path in (newest, older)]
    before = {path: path.read_bytes() for path in (run / "checkpoint").iterdir()}

    code, _, stderr = finish(cli("lab", "custom", "--resume", str(run)))
    assert code == 2
    assert stderr.strip() == (
        f"Error: no epoch in {run / 'checkpoint'} is intact: {newest} is damaged ({sizes[0] // 2:,} bytes where {sizes[0]:,} were written);"
        f" {older} is damaged ({sizes[1] // 2:,} bytes where {sizes[1]:,} were written);"
        f" start the run again with python cli.py lab custom --config {run / 'config.json'}"
    )
    assert {path: path.read_bytes() for path in (run / "checkpoint").iterdir()} == before, "nothing is deleted or overwritten"
    assert not (run / "metrics.json").exists()


@pytest.mark.parametrize(
    ("limit", "unwritten"),
    [(FULL, "{run}/checkpoint/epoch-0001.weights.h5"), (8_000, "the TensorBoard logs in {run}")],
    ids=["checkpoint", "tensorboard"],
)
def test_a_full_disk_ends_a_run_in_one_line_and_keeps_what_was_complete(
    limit: int, unwritten: str, small_config: Path, tmp_path: Path
) -> None:
    process = subprocess.Popen(
        [sys.executable, "-u", "cli.py", "lab", "custom", "--config", str(small_config), "--logdir", str(tmp_path)],
        cwd=REPOSITORY,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=full_disk_env(),
        preexec_fn=lambda: limit_file_size(limit),
    )
    code, stdout, stderr = finish(process)
    run = only_run(tmp_path)
    assert code == 2
    assert stderr.strip() == (
        f"Error: cannot write {unwritten.format(run=run)}: file too large; no epoch was complete; the run is kept in {run}:"
        f" free space and continue with python cli.py lab custom --resume {run}"
    )
    assert json.loads((run / "config.json").read_text())["train"]["epochs"] == 4
    assert not list(run.rglob("*.h5")) and not list(run.rglob(".tmp-*")), "no half-written file is left"
    assert epochs_printed(stdout) == []


@pytest.mark.slow
def test_a_disk_filling_up_mid_run_keeps_the_last_complete_epoch_to_resume_from(
    small_config: Path, uninterrupted: Path, tmp_path: Path
) -> None:
    fill = f"import resource; resource.setrlimit(resource.RLIMIT_FSIZE, ({FULL}, {FULL}))"
    args = ("lab", "custom", "--config", str(small_config), "--deterministic", "--logdir", str(tmp_path))
    code, stdout, stderr = finish(stopped_after_epoch(1, fill, *args, env=full_disk_env()))
    run = only_run(tmp_path)
    assert code == 2
    assert stderr.strip() == (
        f"Error: cannot write {run}/checkpoint/epoch-0002.weights.h5: file too large; the last complete epoch, 1, is kept in"
        f" {run}/checkpoint: free space and continue with python cli.py lab custom --resume {run}"
    )
    assert saved_epochs(run / "checkpoint") == 1
    assert not list(run.rglob(".tmp-*"))

    code, stdout, stderr = finish(cli("lab", "custom", "--resume", str(run)))
    assert code == 0, stderr
    assert epochs_printed(stdout) == [2, 3, 4]
    for mine, theirs in zip(weights(run), weights(uninterrupted), strict=True):
        np.testing.assert_array_equal(mine, theirs)


def test_a_model_save_torn_midway_leaves_the_previous_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`best.keras` and a run's `model.keras` (saved through `written_whole`) are the whole old file or
    the whole new one: here the save writes half a file and fails, as a full disk or a kill would leave it."""
    import keras

    def save(model: keras.Model, path: Path) -> None:
        with written_whole(path) as temporary:
            model.save(temporary)

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    path = tmp_path / "best.keras"
    save(model, path)
    whole = path.read_bytes()

    def cut_short(filepath: Path, *args: object, **kwargs: object) -> None:
        Path(filepath).write_bytes(whole[: len(whole) // 2])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(model, "save", cut_short)
    with pytest.raises(OSError):
        save(model, path)
    assert path.read_bytes() == whole
    assert list(tmp_path.iterdir()) == [path], "no half-written file is left behind"
    assert keras.saving.load_model(path).get_weights()[0].shape == (3, 2)
