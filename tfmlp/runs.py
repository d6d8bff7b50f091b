"""The run directory: one folder per run, `runs/<lab>/<timestamp>/`, holding everything the run wrote.

    config.json    the hyperparameters, to replay the run
    metrics.json   the figures; written last, atomically, so its presence means the run finished
    logs/          TensorBoard event files (`tensorboard --logdir runs`)
    model.keras    the trained model
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
        return self.path / "logs"

    @property
    def model(self) -> Path:
        return self.path / "model.keras"

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
    raise FileExistsError(f"too many runs of {lab_id} named {stamp} in {parent}")


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write JSON atomically: a reader sees the old file or the whole new one, never half of it."""
    with tempfile.NamedTemporaryFile("w", dir=path.parent, suffix=".tmp", delete=False) as handle:
        json.dump(data, handle, indent=2)
        handle.write("\n")
    os.replace(handle.name, path)
