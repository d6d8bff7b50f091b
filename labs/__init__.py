"""The lab registry: finds every step's module in this package by its name.

A module named `lab_10_4_deep.py` is step "10-4", `lab_10_x1_backprop.py` is "10-X1",
`experiment_activations.py` is the comparison experiment "activations" (`experiment_batch_sizes.py`
is "batch-sizes": ids are spelled with hyphens, as module names cannot be), `beyond.py` and
`beyond_speedrun.py` are "beyond" and "speedrun", steps beyond the original course, and `custom.py`
is "custom" (any MLP from a configuration file). Each declares `TITLE`, `ORIGINAL_ACCURACY` (None
where the course published none) and `CONFIG`, its hyperparameters; a step with a network of its own
shows it as Keras layers in `build_model()`, to read beside the original TF1 script; and a step that
is more than one model trained once defines its own `run(config, options)` and declares the `cli.py lab`
options it uses in `OPTIONS`: the command refuses the others by name (a step that ignored `--epochs`
would still record it, and `runs` would list what never ran). Importing a lab module never imports
TensorFlow, so listing the labs is instant.

A step's `build_model()` is what trains for its own `CONFIG`. Any other model configuration (a
`--config FILE`, or a resumed run that started from one) and the steps without one (custom, 10-6, the
experiments) are built by the factory, `tfmlp.models.mlp_from_config`, which builds each step's own
network from its `CONFIG` exactly, layer by layer and weight by weight (tested): so an override
changes the network it names, and only that.

Every step's lesson (what changed, why, what to look at in TensorBoard) is text, not code: one file
per language in `lessons/` (`en.toml`, `ko.toml`), which `cli.py explain` prints. Every step's
measured test accuracies are data too, one file for all (`measured.toml`): the bands the accuracy
tests assert, and README's results tables (`python -m labs` writes them); a comparison's are a spread
per network it trains, each with its band (`measured_variants()`).
"""

from __future__ import annotations

import difflib
import functools
import importlib
import pkgutil
import re
import textwrap
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from tfmlp.config import LabConfig, ModelConfig
from tfmlp.expected import ExpectedAccuracy, read_measured, read_measured_variants
from tfmlp.language import LANGUAGES, chosen_language, message

_LESSONS = Path(__file__).parent / "lessons"
_CHECKOUT = Path(__file__).parent.parent  # where the notebooks are
MEASURED = Path(__file__).parent / "measured.toml"
_STEP_MODULE = re.compile(r"lab_(\d+)_([0-9a-z]+)_\w+")
_EXPERIMENT_MODULE = re.compile(r"experiment_(\w+)")
_BEYOND_MODULE = re.compile(r"beyond(?:_(\w+))?")  # beyond.py is "beyond", beyond_speedrun.py "speedrun"

# The options of `cli.py lab` that change what a step trains or how (`--logdir`, `--data-dir` and
# `--tfds-dir`, where a run reads and writes, apply to every step). The standard run of a single-model
# step honours them all; a step with its own `run` names in `OPTIONS` those it honours.
LAB_OPTIONS = ("epochs", "batch_size", "learning_rate", "seed", "precision", "deterministic", "seeds", "resume", "config")
# What a side-by-side comparison (`tfmlp.compare`) honours: every variant trains as the configuration
# says. Not --resume (its variants keep no checkpoints), and not --seeds unless the comparison trains
# each variant over seeds itself: those of the course (10-6 and the first experiments) are tables of
# one run per variant, whose lessons show at any seed. A comparison whose claim is a gap of tenths of
# a percent (losses, batch-sizes) declares `SEEDS`, its default number of seeds per variant, and adds
# "seeds" to its options: `--seeds N` then reaches its `run` as `options.seeds`.
COMPARISON_OPTIONS = tuple(option for option in LAB_OPTIONS if option not in ("seeds", "resume"))


@dataclass(frozen=True)
class Lesson:
    """A step's lesson in one language, as `lessons/<language>.toml` holds it."""

    title: str
    changed: str
    why: str
    tensorboard: str


