"""End to end on the real MNIST: every step, with its default config, lands in the original's band.

Each test trains a step exactly as `python cli.py lab ID` does (15 epochs, batch 100, Adam 0.001,
seed 777), through the same run function, and checks the saved metrics.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import labs
from tfmlp.runner import RunOptions

BANDS = {
    "10-1": (0.89, 1.0),
    "10-2": (0.935, 0.955),
    "10-3": (0.975, 1.0),
    "10-4": (0.972, 1.0),
    "10-5": (0.978, 1.0),
    "10-7": (0.980, 1.0),
}


@pytest.mark.parametrize("lab_id", sorted(BANDS))
def test_the_step_reproduces_the_original_accuracy(lab_id: str, tmp_path: Path) -> None:
    result = labs.get_lab(lab_id).run(options=RunOptions(runs_root=tmp_path))
    low, high = BANDS[lab_id]
    assert low <= result.test_accuracy <= high
    (run,) = (tmp_path / lab_id).iterdir()
    assert json.loads((run / "metrics.json").read_text())["test_accuracy"] == result.test_accuracy
