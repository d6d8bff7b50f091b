"""`python -m labs`: README's results tables, made from the measured runs (`measured.toml`).

The table in README.md (English) and README.ko.md (Korean) follows the line `RESULTS_MARKER`; this
writes both again from the data, and `tests/test_readme.py` fails while either differs from it, so the
figures a learner reads are the ones the accuracy tests assert.
"""

from __future__ import annotations

import statistics
from pathlib import Path

import labs
from tfmlp.expected import Measured

READMES = {"en": "README.md", "ko": "README.ko.md"}
RESULTS_MARKER = "<!-- results: made by `python -m labs` from labs/measured.toml; edit the data, not the table -->"


def spread(accuracies: list[float] | tuple[float, ...]) -> str:
    """"0.9784 ± 0.0014" (one accuracy: itself)."""
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


def with_results_table(readme: str, language: str) -> str:
    """`readme` with the table after `RESULTS_MARKER` made again from the data.

    Raises:
        ValueError: `readme` has no line `RESULTS_MARKER`.
    """
    lines = readme.split("\n")
    if RESULTS_MARKER not in lines:
        raise ValueError(f"no results marker in the {language} README; put this line before its table: {RESULTS_MARKER}")
    start = lines.index(RESULTS_MARKER) + 1
    end = start
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    return "\n".join([*lines[:start], results_table(language), *lines[end:]])


def main() -> None:
    """Write README.md's and README.ko.md's results tables from `measured.toml` (both made before either is written)."""
    repository = Path(labs.__file__).resolve().parent.parent
    paths = {language: repository / name for language, name in READMES.items()}
    try:
        made = {path: with_results_table(path.read_text(encoding="utf-8"), language) for language, path in paths.items()}
    except (OSError, ValueError) as error:
        raise SystemExit(f"cannot make the results tables: {error}") from None
    for path, text in made.items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote the results table of {path.name}")


if __name__ == "__main__":
    main()
