"""The run directory: one folder per run, `runs/<lab>/<timestamp>/`, holding everything the run wrote.

    config.json    the hyperparameters, to replay the run
    metrics.json   the figures, or why the run failed; written last, so its presence means the run
                   ended ("status": "finished" or "diverged")
    events.out.*   TensorBoard: HParams, test figures, diagnostics and lessons (`cli.py tensorboard`);
    train/, validation/   Keras's own TensorBoard logs; an experiment has these per variant, in
                   `<variant>/`. In TensorBoard a run is named by its folder, `10-4/20261124-120000`.
    model.keras    the trained model
    checkpoint/    the last completed epochs while the run is going or interrupted (`lab --resume`)

Every file here is written whole or not at all (`tfmlp.files`), and read back checked: a damaged
run is named, and left out of listings, never hiding the intact ones.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tfmlp.files import DamagedFile, read_json
from tfmlp.language import message

DEFAULT_RUNS_ROOT = Path("runs")


@dataclass(frozen=True)
class RunDir:
    """Paths inside one run's folder."""

    path: Path

    @property
    def config(self) -> Path:
        return self.path / "config.json"

    @property
    def metrics(self) -> Path:
        return self.path / "metrics.json"

    @property
    def logs(self) -> Path:
        """TensorBoard's folder: the run's own, so TensorBoard names the run `10-4/20261124-120000`."""
        return self.path

    @property
    def model(self) -> Path:
        return self.path / "model.keras"

    @property
    def checkpoint(self) -> Path:
        return self.path / "checkpoint"

    def file(self, name: str) -> Path:
        """Any other file the run keeps, e.g. a figure."""
        return self.path / name


def create_run_dir(lab_id: str, root: str | Path = DEFAULT_RUNS_ROOT) -> RunDir:
    """Make a new, empty folder `root/lab_id/YYYYmmdd-HHMMSS[-N]` for one run.

    Two runs started in the same second get different folders: the name is claimed by `mkdir`,
    which fails if another run took it first.

    Args:
        lab_id: the step, e.g. "10-4".
        root: the runs folder.

    Returns:
        The new run directory.

    Raises:
        OSError: the folder cannot be created (e.g. `root` is not writable).

    Example:
        >>> run = create_run_dir("my-net")
        >>> model.save(run.model)
    """
    parent = Path(root) / lab_id
    parent.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for attempt in range(1000):
        path = parent / (stamp if attempt == 0 else f"{stamp}-{attempt}")
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return RunDir(path)
    raise FileExistsError(message("runs.too_many", lab=lab_id, stamp=stamp, folder=parent))


def resumable_run(root: str | Path, lab_id: str, path: Path | None = None) -> RunDir:
    """The interrupted run of `lab_id` to continue: `path`, or the newest unfinished one under `root`.

    Raises:
        ValueError: `path` is not an unfinished run of `lab_id` (or its config.json is damaged), or
            there is no unfinished run.
    """
    if path is None:
        unfinished = [run for run in list_runs(root, lab_id)[0] if run.status == "unfinished"]
        if not unfinished:
            raise ValueError(message("runs.nothing_to_resume", lab=lab_id, root=root))
        path = unfinished[0].path
    run = RunDir(path)
    if not run.config.is_file():
        raise ValueError(message("runs.not_a_run", path=path))
    try:
        lab = read_json(run.config).get("lab")
    except DamagedFile as error:
        raise ValueError(message("runs.cannot_resume_damaged", error=error)) from None
    if lab != lab_id:
        raise ValueError(message("runs.not_a_run_of", path=path, lab=lab_id))
    if run.metrics.is_file():
        raise ValueError(message("runs.already_ended", path=path, ended=_ended(run)))
    return run


@dataclass(frozen=True)
class RunSummary:
    """One past run, as `cli.py runs` lists it."""

    lab: str
    path: Path
    status: str  # "finished", "diverged", or "unfinished" (interrupted or still going)
    test_accuracy: float | None
    train_seconds: float | None
    hyperparameters: str

    def record(self) -> dict[str, Any]:
        """The summary as flat JSON-ready data (`runs --format csv|json`)."""
        return {
            "lab": self.lab,
            "started": self.started,
            "path": str(self.path),
            "status": self.status,
            "test_accuracy": self.test_accuracy,
            "train_seconds": self.train_seconds,
            "hyperparameters": self.hyperparameters,
        }

    @property
    def started(self) -> str:
        """ "2026-11-24 12:00:00", read from the folder's name."""
        stamp = self.path.name[:15]
        return f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]} {stamp[9:11]}:{stamp[11:13]}:{stamp[13:15]}"


@dataclass(frozen=True)
class SavedRun:
    """One run's folder with its config.json and metrics.json, read back and checked."""

    run: RunDir
    config: dict[str, Any]
    metrics: dict[str, Any]  # empty while the run is unfinished


