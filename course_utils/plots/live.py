"""A training picture that updates in place while someone watches, and is drawn once otherwise.

Introduced in chapter 07. Seed 000 redrew a new figure per step and slept 0.5 s
each time. Here one figure is updated through an IPython display handle at most
``max_fps`` times a second, and nothing ever sleeps. Run headless (nbval, CI,
``jupyter nbconvert --execute``) only the final frame is displayed, so the stored
output is one figure and is the same on every run.
"""
from __future__ import annotations

import time
from typing import Any

from course_utils.environment import is_live_frontend
from course_utils.plots._inputs import as_column
from course_utils.plots.scatter import plot_data
from course_utils.plots.style import PALETTE


class TrainingPlot:
    """Loss curve on the left, the data and the current fit on the right.

    >>> plot = TrainingPlot(X=[0, 1, 2], y=[1, 3, 5], total_steps=2, live=False)
    >>> plot.update(1, loss=4.0, y_pred=[0, 0, 0]); plot.update(2, loss=1.0, y_pred=[1, 3, 5])
    >>> plot.losses
    [4.0, 1.0]
    >>> plot.close()  # displays the final frame (headless) or the last update (live)  # doctest: +ELLIPSIS
    Figure(...)
    """

    def __init__(self, X: Any, y: Any, total_steps: int | None = None, max_fps: float = 10.0,
                 live: bool | None = None, title: str = "training") -> None:
        from matplotlib.figure import Figure

        if max_fps <= 0:
            raise ValueError(f"max_fps must be positive, got {max_fps}")
        self.x = as_column(X, "X")
        self.y = as_column(y, "y", len(self.x))
        self.total_steps = total_steps
        self.min_interval = 1.0 / max_fps
        self.live = is_live_frontend() if live is None else bool(live)
        self.title = title
        self.steps: list[int] = []
        self.losses: list[float] = []
        self.y_pred: Any = None
        self.figure = Figure(figsize=(11, 4), layout="constrained")  # not owned by pyplot: never auto-shown
        self.loss_ax, self.fit_ax = self.figure.subplots(1, 2)
        self._handle: Any = None
        self._last_draw = float("-inf")
        self.frames_drawn = 0
        if self.live:
            self._draw()
            self._handle = _display(self.figure, display_id=True)

    def update(self, step: int, loss: float, y_pred: Any) -> None:
        """Record one training step; redraw if live and enough time has passed."""
        self.steps.append(int(step))
        self.losses.append(float(loss))
        self.y_pred = as_column(y_pred, "y_pred", len(self.x))
        now = time.monotonic()
        if self.live and now - self._last_draw >= self.min_interval:
            self._last_draw = now
            self._draw()
            self._handle.update(self.figure)

    def close(self) -> None:
        """Draw the final frame: update the live figure, or display it once when headless."""
        self._draw()
        if self.live and self._handle is not None:
            self._handle.update(self.figure)
        else:
            _display(self.figure)

    def __enter__(self) -> "TrainingPlot":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _draw(self) -> None:
        self.frames_drawn += 1
        self.loss_ax.clear()
        self.loss_ax.plot(self.steps, self.losses, color=PALETTE[0], marker="o", markersize=3)
        self.loss_ax.set_xlabel("step")
        self.loss_ax.set_ylabel("loss (MSE)")
        if self.total_steps:
            self.loss_ax.set_xlim(0, self.total_steps + 1)
        self.loss_ax.set_title("loss" if not self.losses else f"loss = {self.losses[-1]:.4f}")
        self.fit_ax.clear()
        plot_data(self.x, self.y, self.y_pred, ax=self.fit_ax,
                  title=f"{self.title}: step {self.steps[-1]}" if self.steps else self.title)


def _display(figure: Any, **kwargs: Any) -> Any:
    from IPython.display import display

    return display(figure, **kwargs)
