"""The notebooks (`notebooks/<language>/<step>.ipynb`): what their sources make, linked in pairs, and run top to bottom.

The fast tests hold the checked-in notebooks to their sources: a lesson, a step's code or the notebooks'
words changed without `python -m notebooks` fails here. The slow test runs every notebook, in both
languages, in a Jupyter kernel (nbclient) on a short schedule put in after its parameters cell, as
papermill injects parameters, and reads what the cells printed and drew.
"""

from __future__ import annotations

import ast
import copy
import os
import re
import signal
import sysconfig
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner
from nbformat import NotebookNode

import labs
from cli import cli
from notebooks import make
from tfmlp.language import messages

REPOSITORY = Path(__file__).resolve().parent.parent
NOTEBOOKS = [(lab, language) for lab in make.steps() for language in labs.LANGUAGES]
# One epoch (a warm-up shorter than it, which beyond's schedule needs), 100 hand-written steps for 10-X1,
# one seed for a comparison over seeds and a second for an equal-time run (batch-sizes).
SHORT_SCHEDULE = {"epochs": 1, "warmup_epochs": 0.0, "steps": 100, "report_every": 50, "seeds": 1, "max_seconds": 1.0}
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def notebook_id(item: tuple[labs.Lab, str]) -> str:
    lab, language = item
    return f"{language}/{lab.id}"


def read(lab: labs.Lab, language: str) -> NotebookNode:
    return nbformat.read(REPOSITORY / lab.notebook(language), as_version=4)


def cell(notebook: NotebookNode, cell_id: str) -> NotebookNode:
    return next(cell for cell in notebook.cells if cell.id == cell_id)


def assigned(code: str) -> dict[str, object]:
    """The names a cell of plain assignments (`epochs = 15`) sets, and their values."""
    return {node.targets[0].id: ast.literal_eval(node.value) for node in ast.parse(code).body if isinstance(node, ast.Assign)}


def test_every_checked_in_notebook_is_what_its_sources_make() -> None:
    assert make.stale() == [], "stale notebooks: run `python -m notebooks` and commit what it writes"


def test_there_is_a_notebook_per_step_in_each_language_and_none_for_custom() -> None:
    ids = {lab.id for lab in make.steps()}
    assert ids == {lab.id for lab in labs.all_labs()} - {"custom"}
    assert {"10-1", "10-6", "10-X1", "activations", "beyond", "speedrun"} <= ids
    for language in labs.LANGUAGES:
        assert sorted(path.name for path in (REPOSITORY / "notebooks" / language).glob("*.ipynb")) == sorted(f"{id}.ipynb" for id in ids)


