"""A training picture that keeps up with training while someone watches, and is drawn once otherwise.

Introduced in chapter 07. Seed 000 redrew a new figure per step and slept 0.5 s
each time. Here the figure's fixed parts (the 1500 points, axes, ticks, labels) are
drawn once; a frame only moves the loss curve, the fitted line and the two titles
(``set_data``, ``set_text``) over that saved background and sends one PNG through an
IPython display handle, so the picture is updated in place. The axis limits are
chosen from the data and the first loss, so nothing jumps between frames (they
widen only if the loss climbs above its start). A frame is drawn only while drawing,
counted in full, has taken at most ``draw_share`` (a fifth) of the time since the
plot was made, and at most ``max_fps`` times a second; nothing ever sleeps. The
final frame is always shown. Run headless (nbval, CI, ``jupyter nbconvert
--execute``) only the final frame is drawn, so the stored output is one figure and
is the same on every run.
"""
from __future__ import annotations

import base64
import io
import math
import time
from typing import Any

import numpy as np

from course_utils.environment import is_live_frontend
from course_utils.plots._inputs import as_column
from course_utils.plots.style import PALETTE

_clock = time.perf_counter  # the tests replace it with a fake clock
# What the first frame is expected to cost before one has been drawn: rendering the fixed parts of chapter
# 07's figure (11 x 4 inches, 1500 points) took 0.1-0.2 s on the course's machine. Later frames are
# expected to cost what the last one did.
FIRST_FRAME_GUESS = 0.15


