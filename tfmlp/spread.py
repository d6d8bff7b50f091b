"""Figures over seeds: a `Spread` (mean ± standard deviation) and `StepResults`, one step's spreads.

The records that `tfmlp.results` collects from the runs folder and `tfmlp.plots` draws; both import
them from here, so that neither imports the other back.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from tfmlp.language import message


@dataclass(frozen=True)
class Spread:
    """Mean, sample standard deviation (0 for one value), extremes and count of some figures."""

    mean: float
    std: float
    min: float
    max: float
    n: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        if not values:
            raise ValueError("no values to summarize")
        std = statistics.stdev(values) if len(values) > 1 else 0.0
        return cls(statistics.fmean(values), std, min(values), max(values), len(values))

    def describe(self, digits: int = 4) -> str:
        """ "0.9801 ± 0.0012 (min 0.9785, max 0.9815, n 5)"."""
        figures = {name: f"{getattr(self, name):.{digits}f}" for name in ("mean", "std", "min", "max")}
        return message("spread.describe", count=self.n, **figures)


@dataclass(frozen=True)
class StepResults:
    """One step in one configuration, over every seed it was run with."""

    lab: str
    setting: str  # the configuration but its seed, as `cli.py runs` describes it
    original: float | None
    test_accuracy: Spread
    train_seconds: Spread
    samples_per_second: Spread
    seeds: tuple[int, ...]
    device: str
