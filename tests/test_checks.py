"""The check kinds and the policies they own, on small exercises made up for the test.

Data-driven tests over every registered exercise of the course are in test_exercises.py.
"""
from __future__ import annotations

import decimal
import fractions
import random

import numpy as np
import pytest
import torch

from course_utils.checks import (
    Case,
    CheckProblem,
    ChoiceExercise,
    FunctionExercise,
    Mistake,
    NumericExercise,
    PropertyExercise,
    RecordExercise,
    WrongAnswer,
    call_learner,
    check,
    register,
    reset_attempts,
)
from course_utils.checks.feedback import WIDTH
from course_utils.checks.registry import EXERCISES


def said(exc: BaseException) -> str:
    """The message with its line wrapping undone, for matching sentences."""
    return " ".join(str(exc).split())


def _numeric(**kwargs) -> NumericExercise:
    defaults = dict(id="demo.vec", title="a vector", hint="think", solution=lambda: [1.0, -2.0, 3.0])
    defaults.update(kwargs)
    return NumericExercise(**defaults)


@pytest.fixture
def demo():
    """Register exercises for one test and remove them afterwards."""
    added: list[str] = []

    def add(exercise):
        register(exercise)
        added.append(exercise.id)
        reset_attempts(exercise.id)
        return exercise

    yield add
    for exercise_id in added:
        EXERCISES.pop(exercise_id, None)
        reset_attempts(exercise_id)


# ------------------------------------------------------------------ numbers in every reasonable form

@pytest.mark.parametrize("answer", [
    [1, -2, 3], np.array([1.0, -2.0, 3.0]), torch.tensor([1.0, -2.0, 3.0], requires_grad=True),
    (1.0, -2.0, 3.0), [torch.tensor(1.0), torch.tensor(-2.0), torch.tensor(3.0)],
    [torch.tensor([1.0]), torch.tensor([-2.0]), torch.tensor([3.0])],       # the bracket style of chapter 01
    torch.tensor([[1.0, -2.0, 3.0]]), np.array([[1.0], [-2.0], [3.0]]),    # size-1 axes do not matter
    torch.tensor([1.0, -2.0, 3.0], dtype=torch.float16),                   # any float dtype
    [np.float32(1.0), np.int64(-2), fractions.Fraction(3)], [decimal.Decimal("1"), -2, 3.0],
    torch.nn.Parameter(torch.tensor([1.0, -2.0, 3.0])),
])
def test_numeric_accepts_every_reasonable_form(answer) -> None:
    _numeric().validate(answer)


def test_numeric_tolerance_follows_the_answers_dtype() -> None:
    exercise = _numeric(solution=lambda: 0.1)
    exercise.validate(torch.tensor(0.1, dtype=torch.float16))      # 0.0999755859375: right in float16
    exercise.validate(torch.tensor(0.1, dtype=torch.bfloat16))
    with pytest.raises(WrongAnswer):
        exercise.validate(0.0999755859375)                         # the same number in float64 is too far


def test_close_tensors_keeps_rtol_atol_and_the_answers_precision_apart() -> None:
    """The comparison judges use for tensors (chapters 08, 09, 13). Found by the mutation run: nothing
    noticed rtol and atol swapped or dropped, the dtype's slack dropped, or an unreadable answer let through."""
    from course_utils.checks.tolerance import close_tensors

    big = torch.tensor([1000.0], dtype=torch.float64)
    assert close_tensors(big + 0.5, big, rtol=1e-3, atol=0.0)              # within rtol only
    assert not close_tensors(big + 0.5, big, rtol=0.0, atol=1e-3)          # the same gap is outside atol
    small = torch.tensor([0.0], dtype=torch.float64)
    assert close_tensors(small + 5e-4, small, rtol=0.0, atol=1e-3)         # within atol only
    assert not close_tensors(small + 5e-4, small, rtol=1e-3, atol=0.0)
    half = torch.tensor([0.1], dtype=torch.float16)                         # 0.0999755859375
    assert close_tensors(half, torch.tensor([0.1], dtype=torch.float64), rtol=1e-6, atol=1e-9)
    assert not close_tensors(half.double(), torch.tensor([0.1], dtype=torch.float64), rtol=1e-6, atol=1e-9)
    assert not close_tensors("not numbers", torch.ones(1))
    assert not close_tensors(object(), torch.ones(1))


def test_shape_matters_where_it_is_the_lesson() -> None:
    exercise = _numeric(solution=lambda: np.ones((3, 1)), shape_matters=True)
    exercise.validate(torch.ones(3, 1))
    with pytest.raises(WrongAnswer, match="transpose"):
        exercise.validate(np.ones((1, 3)))
    with pytest.raises(WrongAnswer, match=r"shape \(3, 1\)"):
        exercise.validate(np.ones(3))


def test_an_empty_answer_is_never_close() -> None:
    with pytest.raises(WrongAnswer, match="no numbers"):
        _numeric(solution=lambda: 2.0).validate([])


def test_numeric_names_the_recognisable_mistake_and_hides_the_solution() -> None:
    exercise = _numeric(solution=lambda: 123.456, mistakes=[Mistake("the sign is flipped", lambda e: -e)])
    with pytest.raises(WrongAnswer, match="sign is flipped") as info:
        exercise.validate(-123.456)
    assert info.value.mistake == "the_sign_is_flipped"
    with pytest.raises(WrongAnswer, match="values differ") as info:
        exercise.validate(1.0)
    assert "123.456" not in str(info.value)


def test_numbers_are_read_without_trusting_the_answer() -> None:
    class Liar(torch.Tensor):
        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            if getattr(func, "__name__", "") in ("allclose", "equal", "eq", "__eq__"):
                return True
            return super().__torch_function__(func, types, args, kwargs or {})

        def numel(self):  # lies about its size too
            return 1

    with pytest.raises(WrongAnswer, match="values differ"):
        _numeric().validate(torch.zeros(3).as_subclass(Liar))
    with pytest.raises(WrongAnswer, match="far more"):
        _numeric().validate(torch.empty(10**7))  # refused before any number is converted


# ------------------------------------------------------------------ labels in every reasonable spelling

def test_choice_labels_accept_spelling_and_natural_values() -> None:
    shapes = ChoiceExercise("demo.shapes", "shapes", "h", lambda: {"()", "(1,)", "(1, 1)"},
                            options=("()", "(1,)", "(1, 1)", "(2,)"), multiple=True)
    for answer in ({"()", "(1,)", "(1,1)"}, [(), (1,), (1, 1)], [torch.Size([]), torch.Size([1]), " ( 1 , 1 ) "],
                   {"()": 0, "(1,)": 0, "(1, 1)": 0}.keys()):
        shapes.validate(answer)
    none = ChoiceExercise("demo.none", "none", "h", lambda: "None", options=("None", "zeros"))
    none.validate(None)
    none.validate(" none ")
    rates = ChoiceExercise("demo.rates", "rates", "h", lambda: {"1.05", "1.5"}, options=("0.1", "1.05", "1.5"),
                           multiple=True)
    rates.validate({1.05, 1.5})
    rates.validate({fractions.Fraction(21, 20), decimal.Decimal("1.5")})
    named = ChoiceExercise("demo.named", "named", "h", lambda: "jacrev", options=("jacrev", "jacfwd"),
                           aliases={"jacrev": ["torch.func.jacrev"]})
    named.validate("JacRev")
    named.validate("torch.func.jacrev")


