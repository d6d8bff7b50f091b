"""Expected accuracies: measured distributions, and the bands the accuracy tests assert from them."""

from __future__ import annotations

import datetime
import statistics
import tomllib

import pytest

import labs
from tfmlp.expected import SIGMAS, ExpectedAccuracy, Measured, read_measured

MEASURED_STEPS = ["10-1", "10-2", "10-3", "10-4", "10-5", "10-7", "10-8", "10-X1"]


def test_the_band_is_the_pooled_mean_plus_minus_four_sigma_rounded_outwards() -> None:
    expected = ExpectedAccuracy("python cli.py lab 10-0", (Measured("A", 1, (0.97, 0.98)), Measured("B", 1, (0.99,))))
    assert expected.mean == pytest.approx(0.98) and expected.std == pytest.approx(0.01)
    assert expected.band() == (0.94, 1.02)
    assert expected.band(sigmas=1.5) == (0.965, 0.995)
    assert SIGMAS == 4.0


def test_a_run_that_repeats_another_machines_seed_by_seed_is_one_draw() -> None:
    first = Measured("A", 777, (0.97, 0.98, 0.99))
    copy, part_copy, other_seeds = Measured("B", 777, (0.97, 0.98, 0.99)), Measured("C", 778, (0.98,)), Measured("D", 779, (0.98,))
    other_kernels = Measured("A", 777, (0.97,), kernels=("oneDNN off",))
    expected = ExpectedAccuracy("python cli.py lab 10-0", (part_copy, first, copy, other_seeds, other_kernels))
    assert expected.draws == (first, other_seeds)  # the longer run stays, whichever is listed first
    assert expected.accuracies == [0.97, 0.98, 0.99, 0.98]
    assert not other_seeds.repeats(first) and not Measured("A", 778, (0.98,)).repeats(first)  # one setting: one run a seed


@pytest.mark.parametrize("lab_id", MEASURED_STEPS)
def test_every_step_is_measured_over_eight_seeds_on_two_cpus(lab_id: str) -> None:
    expected = labs.get_lab(lab_id).expected
    assert expected is not None and expected.command == f"python cli.py lab {lab_id}"
    full = [run for run in expected.runs if len(run.accuracies) >= 8]
    assert {run.cpu.split(",")[0] for run in full} >= {"AMD EPYC", "Intel Xeon"}
    every_run = [accuracy for run in expected.runs for accuracy in run.accuracies]  # copies too
    assert all(0.5 < accuracy < 1.0 for accuracy in every_run)
    low, high = expected.band()
    assert low < min(every_run) and max(every_run) < high
    assert high - low == pytest.approx(2 * SIGMAS * statistics.stdev(expected.accuracies), abs=2e-4)


def test_neighbouring_steps_have_disjoint_bands_so_a_swapped_initializer_fails() -> None:
    """10-2 with Xavier weights is 10-3: above 10-2's band. 10-3 with random normal weights is 10-2: below 10-3's."""
    band = {lab_id: labs.get_lab(lab_id).expected.band() for lab_id in ("10-1", "10-2", "10-3")}
    assert band["10-1"][1] < band["10-2"][0]
    assert band["10-2"][1] < band["10-3"][0]


def test_every_measured_run_is_a_steps_command_and_dated() -> None:
    ids = {lab.id for lab in labs.all_labs()}
    for run in tomllib.loads(labs.MEASURED.read_text(encoding="utf-8"))["run"]:
        assert run["step"] in ids and (run["command"] + " ").startswith(f"python cli.py lab {run['step']} "), run
        assert isinstance(run["date"], datetime.date) and run["first_seed"] >= 0, run


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[run]\nstep = 1", "measured.toml is not valid TOML: "),
        (
            '[cpus]\na = "A"\n[[run]]\nstep = "10-1"\ncommand = "c"\ncpu = "a"\nfirst_seed = 1\naccuracies = [0.9]',
            "measured.toml, run 1 (10-1) has no date",
        ),
        (
            '[cpus]\na = "A"\n[[run]]\nstep = "10-1"\ncommand = "c"\ncpu = "b"\nfirst_seed = 1\naccuracies = [0.9]\ndate = 2026-01-01',
            "measured.toml, run 1 (10-1) names 'b', which neither [cpus] nor [kernels] describes",
        ),
    ],
)
def test_a_damaged_file_of_measured_runs_is_refused_in_one_line(text: str, message: str) -> None:
    with pytest.raises(ValueError) as refused:
        read_measured(text, "measured.toml")
    assert str(refused.value).startswith(message) and "\n" not in str(refused.value)


def test_a_run_names_its_machine_and_kernel_settings() -> None:
    text = '[cpus]\na = "AMD EPYC, 2 cores"\n[kernels]\nk = "oneDNN off"\n[[run]]\nstep = "10-1"\ncommand = "c"\ncpu = "a"\n'
    text += 'kernels = ["k"]\nfirst_seed = 777\naccuracies = [0.9, 0.91]\ndate = 2026-11-25\n'
    (run,) = read_measured(text, "measured.toml")["c"].runs
    assert run == Measured("AMD EPYC, 2 cores", 777, (0.9, 0.91), ("oneDNN off",), datetime.date(2026, 11, 25))
    assert run.setting == "AMD EPYC, 2 cores, oneDNN off"
