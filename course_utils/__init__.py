"""Helpers for the *Autograd, hands-on* course.

Every chapter starts with the same setup cell, which calls :func:`start_chapter`.
Only light modules are imported here (torch is needed anyway); plots, data and
exercise checks load the first time they are used, so ``import course_utils``
costs almost nothing on top of ``import torch``.

>>> import course_utils
>>> device = course_utils.get_device()
"""
from __future__ import annotations

import importlib
from typing import Any

from course_utils._version import __version__
from course_utils.device import get_device
from course_utils.environment import ensure_matplotlib_dirs, environment_summary, is_colab, is_live_frontend
from course_utils.seeding import seed_everything
from course_utils.session import start_chapter

# Public names that live in modules with heavier imports; loaded on first use.
_LAZY = {
    "WrongAnswer": "course_utils.checks",
    "plots": "course_utils.plots",
    "checks": "course_utils.checks",
    "data": "course_utils.data",
    "graph": "course_utils.graph",
    "finite_differences": "course_utils.finite_differences",
    "set_style": "course_utils.plots",
    "plot_data": "course_utils.plots",
    "draw_graph": "course_utils.plots",
    "graph_text": "course_utils.graph",
    "show_error": "course_utils.errors",
    "backward_steps": "course_utils.stepthrough",
}

ensure_matplotlib_dirs()  # before anything imports matplotlib: a read-only HOME must not warn in every chapter

__all__ = [
    "__version__",
    "get_device",
    "seed_everything",
    "environment_summary",
    "is_colab",
    "is_live_frontend",
    "start_chapter",
    "check",
    "progress",
    *_LAZY,
]


def check(exercise_id: str, answer: Any) -> None:
    """Check an exercise's answer (see :func:`course_utils.checks.check`); every chapter's setup cell imports it.

    The exercise table loads on the first call, so the setup cell stays as light as ``import torch``.

    >>> check("first_gradients.perceptron_by_hand", -32.0)
    Correct: first_gradients.perceptron_by_hand (dL/dW for the one-weight perceptron)
    """
    __tracebackhide__ = True
    from course_utils.checks import check as check_answer

    return check_answer(exercise_id, answer)


def progress(chapter: str | None = None) -> Any:
    """Show the exercises (of this chapter, or of the whole course) with what you have passed so far.

    Attempts are recorded on this machine only, by every ``check``; see :mod:`course_utils.attempts`.
    """
    from course_utils.attempts import show_progress

    return show_progress(chapter)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(_LAZY[name])
        value = module if module.__name__.endswith("." + name) else getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'course_utils' has no attribute {name!r}")
