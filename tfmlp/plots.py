"""Figures saved as PNG: training curves of several variants, activation functions, results per step.

Their words are the learner's (`tfmlp.language`), lettered in matplotlib's own face with Noto Sans KR
behind it for what that face lacks: matplotlib's fonts have no Hangul, and a Korean label would
print as empty boxes. The Korean face comes from a package on PyPI (pylopdf-fonts-ko, SIL Open Font
License), not from the system, which may have none.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import matplotlib
import numpy as np
import pylopdf_fonts_ko
from matplotlib import font_manager
from matplotlib.figure import Figure  # not pyplot: files only, and the process's backend stays the user's
from matplotlib.ticker import MaxNLocator

from tfmlp.files import write_file
from tfmlp.language import message
from tfmlp.spread import StepResults

HANGUL_FONT = pylopdf_fonts_ko.sans_path()  # Noto Sans KR, regular
METRIC_LABELS = {
    "loss": "charts.training_loss",
    "val_loss": "charts.validation_loss",
    "accuracy": "charts.training_accuracy",
    "val_accuracy": "charts.validation_accuracy",
}
_Drawing = TypeVar("_Drawing", bound=Callable[..., Any])


@functools.cache
def _font_families() -> list[str]:
    """matplotlib's families, then Noto Sans KR, which matplotlib falls back to glyph by glyph
    (registered with its font manager once: nothing else of matplotlib's settings changes)."""
    font_manager.fontManager.addfont(str(HANGUL_FONT))
    return [*matplotlib.rcParams["font.family"], font_manager.FontProperties(fname=str(HANGUL_FONT)).get_name()]


def _lettered(draw: _Drawing) -> _Drawing:
    """`draw` with Hangul in its fonts, for the figures it makes (the process's settings are left as they were)."""

    @functools.wraps(draw)
    def lettered(*args: Any, **kwargs: Any) -> Any:
        with matplotlib.rc_context({"font.family": _font_families()}):
            return draw(*args, **kwargs)

    return lettered  # type: ignore[return-value]


def plot_curves(histories: Mapping[str, Mapping[str, Sequence[float]]], metric: str, path: Path, title: str) -> Path:
    """One line per variant: `metric` against the epoch.

    Args:
        histories: variant name -> Keras history (metric name -> one value per epoch).
        metric: e.g. "val_accuracy".
        path: the PNG to write.
        title: the figure's title.

    Returns:
        `path`, written.
    """
    return plot_curves_over_seeds({name: [history] for name, history in histories.items()}, metric, path, title)


@_lettered
def plot_curves_over_seeds(histories: Mapping[str, Sequence[Mapping[str, Sequence[float]]]], metric: str, path: Path, title: str) -> Path:
    """One line per variant, the mean of its seeds' `metric` against the epoch, shaded from the lowest
    seed's to the highest (no shade for one seed): a gap wider than the shades is not the seeds' doing.

    Args:
        histories: variant name -> its seeds' Keras histories (metric name -> one value per epoch).
        metric: e.g. "val_accuracy".
        path: the PNG to write.
        title: the figure's title.

    Returns:
        `path`, written.
    """
    figure = Figure(figsize=(7, 4.5))
    axes = figure.subplots()
    for name, runs in histories.items():
        epochs = min(len(history[metric]) for history in runs)  # a run stopped early by its clock counts to where all went
        values = np.array([history[metric][:epochs] for history in runs])
        steps = range(1, epochs + 1)
        (line,) = axes.plot(steps, values.mean(axis=0), marker="o", label=name)
        if len(runs) > 1:
            axes.fill_between(steps, values.min(axis=0), values.max(axis=0), color=line.get_color(), alpha=0.2)
    axes.set(xlabel=message("charts.epoch"), ylabel=message(METRIC_LABELS[metric]) if metric in METRIC_LABELS else metric, title=title)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    return _save(figure, path)


ACTIVATIONS = {  # name: (function, derivative, line style; leaky ReLU dashed, else it hides ReLU)
    "sigmoid": (lambda x: 1 / (1 + np.exp(-x)), lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2, "-"),
    "tanh": (np.tanh, lambda x: 1 - np.tanh(x) ** 2, "-"),
    "ReLU": (lambda x: np.maximum(0, x), lambda x: (x > 0).astype(float), "-"),
    "leaky ReLU (0.01)": (lambda x: np.where(x > 0, x, 0.01 * x), lambda x: np.where(x > 0, 1.0, 0.01), "--"),
}


@_lettered
def plot_activations(path: Path) -> Path:
    """The course's activation functions (left) and their derivatives (right), in one figure.

    The right panel is the lesson: sigmoid's derivative never exceeds 0.25, so each sigmoid layer
    shrinks the gradient at least fourfold on its way back; ReLU passes it through unchanged.
    """
    x = np.linspace(-5, 5, 501)
    figure = Figure(figsize=(11, 4.5))
    values, slopes = figure.subplots(1, 2)
    for name, (function, derivative, style) in ACTIVATIONS.items():
        values.plot(x, function(x), style, label=name)
        slopes.plot(x, derivative(x), style, label=name)
    values.set(title=message("charts.activation"), xlabel="x", ylim=(-1.5, 5))
    slopes.set(title=message("charts.derivative"), xlabel="x", ylim=(-0.1, 1.1))
    return _save(figure, path)


@_lettered
def plot_results(results: Sequence[StepResults], path: Path) -> Path:
    """Test accuracy per step: our mean with a standard-deviation error bar, the course's figure beside it."""
    figure = Figure(figsize=(max(6, 1.1 * len(results)), 4.5))
    axes = figure.subplots()
    positions = np.arange(len(results))
    labels = [row.lab if sum(r.lab == row.lab for r in results) == 1 else f"{row.lab}\n{row.setting[:24]}" for row in results]
    means = [row.test_accuracy.mean for row in results]
    errors = [row.test_accuracy.std for row in results]
    axes.errorbar(positions, means, yerr=errors, fmt="o", capsize=5, label=message("charts.ours"))
    originals = [(position, row.original) for position, row in zip(positions, results, strict=True) if row.original is not None]
    if originals:
        axes.plot(*zip(*originals, strict=True), "x", markersize=9, label=message("charts.course"))
    axes.set_xticks(positions, labels)
    axes.set(ylabel=message("charts.test_accuracy"), title=message("charts.results_title"))
    axes.grid(axis="y", alpha=0.3)
    axes.legend()
    return _save(figure, path)


def _save(figure: Figure, path: Path) -> Path:
    """Grid and legend on every panel, then write the PNG whole (`tfmlp.files`)."""
    for axes in figure.axes:
        axes.grid(alpha=0.3)
        axes.legend()
    write_file(path, _png_bytes(figure, dpi=100))
    return path


@_lettered
def misclassified_png(images: np.ndarray, labels: np.ndarray, predictions: np.ndarray, count: int = 25) -> bytes:
    """A grid of the first `count` misclassified digits, each titled "true -> predicted", as PNG bytes.

    The digits are tiled into one picture on one axes: 25 axes of their own took 0.9 s to lay out
    at the end of every run.
    """
    wrong = np.flatnonzero(predictions != labels)[:count]
    columns, cell = 5, 28 + 8  # a digit and its margin, in pixels
    rows = max(1, -(-len(wrong) // columns))
    mosaic = np.zeros((rows * cell, columns * cell), dtype=np.float32)
    figure = Figure(figsize=(columns * 1.6, rows * 1.8))
    axes = figure.subplots()
    for place, index in enumerate(wrong):
        row, column = divmod(place, columns)
        mosaic[row * cell + 8 : (row + 1) * cell, column * cell + 4 : column * cell + 32] = images[index].reshape(28, 28)
        axes.text(
            column * cell + 18, row * cell + 3, f"{labels[index]} -> {predictions[index]}", ha="center", fontsize=10, color="firebrick"
        )
    axes.imshow(mosaic, cmap="gray_r")
    axes.axis("off")
    figure.suptitle(message("charts.misclassified", wrong=len(np.flatnonzero(predictions != labels)), count=len(labels)))
    return _png_bytes(figure)


@_lettered
def confusion_matrix_png(labels: np.ndarray, predictions: np.ndarray, num_classes: int = 10) -> bytes:
    """Counts of (true, predicted) pairs, the diagonal being the right answers, as PNG bytes."""
    counts = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(counts, (labels, predictions), 1)
    figure = Figure(figsize=(6.5, 6))
    axes = figure.subplots()
    axes.imshow(np.log1p(counts), cmap="Blues")
    for (true, predicted), count in np.ndenumerate(counts):
        axes.text(predicted, true, str(count), ha="center", va="center", fontsize=7, color="white" if true == predicted else "black")
    axes.set(
        xlabel=message("charts.predicted"), ylabel=message("charts.actual"), xticks=range(num_classes), yticks=range(num_classes),
        title=message("charts.confusion_matrix"),
    )  # fmt: skip
    return _png_bytes(figure)


def _png_bytes(figure: Figure, dpi: int = 80) -> bytes:
    """The figure as PNG bytes. No pyplot holds it, so its memory goes with its last reference."""
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


@_lettered
def layers_png(series: Mapping[str, Sequence[tuple[int, float]]], title: str, log_y: bool, epoch_ends: Sequence[int] = ()) -> bytes:
    """One line per layer, input side dark and output side light, against the batches trained, as PNG bytes.

    The x axis is linear up to one batch and logarithmic beyond, so the initialization (0), the
    first batches and the later epochs share one chart; dotted lines mark the epochs' ends.

    Args:
        series: layer name -> [(batches trained, value)], in the network's order.
        title: the chart's title.
        log_y: a logarithmic y axis (gradient norms span orders of magnitude).
        epoch_ends: batches trained at the end of each epoch.
    """
    figure = Figure(figsize=(7, 4.5))
    axes = figure.subplots()
    colors = matplotlib.colormaps["viridis"](np.linspace(0, 0.9, len(series)))
    for (layer, points), color in zip(series.items(), colors, strict=True):
        steps, values = zip(*points, strict=True)
        axes.plot(steps, values, marker=".", color=color, label=layer)
    for end in epoch_ends:
        axes.axvline(end, color="grey", linestyle=":", linewidth=0.8)
    axes.set_xscale("symlog", linthresh=1)
    axes.set_xlim(left=0)
    if log_y:
        axes.set_yscale("log")
    axes.set(xlabel=message("charts.batches_trained"), title=title)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8)
    return _png_bytes(figure)


@_lettered
def train_validation_png(train_loss: Sequence[float], validation_loss: Sequence[float]) -> bytes:
    """Training loss against validation loss per epoch, as PNG bytes: a widening gap is overfitting.

    The training loss is the epoch's mean with dropout active, as the original printed it; so with
    dropout it can stay above the validation loss, measured without.
    """
    figure = Figure(figsize=(7, 4.5))
    axes = figure.subplots()
    epochs = range(1, len(train_loss) + 1)
    axes.plot(epochs, train_loss, marker="o", label=message("charts.training_mean"))
    axes.plot(epochs, validation_loss, marker="o", label=message("charts.validation_after"))
    axes.set_yscale("log")
    axes.set(xlabel=message("charts.epoch"), ylabel=message("charts.loss"), title=message("charts.loss_title"))
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.grid(alpha=0.3)
    axes.legend()
    return _png_bytes(figure)


@_lettered
def correct_counts_png(steps: Sequence[int], correct: Sequence[int], title: str) -> bytes:
    """Lab 10-X1's learning curve, as PNG bytes: how many of the first 1,000 test images the hand-trained
    network reads right, against the steps trained (the counts the original printed as it went)."""
    figure = Figure(figsize=(7, 4.5))
    axes = figure.subplots()
    axes.plot(steps, correct, marker="o")
    axes.set(xlabel=message("charts.steps_trained"), ylabel=message("charts.correct_of_1000"), title=title)
    axes.grid(alpha=0.3)
    return _png_bytes(figure)


@_lettered
def features_png(kernel: np.ndarray, count: int = 64) -> bytes:
    """The first `count` columns of a (784, units) kernel as 28 x 28 pictures, each scaled to its own
    largest weight, as PNG bytes: what a first hidden layer looks for in a digit (an RBM's are strokes)."""
    shown = kernel[:, :count]
    columns, cell = 8, 28 + 2  # a picture and its margin, in pixels
    rows = -(-shown.shape[1] // columns)
    mosaic = np.full((rows * cell, columns * cell), np.nan, dtype=np.float32)  # the margins stay blank
    for place in range(shown.shape[1]):
        row, column = divmod(place, columns)
        weights = shown[:, place]
        mosaic[row * cell + 1 : row * cell + 29, column * cell + 1 : column * cell + 29] = (weights / np.abs(weights).max()).reshape(28, 28)
    figure = Figure(figsize=(columns * 0.9, rows * 0.9 + 0.6))
    axes = figure.subplots()
    axes.imshow(mosaic, cmap="RdBu_r", vmin=-1, vmax=1)
    axes.axis("off")
    axes.set_title(message("charts.rbm_features", count=shown.shape[1], total=kernel.shape[1]), fontsize=9)
    return _png_bytes(figure)
