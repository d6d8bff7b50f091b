"""Do the steps' models read handwriting that is not MNIST? Digits drawn as pen strokes, per step.

    python benchmarks/handwriting.py --logdir runs

MNIST's digits were written on paper, scanned, fitted into 20 x 20 pixels and centred. A digit drawn
with a mouse on the draw page, or photographed, is not: its stroke can be a hair or a felt-tip, it
can sit in a corner of the canvas or fill a tenth of it. This draws every digit 0-9 as pen strokes
(two shapes of each, as people write them, each slanted, stretched and shaken by a seeded "writer"),
at several stroke widths, sizes and positions, as dark ink on the page's white 280 x 280 canvas (PNG)
and as a photo of grey paper under uneven light (JPEG), and reads each picture as the draw page and
`cli.py predict` do: its bytes through `tfmlp.inference.read_digit` into the newest finished run of
each step under --logdir. It prints each step's accuracy per kind of picture.
"""

from __future__ import annotations

import argparse
import io
import itertools
import math
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CANVAS = 280  # the draw page's canvas, in pixels
Stroke = list[tuple[float, float]]  # points in a unit box: x to the right, y down


def _arc(centre_x: float, centre_y: float, radius_x: float, radius_y: float, start: float, end: float, points: int = 24) -> Stroke:
    """Points along an ellipse from angle `start` to `end` in degrees (0 = right, 90 = down: clockwise on screen)."""
    angles = np.radians(np.linspace(start, end, points))
    return [(centre_x + radius_x * math.cos(angle), centre_y + radius_y * math.sin(angle)) for angle in angles]


# Each digit in two shapes people write, as strokes in a unit box (the pen's path, in order).
SHAPES: dict[int, tuple[list[Stroke], ...]] = {
    0: ([_arc(0.5, 0.5, 0.32, 0.46, -90, 275)], [_arc(0.5, 0.5, 0.27, 0.46, -100, 260)]),
    1: ([[(0.52, 0.04), (0.5, 0.96)]], [[(0.32, 0.22), (0.56, 0.04), (0.54, 0.96)]]),
    2: (
        [_arc(0.5, 0.3, 0.28, 0.26, 195, 370) + [(0.2, 0.96), (0.84, 0.96)]],
        [_arc(0.48, 0.3, 0.3, 0.26, 180, 390) + [(0.18, 0.95), (0.5, 0.9), (0.86, 0.94)]],
    ),
    3: (
        [_arc(0.48, 0.27, 0.26, 0.23, 200, 450) + _arc(0.48, 0.73, 0.3, 0.23, 270, 520)],
        [[(0.2, 0.06), (0.78, 0.06), (0.42, 0.44)] + _arc(0.48, 0.7, 0.3, 0.26, 260, 520)],
    ),
    4: (
        [[(0.66, 0.96), (0.66, 0.04), (0.14, 0.66), (0.86, 0.66)]],
        [[(0.26, 0.04), (0.2, 0.56), (0.84, 0.56)], [(0.68, 0.18), (0.66, 0.96)]],
    ),
    5: (
        [[(0.8, 0.05), (0.3, 0.05), (0.26, 0.45)] + _arc(0.5, 0.68, 0.3, 0.27, 225, 520)],
        [[(0.3, 0.05), (0.26, 0.45)] + _arc(0.5, 0.68, 0.3, 0.27, 225, 520), [(0.3, 0.05), (0.82, 0.05)]],
    ),
    6: (
        [[(0.72, 0.04), (0.46, 0.2), (0.3, 0.44)] + _arc(0.5, 0.72, 0.24, 0.24, 180, -180)],
        [_arc(0.92, 0.62, 0.68, 0.58, 250, 180) + _arc(0.5, 0.74, 0.26, 0.22, 180, -170)],
    ),
    7: ([[(0.14, 0.05), (0.86, 0.05), (0.38, 0.96)]], [[(0.14, 0.08), (0.86, 0.05), (0.44, 0.96)], [(0.36, 0.5), (0.8, 0.48)]]),
    8: (
        [_arc(0.5, 0.27, 0.22, 0.22, 0, 360), _arc(0.5, 0.71, 0.27, 0.25, -90, 270)],
        [_arc(0.5, 0.26, 0.24, 0.21, 90, -270), _arc(0.5, 0.71, 0.29, 0.25, -90, 270)],
    ),
    9: (
        [_arc(0.5, 0.3, 0.25, 0.24, 0, -360) + [(0.75, 0.3), (0.7, 0.96)]],
        [_arc(0.46, 0.28, 0.26, 0.23, 10, -350) + [(0.72, 0.34), (0.66, 0.7), (0.44, 0.96)]],
    ),
}

# What changes from one picture to the next: the pen's width as a fraction of the digit's height,
# the digit's height as a fraction of the canvas, where it sits, and the paper.
WIDTHS = {"hairline": 0.012, "thin": 0.04, "medium": 0.09, "thick": 0.18, "felt-tip": 0.28}
SIZES = {"large": 0.8, "medium": 0.45, "small": 0.14}
PLACES = {"centre": (0.5, 0.5), "corner": (0.22, 0.24)}
PAPERS = ("canvas", "photo")  # the page's white canvas as PNG; grey paper under uneven light, a little blurred, as JPEG


