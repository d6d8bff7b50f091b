"""What a user waits for: the whole `python cli.py lab ID`, start to exit, against the whole TF1 script.

    python benchmarks/start_to_exit.py --labs 10-2,10-4,10-5 --repeats 3

Each round runs `python cli.py lab ID` (into a scratch runs folder: everything a run writes is still
written) and `python benchmarks/tf1_lab.py ID` one after the other, so a slow spell of this shared
machine hits both; the medians over the rounds are compared. Each line a command prints is
timestamped as it arrives, which splits tfmlp's seconds into phases: start-up and TensorFlow's import
(to the title line), MNIST and the model (to "Run directory"), the first epoch (tracing and XLA's
compilation), the other epochs, the test, what is written after it (model, summaries, the digit),
and the exit. Peak memory (max RSS) comes from the operating system.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))
# tfmlp's phases: each ends when the line starting with its marker appears (exit: when the process ends).
PHASES = (
    ("start-up and imports", "Lab "),
    ("MNIST, model check, run folder", "Run directory"),
    ("first epoch (tracing, compiling)", "Epoch: 0001"),
    ("the other epochs", "Learning Finished!"),
    ("test", "Accuracy"),
    ("model, summaries, digit", "Digit saved"),
    ("exit", None),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labs", default="10-2,10-4,10-5")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=15)
    arguments = parser.parse_args()
    from tfmlp.machine import cpu_description

    print(f"CPU: {cpu_description()}", flush=True)
    for lab_id in arguments.labs.split(","):
        rows = measure(lab_id, arguments.epochs, arguments.repeats)
        print(report(lab_id, rows), flush=True)


def measure(lab_id: str, epochs: int, repeats: int) -> dict[str, list[dict[str, Any]]]:
    """`repeats` rounds of both commands, taken in turn."""
    rows: dict[str, list[dict[str, Any]]] = {"tfmlp": [], "tf1": []}
    with tempfile.TemporaryDirectory() as scratch:
        for _ in range(repeats):
            tfmlp_command = ["cli.py", "lab", lab_id, "--epochs", str(epochs), "--logdir", scratch]
            rows["tfmlp"].append(timed([sys.executable, *tfmlp_command]))
            rows["tf1"].append(timed([sys.executable, "benchmarks/tf1_lab.py", lab_id, "--epochs", str(epochs)]))
    return rows


def timed(command: list[str]) -> dict[str, Any]:
    """Runs `command` in the repository; the seconds at which each output line arrived, the total, peak memory."""
    environment = {**os.environ, "PYTHONUNBUFFERED": "1"}
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPOSITORY, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=environment)
    assert process.stdout is not None
    lines = [(time.perf_counter() - started, line.rstrip()) for line in process.stdout]
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed: {lines[-1:]}")
    return {"seconds": seconds, "lines": lines, "peak_bytes": usage.ru_maxrss * 1024}


def phases(run: dict[str, Any]) -> list[tuple[str, float]]:
    """tfmlp's seconds per phase, from the arrival times of its lines."""
    result, before = [], 0.0
    for name, marker in PHASES:
        end = run["seconds"] if marker is None else next(at for at, line in run["lines"] if line.startswith(marker))
        result.append((name, end - before))
        before = end
    return result


def summary(rows: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Medians and every run's seconds, JSON-ready."""
    return {
        way: {"median_seconds": statistics.median(run["seconds"] for run in runs), "seconds": [run["seconds"] for run in runs]}
        for way, runs in rows.items()
    }


def table(whole: dict[str, dict[str, list[dict[str, Any]]]]) -> str:
    """The README's table of whole commands: medians and tfmlp's speed over the TF1 script's."""
    lines = ["| step | `python cli.py lab` | the TF1 script | tfmlp |", "|---|---|---|---|"]
    for lab_id, rows in whole.items():
        ours, theirs = (statistics.median(run["seconds"] for run in rows[way]) for way in ("tfmlp", "tf1"))
        lines.append(f"| {lab_id} | {ours:.2f} s | {theirs:.2f} s | **{theirs / ours:.2f}x** |")
    return "\n".join(lines)


def report(lab_id: str, rows: dict[str, list[dict[str, Any]]]) -> str:
    ours, theirs = (statistics.median(run["seconds"] for run in rows[way]) for way in ("tfmlp", "tf1"))
    breakdown = {name: statistics.median(dict(phases(run))[name] for run in rows["tfmlp"]) for name, _ in PHASES}
    memory = {way: max(run["peak_bytes"] for run in runs) / 1e9 for way, runs in rows.items()}
    lines = [
        f"{lab_id}: python cli.py lab {lab_id} {ours:.2f} s, the TF1 script {theirs:.2f} s (medians): tfmlp {theirs / ours:.2f}x as fast",
        "  each run: " + "; ".join(f"{way} " + ", ".join(f"{run['seconds']:.2f}" for run in runs) for way, runs in rows.items()),
        f"  peak memory: tfmlp {memory['tfmlp']:.2f} GB, TF1 {memory['tf1']:.2f} GB",
        "  tfmlp's phases (medians): " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in breakdown.items()),
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