class TrainingPlot:
    """Loss curve on the left, the data and the current fit on the right.

    ``update(step, loss, y_pred)`` records a step; ``close()`` (or leaving the ``with`` block) shows
    the final frame. Live, a frame is drawn only while all drawing, counted in full, stays within
    ``draw_share`` of the time since the plot was made, and at most ``max_fps`` times a second.

    >>> plot = TrainingPlot(X=[0, 1, 2], y=[1, 3, 5], total_steps=2, live=False)
    >>> plot.update(1, loss=4.0, y_pred=[0, 0, 0]); plot.update(2, loss=1.0, y_pred=[1, 3, 5])
    >>> plot.losses
    [4.0, 1.0]
    >>> plot.close()  # displays the final frame (headless) or shows the last step (live)
    <Figure size 1100x400 with 2 Axes>
    """

    def __init__(self, X: Any, y: Any, total_steps: int | None = None, max_fps: float = 10.0,
                 live: bool | None = None, title: str = "training", draw_share: float = 0.2) -> None:
        from matplotlib.figure import Figure

        if not max_fps > 0:
            raise ValueError(f"max_fps must be positive, got {max_fps}")
        if not 0 < draw_share <= 1:
            raise ValueError(f"draw_share must be a fraction of the time in (0, 1], got {draw_share}")
        if total_steps is not None and total_steps < 1:
            raise ValueError(f"total_steps must be a positive number of steps, got {total_steps}")
        self.x = as_column(X, "X")
        self.y = as_column(y, "y", len(self.x))
        self.total_steps = total_steps
        self.min_interval = 1.0 / max_fps
        self.draw_share = float(draw_share)
        self.live = is_live_frontend() if live is None else bool(live)
        self.title = title
        self.steps: list[int] = []
        self.losses: list[float] = []
        self.y_pred: Any = None
        self.frames_drawn = 0          # frames rendered (intermediate and final)
        self.drawing_seconds = 0.0     # time spent rendering, encoding and sending them
        self._order = np.argsort(self.x, kind="stable")  # the fitted line is drawn left to right
        self._started = _clock()
        self._frame_cost = FIRST_FRAME_GUESS  # what the next frame is expected to cost
        self._handle: Any = None
        self._background: Any = None   # the fixed parts, rendered once (live only)
        self._limits: tuple | None = None
        self._closed = False

        self.figure = Figure(figsize=(11, 4), layout="constrained")  # not owned by pyplot: never auto-shown
        self.loss_ax, self.fit_ax = self.figure.subplots(1, 2)
        self._build()
        self._last_frame = _clock()
        self.drawing_seconds = self._last_frame - self._started  # making the artists counts as drawing

    # -- recording ---------------------------------------------------------------------------------
    def update(self, step: int, loss: float, y_pred: Any) -> None:
        """Record one training step; draw a frame if live and the time budget allows it."""
        if self._closed:
            raise RuntimeError("this TrainingPlot is closed (its final frame is shown); make a new one to train again")
        self.steps.append(int(step))
        self.losses.append(float(loss))
        self.y_pred = as_column(y_pred, "y_pred", len(self.x))
        if self.live and self._frame_due(_clock()):
            self._show(final=False)

    def close(self) -> None:
        """Show the final frame: update the live picture, or display it once when headless.

        Closing twice shows it once.
        """
        if self._closed:
            return
        self._closed = True
        self._show(final=True)

    def __enter__(self) -> "TrainingPlot":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the time budget ---------------------------------------------------------------------------
    def _frame_due(self, now: float) -> bool:
        """Draw only if this frame, at the expected cost, keeps all drawing within its share of the time."""
        if now - self._last_frame < self.min_interval:
            return False
        return self.drawing_seconds + self._frame_cost <= self.draw_share * (now - self._started)

    # -- drawing -----------------------------------------------------------------------------------
    def _build(self) -> None:
        """The artists, once: points, labels and limits are fixed; the lines and titles move."""
        from course_utils.plots.scatter import plot_data

        plot_data(self.x, self.y, ax=self.fit_ax)
        (self._loss_line,) = self.loss_ax.plot([], [], color=PALETTE[0], marker="o", markersize=3)
        (self._fit_line,) = self.fit_ax.plot([], [], color=PALETTE[3], linewidth=2.5, label="model")
        self._legend = self.fit_ax.legend(loc="upper left")
        self.loss_ax.set_xlabel("step")
        self.loss_ax.set_ylabel("loss (MSE)")
        self.loss_ax.set_title("loss")
        self.fit_ax.set_title(self.title)
        self._moving = [(self.loss_ax, self._loss_line), (self.loss_ax, self.loss_ax.title),
                        (self.fit_ax, self._fit_line), (self.fit_ax, self.fit_ax.title),
                        (self.fit_ax, self._legend)]  # the legend goes on top of the line
        for _, artist in self._moving:
            artist.set_animated(True)  # left out of the background; drawn over it each frame
        self.fit_ax.set_xlim(*_padded(self.x.min(), self.x.max(), 0.04))
        self.fit_ax.set_ylim(*_padded(self.y.min(), self.y.max(), 0.08))

    def _loss_limits(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """x: the planned steps (doubling past them); y: from 0 to above the highest loss drawn so far."""
        last = self.steps[-1] if self.steps else 0
        planned = self.total_steps or 10
        while planned < last:
            planned *= 2
        finite = [v for v in self.losses if math.isfinite(v)]
        top = max(finite, default=1.0)
        bottom = min(0.0, min(finite, default=0.0))
        if self._limits is not None:  # keep the limits in use while the losses fit in them
            (x0, x1), (y0, y1) = self._limits
            if last <= x1 - 1 and bottom >= y0 and top <= y1:
                return self._limits
        top = top * 1.08 if top > 0 else 1.0
        return (0.0, planned + 1.0), (bottom * 1.08, top)

    def _move_artists(self) -> None:
        self._loss_line.set_data(self.steps, self.losses)
        self.loss_ax.title.set_text("loss" if not self.losses else f"loss = {self.losses[-1]:.4f}")
        if self.y_pred is not None:
            self._fit_line.set_data(self.x[self._order], self.y_pred[self._order])
        self.fit_ax.title.set_text(f"{self.title}: step {self.steps[-1]}" if self.steps else self.title)

    def _render(self, compress_level: int) -> bytes:
        """The current frame as PNG bytes; the background is rendered again only when the limits change."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from PIL import Image

        limits = self._loss_limits()
        canvas = self.figure.canvas
        if not isinstance(canvas, FigureCanvasAgg):
            canvas = FigureCanvasAgg(self.figure)
        if self._background is None or limits != self._limits:
            self._limits = limits
            self.loss_ax.set_xlim(*limits[0])
            self.loss_ax.set_ylim(*limits[1])
            self._move_artists()  # the layout makes room for the titles as they will read
            canvas.draw()  # everything but the moving artists
            self._background = canvas.copy_from_bbox(self.figure.bbox)
        else:
            canvas.restore_region(self._background)
        self._move_artists()
        for ax, artist in self._moving:
            ax.draw_artist(artist)
        width, height = canvas.get_width_height()
        image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, format="png", compress_level=compress_level)
        return buffer.getvalue()

    def _draw(self) -> None:
        """Bring every artist up to the last step (for saving the figure without showing it)."""
        self._render(compress_level=1)
        self.frames_drawn += 1

    def _show(self, final: bool) -> None:
        start = _clock()
        png = self._render(compress_level=6 if final else 1)  # the final frame is the one that is kept
        bundle = {"image/png": base64.b64encode(png).decode("ascii"), "text/plain": repr(self.figure)}
        if self._handle is None:
            self._handle = _display(bundle, display_id=self.live)
        else:
            self._handle.update(bundle, raw=True)
        end = _clock()
        self.frames_drawn += 1
        self._frame_cost = end - start
        self.drawing_seconds += self._frame_cost
        self._last_frame = end


def _padded(low: float, high: float, fraction: float) -> tuple[float, float]:
    span = (high - low) or 1.0
    return float(low - fraction * span), float(high + fraction * span)


def _display(bundle: dict, display_id: bool = False) -> Any:
    """Display a MIME bundle (updatable when ``display_id``); outside IPython, print its text."""
    from IPython import get_ipython
    from IPython.display import display

    if get_ipython() is None:
        print(bundle["text/plain"])
        return _PrintHandle() if display_id else None
    return display(bundle, raw=True, display_id=display_id or None)


class _PrintHandle:
    def update(self, bundle: dict, raw: bool = True) -> None:
        print(bundle["text/plain"])
