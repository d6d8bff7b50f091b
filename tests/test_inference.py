"""A finished run's model reads digits from image files of any size and paper, and re-tests itself."""

from __future__ import annotations

import json
import re
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from cli import cli
from tfmlp.data import MnistArrays
from tfmlp.inference import read_digit
from tfmlp.run_models import load_run_model


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    runs = tmp_path_factory.mktemp("runs")
    result = CliRunner().invoke(cli, ["lab", "10-3", "--epochs", "2", "--logdir", str(runs)])
    assert result.exit_code == 0, result.output
    (run,) = (runs / "10-3").iterdir()
    return run


def confident_digits(run: Path, mnist: MnistArrays, count: int = 3) -> list[int]:
    """Test images the model reads right with probability above 0.95: the picture, not the model, is on trial."""
    logits = load_run_model(run).predict(mnist.test.images[:200], verbose=0)
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    right = (probabilities.argmax(axis=1) == mnist.test.labels[:200]) & (probabilities.max(axis=1) > 0.95)
    return [int(index) for index in np.flatnonzero(right)[:count]]


def white_on_black(image: np.ndarray, path: Path) -> Path:
    """The MNIST image itself, 28x28."""
    Image.fromarray((image.reshape(28, 28) * 255).astype(np.uint8)).save(path)
    return path


def black_on_white_photo(image: np.ndarray, path: Path) -> Path:
    """Dark ink on light paper, 5x larger, off-centre on a wide page, as JPEG: nothing like MNIST's format."""
    digit = Image.fromarray(((1.0 - image.reshape(28, 28)) * 255).astype(np.uint8)).resize((140, 140), Image.BICUBIC)
    page = Image.new("L", (400, 260), color=240)
    page.paste(digit, (30, 90))
    page.save(path, quality=95)
    return path


def test_predict_reads_digits_from_pngs_and_photos_of_either_paper(finished_run: Path, mnist: MnistArrays, tmp_path: Path) -> None:
    indices = confident_digits(finished_run, mnist)
    assert len(indices) == 3
    files = []
    for index in indices:
        files.append(white_on_black(mnist.test.images[index], tmp_path / f"digit{index}.png"))
        files.append(black_on_white_photo(mnist.test.images[index], tmp_path / f"photo{index}.jpg"))
    result = CliRunner().invoke(cli, ["predict", str(finished_run), *map(str, files)])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 6
    for line, path in zip(lines, files, strict=True):
        match = re.fullmatch(rf"{re.escape(str(path))}: (\d) \((\d+\.\d)%\)", line)
        assert match, line
        truth = mnist.test.labels[int(re.search(r"\d+", path.stem).group())]
        assert int(match.group(1)) == truth, line
        assert 10.0 <= float(match.group(2)) <= 100.0


def test_an_mnist_digit_passes_through_unchanged_in_shape(mnist: MnistArrays, tmp_path: Path) -> None:
    image = mnist.test.images[0]
    read = read_digit(white_on_black(image, tmp_path / "digit.png"))
    assert read.shape == (784,) and 0.0 <= read.min() and read.max() <= 1.0
    assert np.corrcoef(read, image)[0, 1] > 0.8  # re-centred and re-boxed as MNIST was, so close to itself


def test_a_blank_image_is_refused_in_one_line(finished_run: Path, tmp_path: Path) -> None:
    blank = tmp_path / "blank.png"
    Image.new("L", (50, 50), color=255).save(blank)
    result = CliRunner().invoke(cli, ["predict", str(finished_run), str(blank)])
    assert result.exit_code == 2
    assert result.output.strip() == f"Error: {blank} shows no digit (no pixel stands out from the background)"


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims `width` x `height` one-bit pixels and holds none: what Pillow reads before decoding."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # bit depth 1, grayscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


