"""Hyperparameters as data: frozen dataclasses a lab declares, the CLI overrides and a run saves.

Nothing here imports TensorFlow, so the lab registry (and `cli.py list`) stays instant.
"""

from __future__ import annotations

import dataclasses
import json
import math
import reprlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tfmlp.files import reason
from tfmlp.language import message

# What the lab trains on, as `input_data` split it (`tfmlp.data` reads it; configs are checked against it).
IMAGE_PIXELS = 28 * 28
NUM_CLASSES = 10
VALIDATION_SIZE = 5_000  # input_data kept the first 5,000 training images apart: 55,000 remain.
TRAIN_SIZE = 55_000
TEST_SIZE = 10_000
MAX_SEED = 2**32 - 1  # numpy's and TensorFlow's seeds are unsigned 32-bit


# A refused value as the message shows it: short, however long or deeply nested the file's value was.
_SHORT = reprlib.Repr()  # Python 3.11's takes no arguments
_SHORT.maxlevel, _SHORT.maxlist, _SHORT.maxtuple, _SHORT.maxdict, _SHORT.maxstring, _SHORT.maxother = 3, 8, 8, 8, 60, 60


class ConfigError(ValueError):
    """A configuration holds a value no model or training accepts; the message names the field,
    what it got and what is valid, e.g. "model.dropout_rate must be a number in [0, 1), got 1.0"."""

    @classmethod
    def of(cls, name: str, got: Any, valid: str) -> ConfigError:
        return cls(message("config.must_be", name=name, valid=valid, got=_SHORT.repr(got)))

    def within(self, section: str) -> ConfigError:
        """The same error, its field named as part of `section` ("model", "train")."""
        return ConfigError(f"{section}.{self}")


def integer(name: str, value: Any, low: int, high: int | None = None, why_high: str = "") -> int:
    """`value` if it is an integer in [low, high] (not a bool, not 5.0), else ConfigError naming `name`
    (and `why_high`, the reason for the upper limit)."""
    if high is None:
        valid = message("config.integer_at_least", low=low)
    elif why_high:
        valid = message("config.integer_between_because", low=low, high=high, why=why_high)
    else:
        valid = message("config.integer_between", low=low, high=high)
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        raise ConfigError.of(name, value, valid)
    return value


def number(name: str, value: Any, low: float, high: float, *, low_open: bool = False, high_open: bool = False) -> float:
    """`value` as a float if it is a finite number in the interval, else ConfigError naming `name`."""
    interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    unbounded = math.isinf(high) and low_open
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        if unbounded:
            raise ConfigError.of(name, value, message("config.finite_number_above", low=f"{low:g}"))
        raise ConfigError.of(name, value, message("config.finite_number_in", interval=interval))
    valid = message("config.number_above", low=f"{low:g}") if unbounded else message("config.number_in", interval=interval)
    above = value > low if low_open else value >= low
    below = value < high if high_open else value <= high
    if not (above and below):
        raise ConfigError.of(name, value, valid)
    return float(value)


def text(name: str, value: Any) -> str:
    """`value` if it is a non-empty string, else ConfigError naming `name`."""
    if not isinstance(value, str) or not value:
        raise ConfigError.of(name, value, message("config.name"))
    return value


def flag(name: str, value: Any) -> bool:
    """`value` if it is true or false (or 1 or 0, as searches before this check saved them), else
    ConfigError naming `name`."""
    if value not in (True, False) or not isinstance(value, (bool, int)):
        raise ConfigError.of(name, value, message("config.true_or_false"))
    return bool(value)


PRECISIONS = ("auto", "float32", "bfloat16")
SCHEDULES = ("constant", "cosine")  # of the learning rate: the labs' constant, or cosine decay to zero after a warm-up
# The cost a run trains on (`tfmlp.losses`): the course's softmax cross-entropy, or the squared error of
# the softmax's probabilities or of ten sigmoid outputs against the one-hot label (`lab losses`).
LOSSES = ("cross_entropy", "softmax_mse", "sigmoid_mse")


def choice(name: str, value: Any, valid: Iterable[str]) -> str:
    """`value` if it is one of `valid`, else ConfigError naming `name` and the valid ones."""
    names = list(valid)
    if value not in names:
        raise ConfigError.of(name, value, message("config.one_of", names=", ".join(names)))
    return value


