"""`python -m labs`: the tables of measured results, made from the measured runs (`measured.toml`).

Three tables, each in English and Korean: the READMEs' steps table (after the line `STEPS_MARKER`: the
course's figure and ours pooled over every draw), and on the results page (docs/results.md and
docs/results.ko.md) the steps' table (after `RESULTS_MARKER`: each machine's seeds beside the pool)
and the comparisons' (after `COMPARISONS_MARKER`: each network of a short comparison command, pooled,
with the band its test asserts). This writes all six again from the data, and `tests/test_readme.py`
fails while any differs from it, so the figures a learner reads are the ones the accuracy tests assert.
"""

from __future__ import annotations

import statistics
from pathlib import Path

import labs
from tfmlp.expected import Measured

STEPS_MARKER = "<!-- steps: made by `python -m labs` from labs/measured.toml; edit the data, not the table -->"
RESULTS_MARKER = "<!-- results: made by `python -m labs` from labs/measured.toml; edit the data, not the table -->"
COMPARISONS_MARKER = "<!-- comparisons: made by `python -m labs` from labs/measured.toml; edit the data, not the table -->"


def spread(accuracies: list[float] | tuple[float, ...]) -> str:
    """ "0.9784 ± 0.0014" (one accuracy: itself)."""
    if len(accuracies) == 1:
        return f"{accuracies[0]:.4f}"
    return f"{statistics.fmean(accuracies):.4f} ± {statistics.stdev(accuracies):.4f}"


def machine_cell(run: Measured | None) -> str:
    """A machine's first run of a step, mean ± std (min – max); starred where its kernels or masks differed."""
    if run is None:
        return ""
    star = "*" if run.kernels else ""
    return f"{spread(run.accuracies)} ({min(run.accuracies):.4f} – {max(run.accuracies):.4f}){star}"


def results_table(language: str) -> str:
    """The course's measured steps, one row each: the course's figure, each machine's seeds, every draw
    pooled (copies once) and the band the accuracy test asserts, in `language`'s words."""
    steps = [lab for lab in labs.all_labs() if lab.kind == "lab" and lab.expected]
    machines = list(dict.fromkeys(run.cpu for lab in steps for run in lab.expected.runs))
    step, model, original, pooled, band = labs.lesson_texts(language)["labels"]["results_columns"]
    header = [step, model, original, *(machine.split(",")[0] for machine in machines), pooled, band]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for lab in steps:
        expected, (low, high) = lab.expected, lab.expected.band()
        first_runs = [next((run for run in expected.runs if run.cpu == machine), None) for machine in machines]
        course = f"{lab.original_accuracy:.4f}" if lab.original_accuracy is not None else "-"
        cells = [lab.id, lab.lesson(language).title, course, *map(machine_cell, first_runs)]
        cells += [f"{spread(expected.accuracies)} ({len(expected.accuracies)})", f"{low:.4f} – {high:.4f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def steps_table(language: str) -> str:
    """Every step of the course and beyond it, one row each: what it is, the course's figure, ours pooled
    over every draw (copies once) and the band the accuracy test asserts, in `language`'s words."""
    step, model, original, ours, band = labs.lesson_texts(language)["labels"]["steps_columns"]
    lines = [f"| {step} | {model} | {original} | {ours} | {band} |", "|---|---|---|---|---|"]
    for lab in labs.all_labs():
        if lab.kind == "experiment" or lab.id == "custom":
            continue
        expected = lab.expected
        course = f"{lab.original_accuracy:.4f}" if lab.original_accuracy is not None else "–"
        pooled = f"{spread(expected.accuracies)} ({len(expected.accuracies)})" if expected else "–"
        tested = "{:.4f} – {:.4f}".format(*expected.band()) if expected and len(expected.accuracies) > 3 else "–"
        lines.append(f"| {lab.id} | {lab.lesson(language).title} | {course} | {pooled} | {tested} |")
    return "\n".join(lines)


def comparisons_table(language: str) -> str:
    """Every network of every measured comparison command, one row each: its runs pooled (copies once)
    and the band its test asserts, in `language`'s words."""
    command, network, ours, band = labs.lesson_texts(language)["labels"]["comparisons_columns"]
    lines = [f"| {command} | {network} | {ours} | {band} |", "|---|---|---|---|"]
    for measured_command, networks in labs.measured_variants().items():
        for name, expected in networks.items():
            tested = "{:.4f} – {:.4f}".format(*expected.band()) if expected.has_band else "–"
            lines.append(f"| `{measured_command}` | {name} | {spread(expected.accuracies)} ({len(expected.accuracies)}) | {tested} |")
    return "\n".join(lines)


# Which page holds which tables, in each language: (marker, language, how to make the table) each.
PAGES = {
    "README.md": [(STEPS_MARKER, "en", steps_table)],
    "README.ko.md": [(STEPS_MARKER, "ko", steps_table)],
    "docs/results.md": [(RESULTS_MARKER, "en", results_table), (COMPARISONS_MARKER, "en", comparisons_table)],
    "docs/results.ko.md": [(RESULTS_MARKER, "ko", results_table), (COMPARISONS_MARKER, "ko", comparisons_table)],
}


def with_table(page: str, name: str) -> str:
    """`page` (the text of `name`, a key of `PAGES`) with each table after its marker made again from the data.

    Raises:
        ValueError: the page lacks a marker line.
    """
    lines = page.split("\n")
    for marker, language, table in PAGES[name]:
        if marker not in lines:
            raise ValueError(f"no table marker in {name}; put this line before its table: {marker}")
        start = lines.index(marker) + 1
        end = start
        while end < len(lines) and lines[end].startswith("|"):
            end += 1
        lines[start:end] = table(language).split("\n")
    return "\n".join(lines)


def main() -> None:
    """Write every page's table from `measured.toml` (all made before any is written)."""
    repository = Path(labs.__file__).resolve().parent.parent
    try:
        made = {name: with_table((repository / name).read_text(encoding="utf-8"), name) for name in PAGES}
    except (OSError, ValueError) as error:
        raise SystemExit(f"cannot make the results tables: {error}") from None
    for name, text in made.items():
        (repository / name).write_text(text, encoding="utf-8")
        print(f"wrote the table of {name}")


if __name__ == "__main__":
    main()
