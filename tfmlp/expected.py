"""A step's expected test accuracy: a distribution measured over seeds and machines, not one number.

One run of a step is one draw. Another seed lands elsewhere in the step's spread, and so does another
CPU: oneDNN, Eigen and XLA pick their kernels by instruction set, round differently, and training
amplifies the difference until the run ends as if it had another seed (or, for some steps, a little
apart from the first machine's runs). The measured runs are data, one file for all steps
(`labs/measured.toml`, read by `read_measured`), and the accuracy tests assert `band()`. A comparison's
command trains several networks, and each is a distribution of its own (`read_measured_variants`).
Nothing here imports TensorFlow.
"""

from __future__ import annotations

import datetime
import math
import statistics
import tomllib
from dataclasses import dataclass

# The band is the pooled mean ± 4 standard deviations of at least 8 runs. The standard deviation is
# estimated from those runs, so a new run of a correct step falls outside with probability
# P(|t_(n-1)| > 4 / sqrt(1 + 1/n)) if its spread is normal: about 1 in 140 for 8 runs, 1 in 700 for 16,
# 1 in 2,300 for 32 (not the 1 in 16,000 of a known σ). From fewer runs the estimate says too little:
# a band of 3 runs misses 1 correct run in 13.
SIGMAS = 4.0
MIN_RUNS = 8

RUN_FIELDS = ("step", "command", "cpu", "first_seed", "accuracies", "date")  # and "kernels", where they differed
# A comparison's command trains several networks: each of its runs names the one it measured, as a `variant`
# field (the name `cli.py lab` prints in its table), and each variant has its own spread and band.


@dataclass(frozen=True)
class Measured:
    """The test accuracies of one command on one machine, at seeds `first_seed`, `first_seed` + 1, ..."""

    cpu: str  # as `tfmlp.machine.cpu_description()` names it
    first_seed: int
    accuracies: tuple[float, ...]
    kernels: tuple[str, ...] = ()  # how its kernels or dropout masks differed from what the program picks today
    date: datetime.date | None = None  # the day the runs were recorded

    @property
    def setting(self) -> str:
        """The machine and its kernels: "AMD EPYC, 2 cores, ..., oneDNN off (TF_ENABLE_ONEDNN_OPTS=0)"."""
        return ", ".join((self.cpu, *self.kernels))

    def repeats(self, other: Measured) -> bool:
        """Whether `other`, measured on another machine or with other kernels, gave each of these seeds the
        same accuracy: the same computation on other silicon, a bit-identical copy, not new draws."""
        offset = self.first_seed - other.first_seed
        at_these_seeds = other.accuracies[offset : offset + len(self.accuracies)] if offset >= 0 else ()
        return other.setting != self.setting and at_these_seeds == self.accuracies


@dataclass(frozen=True)
class ExpectedAccuracy:
    """Every measured run of a step's command (or of one network, `variant`, of a comparison's command),
    seeds and machines pooled, and the band a test asserts.

    `command` is what was run at each seed (`python cli.py lab 10-4`, with `--seeds 8` per machine).
    The band is the pooled mean ± `SIGMAS` pooled standard deviations: wide enough that a correct
    program passes on any machine whose runs look like these, narrow enough that a broken step (the
    wrong initializer, dropout left on at test time) falls out of it.
    """

    command: str
    runs: tuple[Measured, ...]
    variant: str | None = None  # which network of a comparison's command; None for a command that trains one

    @property
    def name(self) -> str:
        """What was measured, for messages: "`python cli.py lab 10-4`", "softmax_mse of `python cli.py lab losses --epochs 2`"."""
        return f"{self.variant + ' of ' if self.variant else ''}`{self.command}`"

    @property
    def draws(self) -> tuple[Measured, ...]:
        """The runs that are draws of their own, in order: a run that repeats another seed by seed on another
        CPU (`Measured.repeats`) is the same draw twice, and counted twice would weigh it double."""
        kept: list[Measured] = []
        for run in sorted(self.runs, key=lambda run: -len(run.accuracies)):  # the longer run of two stays
            if not any(run.repeats(other) for other in kept):
                kept.append(run)
        return tuple(run for run in self.runs if any(run is draw for draw in kept))

    @property
    def accuracies(self) -> list[float]:
        """Every draw's accuracy, seeds and machines pooled, copies once."""
        return [accuracy for run in self.draws for accuracy in run.accuracies]

    @property
    def mean(self) -> float:
        return statistics.fmean(self.accuracies)

    @property
    def std(self) -> float:
        return statistics.stdev(self.accuracies)

    @property
    def has_band(self) -> bool:
        """Whether enough runs were measured (`MIN_RUNS`) for a band a test may assert."""
        return len(self.accuracies) >= MIN_RUNS

    def band(self, sigmas: float = SIGMAS) -> tuple[float, float]:
        """(low, high): the pooled mean ± `sigmas` standard deviations, rounded outwards to 4 digits.

        Raises:
            ValueError: fewer than `MIN_RUNS` runs, whose spread says too little to test against.
        """
        if not self.has_band:
            raise ValueError(f"{len(self.accuracies)} runs of {self.name} are too few for a band; measure at least {MIN_RUNS}")
        low, high = self.mean - sigmas * self.std, self.mean + sigmas * self.std
        return math.floor(low * 10_000) / 10_000, math.ceil(high * 10_000) / 10_000

    def describe(self) -> str:
        """ "0.9787 ± 0.0011 over 12 runs, 3 kinds of CPU kernels, band 0.9743-0.9831" (no band under `MIN_RUNS` runs)."""
        kinds = len({run.setting for run in self.runs})
        kernels = f"{kinds} kind{'s' if kinds > 1 else ''} of CPU kernels"
        band = ", band {:.4f}-{:.4f}".format(*self.band()) if self.has_band else ""
        return f"{self.mean:.4f} ± {self.std:.4f} over {len(self.accuracies)} runs, {kernels}{band}"


