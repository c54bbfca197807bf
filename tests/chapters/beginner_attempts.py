"""What the chapter tests share: a beginner's answer typed into a learner-edition exercise cell, and run.

Each ``tests/chapters/test_NN_*.py`` lists :class:`Attempt`s (the wrong answers beginners typed while
trying the chapter, and right ones in other forms) and runs each in the exercise cell of the learner
edition, with the cell's ``raise NotImplementedError`` line replaced by the attempt's code.
"""
from __future__ import annotations

from dataclasses import dataclass

from course_utils.checks import WrongAnswer

ACCEPTED = "accepted"


@dataclass(frozen=True)
class Attempt:
    """``code`` replaces the exercise's raise line; ``verdict``: ACCEPTED, a Mistake name, ``~phrase`` or ``!Error``."""

    exercise: str
    label: str
    code: str
    verdict: str


def typed_into(cell: str, code: str) -> str:
    """The exercise cell with its raise line replaced by ``code``, indented like that line."""
    lines = cell.split("\n")
    k = next(i for i, line in enumerate(lines) if "raise NotImplementedError" in line)
    indent = lines[k][: len(lines[k]) - len(lines[k].lstrip())]
    typed = [indent + line if line else line for line in code.strip("\n").split("\n")]
    return "\n".join(lines[:k] + typed + lines[k + 1:])


def run_typed(cell: str, code: str, namespace: dict) -> WrongAnswer | None:
    """Run the cell with ``code`` typed in; the check's WrongAnswer, or None when it said Correct."""
    try:
        exec(typed_into(cell, code), namespace)
    except WrongAnswer as verdict:
        return verdict
    return None
