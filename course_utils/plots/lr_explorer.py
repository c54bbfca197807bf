"""The learning-rate explorer: the loss curve beside the fitted line, for one learning rate or a few.

Introduced in chapter 07 (linear regression from scratch). In a live front end a slider picks
the learning rate (and a second one the number of steps) and the training runs again; run
headless (nbval, CI, the website) nobody can move a slider, so the same two panels are drawn
once for a few chosen learning rates, one colour each, and the stored output is one figure.

The loss axis is logarithmic, so a loss that falls to 0.09 and one that climbs to 10¹⁷ can be
read in one picture, and a dashed line marks the loss at step 1: the chapter's test calls a run
"diverged" when its last loss lies above that line.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from course_utils.environment import is_live_frontend
from course_utils.plots._inputs import as_column
from course_utils.plots.style import PALETTE

Run = tuple[Sequence[float], Any]            # (the loss at every step, the final predictions for X)
Train = Callable[[float, int], Run]          # train(lr, steps) -> Run


def _lowest_step(losses: np.ndarray) -> int | None:
    """The step (1-based) where the loss was lowest, if by the end it has climbed at least 1 % above that low."""
    finite = np.where(np.isfinite(losses), losses, np.inf)
    best = int(np.argmin(finite))
    return best + 1 if finite[-1] > 1.01 * finite[best] else None


def describe_run(lr: float, losses: Sequence[float]) -> str:
    """One line about a run: first and last loss, the verdict of the chapter's test, where it turned up (if it did).

    >>> describe_run(1.0, [7.2, 1.5, 1.9])
    'lr = 1: loss 7.2 -> 1.9 in 3 steps, lower than at step 1 (turns up after step 2)'
    """
    values = np.asarray(losses, dtype=np.float64)
    last = values[-1]
    grew = not (np.isfinite(last) and last <= values[0])
    turned = _lowest_step(values)
    shape = "" if turned is None else " (climbs from the start)" if turned == 1 else f" (turns up after step {turned})"
    return (f"lr = {lr:g}: loss {values[0]:.3g} -> {last:.3g} in {len(values)} steps, "
            f"{'higher' if grew else 'lower'} than at step 1" + shape)


def plot_lr_runs(X: Any, y: Any, runs: Mapping[float, Run], axes: Any = None,
                 title: str | None = None) -> Any:
    """Loss curves (left, log scale) beside the fitted lines over the data (right), one colour per learning rate.

    ``runs`` maps a learning rate to ``(losses, y_pred)``. Returns the two Axes.

    >>> loss_ax, fit_ax = plot_lr_runs([0, 1, 2], [1, 3, 5], {0.1: ([4.0, 1.0], [1, 3, 5])})
    >>> loss_ax.get_yscale(), len(fit_ax.lines)
    ('log', 1)
    """
    import matplotlib.pyplot as plt

    x = as_column(X, "X")
    target = as_column(y, "y", len(x))
    if not runs:
        raise ValueError("runs must hold at least one learning rate and its (losses, y_pred)")
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(13, 4.2), layout="constrained")
    loss_ax, fit_ax = axes
    order = np.argsort(x, kind="stable")
    fit_ax.scatter(x, target, s=8, alpha=0.35, color=PALETTE[7], label="data")
    first_losses = []
    for k, (lr, (losses, y_pred)) in enumerate(runs.items()):
        colour = PALETTE[k % len(PALETTE)] if len(runs) > 1 else PALETTE[3]
        values = np.asarray([float(v) for v in losses], dtype=np.float64)
        if values.ndim != 1 or len(values) == 0:
            raise ValueError(f"the losses of lr = {lr} must be a non-empty list of numbers")
        first_losses.append(values[0])
        steps = np.arange(1, len(values) + 1)
        shown = np.where(np.isfinite(values) & (values > 0), values, np.nan)
        loss_ax.plot(steps, shown, color=colour, marker="o", markersize=2.5, linewidth=1.5, label=f"lr = {lr:g}")
        prediction = as_column(y_pred, "y_pred", len(x))
        fit_ax.plot(x[order], prediction[order], color=colour, linewidth=2, label=f"lr = {lr:g}")
    loss_ax.axhline(first_losses[0], color=PALETTE[7], linestyle="--", linewidth=1)
    loss_ax.annotate("loss at step 1", (1, first_losses[0]), xytext=(4, 4), textcoords="offset points",
                     color="#555555", fontsize="small")
    loss_ax.set_yscale("log")
    loss_ax.set_xlabel("step")
    loss_ax.set_ylabel("loss (MSE), log scale")
    loss_ax.set_title("the loss at every step")
    low, high = float(target.min()), float(target.max())
    fit_ax.set_ylim(low - 1, high + 1)   # keep the data in view when a line is far too steep
    fit_ax.set_xlabel("input x")
    fit_ax.set_ylabel("target y")
    fit_ax.set_title("the line after the last step")
    figure = loss_ax.figure
    if figure.get_layout_engine() is not None:   # one legend for both panels, outside them
        figure.legend(*fit_ax.get_legend_handles_labels(), loc="outside right center", fontsize="small")
    else:
        fit_ax.legend(loc="lower right", fontsize="small")
    if title:
        figure.suptitle(title)
    return loss_ax, fit_ax


def lr_explorer(train: Train, X: Any, y: Any, values: Sequence[float], start: float = 0.1,
                steps: Sequence[int] = (30,), static: Sequence[float] = (), live: bool | None = None) -> Any:
    """A slider over the learning rates ``values`` in a live front end; headless, one picture of ``static``.

    ``train(lr, n)`` trains a fresh model for ``n`` steps and returns ``(losses, y_pred)``. Live,
    every move of a slider (learning rate, and number of steps when ``steps`` offers several)
    trains again and redraws :func:`plot_lr_runs` with one line under the picture. Headless it
    draws the runs of ``static`` (``steps[0]`` steps each) in one figure, prints one line per run,
    and returns the figure.

    >>> fake = lambda lr, n: ([4.0 * (1 - lr) ** k for k in range(n)], [1, 3, 5])
    >>> figure = lr_explorer(fake, [0, 1, 2], [1, 3, 5], values=[0.1, 0.5], static=[0.5], live=False)
    lr = 0.5: loss 4 -> 7.45e-09 in 30 steps, lower than at step 1
    >>> len(figure.axes)
    2
    """
    values = [float(v) for v in values]
    steps = [int(n) for n in steps]
    if not values or not steps or any(n < 1 for n in steps):
        raise ValueError("values must hold at least one learning rate and steps at least one positive count")
    if start not in values:
        raise ValueError(f"start={start} must be one of the slider's values {values}")
    live = is_live_frontend() if live is None else bool(live)
    if live:
        return _slider(train, X, y, values, start, steps)
    import matplotlib.pyplot as plt

    shown = [float(v) for v in static] or [start]
    runs = {lr: train(lr, steps[0]) for lr in shown}
    for lr, (losses, _) in runs.items():
        print(describe_run(lr, losses))
    loss_ax, _ = plot_lr_runs(X, y, runs)
    figure = loss_ax.figure
    plt.close(figure)   # shown once, by the caller's display, not again by the inline backend
    return figure


def _slider(train: Train, X: Any, y: Any, values: list[float], start: float, steps: list[int]) -> Any:
    import ipywidgets as widgets  # type: ignore[import-untyped]
    import matplotlib.pyplot as plt

    labels = [f"{v:g}" for v in values]
    rate = widgets.SelectionSlider(options=list(zip(labels, values)), value=start, description="lr",
                                   continuous_update=False, layout=widgets.Layout(width="60%"))
    count = widgets.SelectionSlider(options=steps, value=steps[0], description="steps",
                                    continuous_update=False, disabled=len(steps) == 1)

    def redraw(lr: float, n: int) -> None:
        losses, y_pred = train(lr, n)
        plot_lr_runs(X, y, {lr: (losses, y_pred)})
        plt.show()
        print(describe_run(lr, losses))

    output = widgets.interactive_output(redraw, {"lr": rate, "n": count})
    return widgets.VBox([widgets.HBox([rate, count]), output])


__all__ = ["describe_run", "lr_explorer", "plot_lr_runs"]
