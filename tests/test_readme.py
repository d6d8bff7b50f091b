"""README's "Use tfmlp in your own code" examples run as written (one epoch instead of five)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import labs
from labs.__main__ import READMES, RESULTS_MARKER, with_results_table

REPOSITORY = Path(__file__).resolve().parent.parent


def examples() -> list[str]:
    readme = (REPOSITORY / "README.md").read_text()
    section = readme.split("## Use tfmlp in your own code", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.DOTALL)


def test_the_section_has_both_examples() -> None:
    blocks = examples()
    assert len(blocks) == 2
    assert "mlp([1024, 1024, 1024]" in blocks[0] and "load_model" in blocks[0]
    assert "keras.Model(inputs, logits)" in blocks[1]


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


def setup_commands(name: str) -> list[str]:
    """The commands of a README's set-up: the code blocks of its first section."""
    readme = (REPOSITORY / name).read_text(encoding="utf-8")
    first_section = readme.split("\n## ", 2)[1]
    return re.findall(r"```\n(.*?)```", first_section, re.DOTALL)


def test_both_readmes_name_the_same_set_up_and_test_commands() -> None:
    english, korean = setup_commands("README.md"), setup_commands("README.ko.md")
    assert english == ["pip install -r requirements.txt && python cli.py lab 10-4\n", "python -m pytest\n"]
    assert korean == english
    assert "python -m pytest" in (REPOSITORY / ".ci" / "run").read_text()  # what CI runs is what they say


def test_the_korean_readme_is_the_whole_readme() -> None:
    """Every section of README.md has one in README.ko.md, in the same order, with the same code."""
    def sections(name: str) -> list[list[str]]:
        readme = (REPOSITORY / name).read_text(encoding="utf-8")
        return [re.findall(r"```[a-z]*\n(.*?)```", section, re.DOTALL) for section in readme.split("\n## ")]

    english, korean = sections("README.md"), sections("README.ko.md")
    assert len(korean) == len(english)
    assert korean == english


@pytest.mark.parametrize("language", labs.LANGUAGES)
def test_the_results_table_is_made_from_the_measured_runs(language: str) -> None:
    readme = (REPOSITORY / READMES[language]).read_text(encoding="utf-8")
    assert with_results_table(readme, language) == readme, f"{READMES[language]}'s results table is not the data's: run `python -m labs`"
    table = readme.split(RESULTS_MARKER + "\n", 1)[1].split("\n\n", 1)[0]
    low, high = labs.get_lab("10-5").expected.band()
    assert f"| 10-5 | {labs.get_lab('10-5').lesson(language).title} | 0.9804 |" in table and f"| {low:.4f} – {high:.4f} |" in table


def test_a_readme_without_the_tables_marker_is_refused_in_one_line() -> None:
    with pytest.raises(ValueError, match=r"^no results marker in the en README; put this line before its table: <!-- results: "):
        with_results_table("# README\n\n| a | b |\n", "en")