@functools.cache
def lesson_texts(language: str) -> dict[str, dict[str, str]]:
    """Everything `lessons/<language>.toml` holds: a table per step id, and `labels` for the headings.

    Raises:
        ValueError: `language` is not one of `LANGUAGES` (`tfmlp.language`'s).
    """
    if language not in LANGUAGES:
        raise ValueError(message("labs.unknown_language", language=repr(language), valid=", ".join(LANGUAGES)))
    return tomllib.loads((_LESSONS / f"{language}.toml").read_text(encoding="utf-8"))


def chart_title(lab_id: str) -> str:
    """The title of a comparison's charts ("Costs, 784-256-256-10"), in the learner's language, as its
    lesson gives it (`chart`): a chart is read in the language its run was trained in."""
    return lesson_texts(chosen_language())[lab_id]["chart"]


@functools.cache
def measured() -> dict[str, ExpectedAccuracy]:
    """Every measured command (`python cli.py lab 10-4`, `python cli.py lab beyond --epochs 3`) and its
    runs over seeds and machines, as `measured.toml` holds them."""
    return read_measured(MEASURED.read_text(encoding="utf-8"), MEASURED.name)


@functools.cache
def measured_variants() -> dict[str, dict[str, ExpectedAccuracy]]:
    """Every measured comparison's command (`python cli.py lab losses --epochs 2`) and, for each network it
    trains (`softmax_mse`), that network's runs over seeds and machines, as `measured.toml` holds them."""
    return read_measured_variants(MEASURED.read_text(encoding="utf-8"), MEASURED.name)


def _spread_in_words(expected: ExpectedAccuracy, labels: dict[str, Any]) -> str:
    """ "0.9801 ± 0.0012 over 16 runs (seeds and CPUs), band 0.9753-0.9849", in the labels' language."""
    band = dict(zip(("low", "high"), expected.band())) if expected.has_band else {}
    measured = labels["measured" if band else "measured_without_band"]
    return measured.format(mean=expected.mean, std=expected.std, runs=len(expected.accuracies), **band)


