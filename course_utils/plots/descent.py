"""The path gradient descent takes across the loss surface.

Introduced in chapter 07: each step of (w, b) drawn over the contour lines of the
mean squared error, so "follow the negative gradient" becomes a picture.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from course_utils.plots._inputs import as_column
from course_utils.plots.style import PALETTE

LossSurface = Callable[[np.ndarray, np.ndarray], np.ndarray]


def regression_loss_surface(X: Any, y: Any) -> LossSurface:
    """The MSE of the line ``w·x + b`` as a function of grids ``W`` and ``B``.

    >>> surface = regression_loss_surface([0.0, 1.0], [1.0, 3.0])
    >>> float(surface(np.array(2.0), np.array(1.0)))
    0.0
    """
    x = as_column(X, "X")
    target = as_column(y, "y", len(x))
    # mean((w x + b - y)^2) expanded, so a whole grid costs a few array operations
    sx, sy, sxx, sxy, syy = x.mean(), target.mean(), (x * x).mean(), (x * target).mean(), (target**2).mean()

    def surface(W: np.ndarray, B: np.ndarray) -> np.ndarray:
        return W**2 * sxx + 2 * W * B * sx + B**2 - 2 * W * sxy - 2 * B * sy + syy

    return surface


def plot_descent_path(path: Sequence[Sequence[float]], loss: LossSurface, ax: Any = None,
                      margin: float = 0.5, title: str | None = "gradient descent on the loss surface",
                      labels: tuple[str, str] = ("weight w", "bias b")) -> Any:
    """Draw the parameter ``path`` [(w0, b0), (w1, b1), ...] over the contours of ``loss``.

    >>> ax = plot_descent_path([(0, 0), (1, 0.5), (2, 1)], regression_loss_surface([0, 1], [1, 3]))
    >>> len(ax.lines[0].get_xdata())
    3
    """
    import matplotlib.pyplot as plt

    points = np.asarray(path, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2 or len(points) < 1:
        raise ValueError(f"path must be a sequence of (w, b) pairs; got an array of shape {points.shape}")
    if not callable(loss):
        raise TypeError(f"loss must be a function of (W, B) grids, got {type(loss).__name__}")
    if ax is None:
        _, ax = plt.subplots()
    low, high = points.min(axis=0) - margin, points.max(axis=0) + margin
    W, B = np.meshgrid(np.linspace(low[0], high[0], 120), np.linspace(low[1], high[1], 120))
    Z = loss(W, B)
    levels = np.quantile(Z, np.linspace(0.0, 1.0, 15) ** 2)
    ax.contour(W, B, Z, levels=np.unique(levels), cmap="viridis", linewidths=1)
    ax.plot(points[:, 0], points[:, 1], color=PALETTE[3], marker="o", markersize=4, linewidth=1.5,
            label="(w, b) after each step")
    ax.scatter(points[:1, 0], points[:1, 1], color=PALETTE[1], s=80, zorder=3, label="start")
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    if title:
        ax.set_title(title)
    ax.legend(loc="best")
    return ax
