"""The kinds of exercise a chapter can register, and how each judges an answer.

Every policy that all exercises share lives here, not in the chapter modules: how numbers
and labels are read (:mod:`~course_utils.checks.answers`, :mod:`~course_utils.checks.labels`),
the tolerance (:mod:`~course_utils.checks.tolerance`), "pass the function itself", calling
the learner's code so that its errors are reported as its own, and turning a failing
reference into a :class:`~course_utils.checks.feedback.CheckProblem` rather than blaming
the learner. ``check`` adds the rest (random state kept, time limit, growing hints).

| kind | the answer is | judged by |
|---|---|---|
| :class:`NumericExercise` | numbers in any reasonable form | the reference, within a tolerance; named mistakes |
| :class:`ChoiceExercise` | one option label, or a set of them | the reference labels; named mistakes |
| :class:`RecordExercise` | a dict of numeric parts | each part like a NumericExercise |
| :class:`FunctionExercise` | a function the learner wrote | a short list of named :class:`Case` s |
| :class:`PropertyExercise` | anything else (a tensor whose graph matters) | a judge function |
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from course_utils.checks.answers import BadAnswer, Numbers, describe, read_numbers, squeezed_shape
from course_utils.checks.feedback import CheckProblem, WrongAnswer, short
from course_utils.checks.labels import is_collection, items_of, label_key
from course_utils.checks.mistakes import TRANSPOSED, Mistake
from course_utils.checks.tolerance import ATOL, RTOL, close

@dataclass(frozen=True)
class Wrong:
    """A typical wrong answer for the tests: ``make()`` builds it; the message must contain ``says``."""

    make: Callable[[], Any]
    says: str = ""


def wrong(make: Callable[[], Any], says: str = "") -> Wrong:
    """A wrong example whose message must name the mistake: ``wrong(lambda: 32.0, "sign is flipped")``."""
    return Wrong(make, says)


class LearnerCodeFailed(Exception):
    """The learner's own function raised; the message says so and names the exception."""

    def __init__(self, exc: Exception) -> None:
        self.original = exc
        text = short(exc, 200) if str(exc) else ""
        super().__init__(f"your code raised {type(exc).__name__}" + (f": {text}" if text else ""))


def returns(value: Any) -> Callable[[], Any]:
    """A solution or example whose answer is ``value`` itself: the function or class a learner passes.

    >>> returns(len)() is len
    True
    """
    return lambda: value


