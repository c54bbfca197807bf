"""What a learner reads when an answer is not right yet, and how the hint grows with each try.

A :class:`WrongAnswer` carries the parts of its message (the problem, what was given,
what kind of answer was expected, the recognised mistake) rather than one string, so
that ``check`` can render it at the hint level the learner has reached:

1. the first wrong attempt says what is wrong (and names the recognised mistake);
2. the second adds the exercise's fuller hint;
3. the third and later add a worked first step.

The message comes first and is wrapped to fit a 1280×720 screen. In IPython, Jupyter
and Colab it is shown without any traceback frame from ``course_utils``
(``_render_traceback_``); under plain Python and pytest ``str()`` gives the same text.

>>> exc = WrongAnswer("demo.x", "a demo", "the values differ.", hint="look again", level=2)
>>> print(exc)
Exercise demo.x (a demo): not yet: the values differ.
  Hint: look again
"""
from __future__ import annotations

import textwrap
from typing import Any

WIDTH = 100  # characters: a JupyterLab output area at 1280 px shows about 110 without scrolling
HINT_LEVELS = 3

_wrong_attempts: dict[str, int] = {}


class WrongAnswer(AssertionError):
    """Raised by ``check`` when an answer is not right yet; the message holds the feedback.

    It is an ``AssertionError``, so pytest and plain ``assert``-style tooling treat it as a failed check.
    """

    def __init__(self, exercise_id: str, title: str, problem: str, *, given: str | None = None,
                 expected: str | None = None, mistake: str | None = None, hint: str = "",
                 first_step: str = "", level: int = 1) -> None:
        self.exercise_id, self.title, self.problem = exercise_id, title, problem
        self.given, self.expected, self.mistake = given, expected, mistake
        self.hint, self.first_step, self.level = hint, first_step, level
        super().__init__(self.message())

    def at_level(self, level: int) -> "WrongAnswer":
        """The same verdict, rendered for the learner's ``level``-th wrong attempt (1, 2, 3...)."""
        return WrongAnswer(self.exercise_id, self.title, self.problem, given=self.given,
                           expected=self.expected, mistake=self.mistake, hint=self.hint,
                           first_step=self.first_step, level=level)

    def message(self) -> str:
        lines = _wrap(f"Exercise {self.exercise_id} ({self.title}): not yet: {self.problem}", "")
        if self.given is not None:
            lines += _wrap(f"You gave: {self.given}", "  ", "            ")
        if self.expected is not None:
            lines += _wrap(f"Expected: {self.expected}", "  ", "            ")
        if self.level >= 2 and self.hint:
            lines += _wrap(f"Hint: {self.hint}", "  ", "        ")
        if self.level >= 3 and self.first_step:
            lines += _wrap(f"First step: {self.first_step}", "  ", "        ")
        if self.level < HINT_LEVELS and self._more_to_show():
            lines.append("  (Try again: the next wrong answer to this exercise shows "
                         f"{'a hint' if self.level == 1 and self.hint else 'a worked first step'}.)")
        return "\n".join(lines)

    def _more_to_show(self) -> bool:
        return bool(self.hint) if self.level == 1 else bool(self.first_step)

    def _render_traceback_(self) -> list[str]:
        """What IPython shows instead of a traceback: the message alone, its first word in red."""
        first, *rest = self.message().split("\n")
        return [f"\x1b[1;31mWrongAnswer\x1b[0m: {first}", *rest]


class CheckProblem(RuntimeError):
    """The check itself could not work (its reference answer failed): an environment problem, not the learner's.

    Raised, for example, when ``COURSE_DEVICE`` names a device that is missing, or when warnings
    are turned into errors and the reference computation warns.
    """

    def __init__(self, exercise_id: str, cause: BaseException) -> None:
        self.exercise_id = exercise_id
        super().__init__(
            f"Exercise {exercise_id}: the check could not compute its own reference answer "
            f"({type(cause).__name__}: {str(cause).splitlines()[0] if str(cause) else ''}). This is a problem "
            "with the environment (device, torch version, warning filters), not with your answer; "
            "restart the kernel with the default settings, or report it with the setup cell's first line.")

    def _render_traceback_(self) -> list[str]:
        return [f"\x1b[1;31mCheckProblem\x1b[0m: {line}" if i == 0 else line
                for i, line in enumerate(_wrap(str(self), ""))]


def next_level(exercise_id: str) -> int:
    """Count one more wrong attempt at ``exercise_id`` in this kernel; return its hint level (1..3)."""
    _wrong_attempts[exercise_id] = _wrong_attempts.get(exercise_id, 0) + 1
    return min(_wrong_attempts[exercise_id], HINT_LEVELS)


def reset_attempts(exercise_id: str | None = None) -> None:
    """Forget the wrong attempts (of one exercise, or of all): the next wrong answer starts at level 1."""
    if exercise_id is None:
        _wrong_attempts.clear()
    else:
        _wrong_attempts.pop(exercise_id, None)


def _wrap(text: str, indent: str, subsequent: str | None = None) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent,
                         subsequent_indent=subsequent if subsequent is not None else indent + "  ",
                         break_long_words=False, break_on_hyphens=False) or [indent]


def short(value: Any, limit: int = 160) -> str:
    """A one-line text of at most ``limit`` characters.

    >>> short("x" * 300)[-3:]
    '...'
    """
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
