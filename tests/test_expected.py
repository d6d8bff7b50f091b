"""Expected accuracies: measured distributions, and the bands the accuracy tests assert from them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import labs
from tfmlp.expected import MIN_RUNS, ExpectedAccuracy, Measured

README = Path(__file__).resolve().parent.parent / "README.md"
MEASURED_STEPS = ["10-1", "10-2", "10-3", "10-4", "10-5", "10-7", "10-8", "10-X1"]


def test_the_band_is_the_pooled_mean_plus_minus_four_sigma_rounded_outwards() -> None:
    """Two machines' four runs each, 0.970 to 0.984 in steps of 0.002: mean 0.977, std 0.002 x sqrt(6)."""
    runs = (Measured("A", 1, (0.970, 0.972, 0.974, 0.976)), Measured("B", 1, (0.978, 0.980, 0.982, 0.984)))
    expected = ExpectedAccuracy("python cli.py lab 10-0 --seeds 4", runs)
    assert expected.mean == pytest.approx(0.977) and expected.std == pytest.approx(0.002 * 6**0.5)
    assert expected.band() == (0.9574, 0.9966)  # 0.957404..., 0.996596...
    assert expected.band(sigmas=1) == (0.9721, 0.9819)  # 0.972101..., 0.981899...


def test_too_few_runs_make_no_band() -> None:
    """Three runs' standard deviation is too rough: a ±4σ band of them would miss one correct run in 13."""
    few = ExpectedAccuracy("python cli.py lab 10-0 --seeds 3", (Measured("A", 1, (0.97, 0.98, 0.99)),))
    assert not few.has_band and MIN_RUNS > 3
    with pytest.raises(ValueError, match=r"^3 runs of `python cli.py lab 10-0 --seeds 3` are too few for a band; measure at least"):
        few.band()
    assert few.describe() == "0.9800 ± 0.0100 over 3 runs, 1 kind of CPU kernels"


@pytest.mark.parametrize("lab_id", MEASURED_STEPS)
def test_every_step_is_measured_over_eight_seeds_on_two_cpus(lab_id: str) -> None:
    expected = labs.get_lab(lab_id).expected
    assert expected is not None and f"lab {lab_id}" in expected.command
    full = [run for run in expected.runs if len(run.accuracies) >= 8]
    assert {run.cpu.split(",")[0] for run in full} >= {"AMD EPYC", "Intel Xeon"}
    for run in expected.runs:
        assert all(0.5 < accuracy < 1.0 for accuracy in run.accuracies)
    low, high = expected.band()
    assert 0.5 < low and high < 1.0, "a band reaching chance or certainty could not fail"


@pytest.mark.parametrize("lab_id", MEASURED_STEPS)
def test_every_measured_run_falls_in_the_band_of_the_others(lab_id: str) -> None:
    """What the accuracy tests rely on: a run the band was not made from falls inside it.

    A run always lies within (n - 1) / sqrt(n) standard deviations of the mean of its own sample
    (Samuelson's inequality), so up to 17 runs always fit their own ±4σ band and checking that
    says nothing. Each run against the band of the others can fail: an outlier, or a spread that
    the runs of one machine understate.
    """
    accuracies = labs.get_lab(lab_id).expected.accuracies
    assert len(accuracies) > MIN_RUNS
    for index, accuracy in enumerate(accuracies):
        others = ExpectedAccuracy("the others", (Measured("pooled", 0, tuple(accuracies[:index] + accuracies[index + 1 :])),))
        low, high = others.band()
        assert low <= accuracy <= high, f"run {index + 1} of {lab_id}, {accuracy:.4f}, is outside {others.describe()}"


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
