"""Auto-checked exercises: ``check(exercise_id, answer)`` says right, or explains why not.

A right answer prints one confirmation line. A wrong one raises :class:`WrongAnswer` (an
``AssertionError``) whose message names the exercise, what is wrong (and the recognised
mistake), what was given, and, from the second try on, a hint; from the third, a worked first
step. It never shows the solution.

``check`` owns the policies every exercise shares: the learner's random state and torch's
global switches are the same after a check as before it, a learner's function that does not
finish is stopped after the exercise's time limit, and a check that cannot compute its own
reference says so (:class:`CheckProblem`) instead of blaming the answer.

>>> from course_utils.checks import check
>>> check("first_gradients.perceptron_by_hand", -32.0)
Correct: first_gradients.perceptron_by_hand (dL/dW for the one-weight perceptron)
"""
from __future__ import annotations

import os
from typing import Any

from course_utils.checks.answers import BadAnswer, describe
from course_utils.checks.feedback import CheckProblem, WrongAnswer, next_level, reset_attempts, short
from course_utils.checks.isolation import CheckTimeout, learner_state_kept, time_limit
from course_utils.checks.kinds import (
    Case,
    ChoiceExercise,
    Exercise,
    FunctionExercise,
    NumericExercise,
    PropertyExercise,
    RecordExercise,
    Run,
    Wrong,
    call_learner,
    numbers_problem,
    returns,
    same_numbers,
    wrong,
)
from course_utils.checks.mistakes import DOUBLED, SIGN_FLIPPED, TRANSPOSED, Mistake, recognise
from course_utils.checks.registry import EXERCISES, load_all, lookup, register

__all__ = [
    "check", "WrongAnswer", "CheckProblem", "EXERCISES", "register", "Exercise", "NumericExercise",
    "ChoiceExercise", "RecordExercise", "PropertyExercise", "FunctionExercise", "Case", "Run", "Wrong", "wrong",
    "Mistake", "SIGN_FLIPPED", "DOUBLED", "TRANSPOSED", "call_learner", "same_numbers", "BadAnswer",
    "reset_attempts", "returns", "numbers_problem", "recognise",
]

STRICT_ENV_VAR = "COURSE_CHECKS_STRICT"

# Set only inside ``./course grade``'s sandboxed runner (coursetools.grade_sandbox): the grader hears of
# every check from here, the one code path that judges, and verifies there that nothing was patched.
_grader: Any = None


def strict() -> bool:
    """True when an unexpected error inside a check must surface (the tests set ``COURSE_CHECKS_STRICT=1``).

    For a learner such an error is reported as "the check could not judge this answer"; in
    the tests it is a bug in the check, and hiding it would let the bad-input matrix pass.
    """
    return os.environ.get(STRICT_ENV_VAR, "").strip() in {"1", "true", "yes"}


def _timeout_problem(answer: Any, seconds: float) -> str:
    if callable(answer):
        return (f"your {'class' if isinstance(answer, type) else 'function'} did not finish in {seconds:g} s. "
                "Does a loop never end (a while loop whose condition never changes)?")
    return f"checking this answer did not finish in {seconds:g} s."


def check(exercise_id: str, answer: Any) -> None:
    """Check ``answer`` for the exercise ``exercise_id``; print a confirmation or raise WrongAnswer.

    Anything that goes wrong while judging (a learner's function that raises, a value of an
    unexpected type) is reported as a :class:`WrongAnswer`, never as a traceback from inside
    this helper.
    """
    __tracebackhide__ = True  # pytest hides this frame; IPython uses WrongAnswer._render_traceback_
    exercise = lookup(exercise_id)
    if _grader is not None:
        _grader.check_started(exercise.id)
    try:
        with learner_state_kept(), time_limit(exercise.time_limit):
            exercise.validate(answer)
    except WrongAnswer as exc:
        verdict = exc
    except CheckTimeout as exc:
        verdict = exercise.fail(_timeout_problem(answer, exc.seconds), given=describe(answer))
    except CheckProblem as exc:
        _record(exercise.id, "problem", None, 0, str(exc))
        raise
    except Exception as exc:
        if strict():
            raise
        verdict = exercise.fail(f"the check could not judge this answer ({type(exc).__name__}: {short(exc, 120)}). "
                                "Pass the kind of answer the exercise asks for.", given=describe(answer))
    else:
        _record(exercise.id, "correct", None, 0)
        print(f"Correct: {exercise.id} ({exercise.title})")
        return None
    level = next_level(exercise.id)
    _record(exercise.id, "wrong", verdict.mistake, level, verdict.problem)
    raise verdict.at_level(level) from None


def _record(exercise_id: str, verdict: str, mistake: str | None, level: int, problem: str = "") -> None:
    """Write the attempt to the learner's local progress file (and tell the grader, when grading).

    A failure in the progress file never breaks a check.
    """
    if _grader is not None:
        _grader.check_finished(exercise_id, verdict, mistake, level, problem)
    try:
        from course_utils.attempts import record_attempt

        record_attempt(exercise_id, verdict, mistake, level)
    except Exception as exc:  # progress is a convenience; the check's verdict matters more
        import warnings

        warnings.warn(f"the attempt could not be recorded ({type(exc).__name__}: {exc})", RuntimeWarning, stacklevel=3)


load_all()
