"""Reading digits from pictures with any model of 784 pixels to 10 logits (`tfmlp.run_models` loads a run's).

A photo or a drawing is not an MNIST image. MNIST digits are white on black paper, written with
pens of similar widths, fitted into a 20x20 box and centred by their centre of mass in a 28x28
frame; `read_digit` prepares any picture that way (grey paper made black, a hairline or a felt-tip
stroke brought to an MNIST pen's width), so that the model sees what it was trained on.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from PIL import Image, ImageOps, UnidentifiedImageError

from tfmlp.files import reason
from tfmlp.language import message

MNIST_SIDE = 28
MNIST_BOX = 20  # MNIST fitted each digit into 20x20 pixels, then centred it in 28x28
INK = 0.25  # pixels brighter than this (after inverting light paper) belong to the digit
# The largest image `read_digit` decodes, checked in the file's header before any pixel is read: a
# phone's 48-megapixel photo fits; as floats it takes 0.2 GB, and a 20,000 x 20,000 one would take 1.6.
MAX_MEGAPIXELS = 50
# MNIST's strokes, as a fraction of a digit's longer side (`stroke_width`, over its test digits): a
# stroke below the 1st percentile is widened to the median, one above the 95th narrowed to the 85th.
THINNEST, MEDIAN, THICKEST, THICK = 0.071, 0.12, 0.175, 0.15
WORK_SIDE = 4 * MNIST_BOX  # strokes are widened or narrowed with a digit this large: fine enough, and fast


@dataclass(frozen=True)
class Prediction:
    """The digit a model reads in one image, and the probability it gives it."""

    path: Path
    digit: int
    probability: float


def read_digit(source: str | Path | bytes, name: str | None = None) -> np.ndarray:
    """An image of any size and colour as an MNIST image: 784 floats in [0, 1], light digit on dark.

    Args:
        source: an image file's path, or the file's bytes (PNG, JPEG, ...: what the draw page uploads).
        name: what messages call the image [default: the path, or "the image" for bytes].

    Returns:
        The digit cropped, fitted into 20 x 20 pixels and centred by its mass in 28 x 28, as MNIST's were.

    Example:
        >>> pixels = read_digit("seven.jpg")  # then model.predict(pixels[None])

    Raises:
        ValueError: the file is not an image, is larger than `MAX_MEGAPIXELS` (refused from its header, before decoding), or shows no digit.
    """
    name = name or (message("inference.the_image") if isinstance(source, bytes) else str(source))
    pixels = np.asarray(_grey_image(source, name), dtype=np.float32) / 255.0
    border = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    if border.mean() > 0.5:  # dark digit on light paper
        pixels, border = 1.0 - pixels, 1.0 - border
    paper = float(np.median(border))
    if paper > 0:  # grey paper, a photo's shadow: the paper becomes 0, as MNIST's background is
        pixels = np.clip((pixels - paper) / (1.0 - paper), 0.0, 1.0)
    digit = _ink(pixels)
    if digit is None:
        raise ValueError(message("inference.no_digit", name=name))
    digit = _with_mnist_strokes(digit / digit.max())  # faint ink as bright as MNIST's, a hairline or a felt-tip as wide
    scale = MNIST_BOX / max(digit.shape)
    height, width = max(1, round(digit.shape[0] * scale)), max(1, round(digit.shape[1] * scale))
    digit = _resized(digit, height, width)
    return _centred_by_mass(digit).reshape(-1)


def _ink(pixels: np.ndarray) -> np.ndarray | None:
    """The smallest rectangle of `pixels` that holds every pixel of ink (brighter than `INK`); None if there is none."""
    rows, columns = np.nonzero(pixels > INK)
    if rows.size == 0:
        return None
    return pixels[rows.min() : rows.max() + 1, columns.min() : columns.max() + 1]


def _resized(pixels: np.ndarray, height: int, width: int) -> np.ndarray:
    """`pixels` scaled to height x width, averaging what shrinks (antialias) as MNIST's fitting did."""
    return tf.image.resize(pixels[..., None], (height, width), antialias=True).numpy()[..., 0].clip(0.0, 1.0)


def stroke_width(digit: np.ndarray) -> float:
    """The mean width of the strokes of `digit` (light on dark), in pixels: twice the ink's area over its outline's length.

    A stroke of width w and length L covers w x L pixels and has an outline about 2 x L long.

    Args:
        digit: grey levels in [0, 1]; pixels brighter than `INK` are ink.

    Returns:
        The width in pixels (0 where there is no ink).

    Example:
        >>> stroke_width(read_digit("seven.png").reshape(28, 28))  # about 2.4 for an MNIST digit
    """
    ink = np.pad(digit > INK, 1)
    outline = np.count_nonzero(np.diff(ink, axis=0)) + np.count_nonzero(np.diff(ink, axis=1))
    return 2.0 * np.count_nonzero(ink) / outline if outline else 0.0