def test_choice_never_calls_the_answers_eq() -> None:
    class EqualsEverything(str):
        def __eq__(self, other):
            return True

        __hash__ = str.__hash__

    exercise = ChoiceExercise("demo.one", "one", "h", lambda: "b", options=("a", "b"))
    with pytest.raises(WrongAnswer, match="not the right option"):
        exercise.validate(EqualsEverything("a"))


def test_choice_feedback_does_not_count_what_is_missing() -> None:
    exercise = ChoiceExercise("demo.many", "many", "h", lambda: {"a", "b"}, options=("a", "b", "c"), multiple=True)
    for answer in ({"a"}, {"a", "b", "c"}, {"c"}):
        with pytest.raises(WrongAnswer) as info:
            exercise.validate(answer)
        assert "missing" not in str(info.value) and "should not" not in str(info.value)
    with pytest.raises(WrongAnswer, match="'z' is not one of the options"):
        exercise.validate({"a", "z"})


def test_record_checks_each_key() -> None:
    exercise = RecordExercise("demo.rec", "rec", "h", lambda: {"a": 12.0, "b": 8.0})
    exercise.validate({"a": 12, "b": torch.tensor(8.0)})
    with pytest.raises(WrongAnswer, match="missing"):
        exercise.validate({"a": 12})
    with pytest.raises(WrongAnswer, match=r"\['b'\]"):
        exercise.validate({"a": 12, "b": 9})


# ------------------------------------------------------------------ functions and properties

def _double_exercise(**kwargs) -> FunctionExercise:
    defaults = dict(id="demo.double", title="double", hint="h", solution=lambda: (lambda x: 2 * x),
                    signature="double(x)",
                    cases=[Case("a vector", lambda: (torch.tensor([1.0, 2.0]),)),
                           Case("a matrix", lambda: (torch.ones(2, 3),))])
    defaults.update(kwargs)
    return FunctionExercise(**defaults)


def test_function_exercise_runs_named_cases() -> None:
    exercise = _double_exercise()
    exercise.validate(lambda x: x + x)
    for answer, sentence in [
            (lambda x: 3 * x, "on a vector, it returned the right shape but the wrong values"),
            (lambda x: (2 * x).flatten()[:2], "on a matrix, it returned numbers of shape (2,)"),
            (lambda x: 1 / 0, "on a vector, your code raised ZeroDivisionError"),
            (torch.tensor([2.0, 4.0]), 'pass the function itself, check("demo.double", double) without parentheses')]:
        with pytest.raises(WrongAnswer) as info:
            exercise.validate(answer)
        assert sentence in said(info.value)


def test_property_judge_sees_learner_errors_as_theirs() -> None:
    def judge(answer):
        return None if call_learner(answer, 2.0) == 4.0 else "f(2) should be 4"

    exercise = PropertyExercise("demo.fn", "fn", "h", lambda: (lambda x: x * 2), judge=judge, kind="a function")
    exercise.validate(lambda x: x + 2)
    with pytest.raises(WrongAnswer, match="f\\(2\\) should be 4"):
        exercise.validate(lambda x: x * 3)
    with pytest.raises(WrongAnswer, match="your code raised ZeroDivisionError"):
        exercise.validate(lambda x: 1 / 0)


# ------------------------------------------------------------------ what check() owns

def test_hints_grow_with_each_wrong_attempt(demo) -> None:
    demo(_numeric(id="demo.grow", hint="THE HINT", first_step="THE FIRST STEP"))
    messages = []
    for _ in range(4):
        with pytest.raises(WrongAnswer) as info:
            check("demo.grow", [0.0, 0.0, 0.0])
        messages.append(str(info.value))
    assert "THE HINT" not in messages[0] and "next wrong answer" in messages[0]
    assert "THE HINT" in messages[1] and "THE FIRST STEP" not in messages[1]
    assert "THE HINT" in messages[2] and "THE FIRST STEP" in messages[2]
    assert messages[3] == messages[2]


def test_wrong_answer_renders_without_frames_and_fits_the_screen(demo) -> None:
    demo(_numeric(id="demo.render", hint="a hint " * 40, first_step="a step " * 30))
    for _ in range(3):
        with pytest.raises(WrongAnswer) as info:
            check("demo.render", [5.0, 5.0, 5.0])
    lines = info.value._render_traceback_()
    assert lines[0].startswith("\x1b[1;31mWrongAnswer\x1b[0m: Exercise demo.render")
    assert not any("course_utils" in line or "File " in line for line in lines)
    assert all(len(line) <= WIDTH + 2 for line in str(info.value).split("\n"))


def test_check_keeps_every_random_state(demo) -> None:
    def judge(answer):
        random.random(), np.random.rand(), torch.rand(1)
        torch.set_grad_enabled(False)
        torch.set_default_dtype(torch.float64)
        return None

    demo(PropertyExercise("demo.rng", "rng", "h", lambda: 1, judge=judge))
    torch.manual_seed(0), np.random.seed(0), random.seed(0)
    states = (random.getstate(), np.random.get_state()[1].copy(), torch.get_rng_state())
    check("demo.rng", 1)
    assert random.getstate() == states[0]
    assert (np.random.get_state()[1] == states[1]).all()
    assert torch.equal(torch.get_rng_state(), states[2])
    assert torch.is_grad_enabled() and torch.get_default_dtype() == torch.float32


def test_a_function_that_never_finishes_is_stopped(demo) -> None:
    def forever(x):
        while True:
            try:
                pass
            except Exception:  # even code that swallows exceptions is stopped
                pass

    demo(_double_exercise(id="demo.forever", time_limit=0.3))
    with pytest.raises(WrongAnswer, match=r"did not finish in 0.3 s"):
        check("demo.forever", forever)


def test_a_failing_reference_is_an_environment_problem(demo) -> None:
    def broken_reference():
        raise RuntimeError("device 'cuda' was asked for but is not available")

    demo(_numeric(id="demo.env", solution=broken_reference))
    with pytest.raises(CheckProblem, match="not with your answer"):
        check("demo.env", 1.0)


def test_strict_mode_lets_a_crashing_judge_surface(demo, monkeypatch) -> None:
    demo(PropertyExercise("demo.crash", "crash", "h", lambda: 1, judge=lambda answer: 1 / 0))
    monkeypatch.setenv("COURSE_CHECKS_STRICT", "1")
    with pytest.raises(ZeroDivisionError):
        check("demo.crash", 1)
    monkeypatch.setenv("COURSE_CHECKS_STRICT", "0")
    with pytest.raises(WrongAnswer, match="could not judge") as info:
        check("demo.crash", 1)
    assert info.value.problem == ("the check could not judge this answer (ZeroDivisionError: division by zero). "
                                  "Pass the kind of answer the exercise asks for.")


def test_correct_prints_one_line_and_returns_nothing(capsys) -> None:
    assert check("first_gradients.perceptron_by_hand", -32.0) is None
    assert capsys.readouterr().out == ("Correct: first_gradients.perceptron_by_hand "
                                       "(dL/dW for the one-weight perceptron)\n")


def test_the_setup_cells_check_is_the_same_check() -> None:
    import course_utils

    with pytest.raises(WrongAnswer, match="first_gradients.perceptron_by_hand"):
        course_utils.check("first_gradients.perceptron_by_hand", 1.0)


def test_wrong_answer_is_an_assertion_error() -> None:
    assert issubclass(WrongAnswer, AssertionError)


