"""Every step explains itself, in English and in Korean (`cli.py explain ID --lang ko`)."""

from __future__ import annotations

import inspect
import re

import pytest
from click.testing import CliRunner

import labs
from cli import cli

HANGUL = re.compile(r"[\uac00-\ud7a3]")
FIELDS = ("changed", "why", "tensorboard")


@pytest.mark.parametrize("language", labs.LANGUAGES)
def test_every_step_and_experiment_has_its_lesson_and_nothing_else_does(language: str) -> None:
    texts = labs.lesson_texts(language)
    ids = [lab.id for lab in labs.all_labs()]
    assert set(texts) - {"labels"} == set(ids)
    for lab_id in ids:
        lesson = labs.get_lab(lab_id).lesson(language)
        assert all(len(getattr(lesson, field)) > 40 for field in FIELDS), lab_id
        assert lesson.title


def test_the_korean_lessons_are_korean_and_have_the_english_ones_labels() -> None:
    for lab in labs.all_labs():
        lesson = lab.lesson("ko")
        assert all(HANGUL.search(getattr(lesson, field)) for field in (*FIELDS, "title")), lab.id
    assert set(labs.lesson_texts("ko")["labels"]) == set(labs.lesson_texts("en")["labels"])


def test_every_comparison_titles_its_charts_in_both_languages(korean: None) -> None:
    """A comparison's charts are titled from its lesson (`chart`), in the language the run is trained in."""
    comparisons = [lab for lab in labs.all_labs() if "chart_title(" in inspect.getsource(lab.module)]
    assert {"10-6", "losses", "pretraining"} <= {lab.id for lab in comparisons}
    for lab in comparisons:
        english = labs.lesson_texts("en")[lab.id]["chart"]
        assert english and not HANGUL.search(english), lab.id
        assert HANGUL.search(labs.chart_title(lab.id)), f"{lab.id}: the Korean run's charts are titled in Korean"


@pytest.mark.parametrize(
    ("language", "headings"),
    [
        ("en", ["Lab 10-4: Deep NN", "What changed:", "Why:", "In TensorBoard:"]),
        ("ko", ["실습 10-4: 깊고 넓은", "바뀐 점:", "왜:", "TensorBoard에서 볼 것:"]),
    ],
)
def test_explain_prints_the_lesson_the_course_figure_and_ours(language: str, headings: list[str]) -> None:
    result = CliRunner().invoke(cli, ["explain", "10-4", "--lang", language])
    assert result.exit_code == 0, result.output
    assert all(heading in result.output for heading in headings)
    expected = labs.get_lab("10-4").expected
    assert "0.9742" in result.output and f"{expected.mean:.4f} ± {expected.std:.4f}" in result.output
    assert "python cli.py lab 10-4" in result.output


def test_explain_says_when_the_course_published_no_figure() -> None:
    result = CliRunner().invoke(cli, ["explain", "activations", "--lang", "ko"])
    assert result.exit_code == 0
    assert "실험 activations:" in result.output and "강의에서 이 단계의 수치를 발표하지 않았다" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["explain", "10-99"], "Error: unknown lab '10-99'; valid: 10-1"),
        (["explain", "10-4", "--lang", "fr"], "Error: Invalid value for '--lang'"),
    ],
)
def test_explain_refuses_bad_input_in_one_line(args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert result.output.startswith(message) and len(result.output.strip().splitlines()) == 1


@pytest.mark.parametrize("language", labs.LANGUAGES)
def test_a_measured_comparison_explains_each_network_over_seeds(language: str) -> None:
    """Not "not measured over seeds": a comparison's figures are its networks' spreads, as measured.toml holds them."""
    lab = labs.get_lab("losses")
    (command, networks), *_ = lab.measured_networks.items()
    figures = lab.figures(language)
    assert command in figures[1] and labs.lesson_texts(language)["labels"]["not_measured"] not in "\n".join(figures)
    for name, expected in networks.items():
        low, high = expected.band()
        assert any(line.startswith(f"  {name}: ") and f"{low:.4f}-{high:.4f}" in line for line in figures), (name, figures)
