"""Epoch checkpoints, so that an interrupted run continues where it stopped and ends as if it never had.

After every epoch `EpochCheckpoint` saves the model's weights with the optimizer's state, the state
of every dropout layer's random generator, and the history so far; `restore_checkpoint` puts them
back before `fit` continues. Why not `keras.callbacks.BackupAndRestore`: it keeps neither the
random generators' state (Keras does not save it with the weights) nor the history, and its epoch
is known only once `fit` has started, too late to start the data stream at the right epoch.

Epoch N is two files, `epoch-NNNN.weights.h5` and its state `epoch-NNNN.json`, which records the
weights file's size and SHA-256. Each is written whole (`tfmlp.files`), the state after its weights,
and the last two epochs are kept: a kill at any moment leaves the last completed epoch, and if its
files are damaged later (a disk fault, a copy cut short), the checksum says so and the epoch
before it is still there.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keras

from tfmlp.files import DamagedFile, read_json, write_json, written_whole
from tfmlp.language import message

KEPT_EPOCHS = 2  # the last one, and the one before it in case the last is damaged


@dataclass
class Checkpoint:
    """Where a run stands: epochs completed and their history (`fit`'s `history.history`)."""

    epochs_done: int = 0
    history: dict[str, list[float]] = field(default_factory=dict)


class NoIntactEpoch(ValueError):
    """A checkpoint folder holds saved epochs, but every one of them is damaged."""


@dataclass(frozen=True)
class SavedEpoch:
    """One completed epoch in a checkpoint folder, its files checked."""

    epochs_done: int
    weights: Path
    random_states: list[list[int]]
    history: dict[str, list[float]]


class EpochCheckpoint(keras.callbacks.Callback):
    """Saves the training state into `directory` after every epoch (see the module's docstring)."""

    def __init__(self, directory: Path, start: Checkpoint) -> None:
        super().__init__()
        self._directory, self._history = directory, {name: list(values) for name, values in start.history.items()}

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        for name, value in (logs or {}).items():
            self._history.setdefault(name, []).append(float(value))
        self._directory.mkdir(parents=True, exist_ok=True)
        weights = self._directory / f"{_epoch_name(epoch + 1)}.weights.h5"
        with written_whole(weights) as temporary:
            self.model.save_weights(temporary)
        state = {
            "epochs_done": epoch + 1,
            "weights": weights.name,
            "weights_size": weights.stat().st_size,
            "weights_sha256": _sha256(weights),
            "random_states": _random_states(self.model),
            "history": self._history,
        }
        write_json(weights.with_name(f"{_epoch_name(epoch + 1)}.json"), state)
        stale = _epoch_name(epoch + 1 - KEPT_EPOCHS)
        for older in (self._directory / f"{stale}.json", self._directory / f"{stale}.weights.h5"):
            older.unlink(missing_ok=True)


def newest_intact_epoch(directory: Path) -> tuple[SavedEpoch | None, list[DamagedFile]]:
    """The newest epoch saved in `directory` whose files are intact, and the damaged files of newer ones.

    Returns:
        The epoch (None when none was saved: a fresh start), and what was damaged, newest first.

    Raises:
        NoIntactEpoch: epochs were saved, but every one is damaged.
    """
    damaged: list[DamagedFile] = []
    for state_file in sorted(directory.glob("epoch-*.json"), key=lambda path: (len(path.name), path.name), reverse=True):
        try:
            return _read_epoch(state_file), damaged
        except DamagedFile as error:
            damaged.append(error)
    if damaged:
        raise NoIntactEpoch(message("checkpoint.none_intact", folder=directory, damaged="; ".join(map(str, damaged))))
    return None, damaged


def restore_checkpoint(model: keras.Model, directory: Path) -> Checkpoint:
    """Load the newest intact epoch saved in `directory` into a compiled `model`; a fresh start if none.

    Call it inside the distribution strategy's scope, where the model was built.

    Raises:
        NoIntactEpoch: epochs were saved, but every one is damaged.
    """
    saved, _ = newest_intact_epoch(directory)
    if saved is None:
        return Checkpoint()
    if not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)  # its slots must exist to receive the saved state
    model.load_weights(saved.weights)
    for variable, value in zip(_random_state_variables(model), saved.random_states, strict=True):
        variable.assign(value)
    return Checkpoint(saved.epochs_done, saved.history)


def saved_epochs(directory: Path) -> int:
    """Epochs completed by the newest intact epoch in `directory` (0 when there is none)."""
    try:
        saved, _ = newest_intact_epoch(directory)
    except NoIntactEpoch:
        return 0
    return saved.epochs_done if saved else 0


def _read_epoch(state_file: Path) -> SavedEpoch:
    """The epoch that `state_file` describes, once its weights file is checked against the size and checksum it records."""
    state = read_json(state_file)
    try:
        weights, size, digest = state_file.with_name(state["weights"]), int(state["weights_size"]), state["weights_sha256"]
        saved = SavedEpoch(int(state["epochs_done"]), weights, state["random_states"], state["history"])
    except (KeyError, TypeError, ValueError):
        raise DamagedFile(state_file, message("checkpoint.not_a_state")) from None
    if not weights.is_file():
        raise DamagedFile(weights, message("checkpoint.missing"), message("checkpoint.file_missing", path=weights))
    if (actual := weights.stat().st_size) != size:
        raise DamagedFile(weights, message("checkpoint.wrong_size", actual=f"{actual:,}", size=f"{size:,}"))
    if _sha256(weights) != digest:
        raise DamagedFile(weights, message("checkpoint.checksum"))
    return saved


def _epoch_name(epochs_done: int) -> str:
    return f"epoch-{epochs_done:04d}"


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _random_state_variables(model: keras.Model) -> list[Any]:
    """The states of the model's random generators (dropout's), in the model's own order."""
    return [variable for variable in model.variables if variable.path.endswith("seed_generator_state")]


def _random_states(model: keras.Model) -> list[list[int]]:
    return [[int(value) for value in variable.numpy()] for variable in _random_state_variables(model)]