def test_unknown_id_lists_the_closest() -> None:
    with pytest.raises(KeyError, match="first_gradients.perceptron_by_hand"):
        check("first_gradients.perceptron_by_hnd", -32.0)
    with pytest.raises(KeyError):
        check(42, 1.0)  # type: ignore[arg-type]


def test_none_can_be_named_as_a_typical_mistake() -> None:
    exercise = _numeric(none_says="this looks like the unfixed h.grad")
    with pytest.raises(WrongAnswer, match="unfixed h.grad"):
        exercise.validate(None)


def test_a_list_holding_none_is_told_so() -> None:
    exercise = _numeric(none_says="backward() has not filled .grad yet")
    with pytest.raises(WrongAnswer) as info:
        exercise.validate([1.0, None, 3.0])
    assert "the answer holds None; backward() has not filled .grad yet." in said(info.value)
    assert "You gave: a list of length 3" in said(info.value)


# ------------------------------------------------------------------ the shared helpers of the judges

def test_a_mistake_is_recognised_by_its_numbers_in_any_shape() -> None:
    from course_utils.checks.mistakes import DOUBLED, SIGN_FLIPPED, recognise

    assert recognise(torch.tensor([[-2.0, 4.0]]), [(DOUBLED, [4.0, -8.0]), (SIGN_FLIPPED, [-2.0, 4.0])]) is SIGN_FLIPPED
    assert recognise([2.0, 3.0], [(DOUBLED, [2.0, 3.0, 0.0])]) is None            # another number of numbers
    assert recognise(0.0, [(DOUBLED, 0.0)], right=0.0) is None                      # the right numbers name nothing
    assert recognise(1.0, [(DOUBLED, float("inf")), (SIGN_FLIPPED, 1.0)]) is SIGN_FLIPPED  # a diverged variant
    assert recognise(torch.tensor(0.1, dtype=torch.float16), [(DOUBLED, 0.1)]) is DOUBLED  # the answer's precision
    assert recognise("not numbers", [(DOUBLED, 1.0)]) is None

    def variants():
        yield DOUBLED, 5.0
        raise AssertionError("the variants after a match are never computed")

    assert recognise(5.0, variants()) is DOUBLED


def test_numbers_problem_says_what_differs() -> None:
    from course_utils.checks.kinds import numbers_problem

    assert numbers_problem(torch.tensor([[1.0], [2.0]]), [1.0, 2.0]) is None
    assert numbers_problem([1.0, 3.0], [1.0, 2.0]) == "it returned the right shape but the wrong values"
    assert numbers_problem(None, [1.0]).startswith("it returned None")


def test_seeded_draws_the_chapters_numbers_and_leaves_the_stream_alone() -> None:
    from course_utils.checks.isolation import seeded

    torch.manual_seed(4)
    chapter = torch.randn(3)
    torch.manual_seed(123)
    state = torch.get_rng_state()
    with seeded(4):
        mine = torch.randn(3)
    assert torch.equal(mine, chapter) and torch.equal(torch.get_rng_state(), state)


def test_a_learners_error_is_wrapped_once() -> None:
    from course_utils.checks.kinds import LearnerCodeFailed

    def wrapper(x):
        return call_learner(lambda: 1 / 0)

    with pytest.raises(LearnerCodeFailed) as info:
        call_learner(wrapper, 1)
    assert str(info.value) == "your code raised ZeroDivisionError: division by zero"


def test_a_judge_that_runs_the_learners_code_reports_its_errors_as_theirs() -> None:
    from course_utils.checks.evidence import Raised, attempt

    def judge(run):
        return run.result.reraise() if isinstance(run.result, Raised) else None

    exercise = _double_exercise(adapt=lambda f: (lambda x: attempt(f, x)),
                                cases=[Case("a vector", lambda: (torch.tensor([1.0, 2.0]),), judge)])
    exercise.validate(lambda x: 2 * x)
    with pytest.raises(WrongAnswer) as info:
        exercise.validate(lambda x: 1 / 0)
    assert "on a vector, your code raised ZeroDivisionError: division by zero." in said(info.value)
    assert "You gave: the function <lambda>" in said(info.value)


# ------------------------------------------------------------------ evidence of the way of working

def test_torch_calls_see_recording_data_and_sizes() -> None:
    from course_utils.checks.evidence import TorchCalls

    x = torch.ones(3, requires_grad=True)
    with TorchCalls() as calls:
        (x * 2).sum().backward()
        _ = x.data
        torch.outer(x.detach(), x.detach())
    assert calls.recorded == ["mul", "sum"] and calls.used_data and calls.largest == 9
    assert calls.called(torch.Tensor.backward) and not calls.called(torch.autograd.grad)
    with TorchCalls() as quiet, torch.no_grad():
        x * 2
    assert quiet.recorded == [] and not quiet.used_data
    assert not torch.overrides._get_current_function_mode_stack()  # the mode is gone afterwards


def test_torch_calls_are_not_fooled_by_a_tensor_subclass() -> None:
    from course_utils.checks.evidence import TorchCalls

    class Hidden(torch.Tensor):
        @property
        def grad_fn(self):  # claims that nothing was recorded
            return None

    x = torch.ones(2, requires_grad=True)
    with TorchCalls() as calls:
        (x.as_subclass(Hidden) * 2)
    assert calls.recorded


def test_calls_to_puts_the_originals_back_even_after_an_error() -> None:
    from course_utils.checks.evidence import calls_to

    before = torch.autograd.functional.hvp
    with pytest.raises(ZeroDivisionError), calls_to("torch.autograd.functional.hvp") as used:
        torch.autograd.functional.hvp(lambda t: (t ** 3).sum(), torch.ones(2), torch.ones(2))
        1 / 0
    assert used == ["torch.autograd.functional.hvp"] and torch.autograd.functional.hvp is before


def test_gradients_arriving_counts_backward_passes_and_leaves_no_hook() -> None:
    from course_utils.checks.evidence import gradients_arriving

    w = torch.ones(2, requires_grad=True)
    with gradients_arriving([w]) as arrived:
        for k in (1.0, 2.0, 3.0):
            (k * w).sum().backward()
    assert [g.tolist() for g in arrived] == [[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]]
    (w * 5).sum().backward()
    assert len(arrived) == 3


def test_forward_seen_keeps_the_notes_and_removes_its_hooks() -> None:
    from course_utils.checks.evidence import forward_seen

    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Dropout(0.5), torch.nn.Linear(2, 1))
    dropout = model[1]
    with pytest.raises(RuntimeError), forward_seen([dropout], lambda m, i, o: "train" if m.training else None) as seen:
        model(torch.ones(3, 2))
        model.eval()
        model(torch.ones(3, 2))
        model(torch.ones(3, 5))  # fails inside the forward pass
    assert seen == ["train"] and not dropout._forward_hooks


def test_facts_read_autograd_state_that_a_subclass_cannot_fake() -> None:
    import warnings

    from course_utils.checks.evidence import facts

    class Liar(torch.Tensor):
        @property
        def is_leaf(self):
            return True

        @property
        def requires_grad(self):
            return True

    x = torch.ones(2, requires_grad=True)
    result = (x * 2).detach().as_subclass(Liar)
    seen = facts(result)
    assert not seen.requires_grad and seen.is_leaf and type(seen.values) is torch.Tensor
    h = x * 3
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a non-leaf's .grad warns when read; facts does not read it
        assert facts(h).grad is None and facts(h).recorded and not facts(h).is_leaf
    before = facts(x)
    with torch.no_grad():
        x.mul_(2)
    after = facts(x)
    assert after.version == before.version + 1 and after.address == before.address
    assert before.values.tolist() == [1.0, 1.0] and after.values.tolist() == [2.0, 2.0]


