"""Exercises of chapter 09, Debugging clinic.

The "which of these raise?" exercise is judged against the real behaviour: its
reference answer is found by running each snippet of :data:`WHICH_RAISE` in
``try``/``except`` with the installed PyTorch, not by a hard-coded list.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import torch

from course_utils.checks import ChoiceExercise, Mistake, NumericExercise, PropertyExercise, register

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


def _which_raise() -> set[str]:
    return {label for label in WHICH_RAISE if run_snippet(label) is not None}


# --- the fix-this-cell exercises: references computed with torch on the CPU ----------------------------

NON_LEAF_X = [0.5, 1.0, 1.5]


def _non_leaf_grad() -> list[float]:
    x = torch.tensor(NON_LEAF_X, requires_grad=True)
    h = x**2
    h.retain_grad()
    torch.sin(h).sum().backward()
    return h.grad.tolist()


INPLACE_X = [0.0, 1.0, 2.0]


def _inplace_fixed() -> list[float]:
    x = torch.tensor(INPLACE_X, requires_grad=True)
    s = torch.sigmoid(x)
    s = s * 2
    s.sum().backward()
    return x.grad.tolist()


def _running_loss_data() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    torch.manual_seed(9)
    X = torch.randn(5, 3)
    Y = torch.randn(5)
    w = torch.zeros(3, requires_grad=True)
    return X, Y, w


def _running_loss() -> float:
    X, Y, w = _running_loss_data()
    total = 0.0
    for i in range(5):
        loss = (X[i] @ w - Y[i]) ** 2
        loss.backward()
        total += loss.item()
    return total


def _judge_running_loss(answer: object) -> str | None:
    if isinstance(answer, torch.Tensor):
        if answer.grad_fn is not None:
            return (f"the total is still a tensor with grad_fn={type(answer.grad_fn).__name__}: it keeps every "
                    "step's graph alive. Add plain numbers (loss.item()) instead.")
        return "the total is a tensor; the fix adds plain Python numbers, so the total should be a float."
    if isinstance(answer, bool) or not isinstance(answer, (int, float, np.floating)):
        return "pass the running total, a Python float."
    if not math.isclose(float(answer), _running_loss(), rel_tol=1e-4, abs_tol=1e-6):
        return "the total is a plain number now, but not the sum of the five losses."
    return None


SAFE_SQRT_INPUTS = [-2.0, -0.5, 0.0, 0.25, 4.0]


def _judge_safe_sqrt(fn: object) -> str | None:
    if not callable(fn):
        return "pass the function safe_sqrt itself (no parentheses)."
    from course_utils.device import get_device

    x = torch.tensor(SAFE_SQRT_INPUTS, dtype=torch.float32, device=get_device(), requires_grad=True)
    out = fn(x)
    if not isinstance(out, torch.Tensor) or out.shape != x.shape:
        return "safe_sqrt(x) must return a tensor with the shape of x."
    want_value = torch.where(x > 0, x.detach().clamp(min=0).sqrt(), torch.zeros_like(x)).detach()
    if not torch.allclose(out.detach().to(want_value), want_value):
        return "the values are wrong: sqrt(x) where x > 0 and 0 elsewhere."
    if out.grad_fn is None:
        return "the result carries no graph: no gradient can flow back to x."
    (grad,) = torch.autograd.grad(out.sum(), x, allow_unused=True)
    if grad is None:
        return "the result does not depend on x in the graph."
    if not torch.isfinite(grad).all():
        bad = [v for v, g in zip(SAFE_SQRT_INPUTS, grad.tolist()) if not math.isfinite(g)]
        return (f"the gradient is NaN or infinite at x = {bad}: the branch that where() throws away is still "
                "differentiated, so it must never see an x where sqrt breaks.")
    want_grad = torch.where(x > 0, 0.5 / x.detach().clamp(min=1e-12).sqrt(), torch.zeros_like(x))
    if not torch.allclose(grad, want_grad):
        return "the gradient is finite but wrong: it should be 1/(2·sqrt(x)) where x > 0 and 0 elsewhere."
    return None


def _safe_sqrt_reference(x: torch.Tensor) -> torch.Tensor:
    positive = x > 0
    return torch.where(positive, torch.sqrt(torch.where(positive, x, torch.ones_like(x))), torch.zeros_like(x))


def _single_where(x: torch.Tensor) -> torch.Tensor:
    return torch.where(x > 0, torch.sqrt(x), torch.zeros_like(x))


def _clamped_wrong(x: torch.Tensor) -> torch.Tensor:
    return torch.sqrt(x.clamp(min=0))  # values right, infinite gradient at 0


def _detached(x: torch.Tensor) -> torch.Tensor:
    return _safe_sqrt_reference(x).detach()


register(
    NumericExercise(
        id="debugging_clinic.fix_non_leaf_grad",
        title="read the gradient at the intermediate tensor h",
        hint="h = x**2 is an intermediate (non-leaf) tensor: the gradient flows through it during backward() "
             "but is thrown away unless you ask autograd to keep it, and you must ask before backward() runs "
             "(section 5). x.grad is the gradient at the leaf, a different tensor.",
        solution=_non_leaf_grad,
        mistakes=[Mistake("x.grad: the chain rule's extra factor dh/dx = 2x is in it; the exercise asks "
                          "for the gradient at h",
                          lambda e: e * 2 * np.array(NON_LEAF_X))],
        wrong_examples=[lambda: [2 * v * math.cos(v * v) for v in NON_LEAF_X],
                        lambda: [math.sin(v * v) for v in NON_LEAF_X],
                        lambda: None],
        none_says="this looks like the unfixed h.grad: autograd does not keep the gradient of a non-leaf "
                  "tensor unless it is asked to before backward() runs",
    ),
    NumericExercise(
        id="debugging_clinic.fix_inplace",
        title="x.grad once the in-place multiplication is fixed",
        hint="sigmoid saves its output s for the backward pass, and an in-place operation on s changes that "
             "saved tensor (its version goes from 0 to 1). Deleting the line loses the factor 2: keep the "
             "multiplication, but in a form that makes a new tensor (section 4).",
        solution=_inplace_fixed,
        mistakes=[Mistake("the gradient without the factor 2: the multiplication was removed instead of being "
                          "written out of place", lambda e: e / 2)],
        wrong_examples=[lambda: [v / 2 for v in _inplace_fixed()], lambda: [2.0, 2.0, 2.0], lambda: [0.0, 0.0, 0.0]],
    ),
    PropertyExercise(
        id="debugging_clinic.safe_sqrt",
        title="a square root with a finite gradient everywhere",
        hint="torch.where picks values, but backward differentiates both branches and multiplies the unused "
             "one by 0, and 0 × NaN (or 0 × inf) is still NaN. Correct values are not enough: sqrt itself must "
             "never receive an input where its derivative breaks, not even where its result is thrown away "
             "(section 9).",
        solution=lambda: _safe_sqrt_reference,
        judge=_judge_safe_sqrt,
        kind="a function safe_sqrt(x) -> tensor: sqrt(x) where x > 0, else 0, with finite gradients",
        wrong_examples=[lambda: _single_where, lambda: _clamped_wrong, lambda: _detached, lambda: torch.sqrt],
    ),
    PropertyExercise(
        id="debugging_clinic.running_loss",
        title="a running total of the loss that keeps no graph",
        hint="total += loss adds a tensor that carries its graph, so total keeps every step's graph alive. "
             "The running total should be built from plain Python numbers, which carry no graph (section 8).",
        solution=_running_loss,
        judge=_judge_running_loss,
        kind="the running total as a Python float",
        wrong_examples=[lambda: torch.tensor(_running_loss(), requires_grad=True) * 1,
                        lambda: torch.tensor(_running_loss()),
                        lambda: _running_loss() / 5,
                        lambda: "total"],
    ),
    ChoiceExercise(
        id="debugging_clinic.which_raise",
        title="which snippets raise an error",
        hint="Separate errors from silent failures: a NaN gradient or a .grad read on a non-leaf never stops "
             "the program. And look at the setting of each risky line: an in-place update inside "
             "torch.no_grad(), or a second backward() after retain_graph=True, is allowed.",
        options=tuple(WHICH_RAISE),
        multiple=True,
        solution=_which_raise,
        wrong_examples=[lambda: {"A", "D", "E", "F", "G", "H"},
                        lambda: {"A", "D", "E"},
                        lambda: {"A", "B", "D", "E", "H"},
                        lambda: {"A", "C", "D", "E", "H"}],
    ),
)
