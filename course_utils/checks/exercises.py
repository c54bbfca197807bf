"""The kinds of exercise a chapter can register, and how each judges an answer.

An exercise knows its reference answer (``solution()``, in exactly the form a
learner passes), a hint that names the misconception it targets, and the
recognisable wrong answers (:class:`Mistake`) whose message can say what went
wrong. ``validate`` raises :class:`WrongAnswer`; it never reveals the solution.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from course_utils.checks.answers import BadAnswer, as_array, describe


class WrongAnswer(AssertionError):
    """Raised by ``check`` when an answer is not right yet; the message holds the hint."""


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer: ``make(expected)`` builds it, ``says`` names it.

    >>> float(Mistake("the sign is flipped", lambda e: -e).make(np.array(2.0)))
    -2.0
    """

    says: str
    make: Callable[[np.ndarray], Any]


SIGN_FLIPPED = Mistake("the sign is flipped: check the direction of the derivative (d/dx of -x is -1)", lambda e: -e)
DOUBLED = Mistake("exactly twice the right value: the gradient was accumulated twice (was .grad zeroed?)",
                  lambda e: 2 * e)
TRANSPOSED = Mistake("the transpose of the right answer: rows and columns are swapped", lambda e: e.T)


@dataclass
class Exercise:
    """Common fields of every exercise. Subclasses implement :meth:`validate`."""

    id: str
    title: str
    hint: str
    solution: Callable[[], Any]
    mistakes: Sequence[Mistake] = ()
    wrong_examples: Sequence[Callable[[], Any]] = ()  # typical wrong answers, for the tests
    chapter: str = ""
    none_says: str = ""  # what an answer of None usually means here (e.g. "h.grad was never kept")

    def fail(self, problem: str, given: Any = None, expected: str | None = None) -> WrongAnswer:
        lines = [f"Exercise {self.id} ({self.title}): {problem}"]
        if expected is not None:
            lines.append(f"  expected: {expected}")
        if given is not None:
            lines.append(f"  given:    {given}")
        lines.append(f"  Hint: {self.hint}")
        return WrongAnswer("\n".join(lines))

    def validate(self, answer: Any) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


@dataclass
class NumericExercise(Exercise):
    """The answer is a number, a list, an array or a tensor compared within a tolerance."""

    rtol: float = 1e-4
    atol: float = 1e-6

    def expected(self) -> np.ndarray:
        return as_array(self.solution())

    def expected_kind(self, expected: np.ndarray) -> str:
        what = "a single number" if expected.shape == () else f"numbers of shape {tuple(expected.shape)}"
        return f"{what} (compared within rtol={self.rtol:g}, atol={self.atol:g})"

    def validate(self, answer: Any) -> None:
        expected = self.expected()
        if answer is None and self.none_says:
            raise self.fail(f"not yet: the answer is None; {self.none_says}.", given="None",
                            expected=self.expected_kind(expected))
        try:
            given = as_array(answer)
        except BadAnswer as exc:
            raise self.fail("this is not an answer the check can read.", given=str(exc),
                            expected=self.expected_kind(expected)) from None
        if given.size == 1 and expected.size == 1:
            given, expected = given.reshape(()), expected.reshape(())
        if given.shape != expected.shape:
            problem = "the shape is wrong."
            if given.ndim == 2 and given.shape == expected.shape[::-1]:
                problem = f"the shape is wrong: {TRANSPOSED.says}."
            raise self.fail(problem, given=describe(answer), expected=self.expected_kind(expected))
        if np.allclose(given, expected, rtol=self.rtol, atol=self.atol):
            return
        for mistake in self.mistakes:
            try:
                typical = np.asarray(mistake.make(expected), dtype=np.float64)
            except Exception:  # a mistake that does not apply to this shape
                continue
            if typical.shape == given.shape and np.allclose(given, typical, rtol=self.rtol, atol=self.atol):
                raise self.fail(f"not yet: this looks like {mistake.says}.", given=_short(given))
        raise self.fail("not yet: the values differ from the expected ones.", given=_short(given))


