"""A function, its tangent line at one point, and the slope triangle: "the derivative is the slope", seen.

Introduced in chapter 01, where the tangent of y(a) = a³ − 36 at a = 5 has the slope that
``a.grad`` holds, 75.
"""
from __future__ import annotations

from typing import Any, Callable

from course_utils.plots.style import PALETTE


def plot_tangent(f: Callable[[Any], Any], at: float, slope: float | None = None, span: float | None = None,
                 name: str = "x", function_label: str | None = None, ax: Any = None, title: str | None = None) -> Any:
    """Draw ``f`` around ``at``, the straight line through ``(at, f(at))`` with ``slope``, and a rise-over-run triangle.

    ``f`` takes a float tensor (so the same code works with torch); ``slope`` defaults to the
    derivative that autograd finds at ``at``. Returns the matplotlib Axes.

    >>> ax = plot_tangent(lambda a: a**3 - 36, at=5.0, name="a", function_label="y = a³ − 36")
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['y = a³ − 36', 'tangent at a = 5: slope 75']
    """
    import matplotlib.pyplot as plt
    import numpy as np
    import torch

    at = float(at)
    y_name = function_label.split("=")[0].strip() if function_label and "=" in function_label else f"f({name})"
    point = torch.tensor(at, dtype=torch.float64, requires_grad=True)
    value = f(point)
    if slope is None:
        value.backward()
        slope = float(point.grad)  # type: ignore[arg-type]
    slope, y0 = float(slope), float(value.detach())
    span = float(span) if span is not None else max(1.5, abs(at) * 0.4)
    xs = np.linspace(at - span, at + span, 200)
    with torch.no_grad():
        ys = f(torch.tensor(xs, dtype=torch.float64)).numpy()
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 4.0), layout="constrained")
    ax.plot(xs, ys, color=PALETTE[0], lw=2.5, label=function_label or f"f({name})")
    ax.plot(xs, y0 + slope * (xs - at), color=PALETTE[3], lw=2, ls="--",
            label=f"tangent at {name} = {at:g}: slope {slope:g}")
    run = 1.0 if span >= 2 else float(f"{span / 3:.1g}")  # the triangle: `run` to the right, then slope · run up
    ax.plot([at, at + run, at + run], [y0, y0, y0 + slope * run], color="#444444", lw=1.3)
    ax.annotate(f"{name} grows by {run:g}", (at + run / 2, y0), textcoords="offset points", xytext=(0, -14),
                ha="center", va="top", fontsize=10)
    rise = ax.annotate(f"the line rises by {slope * run:g}", (at + run, y0 + slope * run / 2),
                       textcoords="offset points", xytext=(6, 0), ha="left", va="center", fontsize=10)
    ax.plot([at], [y0], "o", color=PALETTE[3], zorder=3)
    ax.set_xlabel(name)
    ax.set_ylabel(y_name)
    ax.legend(loc="upper left")
    ax.set_title(title or "derivative = slope of the tangent")
    _keep_inside(ax, rise)
    return ax


def _keep_inside(ax: Any, text: Any, pad: float = 8.0) -> None:
    """Widen the x-axis to the right until ``text`` ends at least ``pad`` pixels inside the frame."""
    figure = ax.figure
    for _ in range(3):
        figure.canvas.draw()  # lays the figure out, so that the extents below are final
        renderer = figure.canvas.get_renderer()
        box, frame = text.get_window_extent(renderer), ax.get_window_extent(renderer)
        overshoot = box.x1 + pad - frame.x1
        if overshoot <= 0:
            return
        left, right = ax.get_xlim()
        ax.set_xlim(left, right + 1.1 * overshoot * (right - left) / frame.width)
