"""Every step of the course as a Jupyter notebook, in English and in Korean, generated from the step itself.

A notebook is a view of its step, not a copy of it. Its lesson comes from `labs/lessons/<language>.toml`,
its network's code from the step's module, the original's TF1 lines from `benchmarks/tf1_lab.py`, the
course's figure and ours from the lab registry, and the notebook's own words from
`notebooks/text/<language>.toml`; its cells call tfmlp's parts (`fit_and_evaluate`, or the step's own
`run`), never a training loop of their own. `python -m notebooks` writes them all, without outputs and
with fixed cell ids, so that the same sources always give the same files, and `stale()` (which
`tests/test_notebooks.py` asserts empty) names every checked-in notebook its sources no longer give.

Nothing here imports TensorFlow: the code of a step is read, not run.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import inspect
import json
import string
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

import labs
from labs import Lab
from tfmlp.config import ModelConfig, TrainConfig

NOTEBOOKS = Path(__file__).resolve().parent
CHECKOUT = NOTEBOOKS.parent
TF1_SCRIPT = CHECKOUT / "benchmarks" / "tf1_lab.py"
BACKPROP = CHECKOUT / "tfmlp" / "backprop.py"
# What `python cli.py lab` lets a learner change, then what a single-model step shows where it sets it.
BASIC_PARAMETERS = ("epochs", "batch_size", "learning_rate", "seed")
SCHEDULE_PARAMETERS = ("schedule", "warmup_epochs", "weight_decay", "ema", "max_seconds")
RUNS_ROOT = "runs/notebooks"  # apart from `cli.py lab`'s runs, which `cli.py runs` lists and resumes
ACTIVATION_LESSONS = ("activations", "10-X1")  # the steps whose lesson is an activation's derivative
KERNEL = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def steps() -> list[Lab]:
    """The steps with a notebook: all but custom, which trains whatever configuration file it is given."""
    return [lab for lab in labs.all_labs() if lab.id != "custom"]


def shape(lab: Lab) -> str:
    """How the step trains: "single", one Keras model the standard way; "by_hand", its own `STEPS` of
    hand-written descent (10-X1); "comparison", several networks side by side."""
    if lab.single_model:
        return "single"
    return "by_hand" if hasattr(lab.module, "STEPS") else "comparison"


@functools.cache
def texts(language: str) -> dict[str, Any]:
    """The notebooks' own words in `language`, `notebooks/text/<language>.toml`."""
    return tomllib.loads((NOTEBOOKS / "text" / f"{language}.toml").read_text(encoding="utf-8"))


def parameters(lab: Lab) -> dict[str, Any]:
    """The parameters cell's names and values: the training options the step takes, what else it sets
    (a learning-rate schedule, its steps), the learner's own digit and where the runs go."""
    train, defaults, form = lab.config.train, TrainConfig(), shape(lab)
    values = {name: getattr(train, name) for name in BASIC_PARAMETERS if name in lab.options}
    if form != "by_hand":
        values |= {name: getattr(train, name) for name in SCHEDULE_PARAMETERS if getattr(train, name) != getattr(defaults, name)}
    if lab.default_seeds is not None:  # a comparison over seeds
        values["seeds"] = lab.default_seeds
    if form == "by_hand":
        values |= {"steps": lab.module.STEPS, "report_every": lab.module.REPORT_EVERY}
    else:
        values["digit"] = None
    return values | {"runs_root": RUNS_ROOT}


def build(lab: Lab, language: str) -> NotebookNode:
    """The notebook of `lab` in `language`, without outputs."""
    words = texts(language)
    cells = [
        *_opening(lab, language),
        *_parameters(lab, language),
        _markdown("setup-text", f"## {words['headings']['setup']}\n\n{words['setup']['text']}"),
        _code("setup", SETUP.substitute(language=language, lab_id=lab.id, overrides=_overrides(lab))),
        *_network(lab, language),
        *_training(lab, language),
        *_charts(lab, language),
        *_tensorboard(lab, language),
        *_figures(lab, language),
        *_digit(lab, language),
    ]
    notebook = new_notebook(cells=cells, metadata={"kernelspec": KERNEL, "language_info": {"name": "python"}})
    nbformat.validate(notebook)
    return notebook


def render(lab: Lab, language: str) -> str:
    """The notebook's file as `python -m notebooks` writes it: the same sources, the same bytes."""
    return nbformat.writes(build(lab, language)) + "\n"


def write_all(root: Path = CHECKOUT) -> list[Path]:
    """Write every step's notebook in every language under `root`; returns the files written."""
    written = []
    for lab in steps():
        for language in labs.LANGUAGES:
            path = root / lab.notebook(language)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render(lab, language), encoding="utf-8")
            written.append(path)
    return written