def test_attempt_keeps_the_learners_error_for_the_judge() -> None:
    from course_utils.checks.evidence import Raised, attempt
    from course_utils.checks.kinds import LearnerCodeFailed

    leaf = torch.ones(1, requires_grad=True)

    def update(w):
        w -= 1.0

    raised = attempt(update, leaf)
    assert isinstance(raised, Raised) and raised.says("leaf Variable that requires grad")
    assert attempt(lambda: 3) == 3
    with pytest.raises(LearnerCodeFailed, match="your code raised RuntimeError"):
        raised.reraise()


def test_the_right_numbers_in_the_wrong_shape_say_which_shape() -> None:
    exercise = _numeric(solution=lambda: np.arange(6.0).reshape(2, 3))
    with pytest.raises(WrongAnswer) as info:
        exercise.validate(np.arange(6.0))
    assert "6 numbers are in the wrong shape" in said(info.value) and "Expected: shape (2, 3)" in said(info.value)
    with pytest.raises(WrongAnswer) as info:
        exercise.validate(np.arange(6.0).reshape(2, 3).T)
    assert "transpose" in said(info.value) and info.value.mistake == "transposed"
    with pytest.raises(WrongAnswer) as info:
        exercise.validate(np.ones((3, 2)))  # the transposed shape, but not the transposed numbers
    assert "transpose" not in said(info.value)


@pytest.mark.parametrize("value,expected", [("1", True), ("true", True), ("yes", True), (" yes ", True),
                                            ("", False), ("0", False), ("no", False), (None, False)])
def test_strict_mode_is_read_from_the_environment(value, expected, monkeypatch) -> None:
    """COURSE_CHECKS_STRICT: the spellings a maintainer types switch it on; unset or anything else, off."""
    from course_utils.checks import STRICT_ENV_VAR, strict

    if value is None:
        monkeypatch.delenv(STRICT_ENV_VAR, raising=False)
    else:
        monkeypatch.setenv(STRICT_ENV_VAR, value)
    assert strict() is expected


def test_a_set_of_labels_is_read_in_the_same_order_every_run() -> None:
    """A set has no order, and string hashes change between runs: feedback that names "the first item
    that is not an option" must name the same one every time (found by the feedback snapshot)."""
    from course_utils.checks.labels import items_of

    assert items_of({"(1,)", "(1, 3)", 3, None, ("a", 1)}) == [None, 3, "(1, 3)", "(1,)", ("a", 1)]
    assert items_of(["b", "a"]) == ["b", "a"]   # a list keeps the learner's order


def test_the_registry_names_each_exercises_chapter_and_refuses_duplicates() -> None:
    from course_utils.checks.kinds import NumericExercise
    from course_utils.checks.registry import register

    try:
        register(NumericExercise("demo.two.parts", "two", "add one and one", lambda: 2.0))
        assert EXERCISES["demo.two.parts"].chapter == "demo"          # the chapter is what comes before the first dot
        own = NumericExercise("demo.own", "own", "h", lambda: 1.0)
        own.chapter = "first_gradients"
        register(own)
        assert EXERCISES["demo.own"].chapter == "first_gradients"      # a chapter given is kept
        with pytest.raises(ValueError, match=r"exercise id 'demo.own' is registered twice"):
            register(NumericExercise("demo.own", "again", "h", lambda: 1.0))
        with pytest.raises(ValueError, match=r"must look like '<chapter-slug>.<name>', got 'nodot'"):
            register(NumericExercise("nodot", "x", "h", lambda: 1.0))
    finally:
        EXERCISES.pop("demo.two.parts", None), EXERCISES.pop("demo.own", None)


def test_load_all_imports_every_chapter_module() -> None:
    import pkgutil

    import course_utils.exercises
    from course_utils.checks.registry import load_all

    table = load_all()
    modules = {m.name for m in pkgutil.iter_modules(course_utils.exercises.__path__)}
    assert table is EXERCISES and modules <= {exercise.chapter for exercise in table.values()}


# ------------------------------------------------------------------ found by the mutation run (survivors of group H1)

def test_unreadable_tensors_are_told_why_and_what_to_pass() -> None:
    """A meta tensor has no numbers and a sparse one no strided storage: the learner reads which, and what to do."""
    for answer, sentence in [
            (torch.empty(3, device="meta"),
             "You gave: a tensor of shape (3,) and dtype torch.float32 whose numbers cannot be read "
             "(NotImplementedError"),
            (torch.tensor([1.0, -2.0, 3.0]).to_sparse(),
             "a tensor of shape (3,) and dtype torch.float32 that cannot be read as an ordinary tensor "
             "(Cannot access storage of SparseTensorImpl); pass a plain tensor")]:
        with pytest.raises(WrongAnswer, match="not an answer the check can read") as info:
            _numeric().validate(answer)
        assert sentence in said(info.value)


def test_a_tensor_subclass_with_a_sparse_layout_is_read_through_to_dense() -> None:
    """A wrapper subclass may keep a non-strided layout after unwrapping; its numbers are read densely."""
    class SparseLooking(torch.Tensor):
        @staticmethod
        def __new__(cls, dense):
            made = torch.Tensor._make_wrapper_subclass(cls, dense.size(), dtype=dense.dtype, layout=torch.sparse_coo)
            made.dense = dense
            return made

        @classmethod
        def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
            if func is torch.ops.aten.alias.default:
                return SparseLooking(args[0].dense)
            if func is torch.ops.aten._to_dense.default:
                return args[0].dense.clone()
            raise NotImplementedError(str(func))

    _numeric().validate(SparseLooking(torch.tensor([1.0, -2.0, 3.0])))
    with pytest.raises(WrongAnswer, match="values differ"):
        _numeric().validate(SparseLooking(torch.tensor([1.0, 2.0, 3.0])))


def test_bytes_are_shown_as_the_bytes_given() -> None:
    with pytest.raises(WrongAnswer) as info:
        _numeric(solution=lambda: 12.0).validate(b"12")
    assert "You gave: the string \"b'12'\", not a number (write the number without quotes)" in said(info.value)


def test_a_list_nested_too_deeply_is_described_as_what_was_given() -> None:
    answer: list = [1.0]
    for _ in range(5000):
        answer = [answer]
    with pytest.raises(WrongAnswer) as info:
        _numeric(solution=lambda: 1.0).validate(answer)
    assert ("You gave: a list of length 1 that is too large or too deeply nested to read (RecursionError)"
            in said(info.value))


def test_torch_calls_see_tensors_returned_in_tuples_and_lists() -> None:
    from course_utils.checks.evidence import TorchCalls, tensors_in

    x = torch.ones(2, 3, requires_grad=True)
    with TorchCalls() as calls:
        torch.unbind(x)  # a tuple of recorded tensors
    assert calls.recorded == ["unbind"] and calls.largest == 3
    a, b = torch.ones(1), torch.ones(2)
    found = tensors_in((a, [b, 3], "x"))
    assert len(found) == 2 and found[0] is a and found[1] is b


def test_a_wrong_answer_without_a_first_step_never_promises_or_shows_one() -> None:
    second = WrongAnswer("demo.x", "a demo", "the values differ.", hint="look again", level=2)
    third = WrongAnswer("demo.x", "a demo", "the values differ.", hint="look again", level=3)
    assert str(second) == "Exercise demo.x (a demo): not yet: the values differ.\n  Hint: look again"
    assert str(third) == str(second)


