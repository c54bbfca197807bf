"""The learning-rate explorer of chapter 07: one picture headless, two sliders live, the loss curve beside the fit."""
from __future__ import annotations

import matplotlib
import numpy as np
import pytest

from course_utils.plots.lr_explorer import describe_run, lr_explorer, plot_lr_runs

matplotlib.use("Agg")

X = np.linspace(-2, 2, 20)
Y = 0.5 * X + 2


def fake_train(lr: float, steps: int):
    """A run whose loss falls for lr < 1 and grows for lr > 1, with the line it ends on."""
    losses = [4.0 * abs(1 - lr) ** k + (0.5 if lr > 1 else 0.0) * k for k in range(steps)]
    return losses, 0.5 * X + 2 - (lr - 1)


def test_headless_draws_the_loss_curves_beside_the_lines_for_the_static_rates(capsys) -> None:
    figure = lr_explorer(fake_train, X, Y, values=[0.5, 0.9, 1.1], start=0.5, static=[0.5, 1.1], live=False)
    loss_ax, fit_ax = figure.axes
    assert loss_ax.get_yscale() == "log" and loss_ax.get_xlabel() == "step"
    curves = [line for line in loss_ax.lines if line.get_linestyle() == "-"]
    dashed = [line for line in loss_ax.lines if line.get_linestyle() == "--"]
    assert len(curves) == 2 and len(fit_ax.lines) == 2          # one curve and one line per learning rate
    assert [len(line.get_xdata()) for line in curves] == [30, 30]
    assert len(dashed) == 1 and np.allclose(dashed[0].get_ydata(), 4.0)   # the loss at step 1: the 30-step test
    assert fit_ax.get_xlabel() == "input x" and fit_ax.get_ylabel() == "target y"
    printed = capsys.readouterr().out.splitlines()
    assert printed == [describe_run(0.5, fake_train(0.5, 30)[0]), describe_run(1.1, fake_train(1.1, 30)[0])]
    labels = [text.get_text() for text in figure.legends[0].get_texts()]
    assert labels == ["data", "lr = 0.5", "lr = 1.1"]


def test_describe_run_gives_the_30_step_verdict_and_where_the_curve_turned_up() -> None:
    assert describe_run(0.9, [7.2, 1.0, 0.1]).endswith("lower than at step 1")
    assert describe_run(1.0, [7.2, 1.5, 1.9]).endswith("lower than at step 1 (turns up after step 2)")
    assert describe_run(1.5, [7.2, 40.0, 4e17]).endswith("higher than at step 1 (climbs from the start)")
    assert "higher than at step 1" in describe_run(1.5, [7.2, float("inf")])
    assert describe_run(0.5, [7.2, 0.0877, 0.08770001]).endswith("lower than at step 1")   # a plateau is no turn


def test_non_finite_losses_are_left_out_of_the_curve() -> None:
    loss_ax, _ = plot_lr_runs(X, Y, {2.0: ([4.0, 1e30, float("inf")], Y)})
    ydata = loss_ax.lines[0].get_ydata()
    assert np.isnan(ydata[2]) and ydata[1] == 1e30


def test_live_builds_two_sliders_over_the_given_values() -> None:
    widgets = pytest.importorskip("ipywidgets")
    box = lr_explorer(fake_train, X, Y, values=[0.5, 0.9, 0.99, 1.01], start=0.9, steps=(30, 100), live=True)
    controls, output = box.children
    rate, count = controls.children
    assert isinstance(rate, widgets.SelectionSlider) and rate.value == 0.9
    assert [value for _, value in rate.options] == [0.5, 0.9, 0.99, 1.01]
    assert list(count.options) == [30, 100] and not count.disabled
    assert isinstance(output, widgets.Output)


def test_one_step_count_disables_the_steps_slider() -> None:
    pytest.importorskip("ipywidgets")
    box = lr_explorer(fake_train, X, Y, values=[0.1, 0.5], start=0.1, live=True)
    assert box.children[0].children[1].disabled


@pytest.mark.parametrize("kwargs, message", [
    (dict(values=[0.1, 0.5], start=0.3), "start=0.3 must be one of"),
    (dict(values=[], start=0.1), "at least one learning rate"),
    (dict(values=[0.1], start=0.1, steps=(0,)), "positive count"),
])
def test_bad_arguments_say_what_is_wrong(kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        lr_explorer(fake_train, X, Y, live=False, **kwargs)


def test_plot_lr_runs_refuses_no_runs_and_mismatched_predictions() -> None:
    with pytest.raises(ValueError, match="at least one learning rate"):
        plot_lr_runs(X, Y, {})
    with pytest.raises(ValueError, match="y_pred has 3 values but X has 20"):
        plot_lr_runs(X, Y, {0.1: ([1.0, 0.5], [1.0, 2.0, 3.0])})