@dataclass(frozen=True)
class Picture:
    """One drawn digit and how it was drawn."""

    digit: int
    width: str
    size: str
    place: str
    paper: str
    data: bytes


def drawn_digit(
    digit: int,
    *,
    shape: int = 0,
    width: float = WIDTHS["medium"],
    size: float = SIZES["large"],
    place: tuple[float, float] = PLACES["centre"],
    writer: int = 0,
    paper: str = "canvas",
) -> bytes:
    """A digit drawn with a round pen on a 280 x 280 canvas, as an image file's bytes.

    Args:
        digit: 0-9.
        shape: which of `SHAPES[digit]` (0 or 1).
        width: the pen's width as a fraction of the digit's height.
        size: the digit's height as a fraction of the canvas.
        place: the digit's centre as fractions of the canvas.
        writer: seeds the slant, stretch and shake of the hand (0: none).
        paper: "canvas" (black on white, PNG) or "photo" (dark grey on grey paper lit from one side, JPEG).

    Returns:
        The picture as a PNG or JPEG file's bytes.
    """
    random = np.random.default_rng(writer)
    slant, stretch, shake = (random.uniform(-0.1, 0.25), random.uniform(0.8, 1.15), 0.007) if writer else (0.0, 1.0, 0.0)
    height = size * CANVAS
    pen = max(1, round(width * height))
    canvas = Image.new("L", (CANVAS, CANVAS), 255)
    draw = ImageDraw.Draw(canvas)
    for stroke in SHAPES[digit][shape]:
        points = [
            (
                place[0] * CANVAS + ((x - 0.5) * stretch * 0.75 + (0.5 - y) * slant + random.normal(0, shake)) * height,
                place[1] * CANVAS + (y - 0.5 + random.normal(0, shake)) * height,
            )
            for x, y in stroke
        ]
        draw.line(points, fill=0, width=pen, joint="curve")
        for x, y in (points[0], points[-1]):  # round pen ends
            draw.ellipse((x - pen / 2, y - pen / 2, x + pen / 2, y + pen / 2), fill=0)
    buffer = io.BytesIO()
    if paper == "canvas":
        canvas.save(buffer, format="PNG")
        return buffer.getvalue()
    light = np.linspace(215, 160, CANVAS)[None, :]  # brighter on the left, as by a window
    ink = np.asarray(canvas.filter(ImageFilter.GaussianBlur(1.0)), np.float32) / 255.0
    photo = light * ink + 55 * (1 - ink) + random.normal(0, 4, (CANVAS, CANVAS))
    Image.fromarray(photo.clip(0, 255).astype(np.uint8)).save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


def pictures(writers: int) -> Iterator[Picture]:
    """Every digit in both shapes by `writers` writers, at every width, size, place (but large in a corner) and paper."""
    for (width, pen), (size, height), (place, centre), paper in itertools.product(WIDTHS.items(), SIZES.items(), PLACES.items(), PAPERS):
        if size == "large" and place == "corner":
            continue  # a large digit does not fit in a corner
        for digit, shape, writer in itertools.product(range(10), range(2), range(1, writers + 1)):
            data = drawn_digit(digit, shape=shape, width=pen, size=height, place=centre, writer=writer, paper=paper)
            yield Picture(digit, width, size, place, paper, data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logdir", type=Path, default=Path("runs"), help="The runs folder: the newest finished run of each step reads.")
    parser.add_argument("--writers", type=int, default=3, help="Hands per digit and shape.")
    arguments = parser.parse_args()
    from tfmlp.draw.models import ModelShelf
    from tfmlp.inference import read_digit
    from tfmlp.machine import cpu_description

    shelf = ModelShelf(arguments.logdir)
    runs = shelf.default_runs()
    if not runs:
        raise SystemExit(f"no finished run under {arguments.logdir}: train some first, e.g. python cli.py lab 10-4")
    drawn = list(pictures(arguments.writers))
    images = np.stack([read_digit(picture.data) for picture in drawn])
    labels = np.array([picture.digit for picture in drawn])
    print(f"CPU: {cpu_description()}; {len(drawn)} drawn digits on a 280 x 280 canvas; accuracy of each step's newest run")
    groups = {
        **{f"pen {name}": [picture.width == name for picture in drawn] for name in WIDTHS},
        **{f"{name} digit": [picture.size == name for picture in drawn] for name in SIZES},
        "off-centre": [picture.place == "corner" for picture in drawn],
        **{paper: [picture.paper == paper for picture in drawn] for paper in PAPERS},
        "all": [True] * len(drawn),
    }
    print("| step | " + " | ".join(groups) + " |")
    print("|---|" + "---:|" * len(groups))
    for run in runs:
        right = shelf.model(run).read(images).digits == labels
        print(f"| {run.lab} | " + " | ".join(f"{right[np.array(mask)].mean():.2f}" for mask in groups.values()) + " |", flush=True)


if __name__ == "__main__":
    main()
