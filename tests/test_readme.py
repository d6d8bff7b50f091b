"""The READMEs, the front page of the course: their commands are the CLI's, and their code runs.

README.md and README.ko.md stay short and say the same: the set-up command, the learner's loop, the steps
table, one example. The library page (docs/library.md) holds the whole "use tfmlp in your own code"
examples, which run here as written (one epoch instead of five); the README's example is the first of them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import cli
import labs
from labs.__main__ import PAGES, with_table

REPOSITORY = Path(__file__).resolve().parent.parent
READMES = ["README.md", "README.ko.md"]
INSTALL_AND_RUN = "pip install -r requirements.txt && python cli.py lab 10-1\n"
DEVELOPERS_CHECK = "python -m pytest\n"
LEARNERS_LOOP = ["list", "explain", "lab", "tensorboard", "predict"]


def sections(path: Path) -> list[str]:
    """A markdown file cut at its `## ` headings; the first piece is what comes before the first one."""
    return path.read_text(encoding="utf-8").split("\n## ")


def code_blocks(text: str, language: str = "[a-z]*") -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, re.DOTALL)


def examples() -> list[str]:
    """The library page's Python examples, in order."""
    return code_blocks((REPOSITORY / "docs" / "library.md").read_text(encoding="utf-8"), "python")


def test_the_library_page_has_both_examples() -> None:
    blocks = examples()
    assert len(blocks) == 2
    assert "mlp([1024, 1024, 1024]" in blocks[0] and "load_model" in blocks[0]
    assert "keras.Model(inputs, logits)" in blocks[1]


@pytest.mark.parametrize("name", READMES)
def test_the_readme_example_is_the_start_of_the_library_example_that_runs(name: str) -> None:
    readme_examples = code_blocks((REPOSITORY / name).read_text(encoding="utf-8"), "python")
    assert len(readme_examples) == 1
    assert examples()[0].startswith(readme_examples[0])
    assert len(readme_examples[0].splitlines()) <= 12, "the front page's example stays about ten lines"


@pytest.mark.slow
@pytest.mark.parametrize("index", [0, 1], ids=["own-mlp", "own-keras-model"])
def test_a_readme_example_runs(index: int, tmp_path: Path) -> None:
    code = examples()[index]
    assert "TrainConfig(epochs=5)" in code
    script = tmp_path / "example.py"
    script.write_text(code.replace("TrainConfig(epochs=5)", "TrainConfig(epochs=1)"))
    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY), "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    accuracies = [float(value) for value in re.findall(r"test accuracy (0\.\d{4})", done.stdout)]
    assert accuracies and all(accuracy > 0.9 for accuracy in accuracies), done.stdout
    if index == 0:
        assert accuracies[0] == pytest.approx(accuracies[1], abs=1e-4), "the reloaded model is the trained one"
        assert (tmp_path / "my_mlp.keras").is_file()


@pytest.mark.parametrize("name", READMES)
def test_the_first_section_installs_and_runs_the_first_step(name: str) -> None:
    """A learner's first command runs 10-1, where the course starts; nothing else waits in the set-up."""
    assert code_blocks(sections(REPOSITORY / name)[1]) == [INSTALL_AND_RUN]


@pytest.mark.parametrize("name", READMES)
def test_the_tests_are_the_developers_check_at_the_end(name: str) -> None:
    """The 15-minute suite is named in the last section, for developers, not as a learner's next step."""
    pieces = sections(REPOSITORY / name)
    assert code_blocks(pieces[-1]) == [DEVELOPERS_CHECK]
    assert all(DEVELOPERS_CHECK not in code_blocks(piece) for piece in pieces[:-1])
    assert DEVELOPERS_CHECK.strip() in (REPOSITORY / ".ci" / "run").read_text()  # what CI runs is what they say


@pytest.mark.parametrize("name", READMES)
def test_the_learners_loop_is_list_explain_lab_tensorboard_predict(name: str) -> None:
    commands = code_blocks(sections(REPOSITORY / name)[2])
    assert len(commands) == 1
    lines = commands[0].splitlines()
    assert all(line.startswith("python cli.py ") for line in lines)
    names = [line.split()[2] for line in lines]
    assert names == LEARNERS_LOOP
    assert set(names) <= set(cli.cli.commands), "every command of the loop is one the CLI has"


@pytest.mark.parametrize("name", READMES)
def test_the_readme_stays_a_front_page(name: str) -> None:
    """About 1,500 words; everything else lives on the docs pages it links to."""
    assert len((REPOSITORY / name).read_text(encoding="utf-8").split()) < 2000


def test_the_korean_readme_is_the_whole_readme() -> None:
    """Every section of README.md has one in README.ko.md, in the same order, with the same code."""
    english, korean = sections(REPOSITORY / "README.md"), sections(REPOSITORY / "README.ko.md")
    assert len(korean) == len(english)
    assert [code_blocks(section) for section in korean] == [code_blocks(section) for section in english]


@pytest.mark.parametrize("name", PAGES)
def test_the_tables_of_results_are_made_from_the_measured_runs(name: str) -> None:
    page = (REPOSITORY / name).read_text(encoding="utf-8")
    assert with_table(page, name) == page, f"{name}'s table is not the data's: run `python -m labs`"
    marker, language, _ = PAGES[name][0]
    table = page.split(marker + "\n", 1)[1].split("\n\n", 1)[0]
    lab = labs.get_lab("10-5")
    low, high = lab.expected.band()
    assert f"| 10-5 | {lab.lesson(language).title} | 0.9804 |" in table and f"| {low:.4f} – {high:.4f} |" in table


def test_a_page_without_its_tables_marker_is_refused_in_one_line() -> None:
    with pytest.raises(ValueError, match=r"^no table marker in README.md; put this line before its table: <!-- steps: "):
        with_table("# README\n\n| a | b |\n", "README.md")