class UnknownLabError(KeyError):
    """No lab has that id; the message lists the ones that exist, and the closest if one is close."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Lab:
    """One step of the course, as its module declares it."""

    id: str
    module: ModuleType

    @property
    def title(self) -> str:
        return self.module.TITLE

    @property
    def original_accuracy(self) -> float | None:
        return self.module.ORIGINAL_ACCURACY

    @property
    def config(self) -> LabConfig:
        return self.module.CONFIG

    @property
    def command(self) -> str:
        """How a learner runs the step: `python cli.py lab 10-4`."""
        return f"python cli.py lab {self.id}"

    @property
    def expected(self) -> ExpectedAccuracy | None:
        """The test accuracy its command was measured at, over seeds and machines (None if never)."""
        return measured().get(self.command)

    @property
    def kind(self) -> str:
        """What the step is: "lab" for a step of the course, "beyond" for one beyond it, "experiment" for a comparison."""
        module = self.module.__name__.rpartition(".")[2]
        return "experiment" if module.startswith("experiment_") else "beyond" if _BEYOND_MODULE.fullmatch(module) else "lab"

    @property
    def heading(self) -> str:
        """The step's title line in the learner's language: "Lab 10-4: Deep NN ..." for a step, "Experiment
        activations: ..." for an experiment, "Beyond the course, speedrun: ..." for a step beyond the course."""
        language = chosen_language()
        return lesson_texts(language)["labels"][self.kind].format(id=self.id, title=self.lesson(language).title)

    @property
    def description(self) -> str:
        return (self.module.__doc__ or "").strip()

    def lesson(self, language: str = "en") -> Lesson:
        """The step's lesson in `language`; the English title is the module's `TITLE`."""
        text = lesson_texts(language)[self.id]
        return Lesson(text.get("title", self.title), text["changed"], text["why"], text["tensorboard"])

    def figures(self, language: str = "en") -> list[str]:
        """The course's figure and ours over seeds, a line each, as `explain` and the step's notebook say them."""
        labels = lesson_texts(language)["labels"]
        course = f"{self.original_accuracy:.4f} ({labels['one_run']})" if self.original_accuracy is not None else labels["course_none"]
        if self.expected:
            return [f"{labels['course']}: {course}", f"{labels['ours']}: {_spread_in_words(self.expected, labels)}"]
        lines = [f"{labels['course']}: {course}"]
        for command, networks in self.measured_networks.items():  # a comparison: each of its networks over seeds
            runs = max(len(expected.accuracies) for expected in networks.values())
            lines.append(f"{labels['ours']}: " + labels["measured_networks"].format(command=command, runs=runs))
            lines += [f"  {name}: {_spread_in_words(expected, labels)}" for name, expected in networks.items()]
        return lines if len(lines) > 1 else [*lines, f"{labels['ours']}: {labels['not_measured']}"]

    @property
    def measured_networks(self) -> dict[str, dict[str, ExpectedAccuracy]]:
        """A comparison's measured commands (`python cli.py lab losses --epochs 2`), each network's runs over seeds."""
        return {command: networks for command, networks in measured_variants().items() if command.split(" ")[:4] == self.command.split(" ")}

    def notebook(self, language: str = "en") -> Path:
        """Where the step's notebook in `language` is, relative to the checkout (`python -m notebooks` writes
        them; a step without one, custom, has no file there)."""
        return Path("notebooks", language, f"{self.id}.ipynb")

    def explain(self, language: str = "en") -> str:
        """The lesson as `cli.py explain` prints it, with the course's figure and ours over seeds, and the
        step's notebook in the same language."""
        lesson, labels = self.lesson(language), lesson_texts(language)["labels"]
        wrap = functools.partial(textwrap.fill, width=labels["wrap"])
        notebook = self.notebook(language)
        return "\n\n".join(
            [
                labels[self.kind].format(id=self.id, title=lesson.title),
                wrap(f"{labels['changed']}: {lesson.changed}"),
                wrap(f"{labels['why']}: {lesson.why}"),
                "\n".join(self.figures(language)),
                wrap(f"{labels['tensorboard']}: {lesson.tensorboard}"),
                f"{labels['run']}: {self.command}  &&  python cli.py tensorboard"
                + (f"\n{labels['notebook']}: {notebook.as_posix()}" if (_CHECKOUT / notebook).is_file() else ""),
            ]
        )

    def build_model(self, config: LabConfig | None = None) -> Any:
        """The step's uncompiled Keras model, from its own config unless another is given."""
        return self.network((config or self.config).model)

    def network(self, model: ModelConfig) -> Any:
        """The network `model` describes: the step's own `build_model()` for the step's own configuration,
        else the factory's MLP (named after the step)."""
        from tfmlp.models import mlp_from_config  # first, so that TensorFlow starts as tfmlp sets it up

        if hasattr(self.module, "build_model") and model == self.config.model:
            return self.module.build_model()
        return mlp_from_config(model, name=self.id)

    @property
    def single_model(self) -> bool:
        """Whether the step trains one Keras model the standard way, and so can resume and repeat over seeds."""
        return not hasattr(self.module, "run")

    @property
    def default_seeds(self) -> int | None:
        """How many seeds a comparison that spans seeds trains each variant from, unless `--seeds` says
        otherwise (its module's `SEEDS`); None for the other steps, which `--seeds` repeats whole."""
        return getattr(self.module, "SEEDS", None)

    @property
    def options(self) -> tuple[str, ...]:
        """The `LAB_OPTIONS` this step uses: its module's `OPTIONS`; without one, all of them for a
        single-model step and none for a step with its own `run` (refused rather than ignored)."""
        return tuple(getattr(self.module, "OPTIONS", LAB_OPTIONS if self.single_model else ()))

    def refuse_unused(self, given: Iterable[str]) -> None:
        """Raises ValueError naming every option of `given` (names of `LAB_OPTIONS`) this step does not use,
        and those it does: an option is honoured or refused, never dropped and then recorded as if it ran."""
        if unused := [option for option in given if option not in self.options]:
            uses = ", ".join(map(option_flag, self.options)) or message("labs.no_option")
            raise ValueError(message("labs.unused_options", lab=self.id, unused=", ".join(map(option_flag, unused)), uses=uses))

    def require_single_model(self, action: str) -> None:
        """Raises ValueError, saying why, if `action` (e.g. "be resumed") needs a single-model step and this is not one."""
        if not self.single_model:
            raise ValueError(message("labs.not_single_model", lab=self.id, action=action))

    def check(self, config: LabConfig) -> None:
        """Raises `tfmlp.config.ConfigError` if `config` names an unknown part or is too large for this
        machine's memory (nothing is built: the run builds the model once)."""
        if self.single_model:  # the steps with their own `run` check their configs as they build them
            from tfmlp.runner import check_config

            check_config(config)

    def run(self, config: LabConfig | None = None, options: Any = None, resume: Any = None) -> Any:
        """Run the step as `cli.py lab` does: its own `run` if it has one, else the standard lab run.

        `resume` (a `tfmlp.runs.RunDir`) continues an interrupted run of a single-model step.
        """
        from tfmlp.runner import RunOptions, run_lab

        config, options = config or self.config, options or RunOptions()
        if resume:
            self.refuse_unused(["resume"])
        if not self.single_model:
            return self.module.run(config, options)
        return run_lab(self.id, config, self.network, options, resume)