def stale(root: Path = CHECKOUT) -> list[Path]:
    """The notebooks under `root` that their sources no longer give: changed since, missing, or made
    by no step (a renamed or removed step's), relative to `root`."""
    expected = {lab.notebook(language): (lab, language) for lab in steps() for language in labs.LANGUAGES}
    found = {path.relative_to(root) for language in labs.LANGUAGES for path in (root / "notebooks" / language).glob("*.ipynb")}
    differing = [
        path
        for path, (lab, language) in expected.items()
        if path not in found or (root / path).read_text(encoding="utf-8") != render(lab, language)
    ]
    return sorted([*differing, *(found - set(expected))])


# The code cells. `$name` is filled in per step; everything else is the notebook's code as written.
SETUP = string.Template(
    """\
import os
import sys
from pathlib import Path

os.environ["TFMLP_LANG"] = "$language"

checkout = next(folder for folder in [Path.cwd(), *Path.cwd().parents] if (folder / "cli.py").is_file())
if str(checkout) not in sys.path:
    sys.path.insert(0, str(checkout))

from tfmlp.startup import start_tensorflow_quietly

start_tensorflow_quietly()

import labs
from tfmlp.data import read_mnist

lab = labs.get_lab("$lab_id")
config = lab.config.with_training($overrides)
runs = checkout / runs_root
arrays = read_mnist()
print(f"MNIST: {len(arrays.train):,} / {len(arrays.validation):,} / {len(arrays.test):,}")"""
)
SUMMARY = """\
model = lab.build_model(config)
model.summary()"""
TRAINING = {
    "single": """\
from tfmlp.callbacks import lab_callbacks
from tfmlp.data import make_datasets, probe_batch
from tfmlp.runs import create_run_dir
from tfmlp.seeding import seed_globally
from tfmlp.summaries import log_finished_run
from tfmlp.training import fit_and_evaluate

seed_globally(config.train.seed)
data = make_datasets(arrays, config.train.batch_size, config.train.seed)
log_dir = create_run_dir(lab.id, runs).logs
result = fit_and_evaluate(
    lambda: lab.build_model(config),
    data,
    config.train,
    callbacks=lab_callbacks(log_dir, *probe_batch(arrays.validation), data),
)
print("Learning Finished!")
print(f"Accuracy: {result.test_accuracy:.4f}")
log_finished_run(log_dir, f"{lab.id}/{log_dir.name}", {"lab": lab.id, **config.to_dict()}, result, arrays.test)""",
    "comparison": """\
from tfmlp.runner import RunOptions

comparison = lab.run(config, RunOptions(runs_root=runs))""",
    "by_hand": """\
from tfmlp.runner import RunOptions, train_by_hand

result = train_by_hand(
    lab.id, config, RunOptions(runs_root=runs), hidden=config.model.widths[0], steps=steps, report_every=report_every
)""",
}
CHARTS = {
    "single": """\
from IPython.display import Image, Markdown, display

from tfmlp.plots import plot_curves
from tfmlp.summaries import lesson_pictures

display(Image(filename=plot_curves({lab.id: result.history}, "val_accuracy", log_dir / "val_accuracy.png", lab.heading)))
for tag, png in lesson_pictures(log_dir, result.history).items():
    display(Markdown(f"`{tag}`"), Image(png))""",
    "comparison": """\
from IPython.display import Image, Markdown, display

from tfmlp.summaries import lesson_pictures

for picture in sorted(comparison.run.path.glob("*.png")):
    display(Image(filename=picture))
for variant in comparison.variants:
    first = variant.runs[0]  # over several seeds, the first seed's lessons
    for tag, png in lesson_pictures(first.logs, first.result.history).items():
        display(Markdown(f"`{variant.name}`: `{tag}`"), Image(png))""",
    "by_hand": """\
from IPython.display import Image, display

from tfmlp.plots import correct_counts_png

display(Image(correct_counts_png(range(0, steps, report_every), result.correct_of_1000, lab.heading)))""",
}
ACTIVATIONS = """\
from IPython.display import Image, display

from tfmlp.plots import plot_activations

display(Image(filename=plot_activations(runs / "activations.png")))"""
TENSORBOARD = '%load_ext tensorboard\n%tensorboard --logdir "{runs}"'
THIS_RUN = {
    "single": string.Template(
        """\
this_run = $this_run
low, high = lab.expected.band()
print(this_run.format(accuracy=result.test_accuracy, epochs=result.epochs, low=low, high=high))"""
    ),
    "by_hand": string.Template(
        """\
this_run = $this_run
low, high = lab.expected.band()
print(this_run.format(accuracy=result.test_accuracy, steps=steps, low=low, high=high))"""
    ),
}
DIGIT = string.Template(
    """\
import random

import keras
import numpy as np
from IPython.display import display
from PIL.Image import Resampling

from tfmlp.inference import read_digit

if digit:
    image = read_digit(digit)
else:
    index = random.Random(config.train.seed).randrange(len(arrays.test))
    image = arrays.test.images[index]
    print(f"Label: {arrays.test.labels[index]}")
display(keras.utils.array_to_img(image.reshape(28, 28, 1)).resize((112, 112), Resampling.NEAREST))
$predict"""
)
PREDICTIONS = {
    "single": """print(f"Prediction: {int(np.argmax(result.model(image[None], training=False)))}")""",
    "comparison": """\
for variant in comparison.variants:
    print(f"{variant.name}: {int(np.argmax(variant.result.model(image[None], training=False)))}")""",
}


