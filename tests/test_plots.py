"""The course's pictures, checked through their artists (lines, points, labels), never pixels."""
from __future__ import annotations

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
    """Record what TrainingPlot displays, instead of sending it to a front end."""
    calls: list = []

    class Handle:
        def update(self, figure) -> None:
            calls.append(("update", figure))

    def fake_display(figure, display_id=False):
        calls.append(("display", figure))
        return Handle() if display_id else None

    monkeypatch.setattr(live, "_display", fake_display)
    return calls


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
    loss_line = plot.loss_ax.lines[0]
    assert len(loss_line.get_xdata()) == 30 and loss_line.get_ydata()[-1] == pytest.approx(1 / 30)
    assert plot.fit_ax.get_title() == "training: step 30"
    assert list(plot.fit_ax.lines[0].get_ydata()) == list(2 * X)


def test_live_training_plot_updates_in_place_at_a_bounded_rate(shown: list, no_sleep: None,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    clock = iter(np.arange(0.0, 100.0, 0.01))  # 10 ms between updates
    monkeypatch.setattr(live.time, "monotonic", lambda: float(next(clock)))
    X = np.arange(3.0)
    with TrainingPlot(X, X, max_fps=10, live=True) as plot:
        for step in range(1, 101):
            plot.update(step, loss=1.0, y_pred=X)
    kinds = [kind for kind, _ in shown]
    assert kinds[0] == "display" and kinds.count("display") == 1  # one figure, updated in place
    updates = kinds.count("update")
    assert 2 <= updates <= 12  # ~1 s of updates at 10 frames per second, plus the final frame


def test_training_plot_rejects_bad_rate() -> None:
    with pytest.raises(ValueError, match="max_fps"):
        TrainingPlot([0, 1], [0, 1], max_fps=0, live=False)


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
