"""The exercise-check contract: every registered exercise accepts its solution and rejects wrong answers."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from course_utils.checks import (
    EXERCISES,
    ChoiceExercise,
    Mistake,
    NumericExercise,
    PropertyExercise,
    RecordExercise,
    WrongAnswer,
    check,
)

IDS = sorted(EXERCISES)

# Inputs that are never a right answer to any exercise (issue: bad input gets WrongAnswer, nothing else).
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
}


def test_every_chapter_registers_exercises() -> None:
    assert len(IDS) >= 3
    for exercise_id, exercise in EXERCISES.items():
        slug, _, name = exercise_id.partition(".")
        assert exercise.chapter == slug and name
        assert exercise.hint.strip(), f"{exercise_id} has no hint"


@pytest.mark.parametrize("exercise_id", IDS)
def test_solution_passes(exercise_id: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert check(exercise_id, EXERCISES[exercise_id].solution()) == True  # noqa: E712
    assert capsys.readouterr().out.startswith(f"Correct: {exercise_id}")


@pytest.mark.parametrize("exercise_id", IDS)
def test_typical_wrong_answers_fail_with_the_hint(exercise_id: str) -> None:
    exercise = EXERCISES[exercise_id]
    assert len(exercise.wrong_examples) >= 3, f"{exercise_id} needs at least three typical wrong answers"
    for make_wrong in exercise.wrong_examples:
        with pytest.raises(WrongAnswer) as info:
            check(exercise_id, make_wrong())
        message = str(info.value)
        assert exercise_id in message and exercise.hint in message


@pytest.mark.parametrize("label", sorted(BAD_INPUTS))
@pytest.mark.parametrize("exercise_id", IDS)
def test_bad_input_is_a_wrong_answer_not_a_crash(exercise_id: str, label: str) -> None:
    with pytest.raises(WrongAnswer) as info:
        check(exercise_id, BAD_INPUTS[label])
    assert exercise_id in str(info.value)


def test_wrong_answer_is_an_assertion_error() -> None:
    assert issubclass(WrongAnswer, AssertionError)


def test_unknown_id_lists_the_closest() -> None:
    with pytest.raises(KeyError, match="first_gradients.perceptron_by_hand"):
        check("first_gradients.perceptron_by_hnd", -32.0)
    with pytest.raises(KeyError):
        check(42, 1.0)  # type: ignore[arg-type]


def _numeric(**kwargs) -> NumericExercise:
    defaults = dict(id="demo.vec", title="a vector", hint="think", solution=lambda: [1.0, -2.0, 3.0])
    defaults.update(kwargs)
    return NumericExercise(**defaults)


def test_numeric_accepts_tensors_arrays_lists_any_grad_state() -> None:
    exercise = _numeric()
    for answer in ([1, -2, 3], np.array([1.0, -2.0, 3.0]), torch.tensor([1.0, -2.0, 3.0], requires_grad=True),
                   (1.0, -2.0, 3.0), [torch.tensor(1.0), torch.tensor(-2.0), torch.tensor(3.0)]):
        exercise.validate(answer)


def test_numeric_names_the_recognisable_mistake() -> None:
    exercise = _numeric(mistakes=[Mistake("the sign is flipped", lambda e: -e)])
    with pytest.raises(WrongAnswer, match="sign is flipped"):
        exercise.validate([-1.0, 2.0, -3.0])
    with pytest.raises(WrongAnswer, match="values differ"):
        exercise.validate([5.0, 5.0, 5.0])


def test_numeric_reports_shape_and_transpose() -> None:
    exercise = _numeric(solution=lambda: np.ones((3, 1)))
    with pytest.raises(WrongAnswer, match="transpose"):
        exercise.validate(np.ones((1, 3)))
    with pytest.raises(WrongAnswer, match=r"shape \(3, 1\)"):
        exercise.validate(np.ones(4))


def test_numeric_never_reveals_the_solution() -> None:
    exercise = _numeric(solution=lambda: 123.456)
    with pytest.raises(WrongAnswer) as info:
        exercise.validate(1.0)
    assert "123.456" not in str(info.value)


def test_tolerance_is_applied() -> None:
    exercise = _numeric(solution=lambda: 1.0)
    exercise.validate(1.0 + 1e-6)
    with pytest.raises(WrongAnswer):
        exercise.validate(1.01)


def test_choice_single_and_multiple() -> None:
    single = ChoiceExercise("demo.one", "one", "h", lambda: "b", options=("a", "b"))
    single.validate("b")
    with pytest.raises(WrongAnswer, match="one of"):
        single.validate("z")
    multiple = ChoiceExercise("demo.many", "many", "h", lambda: {"a", "b"}, options=("a", "b", "c"), multiple=True)
    multiple.validate(["b", "a"])
    with pytest.raises(WrongAnswer, match="missing"):
        multiple.validate({"a"})
    with pytest.raises(WrongAnswer, match="should not"):
        multiple.validate({"a", "b", "c"})


def test_record_checks_each_key() -> None:
    exercise = RecordExercise("demo.rec", "rec", "h", lambda: {"a": 12.0, "b": 8.0})
    exercise.validate({"a": 12, "b": torch.tensor(8.0)})
    with pytest.raises(WrongAnswer, match="missing"):
        exercise.validate({"a": 12})
    with pytest.raises(WrongAnswer, match=r"\['b'\]"):
        exercise.validate({"a": 12, "b": 9})


def test_property_judge_errors_become_wrong_answers() -> None:
    def judge(answer):
        return None if answer(2.0) == 4.0 else "f(2) should be 4"

    exercise = PropertyExercise("demo.fn", "fn", "h", lambda: (lambda x: x * 2), judge=judge, kind="a function")
    exercise.validate(lambda x: x + 2)
    with pytest.raises(WrongAnswer, match="f\\(2\\) should be 4"):
        exercise.validate(lambda x: x * 3)
    with pytest.raises(WrongAnswer, match="ZeroDivisionError"):
        exercise.validate(lambda x: 1 / 0)


def test_confirmation_is_truthy_and_quiet_in_ipython() -> None:
    result = check("first_gradients.perceptron_by_hand", -32.0)
    assert result and result == True  # noqa: E712
    assert hasattr(result, "_ipython_display_")
    assert not math.isnan(float(result))


def test_none_can_be_named_as_a_typical_mistake() -> None:
    exercise = _numeric(none_says="this looks like the unfixed h.grad")
    with pytest.raises(WrongAnswer, match="unfixed h.grad"):
        exercise.validate(None)