def read_runs(root: str | Path = DEFAULT_RUNS_ROOT, lab_id: str | None = None) -> tuple[list[SavedRun], list[DamagedFile]]:
    """The runs under `root`, newest first, optionally of one lab only, and apart the damaged ones.

    Returns:
        The runs whose files are intact, and a `DamagedFile` (naming the file) per damaged run.
    """
    folders = (Path(root) / lab_id).glob("*") if lab_id else Path(root).glob("*/*")
    runs = [RunDir(folder) for folder in folders if (folder / "config.json").is_file()]
    # The folder's name holds the second it started; its config's time orders runs within a second.
    runs.sort(key=lambda run: (run.path.name[:15], run.config.stat().st_mtime_ns), reverse=True)
    intact, damaged = [], []
    for run in runs:
        try:
            intact.append(SavedRun(run, read_json(run.config), read_json(run.metrics) if run.metrics.is_file() else {}))
        except DamagedFile as error:
            damaged.append(error)
    return intact, damaged


def list_runs(root: str | Path = DEFAULT_RUNS_ROOT, lab_id: str | None = None) -> tuple[list[RunSummary], list[DamagedFile]]:
    """The runs under `root` as `cli.py runs` lists them, newest first, optionally of one lab only,
    and apart the damaged ones (`read_runs`).

    A run without `metrics.json` is listed as unfinished (interrupted, or still going).
    """
    intact, damaged = read_runs(root, lab_id)
    summaries = []
    for saved in intact:
        try:
            summaries.append(_summarize(saved))
        except DamagedFile as error:
            damaged.append(error)
    return summaries, damaged


def _summarize(saved: SavedRun) -> RunSummary:
    """The run's line in `cli.py runs`.

    Raises:
        DamagedFile: its config.json or metrics.json is JSON, but not what tfmlp writes there.
    """
    config, metrics = saved.config, saved.metrics
    experiment = "variants" in config  # several models: report the best
    try:
        lab = config["experiment"] if experiment else config["lab"]
        hyperparameters = "variants: " + ", ".join(config["variants"]) if experiment else describe_config(config)
    except (KeyError, TypeError, ValueError):
        raise DamagedFile(saved.run.config, message("runs.not_a_config")) from None
    variants = metrics.get("variants", [])
    try:
        accuracy = max(variant["test_accuracy"] for variant in variants) if variants else metrics.get("test_accuracy")
        seconds = sum(variant["train_seconds"] for variant in variants) if variants else metrics.get("train_seconds")
    except (KeyError, TypeError, ValueError):
        raise DamagedFile(saved.run.metrics, message("runs.not_figures")) from None
    return RunSummary(lab, saved.run.path, _status(metrics), accuracy, seconds, hyperparameters)


def _status(metrics: dict[str, Any]) -> str:
    return metrics.get("status", "finished") if metrics else "unfinished"  # runs before "status" existed finished


STATUS_WORDS = {"finished": "runs.finished", "diverged": "runs.diverged", "unfinished": "runs.unfinished"}


def status_in_words(status: str) -> str:
    """A run's status ("finished", "diverged", "unfinished") as a learner reads it; another as it is."""
    return message(STATUS_WORDS[status]) if status in STATUS_WORDS else status


def _ended(run: RunDir) -> str:
    """How a run with a metrics.json ended: finished, diverged, or that the file is damaged."""
    try:
        return status_in_words(_status(read_json(run.metrics)))
    except DamagedFile as error:
        return str(error)


def newest_finished_run(root: str | Path, lab_id: str) -> RunDir:
    """The newest run of `lab_id` under `root` that finished and kept its model (`predict 10-4 digit.png`).

    Raises:
        ValueError: there is none; the message says which command trains one.
    """
    for run in list_runs(root, lab_id)[0]:
        if run.status == "finished" and RunDir(run.path).model.is_file():
            return RunDir(run.path)
    raise ValueError(message("runs.no_finished_run", lab=lab_id, root=root))


def describe_config(config: dict[str, Any], seed: bool = True) -> str:
    """A run's saved configuration on one line: "hidden 256x256, relu, xavier, adam 0.001, batch 100, ..."."""
    model, train = config["model"], config["train"]
    widths = "x".join(str(width) for width in model["widths"])
    distortions = [model.get(f"augment_{kind}") for kind in ("shift", "rotation", "zoom")]
    described = [
        message("runs.hidden", widths=widths) if widths else message("runs.no_hidden"),
        model["activation"],
        model["kernel_init"],
        message("runs.dropout", rate=model["dropout_rate"]) if model["dropout_rate"] else "",
        message("runs.batch_norm") if model["batch_norm"] else "",
        message("runs.augmentation", shift=distortions[0], rotation=distortions[1], zoom=distortions[2]) if any(distortions) else "",
        message("runs.elastic", alpha=model["augment_elastic_alpha"], sigma=model["augment_elastic_sigma"])
        if model.get("augment_elastic_alpha")
        else "",
        f"{train['optimizer']} {train['learning_rate']}",
        message("runs.schedule", schedule=train["schedule"], count=train["warmup_epochs"])
        if train.get("schedule", "constant") != "constant"
        else "",
        message("runs.weight_decay", decay=train["weight_decay"]) if train.get("weight_decay") else "",
        message("runs.ema") if train.get("ema") else "",
        message("runs.loss", loss=train["loss"]) if train.get("loss", "cross_entropy") != "cross_entropy" else "",
        message("runs.max_seconds", seconds=train["max_seconds"]) if train.get("max_seconds") else "",
        message("runs.batch", size=train["batch_size"]),
        message("runs.steps", count=config["steps"]) if "steps" in config else message("runs.epochs", count=train["epochs"]),
        message("runs.seed", seed=train["seed"]) if seed else "",
    ]
    return ", ".join(part for part in described if part)