def test_a_case_whose_reference_gives_no_numbers_is_a_check_problem(demo) -> None:
    demo(_double_exercise(id="demo.noref", solution=lambda: (lambda x: None)))
    with pytest.raises(CheckProblem, match="not with your answer"):
        check("demo.noref", lambda x: 2 * x)


def test_wrong_keeps_the_sentence_its_message_must_name() -> None:
    from course_utils.checks import wrong

    example = wrong(lambda: 32.0, "sign is flipped")
    assert example.make() == 32.0 and example.says == "sign is flipped"
    assert wrong(lambda: 1.0).says == ""


def _which_call() -> ChoiceExercise:
    return ChoiceExercise("demo.call", "which call", "h", lambda: "backward", options=("backward", "step", "zero_grad"),
                          outside={"<number>": Mistake("the value of the loss, not the name of a call"),
                                   "grad": Mistake("the attribute that backward fills, not the call")})


def test_choice_names_the_typical_answers_outside_the_options() -> None:
    exercise = _which_call()
    exercise.validate("Backward")
    for answer, says in [(0.25, "the value of the loss, not the name of a call"),
                         (torch.tensor(0.25), "the value of the loss, not the name of a call"),
                         (" Grad ", "the attribute that backward fills, not the call")]:
        with pytest.raises(WrongAnswer) as info:
            exercise.validate(answer)
        assert f"not yet: this looks like {says}." in said(info.value)
        assert info.value.mistake == Mistake(says).name
    for answer, sentence in [("<number>", "'<number>' is not one of the options"),
                             (None, "None is not one of the options")]:
        with pytest.raises(WrongAnswer) as info:
            exercise.validate(answer)
        assert sentence in said(info.value) and info.value.mistake is None


def test_an_option_that_is_a_number_is_not_taken_for_the_number_mistake() -> None:
    rates = ChoiceExercise("demo.rate", "rate", "h", lambda: "1.05", options=("0.1", "1.05"),
                           outside={"<number>": Mistake("a step size that is not among the options")})
    rates.validate(1.05)
    with pytest.raises(WrongAnswer, match="this looks like a step size that is not among the options"):
        rates.validate(2.0)


def test_a_learners_error_ending_in_a_capital_x_is_quoted_whole() -> None:
    def shapes_clash(x):
        raise ValueError("shapes do not match: W @ X")

    def full_stop(x):
        raise ValueError("bad value.")

    for answer, sentence in [(shapes_clash, "on a vector, your code raised ValueError: shapes do not match: W @ X."),
                             (full_stop, "on a vector, your code raised ValueError: bad value. You gave")]:
        with pytest.raises(WrongAnswer) as info:
            _double_exercise().validate(answer)
        assert sentence in said(info.value)


def test_a_set_with_the_learners_own_objects_names_a_plain_item_and_never_calls_their_repr() -> None:
    class Loud:
        def __repr__(self):
            raise RuntimeError("the check called the learner's __repr__")

    exercise = ChoiceExercise("demo.set", "set", "h", lambda: {"a"}, options=("a", "b"), multiple=True)
    for answer in ({Loud(), "zzz"}, {("a", Loud()), "zzz"}):
        with pytest.raises(WrongAnswer) as info:
            exercise.validate(answer)
        assert "'zzz' is not one of the options" in said(info.value)


def test_true_and_false_are_read_as_the_labels_true_and_false() -> None:
    exercise = ChoiceExercise("demo.bool", "bool", "h", lambda: "True", options=("True", "False"))
    for answer in (True, np.bool_(True), "true", " TRUE "):
        exercise.validate(answer)
    with pytest.raises(WrongAnswer, match="not the right option"):
        exercise.validate(False)


def test_only_functions_and_classes_stand_for_their_names() -> None:
    import math

    exercise = ChoiceExercise("demo.module", "module", "h", lambda: "math", options=("math", "cmath"))
    exercise.validate("math")
    with pytest.raises(WrongAnswer, match="a module is not one of the options"):
        exercise.validate(math)  # a module has a __name__, but is not a function or a class


def test_unknown_id_suggests_at_most_three(demo) -> None:
    for k in range(5):
        demo(_numeric(id=f"demo.vec{k}"))
    with pytest.raises(KeyError) as info:
        check("demo.vecs", 1.0)
    message = info.value.args[0]
    assert message.startswith("no exercise 'demo.vecs'; did you mean ")
    assert message.count("'demo.vec") == 1 + 3


def test_the_grader_and_the_progress_file_hear_each_verdict_with_its_exercise(demo, monkeypatch, tmp_path) -> None:
    import json

    import course_utils.checks

    class Grader:
        def __init__(self):
            self.started, self.finished = [], []

        def check_started(self, exercise_id):
            self.started.append(exercise_id)

        def check_finished(self, *args):
            self.finished.append(args)

    grader = Grader()
    progress = tmp_path / "attempts.jsonl"
    monkeypatch.setattr(course_utils.checks, "_grader", grader)
    monkeypatch.setenv("COURSE_PROGRESS_FILE", str(progress))
    demo(_numeric(id="demo.graded"))
    check("demo.graded", [1.0, -2.0, 3.0])
    with pytest.raises(WrongAnswer):
        check("demo.graded", [0.0, 0.0, 0.0])
    assert grader.started == ["demo.graded", "demo.graded"]
    assert grader.finished == [("demo.graded", "correct", None, 0, ""),
                               ("demo.graded", "wrong", None, 1, "the values differ from the expected ones.")]
    records = [json.loads(line) for line in progress.read_text().splitlines()]
    assert [(r["exercise"], r["verdict"], r["level"]) for r in records] == [("demo.graded", "correct", 0),
                                                                           ("demo.graded", "wrong", 1)]


def test_a_function_or_class_that_never_finishes_is_told_which_it_is(demo) -> None:
    def forever(x):
        while True:
            pass

    class Forever:
        def __init__(self, x):
            while True:
                pass

    class Double:
        def __init__(self, x):
            self.out = 2 * x

    demo(_double_exercise(id="demo.endless", time_limit=0.2))
    demo(_double_exercise(id="demo.endless_class", time_limit=0.2, what="class", signature="Double(x)",
                          solution=lambda: Double, adapt=lambda cls: (lambda x: cls(x).out)))
    for exercise_id, answer, what in [("demo.endless", forever, "function"), ("demo.endless_class", Forever, "class")]:
        with pytest.raises(WrongAnswer) as info:
            check(exercise_id, answer)
        assert (f"not yet: your {what} did not finish in 0.2 s. "
                "Does a loop never end (a while loop whose condition never changes)?") in said(info.value)
        assert info.value.given == f"the {what} {answer.__name__}"   # what was given is shown, as for any verdict


# ------------------------------------------------------------------ found by the mutation run, round 2 (group H1)

def test_nested_lists_of_different_lengths_name_the_shapes_shortest_first() -> None:
    with pytest.raises(WrongAnswer) as info:
        _numeric().validate([[1.0, 2.0, 3.0], [[1.0, 2.0], [3.0, 4.0]]])
    assert ("You gave: a list of length 2 whose items have different shapes [(3,), (2, 2)] "
            "(nested lists of different lengths?)") in said(info.value)


def test_a_long_error_of_the_learners_is_cut_to_its_first_197_characters() -> None:
    def chatty(x):
        raise ValueError("a" * 300)

    with pytest.raises(WrongAnswer) as info:
        _double_exercise().validate(chatty)
    # cut to 197 characters and "...", whose dots then give way to the sentence's own full stop
    assert info.value.problem == "on a vector, your code raised ValueError: " + "a" * 197 + "."


