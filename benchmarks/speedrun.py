"""The speedrun against the original: seconds of training to the lab's 0.98, and whole commands.

    python benchmarks/speedrun.py --repeats 3

Each round, one after the other, each in a fresh process, so a slow spell of this shared machine
hits all of them:
- tfmlp's speedrun step as `cli.py lab speedrun` trains it (`fit_and_evaluate`), cold: with an
  empty XLA cache, so tracing and compiling are counted;
- the same, warm: its compiled program loaded from the cache, as every later run does;
- the original TF1 code's 10-5 (`benchmarks/tf1_lab.py`: a graph, a session, feed_dict batches of
  100, 15 epochs), the lab's best step at 0.98;
- then the whole commands, start to exit: `python cli.py lab speedrun` (everything a run writes
  still written) and `python benchmarks/tf1_lab.py 10-5`.
It prints every run and the medians; the ratios are the figures to compare.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import speed
import start_to_exit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    arguments = parser.parse_args()
    import labs
    from tfmlp.machine import cpu_description

    print(f"CPU: {cpu_description()}", flush=True)
    epochs = labs.get_lab("speedrun").config.train.epochs
    trainings: dict[str, list[dict]] = {"speedrun, cold": [], "speedrun, warm": [], "TF1 10-5": []}
    commands: dict[str, list[float]] = {"python cli.py lab speedrun": [], "python benchmarks/tf1_lab.py 10-5": []}
    with tempfile.TemporaryDirectory() as scratch:
        for round_ in range(arguments.repeats):
            empty_cache = Path(scratch) / f"xla-{round_}"
            cold = {"TF_XLA_FLAGS": f"--tf_xla_persistent_cache_directory={empty_cache}"}
            trainings["speedrun, cold"].append(speed.measure("tfmlp", "speedrun", epochs, cold))
            trainings["speedrun, warm"].append(speed.measure("tfmlp", "speedrun", epochs))
            trainings["TF1 10-5"].append(speed.measure("tf1", "10-5", 15))
            for name, row in ((name, rows[-1]) for name, rows in trainings.items()):
                print(f"{name:<15} {row['train_seconds']:6.2f} s of training, test accuracy {row['test_accuracy']:.4f}", flush=True)
            whole = {
                "python cli.py lab speedrun": [sys.executable, "cli.py", "lab", "speedrun", "--logdir", scratch],
                "python benchmarks/tf1_lab.py 10-5": [sys.executable, "benchmarks/tf1_lab.py", "10-5"],
            }
            for name, command in whole.items():
                commands[name].append(start_to_exit.timed(command)["seconds"])
                print(f"{name:<36} {commands[name][-1]:6.2f} s start to exit", flush=True)
    medians = {name: statistics.median(row["train_seconds"] for row in rows) for name, rows in trainings.items()}
    tf1 = medians["TF1 10-5"]
    print(f"\nMedians of {arguments.repeats}: training seconds, and the TF1 10-5's over each")
    for name, seconds in medians.items():
        accuracies = ", ".join(f"{row['test_accuracy']:.4f}" for row in trainings[name])
        print(f"  {name:<15} {seconds:6.2f} s  ({tf1 / seconds:5.1f}x)  test accuracy {accuracies}")
    ours, theirs = (statistics.median(commands[name]) for name in commands)
    print(f"Whole commands: python cli.py lab speedrun {ours:.2f} s, the TF1 10-5 script {theirs:.2f} s: {theirs / ours:.1f}x")


if __name__ == "__main__":
    main()
