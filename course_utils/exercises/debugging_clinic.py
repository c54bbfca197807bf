"""Exercises of chapter 09, Debugging clinic.

Each check looks at the evidence of the fix, not only at a number: 9.1 takes the tensor ``h``
itself (is it still the intermediate of the graph, and was its gradient kept?), 9.3 runs the
learner's ``safe_sqrt`` on inputs of its own and watches every step of the backward pass through
hooks on the graph's nodes (a NaN or an infinity hidden by a later step is still caught, on every
torch version, whatever ``clamp`` does at its boundary), and 9.4 looks at whether the total
still carries a graph. The "which of these raise?" exercise is judged against the real
behaviour: its reference is found by running each snippet of :data:`WHICH_RAISE` with the
installed PyTorch.
"""
from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import torch

from course_utils.checks import (
    DOUBLED,
    Case,
    ChoiceExercise,
    FunctionExercise,
    Mistake,
    PropertyExercise,
    Run,
    call_learner,
    register,
    wrong,
)
from course_utils.checks.answers import BadAnswer, describe, plain_tensor, read_numbers
from course_utils.checks.evidence import facts
from course_utils.checks.kinds import returns
from course_utils.checks.mistakes import recognise
from course_utils.checks.tolerance import close, close_tensors
from course_utils.device import get_device

SLUG = "debugging_clinic"

# --- "which of these raise?": the snippets the learner reads are exactly the ones run here -------------

WHICH_RAISE: dict[str, str] = {
    "A": "x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)\n"
         "y = x * 2\n"
         "y.backward()",
    "B": "x = torch.tensor(3.0, requires_grad=True)\n"
         "y = x ** 2\n"
         "y.backward(retain_graph=True)\n"
         "y.backward()",
    "C": "w = torch.ones(3, requires_grad=True)\n"
         "with torch.no_grad():\n"
         "    w -= 0.1",
    "D": "w = torch.ones(3, requires_grad=True)\n"
         "w -= 0.1",
    "E": "n = torch.arange(3, requires_grad=True)",
    "F": "x = torch.tensor([-1.0, 4.0], requires_grad=True)\n"
         "torch.where(x > 0, x.sqrt(), 0.0).sum().backward()",
    "G": "x = torch.ones(2, requires_grad=True)\n"
         "y = (x * 3).sum()\n"
         "y.backward()\n"
         "g = y.grad",
    "H": "x = torch.ones(3, requires_grad=True)\n"
         "y = x.exp()\n"
         "y.add_(1)\n"
         "y.sum().backward()",
}


