"""Epoch checkpoints, so that an interrupted run continues where it stopped and ends as if it never had.

After every epoch `EpochCheckpoint` saves the model's weights with the optimizer's state, the state
of every dropout layer's random generator, and the history so far; `restore_checkpoint` puts them
back before `fit` continues. Why not `keras.callbacks.BackupAndRestore`: it keeps neither the
random generators' state (Keras does not save it with the weights) nor the history, and its epoch
is known only once `fit` has started, too late to start the data stream at the right epoch.

The folder holds `epoch-NNNN.weights.h5` and `state.json`. `state.json` is replaced atomically
after the weights it names are complete, so a kill at any moment leaves the last completed epoch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keras

from tfmlp.runs import write_json

STATE_FILE = "state.json"


@dataclass
class Checkpoint:
    """Where a run stands: epochs completed and their history (`fit`'s `history.history`)."""

    epochs_done: int = 0
    history: dict[str, list[float]] = field(default_factory=dict)


class EpochCheckpoint(keras.callbacks.Callback):
    """Saves the training state into `directory` after every epoch (see the module's docstring)."""

    def __init__(self, directory: Path, start: Checkpoint) -> None:
        super().__init__()
        self._directory, self._history = directory, {name: list(values) for name, values in start.history.items()}

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        for name, value in (logs or {}).items():
            self._history.setdefault(name, []).append(float(value))
        self._directory.mkdir(parents=True, exist_ok=True)
        weights = self._directory / f"epoch-{epoch + 1:04d}.weights.h5"
        self.model.save_weights(weights)
        state = {"epochs_done": epoch + 1, "weights": weights.name, "random_states": _random_states(self.model), "history": self._history}
        write_json(self._directory / STATE_FILE, state)
        for older in self._directory.glob("epoch-*.weights.h5"):
            if older != weights:
                older.unlink()


def restore_checkpoint(model: keras.Model, directory: Path) -> Checkpoint:
    """Load the last completed epoch saved in `directory` into a compiled `model`; a fresh start if none.

    Call it inside the distribution strategy's scope, where the model was built.
    """
    state_file = directory / STATE_FILE
    if not state_file.is_file():
        return Checkpoint()
    state = json.loads(state_file.read_text())
    if not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)  # its slots must exist to receive the saved state
    model.load_weights(directory / state["weights"])
    for variable, value in zip(_random_state_variables(model), state["random_states"], strict=True):
        variable.assign(value)
    return Checkpoint(state["epochs_done"], state["history"])


def saved_epochs(directory: Path) -> int:
    """Epochs completed by the checkpoint in `directory` (0 when there is none)."""
    state_file = directory / STATE_FILE
    return json.loads(state_file.read_text())["epochs_done"] if state_file.is_file() else 0


def _random_state_variables(model: keras.Model) -> list[Any]:
    """The states of the model's random generators (dropout's), in the model's own order."""
    return [variable for variable in model.variables if variable.path.endswith("seed_generator_state")]


def _random_states(model: keras.Model) -> list[list[int]]:
    return [[int(value) for value in variable.numpy()] for variable in _random_state_variables(model)]
