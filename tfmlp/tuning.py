"""Hyperparameter search with keras-tuner, on the same data pipeline, factory and compile as the labs.

The course says hyperparameters are found "by trying"; keras-tuner does the trying. Each trial
draws a `LabConfig` from a `SearchSpace` and builds it with `tfmlp.models.mlp_from_config`: there
is no second model definition. Trials are scored on the 5,000 validation images only; the test set
is touched once, by the best model, after the search.
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras
import keras_tuner
from keras_tuner.engine.trial import TrialStatus

from tfmlp.config import (
    SCHEDULES,
    TRAIN_SIZE,
    ConfigError,
    LabConfig,
    ModelConfig,
    TrainConfig,
    choice,
    flag,
    integer,
    number,
    read_json_object,
    text,
)
from tfmlp.data import MnistArrays, MnistDatasets, make_datasets
from tfmlp.files import write_json, written_whole
from tfmlp.language import message
from tfmlp.machine import require_memory
from tfmlp.models import INITIALIZERS, check_activation, mlp_from_config
from tfmlp.search_state import (
    BayesianOptimizationOracle,
    HyperbandOracle,
    HyperbandTuner,
    RandomSearchOracle,
    SearchTuner,
    repair_search,
)
from tfmlp.training import OPTIMIZERS, Placement, build_and_compile, place, train_epochs

# Each tuner is keras-tuner's oracle of that name, its state written whole (`tfmlp.search_state`).
TUNERS = {"random": RandomSearchOracle, "bayesian": BayesianOptimizationOracle, "hyperband": HyperbandOracle}
STATE_FOLDER = "search"  # keras-tuner's record of the search, inside the search's folder
OBJECTIVE = "val_accuracy"

# keras-tuner's Bayesian search starts with 3 random trials per hyperparameter (27 here): longer than a
# 30-minute search on a laptop lasts. After these few, the Gaussian process chooses.
BAYESIAN_RANDOM_TRIALS = 6
# Augmentation at strength 1, as `lab beyond` distorts: shift, rotation, zoom (`ModelConfig.augment_*`).
AUGMENTATION_AT_STRENGTH_ONE = (0.1, 0.03, 0.1)
ELASTIC_ALPHA_STEP = 8.0  # pixels: the elastic strengths a search tries (0, 8, ..., smoothed by the default sigma of 4)


def search_role() -> str:
    """This process's part in keras-tuner's distributed mode, from its environment: "chief" (runs the
    oracle), "worker" (runs trials, `KERASTUNER_TUNER_ID` another name), or "alone" (no
    `KERASTUNER_ORACLE_IP`: an ordinary search)."""
    if not os.environ.get("KERASTUNER_ORACLE_IP"):
        return "alone"
    return "chief" if "chief" in tuner_id() else "worker"


def tuner_id() -> str:
    """This process's name in keras-tuner's files (`<id>.json`): `KERASTUNER_TUNER_ID`, or keras-tuner's default."""
    return os.environ.get("KERASTUNER_TUNER_ID", "tuner0")


def _range(name: str, value: Any, check: Callable[[str, Any], Any]) -> tuple[Any, Any]:
    """`value` as (low, high), each value passed by `check` (given its name, "depth[0]"), low ≤ high."""
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise ConfigError.of(name, value, message("tuning.low_high"))
    low, high = (check(f"{name}[{index}]", item) for index, item in enumerate(value))
    if low > high:
        raise ConfigError.of(name, list(value), message("tuning.low_below_high"))
    return low, high


def _drawn(draw: Callable[..., Any], name: str, bounds: tuple[Any, Any], **options: Any) -> Any:
    """`draw(name, low, high, **options)` (keras-tuner's `hp.Float` or `hp.Int`), or `low` itself when
    the range is a single value, so that a space which leaves a field out adds no hyperparameter."""
    low, high = bounds
    return draw(name, low, high, **options) if high > low else low


def _options(name: str, value: Any, check: Callable[[str, Any], Any]) -> tuple[Any, ...]:
    """`value` as a tuple of options, each passed by `check` (given its name, "optimizers[1]"), at least one."""
    if not isinstance(value, (list, tuple)) or not value:
        raise ConfigError.of(name, value, message("tuning.non_empty_list"))
    return tuple(check(f"{name}[{index}]", item) for index, item in enumerate(value))


