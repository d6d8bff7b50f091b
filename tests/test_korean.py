"""With TFMLP_LANG=ko a Korean learner reads Korean: `list`, a step's run, a bad option, `runs`,
`predict` and the lesson charts, and no English but the course's own output lines, identifiers, paths
and numbers."""

from __future__ import annotations

import dataclasses
import io
import re
import warnings
from collections.abc import Iterable
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import labs
from cli import cli
from tfmlp.config import ModelConfig, TrainConfig

# The TF1 original's own lines: the course prints them so, and so does every step, in any language.
ORIGINAL_LINES = re.compile(r"(Epoch: \d{4} cost = \d+\.\d{9}|Learning Finished!|Accuracy: \d\.\d{4}|Label: \d|Prediction: \d)")
# Names that are the same in Korean: the course writes them so (ReLU, Xavier, Adam), or they are what a
# learner types or a file holds (relu, normal, float32), or an abbreviation (XLA, MLP, NaN).
NAMES = {
    "MNIST", "ReLU", "Xavier", "XLA", "RBM", "TensorBoard", "HParams", "MLP", "API", "NaN", "CPU", "GPU", "JSON", "PNG", "JPEG",
    "sigmoid", "tanh", "leaky", "ELU", "SELU", "LeCun", "SGD", "Adagrad", "Adadelta", "RMSprop", "Adam", "Adamax", "Nadam", "AdamW", "EMA",
    "relu", "xavier", "normal", "zeros", "adam", "sgd", "float32", "bfloat16", "python",
}  # fmt: skip
# What a learner types or reads in a file: the step ids, the commands, their options' choices, the
# configuration's fields (config.json's keys).
TYPES = [param.type for command in cli.commands.values() for param in command.params]
CHOICES = {str(choice) for kind in TYPES if isinstance(kind, click.Choice) for choice in kind.choices}
FIELDS = {field.name for section in (ModelConfig, TrainConfig) for field in dataclasses.fields(section)}
IDENTIFIERS = NAMES | {lab.id for lab in labs.all_labs()} | set(cli.commands) | CHOICES | FIELDS
NOT_WORDS = re.compile(
    "".join(re.escape(lab.id) + "|" for lab in labs.all_labs() if re.search("[A-Za-z]-[A-Za-z]", lab.id))  # an id such as batch-sizes
    + r"\S*/\S*"  # a path
    r"|[\w.-]+\.(?:py|json|keras|png|gz|md|csv)(?![A-Za-z0-9])"  # a file's name
    r"|--?[a-z][\w-]*"  # an option
    r"|\w*_\w*"  # a name in snake case: a field, a flag of the CPU
)


def english_words(output: str, values: Iterable[str] = ()) -> list[str]:
    """The words of three letters or more in `output` that are neither Korean nor allowed: every line
    but the original's, without `values` (what the machine is called, as results record it), paths,
    file names, options and snake-case names."""
    found = []
    for line in output.splitlines():
        if ORIGINAL_LINES.fullmatch(line):
            continue
        for value in values:
            line = line.replace(value, " ")
        tokens = re.findall(r"[A-Za-z][A-Za-z0-9]*", NOT_WORDS.sub(" ", line))
        found += [token for token in tokens if sum(character.isalpha() for character in token) >= 3 and token not in IDENTIFIERS]
    return found


def test_the_check_finds_english_and_passes_the_allowed() -> None:
    assert english_words("학습 장치: CPU (Intel, 2 cores)") == ["Intel", "cores"]
    assert english_words("Training on CPU", ["CPU"]) == ["Training"]
    allowed = ["Epoch: 0001 cost = 0.123456789", "Learning Finished!", "실행 폴더: runs/10-4/20261125-144349"]
    assert english_words("\n".join([*allowed, "relu, adam 0.001, --epochs, batch_size", "model.keras가 없습니다"])) == []
    assert english_words("Learning Finished! Really") == ["Learning", "Finished", "Really"], "only the original's whole lines pass"


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_list_is_korean(korean: None) -> None:
    result = invoke("list")
    assert result.exit_code == 0
    assert english_words(result.output) == []
    assert "10-1" in result.output and "소프트맥스 회귀" in result.output


@pytest.fixture
def korean_run(korean: None, tmp_path: Path) -> tuple[str, Path]:
    """`lab 10-1 --epochs 1` in Korean: its output and the runs folder."""
    result = invoke("lab", "10-1", "--epochs", "1", "--logdir", str(tmp_path))
    assert result.exit_code == 0, result.output
    return result.output, tmp_path


