"""How live is the draw page? Seconds from a stroke's PNG sent to every step's answer back, on 2 cores.

    python benchmarks/draw_latency.py                  # trains each step for 1 epoch into a temporary folder
    python benchmarks/draw_latency.py --logdir runs    # the newest finished run of each step there

It starts `python cli.py draw` as a learner does (held to the first 2 CPU cores where the machine has
more), sends it drawn digits as the page does (a 280 x 280 canvas as PNG bytes, a new connection
each time, one request after the other) and prints the median, 95th percentile and slowest of the
whole request: reading the picture, every model's forward pass with its activations, the JSON. The
issue's bar is 100 ms for every model's answer.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from handwriting import SIZES, WIDTHS, drawn_digit

REPOSITORY = Path(__file__).resolve().parent.parent
CORES = 2


def train_steps(logdir: Path) -> None:
    """Each step of the course that trains one network, for one epoch: as fast to read as after 15."""
    import labs

    for step in [lab.id for lab in labs.all_labs() if lab.id.startswith("10-") and lab.single_model]:
        print(f"training {step} for 1 epoch", flush=True)
        command = [sys.executable, "cli.py", "lab", step, "--epochs", "1", "--logdir", str(logdir)]
        subprocess.run(command, cwd=REPOSITORY, check=True, capture_output=True)


def on_first_cores() -> None:
    """Hold the server to the first `CORES` CPUs (Linux), as on the 2-core machine the bar is set for."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:CORES])


def request(port: int, body: bytes) -> tuple[float, dict]:
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("POST", "/api/predict", body=body, headers={"Content-Type": "image/png"})
    response = connection.getresponse()
    answer = json.loads(response.read())
    seconds = time.perf_counter() - started
    connection.close()
    if response.status != 200:
        raise SystemExit(f"the server answered {response.status}: {answer}")
    return seconds, answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logdir", type=Path, help="A runs folder with finished runs [default: train each step for 1 epoch].")
    parser.add_argument("--requests", type=int, default=200, help="Requests timed (after 20 to warm up).")
    arguments = parser.parse_args()
    from tfmlp.machine import cpu_description

    with tempfile.TemporaryDirectory() as scratch:
        logdir = arguments.logdir or Path(scratch)
        if arguments.logdir is None:
            train_steps(logdir)
        command = [sys.executable, "cli.py", "draw", "--logdir", str(logdir), "--port", "0"]
        server = subprocess.Popen(command, cwd=REPOSITORY, stdout=subprocess.PIPE, text=True, preexec_fn=on_first_cores)
        try:
            port = int(re.search(r"localhost:(\d+)/", server.stdout.readline()).group(1))
            pictures = [
                drawn_digit(digit, width=width, size=size, writer=writer)
                for digit, width, size, writer in zip(range(10), [*WIDTHS.values()] * 2, [*SIZES.values()] * 4, range(1, 11))
            ]
            for index in range(20):
                _, answer = request(port, pictures[index % len(pictures)])
            seconds = [request(port, pictures[index % len(pictures)])[0] for index in range(arguments.requests)]
        finally:
            server.terminate()
            server.wait()
    models = ", ".join(
        f"{entry['step']} ({'x'.join(str(len(layer)) for layer in entry['hidden']) or 'no hidden layer'})" for entry in answer["models"]
    )
    print(f"CPU: {cpu_description()}; the server on {min(CORES, os.cpu_count() or CORES)} cores")
    print(f"{len(answer['models'])} models per request: {models}")
    milliseconds = sorted(1000 * second for second in seconds)
    p95 = milliseconds[int(0.95 * len(milliseconds)) - 1]
    print(
        f"{len(seconds)} requests, every model's answer: median {statistics.median(milliseconds):.1f} ms, "
        f"95th percentile {p95:.1f} ms, slowest {milliseconds[-1]:.1f} ms"
    )


if __name__ == "__main__":
    main()