@dataclass
class ChoiceExercise(Exercise):
    """The answer is one option, or a set of options, from a fixed list of labels."""

    options: Sequence[str] = ()
    multiple: bool = False

    def _read(self, answer: Any) -> set[str] | str:
        if self.multiple:
            if isinstance(answer, str) or not isinstance(answer, (set, frozenset, list, tuple)):
                raise self.fail("expected a set of labels.", given=describe(answer),
                                expected=f"a set drawn from {sorted(self.options)}")
            labels = set()
            for item in answer:
                if not isinstance(item, str) or item not in self.options:
                    raise self.fail(f"{item!r} is not one of the options.", given=describe(answer),
                                    expected=f"labels from {sorted(self.options)}")
                labels.add(item)
            return labels
        if not isinstance(answer, str) or answer not in self.options:
            raise self.fail("expected one of the option labels.", given=describe(answer),
                            expected=f"one of {list(self.options)}")
        return answer

    def validate(self, answer: Any) -> None:
        given = self._read(answer)
        expected = self._read(self.solution())
        if given == expected:
            return
        if self.multiple:
            missing, extra = expected - given, given - expected  # type: ignore[operator]
            parts = []
            if missing:
                parts.append(f"{len(missing)} {'label that should be in it is' if len(missing) == 1 else 'labels that should be in it are'} missing")
            if extra:
                parts.append(f"{len(extra)} {'label' if len(extra) == 1 else 'labels'} should not be in it")
            raise self.fail("not yet: " + " and ".join(parts) + ".", given=sorted(given))
        for mistake in self.mistakes:
            if mistake.make(expected) == given:
                raise self.fail(f"not yet: {mistake.says}.", given=repr(given))
        raise self.fail("not yet: that is not the right option.", given=repr(given))


@dataclass
class RecordExercise(Exercise):
    """The answer is a dict of named numeric answers, each checked like :class:`NumericExercise`.

    Used where one question has several parts (``{"a": ..., "b": ...}``).
    """

    rtol: float = 1e-4
    atol: float = 1e-6

    def validate(self, answer: Any) -> None:
        expected = self.solution()
        keys = list(expected)
        if not isinstance(answer, dict):
            raise self.fail("expected a dict.", given=describe(answer), expected=f"a dict with keys {keys}")
        missing = [k for k in keys if k not in answer]
        if missing:
            raise self.fail(f"the dict is missing the key(s) {missing}.", given=describe(answer),
                            expected=f"a dict with keys {keys}")
        for key in keys:
            part = NumericExercise(id=f"{self.id}[{key!r}]", title=self.title, hint=self.hint,
                                   solution=lambda k=key: expected[k], mistakes=self.mistakes,
                                   rtol=self.rtol, atol=self.atol)
            part.validate(answer[key])


@dataclass
class PropertyExercise(Exercise):
    """The answer is judged by a function, for answers that hold for any seed or are functions.

    ``judge(answer)`` returns ``None`` when the answer is right, or a sentence that
    says what is wrong. ``kind`` describes what a learner should pass.
    """

    judge: Callable[[Any], str | None] = field(default=lambda answer: "no judge was given")
    kind: str = "an answer"

    def validate(self, answer: Any) -> None:
        if answer is None or answer is Ellipsis:
            raise self.fail("there is no answer yet.", given=describe(answer), expected=self.kind)
        try:
            problem = self.judge(answer)
        except BadAnswer as exc:
            raise self.fail("this is not an answer the check can read.", given=str(exc),
                            expected=self.kind) from None
        except WrongAnswer:
            raise
        except Exception as exc:  # the learner's code failed while being checked
            raise self.fail(f"checking your answer raised {type(exc).__name__}: {exc}",
                            given=describe(answer), expected=self.kind) from None
        if problem:
            raise self.fail(f"not yet: {problem}", given=describe(answer), expected=self.kind)


def _short(array: np.ndarray) -> str:
    text = np.array2string(array, precision=4, separator=", ", threshold=12)
    return text if len(text) < 200 else text[:197] + "..."
