"""Auto-checked exercises: ``check(exercise_id, answer)`` says right, or explains why not.

A right answer prints one confirmation line and returns ``True``. A wrong one
raises :class:`WrongAnswer` (an ``AssertionError``) whose message names the
exercise, what kind of answer was expected, what was given, and a hint that
names the likely misconception. It never prints the solution.

>>> from course_utils.checks import check
>>> check("first_gradients.perceptron_by_hand", -32.0)
Correct: first_gradients.perceptron_by_hand (dL/dW for the one-weight perceptron)
True
"""
from __future__ import annotations

from typing import Any

from course_utils.checks.exercises import (
    DOUBLED,
    SIGN_FLIPPED,
    TRANSPOSED,
    ChoiceExercise,
    Exercise,
    Mistake,
    NumericExercise,
    PropertyExercise,
    RecordExercise,
    WrongAnswer,
)
from course_utils.checks.registry import EXERCISES, load_all, lookup, register

__all__ = [
    "check", "WrongAnswer", "EXERCISES", "register", "Exercise", "NumericExercise", "ChoiceExercise",
    "RecordExercise", "PropertyExercise", "Mistake", "SIGN_FLIPPED", "DOUBLED", "TRANSPOSED",
]


class Passed(int):
    """``check``'s return value: equal to ``True``, but shown as nothing in a notebook.

    A cell that ends with ``check(...)`` would otherwise print ``True`` under the
    confirmation line.
    """

    def __new__(cls) -> "Passed":
        return super().__new__(cls, 1)

    def __bool__(self) -> bool:
        return True

    def __repr__(self) -> str:
        return "True"

    def _ipython_display_(self) -> None:  # the confirmation line was already printed
        return None


def check(exercise_id: str, answer: Any) -> bool:
    """Check ``answer`` for the exercise ``exercise_id``; print a confirmation or raise WrongAnswer.

    Anything that goes wrong while judging (a learner's function that raises, a
    value of an unexpected type) is reported as a :class:`WrongAnswer` with the
    hint, never as a traceback from inside this helper.
    """
    __tracebackhide__ = True  # pytest and IPython hide this frame from tracebacks
    exercise = lookup(exercise_id)
    try:
        exercise.validate(answer)
    except WrongAnswer as exc:
        raise WrongAnswer(str(exc)) from None
    except Exception as exc:  # defensive: a check must never crash from the inside
        raise exercise.fail(f"the answer could not be checked ({type(exc).__name__}: {exc}).") from None
    print(f"Correct: {exercise.id} ({exercise.title})")
    return Passed()


load_all()