def test_a_step_runs_in_korean_and_prints_the_originals_lines_as_the_course_does(korean_run: tuple[str, Path]) -> None:
    from tfmlp.training import place

    output, _ = korean_run
    assert english_words(output, [place().description]) == [], output
    lines = output.splitlines()
    assert lines[0] == "실습 10-1: " + labs.get_lab("10-1").lesson("ko").title
    assert lines[1].startswith("실행 폴더: ") and lines[2].startswith("학습 장치: ") and lines[3].startswith("XLA")
    assert [line for line in lines if ORIGINAL_LINES.fullmatch(line)] == lines[4:9]  # the original's five, as it printed them
    assert lines[9].startswith("테스트 숫자 그림: ")


@pytest.mark.parametrize(
    "args",
    [
        ["lab", "10-1", "--epochs", "0"],
        ["lab", "10-1", "--epoch", "3"],
        ["lab", "10-1", "--epochs", "many"],
        ["lab", "10-1", "--precision", "double"],
        ["lab", "10_2"],
        ["lab"],
        ["lab", "10-X1", "--epochs", "3"],
        ["runs", "--format", "xml"],
        ["predict", "10-4", __file__],
        ["evaluate", "/"],
    ],
    ids=" ".join,
)
def test_bad_input_is_one_korean_line(args: list[str], korean: None, tmp_path: Path) -> None:
    result = invoke(*args, "--logdir", str(tmp_path))
    assert result.exit_code == 2
    assert result.output.startswith("오류: ") and result.output.count("\n") == 1, result.output
    assert english_words(result.output) == [], result.output


def test_an_empty_data_folder_is_one_korean_line(korean: None, tmp_path: Path) -> None:
    empty = tmp_path / "MNIST_data"
    empty.mkdir()
    result = invoke("lab", "10-1", "--data-dir", str(empty), "--tfds-dir", str(tmp_path / "tfds"), "--logdir", str(tmp_path / "runs"))
    assert result.exit_code == 2
    last_line = result.output.strip().splitlines()[-1]  # after the step's heading
    assert last_line.startswith(f"오류: MNIST 폴더 {empty}에 없는 파일이 있습니다: "), result.output
    assert english_words(result.output) == [], result.output


def test_an_unknown_step_suggests_the_closest_in_korean(korean: None) -> None:
    assert "찾는 단계가 10-2인가요?" in invoke("lab", "10_2").output


def test_runs_predict_and_evaluate_speak_korean(korean_run: tuple[str, Path]) -> None:
    _, runs = korean_run
    (run,) = (runs / "10-1").iterdir()
    listed = invoke("runs", "--logdir", str(runs))
    assert listed.exit_code == 0
    assert english_words(listed.output) == [] and str(run) in listed.output and "1에폭" in listed.output
    (digit,) = run.glob("test_digit_*.png")
    for command in (["predict", "10-1", str(digit)], ["evaluate", "10-1"]):
        result = invoke(*command, "--logdir", str(runs))
        assert result.exit_code == 0, result.output
        assert english_words(result.output) == [], result.output
        assert result.output.startswith(f"10-1 단계의 가장 최근에 끝난 실행: {run}\n")


def test_the_lesson_charts_are_korean_and_every_glyph_is_drawn(korean: None) -> None:
    """matplotlib says so when a font lacks a glyph (it draws an empty box): here none is missing."""
    from tfmlp.language import message
    from tfmlp.plots import correct_counts_png, layers_png, train_validation_png

    series = {"dense_1": [(0, 1.0), (1, 0.5), (550, 0.2)], "logits": [(0, 2.0), (1, 1.0), (550, 0.4)]}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pictures = [layers_png(series, message("charts.gradient_norm_title"), True, [550]), train_validation_png([0.5, 0.3], [0.4, 0.35])]
        pictures.append(correct_counts_png([0, 1_000], [106, 870], "실습 10-X1"))  # 10-X1's notebook
    assert not [str(warning.message) for warning in caught if "missing from font" in str(warning.message)]
    assert all(picture.startswith(b"\x89PNG") for picture in pictures)
    assert message("charts.gradient_norm_title") == "층마다 도달하는 기울기의 크기"


def test_without_the_hangul_font_the_check_would_see_boxes() -> None:
    """The check above can fail: matplotlib's own face alone lacks Hangul and says so."""
    from matplotlib.figure import Figure

    figure = Figure()
    figure.subplots().set_title("기울기")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure.savefig(io.BytesIO(), format="png")
    assert any("missing from font" in str(warning.message) for warning in caught)


def test_explain_follows_the_chosen_language_and_lang_still_chooses(korean: None) -> None:
    assert invoke("explain", "10-4").output.startswith("실습 10-4: 깊고 넓은 신경망")
    assert invoke("explain", "10-4", "--lang", "en").output.startswith("Lab 10-4: Deep NN")