def truncated_png(path: Path) -> bytes:
    """A real digit's PNG, cut in the middle of its pixel data."""
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (200, 200), dtype=np.uint8)).save(path)
    return path.read_bytes()[:1_000]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            lambda path: png_header(10_000, 6_000),
            "is 10000 x 6000 pixels (60 megapixels); images of up to 50 megapixels are read: scale it down",
        ),
        (
            lambda path: png_header(12_000, 10_000),
            "is 12000 x 10000 pixels (120 megapixels); images of up to 50 megapixels are read: scale it down",
        ),
        (lambda path: png_header(20_000, 20_000), "has over 179 megapixels; images of up to 50 megapixels are read: scale it down"),
        (lambda path: b"digits.csv, not a picture", "is not an image file (PNG, JPEG, ...), or its header is damaged"),
        (truncated_png, "is a damaged or truncated PNG file: its pixels cannot be decoded"),
        (lambda path: png_header(28, 28), "is a damaged or truncated PNG file: its pixels cannot be decoded"),
    ],
    ids=[
        "60-megapixels",
        "120-megapixels-where-pillow-warns",
        "400-megapixels-where-pillow-refuses",
        "not-an-image",
        "truncated",
        "no-pixels",
    ],
)
def test_an_image_too_large_not_an_image_or_damaged_is_one_line_naming_it(
    content, message: str, finished_run: Path, tmp_path: Path
) -> None:
    """The size is read from the header and refused before a pixel is decoded (a 20,000 x 20,000
    grayscale image would take 1.6 GB as floats): these files are a few bytes each."""
    image = tmp_path / "digit.png"
    image.write_bytes(content(image))
    result = CliRunner().invoke(cli, ["predict", str(finished_run), str(image)])
    assert result.exit_code == 2
    assert result.output.strip() == f"Error: {image} {message}"  # one line: no Pillow warning, no object repr


def test_evaluate_recomputes_the_recorded_accuracy(finished_run: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["evaluate", str(finished_run)])
    assert result.exit_code == 0, result.output
    recorded = json.loads((finished_run / "metrics.json").read_text())["test_accuracy"]
    assert result.output.strip() == f"Test accuracy {recorded:.4f} matches the recorded {recorded:.4f}"


def test_evaluate_fails_when_the_model_no_longer_matches(finished_run: Path, tmp_path: Path) -> None:
    tampered = tmp_path / "run"
    tampered.mkdir()
    for name in ("config.json", "model.keras"):
        (tampered / name).write_bytes((finished_run / name).read_bytes())
    metrics = json.loads((finished_run / "metrics.json").read_text())
    (tampered / "metrics.json").write_text(json.dumps({**metrics, "test_accuracy": metrics["test_accuracy"] - 0.01}))
    result = CliRunner().invoke(cli, ["evaluate", str(tampered)])
    assert result.exit_code == 1
    assert "DIFFERS from" in result.output
    assert result.output.strip().splitlines()[-1] == f"Error: the saved model of {tampered} no longer gives its recorded accuracy"


def test_predict_and_evaluate_take_a_steps_id_for_its_newest_finished_run(finished_run: Path, mnist: MnistArrays, tmp_path: Path) -> None:
    """`predict 10-3 digit.png`: the newest run of 10-3 that finished with its model, not a newer unfinished one."""
    runs = tmp_path / "runs"
    older = runs / "10-3" / "20200101-000000"
    older.mkdir(parents=True)
    for name in ("config.json", "metrics.json", "model.keras"):
        (older / name).write_bytes((finished_run / name).read_bytes())
    unfinished = runs / "10-3" / "20991231-000000"
    unfinished.mkdir()
    (unfinished / "config.json").write_bytes((finished_run / "config.json").read_bytes())
    digit = white_on_black(mnist.test.images[confident_digits(finished_run, mnist, 1)[0]], tmp_path / "digit.png")
    by_id = CliRunner().invoke(cli, ["predict", "10-3", str(digit), "--logdir", str(runs)])
    by_folder = CliRunner().invoke(cli, ["predict", str(older), str(digit)])
    assert by_id.exit_code == 0, by_id.output
    assert by_id.output == f"The newest finished run of 10-3: {older}\n" + by_folder.output
    evaluated = CliRunner().invoke(cli, ["evaluate", "10-3", "--logdir", str(runs)])
    assert evaluated.exit_code == 0 and evaluated.output.splitlines()[0] == f"The newest finished run of 10-3: {older}"


@pytest.mark.parametrize(
    ("run", "message"),
    [
        ("10-4", "no finished run of 10-4 under {runs} kept a model: train one with python cli.py lab 10-4"),
        ("10-6", "10-6 keeps no single model to read digits with: give a step that trains one, such as 10-4, or a run's folder"),
        ("10_3", "10_3 is neither a run's folder nor a step's id; did you mean 10-3?"),
        (
            "runs/10-9",
            "runs/10-9 is neither a run's folder nor a step's id: give a folder that python cli.py runs lists, or a step's id such as 10-4",
        ),
    ],
)
def test_a_step_without_a_run_to_read_with_is_one_line_saying_what_to_do(run: str, message: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["predict", run, __file__, "--logdir", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output == f"Error: {message.format(runs=tmp_path)}\n"