def _with_mnist_strokes(digit: np.ndarray) -> np.ndarray:
    """`digit` (cropped to its ink) with strokes as wide, for its size, as the pens of MNIST's writers drew them.

    A mouse draws a hairline across a large canvas, a felt-tip a stroke a fifth of the digit wide,
    and a network trained on MNIST misreads both. A stroke thinner than nearly all of MNIST's is
    widened by a dilation with a disc to the median width, one thicker than most narrowed by an
    erosion; both at `WORK_SIDE` pixels where the digit is larger. Digits drawn with MNIST's pens
    pass through unchanged.
    """
    side = max(digit.shape)
    width = stroke_width(digit)
    if THINNEST * side <= width <= THICKEST * side:
        return digit
    widen = width < THINNEST * side
    target = MEDIAN if widen else THICK
    scale = min(1.0, WORK_SIDE / side)
    if scale < 1.0:
        digit = _resized(digit, max(1, round(digit.shape[0] * scale)), max(1, round(digit.shape[1] * scale)))
    # A dilation by r widens the strokes by 2r and the digit too: (width + 2r) / (side + 2r) = target.
    radius = round(abs(target * side - width) * scale / (2.0 * (1.0 - target)))
    if radius == 0:
        return digit
    offsets = np.arange(-radius, radius + 1)
    disc = np.where(offsets[:, None] ** 2 + offsets[None, :] ** 2 <= radius * (radius + 1), 0.0, -1e9).astype(np.float32)[..., None]
    padded = np.pad(digit, radius)[None, ..., None]
    shape = tf.nn.dilation2d if widen else tf.nn.erosion2d
    shaped = shape(padded, disc, strides=[1, 1, 1, 1], padding="SAME", data_format="NHWC", dilations=[1, 1, 1, 1]).numpy()[0, ..., 0]
    inked = _ink(shaped / max(float(shaped.max()), 1e-6))  # a hairline shrunk to WORK_SIDE is faint: as bright as the rest again
    return digit if inked is None else inked


def _grey_image(source: str | Path | bytes, name: str) -> Image.Image:
    """The picture in grey levels, upright as the camera held it, transparent parts on white paper.

    Its size is read from the header before the pixels are decoded (Pillow's `Image.open` reads only
    the header), so that a small file that unpacks into an enormous picture is refused instead of
    filling the memory.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our own, lower limit says it in words
            image = Image.open(io.BytesIO(source) if isinstance(source, bytes) else source)
    except Image.DecompressionBombError:  # Pillow refuses to open anything over twice its MAX_IMAGE_PIXELS
        megapixels = 2 * Image.MAX_IMAGE_PIXELS / 1e6
        raise ValueError(message("inference.over_megapixels", name=name, megapixels=f"{megapixels:.0f}", limit=MAX_MEGAPIXELS)) from None
    except UnidentifiedImageError:
        raise ValueError(message("inference.not_an_image", name=name)) from None
    except OSError as error:
        words = {"system": error.strerror, "reason": reason(error) or error.strerror}
        raise ValueError(message("inference.cannot_read", name=name, **words)) from None
    with image:
        width, height = image.size
        if width * height > MAX_MEGAPIXELS * 1e6:
            size = {"width": width, "height": height, "megapixels": f"{width * height / 1e6:.0f}"}
            raise ValueError(message("inference.too_large", name=name, limit=MAX_MEGAPIXELS, **size))
        try:
            upright = ImageOps.exif_transpose(image)
            if upright.has_transparency_data:
                upright = Image.alpha_composite(Image.new("RGBA", upright.size, "white"), upright.convert("RGBA"))
            return upright.convert("L")
        except (OSError, SyntaxError, ValueError, EOFError):  # Pillow's words for truncated or corrupt pixel data
            raise ValueError(message("inference.damaged_image", name=name, format=image.format)) from None


def predict_digits(model: keras.Model, paths: list[Path]) -> list[Prediction]:
    """Read every image with `read_digit` and predict its digit with `model`.

    Args:
        model: a model of 784 pixels to 10 logits, e.g. from `load_run_model`.
        paths: PNG or JPEG files of any size.

    Returns:
        One `Prediction` (digit, probability) per file, in order.

    Example:
        >>> predict_digits(load_run_model("runs/10-5/20261124-150214"), [Path("seven.jpg")])
    """
    images = np.stack([read_digit(path) for path in paths])
    probabilities = keras.ops.convert_to_numpy(keras.ops.softmax(model.predict(images, verbose=0)))
    return [Prediction(path, int(row.argmax()), float(row.max())) for path, row in zip(paths, probabilities, strict=True)]


def _centred_by_mass(digit: np.ndarray) -> np.ndarray:
    """`digit` placed in a 28x28 frame with its centre of mass at the frame's centre, as MNIST did."""
    frame = np.zeros((MNIST_SIDE, MNIST_SIDE), np.float32)
    rows, columns = np.indices(digit.shape)
    mass = digit.sum()
    centre_row, centre_column = (rows * digit).sum() / mass, (columns * digit).sum() / mass
    top = int(np.clip(round(MNIST_SIDE / 2 - centre_row), 0, MNIST_SIDE - digit.shape[0]))
    left = int(np.clip(round(MNIST_SIDE / 2 - centre_column), 0, MNIST_SIDE - digit.shape[1]))
    frame[top : top + digit.shape[0], left : left + digit.shape[1]] = digit
    return frame