@dataclass(frozen=True)
class SearchSpace:
    """Where the search looks. Every range is inclusive; widths step by 64."""

    depth: tuple[int, int] = (1, 5)
    width: tuple[int, int] = (64, 1024)
    activations: tuple[str, ...] = ("relu", "elu", "selu", "leaky_relu", "tanh")
    initializers: tuple[str, ...] = ("xavier", "he", "normal")
    dropout_rate: tuple[float, float] = (0.0, 0.5)
    batch_norm: tuple[bool, ...] = (False, True)
    optimizers: tuple[str, ...] = ("adam", "rmsprop", "momentum")
    learning_rate: tuple[float, float] = (1e-4, 1e-2)
    batch_sizes: tuple[int, ...] = (32, 64, 100, 128, 256)
    # Beyond the course (`lab beyond`); the defaults leave them out of the search:
    augmentation: tuple[float, float] = (0.0, 0.0)  # strength: 1 distorts as `lab beyond` does (shift 0.1, rotation 0.03, zoom 0.1)
    elastic_alpha: tuple[float, float] = (0.0, 0.0)  # elastic distortions' scale in pixels (`ModelConfig.augment_elastic_alpha`)
    schedules: tuple[str, ...] = ("constant",)
    weight_decay: tuple[float, float] = (0.0, 0.0)
    epochs: tuple[int, int] | None = None  # None: every trial trains `tune --epochs`

    def __post_init__(self) -> None:
        """Checks every field's type and range, and that the largest network of the space fits in memory.

        Raises:
            ConfigError: the message names the field ("learning_rate[0] must be ...").
        """
        training_set = message("config.training_set_size")
        checked = {
            "depth": _range("depth", self.depth, lambda name, value: integer(name, value, 1)),
            "width": _range("width", self.width, lambda name, value: integer(name, value, 1)),
            "dropout_rate": _range("dropout_rate", self.dropout_rate, lambda name, value: number(name, value, 0.0, 1.0, high_open=True)),
            "learning_rate": _range(
                "learning_rate", self.learning_rate, lambda name, value: number(name, value, 0.0, math.inf, low_open=True)
            ),
            "activations": _options("activations", self.activations, lambda name, value: check_activation(text(name, value), name)),
            "initializers": _options("initializers", self.initializers, lambda name, value: choice(name, value, INITIALIZERS)),
            "optimizers": _options("optimizers", self.optimizers, lambda name, value: choice(name, value, OPTIMIZERS)),
            "batch_norm": _options("batch_norm", self.batch_norm, flag),
            "batch_sizes": _options("batch_sizes", self.batch_sizes, lambda name, value: integer(name, value, 1, TRAIN_SIZE, training_set)),
            "augmentation": _range("augmentation", self.augmentation, lambda name, value: number(name, value, 0.0, 4.0)),
            "elastic_alpha": _range("elastic_alpha", self.elastic_alpha, lambda name, value: number(name, value, 0.0, 100.0)),
            "schedules": _options("schedules", self.schedules, lambda name, value: choice(name, value, SCHEDULES)),
            "weight_decay": _range("weight_decay", self.weight_decay, lambda name, value: number(name, value, 0.0, 1.0, high_open=True)),
            "epochs": None if self.epochs is None else _range("epochs", self.epochs, lambda name, value: integer(name, value, 1)),
        }
        for name, value in checked.items():
            object.__setattr__(self, name, value)  # JSON's lists become tuples
        largest = LabConfig(
            ModelConfig(widths=(self.width[1],) * self.depth[1], batch_norm=True), TrainConfig(batch_size=max(self.batch_sizes))
        )
        require_memory(largest, what=message("tuning.largest_network"))

    def draw(self, hp: keras_tuner.HyperParameters, epochs: int, seed: int) -> LabConfig:
        """One configuration, its values drawn through keras-tuner's `hp` (as Python numbers: a
        configuration refuses numpy's, and keras-tuner's optimizers may hand them back). The fields
        beyond the course are drawn only where their range is not a single value."""
        depth = int(hp.Int("depth", *self.depth))
        strength = float(_drawn(hp.Float, "augmentation", self.augmentation, step=0.25))
        shift, rotation, zoom = (strength * unit for unit in AUGMENTATION_AT_STRENGTH_ONE)
        model = ModelConfig(
            widths=(int(hp.Int("width", *self.width, step=64)),) * depth,
            activation=hp.Choice("activation", list(self.activations)),
            kernel_init=hp.Choice("kernel_init", list(self.initializers)),
            bias_init="zeros",
            dropout_rate=float(hp.Float("dropout_rate", *self.dropout_rate, step=0.1)),
            batch_norm=bool(hp.Choice("batch_norm", list(self.batch_norm))),  # a bool comes back as 0 or 1
            augment_shift=shift,
            augment_rotation=rotation,
            augment_zoom=zoom,
            augment_elastic_alpha=float(_drawn(hp.Float, "elastic_alpha", self.elastic_alpha, step=ELASTIC_ALPHA_STEP)),
        )
        schedule = hp.Choice("schedule", list(self.schedules)) if len(self.schedules) > 1 else self.schedules[0]
        epochs = int(_drawn(hp.Int, "epochs", self.epochs)) if self.epochs else epochs
        train = TrainConfig(
            epochs=epochs,
            batch_size=int(hp.Choice("batch_size", list(self.batch_sizes))),
            learning_rate=float(hp.Float("learning_rate", *self.learning_rate, sampling="log")),
            optimizer=hp.Choice("optimizer", list(self.optimizers)),
            seed=seed,
            schedule=schedule,
            warmup_epochs=min(1.0, epochs / 10) if schedule == "cosine" else 0.0,
            weight_decay=float(_drawn(hp.Float, "weight_decay", self.weight_decay)),
        )
        return LabConfig(model=model, train=train)

    @classmethod
    def load(cls, path: str | Path) -> SearchSpace:
        """A space from a JSON file naming the fields to change, e.g. `{"depth": [2, 3], "optimizers": ["adam"]}`.

        Raises:
            ValueError: the file is unreadable, not JSON, or names a field no space has
                (`ConfigError`, naming the field, for a value of the wrong type or range).
        """
        fields = {field.name for field in dataclasses.fields(cls)}
        data = read_json_object(path, allowed_keys=fields, what=message("tuning.search_space"))
        try:
            return cls(**data)
        except ConfigError as error:
            raise ConfigError(f"{path}: {error}") from None


