"""Typical wrong answers that a check can recognise and name.

A :class:`Mistake` says what went wrong in words a learner understands. For a numeric
or choice exercise ``make(expected)`` builds the wrong answer from the right one, so the
check can tell "this is the sign-flipped gradient" from "the values differ". A judge
(of a function or property exercise) returns a Mistake instead of a plain sentence when
the problem it found is a named misconception: the instructor's report counts them;
:func:`recognise` finds it among the numbers that the typical wrong ways of working give.

>>> float(SIGN_FLIPPED.make(np.array(2.0)))
-2.0
>>> SIGN_FLIPPED.name
'sign_flipped'
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, TypeVar

import numpy as np

from course_utils.checks.answers import BadAnswer, Numbers, read_numbers, squeezed_shape
from course_utils.checks.tolerance import ATOL, RTOL, close

Named = TypeVar("Named")


def _slug(text: str) -> str:
    words = re.findall(r"[a-z0-9]+", text.lower())[:6]
    return "_".join(words) or "mistake"


def _no_make(expected: Any) -> Any:
    raise TypeError("this mistake is recognised by a judge, not built from the expected answer")


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer: ``says`` names it; ``make(expected)`` builds it (numeric and choice exercises).

    ``name`` is the short key the misconception report counts it under; by default it is
    made from the first words of ``says``.
    """

    says: str
    make: Callable[[Any], Any] = field(default=_no_make)
    name: str = ""

    def __post_init__(self) -> None:
        if not self.name:
            object.__setattr__(self, "name", _slug(self.says.split(":")[0]))


SIGN_FLIPPED = Mistake("the sign is flipped: the right size, pointing the other way",
                       lambda e: -e, name="sign_flipped")
DOUBLED = Mistake("exactly twice the right value: the gradient was accumulated twice (was .grad zeroed?)",
                  lambda e: 2 * e, name="accumulated_twice")
TRANSPOSED = Mistake("the transpose of the right answer: rows and columns are swapped",
                     lambda e: np.asarray(e).T, name="transposed")


def _numbers(value: Any) -> Numbers | None:
    if isinstance(value, Numbers):
        return value
    try:
        return read_numbers(value)
    except BadAnswer:  # a variant that diverged, a result that is no number: nothing to recognise
        return None


def _same(given: Numbers, other: Numbers, rtol: float, atol: float) -> bool:
    a, b = given.values, other.values
    return close(a.reshape(squeezed_shape(a.shape)), b.reshape(squeezed_shape(b.shape)), rtol, atol, given.eps)


def recognise(given: Any, typical: Iterable[tuple[Named, Any]], right: Any = None, *,
              rtol: float = RTOL, atol: float = ATOL) -> Named | None:
    """The first of the ``(mistake, numbers)`` pairs whose numbers ``given`` holds; None if there is none.

    A judge's way to name a wrong result by what the typical wrong ways of working give: the numbers
    are compared by the rule for answers (any shape once size-1 axes are dropped, the tolerance of the
    answer's own dtype). A pair is never named when its numbers are the ``right`` ones, or cannot be
    read (a variant that diverged). ``typical`` may be a generator: it is only run until a match.

    >>> recognise([-2.0], [(DOUBLED, [4.0]), (SIGN_FLIPPED, -2.0)]).name
    'sign_flipped'
    >>> recognise(2.0, [(DOUBLED, 2.0)], right=2.0) is None
    True
    """
    mine = _numbers(given)
    want = None if right is None else _numbers(right)
    if mine is None:
        return None
    for mistake, numbers in typical:
        candidate = _numbers(numbers)
        if candidate is not None and _same(mine, candidate, rtol, atol) and not (
                want is not None and _same(candidate, want, rtol, atol)):
            return mistake
    return None
