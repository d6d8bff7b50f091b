"""The networks the draw page shows: every finished run's model, loaded once, read in one forward pass.

A step's lesson is inside its network as much as in its accuracy: 10-2's hidden units that never
fire, 10-5's spread over many. So each model is read through a second view of it, built once with
the functional API over the loaded model's own layers, whose outputs are every hidden layer's
activations beside the ten probabilities: one forward pass gives all of them.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from tfmlp.run_models import load_run_model
from tfmlp.runs import RunDir, RunSummary, list_runs


class RunUnavailable(LookupError):
    """A run that cannot read: deleted (perhaps while the page was open), unfinished, or not a run at all."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Reading:
    """What one model makes of a batch of images."""

    probabilities: np.ndarray  # (images, 10)
    hidden: list[np.ndarray]  # one (images, units) array per hidden layer, input side first

    @property
    def digits(self) -> np.ndarray:
        return self.probabilities.argmax(axis=1)


class RunModel:
    """A finished run's network with a view of it that returns what every hidden layer outputs.

    A hidden layer's activations are what the next Dense layer reads: the output of its activation
    (or of its dropout, the same numbers outside training). So the view needs no knowledge of how a
    step arranges its layers, only that its Dense layers are the model's own.

    Args:
        summary: the run, as `tfmlp.runs.list_runs` lists it.
        root: the runs folder, which run names are relative to.
    """

    def __init__(self, summary: RunSummary, root: Path) -> None:
        self.step = summary.lab
        self.run = run_name(summary, root)
        self.path = summary.path
        model = load_run_model(summary.path)
        dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
        hidden = [layer.input for layer in dense[1:]]
        probabilities = keras.layers.Softmax(dtype="float32", name="probabilities")(model.outputs[0])
        self._view = keras.Model(model.inputs[0], [probabilities, *hidden], name=f"{model.name}_inside")
        self.units = [int(tensor.shape[-1]) for tensor in hidden]
        self.read(np.zeros((1, model.inputs[0].shape[-1]), np.float32))  # traced now, not on a learner's first stroke

    def read(self, images: np.ndarray) -> Reading:
        """The ten probabilities and every hidden layer's activations for each of `images` (784 floats each)."""
        probabilities, *hidden = keras.tree.flatten(self._view.predict_on_batch(images))  # one output comes back bare
        return Reading(np.asarray(probabilities, np.float32), [np.asarray(layer, np.float32) for layer in hidden])


class ModelShelf:
    """The finished runs under a runs folder; each one's network loaded the first time it is asked for, then kept.

    It only reads the folder. A run deleted after its network was loaded is refused from then on,
    so the page never shows a run that the folder no longer has.

    Args:
        root: the runs folder.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._loaded: dict[str, RunModel] = {}
        self._lock = threading.Lock()

    def finished_runs(self) -> list[RunSummary]:
        """Every finished run that saved a model (experiments save none), newest first; a damaged run
        (`tfmlp.runs.list_runs` names it) is left out, as `cli.py runs` leaves it out."""
        intact, _ = list_runs(self.root)
        return [run for run in intact if run.status == "finished" and RunDir(run.path).model.is_file()]

    def default_runs(self) -> list[RunSummary]:
        """The newest finished run of each step, steps in the course's order (10-1, 10-2, ..., 10-8, then the others)."""
        newest: dict[str, RunSummary] = {}
        for run in self.finished_runs():
            newest.setdefault(run.lab, run)
        return [newest[step] for step in sorted(newest, key=step_order)]

    def model(self, run: str | RunSummary) -> RunModel:
        """The network of `run` (a summary, or its name such as "10-4/20261124-120000"), loaded once.

        Raises:
            RunUnavailable: no finished run of that name (any more), or its model cannot be read.
        """
        name = run if isinstance(run, str) else run_name(run, self.root)
        with self._lock:
            loaded = self._loaded.get(name)
            if loaded is not None:
                if RunDir(loaded.path).model.is_file():
                    return loaded
                del self._loaded[name]
                raise RunUnavailable(f"{name} is no longer in {self.root}: its folder or model.keras was deleted")
            summary = run if isinstance(run, RunSummary) else self._finished(name)
            try:
                self._loaded[name] = RunModel(summary, self.root)
            except (OSError, ValueError) as error:
                raise RunUnavailable(f"cannot load the model of {name}: {error}") from None
            return self._loaded[name]

    def _finished(self, name: str) -> RunSummary:
        for summary in self.finished_runs():
            if run_name(summary, self.root) == name:
                return summary
        raise RunUnavailable(f"{self.root} has no finished run {name} (see `cli.py runs --logdir {self.root}`)")


def run_name(run: RunSummary, root: Path) -> str:
    """A run's name as the page and TensorBoard show it: its folder under the runs folder, "10-4/20261124-120000"."""
    return run.path.relative_to(root).as_posix()


def step_order(step: str) -> list[str | int]:
    """Sorts step ids by their numbers: 10-2 before 10-10, the course's steps before "beyond" and "custom"."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", step)]
