"""Typical wrong answers that a check can recognise and name.

A :class:`Mistake` says what went wrong in words a learner understands. For a numeric
or choice exercise ``make(expected)`` builds the wrong answer from the right one, so the
check can tell "this is the sign-flipped gradient" from "the values differ". A judge
(of a function or property exercise) returns a Mistake instead of a plain sentence when
the problem it found is a named misconception: the instructor's report counts them.

>>> float(SIGN_FLIPPED.make(np.array(2.0)))
-2.0
>>> SIGN_FLIPPED.name
'sign_flipped'
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np


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


SIGN_FLIPPED = Mistake("the sign is flipped: check the direction of the derivative (d/dx of -x is -1)",
                       lambda e: -e, name="sign_flipped")
DOUBLED = Mistake("exactly twice the right value: the gradient was accumulated twice (was .grad zeroed?)",
                  lambda e: 2 * e, name="accumulated_twice")
TRANSPOSED = Mistake("the transpose of the right answer: rows and columns are swapped",
                     lambda e: np.asarray(e).T, name="transposed")
