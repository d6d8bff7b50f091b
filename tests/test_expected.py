"""Expected accuracies: measured distributions, and the bands the accuracy tests assert from them."""

from __future__ import annotations

import datetime
import statistics
import tomllib

import pytest

import labs
from tfmlp.expected import MIN_RUNS, SIGMAS, ExpectedAccuracy, Measured, read_measured, read_measured_variants

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
    assert 0.5 < low and high < 1.0, "a band reaching chance or certainty could not fail"


@pytest.mark.parametrize("lab_id", MEASURED_STEPS)
def test_a_measured_run_falls_in_the_band_of_the_others_all_but_once_at_most(lab_id: str) -> None:
    """What the accuracy tests rely on: a run the band was not made from falls inside it.

    A run always lies within (n - 1) / sqrt(n) standard deviations of the mean of its own sample
    (Samuelson's inequality), so up to 17 runs always fit their own ±4σ band and checking that
    says nothing. Each run against the ±4σ of the others can fail: outliers, or a spread that the
    runs of one machine understate. One is allowed, because training has a tail heavier than a
    normal's: 10-4's seed 783 scored 0.9725 on both CPUs, 4.3σ below its 16 other draws.
    """
    outside = outside_the_others_band(labs.get_lab(lab_id).expected.accuracies)
    assert len(outside) <= 1, f"{lab_id}: {'; '.join(outside)}"


COMPARISON_NETWORKS = [(command, network) for command, networks in labs.measured_variants().items() for network in networks]


def test_every_comparison_with_a_slow_test_is_measured() -> None:
    assert {command.split()[3] for command, _ in COMPARISON_NETWORKS} == {"losses", "batch-sizes", "pretraining"}


@pytest.mark.parametrize(("command", "network"), COMPARISON_NETWORKS)
def test_every_network_of_a_comparison_is_measured_as_a_step_is(command: str, network: str) -> None:
    """Eight seeds at least, and each run in the band of the others but once at most, as for the steps."""
    outside = outside_the_others_band(labs.measured_variants()[command][network].accuracies)
    assert len(outside) <= 1, f"{network} of `{command}`: {'; '.join(outside)}"


def outside_the_others_band(accuracies: list[float]) -> list[str]:
    """Each run that falls outside the ±4σ band of the other runs, a line each (at least `MIN_RUNS` runs asserted)."""
    assert len(accuracies) >= MIN_RUNS
    outside = []
    for index, accuracy in enumerate(accuracies):
        others = accuracies[:index] + accuracies[index + 1 :]
        mean, spread = statistics.fmean(others), SIGMAS * statistics.stdev(others)
        if not mean - spread <= accuracy <= mean + spread:
            outside.append(f"run {index + 1}, {accuracy:.4f}, outside {mean:.4f} ± {spread:.4f}")
    return outside


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


COMPARISON_RUN = """
[[run]]
step = "pretraining"
command = "python cli.py lab pretraining --epochs 1"
variant = {variant}
cpu = "a"
first_seed = 777
accuracies = [0.9, 0.91]
date = 2026-11-30
"""
CPUS = '[cpus]\na = "AMD EPYC, 2 cores"\n'
STEP_RUN = '[[run]]\nstep = "10-1"\ncommand = "c"\ncpu = "a"\nfirst_seed = 777\naccuracies = [0.9]\ndate = 2026-11-25\n'


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
        (
            COMPARISON_RUN.format(variant='""') + COMPARISON_RUN.format(variant='"he"'),
            "measured.toml, run 1 (pretraining) has a variant that is not a network's name: ''",
        ),
        (
            COMPARISON_RUN.format(variant='"he"') + COMPARISON_RUN.format(variant="3"),
            "measured.toml, run 2 (pretraining) has a variant that is not a network's name: 3",
        ),
        (
            COMPARISON_RUN.format(variant='"he"') + COMPARISON_RUN.replace("variant = {variant}\n", ""),
            "measured.toml, run 2 (pretraining): `python cli.py lab pretraining --epochs 1` is measured both whole and by variant;",
        ),
    ],
)
def test_a_damaged_file_of_measured_runs_is_refused_in_one_line(text: str, message: str) -> None:
    with pytest.raises(ValueError) as refused:
        read_measured(CPUS + text if text.startswith("\n") else text, "measured.toml")
    assert str(refused.value).startswith(message) and "\n" not in str(refused.value)


def test_a_run_names_its_machine_and_kernel_settings() -> None:
    text = '[cpus]\na = "AMD EPYC, 2 cores"\n[kernels]\nk = "oneDNN off"\n[[run]]\nstep = "10-1"\ncommand = "c"\ncpu = "a"\n'
    text += 'kernels = ["k"]\nfirst_seed = 777\naccuracies = [0.9, 0.91]\ndate = 2026-11-25\n'
    (run,) = read_measured(text, "measured.toml")["c"].runs
    assert run == Measured("AMD EPYC, 2 cores", 777, (0.9, 0.91), ("oneDNN off",), datetime.date(2026, 11, 25))
    assert run.setting == "AMD EPYC, 2 cores, oneDNN off"


def test_a_comparisons_runs_are_a_spread_per_variant_pooled_as_a_steps() -> None:
    """Each network of a comparison's command is its own distribution, its copies on other machines once,
    its band as a single step's; a command measured whole is read as before, and apart."""
    text = CPUS + 'b = "Intel Xeon, 2 cores"\nc = "AMD EPYC, 4 cores"\n'
    text += COMPARISON_RUN.format(variant='"he"').replace("[0.9, 0.91]", "[0.970, 0.972, 0.974, 0.976]")
    text += COMPARISON_RUN.format(variant='"he"').replace('cpu = "a"', 'cpu = "b"').replace("[0.9, 0.91]", "[0.978, 0.980, 0.982, 0.984]")
    text += COMPARISON_RUN.format(variant='"he"').replace('cpu = "a"', 'cpu = "c"').replace("[0.9, 0.91]", "[0.970]")
    text += COMPARISON_RUN.format(variant='"rbm"').replace("[0.9, 0.91]", "[0.97, 0.98, 0.99]")
    text += STEP_RUN
    assert list(read_measured(text, "measured.toml")) == ["c"]
    (comparison,) = read_measured_variants(text, "measured.toml").values()
    assert list(comparison) == ["he", "rbm"]
    he, rbm = comparison["he"], comparison["rbm"]
    assert he.command == "python cli.py lab pretraining --epochs 1" and he.variant == "he" and len(he.runs) == 3
    assert he.accuracies == [0.970, 0.972, 0.974, 0.976, 0.978, 0.980, 0.982, 0.984], "seed 777 again on a third machine counts once"
    assert he.band() == (0.9574, 0.9966)  # as two machines' four runs of a step
    assert rbm.accuracies == [0.97, 0.98, 0.99] and not rbm.has_band
    with pytest.raises(ValueError, match=r"^3 runs of rbm of `python cli.py lab pretraining --epochs 1` are too few for a band"):
        rbm.band()


def test_a_file_without_comparisons_has_no_variants() -> None:
    text = CPUS + STEP_RUN
    assert read_measured_variants(text, "measured.toml") == {} and read_measured(text, "measured.toml")["c"].variant is None
