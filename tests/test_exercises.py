"""Every registered exercise, judged by its own data: solution, equivalent forms, wrong examples, mistakes.

These run in strict mode (``COURSE_CHECKS_STRICT=1``): an exception inside a judge is a test
failure, not a WrongAnswer, so a check that crashes on some input cannot pass by accident.
Chapter-specific cases (the wrong answers beginners type, found by trying each chapter) are in
``tests/chapters/``.
"""
from __future__ import annotations

import random
import re

import numpy as np
import pytest
import torch

from course_utils.checks import (
    EXERCISES,
    ChoiceExercise,
    FunctionExercise,
    NumericExercise,
    PropertyExercise,
    RecordExercise,
    Wrong,
    WrongAnswer,
    check,
    reset_attempts,
)
from course_utils.checks.answers import read_numbers
from course_utils.checks.feedback import WIDTH

IDS = sorted(EXERCISES)


@pytest.fixture(autouse=True)
def strict_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURSE_CHECKS_STRICT", "1")
    reset_attempts()


def _wrong_examples(exercise) -> list[Wrong]:
    return [item if isinstance(item, Wrong) else Wrong(item) for item in exercise.wrong_examples]


def _verdict(exercise_id: str, answer) -> WrongAnswer:
    with pytest.raises(WrongAnswer) as info:
        check(exercise_id, answer)
    return info.value


def _takes_a_function(exercise) -> bool:
    return isinstance(exercise, FunctionExercise) or (
        isinstance(exercise, PropertyExercise) and re.search(r"\b(function|hook|class)\b", exercise.kind) is not None)


class _Liar(torch.Tensor):
    """A tensor that claims to equal anything."""

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if getattr(func, "__name__", "") in ("allclose", "equal", "eq", "__eq__", "isclose"):
            return True
        return super().__torch_function__(func, types, args, kwargs or {})


class _EqualsEverything(str):
    def __eq__(self, other):
        return True

    __hash__ = str.__hash__


# Inputs that are never a right answer to any exercise.
BAD_INPUTS = {
    "None": None,
    "ellipsis": ...,
    "string": "42",
    "nan": float("nan"),
    "inf": float("inf"),
    "nan tensor": torch.tensor([float("nan")]),
    "ragged list": [[1.0], [2.0, 3.0]],
    "list with placeholder": [1.0, ...],
    "complex": torch.tensor([1 + 2j]),
    "dict missing keys": {"not-a-key": 1.0},
    "object": object(),
    "wrong-shape tensor requiring grad": torch.ones(7, 3, requires_grad=True),
    "bool": True,
    "empty list": [],
    "huge tensor": torch.empty(10**7),
    "tensor that claims to equal anything": torch.zeros(3).as_subclass(_Liar),
    "string that equals everything": _EqualsEverything("a"),
    "function returning an empty list": lambda *args, **kwargs: [],
    "function returning None": lambda *args, **kwargs: None,
    "numpy bool": np.bool_(True),
}


def test_every_chapter_registers_exercises_with_hints() -> None:
    assert len(IDS) >= 45
    for exercise_id, exercise in EXERCISES.items():
        slug, _, name = exercise_id.partition(".")
        assert exercise.chapter == slug and name
        assert exercise.hint.strip(), f"{exercise_id} has no hint"


@pytest.mark.parametrize("exercise_id", IDS)
def test_solution_and_equivalent_forms_pass(exercise_id: str, capsys: pytest.CaptureFixture[str]) -> None:
    exercise = EXERCISES[exercise_id]
    for make in [exercise.solution, *exercise.right_examples]:
        assert check(exercise_id, make()) is None
        assert capsys.readouterr().out == f"Correct: {exercise_id} ({exercise.title})\n"


@pytest.mark.parametrize("exercise_id", IDS)
def test_typical_wrong_answers_fail_and_name_the_mistake(exercise_id: str) -> None:
    exercise = EXERCISES[exercise_id]
    examples = _wrong_examples(exercise)
    assert len(examples) >= 3, f"{exercise_id} needs at least three typical wrong answers"
    for example in examples:
        message = " ".join(str(_verdict(exercise_id, example.make()).at_level(3)).split())
        assert exercise_id in message and " ".join(exercise.hint.split()) in message
        if example.says:
            assert example.says in message, f"{exercise_id}: expected the message to say {example.says!r}:\n{message}"


@pytest.mark.parametrize("exercise_id", [i for i in IDS if EXERCISES[i].mistakes and not isinstance(
    EXERCISES[i], (FunctionExercise, PropertyExercise))])
def test_every_mistake_is_recognised_by_its_own_message(exercise_id: str) -> None:
    exercise = EXERCISES[exercise_id]
    expected = exercise.reference()
    if isinstance(exercise, ChoiceExercise):
        expected = exercise.read(expected)
    elif isinstance(exercise, NumericExercise):
        expected = read_numbers(expected).values
    for mistake in exercise.mistakes:
        if isinstance(exercise, RecordExercise):
            continue  # a record's mistakes apply to its parts; its wrong examples name them
        verdict = _verdict(exercise_id, mistake.make(expected))
        assert " ".join(mistake.says.split()) in " ".join(str(verdict).split()), \
            f"{exercise_id}: {mistake.says!r} was not recognised: {verdict}"
        assert verdict.mistake == mistake.name


