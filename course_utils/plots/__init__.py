"""The course's pictures. Each helper is short, does one thing, and is used the same way in every chapter.

| helper | introduced in |
|---|---|
| :func:`set_style` | every chapter's setup cell |
| :func:`draw_graph` | 01 First gradients |
| :func:`plot_data` | 07 Linear regression from scratch |
| :class:`TrainingPlot` | 07 Linear regression from scratch |
| :func:`plot_descent_path` | 07 Linear regression from scratch |
"""
from course_utils.plots.descent import plot_descent_path, regression_loss_surface
from course_utils.plots.graph import draw_graph
from course_utils.plots.live import TrainingPlot
from course_utils.plots.scatter import plot_data
from course_utils.plots.style import PALETTE, set_style

__all__ = ["set_style", "PALETTE", "plot_data", "TrainingPlot", "plot_descent_path",
           "regression_loss_surface", "draw_graph"]