def _opening(lab: Lab, language: str) -> list[NotebookNode]:
    """The links (README, the twin in the other language), the title, how to use it, then the lesson."""
    words, labels, lesson = texts(language), labs.lesson_texts(language)["labels"], lab.lesson(language)
    twin = next(other for other in labs.LANGUAGES if other != language)
    name = lab.notebook(twin).name
    links = f"{words['readme']} · " + words["twin"].format(name=name, link=f"../{twin}/{name}")
    title = labels[lab.kind].format(id=lab.id, title=lesson.title)
    intro = words["intro"].format(command=lab.command)
    lesson_text = f"## {labels['changed']}\n\n{_prose(lesson.changed)}\n\n## {labels['why']}\n\n{_prose(lesson.why)}"
    return [_markdown("title", f"{links}\n\n# {title}\n\n{intro}"), _markdown("lesson", lesson_text)]


def _parameters(lab: Lab, language: str) -> list[NotebookNode]:
    words = texts(language)
    lines = [f"{name} = {_literal(value)}  # {words['parameters'][name]}" for name, value in parameters(lab).items()]
    return [
        _markdown("parameters-text", f"## {words['headings']['parameters']}\n\n{words['parameters']['text']}"),
        _code("parameters", "\n".join(lines), tags=["parameters"]),
    ]


def _overrides(lab: Lab) -> str:
    """The parameters that are training options, as `LabConfig.with_training` takes them."""
    fields = {field.name for field in dataclasses.fields(TrainConfig)}
    return ", ".join(f"{name}={name}" for name in parameters(lab) if name in fields)


def _network(lab: Lab, language: str) -> list[NotebookNode]:
    """The network as the step's module writes it, the original's TF1 lines where the course had them,
    and `model.summary()`."""
    form, words = shape(lab), texts(language)
    module = _relative(Path(inspect.getfile(lab.module)))
    text = words["network"][form].format(module=module)
    if form == "comparison":
        code = inspect.getsource(lab.module)
    else:
        code = _functions_source(lab.module.build_model)
        if form == "by_hand":
            code += f"\n\n# {_relative(BACKPROP)}\n" + _definitions(BACKPROP, ["SigmoidNet", "sigmoid_prime"])
    cells = [_markdown("network", f"## {words['headings']['network']}\n\n{text}\n\n{_python(code)}")]
    if lab.kind == "lab" and form != "by_hand":  # the course's own steps; benchmarks/tf1_lab.py builds their graphs
        tf1 = words["network"]["tf1"].format(config=_model_config(lab.config.model))
        source = _definitions(TF1_SCRIPT, _tf1_functions(lab.config.model))
        cells.append(_markdown("tf1", f"### {words['headings']['tf1']}\n\n{tf1}\n\n{_python(source)}"))
    summary = words["network"][f"summary_{form}"]
    return [*cells, _markdown("summary-text", f"## {words['headings']['summary']}\n\n{summary}"), _code("summary", SUMMARY)]


def _training(lab: Lab, language: str) -> list[NotebookNode]:
    form, words = shape(lab), texts(language)
    text = f"## {words['headings']['training']}\n\n" + words["training"][form].format(id=lab.id)
    if form == "single" and lab.kind == "lab":
        text += f"\n\n{words['training']['tf1']}\n\n{_python(_definitions(TF1_SCRIPT, ['train']))}"
    code = TRAINING[form]
    if lab.default_seeds is not None:
        code = code.replace("RunOptions(runs_root=runs)", "RunOptions(runs_root=runs, seeds=seeds)")
    return [_markdown("training-text", text), _code("training", code)]


def _charts(lab: Lab, language: str) -> list[NotebookNode]:
    form, words = shape(lab), texts(language)
    charts = words["charts"]
    cells = [_markdown("charts-text", f"## {words['headings']['charts']}\n\n{charts[form]}"), _code("charts", CHARTS[form])]
    if lab.id in ACTIVATION_LESSONS:
        cells += [_markdown("activations-text", charts["activations"]), _code("activations", ACTIVATIONS)]
    return cells