def read_measured(text: str, source: str) -> dict[str, ExpectedAccuracy]:
    """Every measured command's runs, from the text of a file of measured runs (`labs/measured.toml`),
    but the comparisons' (`read_measured_variants`).

    The file names its machines once (`[cpus]`, `[kernels]`: how the kernels or dropout masks differed
    from what TensorFlow picks by itself), then holds one `[[run]]` a command, machine and kernel
    setting (and, for a comparison, network): its `step`, `command`, `cpu`, `kernels` (a list, where any
    differed), `variant` (the network of a comparison it measured), `first_seed`, the `accuracies` at
    that seed and the next ones, and the `date` they were recorded.

    Args:
        text: the file's text.
        source: the file's name, for messages.

    Returns:
        Command -> its runs, pooled, in the file's order.

    Raises:
        ValueError: the text is not TOML, or a run lacks a field, names a machine the file does not, or
            gives a variant that is not a name, or a command's runs name a variant in some runs and not in
            others; the message names the file and the run.
    """
    return {command: by_variant[None] for command, by_variant in _read_runs(text, source).items() if None in by_variant}


def read_measured_variants(text: str, source: str) -> dict[str, dict[str, ExpectedAccuracy]]:
    """Every measured comparison's runs, a spread per network: command -> variant -> its runs, pooled and
    banded as a single network's (`read_measured` says the file's fields and what is refused)."""
    return {
        command: {variant: expected for variant, expected in by_variant.items() if variant is not None}
        for command, by_variant in _read_runs(text, source).items()
        if None not in by_variant
    }


def _read_runs(text: str, source: str) -> dict[str, dict[str | None, ExpectedAccuracy]]:
    """Command -> variant (None for a command that trains one network) -> its runs, as `read_measured` reads them."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{source} is not valid TOML: {error}") from None
    cpus, kernels = data.get("cpus", {}), data.get("kernels", {})
    measured: dict[str, dict[str | None, list[Measured]]] = {}
    for number, run in enumerate(data.get("run", []), start=1):
        where = f"{source}, run {number} ({run.get('step', 'no step')})"
        if missing := [field for field in RUN_FIELDS if field not in run]:
            raise ValueError(f"{where} has no {', '.join(missing)}")
        if unknown := [name for name in [run["cpu"], *run.get("kernels", [])] if name not in cpus | kernels]:
            raise ValueError(f"{where} names {unknown[0]!r}, which neither [cpus] nor [kernels] describes")
        variant = run.get("variant")
        if variant is not None and not (isinstance(variant, str) and variant.strip()):
            raise ValueError(f"{where} has a variant that is not a network's name: {variant!r}")
        by_variant = measured.setdefault(run["command"], {})
        if by_variant and (variant is None) != (None in by_variant):
            raise ValueError(f"{where}: `{run['command']}` is measured both whole and by variant; give every run of it a variant or none")
        settings = tuple(kernels[name] for name in run.get("kernels", []))
        runs = by_variant.setdefault(variant, [])
        runs.append(Measured(cpus[run["cpu"]], run["first_seed"], tuple(run["accuracies"]), settings, run["date"]))
    return {
        command: {variant: ExpectedAccuracy(command, tuple(runs), variant) for variant, runs in by_variant.items()}
        for command, by_variant in measured.items()
    }