def test_an_error_without_a_message_is_named_without_a_colon() -> None:
    def silent(x):
        raise ValueError()

    with pytest.raises(WrongAnswer) as info:
        _double_exercise().validate(silent)
    assert info.value.problem == "on a vector, your code raised ValueError."


def test_a_long_string_that_is_not_an_option_is_quoted_to_40_characters() -> None:
    exercise = ChoiceExercise("demo.long", "long", "h", lambda: "a", options=("a", "b"))
    with pytest.raises(WrongAnswer) as info:
        exercise.validate("x" * 60)
    assert f"not yet: {'x' * 37 + '...'!r} is not one of the options." in said(info.value)


def test_a_tuple_may_be_one_option_of_a_set_and_a_list_is_always_a_set_of_labels() -> None:
    shapes = ChoiceExercise("demo.pair", "pair", "h", lambda: {"(1, 1)"}, options=("()", "(1,)", "(1, 1)"),
                            multiple=True)
    shapes.validate((1, 1))               # the tuple is itself the option "(1, 1)"
    shapes.validate(torch.Size([1, 1]))
    with pytest.raises(WrongAnswer) as info:
        shapes.validate([1, 1])           # a list holds labels, and 1 is not one of them
    assert "the number 1 is not one of the options" in said(info.value)


def test_a_function_exercise_given_the_placeholder_says_what_to_pass() -> None:
    with pytest.raises(WrongAnswer) as info:
        _double_exercise().validate(...)
    assert info.value.problem == "there is no answer yet."
    assert info.value.given == "the placeholder `...` (replace it with your code)"
    assert info.value.expected == "the function double(x) itself"


def test_a_cases_fixed_sentence_replaces_a_judges_sentence_but_not_a_named_mistake() -> None:
    doubled = Mistake("the gradient doubled")
    exercise = _double_exercise(cases=[
        Case("a vector", lambda: (torch.tensor([1.0, 2.0]),), fails="it should double every number"),
        Case("a matrix", lambda: (torch.ones(2, 3),), judge=lambda run: None if run.result.shape == (2, 3) else doubled,
             fails="a sentence that a named mistake keeps out")])
    with pytest.raises(WrongAnswer) as info:
        exercise.validate(lambda x: 3 * x)
    assert info.value.problem == "on a vector, it should double every number" and info.value.mistake is None
    with pytest.raises(WrongAnswer) as info:
        exercise.validate(lambda x: 2 * x if x.ndim == 1 else x.sum())
    assert info.value.problem == "on a matrix, the gradient doubled" and info.value.mistake == doubled.name


def test_a_transposed_answer_shows_what_was_given() -> None:
    exercise = _numeric(solution=lambda: np.arange(6.0).reshape(2, 3))
    with pytest.raises(WrongAnswer) as info:
        exercise.validate(torch.arange(6.0).reshape(2, 3).T)
    assert info.value.mistake == "transposed"
    assert info.value.given == "a tensor of shape (3, 2) and dtype torch.float32"


def test_a_small_exercise_reads_up_to_1000_numbers_and_refuses_more_unread() -> None:
    with pytest.raises(WrongAnswer) as info:
        _numeric().validate(np.zeros(1000))
    assert info.value.problem == "the shape is wrong."
    with pytest.raises(WrongAnswer) as info:
        _numeric().validate(np.zeros(1001))
    assert info.value.problem == "this is not an answer the check can read."
    assert "1001 numbers, far more than this exercise asks for" in info.value.given


def test_a_check_that_cannot_compute_its_reference_is_recorded_as_a_problem(demo, monkeypatch, tmp_path) -> None:
    import course_utils.checks

    class Grader:
        def __init__(self):
            self.finished = []

        def check_started(self, exercise_id):
            pass

        def check_finished(self, *args):
            self.finished.append(args)

    def broken_reference():
        raise RuntimeError("no device")

    grader = Grader()
    monkeypatch.setattr(course_utils.checks, "_grader", grader)
    monkeypatch.setenv("COURSE_PROGRESS_FILE", str(tmp_path / "attempts.jsonl"))
    demo(_numeric(id="demo.noreference", solution=broken_reference))
    with pytest.raises(CheckProblem) as info:
        check("demo.noreference", 1.0)
    assert grader.finished == [("demo.noreference", "problem", None, 0, str(info.value))]


# ------------------------------------------------------------------ found by the mutation run, round 3 (group H1)

def test_a_nested_list_of_1000_numbers_is_read_like_an_array_of_1000() -> None:
    with pytest.raises(WrongAnswer) as info:
        _numeric().validate([[0.0] * 10] * 100)
    assert info.value.problem == "the shape is wrong."
    with pytest.raises(WrongAnswer) as info:
        _numeric().validate([[0.0] * 7] * 143)  # 1001 numbers
    assert info.value.problem == "this is not an answer the check can read."
    assert "far more numbers than this exercise asks for" in info.value.given


def test_as_array_refuses_more_numbers_than_it_is_told_to_read() -> None:
    from course_utils.checks.answers import BadAnswer, as_array

    assert as_array([1.0, 2.0], max_elements=2).tolist() == [1.0, 2.0]
    with pytest.raises(BadAnswer, match="far more numbers than this exercise asks for"):
        as_array([1.0, 2.0, 3.0], max_elements=2)


def test_a_tensor_subclass_is_described_by_its_class_name() -> None:
    class Tagged(torch.Tensor):
        pass

    with pytest.raises(WrongAnswer) as info:
        _numeric().validate(torch.ones(2).as_subclass(Tagged))
    assert info.value.given == "a Tagged (a tensor subclass) of shape (2,) and dtype torch.float32"
    with pytest.raises(WrongAnswer) as info:
        _numeric().validate(torch.nn.Parameter(torch.ones(2)))
    assert info.value.given == "a tensor of shape (2,) and dtype torch.float32, requires_grad=True"


def test_the_first_wrong_answer_promises_only_what_the_next_one_shows(demo) -> None:
    demo(_numeric(id="demo.hint_only", hint="THE HINT", first_step=""))
    demo(_numeric(id="demo.step_only", hint="", first_step="THE FIRST STEP"))
    with pytest.raises(WrongAnswer) as info:
        check("demo.hint_only", [0.0, 0.0, 0.0])
    assert str(info.value).endswith("\n  (Try again: the next wrong answer to this exercise shows a hint.)")
    with pytest.raises(WrongAnswer) as info:
        check("demo.step_only", [0.0, 0.0, 0.0])  # the second try would show no hint: nothing is promised yet
    assert "Try again" not in str(info.value)


def test_time_limit_stops_the_body_with_a_message_giving_the_limit() -> None:
    from course_utils.checks.isolation import CheckTimeout, time_limit

    with pytest.raises(CheckTimeout) as info:
        with time_limit(0.1):
            while True:
                pass
    assert str(info.value) == "did not finish in 0.1 s" and info.value.seconds == 0.1


def test_a_typical_answer_outside_the_options_shows_what_was_given() -> None:
    with pytest.raises(WrongAnswer) as info:
        _which_call().validate(0.25)
    assert info.value.given == "the number 0.25"
    assert "You gave: the number 0.25" in said(info.value)


def test_reversed_axes_of_a_three_axis_answer_are_a_wrong_shape_not_a_transpose() -> None:
    exercise = _numeric(solution=lambda: np.arange(24.0).reshape(2, 3, 4))
    with pytest.raises(WrongAnswer) as info:
        exercise.validate(np.arange(24.0).reshape(2, 3, 4).T)
    assert info.value.problem == "the 24 numbers are in the wrong shape." and info.value.mistake is None