@dataclass(frozen=True)
class ModelConfig:
    """What `tfmlp.models.mlp` builds: hidden widths, then how each layer is made.

    `widths=()` is softmax regression: the 784 inputs straight to the 10 logits. Types and ranges
    are checked here, on creation; the names of activations and initializers where they are made
    (`tfmlp.models`), which knows them.
    """

    widths: tuple[int, ...] = ()
    activation: str = "relu"
    kernel_init: str = "xavier"
    bias_init: str = "normal"
    dropout_rate: float = 0.0
    dropout_type: str = "standard"
    batch_norm: bool = False
    batch_norm_momentum: float = 0.99
    # Random distortions of each training image, drawn afresh every step (`tfmlp.distortions`; none at test):
    augment_shift: float = 0.0  # translation, a fraction of the image's size each way (0.1: up to 2.8 pixels)
    augment_rotation: float = 0.0  # a fraction of a full turn each way (0.03: up to 10.8 degrees)
    augment_zoom: float = 0.0  # a fraction of the size, in or out
    augment_elastic_alpha: float = 0.0  # elastic displacements (Simard et al. 2003): a smoothed uniform(-1, 1) field x this, in pixels
    augment_elastic_sigma: float = 4.0  # the Gaussian that smooths the elastic field, its standard deviation in pixels

    def __post_init__(self) -> None:
        if not isinstance(self.widths, (list, tuple)) or not all(
            isinstance(width, int) and not isinstance(width, bool) and width >= 1 for width in self.widths
        ):
            raise ConfigError.of("widths", self.widths, message("config.widths"))
        object.__setattr__(self, "widths", tuple(self.widths))  # JSON gives lists back.
        for name in ("activation", "kernel_init", "bias_init", "dropout_type"):
            text(name, getattr(self, name))
        object.__setattr__(self, "dropout_rate", number("dropout_rate", self.dropout_rate, 0.0, 1.0, high_open=True))
        object.__setattr__(self, "batch_norm", flag("batch_norm", self.batch_norm))
        object.__setattr__(self, "batch_norm_momentum", number("batch_norm_momentum", self.batch_norm_momentum, 0.0, 1.0, high_open=True))
        for name in ("augment_shift", "augment_rotation", "augment_zoom"):
            object.__setattr__(self, name, number(name, getattr(self, name), 0.0, 0.5, high_open=True))
        object.__setattr__(self, "augment_elastic_alpha", number("augment_elastic_alpha", self.augment_elastic_alpha, 0.0, 100.0))
        object.__setattr__(
            self, "augment_elastic_sigma", number("augment_elastic_sigma", self.augment_elastic_sigma, 0.0, 16.0, low_open=True)
        )

    @property
    def augments(self) -> bool:
        """Whether training images are randomly distorted."""
        return bool(self.augment_shift or self.augment_rotation or self.augment_zoom or self.augment_elastic_alpha)

    def parameter_count(self, input_dim: int = IMAGE_PIXELS, num_classes: int = NUM_CLASSES) -> int:
        """Weights the network holds, without building it: a hidden layer with batch norm has no bias
        but four vectors of batch norm (scale, offset, moving mean and variance)."""
        sizes = (input_dim, *self.widths, num_classes)
        per_unit = 4 if self.batch_norm else 1
        hidden = sum(fan_in * width + per_unit * width for fan_in, width in zip(sizes, self.widths))
        return hidden + sizes[-2] * num_classes + num_classes


@dataclass(frozen=True)
class TrainConfig:
    """How a model is trained: the original lab's 15 epochs of batch 100 with Adam 0.001, seed 777."""

    epochs: int = 15
    batch_size: int = 100
    learning_rate: float = 0.001
    optimizer: str = "adam"
    seed: int = 777
    deterministic: bool = False  # tf.config.experimental.enable_op_determinism: bit-identical reruns, slower
    precision: str = "auto"  # of the matrix products: float32, bfloat16, or auto (bfloat16 where the CPU has AMX)
    schedule: str = "constant"  # "cosine": from 0 up to learning_rate over warmup_epochs, then down to 0 by the last epoch
    warmup_epochs: float = 0.0
    weight_decay: float = 0.0  # decoupled from the gradient (AdamW's): each step shrinks weights by lr x this
    ema: bool = False  # end with the exponential moving average of the weights (Keras's use_ema, momentum 0.99)
    loss: str = "cross_entropy"  # the cost: one of LOSSES (the model outputs logits for every one)
    max_seconds: float = 0.0  # stop once training has taken this long (validation not counted); 0: train every epoch

    def __post_init__(self) -> None:
        integer("epochs", self.epochs, 1)
        integer("batch_size", self.batch_size, 1, TRAIN_SIZE, why_high=message("config.training_set_size"))
        learning_rate = number("learning_rate", self.learning_rate, 0.0, math.inf, low_open=True)
        object.__setattr__(self, "learning_rate", learning_rate)
        text("optimizer", self.optimizer)
        integer("seed", self.seed, 0, MAX_SEED)
        object.__setattr__(self, "deterministic", flag("deterministic", self.deterministic))
        choice("precision", self.precision, PRECISIONS)
        choice("schedule", self.schedule, SCHEDULES)
        object.__setattr__(self, "warmup_epochs", number("warmup_epochs", self.warmup_epochs, 0.0, self.epochs, high_open=True))
        object.__setattr__(self, "weight_decay", number("weight_decay", self.weight_decay, 0.0, 1.0, high_open=True))
        object.__setattr__(self, "ema", flag("ema", self.ema))
        choice("loss", self.loss, LOSSES)
        object.__setattr__(self, "max_seconds", number("max_seconds", self.max_seconds, 0.0, math.inf, high_open=True))


