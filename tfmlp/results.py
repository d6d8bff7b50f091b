"""Results that hold up: every finished run of a step, across seeds, as mean ± standard deviation.

The course's figures are single runs; two steps a few tenths of a percent apart may differ by seed
alone. `collect` groups the finished runs under a runs folder by step and configuration (everything
but the seed), and `write_report` writes the table (Markdown, CSV or JSON) and a plot with error
bars beside the course's single-run figures.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from tfmlp.files import DamagedFile, write_file
from tfmlp.language import message
from tfmlp.runs import describe_config, read_runs
from tfmlp.spread import Spread, StepResults

FORMATS = ("md", "csv", "json")


def collect(root: str | Path, originals: dict[str, float | None]) -> tuple[list[StepResults], list[DamagedFile]]:
    """The finished single-model runs under `root`, grouped by step and configuration but the seed,
    and each variant of the finished comparisons (`tfmlp.compare`), grouped alike over all its seeds.

    Args:
        root: the runs folder.
        originals: the course's figure per step id (None where it published none).

    Returns:
        The groups, and a `DamagedFile` (naming the file) per run left out because it is damaged.
    """
    intact, damaged = read_runs(root)
    groups: dict[tuple[str, str], list[tuple[int, dict[str, Any]]]] = {}
    for saved in intact:
        config, metrics = saved.config, saved.metrics
        if metrics.get("status") != "finished":
            continue  # diverged and unfinished runs have no figures
        try:
            for key, seed, figures in _seeded_figures(config, metrics):
                groups.setdefault(key, []).append((seed, figures))
        except (KeyError, TypeError, ValueError, AttributeError):
            damaged.append(DamagedFile(saved.run.config, message("runs.not_a_config")))
    results = [_summarize(lab, setting, runs, originals.get(lab)) for (lab, setting), runs in sorted(groups.items(), key=_step_order)]
    return results, damaged


def _seeded_figures(config: dict[str, Any], metrics: dict[str, Any]) -> Iterable[tuple[tuple[str, str], int, dict[str, Any]]]:
    """A finished run's figures per seed, each with the group it belongs to: (step, setting but the seed).

    A single-model run is one seed of its step; a comparison gives every variant's seeds, under
    "experiment: variant". The hand-written 10-X1 and comparisons saved before they kept their
    seeds' figures give none.
    """
    if "variants" in config:
        for variant in metrics.get("variants", []):
            described = config["variants"][variant["name"]]
            setting = describe_config(described, seed=False) if "model" in described else variant["name"]
            for seeded in variant.get("runs", []):
                yield (f"{config['experiment']}: {variant['name']}", setting), seeded["seed"], seeded
    elif "model" in config and "device" in metrics:
        yield (config["lab"], describe_config(config, seed=False)), config["train"]["seed"], metrics


def write_report(results: Sequence[StepResults], folder: Path, fmt: str = "md") -> list[Path]:
    """Write `results.<fmt>` and `results.png` into `folder`, each whole or not at all; return their paths.

    Raises:
        FileNotWritten: a file could not be written (a full disk, say).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; valid: {', '.join(FORMATS)}")
    folder.mkdir(parents=True, exist_ok=True)
    table = folder / f"results.{fmt}"
    write_file(table, {"md": to_markdown, "csv": to_csv, "json": to_json}[fmt](results))
    from tfmlp.plots import plot_results  # matplotlib only when a figure is drawn

    return [table, plot_results(results, folder / "results.png")]


def to_markdown(results: Sequence[StepResults]) -> str:
    lines = [message("report.header"), "|---|---|---|---|---|---|---|---|---|"]
    for row in results:
        original = f"{row.original:.4f}" if row.original is not None else ""
        accuracy = row.test_accuracy
        lines.append(
            f"| {row.lab} | {original} | {accuracy.mean:.4f} ± {accuracy.std:.4f} | {accuracy.min:.4f} – {accuracy.max:.4f}"
            f" | {accuracy.n} | {row.train_seconds.mean:.1f} | {row.samples_per_second.mean:,.0f} | {row.device} | {row.setting} |"
        )
    return "\n".join(lines) + "\n"


def to_csv(results: Sequence[StepResults]) -> str:
    return rows_to_csv(_flat(row) for row in results)


def to_json(results: Sequence[StepResults]) -> str:
    return json.dumps([asdict(row) for row in results], indent=2) + "\n"


def rows_to_csv(rows: Iterable[dict[str, Any]]) -> str:
    """Flat records as CSV with a header (for `runs --format csv` too)."""
    rows = list(rows)
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return buffer.getvalue()


def _flat(row: StepResults) -> dict[str, Any]:
    flat: dict[str, Any] = {"lab": row.lab, "setting": row.setting, "original": row.original}
    for name in ("test_accuracy", "train_seconds", "samples_per_second"):
        flat.update({f"{name}_{field}": value for field, value in asdict(getattr(row, name)).items()})
    return {**flat, "seeds": " ".join(map(str, row.seeds)), "device": row.device}


def _summarize(lab: str, setting: str, runs: list[tuple[int, dict[str, Any]]], original: float | None) -> StepResults:
    """One group's spreads, from its runs' seeds and figures."""

    def spread(name: str) -> Spread:
        return Spread.of([figures[name] for _, figures in runs])

    return StepResults(
        lab=lab,
        setting=setting,
        original=original,
        test_accuracy=spread("test_accuracy"),
        train_seconds=spread("train_seconds"),
        samples_per_second=spread("samples_per_second"),
        seeds=tuple(sorted(seed for seed, _ in runs)),
        device=", ".join(sorted({figures["device"] for _, figures in runs})),
    )


def _step_order(item: tuple[tuple[str, str], Any]) -> tuple[Any, ...]:
    """10-2 before 10-10, steps before other labs."""
    lab, setting = item[0]
    major, _, minor = lab.partition("-")
    return (not major.isdigit(), int(major) if major.isdigit() else 0, int(minor) if minor.isdigit() else 99, lab, setting)