def option_flag(option: str) -> str:
    """An option of `LAB_OPTIONS` as the command line spells it: "batch_size" is "--batch-size"."""
    return "--" + option.replace("_", "-")


def _lab_id(module_name: str) -> str | None:
    if step := _STEP_MODULE.fullmatch(module_name):
        return f"{step.group(1)}-{step.group(2).upper()}"
    if experiment := _EXPERIMENT_MODULE.fullmatch(module_name):
        return experiment.group(1).replace("_", "-")  # a module name cannot hold a hyphen; ids are spelled with them
    if beyond := _BEYOND_MODULE.fullmatch(module_name):
        return beyond.group(1) or "beyond"
    return "custom" if module_name == "custom" else None


def _sort_key(lab: Lab) -> tuple[tuple[int, int | str], ...]:
    """Course order: numbered steps by their numbers (10-2 before 10-10, 10-X1 last), then the steps
    beyond the course, then the experiments."""
    if not lab.id[0].isdigit():
        return ((1 if lab.kind == "beyond" else 2, lab.id),)
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in lab.id.split("-"))


def all_labs() -> list[Lab]:
    """Every step in this package, in course order (10-1, ..., 10-8, 10-X1), then the experiments."""
    labs = [
        Lab(lab_id, importlib.import_module(f"{__name__}.{info.name}"))
        for info in pkgutil.iter_modules(__path__)
        if (lab_id := _lab_id(info.name))
    ]
    return sorted(labs, key=_sort_key)


def get_lab(lab_id: str) -> Lab:
    """The step with this id (case-insensitive, e.g. "10-4").

    Raises:
        UnknownLabError: no such step; the message names the valid ids.
    """
    labs = all_labs()
    for lab in labs:
        if lab.id.lower() == lab_id.strip().lower():
            return lab
    valid = ", ".join(lab.id for lab in labs)
    if closest := closest_id(lab_id):
        raise UnknownLabError(message("labs.unknown_lab_like", lab=repr(lab_id), valid=valid, closest=closest))
    raise UnknownLabError(message("labs.unknown_lab", lab=repr(lab_id), valid=valid))


def closest_id(text: str) -> str | None:
    """The step id `text` most likely meant ("10-2" for "10_2", "10.2" or "102"; "activations" for
    "activation"), by difflib's likeness over ids written alike; None if none is close."""

    def alike(name: str) -> str:
        return name.strip().lower().replace("_", "-").replace(".", "-").replace(" ", "-")

    ids = {alike(lab.id): lab.id for lab in all_labs()}
    close = difflib.get_close_matches(alike(text), ids, n=1, cutoff=0.8)
    return ids[close[0]] if close else None