@pytest.mark.parametrize("source", ["lesson", "words", "tf1"])
def test_a_source_changed_without_regenerating_makes_its_notebooks_stale(
    source: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    lesson_texts, texts = labs.lesson_texts, make.texts
    if source == "lesson":  # 10-4's lesson in English, edited
        edited = copy.deepcopy(lesson_texts("en"))
        edited["10-4"]["why"] += " One more sentence."
        monkeypatch.setattr(labs, "lesson_texts", lambda language: edited if language == "en" else lesson_texts(language))
        expected = [labs.get_lab("10-4").notebook("en")]
    elif source == "words":  # the Korean notebooks' words on training a single model, edited
        edited = copy.deepcopy(texts("ko"))
        edited["training"]["single"] += " 한 문장 더."
        monkeypatch.setattr(make, "texts", lambda language: edited if language == "ko" else texts(language))
        expected = [lab.notebook("ko") for lab in make.steps() if make.shape(lab) == "single"]
    else:  # the TF1 script, a comment added to its graph
        script = tmp_path / "tf1_lab.py"
        script.write_text(make.TF1_SCRIPT.read_text().replace("    v1 = tf.compat.v1\n", "    v1 = tf.compat.v1  # TF1's API\n", 1))
        monkeypatch.setattr(make, "TF1_SCRIPT", script)
        course = [lab for lab in make.steps() if lab.kind == "lab" and make.shape(lab) != "by_hand"]
        expected = [lab.notebook(language) for lab in course for language in labs.LANGUAGES]
    assert make.stale() == sorted(expected)


def test_a_notebook_saved_with_outputs_or_made_by_no_step_is_stale(tmp_path: Path) -> None:
    make.write_all(tmp_path)
    assert make.stale(tmp_path) == []
    ran = tmp_path / labs.get_lab("10-2").notebook("en")
    notebook = nbformat.read(ran, as_version=4)
    cell(notebook, "setup").outputs = [nbformat.v4.new_output("stream", name="stdout", text="MNIST: 55,000 / 5,000 / 10,000\n")]
    nbformat.write(notebook, ran)
    (tmp_path / "notebooks" / "ko" / "10-9.ipynb").write_text(ran.read_text())
    assert make.stale(tmp_path) == [Path("notebooks/en/10-2.ipynb"), Path("notebooks/ko/10-9.ipynb")]


@pytest.mark.parametrize("item", NOTEBOOKS, ids=notebook_id)
def test_each_notebook_opens_with_a_link_to_its_twin_and_reads_as_its_step(item: tuple[labs.Lab, str]) -> None:
    lab, language = item
    notebook = read(lab, language)
    twin = next(other for other in labs.LANGUAGES if other != language)
    opening = cell(notebook, "title").source
    assert f"](../{twin}/{lab.id}.ipynb)" in opening and (REPOSITORY / lab.notebook(twin)).is_file()
    assert f"`{lab.command}`" in opening
    lesson = lab.lesson(language)
    assert lesson.why.replace("<", "&lt;") in cell(notebook, "lesson").source, "the lesson, as labs/lessons holds it"
    network = cell(notebook, "network").source
    if make.shape(lab) == "comparison":
        assert "def run(config" in network
    else:
        assert "def build_model():" in network and lab.module.build_model.__doc__.splitlines()[0] in network
    if lab.kind == "lab" and make.shape(lab) != "by_hand":
        assert "def build_graph(model" in cell(notebook, "tf1").source, "the original's lines, from benchmarks/tf1_lab.py"
    if language == "ko":
        assert all(HANGUL.search(cell.source) for cell in notebook.cells if cell.cell_type == "markdown")


@pytest.mark.parametrize("item", NOTEBOOKS, ids=notebook_id)
def test_the_parameters_cell_trains_the_step_as_its_command_does(item: tuple[labs.Lab, str]) -> None:
    """Left as they are, the parameters give the step's own configuration; the training cell trains through
    tfmlp (`fit_and_evaluate`, or the step's own parts), and every cell is Python (or an IPython magic)."""
    lab, language = item
    notebook = read(lab, language)
    parameters = cell(notebook, "parameters")
    assert parameters.metadata["tags"] == ["parameters"]
    values = assigned(parameters.source)
    training = {name: value for name, value in values.items() if name in make.BASIC_PARAMETERS + make.SCHEDULE_PARAMETERS}
    assert lab.config.with_training(**training) == lab.config
    assert values["runs_root"] == "runs/notebooks"
    if make.shape(lab) == "by_hand":
        assert (values["steps"], values["report_every"]) == (lab.module.STEPS, lab.module.REPORT_EVERY) and "epochs" not in values
    code = {cell.id: cell.source for cell in notebook.cells if cell.cell_type == "code"}
    assert ("fit_and_evaluate(" in code["training"]) == (make.shape(lab) == "single")
    assert not re.search(r"\bfor\b.*\bin\b.*(batch|epoch)", code["training"]), "no training loop of the notebook's own"
    for source in code.values():
        ast.parse("\n".join(line for line in source.splitlines() if not line.startswith("%")))


def test_the_twins_have_the_same_cells() -> None:
    for lab in make.steps():
        english, korean = read(lab, "en"), read(lab, "ko")
        assert [(cell.id, cell.cell_type) for cell in korean.cells] == [(cell.id, cell.cell_type) for cell in english.cells], lab.id


@pytest.mark.parametrize(("language", "label"), [("en", "Notebook"), ("ko", "노트북")])
def test_explain_names_the_notebook_in_its_language(language: str, label: str) -> None:
    result = CliRunner().invoke(cli, ["explain", "10-4", "--lang", language])
    assert result.exit_code == 0, result.output
    assert f"{label}: notebooks/{language}/10-4.ipynb" in result.output.splitlines()
    custom = CliRunner().invoke(cli, ["explain", "custom", "--lang", language])
    assert custom.exit_code == 0 and f"{label}:" not in custom.output, "custom has no notebook to name"


def short(notebook: NotebookNode, runs_root: Path) -> NotebookNode:
    """`notebook` with the short schedule (and `runs_root`) set in a cell after its parameters cell."""
    index = next(index for index, cell in enumerate(notebook.cells) if "parameters" in cell.metadata.get("tags", []))
    names = assigned(notebook.cells[index].source)
    overrides = {name: value for name, value in SHORT_SCHEDULE.items() if name in names} | {"runs_root": str(runs_root)}
    injected = nbformat.v4.new_code_cell("\n".join(f"{name} = {value!r}" for name, value in overrides.items()), id="injected-parameters")
    notebook.cells.insert(index + 1, injected)
    return notebook


def outputs(notebook: NotebookNode, cell_id: str) -> tuple[str, list[str]]:
    """What a cell printed, and the MIME types of what it displayed."""
    cell_outputs = cell(notebook, cell_id).outputs
    printed = "".join(output.text for output in cell_outputs if output.output_type == "stream" and output.name == "stdout")
    return printed, [kind for output in cell_outputs if output.output_type == "display_data" for kind in output.data]


@pytest.fixture(scope="module")
def runs_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One runs folder for every notebook run, with the interpreter's scripts (`tensorboard`) on the PATH, as
    in an activated environment, and a TensorBoard on it for each language's folder, started here as the
    notebooks' `%tensorboard` starts one: the notebooks reuse it, as a learner's second notebook does,
    instead of each starting its own for seconds (one a kernel starts goes with the kernel). Stopped after."""
    from tensorboard import manager

    root = tmp_path_factory.mktemp("runs")
    started = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", f"{sysconfig.get_path('scripts')}{os.pathsep}{os.environ.get('PATH', '')}")
        for language in labs.LANGUAGES:
            patch.chdir(REPOSITORY / "notebooks" / language)  # the kernel's folder: part of what TensorBoard reuses
            launched = manager.start(["--logdir", str(root)])
            if isinstance(launched, manager.StartLaunched):
                started.append(launched.info.pid)
        patch.chdir(REPOSITORY)
        try:
            yield root
        finally:
            started += [info.pid for info in manager.get_all() if Path(info.logdir).is_relative_to(root) and info.pid not in started]
            for pid in started:
                try:
                    os.kill(pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass  # it went with the kernel that started it


@pytest.mark.slow
@pytest.mark.parametrize("item", NOTEBOOKS, ids=notebook_id)
def test_every_notebook_runs_top_to_bottom_and_prints_the_accuracy_and_draws_its_charts(
    item: tuple[labs.Lab, str], runs_root: Path
) -> None:
    from nbclient import NotebookClient

    lab, language = item
    path = REPOSITORY / lab.notebook(language)
    notebook = short(nbformat.read(path, as_version=4), runs_root)
    NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    form = make.shape(lab)
    printed, _ = outputs(notebook, "training")
    assert bool(HANGUL.search(printed)) == (language == "ko"), "tfmlp speaks the notebook's language"
    if form == "comparison":
        names = [name for name, _ in re.findall(r"^(\S+) +(0\.\d{4}) ", printed, re.MULTILINE)]  # a row per network
        assert messages(language)["compare.test_accuracy"] in printed and len(names) >= 2, printed
    else:
        assert re.search(r"^Accuracy: 0\.\d{4}$", printed, re.MULTILINE), printed
    if form == "single":
        assert re.search(r"^Epoch: 0001 cost = \d+\.\d{9}$", printed, re.MULTILINE), "the original's epoch line"
    _, shown = outputs(notebook, "charts")
    assert shown.count("image/png") >= (1 if form == "by_hand" else 2), "the learning curves and the lesson's charts"
    if lab.id in make.ACTIVATION_LESSONS:
        assert "image/png" in outputs(notebook, "activations")[1]
    if form != "by_hand":
        assert "text/html" in outputs(notebook, "tensorboard")[1], "TensorBoard's frame"
        printed, shown = outputs(notebook, "digit")
        predictions = re.findall(r"^(?!Label)(\S+): \d$", printed, re.MULTILINE)
        assert "image/png" in shown and predictions == (["Prediction"] if form == "single" else names), printed
    if lab.expected and lab.expected.has_band:
        low, high = lab.expected.band()
        assert f"{low:.4f}-{high:.4f}" in outputs(notebook, "this-run")[0]