@dataclass(frozen=True)
class RBMConfig:
    """How each restricted Boltzmann machine of a pre-trained stack trains (`tfmlp.rbm`), after Hinton's
    "A practical guide to training restricted Boltzmann machines" (2010)."""

    epochs: int = 10
    batch_size: int = 100
    learning_rate: float = 0.1
    initial_momentum: float = 0.5  # while the weights are far from good, big steps would oscillate
    final_momentum: float = 0.9
    momentum_switch_epoch: int = 1  # the final momentum from the second epoch on, once the first big strides are made
    weight_decay: float = 0.0002  # L2, on the weights only: keeps them small, the features smoother
    cd_steps: int = 1  # k of CD-k: Gibbs steps from the data before the negative statistics are taken


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
        """The inverse of `to_dict`, for replaying a saved run's `config.json`.

        Raises:
            ConfigError: a section is not an object, has a field no configuration has, or a field's
                value has the wrong type or range; the message names the field ("train.epochs").
        """
        sections = {"model": ModelConfig, "train": TrainConfig}
        made = {}
        for section, kind in sections.items():
            values = data.get(section, {})
            if not isinstance(values, dict):
                raise ConfigError.of(section, values, message("config.object_of_fields"))
            names = [item.name for item in dataclasses.fields(kind)]
            if unknown := sorted(set(values) - set(names)):
                raise ConfigError(message("config.no_such_field", section=section, field=repr(unknown[0]), fields=", ".join(names)))
            try:
                made[section] = kind(**values)
            except ConfigError as error:
                raise error.within(section) from None
        return cls(**made)

    @classmethod
    def load(cls, path: str | Path) -> LabConfig:
        """A configuration saved by a run or a search (`config.json`, `best.json`), to replay it.

        Raises:
            ValueError: the file is missing or not JSON, or holds keys no configuration has
                (`ConfigError`, naming the field, for a value of the wrong type or range).
        """
        data = read_json_object(path, allowed_keys={"lab", "model", "train"}, what=message("config.lab_configuration"))
        try:
            return cls.from_dict(data)
        except ConfigError as error:
            raise ConfigError(f"{path}: {error}") from None

    def with_training(self, **overrides: Any) -> LabConfig:
        """A copy whose training fields are replaced, skipping overrides that are None (options not given)."""
        given = {name: value for name, value in overrides.items() if value is not None}
        return dataclasses.replace(self, train=dataclasses.replace(self.train, **given))


def read_json_object(path: str | Path, allowed_keys: set[str], what: str) -> dict[str, Any]:
    """A JSON object from a user's file, refused in plain words (ValueError) when the file is missing,
    is not text or not JSON, nests deeper than Python's parser can follow (it would end in a
    RecursionError), is not an object or has keys outside `allowed_keys` (a typo must not be ignored)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise ValueError(message("config.cannot_read", path=path, system=error.strerror, reason=reason(error) or error.strerror)) from None
    except UnicodeDecodeError as error:
        raise ValueError(message("config.not_text", path=path, byte=error.start)) from None
    except json.JSONDecodeError as error:
        raise ValueError(message("config.not_json", path=path, detail=error.msg, line=error.lineno)) from None
    except RecursionError:
        raise ValueError(message("config.nested_too_deeply", path=path, what=what)) from None
    if not isinstance(data, dict):
        raise ValueError(message("config.not_an_object", path=path, what=what, kind=type(data).__name__, got=json.dumps(data)[:40]))
    unknown = sorted(set(data) - allowed_keys)
    if unknown:
        raise ValueError(message("config.unknown_keys", path=path, what=what, keys=", ".join(unknown)))
    return data