def call_learner(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call the learner's ``function``; any exception it raises becomes :class:`LearnerCodeFailed`.

    Judges call learner code only through this, so that an error in the learner's code is
    reported as theirs, while an error in the judge itself is a bug the tests can see.

    >>> call_learner(lambda x: x + 1, 1)
    2
    """
    try:
        return function(*args, **kwargs)
    except LearnerCodeFailed:  # already the learner's (a wrapper that calls their code through call_learner)
        raise
    except Exception as exc:
        raise LearnerCodeFailed(exc) from exc


def _problem_of(verdict: Any) -> tuple[str, Mistake | None]:
    if isinstance(verdict, Mistake):
        return verdict.says, verdict
    return str(verdict), None


@dataclass
class Exercise:
    """Common fields of every exercise. Subclasses implement :meth:`validate`.

    ``hint`` is shown from the second wrong attempt, ``first_step`` (a worked first step)
    from the third. Neither may name the answer or the one API call that is the answer.
    """

    id: str
    title: str
    hint: str
    solution: Callable[[], Any]
    mistakes: Sequence[Mistake] = ()
    wrong_examples: Sequence[Any] = ()   # callables or Wrong(make, says): typical wrong answers, for the tests
    right_examples: Sequence[Callable[[], Any]] = ()  # other correct forms the check must accept, for the tests
    first_step: str = ""
    chapter: str = ""
    none_says: str | Mistake = ""  # what an answer of None usually means here (a Mistake is also recorded)
    time_limit: float = 10.0

    def reference(self) -> Any:
        """The reference answer; if it cannot be computed, that is the environment's problem, not the learner's."""
        try:
            return self.solution()
        except Exception as exc:
            raise CheckProblem(self.id, exc) from exc

    def fail(self, problem: str, given: Any = None, expected: str | None = None,
             mistake: Mistake | None = None) -> WrongAnswer:
        """The WrongAnswer for ``problem`` (rendered at level 1; ``check`` raises it at the learner's level)."""
        return WrongAnswer(self.id, self.title, problem, given=None if given is None else str(given),
                           expected=expected, mistake=mistake.name if mistake else None,
                           hint=self.hint, first_step=self.first_step)

    def fail_none(self, expected: str | None, answer: Any = None) -> WrongAnswer:
        """The message for an answer of None (or a list holding None), when the exercise knows what None means."""
        problem, mistake = _problem_of(self.none_says)
        where = "is None" if answer is None else "holds None"
        return self.fail(f"the answer {where}; {problem.rstrip('.')}.", given=describe(answer), expected=expected,
                         mistake=mistake)

    def fail_verdict(self, verdict: Any, prefix: str = "", given: Any = None,
                     expected: str | None = None) -> WrongAnswer:
        """The WrongAnswer for a judge's verdict: a sentence, or a :class:`Mistake` (whose name is recorded)."""
        problem, mistake = _problem_of(verdict)
        return self.fail(prefix + problem, given=given, expected=expected, mistake=mistake)

    def validate(self, answer: Any) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


# ---------------------------------------------------------------------------------- numbers

@dataclass
class NumericExercise(Exercise):
    """The answer is numbers: any shape that holds them (size-1 axes ignored) unless ``shape_matters``."""

    rtol: float = RTOL
    atol: float = ATOL
    shape_matters: bool = False  # True where the shape itself is the lesson (a column versus a row)
    # A whole family of mistakes that no single Mistake.make can build (a Jacobian at some other point):
    # diagnose(values) returns the Mistake, or None; asked when the shape is right and the values are not.
    diagnose: Callable[[np.ndarray], Mistake | None] | None = None
    # (squeezed) shape -> the Mistake an answer of that shape shows, whatever its values.
    by_shape: Mapping[tuple, Mistake] = field(default_factory=dict)

    def expected_numbers(self) -> np.ndarray:
        reference = self.reference()
        try:
            return read_numbers(reference).values
        except BadAnswer as exc:
            raise CheckProblem(self.id, exc) from None

    def expected_kind(self, expected: np.ndarray) -> str:
        if self.shape_matters:
            return "a single number" if expected.shape == () else f"numbers in shape {tuple(expected.shape)}"
        if expected.size == 1:
            return "a single number"
        return (f"{expected.size} numbers (a list, an array or a tensor"
                + (f" of shape {squeezed_shape(expected.shape)}" if expected.ndim > 1 else "") + ")")

    def _comparable(self, values: np.ndarray) -> np.ndarray:
        return values if self.shape_matters else values.reshape(squeezed_shape(values.shape))

    def validate(self, answer: Any) -> None:
        expected = self.expected_numbers()
        kind = self.expected_kind(expected)
        if self.none_says and (answer is None or _holds_none(answer)):
            raise self.fail_none(kind, answer)
        try:
            given = read_numbers(answer, max_elements=max(10 * expected.size, 1000))
        except BadAnswer as exc:
            raise self.fail("this is not an answer the check can read.", given=str(exc), expected=kind) from None
        self.compare(given, expected, answer, kind)

    def _typical(self, mistake: Mistake, expected: np.ndarray) -> np.ndarray | None:
        try:
            return self._comparable(read_numbers(mistake.make(expected.copy())).values)
        except Exception:  # a mistake that does not apply to this reference
            return None

    def _recognised(self, mine: np.ndarray, want: np.ndarray, expected: np.ndarray, eps: float) -> Mistake | None:
        """The listed mistake whose wrong answer (of any shape) the learner's numbers are."""
        for mistake in self.mistakes:
            typical = self._typical(mistake, expected)
            if (typical is not None and close(mine, typical, self.rtol, self.atol, eps)
                    and not close(typical, want, self.rtol, self.atol)):
                return mistake
        return None

    def compare(self, given: Numbers, expected: np.ndarray, answer: Any, kind: str) -> None:
        mine, want = self._comparable(given.values), self._comparable(expected)
        if mine.shape != want.shape:
            mistake = self._recognised(mine, want, expected, given.eps) or self.by_shape.get(tuple(mine.shape))
            if mistake is not None:
                raise self.fail(f"this looks like {mistake.says}.", given=describe(answer), expected=kind,
                                mistake=mistake)
            flipped = mine.ndim == 2 and mine.shape == want.shape[::-1]
            if flipped and close(mine, want.T, self.rtol, self.atol, given.eps):
                raise self.fail(f"this looks like {TRANSPOSED.says}.", given=describe(answer), expected=kind,
                                mistake=TRANSPOSED)
            if mine.size == 0:
                raise self.fail("the answer holds no numbers at all.", given=describe(answer), expected=kind)
            if mine.size == want.size:
                raise self.fail(f"the {want.size} numbers are in the wrong shape.", given=describe(answer),
                                expected=f"shape {tuple(want.shape)}")
            raise self.fail("the shape is wrong.", given=describe(answer), expected=kind)
        if close(mine, want, self.rtol, self.atol, given.eps):
            return
        mistake = self._recognised(mine, want, expected, given.eps)
        if mistake is None and self.diagnose is not None:
            mistake = self.diagnose(mine)
        if mistake is not None:
            raise self.fail(f"this looks like {mistake.says}.", given=_numbers_text(mine), mistake=mistake)
        raise self.fail("the values differ from the expected ones.", given=_numbers_text(mine))


@dataclass
class RecordExercise(Exercise):
    """The answer is a dict of named numeric parts (``{"a": ..., "b": ...}``), each read like a NumericExercise."""

    rtol: float = RTOL
    atol: float = ATOL
    shape_matters: bool = False

    def validate(self, answer: Any) -> None:
        expected = self.reference()
        keys = list(expected)
        if not isinstance(answer, dict):
            raise self.fail("expected a dict.", given=describe(answer), expected=f"a dict with keys {keys}")
        present = set(dict.keys(answer))
        missing = [k for k in keys if k not in present]
        if missing:
            raise self.fail(f"the dict is missing the key(s) {missing}.", given=describe(answer),
                            expected=f"a dict with keys {keys}")
        for key in keys:
            part = NumericExercise(id=self.id, title=self.title, hint=self.hint, first_step=self.first_step,
                                   solution=returns(expected[key]), mistakes=self.mistakes,
                                   rtol=self.rtol, atol=self.atol, shape_matters=self.shape_matters)
            try:
                part.validate(dict.__getitem__(answer, key))
            except WrongAnswer as exc:
                raise WrongAnswer(self.id, self.title, f"in [{key!r}]: {exc.problem}", given=exc.given,
                                  expected=exc.expected, mistake=exc.mistake, hint=self.hint,
                                  first_step=self.first_step) from None


def _holds_none(answer: Any) -> bool:
    """True for a list or tuple with None among its items (``[p.grad, q.grad]`` before backward ran)."""
    if isinstance(answer, (list, tuple)):
        items = list.__iter__(answer) if isinstance(answer, list) else tuple.__iter__(answer)
        return any(item is None or _holds_none(item) for item in items)
    return False


def _numbers_text(values: np.ndarray) -> str:
    text = np.array2string(values, precision=4, separator=", ", threshold=12)
    return short(text, 200)


# ---------------------------------------------------------------------------------- labels

@dataclass
class ChoiceExercise(Exercise):
    """The answer is one option label, or (``multiple``) a set of them; spelling rules in :mod:`labels`.

    ``aliases`` maps an option to other spellings that mean it (``{"jacrev": ["torch.func.jacrev"]}``).
    """

    options: Sequence[str] = ()
    multiple: bool = False
    aliases: Mapping[str, Sequence[str]] = field(default_factory=dict)
    # Typical answers that are not options, and the mistake each shows ("<number>" stands for any number).
    outside: Mapping[str, Mistake] = field(default_factory=dict)

    def _index(self) -> dict[Any, str]:
        index: dict[Any, str] = {}
        for option in self.options:
            for spelling in (option, *self.aliases.get(option, ())):
                index[label_key(spelling)] = option
        return index

    def _option(self, item: Any) -> str | None:
        try:
            return self._index().get(label_key(item))
        except (ValueError, TypeError, RecursionError):
            return None

    def _options_text(self) -> str:
        return ", ".join(repr(o) for o in self.options)

    def _outside(self, item: Any) -> Mistake | None:
        try:
            key: Any = label_key(item)
        except (ValueError, TypeError, RecursionError):
            return None
        for spelling, mistake in self.outside.items():
            if spelling == "<number>" and key[0] == "number":
                return mistake
            if spelling != "<number>" and label_key(spelling) == key:
                return mistake
        return None

    def read(self, answer: Any) -> frozenset[str] | str:
        """The option (or set of options) ``answer`` names, or a WrongAnswer saying which part is not an option."""
        if self.outside and self._option(answer) is None:
            mistake = self._outside(answer)
            if mistake is not None:
                raise self.fail(f"this looks like {mistake.says}.", given=describe(answer), mistake=mistake)
        several = self.multiple and is_collection(answer) and not isinstance(answer, tuple)
        single = None if several else self._option(answer)
        if not self.multiple:
            if single is None:
                raise self.fail(f"{_label_text(answer)} is not one of the options.", given=describe(answer),
                                expected=f"one of {self._options_text()}")
            return single
        if is_collection(answer):
            items = items_of(answer)
            chosen = [self._option(item) for item in items]
            if all(option is not None for option in chosen):
                return frozenset(chosen)  # type: ignore[arg-type]
            if single is not None:  # a tuple that is itself one option, such as (1, 1)
                return frozenset([single])
            bad = next(item for item, option in zip(items, chosen) if option is None)
            raise self.fail(f"{_label_text(bad)} is not one of the options.", given=describe(answer),
                            expected=f"a set of labels from {self._options_text()}")
        if single is not None:
            return frozenset([single])
        raise self.fail("expected a set of option labels.", given=describe(answer),
                        expected=f"a set of labels from {self._options_text()}, for example {{{self.options[0]!r}}}")

    def expected_choice(self) -> frozenset[str] | str:
        try:
            return self.read(self.reference())
        except WrongAnswer as exc:
            raise CheckProblem(self.id, ValueError(f"the reference is not an option: {exc.problem}")) from None

    def validate(self, answer: Any) -> None:
        given = self.read(answer)
        expected = self.expected_choice()
        if given == expected:
            return
        shown = sorted(given) if isinstance(given, frozenset) else repr(given)
        for mistake in self.mistakes:
            try:
                typical = self.read(mistake.make(expected))
            except Exception:  # a mistake that does not apply to this reference
                continue
            if typical == given:
                raise self.fail(f"this looks like {mistake.says}.", given=shown, mistake=mistake)
        if self.multiple:
            raise self.fail("at least one option is judged wrong. Go through the options one at a time.",
                            given=shown)
        raise self.fail("that is not the right option.", given=shown)


def _label_text(item: Any) -> str:
    if isinstance(item, str):
        return repr(short(str.__str__(item), 40))
    return describe(item)


# ---------------------------------------------------------------------------------- functions

@dataclass
class Run:
    """One case of a :class:`FunctionExercise`, after both functions ran.

    ``inputs`` are the arguments the learner's function got (after the call, so in-place
    changes show), ``expected`` what the reference returned on a fresh copy of the same
    inputs, and ``expected_inputs`` that copy after the reference ran.
    """

    result: Any
    inputs: tuple
    expected: Any
    expected_inputs: tuple


def numbers_problem(result: Any, expected: Any) -> str | None:
    """Why ``result`` does not hold the numbers of ``expected`` (None when it does), by the rules for answers.

    >>> numbers_problem([1.0, 2.0], [1.0, 2.0]) is None, numbers_problem([1.0], [1.0, 2.0])
    (True, 'it returned numbers of shape (1,), but the result has shape (2,)')
    """
    try:
        want = read_numbers(expected).values
    except BadAnswer as exc:
        raise CheckProblem("(case)", exc) from None
    try:
        given = read_numbers(result, max_elements=max(10 * want.size, 1000))
    except BadAnswer as exc:
        return f"it returned {exc}"
    if squeezed_shape(given.values.shape) != squeezed_shape(want.shape):
        return f"it returned numbers of shape {given.values.shape}, but the result has shape {want.shape}"
    if not close(given.values.reshape(want.shape), want, eps=given.eps):
        return "it returned the right shape but the wrong values"
    return None


def same_numbers(run: Run) -> str | None:
    """The default judge of a case: the learner's result holds the reference's numbers (same rules as answers).

    >>> same_numbers(Run([1.0, 2.0], (), [1.0, 2.0], ())) is None
    True
    """
    return numbers_problem(run.result, run.expected)


@dataclass(frozen=True)
class Case:
    """A named test of the learner's function: fresh ``inputs()``, then ``judge(run)`` (default: :func:`same_numbers`).

    ``fails`` replaces the judge's sentence when the case fails, where a fixed sentence says it better.
    """

    name: str
    inputs: Callable[[], tuple]
    judge: Callable[[Run], Any] = same_numbers
    fails: str = ""


@dataclass
class FunctionExercise(Exercise):
    """The learner writes a function; the check calls it on named :class:`Case` s and compares with the reference.

    ``signature`` shows how it is called (``"grad_after(k)"``). ``adapt`` turns the answer into
    the callable to test (``lambda cls: cls.apply`` for an ``autograd.Function``), and
    ``accepts(answer)`` may refuse an answer of the wrong kind before any case runs.
    """

    signature: str = "f(...)"
    cases: Sequence[Case] = ()
    adapt: Callable[[Any], Callable[..., Any]] | None = None
    accepts: Callable[[Any], str | None] | None = None
    what: str = "function"  # "function", "hook", "class": how the answer is named in messages

    @property
    def name(self) -> str:
        return self.signature.split("(")[0].strip() or "f"

    def kind(self) -> str:
        return f"the {self.what} {self.signature} itself"

    def validate(self, answer: Any) -> None:
        if answer is None:
            raise self.fail(f"the answer is None: pass the {self.what} itself, check(\"{self.id}\", {self.name}), "
                            "not the result of calling it (a function without a return statement gives None).",
                            given="None", expected=self.kind())
        if answer is Ellipsis:
            raise self.fail("there is no answer yet.", given=describe(answer), expected=self.kind())
        problem = self.accepts(answer) if self.accepts else None
        if problem is None and not callable(answer):
            problem = (f"pass the {self.what} itself, check(\"{self.id}\", {self.name}) without parentheses, so "
                       f"that the check can call it on cases of its own; this is {describe(answer)}.")
        if problem:
            raise self.fail(problem, given=describe(answer), expected=self.kind())
        function = self.adapt(answer) if self.adapt else answer
        reference = self.reference()
        reference = self.adapt(reference) if self.adapt else reference
        for case in self.cases:
            try:
                inputs, expected_inputs = case.inputs(), case.inputs()
                expected = reference(*expected_inputs)
            except CheckProblem:
                raise
            except Exception as exc:  # the check's own cases or reference: the environment, not the answer
                raise CheckProblem(self.id, exc) from exc
            try:
                result = call_learner(function, *inputs)
            except LearnerCodeFailed as exc:
                raise self.fail(f"on {case.name}, {str(exc).rstrip('.')}.", given=describe(answer)) from None
            try:
                verdict = case.judge(Run(result, inputs, expected, expected_inputs))
            except LearnerCodeFailed as exc:  # the judge ran more of the learner's code (a backward through it)
                raise self.fail(f"on {case.name}, {str(exc).rstrip('.')}.", given=describe(answer)) from None
            if verdict:
                if case.fails and not isinstance(verdict, Mistake):
                    verdict = case.fails
                raise self.fail_verdict(verdict, prefix=f"on {case.name}, ")


# ---------------------------------------------------------------------------------- anything else

@dataclass
class PropertyExercise(Exercise):
    """The answer is judged by ``judge(answer)``: None when right, else a sentence or a :class:`Mistake`.

    For answers whose value cannot show what the exercise teaches (a tensor whose graph
    matters, a dict of tensors). A judge calls learner code only through :func:`call_learner`.
    ``kind`` describes what a learner should pass.
    """

    judge: Callable[[Any], Any] = field(default=lambda answer: "no judge was given")
    kind: str = "an answer"

    def validate(self, answer: Any) -> None:
        if answer is None or answer is Ellipsis:
            if answer is None and self.none_says:
                raise self.fail_none(self.kind)
            raise self.fail("there is no answer yet.", given=describe(answer), expected=self.kind)
        try:
            verdict = self.judge(answer)
        except BadAnswer as exc:
            raise self.fail("this is not an answer the check can read.", given=str(exc), expected=self.kind) from None
        except LearnerCodeFailed as exc:
            raise self.fail(f"{str(exc).rstrip('.')}.", given=describe(answer), expected=self.kind) from None
        if verdict:
            raise self.fail_verdict(verdict, given=describe(answer), expected=self.kind)
