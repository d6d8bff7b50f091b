"""`read_digit` prepares handwriting that is not MNIST as MNIST's: a hairline or a felt-tip stroke, grey
paper, a small digit in a corner. The digits are drawn as pen strokes by benchmarks/handwriting.py,
which measures how well each step's network then reads them."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from benchmarks.handwriting import PLACES, SIZES, WIDTHS, drawn_digit
from tfmlp.data import MnistArrays
from tfmlp.inference import INK, read_digit, stroke_width

# Of the stroke width of MNIST's test digits over their longer side (`relative_stroke`).
MNIST_5TH_PERCENTILE, MNIST_95TH_PERCENTILE, MNIST_99TH_PERCENTILE = 0.084, 0.175, 0.207


def relative_stroke(image: np.ndarray) -> float:
    """The stroke width of a 28 x 28 digit as a fraction of its longer side, as for MNIST's."""
    image = image.reshape(28, 28)
    rows, columns = np.nonzero(image > INK)
    digit = image[rows.min() : rows.max() + 1, columns.min() : columns.max() + 1]
    return stroke_width(digit) / max(digit.shape)


@pytest.mark.parametrize("pen", ["hairline", "thin", "medium"])
def test_a_hairline_or_a_thin_pen_comes_out_as_wide_as_mnists(pen: str) -> None:
    for digit in range(10):
        read = read_digit(drawn_digit(digit, width=WIDTHS[pen], writer=1))
        assert MNIST_5TH_PERCENTILE <= relative_stroke(read) <= MNIST_95TH_PERCENTILE, (pen, digit)
        assert read.max() == pytest.approx(1.0, abs=0.05)  # and as bright: a faint hairline is not a faint digit


def test_a_felt_tip_comes_out_no_thicker_than_mnists_thickest() -> None:
    widths = [relative_stroke(read_digit(drawn_digit(digit, width=WIDTHS["felt-tip"], writer=1))) for digit in range(10)]
    assert np.mean(widths) <= MNIST_99TH_PERCENTILE, widths  # left as drawn, they average 0.216


def test_grey_paper_under_uneven_light_becomes_mnists_black() -> None:
    correlations = []
    for digit in range(10):
        canvas = read_digit(drawn_digit(digit, writer=1))
        photo = read_digit(drawn_digit(digit, writer=1, paper="photo")).reshape(28, 28)
        assert photo[:4, :4].max() == photo[:4, -4:].max() == photo[-4:, :4].max() == photo[-4:, -4:].max() == 0.0, digit
        correlations.append(np.corrcoef(canvas, photo.reshape(-1))[0, 1])
    assert min(correlations) > 0.7 and np.mean(correlations) > 0.9, correlations


def test_a_small_digit_in_a_corner_reads_as_a_large_one_in_the_middle() -> None:
    correlations = [
        np.corrcoef(
            read_digit(drawn_digit(digit, writer=1)), read_digit(drawn_digit(digit, writer=1, size=SIZES["small"], place=PLACES["corner"]))
        )[0, 1]
        for digit in range(10)
    ]
    assert min(correlations) > 0.7 and np.mean(correlations) > 0.85, correlations


def test_mnists_own_digits_keep_their_strokes(mnist: MnistArrays) -> None:
    kept = 0
    for image in mnist.test.images[:100]:
        buffer = io.BytesIO()
        Image.fromarray((image.reshape(28, 28) * 255).round().astype(np.uint8)).save(buffer, format="PNG")
        before, after = relative_stroke(image), relative_stroke(read_digit(buffer.getvalue()))
        kept += abs(after - before) <= 0.2 * before
    assert kept >= 90