@pytest.mark.parametrize("label", sorted(BAD_INPUTS))
@pytest.mark.parametrize("exercise_id", IDS)
def test_bad_input_is_a_wrong_answer_not_a_crash(exercise_id: str, label: str) -> None:
    exercise = EXERCISES[exercise_id]
    if label == "None" and isinstance(exercise, ChoiceExercise) and "None" in exercise.options:
        pytest.skip("None is the natural Python value of the option 'None' here, so it is a label, not bad input")
    verdict = _verdict(exercise_id, BAD_INPUTS[label])
    assert exercise_id in str(verdict)


@pytest.mark.parametrize("exercise_id", [i for i in IDS if _takes_a_function(EXERCISES[i])])
def test_a_looping_function_times_out(exercise_id: str, monkeypatch: pytest.MonkeyPatch) -> None:
    exercise = EXERCISES[exercise_id]
    monkeypatch.setattr(exercise, "time_limit", 0.5)

    def forever(*args, **kwargs):
        while True:
            pass

    assert "did not finish in 0.5 s" in str(_verdict(exercise_id, forever))


@pytest.mark.parametrize("exercise_id", IDS)
def test_checks_leave_the_random_state_untouched(exercise_id: str) -> None:
    exercise = EXERCISES[exercise_id]
    solution, wrong_answers = exercise.solution(), [example.make() for example in _wrong_examples(exercise)]
    torch.manual_seed(123), np.random.seed(123), random.seed(123)
    before = (random.getstate(), np.random.get_state()[1].copy(), torch.get_rng_state().clone())
    check(exercise_id, solution)
    for answer in wrong_answers:
        with pytest.raises(WrongAnswer):
            check(exercise_id, answer)
    assert random.getstate() == before[0]
    assert (np.random.get_state()[1] == before[1]).all()
    assert torch.equal(torch.get_rng_state(), before[2])


def _solution_texts(exercise) -> list[str]:
    """Spellings of the solution that no hint or message may contain."""
    if isinstance(exercise, ChoiceExercise):
        chosen = exercise.expected_choice()
        labels = sorted(chosen) if isinstance(chosen, frozenset) else [chosen]
        if isinstance(chosen, frozenset) and 0 < len(chosen) < len(exercise.options):
            return [", ".join(labels), ", ".join(repr(x) for x in labels), ", ".join(f'"{x}"' for x in labels)]
        return [repr(labels[0]), f'"{labels[0]}"'] if not isinstance(chosen, frozenset) else []
    if isinstance(exercise, NumericExercise):
        values = read_numbers(exercise.reference()).values.reshape(-1)
        if values.size == 1:
            value = float(values[0])
            if abs(value) <= 3 and value == round(value):
                return []  # 0, 1, 2, 3 are in too many sentences to mean anything
            forms = {f"{value:g}", f"{value:.4g}", repr(round(value, 4))}
            return [f for f in forms if len(f.lstrip("-")) > 1]
        return [np.array2string(values, precision=4, separator=", ")]
    return []


@pytest.mark.parametrize("exercise_id", IDS)
def test_no_hint_or_message_contains_the_answer(exercise_id: str) -> None:
    """The hint, the first step, every mistake's text and what each wrong answer is told never spell the answer.

    The "You gave" line (the learner's own answer) and the list of options are not counted.
    """
    exercise = EXERCISES[exercise_id]
    texts = [exercise.hint, exercise.first_step, *(m.says for m in exercise.mistakes)]
    texts += [_verdict(exercise_id, example.make()).problem for example in _wrong_examples(exercise)]
    for form in _solution_texts(exercise):
        for text in texts:
            assert not re.search(rf"(?<![\w.\-]){re.escape(form)}(?![\w])", text), \
                f"{exercise_id}: {form!r} (the answer) appears in: {text}"


@pytest.mark.parametrize("exercise_id", IDS)
def test_messages_fit_a_1280x720_screen(exercise_id: str) -> None:
    for example in _wrong_examples(EXERCISES[exercise_id]):
        message = str(_verdict(exercise_id, example.make()).at_level(3))
        lines = message.split("\n")
        assert len(lines) <= 16, f"{exercise_id}: {len(lines)} lines:\n{message}"
        assert max(map(len, lines)) <= WIDTH + 2


@pytest.mark.parametrize("exercise_id", IDS)
def test_warnings_as_errors_are_never_blamed_on_the_answer(exercise_id: str) -> None:
    """Under ``-W error`` a reference that warns is an environment problem (CheckProblem), not a wrong answer."""
    import warnings

    from course_utils.checks import CheckProblem

    solution = EXERCISES[exercise_id].solution()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            check(exercise_id, solution)
        except CheckProblem as exc:
            assert "not with your answer" in str(exc)


@pytest.mark.parametrize("exercise_id", IDS)
def test_an_unavailable_device_is_never_blamed_on_the_answer(exercise_id: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from course_utils.checks import CheckProblem

    solution = EXERCISES[exercise_id].solution()
    monkeypatch.setenv("COURSE_DEVICE", "cuda" if not torch.cuda.is_available() else "mps")
    try:
        check(exercise_id, solution)
    except CheckProblem as exc:
        assert "not with your answer" in str(exc)
