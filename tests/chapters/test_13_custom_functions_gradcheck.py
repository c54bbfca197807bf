"""Chapter 13 (custom Functions, gradcheck): a beginner's wrong answers, each rejected and named.

Found by playing the learner edition through a real kernel. Each case is the learner's code as
typed and the misconception's name the check must record (None where a plain sentence is the
right reply). The last test re-runs cells out of order, as a learner does.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from torch.autograd import gradcheck, gradgradcheck

from course_utils.checks import WrongAnswer, check, reset_attempts
from coursetools.paths import NOTEBOOK_DIR


@pytest.fixture(autouse=True)
def strict(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURSE_CHECKS_STRICT", "1")
    reset_attempts()


def outputs_after_rerunning(path, rerun: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """Run a chapter top to bottom in one kernel, then the cells ``rerun`` (by id) once more, in that order.

    Returns the stored outputs and the outputs of the re-runs, by cell id, as the sanitize rules read them.
    """
    import copy

    import nbformat
    from nbclient import NotebookClient

    from coursetools.notebooks import KERNEL_ARGS, apply_kernel_env
    from coursetools.sanitize import cell_text

    apply_kernel_env()
    nb = nbformat.read(path, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    by_id = {cell.get("id"): cell for cell in code}
    plan = copy.deepcopy(nb)
    plan.cells = [copy.deepcopy(cell) for cell in code] + [copy.deepcopy(by_id[i]) for i in rerun]
    NotebookClient(plan, timeout=120, kernel_name="python3", allow_errors=True, extra_arguments=KERNEL_ARGS,
                   resources={"metadata": {"path": str(NOTEBOOK_DIR)}}).execute()
    again = {cell.get("id"): cell_text(cell) for cell in plan.cells[len(code):]}
    return {i: cell_text(by_id[i]) for i in rerun}, again




def verdict(exercise_id: str, answer) -> WrongAnswer:
    with pytest.raises(WrongAnswer) as info:
        check(exercise_id, answer)
    return info.value


class _Forward(torch.autograd.Function):
    """forward and setup_context of Exercise 13.1 as the chapter gives them; each case adds a backward."""

    @staticmethod
    def forward(x, y):
        return x * torch.sin(y)

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, y = inputs
        ctx.save_for_backward(x, y)


def mul_sin(backward):
    return type("MulSin", (_Forward,), {"backward": staticmethod(backward)})


def always_both(ctx, g):
    x, y = ctx.saved_tensors
    return g * torch.sin(y), g * x * torch.cos(y)


def truthy_tuple(ctx, g):
    x, y = ctx.saved_tensors
    gx = gy = None
    if ctx.needs_input_grad:          # a non-empty tuple is always true
        gx, gy = g * torch.sin(y), g * x * torch.cos(y)
    return gx, gy


def indices_swapped(ctx, g):
    x, y = ctx.saved_tensors
    gx = g * torch.sin(y) if ctx.needs_input_grad[1] else None
    gy = g * x * torch.cos(y) if ctx.needs_input_grad[0] else None
    return gx, gy


def guarded(fx, fy):
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        return (fx(g, x, y) if ctx.needs_input_grad[0] else None, fy(g, x, y) if ctx.needs_input_grad[1] else None)
    return backward


def right(ctx, g):
    x, y = ctx.saved_tensors
    needs_x, needs_y = ctx.needs_input_grad
    return (g * torch.sin(y) if needs_x else None), (g * x * torch.cos(y) if needs_y else None)


def only_one(ctx, g):
    x, y = ctx.saved_tensors
    return g * torch.sin(y)


def summed(ctx, g):
    x, y = ctx.saved_tensors
    return (g * torch.sin(y)).sum(), (g * x * torch.cos(y)).sum()


class MulSinNotAFunction:
    """A class of the learner's own with an ``apply`` of its own, not a torch.autograd.Function: autograd would do
    the work, as for a plain function."""

    @classmethod
    def apply(cls, x, y):
        return x * torch.sin(y)


MUL_SIN_WRONG = [
    (mul_sin(always_both), "computed_unneeded_gradient"),
    (mul_sin(truthy_tuple), "computed_unneeded_gradient"),
    (mul_sin(indices_swapped), "none_for_a_needed_gradient"),
    (mul_sin(guarded(lambda g, x, y: g * x * torch.cos(y), lambda g, x, y: g * torch.sin(y))), "gradients_swapped"),
    (mul_sin(guarded(lambda g, x, y: torch.sin(y), lambda g, x, y: x * torch.cos(y))), "grad_output_dropped"),
    (mul_sin(guarded(lambda g, x, y: g * torch.sin(y), lambda g, x, y: x * torch.cos(y))), "grad_output_dropped"),
    (mul_sin(guarded(lambda g, x, y: g * torch.sin(y), lambda g, x, y: -g * x * torch.cos(y))),
     "sign_of_the_derivative_of_sin"),
    (mul_sin(guarded(lambda g, x, y: g * torch.sin(y), lambda g, x, y: g * torch.cos(y))), "dropped_a_factor"),
    (mul_sin(only_one), "one_gradient_per_input"),
    (mul_sin(summed), "gradient_of_the_wrong_shape"),
    (lambda x, y: x * torch.sin(y), None),               # a plain function: autograd would do the work
    (MulSinNotAFunction.apply, None),                    # an apply, but not a Function's
]


@pytest.mark.parametrize("answer,mistake", MUL_SIN_WRONG)
def test_mul_sin_wrong_answers_are_named(answer, mistake) -> None:
    assert verdict("custom_functions_gradcheck.mul_sin_backward", answer).mistake == mistake


def test_mul_sin_backward_that_raises_is_told_the_error_torch_raised() -> None:
    """An error that names no listed mistake (here a typo, ctx.saved_tensor) is quoted with its own message."""
    def typo(ctx, g):
        x, y = ctx.saved_tensor
        return g * torch.sin(y), g * x * torch.cos(y)

    wrong = verdict("custom_functions_gradcheck.mul_sin_backward", mul_sin(typo))
    assert wrong.mistake is None
    text = " ".join(str(wrong).split())
    assert ("on x and y of shape (4,), both requiring grad, backward() through your class raised AttributeError: "
            in text)
    assert "'MulSinBackward' object has no attribute 'saved_tensor'" in text  # the learner's class, as torch names it


def test_mul_sin_backward_that_ignores_ctx_but_adds_a_trailing_none_is_told_it_computed_an_unneeded_gradient() -> None:
    """torch accepts, and drops, extra None entries after the two gradients; the check must still see that both
    gradients were computed whatever ctx.needs_input_grad says."""
    def both_and_a_none(ctx, g):
        x, y = ctx.saved_tensors
        return g * torch.sin(y), g * x * torch.cos(y), None

    wrong = verdict("custom_functions_gradcheck.mul_sin_backward", mul_sin(both_and_a_none))
    assert wrong.mistake == "computed_unneeded_gradient"
    assert "on only x requiring grad" in " ".join(str(wrong).split())


def test_mul_sin_right_backward_with_a_trailing_none_is_accepted() -> None:
    def right_and_a_none(ctx, g):
        return (*right(ctx, g), None)

    check("custom_functions_gradcheck.mul_sin_backward", mul_sin(right_and_a_none))


def test_mul_sin_product_rule_applied_to_y_is_told_the_gradient_with_respect_to_y_is_not_the_right_one() -> None:
    """grad_output · (sin(y) + x · cos(y)) is none of the listed mistakes: the plain sentence names y and ∂z/∂y."""
    answer = mul_sin(guarded(lambda g, x, y: g * torch.sin(y), lambda g, x, y: g * (torch.sin(y) + x * torch.cos(y))))
    wrong = verdict("custom_functions_gradcheck.mul_sin_backward", answer)
    assert wrong.mistake is None
    assert ("on x and y of shape (4,), both requiring grad, the gradient with respect to y is not grad_output · ∂z/∂y "
            in " ".join(str(wrong).split()))


def test_mul_sin_backward_using_torch_where_as_an_if_is_quoted_torchs_error_cut_to_160_characters() -> None:
    """torch.where(needed, gradient, None) is refused by torch with a message of several hundred characters: the
    reply quotes it on one line, cut after 157 characters and marked with '...'."""
    def where_as_if(ctx, g):
        x, y = ctx.saved_tensors
        return (torch.where(ctx.needs_input_grad[0], g * torch.sin(y), None),
                torch.where(ctx.needs_input_grad[1], g * x * torch.cos(y), None))

    with pytest.raises(TypeError) as torch_error:
        torch.where(True, torch.ones(2), None)
    torch_text = " ".join(str(torch_error.value).split())
    assert len(torch_text) > 200
    wrong = verdict("custom_functions_gradcheck.mul_sin_backward", mul_sin(where_as_if))
    assert wrong.mistake is None
    assert (f"backward() through your class raised TypeError: {torch_text[:157]}... "
            in " ".join(str(wrong).split()))


def mul_sin_defined_in_a_function():
    def placeholder(ctx, g):
        raise NotImplementedError(f"{ctx._forward_cls.__qualname__} has no backward yet")

    class MulSin(_Forward):
        backward = staticmethod(placeholder)

    return MulSin


def test_mul_sin_backward_that_names_its_class_through_ctx_sees_the_learners_qualified_name() -> None:
    """The check runs a stand-in for the learner's class; a backward that quotes ctx._forward_cls (here a placeholder
    that raises) sees the qualified name of the class as the learner defined it, inside a function."""
    wrong = verdict("custom_functions_gradcheck.mul_sin_backward", mul_sin_defined_in_a_function())
    assert ("raised NotImplementedError: mul_sin_defined_in_a_function.<locals>.MulSin has no backward yet"
            in " ".join(str(wrong).split()))

def test_mul_sin_backward_that_prints_its_class_through_ctx_sees_the_learners_module() -> None:
    """The stand-in the check runs keeps the module of the learner's class too (in a notebook, __main__), so a
    backward that quotes ctx._forward_cls reads the class as the learner wrote it."""
    def placeholder(ctx, g):
        raise NotImplementedError(f"{ctx._forward_cls!r} has no backward yet")

    MulSin = mul_sin(placeholder)
    wrong = verdict("custom_functions_gradcheck.mul_sin_backward", MulSin)
    assert f"raised NotImplementedError: <class '{MulSin.__module__}.MulSin'> has no backward yet" in " ".join(
        str(wrong).split())


def test_mul_sin_instance_and_right_forms() -> None:
    cls = mul_sin(right)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        instance = cls()
    assert "an instance of the class" in str(verdict("custom_functions_gradcheck.mul_sin_backward", instance))
    check("custom_functions_gradcheck.mul_sin_backward", cls)
    check("custom_functions_gradcheck.mul_sin_backward", cls.apply)


def test_a_backward_that_ignores_needs_input_grad_passes_gradcheck_and_still_fails() -> None:
    """The exercise's point cannot be seen in the values: gradcheck alone accepts it."""
    cls = mul_sin(always_both)
    x, y = (torch.randn(3, dtype=torch.float64, requires_grad=True) for _ in range(2))
    assert gradcheck(cls.apply, (x, y))
    assert verdict("custom_functions_gradcheck.mul_sin_backward", cls).mistake == "computed_unneeded_gradient"