def run_snippet(label: str) -> Exception | None:
    """Run one snippet of :data:`WHICH_RAISE` in a fresh namespace; return the exception it raised, or None.

    Warnings are silenced: a warning is not an error.

    >>> type(run_snippet("A")).__name__
    'RuntimeError'
    >>> run_snippet("C") is None
    True
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            exec(WHICH_RAISE[label], {"torch": torch})
        except Exception as exc:  # the point is to see which snippets raise
            return exc
    return None


def outcome(label: str) -> str:
    """One line: what running the snippet did ("runs" or the exception type and the message's first sentence)."""
    exc = run_snippet(label)
    if exc is None:
        return f"{label}: runs without an error"
    first = str(exc).split(":")[0].split(". ")[0].rstrip(".")
    return f"{label}: raises {type(exc).__name__}: {first}"


def show_snippets() -> None:
    """Print the snippets of exercise 9.5, each under its label."""
    print("\n".join(f"--- {label} ---\n{snippet}" for label, snippet in WHICH_RAISE.items()))


WHY: dict[str, str] = {
    "A": "section 1: backward() on three numbers",
    "B": "section 2: retain_graph=True kept the saved values for the second pass",
    "C": "section 3: inside torch.no_grad() the in-place update is not recorded, so it is allowed",
    "D": "section 3: the same update with tracking on",
    "E": "section 7: arange(3) makes integers",
    "F": "section 10: only a NaN gradient, which no error reports",
    "G": "section 6: only a warning, and y.grad is None",
    "H": "section 5: exp saved its output, and add_ changed it",
}


def show_outcomes() -> None:
    """Print what each snippet of exercise 9.5 really does with the installed PyTorch, and the section behind it."""
    print("\n".join(f"{outcome(label)}\n   ({WHY[label]})" for label in WHICH_RAISE))


def _which_raise() -> set[str]:
    return {label for label in WHICH_RAISE if run_snippet(label) is not None}


def _with(label: str):
    return lambda expected: set(expected) | {label}


def _without(label: str):
    return lambda expected: set(expected) - {label}


WARNING_COUNTED = Mistake("counting a warning as an error: reading .grad of a non-leaf only warns and gives None",
                          _with("G"), name="warning_counted_as_error")
NAN_COUNTED = Mistake("counting a NaN gradient as an error: NaN flows through backward() silently",
                      _with("F"), name="nan_counted_as_error")
RETAIN_IGNORED = Mistake("expecting every second backward() to fail: retain_graph=True on the first one keeps the "
                         "saved values", _with("B"), name="retain_graph_ignored")
NO_GRAD_IGNORED = Mistake("expecting every in-place change of a leaf to fail: inside torch.no_grad() autograd does "
                          "not record it, so it is allowed", _with("C"), name="no_grad_inplace_counted")
SAVED_OUTPUT_MISSED = Mistake("missing the in-place change of a saved output: exp keeps its result for backward(), "
                              "and changing it in place makes backward() fail", _without("H"),
                              name="saved_output_inplace_missed")
INTEGER_MISSED = Mistake("missing the integer tensor: only floating-point (and complex) tensors can require "
                         "gradients, and arange(3) makes integers", _without("E"), name="integer_requires_grad_missed")


def _grad_of(tensor: torch.Tensor) -> torch.Tensor:
    """``tensor.grad`` of a reference computation, which backward() has filled."""
    grad = tensor.grad
    assert grad is not None, "the reference computation ran backward()"
    return grad


# --- 9.1: the gradient at an intermediate tensor ------------------------------------------------------

NON_LEAF_X = [0.5, 1.0, 1.5]


def _non_leaf_h() -> torch.Tensor:
    x = torch.tensor(NON_LEAF_X, requires_grad=True, device=get_device())
    h = x**2
    h.retain_grad()
    torch.sin(h).sum().backward()
    return h


def _gradient_at_h() -> np.ndarray:
    return np.cos(np.array(NON_LEAF_X) ** 2)


def _gradient_at_x() -> np.ndarray:
    x = np.array(NON_LEAF_X)
    return 2 * x * np.cos(x**2)


H_NOT_KEPT = Mistake("h.grad is None: autograd passes the gradient through an intermediate tensor and drops it, "
                     "unless it is asked to keep it before backward() runs", name="non_leaf_grad_not_kept")
KEPT_TOO_LATE = Mistake("h was asked to keep its gradient, but only after backward() had run: the gradient had "
                        "already passed through and was dropped; ask before backward()", name="retain_grad_too_late")
MADE_A_LEAF = Mistake("h was made a leaf of its own (detached from x): its .grad is filled, but the graph from x "
                      "to out is cut and x.grad stays None; keep h the intermediate x**2 and keep its gradient",
                      name="non_leaf_detached_into_leaf")
PASSED_X = Mistake("this is x, the leaf, and its gradient carries the extra chain-rule factor dh/dx = 2x; the "
                   "exercise asks for h", name="leaf_instead_of_intermediate")
PASSED_H_GRAD = ("these are numbers, not h: pass h itself, the intermediate tensor, so that the check can see how "
                 "its gradient was kept")


def _judge_non_leaf(answer: Any) -> Any:
    if not isinstance(answer, torch.Tensor):
        try:
            numbers = read_numbers(answer, max_elements=1000)
        except BadAnswer:
            return f"pass h itself, the tensor h = x ** 2 of your fixed cell; this is {describe(answer)}"
        return (recognise(numbers, [(PASSED_H_GRAD, _gradient_at_h()), (PASSED_X, _gradient_at_x())])
                or f"pass h itself, the tensor h = x ** 2 of your fixed cell; this is {describe(answer)}")
    h = facts(answer)
    if h.values.numel() != 3:
        return f"h holds 3 numbers (x has three); this is {describe(answer)}"
    x = np.array(NON_LEAF_X)
    if h.is_leaf:
        typical = [(PASSED_X, x), (PASSED_X, _gradient_at_x()),
                   (MADE_A_LEAF, x**2) if h.requires_grad else (PASSED_H_GRAD, _gradient_at_h())]
        return (recognise(h.values, typical)
                or "this is a leaf tensor, not h: pass h, the intermediate tensor x ** 2 of your fixed cell")
    if not close_tensors(h.values, x**2):
        return "h does not hold x ** 2 for x = [0.5, 1.0, 1.5]: keep the exercise's x and h"
    if h.grad is None:
        return KEPT_TOO_LATE if h.retains_grad else H_NOT_KEPT
    want = _gradient_at_h()
    if close_tensors(h.grad, want):
        return None
    return (recognise(h.grad, [(DOUBLED, 2 * want)])
            or "h.grad holds the wrong numbers: it should be d out / d h, for out = sin(h).sum()")


def _h_unfixed() -> torch.Tensor:
    x = torch.tensor(NON_LEAF_X, requires_grad=True)
    h = x**2
    torch.sin(h).sum().backward()
    return h


def _h_kept_too_late() -> torch.Tensor:
    x = torch.tensor(NON_LEAF_X, requires_grad=True)
    h = x**2
    torch.sin(h).sum().backward()
    h.retain_grad()
    return h


def _h_made_a_leaf() -> torch.Tensor:
    x = torch.tensor(NON_LEAF_X, requires_grad=True)
    h = (x**2).detach().requires_grad_()
    torch.sin(h).sum().backward()
    return h


def _x_instead() -> torch.Tensor:
    x = torch.tensor(NON_LEAF_X, requires_grad=True)
    h = x**2
    torch.sin(h).sum().backward()
    return x


def _h_backward_twice() -> torch.Tensor:
    x = torch.tensor(NON_LEAF_X, requires_grad=True)
    h = x**2
    h.retain_grad()
    out = torch.sin(h).sum()
    out.backward(retain_graph=True)
    out.backward()
    return h


def _h_float64() -> torch.Tensor:
    x = torch.tensor(NON_LEAF_X, requires_grad=True, dtype=torch.float64)
    h = x * x
    h.retain_grad()
    torch.sin(h).sum().backward()
    return h


# --- 9.2: an in-place change of a saved output --------------------------------------------------------

INPLACE_X = [0.0, 1.0, 2.0]


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def _inplace_fixed() -> list[float]:
    x = torch.tensor(INPLACE_X, requires_grad=True)
    s = torch.sigmoid(x)
    s = s * 2
    s.sum().backward()
    return _grad_of(x).tolist()


def _through_data() -> list[float]:
    """What ``s.data.mul_(2)`` gives: sigmoid's backward reads its saved output, now doubled behind its back."""
    s = 2 * _sigmoid(np.array(INPLACE_X))
    return (s * (1 - s)).tolist()


def _factor_inside() -> list[float]:
    s = _sigmoid(2 * np.array(INPLACE_X))
    return (2 * s * (1 - s)).tolist()


def _values_of_s() -> list[float]:
    return (2 * _sigmoid(np.array(INPLACE_X))).tolist()


def _grad_scaled_by_hand() -> torch.Tensor:
    x = torch.tensor(INPLACE_X, requires_grad=True)
    torch.sigmoid(x).sum().backward()
    grad = _grad_of(x)
    grad *= 2
    return grad


FACTOR_DROPPED = Mistake("the gradient without the factor 2: the multiplication was removed (or its result thrown "
                         "away) instead of being written out of place", name="factor_two_dropped")
THROUGH_DATA = Mistake("the gradient of the .data trick: the error is gone, but sigmoid's backward reads its saved "
                       "output, which .data changed behind autograd's back, so the gradient is silently wrong",
                       name="inplace_through_data")
FACTOR_INSIDE = Mistake("the gradient of sigmoid(2x): the factor 2 went inside the sigmoid instead of multiplying "
                        "its output", name="factor_inside_sigmoid")
VALUES_OF_S = Mistake("the values of s = 2·sigmoid(x), not the gradient x.grad", name="output_instead_of_gradient")
SCALED_BY_HAND = Mistake("the right numbers, but x.grad was changed in place after backward() (its version counter "
                         "moved): the factor 2 belongs in the computation of s, where autograd sees it",
                         name="gradient_scaled_by_hand")


def _judge_inplace(answer: Any) -> Any:
    if isinstance(answer, torch.Tensor) and facts(answer).values.numel() != 3:
        return f"x.grad holds 3 numbers, one per element of x; this is {describe(answer)}"
    given = read_numbers(answer, max_elements=1000)
    if given.values.size != 3:
        return f"x.grad holds 3 numbers, one per element of x; this is {describe(answer)}"
    mine, want = given.values.reshape(-1), np.array(_inplace_fixed())
    if close(mine, want, eps=given.eps):
        if isinstance(answer, torch.Tensor) and facts(answer).version > 0:
            return SCALED_BY_HAND
        return None
    typical = [(FACTOR_DROPPED, want / 2), (THROUGH_DATA, _through_data()), (FACTOR_INSIDE, _factor_inside()),
               (VALUES_OF_S, _values_of_s()), (DOUBLED, 2 * want)]
    return recognise(given, typical) or "x.grad holds other numbers than the gradient of sum(2·sigmoid(x))"


# --- 9.3: a square root whose gradient is finite everywhere -------------------------------------------

def _safe_sqrt_reference(x: torch.Tensor) -> torch.Tensor:
    positive = x > 0
    return torch.where(positive, torch.sqrt(torch.where(positive, x, torch.ones_like(x))), torch.zeros_like(x))


def _sqrt_inputs(values: list, dtype: torch.dtype = torch.float32):
    def inputs() -> tuple:
        return (torch.tensor(values, dtype=dtype).to(get_device()).requires_grad_(),)

    return inputs


NAN_THROUGH_WHERE = Mistake("the gradient is NaN where x ≤ 0: sqrt still computes every element, and backward() "
                            "still differentiates the ones whose result is thrown away, giving 0 × NaN = NaN",
                            name="nan_through_where")
HIDDEN_INFINITY = Mistake("sqrt still receives those inputs where x ≤ 0 (a 0, or a negative number), where its "
                          "derivative is not finite, so a step of the backward pass computes inf or NaN. A later step "
                          "may drop it and the final gradient look fine, but that depends on the operation and the "
                          "torch version (clamp's gradient at 0 changed in torch 2.14)",
                          name="sqrt_still_sees_nonpositive")
DETACHED = Mistake("the result carries no graph (detached, or computed without tracking): no gradient can flow back "
                   "to x", name="result_detached")


def _finite(tensor: torch.Tensor) -> bool:
    with torch._C.DisableTorchFunctionSubclass():
        return bool(torch.isfinite(tensor.detach()).all())


def _graph_nodes(root: Any) -> list[Any]:
    nodes, stack, seen = [], [root], set()
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        nodes.append(node)
        stack.extend(next_node for next_node, _ in node.next_functions)
    return nodes


def _backward_watched(output: torch.Tensor, x: torch.Tensor) -> tuple[torch.Tensor | None, list[str]]:
    """x's gradient of ``output.sum()``, and the names of the graph's nodes that produced a NaN or an infinity."""
    bad: list[str] = []

    def watch(node: Any):
        def hook(grad_inputs: tuple, grad_outputs: tuple) -> None:
            if any(g is not None and not _finite(g) for g in grad_inputs) and node.name() not in bad:
                bad.append(node.name())
        return hook

    handles = [node.register_hook(watch(node)) for node in _graph_nodes(output.grad_fn)]
    try:
        with torch._C.DisableTorchFunctionSubclass():
            total = torch.Tensor.sum(output)
        (grad,) = call_learner(torch.autograd.grad, total, x, allow_unused=True)
    finally:
        for handle in handles:
            handle.remove()
    return grad, bad


def _judge_safe_sqrt(run: Run) -> Any:
    (x,), result = run.inputs, run.result
    if not isinstance(result, torch.Tensor):
        return f"it returned {describe(result)}; safe_sqrt(x) returns a tensor of the shape of x"
    output = plain_tensor(result)
    with torch._C.DisableTorchFunctionSubclass():
        shape, tracked = tuple(torch.Tensor.size(output)), output.requires_grad
    if shape != tuple(x.shape):
        return f"it returned a tensor of shape {shape} for an input of shape {tuple(x.shape)}"
    try:
        given = read_numbers(output)
    except BadAnswer:
        return ("its values contain NaN or infinity (the square root of a negative number?): safe_sqrt(x) is 0 "
                "where x ≤ 0")
    if not close(given.values, read_numbers(run.expected).values, eps=given.eps):
        return "the values are wrong: safe_sqrt(x) is sqrt(x) where x > 0 and 0 elsewhere"
    if not tracked:
        return DETACHED
    grad, bad = _backward_watched(output, x)
    if grad is None:
        return "the result does not depend on x in the graph: no gradient reaches x"
    (x_ref,) = run.expected_inputs
    (want,) = torch.autograd.grad(run.expected.sum(), x_ref)
    if not _finite(grad):
        with torch.no_grad():
            pairs = zip(x.detach().reshape(-1).tolist(), grad.reshape(-1).tolist())
            where = [v for v, g in pairs if not math.isfinite(g)]
        if any(math.isnan(g) for g in grad.reshape(-1).tolist()):
            return Mistake(f"{NAN_THROUGH_WHERE.says} (at x = {where})", name=NAN_THROUGH_WHERE.name)
        return Mistake(f"{HIDDEN_INFINITY.says} (here the final gradient is infinite at x = {where})",
                       name=HIDDEN_INFINITY.name)
    if bad:
        return Mistake(f"{HIDDEN_INFINITY.says} (here at {', '.join(bad)})", name=HIDDEN_INFINITY.name)
    given = read_numbers(grad)
    if not close(given.values, read_numbers(want).values, eps=given.eps):
        return "the gradient is finite but wrong: it should be 1/(2·sqrt(x)) where x > 0 and 0 elsewhere"
    return None


def _single_where(x: torch.Tensor) -> torch.Tensor:
    return torch.where(x > 0, torch.sqrt(x), torch.zeros_like(x))


def _clamped(x: torch.Tensor) -> torch.Tensor:
    return torch.sqrt(x.clamp(min=0))  # torch < 2.14: infinite gradient at 0; 2.14+: hidden by clamp's backward


def _relu_first(x: torch.Tensor) -> torch.Tensor:
    return torch.sqrt(torch.relu(x))


def _inner_where_zero(x: torch.Tensor) -> torch.Tensor:
    positive = x > 0
    return torch.where(positive, torch.sqrt(torch.where(positive, x, 0.0)), 0.0)


def _power_half(x: torch.Tensor) -> torch.Tensor:
    return torch.where(x > 0, x, 0.0) ** 0.5


def _nan_to_num(x: torch.Tensor) -> torch.Tensor:
    return torch.nan_to_num(torch.sqrt(x), nan=0.0)


def _detached(x: torch.Tensor) -> torch.Tensor:
    return _safe_sqrt_reference(x).detach()


def _abs_inside(x: torch.Tensor) -> torch.Tensor:
    return torch.sqrt(torch.abs(x) + 1.0) - 1.0


def _masked_assignment(x: torch.Tensor) -> torch.Tensor:
    out = torch.zeros_like(x)
    positive = x > 0
    out[positive] = torch.sqrt(x[positive])
    return out


def _clamp_small_then_mask(x: torch.Tensor) -> torch.Tensor:
    return torch.sqrt(x.clamp(min=1e-12)) * (x > 0)


def _python_scalar_branches(x: torch.Tensor) -> torch.Tensor:
    positive = x > 0
    return torch.where(positive, torch.where(positive, x, 1.0).sqrt(), 0.0)


# --- 9.4: a running total that keeps no graph ---------------------------------------------------------

def _running_loss_data() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(9)
    X = torch.randn(5, 3, generator=gen)
    Y = torch.randn(5, generator=gen)
    w = torch.zeros(3, requires_grad=True)
    return X, Y, w


def _losses() -> list[float]:
    X, Y, w = _running_loss_data()
    losses = []
    for i in range(5):
        loss = (X[i] @ w - Y[i]) ** 2
        loss.backward()
        losses.append(loss.item())
    return losses


def _running_loss() -> float:
    return sum(_losses())


KEEPS_GRAPH = Mistake("the total is still a tensor with a graph (a grad_fn): it keeps every step's graph alive. "
                      "Add plain numbers instead", name="total_keeps_graph")
AVERAGE = Mistake("the average of the five losses, not their total", name="average_instead_of_total")
LAST_ONLY = Mistake("only the last loss: the total was replaced at every step instead of added to",
                    name="total_replaced_not_added")


def _judge_running_loss(answer: Any) -> Any:
    if isinstance(answer, torch.Tensor):
        total = facts(answer)
        if total.values.numel() != 1:
            return f"the total is one number; this is {describe(answer)}"
        if total.recorded:
            return KEEPS_GRAPH
        if total.requires_grad:
            return "the total is a tensor that requires grad: the next += would start a graph again; add plain numbers"
    given = read_numbers(answer, max_elements=1000)
    if given.values.size != 1:
        return f"the total is one number, the sum of the five losses; this is {describe(answer)}"
    if close(given.values.reshape(-1), np.array([_running_loss()]), eps=given.eps):
        return None
    return (recognise(given, [(AVERAGE, _running_loss() / 5), (LAST_ONLY, _losses()[-1])])
            or "the total is a plain number now, but not the sum of the five losses (same data, same order?)")


register(
    PropertyExercise(
        id=f"{SLUG}.fix_non_leaf_grad",
        title="keep the gradient at the intermediate tensor h",
        hint="h = x**2 is an intermediate (non-leaf) tensor: the gradient flows through it during backward() but is "
             "thrown away unless you ask autograd to keep it, and you must ask before backward() runs (section 6). "
             "x.grad is the gradient at the leaf, a different tensor; h must stay the intermediate x**2.",
        first_step="Print h.is_leaf and h.requires_grad after the line that makes h: False and True, an intermediate "
                   "that is tracked. Section 6's fix is one call on h; it goes between that line and out.backward().",
        solution=_non_leaf_h,
        judge=_judge_non_leaf,
        kind="the tensor h (an intermediate x ** 2 whose .grad was kept)",
        none_says="this looks like h.grad of the unfixed cell (autograd does not keep the gradient of a non-leaf "
                  "tensor unless it is asked to before backward() runs); pass h itself",
        right_examples=[_h_float64],
        wrong_examples=[wrong(_h_unfixed, says=H_NOT_KEPT.says), wrong(_h_kept_too_late, says=KEPT_TOO_LATE.says),
                        wrong(_h_made_a_leaf, says=MADE_A_LEAF.says), wrong(_x_instead, says=PASSED_X.says),
                        wrong(_h_backward_twice, says=DOUBLED.says),
                        wrong(lambda: _non_leaf_h().grad, says=PASSED_H_GRAD),
                        wrong(lambda: _grad_of(_non_leaf_h()).tolist(), says=PASSED_H_GRAD),
                        wrong(lambda: None, says="pass h itself")],
    ),
    PropertyExercise(
        id=f"{SLUG}.fix_inplace",
        title="x.grad once the in-place multiplication is fixed",
        hint="sigmoid saves its output s for the backward pass, and an in-place operation on s changes that saved "
             "tensor (its version goes from 0 to 1). Deleting the line loses the factor 2, and going around the "
             "version counter leaves backward() reading a changed tensor: keep the multiplication, in a form that "
             "makes a new tensor (section 5).",
        first_step="Print s._version before and after the line with mul_: 0, then 1, and backward() expects 0. "
                   "Rewrite that one line so that s is bound to a new tensor, and leave the other lines as they are.",
        solution=lambda: torch.tensor(_inplace_fixed()),
        judge=_judge_inplace,
        kind="x.grad, a tensor of 3 numbers",
        mistakes=[FACTOR_DROPPED, THROUGH_DATA, FACTOR_INSIDE, VALUES_OF_S, SCALED_BY_HAND, DOUBLED],
        right_examples=[_inplace_fixed, lambda: np.array(_inplace_fixed())],
        wrong_examples=[wrong(lambda: [v / 2 for v in _inplace_fixed()], says=FACTOR_DROPPED.says),
                        wrong(_through_data, says=THROUGH_DATA.says), wrong(_factor_inside, says=FACTOR_INSIDE.says),
                        wrong(_values_of_s, says=VALUES_OF_S.says),
                        wrong(_grad_scaled_by_hand, says=SCALED_BY_HAND.says),
                        wrong(lambda: [2 * v for v in _inplace_fixed()], says=DOUBLED.says),
                        lambda: [0.0, 0.0, 0.0], wrong(lambda: _inplace_fixed()[:2], says="3 numbers")],
    ),
    FunctionExercise(
        id=f"{SLUG}.safe_sqrt",
        title="a square root with a finite gradient everywhere",
        hint="torch.where picks values, but backward() differentiates both branches and multiplies the unused one "
             "by 0, and 0 × NaN (or 0 × inf) is still NaN. Correct values are not enough: sqrt itself must never "
             "receive an input where its derivative breaks, not even where its result is thrown away (section 10).",
        first_step="Print what torch.sqrt receives in your function for x = torch.tensor([-2.0, 0.0, 4.0]): every "
                   "number must be greater than 0, even where the result is discarded. Build that input first, "
                   "then take its square root, then choose the outputs.",
        signature="safe_sqrt(x)",
        solution=returns(_safe_sqrt_reference),
        cases=[Case("the five inputs [-2, -0.5, 0, 0.25, 4]", _sqrt_inputs([-2.0, -0.5, 0.0, 0.25, 4.0]),
                    judge=_judge_safe_sqrt),
               Case("a 2 × 3 matrix with 0, -0.0 and negative entries",
                    _sqrt_inputs([[0.0, 9.0, -1.0], [1e-4, -0.0, 2.25]]), judge=_judge_safe_sqrt),
               Case("float64 inputs [-3, 0, 0.5]", _sqrt_inputs([-3.0, 0.0, 0.5], torch.float64),
                    judge=_judge_safe_sqrt)],
        right_examples=[returns(_masked_assignment), returns(_clamp_small_then_mask), returns(_python_scalar_branches)],
        wrong_examples=[wrong(returns(_single_where), says=NAN_THROUGH_WHERE.says),
                        wrong(returns(_nan_to_num), says=NAN_THROUGH_WHERE.says),
                        wrong(returns(_clamped), says=HIDDEN_INFINITY.says),
                        wrong(returns(_relu_first), says=HIDDEN_INFINITY.says),
                        wrong(returns(_inner_where_zero), says=HIDDEN_INFINITY.says),
                        wrong(returns(_power_half), says=HIDDEN_INFINITY.says),
                        wrong(returns(_detached), says=DETACHED.says),
                        wrong(returns(_abs_inside), says="the values are wrong"),
                        wrong(returns(torch.sqrt), says="its values contain NaN"),
                        wrong(lambda: _safe_sqrt_reference(torch.tensor([-2.0, 4.0])),
                              says="pass the function itself")],
    ),
    PropertyExercise(
        id=f"{SLUG}.running_loss",
        title="a running total of the loss that keeps no graph",
        hint="total += loss adds a tensor that carries its graph, so total keeps every step's graph alive. Build the "
             "running total from plain Python numbers, which carry no graph (section 9).",
        first_step="Print type(loss) and loss.grad_fn inside the loop: a tensor with a graph. Section 9 shows the "
                   "call that turns a one-number tensor into a plain Python float; add that to total instead.",
        solution=_running_loss,
        judge=_judge_running_loss,
        kind="the running total as a Python float",
        right_examples=[lambda: torch.tensor(_running_loss()), lambda: np.float64(_running_loss())],
        wrong_examples=[wrong(lambda: torch.tensor(_running_loss(), requires_grad=True) * 1, says=KEEPS_GRAPH.says),
                        wrong(lambda: _running_loss() / 5, says=AVERAGE.says),
                        wrong(lambda: _losses()[-1], says=LAST_ONLY.says),
                        wrong(lambda: _losses(), says="the total is one number"),
                        lambda: _running_loss() + 1.0,
                        lambda: "total"],
    ),
    ChoiceExercise(
        id=f"{SLUG}.which_raise",
        title="which snippets raise an error",
        hint="Separate errors from silent failures: a NaN gradient or a .grad read on a non-leaf never stops the "
             "program. And look at the setting of each risky line: an in-place update inside torch.no_grad(), or "
             "a second backward() after retain_graph=True, is allowed.",
        first_step="Go through the snippets one at a time and find each one's section in this chapter: the section "
                   "says whether its trigger stops with an error or fails silently. Then check each snippet's "
                   "setting (no_grad, retain_graph, an integer or float dtype).",
        options=tuple(WHICH_RAISE),
        multiple=True,
        solution=_which_raise,
        mistakes=[WARNING_COUNTED, NAN_COUNTED, RETAIN_IGNORED, NO_GRAD_IGNORED, SAVED_OUTPUT_MISSED, INTEGER_MISSED],
        right_examples=[lambda: sorted(_which_raise()), lambda: {label.lower() for label in _which_raise()},
                        lambda: dict.fromkeys(sorted(_which_raise())).keys()],
        wrong_examples=[wrong(lambda: _which_raise() | {"G"}, says=WARNING_COUNTED.says),
                        wrong(lambda: _which_raise() | {"F"}, says=NAN_COUNTED.says),
                        wrong(lambda: _which_raise() | {"B"}, says=RETAIN_IGNORED.says),
                        wrong(lambda: _which_raise() | {"C"}, says=NO_GRAD_IGNORED.says),
                        wrong(lambda: _which_raise() - {"H"}, says=SAVED_OUTPUT_MISSED.says),
                        wrong(lambda: _which_raise() - {"E"}, says=INTEGER_MISSED.says),
                        lambda: {"A", "D", "E", "F", "G", "H"},
                        lambda: {"A", "B", "D", "E", "H", "C"}],
    ),
)