# The course's lessons as a search space: ReLU-like activations, Xavier or He, Adam, dropout, and
# the widths and depths of lab 10. Every trial here is a sensible network, so a short search spends
# its minutes comparing good candidates instead of discovering that tanh with SGD is slow.
SPACES = {
    "default": SearchSpace(),
    "course": SearchSpace(
        depth=(2, 4),
        width=(256, 1024),
        activations=("relu", "elu", "leaky_relu"),
        initializers=("xavier", "he"),
        dropout_rate=(0.1, 0.5),
        optimizers=("adam",),
        learning_rate=(3e-4, 3e-3),
        batch_sizes=(100, 128, 256),
    ),
    # Beyond the course (`lab beyond`): augmentation, a cosine schedule, weight decay and longer
    # training join the course's ReLU networks; trials take minutes, so a search sees fewer of them.
    "beyond": SearchSpace(
        depth=(2, 3),
        width=(512, 1024),
        activations=("relu",),
        initializers=("he",),
        dropout_rate=(0.1, 0.3),
        batch_norm=(False,),
        optimizers=("adam",),
        learning_rate=(5e-4, 2e-3),
        batch_sizes=(100, 200),
        augmentation=(0.0, 1.5),
        elastic_alpha=(0.0, 40.0),
        schedules=("constant", "cosine"),
        weight_decay=(0.0, 0.05),
        epochs=(8, 20),
    ),
}


def load_space(name_or_path: str) -> SearchSpace:
    """A space by name (`SPACES`: "default", "course", "beyond") or from a JSON file (see `SearchSpace.load`)."""
    return SPACES[name_or_path] if name_or_path in SPACES else SearchSpace.load(name_or_path)