def _tensorboard(lab: Lab, language: str) -> list[NotebookNode]:
    words, labels = texts(language)["tensorboard"], labs.lesson_texts(language)["labels"]
    heading = f"## {labels['tensorboard']}\n\n{_prose(lab.lesson(language).tensorboard)}"
    if shape(lab) == "by_hand":  # it writes no logs: TensorBoard would show other steps only
        return [_markdown("tensorboard-text", f"{heading}\n\n{words['by_hand']}")]
    return [_markdown("tensorboard-text", f"{heading}\n\n{words['text']}"), _code("tensorboard", TENSORBOARD)]


def _figures(lab: Lab, language: str) -> list[NotebookNode]:
    """The course's figure and our spread over seeds; then this run's, where the step has a band to read it against."""
    words, form = texts(language), shape(lab)
    lines = "\n".join(f"- {line}" for line in lab.figures(language))
    cells = [_markdown("figures", f"## {words['headings']['figures']}\n\n{lines}")]
    if form in THIS_RUN and lab.expected and lab.expected.has_band:
        sentence = words["training"]["this_run" if form == "single" else "this_run_by_hand"]
        cells.append(_code("this-run", THIS_RUN[form].substitute(this_run=_literal(sentence))))
    return cells


def _digit(lab: Lab, language: str) -> list[NotebookNode]:
    form, words = shape(lab), texts(language)
    text = f"## {words['headings']['digit']}\n\n" + words["digit"][form].format(id=lab.id)
    if form == "by_hand":
        return [_markdown("digit-text", text)]
    return [_markdown("digit-text", text), _code("digit", DIGIT.substitute(predict=PREDICTIONS[form]))]


def _functions_source(build_model: Callable[..., Any]) -> str:
    """`build_model`'s source, after that of the step modules' functions it calls (10-4's calls 10-3's
    layers), each headed by the file it is in."""
    module = inspect.getmodule(build_model)
    called = [getattr(module, name) for name in build_model.__code__.co_names if inspect.isfunction(getattr(module, name, None))]
    ours = [function for function in called if function.__module__.startswith("labs.")]
    sources = [f"# {_relative(Path(inspect.getfile(code)))}\n{inspect.getsource(code)}".rstrip() for code in [*ours, build_model]]
    return "\n\n".join(sources)


def _definitions(path: Path, names: list[str]) -> str:
    """The named top-level functions and classes of `path`, as written there (read, not imported)."""
    text = path.read_text(encoding="utf-8")
    definitions = [node for node in ast.parse(text).body if isinstance(node, (ast.FunctionDef, ast.ClassDef))]
    found = {node.name: ast.get_source_segment(text, node) for node in definitions}
    return "\n\n\n".join(found[name] for name in names)


def _tf1_functions(model: ModelConfig) -> list[str]:
    """The functions of `benchmarks/tf1_lab.py` that build `model`'s graph."""
    helpers = ["_batch_norm"] if model.batch_norm else []
    if model.dropout_rate:
        helpers.append("_alpha_dropout" if model.dropout_type == "alpha" else "_dropout")
    return ["build_graph", *helpers]


def _model_config(model: ModelConfig) -> str:
    """`ModelConfig(widths=(512, 512), activation='relu', ...)`: the shape and initializers, and what else the step sets."""
    defaults, always = ModelConfig(), ("widths", "activation", "kernel_init", "bias_init")
    fields = [field.name for field in dataclasses.fields(model)]
    shown = [name for name in fields if name in always or getattr(model, name) != getattr(defaults, name)]
    return "ModelConfig(" + ", ".join(f"{name}={getattr(model, name)!r}" for name in shown) + ")"


def _literal(value: Any) -> str:
    """`value` as Python source: strings in double quotes, large integers grouped by thousands."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 10_000:
        return f"{value:_}"
    return repr(value)


def _prose(text: str) -> str:
    """A lesson's text as markdown: a `<time>` in it is text, not an HTML tag."""
    return text.replace("<", "&lt;")


def _python(code: str) -> str:
    return f"```python\n{code.strip()}\n```"


def _relative(path: Path) -> str:
    return path.resolve().relative_to(CHECKOUT).as_posix()


def _markdown(cell_id: str, source: str) -> NotebookNode:
    return new_markdown_cell(source, id=cell_id)


def _code(cell_id: str, source: str, tags: list[str] | None = None) -> NotebookNode:
    return new_code_cell(source, id=cell_id, metadata={"tags": tags} if tags else {})