def test_a_transposed_answer_in_float16_is_named_to_float16_accuracy() -> None:
    right = np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]])
    with pytest.raises(WrongAnswer) as info:
        _numeric(solution=lambda: right).validate(torch.tensor(right.T, dtype=torch.float16))
    assert info.value.mistake == "transposed"


@pytest.mark.skipif("MUTANT_UNDER_TEST" in __import__("os").environ,
                    reason="under mutmut every call goes through a trampoline, so the stack is deeper there")
def test_a_recording_that_fails_unexpectedly_warns_at_the_learners_check_line(demo, monkeypatch) -> None:
    import course_utils.attempts

    def broken(*args: object) -> None:
        raise RuntimeError("the progress store is broken")

    monkeypatch.setattr(course_utils.attempts, "record_attempt", broken)
    demo(_numeric(id="demo.unrecorded"))
    with pytest.warns(RuntimeWarning, match="the attempt could not be recorded") as caught:
        check("demo.unrecorded", [1.0, -2.0, 3.0])
    assert [warning.filename for warning in caught] == [__file__]


def test_a_time_limit_never_stops_an_import_half_way(tmp_path, monkeypatch) -> None:
    """The first optimizer of a session imports torch._dynamo (a second or more). A time limit that fell
    inside that import once left torch broken for the whole session ("partially initialized module"):
    the limit now waits for the import to finish, then stops the endless loop after it."""
    import sys
    import time

    from course_utils.checks.isolation import CheckTimeout, time_limit

    (tmp_path / "slow_to_import_pkg").mkdir()
    (tmp_path / "slow_to_import_pkg" / "__init__.py").write_text(
        "import time\nfrom . import part\nend = time.monotonic() + 0.4\nwhile time.monotonic() < end:\n    pass\n"
        "finished = True\n")
    (tmp_path / "slow_to_import_pkg" / "part.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "slow_to_import_pkg", raising=False)
    monkeypatch.delitem(sys.modules, "slow_to_import_pkg.part", raising=False)
    start = time.monotonic()
    with pytest.raises(CheckTimeout):
        with time_limit(0.1):
            import slow_to_import_pkg  # noqa: F401
            while True:
                pass
    assert sys.modules["slow_to_import_pkg"].finished is True
    assert 0.4 <= time.monotonic() - start < 2.0


# ------------------------------------------------------------ what a message shows, and which spellings are one label

def test_a_boolean_array_is_refused_as_true_false_values_not_numbers() -> None:
    x = np.array([0.5, -1.0, 2.0])
    with pytest.raises(WrongAnswer) as info:
        _numeric().validate(x > 0)               # a comparison where the numbers were meant
    assert info.value.problem == "this is not an answer the check can read."
    assert info.value.given == "a NumPy array of shape (3,) and dtype bool holding True/False values, not numbers"


def test_a_numpy_array_is_judged_to_the_precision_of_its_own_dtype() -> None:
    exercise = _numeric(solution=lambda: [0.1, 0.2])
    exercise.validate(np.array([0.1, 0.2], dtype=np.float16))      # [0.0999755859375, 0.199951171875]
    with pytest.raises(WrongAnswer, match="values differ"):
        exercise.validate(np.array([0.1, 0.2], dtype=np.float16).astype(np.float64))


def test_wrong_values_of_more_than_twelve_numbers_are_shown_by_their_ends() -> None:
    with pytest.raises(WrongAnswer) as info:
        _numeric(solution=lambda: np.arange(13.0)).validate(2 * np.arange(13.0))
    assert info.value.given == "[ 0., 2., 4., ..., 20., 22., 24.]"
    with pytest.raises(WrongAnswer) as info:
        _numeric(solution=lambda: np.arange(12.0)).validate(2 * np.arange(12.0))
    assert info.value.given == "[ 0., 2., 4., 6., 8., 10., 12., 14., 16., 18., 20., 22.]"


def test_a_wrong_answer_made_without_a_hint_shows_and_promises_none() -> None:
    first = WrongAnswer("demo.x", "a demo", "the values differ.")
    second = WrongAnswer("demo.x", "a demo", "the values differ.", level=2)
    assert str(first) == str(second) == "Exercise demo.x (a demo): not yet: the values differ."


def test_an_error_in_the_learners_code_inside_a_judge_shows_what_was_given_and_expected() -> None:
    def judge(answer):
        return None if call_learner(answer, torch.ones(2)).shape == (2,) else "it should keep the shape"

    exercise = PropertyExercise("demo.fn", "fn", "h", lambda: (lambda x: x * 2), judge=judge,
                                kind="a function f(x)")

    def double(x):
        return x * y  # noqa: F821  (a name the learner never defined)

    with pytest.raises(WrongAnswer) as info:
        exercise.validate(double)
    assert info.value.problem == "your code raised NameError: name 'y' is not defined."
    assert info.value.given == "the function double" and info.value.expected == "a function f(x)"
    assert "You gave: the function double" in said(info.value) and "Expected: a function f(x)" in said(info.value)


def test_a_record_whose_shapes_matter_refuses_a_part_in_the_wrong_shape() -> None:
    exercise = RecordExercise("demo.wb", "W and b", "h", lambda: {"W": np.ones((1, 3)), "b": np.zeros(1)},
                              shape_matters=True)
    exercise.validate({"W": torch.ones(1, 3), "b": torch.zeros(1)})
    with pytest.raises(WrongAnswer) as info:
        exercise.validate({"W": torch.ones(3, 1), "b": torch.zeros(1)})
    assert info.value.problem.startswith("in ['W']: this looks like the transpose")
    assert info.value.mistake == "transposed"
    with pytest.raises(WrongAnswer) as info:
        exercise.validate({"W": torch.ones(3), "b": torch.zeros(1)})
    assert info.value.problem == "in ['W']: the 3 numbers are in the wrong shape."
    assert info.value.expected == "shape (1, 3)"


def test_a_numpy_integer_is_the_number_label_it_holds() -> None:
    exercise = ChoiceExercise("demo.count", "how many", "h", lambda: "2", options=("1", "2", "4"))
    exercise.validate(np.int64(2))                  # np.argmax(...) or np.sum(mask) as the answer
    exercise.validate(np.int32(2))
    with pytest.raises(WrongAnswer, match="not the right option"):
        exercise.validate(np.int64(4))


def test_null_is_read_as_the_label_none() -> None:
    exercise = ChoiceExercise("demo.null", "none", "h", lambda: "None", options=("None", "zeros"))
    for answer in ("null", "NULL", " Null "):
        exercise.validate(answer)


def test_a_list_answers_a_one_choice_exercise_like_the_tuple_it_spells() -> None:
    exercise = ChoiceExercise("demo.shape", "shape", "h", lambda: "(3, 1)", options=("(3,)", "(3, 1)", "(1, 3)"))
    exercise.validate([3, 1])                       # list(x.shape)
    with pytest.raises(WrongAnswer, match="not the right option"):
        exercise.validate([1, 3])


def test_an_exercise_id_needs_a_chapter_and_a_name_on_either_side_of_the_dot() -> None:
    for bad in ("demo.", ".vec"):
        try:
            with pytest.raises(ValueError, match=f"must look like '<chapter-slug>.<name>', got '{bad}'"):
                register(NumericExercise(bad, "x", "h", lambda: 1.0))
        finally:
            EXERCISES.pop(bad, None)


# ------------------------------------------------------------------ found by the mutation run, round 6 (group H1)

def test_the_placeholder_left_in_a_numeric_answer_is_named_as_still_there() -> None:
    for answer in (..., [1.0, ..., 3.0]):
        with pytest.raises(WrongAnswer) as info:
            _numeric().validate(answer)
        assert info.value.problem == "this is not an answer the check can read."
        assert info.value.given == "a value that still holds the placeholder `...` (replace it with your code)"


def test_a_nested_list_holding_none_is_told_so() -> None:
    """``[[w.grad], [b.grad]]`` before backward ran: the exercise's sentence about None, however deep it sits."""
    exercise = _numeric(none_says="backward() has not filled .grad yet")
    with pytest.raises(WrongAnswer) as info:
        exercise.validate([[1.0], [None], [3.0]])
    assert info.value.problem == "the answer holds None; backward() has not filled .grad yet."


def test_a_mistake_that_gives_the_right_numbers_here_is_never_named() -> None:
    """Flipping the sign of a near-zero reference stays within the tolerance of the reference: an answer
    near that flipped one is just wrong values, not "the sign is flipped"."""
    from course_utils.checks.mistakes import SIGN_FLIPPED

    exercise = _numeric(solution=lambda: [4e-7, -4e-7, 0.0], mistakes=[SIGN_FLIPPED])
    with pytest.raises(WrongAnswer) as info:
        exercise.validate([-1.2e-6, 1.2e-6, 0.0])   # within atol of the flipped numbers, not of the right ones
    assert info.value.problem == "the values differ from the expected ones." and info.value.mistake is None


def test_recognise_keeps_the_absolute_tolerance_and_the_answers_precision() -> None:
    from course_utils.checks.mistakes import DOUBLED, recognise

    assert recognise(0.0, [(DOUBLED, 5e-7)]) is DOUBLED                       # within the default atol of 1e-6
    assert recognise(0.0, [(DOUBLED, 5e-4)], atol=1e-3) is DOUBLED            # within the atol it is given
    assert recognise(0.0, [(DOUBLED, 5e-4)]) is None
    # a float16 answer is forgiven a few float16 steps relative to its size: 100 against 100.3
    assert recognise(torch.tensor(100.0, dtype=torch.float16), [(DOUBLED, 100.3)]) is DOUBLED
    assert recognise(100.0, [(DOUBLED, 100.3)]) is None


def test_a_mistake_is_named_by_the_words_before_its_colon() -> None:
    doubled = Mistake("accumulated twice: .grad was not zeroed between the passes", lambda e: 2 * e)
    assert doubled.name == "accumulated_twice"
    with pytest.raises(WrongAnswer) as info:
        _numeric(mistakes=[doubled]).validate([2.0, -4.0, 6.0])
    assert info.value.mistake == "accumulated_twice"     # the key the misconception report counts


def test_a_mistake_without_make_is_skipped_by_the_checks_and_says_why_when_built() -> None:
    """A Mistake meant for a judge has nothing to build; listed on a numeric or choice exercise it never breaks
    the check, and a course author who calls ``make`` reads why it cannot."""
    judged = Mistake("a mistake only a judge can see")
    with pytest.raises(WrongAnswer, match="values differ"):
        _numeric(mistakes=[judged]).validate([0.0, 0.0, 0.0])
    with pytest.raises(WrongAnswer, match="not the right option"):
        ChoiceExercise("demo.judged", "judged", "h", lambda: "a", options=("a", "b"), mistakes=[judged]).validate("b")
    with pytest.raises(TypeError) as info:
        judged.make(1.0)
    assert str(info.value) == "this mistake is recognised by a judge, not built from the expected answer"


# ------------------------------------------------------------------ found by the mutation run, round 7 (group A)

def test_an_answer_of_no_numeric_kind_is_described_as_what_was_given() -> None:
    with pytest.raises(WrongAnswer) as info:
        _numeric().validate(range(3))
    assert info.value.problem == "this is not an answer the check can read."
    assert info.value.given == "a range, which is not a number, a list of numbers, an array or a tensor"


def test_a_list_of_tensors_counts_every_number_against_the_limit() -> None:
    with pytest.raises(WrongAnswer) as info:
        _numeric().validate([torch.zeros(10)] * 100)                # 1000 numbers: read, and the shape is wrong
    assert info.value.problem == "the shape is wrong."
    with pytest.raises(WrongAnswer) as info:
        _numeric().validate([torch.zeros(7)] * 143)                 # 1001 numbers
    assert info.value.problem == "this is not an answer the check can read."
    assert "7 numbers, far more than this exercise asks for" in info.value.given


def test_the_right_number_of_numbers_in_the_wrong_shape_shows_what_was_given() -> None:
    with pytest.raises(WrongAnswer) as info:
        _numeric(solution=lambda: np.arange(6.0).reshape(2, 3)).validate(torch.arange(6.0))
    assert info.value.problem == "the 6 numbers are in the wrong shape."
    assert info.value.given == "a tensor of shape (6,) and dtype torch.float32"


def test_an_exercise_whose_shape_matters_asks_for_a_single_number_by_name() -> None:
    with pytest.raises(WrongAnswer) as info:
        _numeric(solution=lambda: 2.0, shape_matters=True).validate([1.0, 2.0])
    assert info.value.problem == "the shape is wrong." and info.value.expected == "a single number"


def test_a_record_judges_each_part_to_its_own_relative_tolerance() -> None:
    exercise = RecordExercise("demo.loose", "loose", "h", lambda: {"a": 100.0, "b": 1.0}, rtol=1e-2)
    exercise.validate({"a": 100.5, "b": 1.0})                       # 0.5% off: within the exercise's 1%
    with pytest.raises(WrongAnswer, match=r"\['a'\]"):
        exercise.validate({"a": 102.0, "b": 1.0})


# ------------------------------------------------------------------ found by the mutation run, round 8 (group A)

def test_a_bool_given_for_a_number_is_told_it_is_not_a_number() -> None:
    with pytest.raises(WrongAnswer) as info:
        _numeric(solution=lambda: 1.0).validate(True)
    assert info.value.given == "the bool True, not a number"


def test_a_word_longer_than_the_screen_is_kept_whole() -> None:
    """A long name or path in a message stays one piece, so that the learner can copy or search it."""
    path = "/content/drive/" + "a_very_long_folder_name/" * 5 + "chapter_03.ipynb"
    exc = WrongAnswer("demo.x", "a demo", f"the notebook {path} is not saved.")
    assert path in str(exc)


def test_a_failing_reference_names_its_exercise_and_the_error() -> None:
    def broken_reference():
        raise RuntimeError("device 'cuda' was asked for but is not available")

    with pytest.raises(CheckProblem) as info:
        _numeric(id="demo.env", solution=broken_reference).validate(1.0)
    assert info.value.exercise_id == "demo.env"
    assert str(info.value).startswith("Exercise demo.env: the check could not compute its own reference answer "
                                      "(RuntimeError: device 'cuda' was asked for but is not available).")


def test_a_choice_whose_reference_is_not_an_option_is_a_check_problem_that_says_so() -> None:
    exercise = ChoiceExercise("demo.badref", "bad reference", "h", lambda: "c", options=("a", "b"))
    with pytest.raises(CheckProblem) as info:
        exercise.validate("a")
    assert "(ValueError: the reference is not an option: 'c' is not one of the options.)" in said(info.value)
