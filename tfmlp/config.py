"""Hyperparameters as data: frozen dataclasses a lab declares, the CLI overrides and a run saves.

Nothing here imports TensorFlow, so the lab registry (and `cli.py list`) stays instant.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class ConfigError(ValueError):
    """A configuration names a value no model or training accepts; the message says which."""


@dataclass(frozen=True)
class ModelConfig:
    """What `tfmlp.models.mlp` builds: hidden widths, then how each layer is made.

    `widths=()` is softmax regression: the 784 inputs straight to the 10 logits. `mlp` checks the
    values, so a config is validated exactly where the model is built.
    """

    widths: tuple[int, ...] = ()
    activation: str = "relu"
    kernel_init: str = "xavier"
    bias_init: str = "normal"
    dropout_rate: float = 0.0
    dropout_type: str = "standard"
    batch_norm: bool = False
    batch_norm_momentum: float = 0.99

    def __post_init__(self) -> None:
        object.__setattr__(self, "widths", tuple(self.widths))  # JSON gives lists back.


@dataclass(frozen=True)
class TrainConfig:
    """How a model is trained: the original lab's 15 epochs of batch 100 with Adam 0.001, seed 777."""

    epochs: int = 15
    batch_size: int = 100
    learning_rate: float = 0.001
    optimizer: str = "adam"
    seed: int = 777
    deterministic: bool = False  # tf.config.experimental.enable_op_determinism: bit-identical reruns, slower

    def __post_init__(self) -> None:
        if self.epochs < 1:
            raise ValueError(f"epochs must be at least 1, got {self.epochs}")
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {self.batch_size}")
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be positive, got {self.learning_rate}")


@dataclass(frozen=True)
class LabConfig:
    """A lab step's whole recipe: the model and its training."""

    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (tuples become lists)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LabConfig:
        """The inverse of `to_dict`, for replaying a saved run's `config.json`."""
        return cls(model=ModelConfig(**data.get("model", {})), train=TrainConfig(**data.get("train", {})))

    @classmethod
    def load(cls, path: str | Path) -> LabConfig:
        """A configuration saved by a run or a search (`config.json`, `best.json`), to replay it.

        Raises:
            ValueError: the file is missing, is not JSON, or holds keys no configuration has.
        """
        data = read_json_object(path, allowed_keys={"lab", "model", "train"}, what="lab configuration")
        try:
            return cls.from_dict(data)
        except TypeError as error:
            raise ValueError(f"{path} does not describe a lab configuration: {error}") from None

    def with_training(self, **overrides: Any) -> LabConfig:
        """A copy whose training fields are replaced, skipping overrides that are None (options not given)."""
        given = {name: value for name, value in overrides.items() if value is not None}
        return dataclasses.replace(self, train=dataclasses.replace(self.train, **given))


def read_json_object(path: str | Path, allowed_keys: set[str], what: str) -> dict[str, Any]:
    """A JSON object from a user's file, refused in plain words (ValueError) when the file is missing,
    is not JSON, is not an object or has keys outside `allowed_keys` (a typo must not be ignored)."""
    try:
        data = json.loads(Path(path).read_text())
    except OSError as error:
        raise ValueError(f"cannot read {path}: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not valid JSON ({error.msg} at line {error.lineno})") from None
    unknown = sorted(set(data) - allowed_keys) if isinstance(data, dict) else ["(not an object)"]
    if unknown:
        raise ValueError(f"{path} has keys no {what} has: {', '.join(unknown)}")
    return data
