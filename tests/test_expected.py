"""Expected accuracies: measured distributions, and the bands the accuracy tests assert from them."""

from __future__ import annotations

import re
import statistics
from pathlib import Path

import pytest

import labs
from tfmlp.expected import SIGMAS, ExpectedAccuracy, Measured

README = Path(__file__).resolve().parent.parent / "README.md"
MEASURED_STEPS = ["10-1", "10-2", "10-3", "10-4", "10-5", "10-7", "10-8", "10-X1"]


def test_the_band_is_the_pooled_mean_plus_minus_four_sigma_rounded_outwards() -> None:
    expected = ExpectedAccuracy("python cli.py lab 10-0 --seeds 3", (Measured("A", 1, (0.97, 0.98)), Measured("B", 1, (0.99,))))
    assert expected.mean == pytest.approx(0.98) and expected.std == pytest.approx(0.01)
    assert expected.band() == (0.94, 1.02)
    assert expected.band(sigmas=1.5) == (0.965, 0.995)
    assert SIGMAS == 4.0


@pytest.mark.parametrize("lab_id", MEASURED_STEPS)
def test_every_step_is_measured_over_eight_seeds_on_two_cpus(lab_id: str) -> None:
    expected = labs.get_lab(lab_id).expected
    assert expected is not None and f"lab {lab_id}" in expected.command
    full = [run for run in expected.runs if len(run.accuracies) >= 8]
    assert {run.cpu.split(",")[0] for run in full} >= {"AMD EPYC", "Intel Xeon"}
    for run in expected.runs:
        assert all(0.5 < accuracy < 1.0 for accuracy in run.accuracies)
    low, high = expected.band()
    assert low < min(expected.accuracies) and max(expected.accuracies) < high
    assert high - low == pytest.approx(2 * SIGMAS * statistics.stdev(expected.accuracies), abs=2e-4)


def test_neighbouring_steps_have_disjoint_bands_so_a_swapped_initializer_fails() -> None:
    """10-2 with Xavier weights is 10-3: above 10-2's band. 10-3 with random normal weights is 10-2: below 10-3's."""
    band = {lab_id: labs.get_lab(lab_id).expected.band() for lab_id in ("10-1", "10-2", "10-3")}
    assert band["10-1"][1] < band["10-2"][0]
    assert band["10-2"][1] < band["10-3"][0]


@pytest.mark.parametrize("lab_id", MEASURED_STEPS)
def test_the_readme_table_shows_the_band_the_test_asserts(lab_id: str) -> None:
    expected = labs.get_lab(lab_id).expected
    row = next(line for line in README.read_text().splitlines() if line.startswith(f"| {lab_id} |"))
    low, high = expected.band()
    assert f"{low:.4f} – {high:.4f}" in row, row
    assert re.search(rf"{expected.mean:.4f} ± {expected.std:.4f}", row), row