@pytest.mark.parametrize("answer,mistake", [
    ({"a"}, "gradcheck_seen_as_exact"), ({"a", "d"}, "float32_always_fails"),
    ({"a", "b", "d", "e"}, "float32_default_step_passes"), ({"a", "e"}, "tiny_error_fails"),
    ({"a", "c", "d", "e"}, "one_percent_error_passes"), ("a, d, e", None)])
def test_gradcheck_predictions_wrong_answers(answer, mistake) -> None:
    assert verdict("custom_functions_gradcheck.gradcheck_predictions", answer).mistake == mistake


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_gradcheck_predictions_hold_for_any_three_numbers_the_learner_runs_the_calls_on(
        seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The exercise invites the learner to run the five calls on an x64 of their own: the check's answer must not
    depend on which three numbers the check drew."""
    from course_utils.exercises.custom_functions_gradcheck import _gradcheck_predictions

    randn = torch.randn
    monkeypatch.setattr(torch, "randn", lambda *size, generator=None, **options: randn(
        *size, generator=torch.Generator().manual_seed(seed), **options))
    assert _gradcheck_predictions() == {"a", "d", "e"}


def test_gradcheck_predictions_accepts_other_spellings() -> None:
    for answer in (["A", "D", "E"], ("a", "d", "e"), {"a": 1, "d": 2, "e": 3}.keys()):
        check("custom_functions_gradcheck.gradcheck_predictions", answer)


def exact_by_autograd(f, x, h):
    x = x.detach().requires_grad_()
    (g,) = torch.autograd.grad(f(x).sum(), x, create_graph=True)
    (g2,) = torch.autograd.grad(g.sum(), x)
    return g2


def central_of_central(f, x, h):
    d = lambda t: (f(t + h) - f(t - h)) / (2 * h)  # noqa: E731 (as typed)
    return (d(x + h) - d(x - h)) / (2 * h)


@pytest.mark.parametrize("answer,mistake", [
    (lambda f, x, h: (f(x + h) - f(x) + f(x - h)) / h**2, "missing_the_2f"),
    (lambda f, x, h: (f(x + h) - 2 * f(x) + f(x - h)) / (2 * h**2), "divided_by_2h_squared"),
    (lambda f, x, h: (f(x + h) - 2 * f(x) + f(x - h)) / (h * 2), "divided_by_2h"),
    (lambda f, x, h: (f(x + 2 * h) - 2 * f(x + h) + f(x)) / h**2, "one_sided_second_difference"),
    (lambda f, x, h: (f(x + h) - f(x - h)) / (2 * h), "first_not_second_derivative"),
    (lambda f, x, h: (lambda x: (f(x + h) - 2 * f(x) + f(x - h)) / h**2)(x.float()), "second_difference_in_float32"),
    (exact_by_autograd, "autograd_instead_of_formula"),
    (central_of_central, "second_difference_with_step_2h"),
    (lambda f, x, h: ((f(x + h) - 2 * f(x) + f(x - h)) / h**2).sum().item(), None)])
def test_second_difference_wrong_answers(answer, mistake) -> None:
    assert verdict("custom_functions_gradcheck.second_difference", answer).mistake == mistake


def test_second_difference_with_the_sign_flipped_is_told_it_is_not_the_second_derivative() -> None:
    """(2f(x) − f(x + h) − f(x − h)) / h² is none of the listed mistakes: the plain sentence, on the first case."""
    wrong = verdict("custom_functions_gradcheck.second_difference",
                    lambda f, x, h: (2 * f(x) - f(x + h) - f(x - h)) / h**2)
    assert wrong.mistake is None
    assert ("on f = sin at five points, h = 1e-3, the result is not the second derivative to the accuracy the "
            "formula has at h = 1e-3") in " ".join(str(wrong).split())


def test_second_difference_names_the_mistake_in_a_result_flattened_on_the_2x3_case() -> None:
    """A result of six numbers for a 2×3 x is read in x's shape, so a mistake in it is still named: here an answer
    right on the vectors of the first two cases that halves, and flattens, only the matrix of the third."""
    def halved_on_a_matrix(f, x, h):
        result = (f(x + h) - 2 * f(x) + f(x - h)) / h**2
        return result if x.dim() == 1 else result.flatten() / 2

    wrong = verdict("custom_functions_gradcheck.second_difference", halved_on_a_matrix)
    assert wrong.mistake == "divided_by_2h_squared"
    assert "on f = x³ − x on a 2×3 tensor, h = 1e-3, exactly half the second derivative" in " ".join(str(wrong).split())


def test_second_difference_returning_the_three_points_unfolded_is_told_how_many_numbers_it_gave() -> None:
    """15 numbers for an x of 5 are read (the limit is 10 · 5 + 10) and counted, not refused as far too many."""
    wrong = verdict("custom_functions_gradcheck.second_difference",
                    lambda f, x, h: torch.stack([f(x - h), f(x), f(x + h)]))
    assert ("on f = sin at five points, h = 1e-3, it returned 15 numbers for an x of 5 elements: return one second "
            "derivative per element, shaped like x") in " ".join(str(wrong).split())


def test_second_difference_with_a_leading_axis_of_one_is_accepted_on_every_case() -> None:
    """Slicing the stacked points with 0:1 keeps a leading axis of size one: the numbers are right, so every case,
    the large step included, reads them in x's shape."""
    def sliced(f, x, h):
        values = f(torch.stack([x - h, x, x + h]))
        return (values[0:1] - 2 * values[1:2] + values[2:3]) / h**2

    check("custom_functions_gradcheck.second_difference", sliced)


def test_second_difference_by_the_five_point_stencil_is_told_it_is_not_the_three_point_formula() -> None:
    """The five-point formula is off the exact value by about h⁴/90 · f⁽⁶⁾ (1e-6 relative at h = 0.1): that is
    neither the three-point formula nor the exact value autograd gives, so it is not autograd_instead_of_formula."""
    def five_point(f, x, h):
        return (-f(x + 2 * h) + 16 * f(x + h) - 30 * f(x) + 16 * f(x - h) - f(x - 2 * h)) / (12 * h**2)

    wrong = verdict("custom_functions_gradcheck.second_difference", five_point)
    assert wrong.mistake is None
    assert ("on f = sin with a large step h = 0.1, where the formula's own error shows, at h = 0.1 the result differs "
            "from the three-point formula") in " ".join(str(wrong).split())


def test_second_difference_returning_a_table_over_13_step_sizes_is_told_it_is_far_more_numbers() -> None:
    """The step-size experiment of the chapter, one step per decade from 1e-13 to 1e-1, returned instead of one
    result: 65 numbers for an x of 5 is more than the 10 · 5 + 10 the check reads."""
    def table_over_steps(f, x, h):
        steps = torch.logspace(-13, -1, 13, dtype=torch.float64)
        return torch.stack([(f(x + s) - 2 * f(x) + f(x - s)) / s**2 for s in steps])

    wrong = verdict("custom_functions_gradcheck.second_difference", table_over_steps)
    assert wrong.mistake is None
    assert ("on f = sin at five points, h = 1e-3, it returned a tensor of shape (13, 5) and dtype torch.float64: "
            "65 numbers, far more than this exercise asks for") in " ".join(str(wrong).split())


def test_second_difference_names_the_step_2h_formula_in_a_bfloat16_result_at_the_large_step() -> None:
    """A mistake is named within the precision of the result's own dtype: here the central difference of central
    differences, exact enough at h = 1e-3 and returned in bfloat16 only at h = 0.1."""
    def central_of_central_rounded_at_large_steps(f, x, h):
        result = central_of_central(f, x, h)
        return result if h < 0.01 else result.to(torch.bfloat16)

    wrong = verdict("custom_functions_gradcheck.second_difference", central_of_central_rounded_at_large_steps)
    assert wrong.mistake == "second_difference_with_step_2h"


def right_as_python_floats(f, x, h):
    """The formula element by element, wrapped back with torch.tensor: a float32 tensor."""
    values = ((f(x + h) - 2 * f(x) + f(x - h)) / h**2).reshape(-1)
    return torch.tensor([v.item() for v in values]).reshape(x.shape)


def right_with_h_as_a_float32_tensor(f, x, h):
    h = torch.tensor(h)
    return (f(x + h) - 2 * f(x) + f(x - h)) / h**2


@pytest.mark.parametrize("answer", [right_as_python_floats, right_with_h_as_a_float32_tensor])
def test_second_difference_accepts_the_right_formula_rounded_to_float32_even_at_the_large_step(answer) -> None:
    """At h = 0.1 the answer is held to the formula within rounding, not to the last bits of float64."""
    check("custom_functions_gradcheck.second_difference", answer)


def test_second_difference_at_the_large_step_refuses_an_answer_off_the_formula_by_one_part_in_100000() -> None:
    """Close enough to the exact value at h = 1e-3, but at h = 0.1 the check compares with the formula itself."""
    wrong = verdict("custom_functions_gradcheck.second_difference",
                    lambda f, x, h: (f(x + h) - 2 * f(x) + f(x - h)) / h**2 * (1 + 1e-5))
    assert wrong.mistake is None
    assert ("on f = sin with a large step h = 0.1, where the formula's own error shows, at h = 0.1 the result differs "
            "from the three-point formula") in " ".join(str(wrong).split())


@pytest.mark.parametrize("answer", [
    lambda f, x, h: (f(x + h) - 2 * f(x) + f(x - h)) / h**2 * (1 + 5e-5),
    lambda f, x, h: (f(x + 0.02) - 2 * f(x) + f(x - 0.02)) / 0.02**2,
    lambda f, x, h: (f(x + 0.015) - 2 * f(x) + f(x - 0.015)) / 0.015**2])
def test_second_difference_slightly_off_at_h_1e_3_is_given_no_mistake_that_is_as_close_to_the_right_value(
        answer) -> None:
    """At h = 1e-3 the step-2h formula (and on exp the first derivative) lies within the naming tolerance of the
    exact f'': an answer slightly off the formula must get the plain sentence, not their names."""
    wrong = verdict("custom_functions_gradcheck.second_difference", answer)
    assert wrong.mistake is None
    assert "the result is not the second derivative to the accuracy the formula has at h = 1e-3" in " ".join(
        str(wrong).split())


def test_second_difference_with_a_step_of_its_own_is_refused_already_at_h_1e_3() -> None:
    """A fixed step of 0.02 instead of h leaves the formula's own error, h²/12 · f'''', at about 3e-5 of f'': more
    than the 1e-5 the cases at h = 1e-3 allow, so the first case refuses it, not only the large step."""
    wrong = verdict("custom_functions_gradcheck.second_difference",
                    lambda f, x, h: (f(x + 0.02) - 2 * f(x) + f(x - 0.02)) / 0.02**2)
    assert "not yet: on f = sin at five points, h = 1e-3, " in " ".join(str(wrong).split())


@pytest.mark.parametrize("answer,mistake", [
    ({"log_cosh"}, "tested_positive_inputs_only"), ({"leaky_relu"}, "tested_through_sum_only"),
    (set(), "found_no_bug"), ({"smooth_abs", "leaky_relu", "swish", "log_cosh"}, "all_flagged_float32"),
    ({"leaky_relu", "swish"}, None), ({"leakyrelu", "log_cosh"}, None)])
def test_find_the_buggy_wrong_answers(answer, mistake) -> None:
    assert verdict("custom_functions_gradcheck.find_the_buggy", answer).mistake == mistake


def test_find_the_buggy_accepts_the_two_buggy_backwards() -> None:
    check("custom_functions_gradcheck.find_the_buggy", {"leaky_relu", "log_cosh"})


def test_each_suspects_backward_has_the_bug_its_mistakes_describe() -> None:
    """Against autograd through each suspect's own forward, with both signs and a grad_output that is not all ones:
    smooth_abs and swish are right, leaky_relu's slope is ten times too large below 0 (grad_output kept), and
    log_cosh ignores grad_output (right through .sum() alone)."""
    from course_utils.exercises.custom_functions_gradcheck import SUSPECTS

    x = torch.linspace(-2, 2, 9, dtype=torch.float64)
    v = torch.linspace(0.5, 3, 9, dtype=torch.float64)
    grads = {}
    for name, f in SUSPECTS.items():
        t = x.clone().requires_grad_()
        f.apply(t).backward(v)
        s = x.clone().requires_grad_()
        (true,) = torch.autograd.grad(f.forward(s), s, v)
        grads[name] = t.grad, true
    for name in ("smooth_abs", "swish"):
        assert torch.allclose(*grads[name])
    mine, true = grads["leaky_relu"]
    assert torch.allclose(mine[x > 0], true[x > 0]) and torch.allclose(mine[x <= 0], 10 * true[x <= 0])
    mine, true = grads["log_cosh"]
    assert torch.allclose(mine, true / v) and not torch.allclose(mine, true)


def test_gradcheck_in_float32_flags_every_suspect() -> None:
    """Why all_flagged_float32 is a named mistake: the chapter's float32 trap, applied to the suspects."""
    from course_utils.exercises.custom_functions_gradcheck import SUSPECTS

    x = torch.linspace(-2, 2, 9).requires_grad_()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        flagged = {name for name, f in SUSPECTS.items() if not gradcheck(f.apply, (x,), raise_exception=False)}
    assert flagged == set(SUSPECTS)


class _Pow(torch.autograd.Function):
    @staticmethod
    def forward(x, n):
        return x**n

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, n = inputs
        ctx.save_for_backward(x)
        ctx.n = n


def pow_n(backward, once=False):
    method = torch.autograd.function.once_differentiable(backward) if once else backward
    return type("PowN", (_Pow,), {"backward": staticmethod(method)})


def pow_right(ctx, g):
    (x,) = ctx.saved_tensors
    return g * ctx.n * x ** (ctx.n - 1), None


def pow_detached(ctx, g):
    (x,) = ctx.saved_tensors
    return g * ctx.n * x.detach() ** (ctx.n - 1), None


def pow_numpy(ctx, g):
    (x,) = ctx.saved_tensors
    return g * ctx.n * torch.from_numpy(np.power(x.detach().numpy(), ctx.n - 1)), None


def pow_from_output(ctx, g):
    x, out = ctx.saved_tensors
    return g * ctx.n * out / x, None


class _PowSavingOutput(_Pow):
    @staticmethod
    def setup_context(ctx, inputs, output):
        x, n = inputs
        ctx.save_for_backward(x, output)
        ctx.n = n


def pow_no_grad(ctx, g):
    (x,) = ctx.saved_tensors
    with torch.no_grad():
        result = g * ctx.n * x ** (ctx.n - 1)
    return result, None


@pytest.mark.parametrize("answer,mistake", [
    (pow_n(lambda ctx, g: g * ctx.n * ctx.saved_tensors[0] ** (ctx.n - 1)), "one_gradient_per_input"),
    (pow_n(lambda ctx, g: (pow_right(ctx, g)[0], torch.tensor(0.0))), "gradient_for_a_non_tensor"),
    (pow_n(pow_detached), "backward_not_differentiable"),
    (pow_n(pow_numpy), "backward_not_differentiable"),
    (pow_n(pow_no_grad), "backward_not_differentiable"),
    (pow_n(pow_right, once=True), "marked_once_differentiable"),
    (pow_n(lambda ctx, g: (g * ctx.n * ctx.saved_tensors[0] ** ctx.n, None)), "power_not_lowered"),
    (pow_n(lambda ctx, g: (g * ctx.saved_tensors[0] ** (ctx.n - 1), None)), "dropped_the_factor_n"),
    (pow_n(lambda ctx, g: (ctx.n * ctx.saved_tensors[0] ** (ctx.n - 1), None)), "grad_output_dropped"),
    (type("PowN", (_PowSavingOutput,), {"backward": staticmethod(pow_from_output)}), "divided_by_x"),
    (pow_n(lambda ctx, g: (g * ctx.n * ctx.saved_tensors[0] ** ctx.n / ctx.saved_tensors[0], None)), "divided_by_x")])
def test_pow_wrong_answers(answer, mistake) -> None:
    assert verdict("custom_functions_gradcheck.pow_backward", answer).mistake == mistake


def test_pow_backward_that_calls_autograds_own_node_with_a_number_is_quoted_torchs_type_error() -> None:
    """Calling the grad_fn of x ** n with 1.0, as if seeding a backward, makes torch raise 'argument 0 is not a
    Variable': that is not a gradient returned for n, so the error itself is quoted."""
    def through_the_node(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (x ** ctx.n).grad_fn(1.0), None

    wrong = verdict("custom_functions_gradcheck.pow_backward", pow_n(through_the_node))
    assert wrong.mistake is None
    assert ("on x holding five numbers of both signs and n = 3, backward() through your class raised TypeError: "
            "argument 0 is not a Variable") in " ".join(str(wrong).split())


def test_a_backward_with_grad_output_detached_is_told_that_gradgradcheck_fails() -> None:
    """Both derivatives in x are right; only the derivative with respect to grad_output is lost."""
    answer = pow_n(lambda ctx, g: (g.detach() * ctx.n * ctx.saved_tensors[0] ** (ctx.n - 1), None))
    wrong = verdict("custom_functions_gradcheck.pow_backward", answer)
    assert wrong.mistake is None
    assert ("on x holding five numbers of both signs and n = 3, gradgradcheck fails: the derivative of your backward "
            "with respect to grad_output is not right (is grad_output detached?)") in " ".join(str(wrong).split())


def test_a_detached_backward_passes_gradcheck_but_not_gradgradcheck() -> None:
    """What 13.5 is about, in torch's own terms."""
    x = torch.randn(4, dtype=torch.float64, requires_grad=True)
    assert gradcheck(lambda t: pow_n(pow_detached).apply(t, 3), (x,))
    assert not gradgradcheck(lambda t: pow_n(pow_detached).apply(t, 3), (x,), raise_exception=False)
    assert gradgradcheck(lambda t: pow_n(pow_right).apply(t, 3), (x,))


def test_pow_function_that_calls_the_class_is_told_to_pass_the_class_itself() -> None:
    """The check calls a plain function on two tensors: one that wraps PowN.apply runs it, and is told apart from
    the class by the node it leaves on the result."""
    cls = pow_n(pow_right)
    wrong = verdict("custom_functions_gradcheck.pow_backward", lambda x, n: cls.apply(x, n))
    assert wrong.mistake is None
    assert ("pass the class PowN itself, not a function that calls it, so that the check can see its backward"
            in " ".join(str(wrong).split()))


def test_the_finite_difference_plot_after_the_checker_cell_prints_what_is_stored() -> None:
    """Issue: cell 20 (the step-size plot) run after cell 22 (which made x a 2x3 tensor) went wrong."""
    stored, again = outputs_after_rerunning(NOTEBOOK_DIR / "13_custom_functions_gradcheck.ipynb",
                                            rerun=["custom_functions_gradcheck-020", "custom_functions_gradcheck-024"])
    assert again == stored
