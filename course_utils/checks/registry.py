"""The table of every exercise in the course, filled from ``course_utils.exercises``.

Each chapter has one module in ``course_utils/exercises/`` that calls
:func:`register`; this module imports them all, so adding a chapter never means
editing a shared list.
"""
from __future__ import annotations

import difflib
import importlib
import pkgutil

from course_utils.checks.kinds import Exercise

EXERCISES: dict[str, Exercise] = {}


def register(*exercises: Exercise) -> None:
    """Add exercises to :data:`EXERCISES`; the chapter is the part of the id before the dot.

    >>> from course_utils.checks.kinds import NumericExercise
    >>> register(NumericExercise("demo.two", "two", "add one and one", lambda: 2.0))
    >>> EXERCISES.pop("demo.two").chapter
    'demo'
    """
    for exercise in exercises:
        slug, dot, name = exercise.id.partition(".")
        if not (slug and dot and name):
            raise ValueError(f"exercise id must look like '<chapter-slug>.<name>', got {exercise.id!r}")
        if exercise.id in EXERCISES:
            raise ValueError(f"exercise id {exercise.id!r} is registered twice")
        if not exercise.chapter:
            exercise.chapter = slug
        EXERCISES[exercise.id] = exercise


def load_all() -> dict[str, Exercise]:
    """Import every module of ``course_utils.exercises`` (once) and return the table."""
    package = importlib.import_module("course_utils.exercises")
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        importlib.import_module(f"{package.__name__}.{info.name}")
    return EXERCISES


def lookup(exercise_id: object) -> Exercise:
    """The exercise with this id; an unknown id is a ``KeyError`` naming the closest ones."""
    if not isinstance(exercise_id, str):
        raise KeyError(f"an exercise id is a string such as 'first_gradients.perceptron_by_hand', "
                       f"got {exercise_id!r}")
    try:
        return EXERCISES[exercise_id]
    except KeyError:
        close = difflib.get_close_matches(exercise_id, list(EXERCISES), n=3, cutoff=0.5)
        suggestion = f"; did you mean {', '.join(map(repr, close))}?" if close else "."
        raise KeyError(f"no exercise {exercise_id!r}{suggestion}") from None