class MlpHyperModel(keras_tuner.HyperModel):
    """keras-tuner's view of the labs: a trial builds and trains as `lab` does (`build_and_compile`,
    `train_epochs`: a whole epoch per compiled call where the plan allows), scored on validation."""

    def __init__(self, space: SearchSpace, arrays: MnistArrays, epochs: int, seed: int, placement: Placement) -> None:
        super().__init__(name="mlp")
        self._space, self._arrays, self._epochs, self._seed, self._placement = space, arrays, epochs, seed, placement

    def config(self, hp: keras_tuner.HyperParameters) -> LabConfig:
        """The lab configuration that `hp`'s values stand for."""
        return self._space.draw(hp, self._epochs, self._seed)

    def build(self, hp: keras_tuner.HyperParameters) -> keras.Model:
        config = self.config(hp)
        keras.utils.set_random_seed(config.train.seed)
        data = self._datasets(config)
        return build_and_compile(lambda: mlp_from_config(config.model), data, config.train, self._placement)

    def fit(self, hp: keras_tuner.HyperParameters, model: keras.Model, *args: Any, **kwargs: Any) -> dict[str, float]:
        config = self.config(hp)
        started = time.perf_counter()
        history = train_epochs(
            model,
            self._datasets(config),
            first=kwargs.get("initial_epoch", 0),
            stop=kwargs.get("epochs", config.train.epochs),  # hyperband sets its own
            callbacks=kwargs.get("callbacks", []),
        )
        seconds = time.perf_counter() - started
        best = max(history.history[OBJECTIVE])
        print(message("tuning.trial", config=describe(config), accuracy=f"{best:.4f}", seconds=f"{seconds:.0f}"), flush=True)
        return {OBJECTIVE: best, "val_loss": min(history.history["val_loss"]), "seconds": seconds}

    def _datasets(self, config: LabConfig) -> MnistDatasets:
        return make_datasets(self._arrays, config.train.batch_size, config.train.seed)


class SearchDeadline(keras.callbacks.Callback):
    """Ends the search cleanly at a wall-clock deadline: the running trial stops after its current
    epoch, and the oracle starts no new trial."""

    def __init__(self, oracle: keras_tuner.Oracle, deadline: float) -> None:
        super().__init__()
        self._oracle, self._deadline = oracle, deadline

    def __deepcopy__(self, memo: dict[int, Any]) -> SearchDeadline:
        return self  # keras-tuner deep-copies callbacks for each trial; this one must reach the live oracle

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if time.monotonic() >= self._deadline:
            self.model.stop_training = True
            self._oracle.max_trials = len(self._oracle.trials)


@dataclass
class SearchResult:
    """The search's top trials, and the best model's test accuracy (its one look at the test set)."""

    top: list[dict[str, Any]]
    best_config: LabConfig
    best_model: keras.Model = dataclasses.field(repr=False)
    test_accuracy: float
    trials_run: int


