"""Figures saved as PNG beside a run: training curves of several variants, activation functions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no window, no display needed

import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)
import numpy as np  # noqa: E402

METRIC_LABELS = {
    "loss": "training loss",
    "val_loss": "validation loss",
    "accuracy": "training accuracy",
    "val_accuracy": "validation accuracy",
}


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
    figure, axes = plt.subplots(figsize=(7, 4.5))
    for name, history in histories.items():
        values = history[metric]
        axes.plot(range(1, len(values) + 1), values, marker="o", label=name)
    axes.set(xlabel="epoch", ylabel=METRIC_LABELS.get(metric, metric), title=title)
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


ACTIVATIONS = {  # name: (function, derivative, line style; leaky ReLU dashed, else it hides ReLU)
    "sigmoid": (lambda x: 1 / (1 + np.exp(-x)), lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2, "-"),
    "tanh": (np.tanh, lambda x: 1 - np.tanh(x) ** 2, "-"),
    "ReLU": (lambda x: np.maximum(0, x), lambda x: (x > 0).astype(float), "-"),
    "leaky ReLU (0.01)": (lambda x: np.where(x > 0, x, 0.01 * x), lambda x: np.where(x > 0, 1.0, 0.01), "--"),
}


def plot_activations(path: Path) -> Path:
    """The course's activation functions (left) and their derivatives (right), in one figure.

    The right panel is the lesson: sigmoid's derivative never exceeds 0.25, so each sigmoid layer
    shrinks the gradient at least fourfold on its way back; ReLU passes it through unchanged.
    """
    x = np.linspace(-5, 5, 501)
    figure, (values, slopes) = plt.subplots(1, 2, figsize=(11, 4.5))
    for name, (function, derivative, style) in ACTIVATIONS.items():
        values.plot(x, function(x), style, label=name)
        slopes.plot(x, derivative(x), style, label=name)
    values.set(title="activation f(x)", xlabel="x", ylim=(-1.5, 5))
    slopes.set(title="derivative f'(x)", xlabel="x", ylim=(-0.1, 1.1))
    for axes in (values, slopes):
        axes.grid(alpha=0.3)
        axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path
