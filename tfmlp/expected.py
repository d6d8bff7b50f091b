"""A step's expected test accuracy: a distribution measured over seeds and machines, not one number.

One run of a step is one draw. Another seed lands elsewhere in the step's spread, and so does another
CPU: oneDNN, Eigen and XLA pick their kernels by instruction set, round differently, and training
amplifies the difference until the run ends as if it had another seed (or, for some steps, a little
apart from the first machine's runs). Each lab module keeps the runs its default command was measured
with (`EXPECTED`, beside `ORIGINAL_ACCURACY`), and the accuracy tests assert `band()`. Nothing here
imports TensorFlow.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

# The band is the pooled mean ± 4 standard deviations of at least 8 runs. The standard deviation is
# estimated from those runs, so a new run of a correct step falls outside with probability
# P(|t_(n-1)| > 4 / sqrt(1 + 1/n)) if its spread is normal: about 1 in 140 for 8 runs, 1 in 700 for 16,
# 1 in 2,300 for 32 (not the 1 in 16,000 of a known σ). From fewer runs the estimate says too little:
# a band of 3 runs misses 1 correct run in 13.
SIGMAS = 4.0
MIN_RUNS = 8

# The CPUs (and kernel settings) the labs' runs were measured with, as `tfmlp.machine` names them.
AMD_EPYC = "AMD EPYC, 2 cores, avx512f avx512_bf16, no amx_bf16"
INTEL_XEON = "Intel Xeon, 2 cores, avx512f avx512_bf16 amx_bf16"
AMD_CAPPED_AT_AVX2 = "AMD EPYC, oneDNN and XLA capped at AVX2 (ONEDNN_MAX_CPU_ISA, --xla_cpu_max_isa)"
AMD_CAPPED_AT_AVX512 = "AMD EPYC, oneDNN and XLA capped at AVX-512 without bf16"
AMD_WITHOUT_ONEDNN = "AMD EPYC, oneDNN off (TF_ENABLE_ONEDNN_OPTS=0)"
# The dropout nets (10-5, 10-7, 10-8) trained without XLA until 2026-11-25, then under XLA with its
# Philox masks, now with ThreeFry masks (`tfmlp.masks`). The runs of the earlier mask streams are
# kept, equally good draws in the distribution, marked with these.
MASKS_WITHOUT_XLA = ", dropout masks drawn without XLA (before 2026-11-25)"
MASKS_OF_XLA_PHILOX = ", dropout masks drawn by XLA's Philox (2026-11-25)"


@dataclass(frozen=True)
class Measured:
    """The test accuracies of one command on one machine, at seeds `first_seed`, `first_seed` + 1, ..."""

    cpu: str  # as `tfmlp.machine.cpu_description()` names it, and how its kernels were chosen
    first_seed: int
    accuracies: tuple[float, ...]


@dataclass(frozen=True)
class ExpectedAccuracy:
    """Every measured run of a step's command, seeds and machines pooled, and the band a test asserts.

    `command` is what was run (`python cli.py lab 10-4 --seeds 10`, per machine). The band is the
    pooled mean ± `SIGMAS` pooled standard deviations: wide enough that a correct program passes on
    any machine whose runs look like these, narrow enough that a broken step (the wrong initializer,
    dropout left on at test time) falls out of it.
    """

    command: str
    runs: tuple[Measured, ...]

    @property
    def accuracies(self) -> list[float]:
        return [accuracy for run in self.runs for accuracy in run.accuracies]

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
            raise ValueError(f"{len(self.accuracies)} runs of `{self.command}` are too few for a band; measure at least {MIN_RUNS}")
        low, high = self.mean - sigmas * self.std, self.mean + sigmas * self.std
        return math.floor(low * 10_000) / 10_000, math.ceil(high * 10_000) / 10_000

    def describe(self) -> str:
        """"0.9787 ± 0.0011 over 12 runs, 3 kinds of CPU kernels, band 0.9743-0.9831" (no band under `MIN_RUNS` runs)."""
        kinds = len({run.cpu for run in self.runs})
        kernels = f"{kinds} kind{'s' if kinds > 1 else ''} of CPU kernels"
        band = ", band {:.4f}-{:.4f}".format(*self.band()) if self.has_band else ""
        return f"{self.mean:.4f} ± {self.std:.4f} over {len(self.accuracies)} runs, {kernels}{band}"

