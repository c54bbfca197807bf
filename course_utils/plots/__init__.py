"""The course's pictures. Each helper is short, does one thing, and is used the same way in every chapter.

| helper | introduced in |
|---|---|
| :func:`set_style` | every chapter's setup cell |
| :func:`draw_graph` | 01 First gradients |
| :func:`plot_tangent` | 01 First gradients |
| :func:`show_backward` | 02 The graph behind autograd (the backward pass, step by step) |
| :func:`plot_jacobian` | 03 backward() is a vector-Jacobian product |
| :func:`plot_table` | 04 Gradients accumulate (and 05) |
| :func:`plot_data` | 07 Linear regression from scratch |
| :class:`TrainingPlot` | 07 Linear regression from scratch |
| :func:`plot_descent_path` | 07 Linear regression from scratch |
| :func:`lr_explorer` | 07 Linear regression from scratch (the learning-rate slider) |

Each lives in a module of its own and is imported the first time it is used, so that
``import course_utils.plots`` costs nothing before the first figure.
"""
from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "set_style": "style", "PALETTE": "style",
    "draw_graph": "graph",
    "plot_tangent": "tangent",
    "show_backward": "backward",
    "plot_jacobian": "jacobian",
    "plot_table": "table",
    "plot_data": "scatter",
    "TrainingPlot": "live",
    "plot_descent_path": "descent", "regression_loss_surface": "descent",
    "lr_explorer": "lr_explorer",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'course_utils.plots' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
