"""Render every course picture to PNG, so a reviewer can look at them without opening a notebook.

    python -m coursetools pictures screenshots/pictures

Writes graph.png (draw_graph of y = a³ − b² + 3 after backward), tangent.png (plot_tangent
of y(a) = a³ − 36 at a = 5, slope 75), backward_filmstrip.png (show_backward's filmstrip of
e = (a·b)·d: contributions 6, 12, 8 arriving), data.png (plot_data with a fitted line),
training.png (the final frame of TrainingPlot over 30 steps of chapter 07's regression) and
descent.png (the (w, b) path over the loss contours).
"""
from __future__ import annotations

from pathlib import Path


def render_all(out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import torch

    import course_utils
    from course_utils.data import load_regression
    from course_utils.plots import TrainingPlot, plot_data, plot_descent_path, regression_loss_surface

    course_utils.plots.set_style()
    out.mkdir(parents=True, exist_ok=True)
    written = []

    a = torch.tensor(5.0, requires_grad=True)
    b = torch.tensor(6.0, requires_grad=True)
    y = a**3 - b**2 + 3
    y.backward()
    ax = course_utils.draw_graph(y, {"a": a, "b": b}, show_grad=True, title="y = a³ − b² + 3")
    written.append(_save(ax.figure, out / "graph.png"))

    ax = course_utils.plots.plot_tangent(lambda a: a**3 - 36, at=5.0, name="a", function_label="y = a³ − 36")
    written.append(_save(ax.figure, out / "tangent.png"))

    from course_utils.plots.backward import backward_filmstrip

    a, b, d = (torch.tensor(v, requires_grad=True) for v in (2.0, 3.0, 4.0))
    c = a * b
    steps = course_utils.backward_steps(c * d, {"a": a, "b": b, "c": c, "d": d})
    written.append(_save(backward_filmstrip(steps), out / "backward_filmstrip.png"))

    X, target, coef, bias = load_regression()
    Xt, yt = torch.tensor(X, dtype=torch.float32), torch.tensor(target, dtype=torch.float32).reshape(-1, 1)
    torch.manual_seed(4)
    w, b0 = torch.randn(1, 1).requires_grad_(), torch.randn(1).requires_grad_()
    plot = TrainingPlot(X, target, total_steps=30, live=False, title="linear regression")
    path = [(w.item(), b0.item())]
    for step in range(1, 31):
        loss = ((Xt @ w + b0 - yt) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            for p in (w, b0):
                p -= 0.1 * p.grad
                p.grad = None
        path.append((w.item(), b0.item()))
        plot.update(step, loss.item(), (Xt @ w + b0).detach())
    plot._draw()
    written.append(_save(plot.figure, out / "training.png"))
    ax = plot_data(X, target, y_pred=(Xt @ w + b0).detach(), title=f"fit: w = {w.item():.4f}, b = {b0.item():.4f}")
    written.append(_save(ax.figure, out / "data.png"))
    ax = plot_descent_path(path, regression_loss_surface(X, target))
    written.append(_save(ax.figure, out / "descent.png"))
    return written


def _save(figure, path: Path) -> Path:
    figure.savefig(path, dpi=100, bbox_inches="tight")
    return path
