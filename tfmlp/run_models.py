"""A finished run's saved model: loaded after checking that its file is whole, and tested again.

The application's side of `tfmlp.inference`: it knows the run folders (`tfmlp.runs`), where the
core reads pictures with any model it is given. `cli.py predict` and `evaluate` and the draw page
load runs' models here.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import keras

from tfmlp.data import MnistArrays, make_datasets
from tfmlp.distortions import RandomDistortion
from tfmlp.files import DamagedFile, read_json
from tfmlp.language import message
from tfmlp.runs import RunDir

# tfmlp's own layers that saved models hold (`lab beyond`'s distortions), found by name in any program that loads runs.
CUSTOM_LAYERS = {"RandomDistortion": RandomDistortion}


def load_run_model(run_dir: str | Path) -> keras.Model:
    """The trained model of a finished lab run, loaded in safe mode (no code from the file runs).

    Args:
        run_dir: the run's folder, e.g. `runs/10-4/20261124-120000`.

    Returns:
        The compiled model (its outputs are logits).

    Example:
        >>> model = load_run_model("runs/10-4/20261124-120000")

    Raises:
        ValueError: `run_dir` holds no `model.keras` (not a run, or a run that did not finish);
            `DamagedFile`: its `model.keras` is not whole.
    """
    path = RunDir(Path(run_dir)).model
    if not path.is_file():
        raise ValueError(message("inference.no_model", run=run_dir))
    _check_archive(path)
    return keras.saving.load_model(path, safe_mode=True, custom_objects=CUSTOM_LAYERS)


def _check_archive(path: Path) -> None:
    """Refuse a `.keras` file (a zip archive) that is not whole, before Keras reads it: Keras calls a
    truncated one "File not found". Every member's CRC-32 is checked."""
    try:
        with zipfile.ZipFile(path) as archive:
            broken = archive.testzip()
    except zipfile.BadZipFile:
        raise DamagedFile(path, message("inference.not_whole_model")) from None
    except OSError as error:
        raise DamagedFile.unreadable(path, error) from None
    if broken is not None:
        raise DamagedFile(path, message("inference.member_checksum", member=broken))


@dataclass(frozen=True)
class Evaluation:
    """A saved run's test accuracy computed again, beside the one its `metrics.json` recorded."""

    test_accuracy: float
    recorded_accuracy: float
    test_size: int

    @property
    def matches(self) -> bool:
        """The same number of test images right (float noise below one image is not a difference)."""
        return abs(self.test_accuracy - self.recorded_accuracy) * self.test_size < 0.5


def evaluate_run(run_dir: str | Path, arrays: MnistArrays) -> Evaluation:
    """Test a finished run's saved model again on the test split.

    Raises:
        ValueError: not a finished lab run; `DamagedFile`: its metrics.json, config.json or
            model.keras is damaged.
    """
    run = RunDir(Path(run_dir))
    model = load_run_model(run.path)
    if not run.metrics.is_file():
        raise ValueError(message("inference.no_metrics", run=run.path))
    recorded, config = read_json(run.metrics), read_json(run.config)
    try:
        recorded_accuracy = float(recorded["test_accuracy"])
    except (KeyError, TypeError, ValueError):
        raise DamagedFile(run.metrics, message("inference.no_accuracy")) from None
    try:
        batch_size, seed = config["train"]["batch_size"], config["train"]["seed"]
    except (KeyError, TypeError):
        raise DamagedFile(run.config, message("inference.no_batch_size_and_seed")) from None
    _, accuracy = model.evaluate(make_datasets(arrays, batch_size, seed).test, verbose=0)
    return Evaluation(float(accuracy), recorded_accuracy, len(arrays.test))
