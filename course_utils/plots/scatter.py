"""The data and the fitted line: seed 000's picture, without its half-second sleep.

Introduced in chapter 07 (linear regression from scratch).
"""
from __future__ import annotations

from typing import Any

from course_utils.plots._inputs import as_column
from course_utils.plots.style import PALETTE


def plot_data(X: Any, y: Any, y_pred: Any = None, title: str | None = None, ax: Any = None) -> Any:
    """Scatter the samples ``(X, y)`` and, if given, the model's predictions as a line.

    Returns the matplotlib Axes. ``X`` must hold one input feature.

    >>> ax = plot_data([0, 1, 2], [1, 3, 5], y_pred=[1, 3, 5], title="a line")
    >>> ax.get_title()
    'a line'
    """
    import matplotlib.pyplot as plt

    x = as_column(X, "X")
    target = as_column(y, "y", len(x))
    if ax is None:
        _, ax = plt.subplots()
    ax.scatter(x, target, s=8, alpha=0.5, color=PALETTE[0], label="data")
    if y_pred is not None:
        prediction = as_column(y_pred, "y_pred", len(x))
        order = x.argsort()
        ax.plot(x[order], prediction[order], color=PALETTE[3], linewidth=2.5, label="model")
        ax.legend(loc="upper left")
    ax.set_xlabel("input x")
    ax.set_ylabel("target y")
    if title:
        ax.set_title(title)
    return ax