def search(
    arrays: MnistArrays,
    directory: Path,
    *,
    tuner: str = "random",
    max_trials: int = 20,
    epochs: int = 5,
    max_minutes: float | None = None,
    seed: int = 777,
    fresh: bool = False,
    space: SearchSpace = SearchSpace(),
    top: int = 5,
) -> SearchResult | None:
    """Search MLP hyperparameters, then test the best model once.

    In keras-tuner's distributed mode (`search_role`) the chief runs the oracle until every worker
    has ended, then tests and saves the best model, once; each worker runs trials until the oracle
    has none left and returns None. All of them name the same `directory` (on several machines, a
    shared folder): the trials' checkpoints and logs land there, and the chief reads them.

    Args:
        arrays: MNIST; trials see `train` and `validation` only.
        directory: the search's folder: keras-tuner's state (`search/`, so an interrupted search resumes;
            checked, and repaired where damaged, before it does: `tfmlp.search_state.repair_search`),
            TensorBoard logs of every trial (`logs/`, with HParams), `best.keras`, `best.json`.
        tuner: "random", "bayesian" or "hyperband".
        max_trials: trials at most (for hyperband: its budget of epochs is `epochs` per bracket).
        epochs: epochs per trial.
        max_minutes: wall-clock budget; None for none.
        seed: seeds the search and every trial's training.
        fresh: forget a previous search in `directory` instead of resuming it (the chief's or a
            lone search's choice: a worker never deletes the folder it shares).
        space: where to look.
        top: trials in the final table.

    Returns:
        The top trials (hyperparameters, validation accuracy, seconds), the best configuration, its
        model and test accuracy; None in a worker.
    """
    if tuner not in TUNERS:
        raise ValueError(message("tuning.unknown_tuner", tuner=repr(tuner), valid=", ".join(TUNERS)))
    placement = place()
    hypermodel = MlpHyperModel(space, arrays, epochs, seed, placement)
    settings: dict[str, Any] = {"max_epochs": epochs} if tuner == "hyperband" else {"max_trials": max_trials}
    if tuner == "bayesian":
        settings["num_initial_points"] = BAYESIAN_RANDOM_TRIALS
    oracle = TUNERS[tuner](directory / STATE_FOLDER, objective=OBJECTIVE, seed=seed, **settings)
    worker = search_role() == "worker"
    overwrite = fresh and not worker
    if not overwrite:  # a worker checks only its own record; the chief keeps the rest
        for repair in repair_search(directory / STATE_FOLDER, None if worker else oracle, tuner_id()):
            print(repair, flush=True)
    searcher = (HyperbandTuner if tuner == "hyperband" else SearchTuner)(
        oracle=oracle,
        hypermodel=hypermodel,
        directory=str(directory),
        project_name=STATE_FOLDER,
        overwrite=overwrite,
        distribution_strategy=placement.strategy,
    )
    searcher.oracle.max_trials = max_trials  # again: a resumed search reloads the limit a deadline lowered
    callbacks: list[keras.callbacks.Callback] = [keras.callbacks.TensorBoard(str(directory / "logs"))]
    if max_minutes is not None:
        callbacks.append(SearchDeadline(searcher.oracle, time.monotonic() + 60 * max_minutes))
    with warnings.catch_warnings():  # the Bayesian tuner's Gaussian process fits noisily on few trials
        warnings.filterwarnings("ignore", message="The optimal value found for dimension")
        searcher.search(callbacks=callbacks, verbose=0)
    if worker:
        return None

    # keras-tuner pads its best with unfinished or failed trials when fewer than `top` finished: they have no score.
    trials = [trial for trial in searcher.oracle.get_best_trials(top) if trial.status == TrialStatus.COMPLETED]
    if not trials:
        raise RuntimeError(message("tuning.no_trial_finished"))
    best_config = hypermodel.config(trials[0].hyperparameters)
    with warnings.catch_warnings():  # the checkpoint's optimizer slots are not needed to evaluate
        warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
        best_model = searcher.get_best_models(1)[0]
    _, test_accuracy = best_model.evaluate(make_datasets(arrays, 1_000, seed).test, verbose=0)
    with written_whole(directory / "best.keras") as temporary:
        best_model.save(temporary)
    write_json(directory / "best.json", {"lab": "custom", **best_config.to_dict()})
    rows = [
        {
            "trial": trial.trial_id,
            "config": describe(hypermodel.config(trial.hyperparameters)),
            "val_accuracy": float(trial.score),
            "seconds": float(trial.metrics.get_last_value("seconds")),
        }
        for trial in trials
    ]
    finished = [trial for trial in searcher.oracle.trials.values() if trial.status == TrialStatus.COMPLETED]
    return SearchResult(rows, best_config, best_model, float(test_accuracy), len(finished))


def describe(config: LabConfig) -> str:
    """A trial's hyperparameters on one line (what lies beyond the course only where it is used)."""
    model, train = config.model, config.train
    parts = [
        f"{len(model.widths)}x{model.widths[0]} {model.activation} {model.kernel_init}",
        message("tuning.dropout", rate=f"{model.dropout_rate:.1f}"),
        message("tuning.batch_norm") if model.batch_norm else "",
        f"{train.optimizer} {train.learning_rate:.2g}",
        message("tuning.batch", size=train.batch_size),
        message("tuning.augmentation", strength=f"{model.augment_shift / AUGMENTATION_AT_STRENGTH_ONE[0]:.2g}") if model.augments else "",
        message("tuning.elastic", alpha=f"{model.augment_elastic_alpha:g}") if model.augment_elastic_alpha else "",
        train.schedule if train.schedule != "constant" else "",
        message("tuning.weight_decay", decay=f"{train.weight_decay:.2g}") if train.weight_decay else "",
        message("runs.epochs", count=train.epochs) if model.augments or train.schedule != "constant" else "",
    ]
    return " ".join(part for part in parts if part)
