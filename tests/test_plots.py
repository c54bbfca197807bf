"""The course's pictures, checked through their artists (lines, points, labels), never pixels."""
from __future__ import annotations

import base64
import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from course_utils.plots import (  # noqa: E402
    PALETTE,
    TrainingPlot,
    live,
    plot_data,
    plot_descent_path,
    regression_loss_surface,
    set_style,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture
def shown(monkeypatch: pytest.MonkeyPatch) -> list:
    """Record what TrainingPlot displays (MIME bundles), instead of sending it to a front end."""
    calls: list = []

    class Handle:
        def update(self, bundle, raw=True) -> None:
            calls.append(("update", bundle))

    def fake_display(bundle, display_id=False):
        calls.append(("display", bundle))
        return Handle() if display_id else None

    monkeypatch.setattr(live, "_display", fake_display)
    return calls


class FakeClock:
    """A clock that moves only when told: training steps and frames cost exactly what a test says."""

    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(live, "_clock", fake)
    return fake


def frames_cost(monkeypatch: pytest.MonkeyPatch, clock: FakeClock, seconds: float) -> None:
    """Every frame TrainingPlot renders takes ``seconds`` on the fake clock."""
    def render(self, compress_level: int) -> bytes:
        clock.advance(seconds)
        return b"png"

    monkeypatch.setattr(live.TrainingPlot, "_render", render)


def png_size(bundle: dict) -> tuple[int, int]:
    from PIL import Image

    return Image.open(io.BytesIO(base64.b64decode(bundle["image/png"]))).size


def test_plot_data_draws_points_line_labels() -> None:
    X = torch.tensor([[2.0], [0.0], [1.0]])
    ax = plot_data(X, torch.tensor([5.0, 1.0, 3.0]), y_pred=np.array([5.0, 1.0, 3.0]), title="fit")
    points = ax.collections[0].get_offsets()
    assert points.shape == (3, 2)
    line = ax.lines[0]
    assert list(line.get_xdata()) == [0.0, 1.0, 2.0]  # sorted, so the line does not zig-zag
    assert ax.get_title() == "fit" and ax.get_xlabel() == "input x" and ax.get_ylabel() == "target y"


def test_plot_data_without_prediction_has_no_line() -> None:
    ax = plot_data([0, 1], [1, 2])
    assert len(ax.lines) == 0 and ax.get_legend() is None


@pytest.mark.parametrize("X, y, message", [
    (np.ones((3, 2)), np.ones(3), r"X must have shape \(n,\) or \(n, 1\)"),
    (np.ones(3), np.ones(4), "y has 4 values but X has 3"),
    ("abc", np.ones(3), "X must be numbers"),
])
def test_plot_data_rejects_shapes_it_cannot_draw(X, y, message) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        plot_data(X, y)


def test_headless_training_plot_shows_exactly_one_final_figure(shown: list, no_sleep: None) -> None:
    X, y = np.arange(5.0), 2 * np.arange(5.0)
    with TrainingPlot(X, y, total_steps=30, live=False) as plot:
        for step in range(1, 31):
            plot.update(step, loss=1.0 / step, y_pred=step / 15 * X)
    assert [kind for kind, _ in shown] == ["display"]
    assert plot.frames_drawn == 1
    bundle = shown[0][1]
    assert bundle["text/plain"] == "<Figure size 1100x400 with 2 Axes>"  # what nbval compares
    assert png_size(bundle) == (1100, 400)
    loss_line = plot.loss_ax.lines[0]
    assert len(loss_line.get_xdata()) == 30 and loss_line.get_ydata()[-1] == pytest.approx(1 / 30)
    assert plot.fit_ax.get_title() == "training: step 30"
    assert plot.loss_ax.get_title() == "loss = 0.0333"
    assert list(plot.fit_ax.lines[0].get_ydata()) == list(2 * X)


def test_headless_final_frame_is_the_same_every_run(shown: list) -> None:
    X = np.linspace(-2, 2, 200)
    for _ in range(2):
        with TrainingPlot(X, 0.5 * X + 1, total_steps=10, live=False, title="twice") as plot:
            for step in range(1, 11):
                plot.update(step, loss=2.0 / step, y_pred=step / 20 * X + 1)
    first, second = shown[0][1]["image/png"], shown[1][1]["image/png"]
    assert first == second


def test_live_plot_draws_within_its_share_of_the_time(shown: list, clock: FakeClock, no_sleep: None,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    frames_cost(monkeypatch, clock, 0.06)  # 60 ms a frame; training steps of 20 ms: 100 steps in 2 s
    X = np.arange(3.0)
    with TrainingPlot(X, X, total_steps=100, live=True) as plot:
        start = clock()
        for step in range(1, 101):
            clock.advance(0.02)
            plot.update(step, loss=1.0 / step, y_pred=X)
    elapsed = clock() - start
    kinds = [kind for kind, _ in shown]
    assert kinds[0] == "display" and kinds.count("display") == 1  # one picture, updated in place
    assert plot.frames_drawn == len(kinds)
    # drawing, counted in full, stays within a fifth of the time; the final frame is the one allowed extra
    assert plot.drawing_seconds <= 0.2 * elapsed + 0.06 + 1e-9
    # it does animate, about every 0.3 s; ten frames a second (the cap alone) would be 20 frames
    assert 5 <= plot.frames_drawn <= 10, plot.frames_drawn


def test_live_plot_skips_frames_while_training_is_faster_than_drawing(shown: list, clock: FakeClock,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    frames_cost(monkeypatch, clock, 0.10)  # chapter 07's case: 30 steps of 10 ms, frames of 100 ms
    X = np.arange(3.0)
    with TrainingPlot(X, X, total_steps=30, live=True) as plot:
        for step in range(1, 31):
            clock.advance(0.01)
            plot.update(step, loss=1.0, y_pred=X)
    assert [kind for kind, _ in shown] == ["display"] and plot.frames_drawn == 1  # the final frame alone


def test_live_plot_respects_the_frame_rate_cap(shown: list, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    frames_cost(monkeypatch, clock, 0.0)  # free frames, and all the time for drawing: only max_fps limits them
    X = np.arange(3.0)
    with TrainingPlot(X, X, max_fps=10, live=True, draw_share=1.0) as plot:
        for step in range(1, 101):
            clock.advance(0.01)  # 1 s of training
            plot.update(step, loss=1.0, y_pred=X)
    assert 9 <= plot.frames_drawn <= 11  # ten a second, plus the final frame


def test_live_frames_move_only_the_changing_artists_and_nothing_jumps(shown: list, clock: FakeClock) -> None:
    X = np.linspace(-3, 3, 300)
    y = 0.5 * X + 2
    plot = TrainingPlot(X, y, total_steps=20, live=True, draw_share=1.0, max_fps=1000)
    limits, backgrounds = [], []
    for step in range(1, 21):
        clock.advance(1.0)  # slow training: every step gets a frame
        plot.update(step, loss=5.0 / step, y_pred=0.5 * step / 20 * X + 2 * step / 20)
        limits.append((plot.loss_ax.get_xlim(), plot.loss_ax.get_ylim(),
                       plot.fit_ax.get_xlim(), plot.fit_ax.get_ylim()))
        backgrounds.append(plot._background)
    assert plot.frames_drawn == 20 and [kind for kind, _ in shown].count("update") == 19
    assert len(set(limits)) == 1, "an axis moved between frames"
    assert all(b is backgrounds[0] for b in backgrounds), "the fixed parts were drawn again"
    assert limits[0][0] == (0.0, 21.0) and limits[0][1][0] == 0.0 and limits[0][1][1] >= 5.0
    assert limits[0][2][0] < X.min() and limits[0][2][1] > X.max()
    assert [png_size(bundle) for _, bundle in shown] == [(1100, 400)] * 20
    clock.advance(1.0)
    plot.update(21, loss=50.0, y_pred=y)  # diverging: the loss axis widens once, past the planned steps too
    assert plot.loss_ax.get_ylim()[1] >= 50.0 and plot.loss_ax.get_xlim()[1] > 21
    assert plot._background is not backgrounds[0]
    plot.close()


def test_close_shows_the_final_frame_once(shown: list) -> None:
    plot = TrainingPlot([0, 1], [0, 1], live=False)
    plot.update(1, loss=1.0, y_pred=[0, 1])
    plot.close()
    plot.close()
    assert [kind for kind, _ in shown] == ["display"]
    with pytest.raises(RuntimeError, match="closed"):
        plot.update(2, loss=0.5, y_pred=[0, 1])


def test_training_plot_rejects_bad_settings() -> None:
    with pytest.raises(ValueError, match="max_fps"):
        TrainingPlot([0, 1], [0, 1], max_fps=0, live=False)
    with pytest.raises(ValueError, match="draw_share"):
        TrainingPlot([0, 1], [0, 1], draw_share=0, live=False)
    with pytest.raises(ValueError, match="total_steps"):
        TrainingPlot([0, 1], [0, 1], total_steps=0, live=False)


def test_descent_path_over_contours() -> None:
    X = np.linspace(-1, 1, 50)
    y = 0.5 * X + 2
    surface = regression_loss_surface(X, y)
    assert surface(np.array(0.5), np.array(2.0)) == pytest.approx(0.0)
    path = [(-1.0, 0.0), (0.0, 1.0), (0.5, 2.0)]
    ax = plot_descent_path(path, surface)
    assert list(ax.lines[0].get_xdata()) == [-1.0, 0.0, 0.5]
    assert ax.get_xlabel() == "weight w" and ax.get_ylabel() == "bias b"
    with pytest.raises(ValueError, match="pairs"):
        plot_descent_path([1.0, 2.0], surface)
    with pytest.raises(TypeError, match="function"):
        plot_descent_path(path, "not a function")  # type: ignore[arg-type]


def test_style_sets_palette_and_readable_fonts() -> None:
    set_style(font_scale=1.5)
    assert matplotlib.rcParams["axes.prop_cycle"].by_key()["color"][:3] == PALETTE[:3]
    assert matplotlib.rcParams["font.size"] == pytest.approx(15.0)
    with pytest.raises(ValueError, match="font_scale"):
        set_style(font_scale=-1)
