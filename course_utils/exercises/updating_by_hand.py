"""Exercises of chapter 06, Updating parameters by hand."""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from course_utils.checks import SIGN_FLIPPED, ChoiceExercise, Mistake, NumericExercise, PropertyExercise, register
from course_utils.checks.answers import BadAnswer, as_array

KEYS = ("W0", "W", "x", "lr")


def _three_steps(seed: int = 1, lr: float = 0.01, zero: bool = True, sign: float = 1.0,
                 same_w0: bool = False) -> dict[str, Any]:
    """Three hand-written gradient-descent steps on loss = 1 − (x@W + b); the variants are typical bugs."""
    torch.manual_seed(seed)
    W = torch.randn(10, 1).requires_grad_()
    b = torch.randn(1).requires_grad_()
    x = torch.rand(1, 10)
    W0 = W if same_w0 else W.detach().clone()
    for _ in range(3):
        loss = 1 - (x @ W + b)
        loss.backward()
        with torch.no_grad():
            W -= sign * lr * W.grad
            b -= sign * lr * b.grad
        if zero:
            W.grad = None
            b.grad = None
    return {"W0": W0, "W": W, "x": x, "lr": lr}


def _judge_three_steps(answer: Any) -> str | None:
    if not isinstance(answer, dict):
        return f"pass a dict with the keys {list(KEYS)}."
    missing = [key for key in KEYS if key not in answer]
    if missing:
        return f"the dict is missing the key(s) {missing}."
    try:
        lr = float(answer["lr"])
    except (TypeError, ValueError):
        raise BadAnswer(f"lr is {answer['lr']!r}, not a number") from None
    if not lr > 0:
        return "lr must be a positive learning rate."
    if lr < 1e-4:
        return (f"lr = {lr:g} is too small to tell the steps apart from float32 rounding; use a learning "
                "rate such as 0.01.")
    W0, W, x = (as_array(answer[key]) for key in ("W0", "W", "x"))
    if W.shape != (10, 1) or W0.shape != (10, 1) or x.shape != (1, 10):
        return (f"the shapes are W0 {W0.shape}, W {W.shape}, x {x.shape}; expected (10, 1), (10, 1) "
                "and (1, 10).")
    moved = W - W0
    step = lr * x.T  # one correct step moves W by -lr * W.grad = lr * x^T

    def close(a: np.ndarray, b: np.ndarray) -> bool:
        return np.allclose(a, b, rtol=1e-3, atol=1e-5)

    if close(moved, 3 * step):
        return None
    if close(moved, 0 * step):
        return ("W equals W0: either nothing moved W, or W0 is the very tensor W (an in-place update "
                "changes both); keep W.detach().clone() as W0 before the steps.")
    if close(moved, 6 * step):
        return ("W moved by 6·lr·xᵀ instead of 3·lr·xᵀ: the gradients added up (1 + 2 + 3) because .grad "
                "was not reset between steps.")
    if close(moved, -3 * step):
        return "W moved uphill: the update must subtract lr·W.grad."
    for k in (1, 2, 4, 5):
        if close(moved, k * step):
            return f"W moved by {k} steps' worth (lr·xᵀ each), not 3."
    return "W − W0 is not 3·lr·xᵀ: check the update rule and the learning rate you passed."


def _b_grad_unzeroed(passes: int = 3) -> float:
    torch.manual_seed(0)
    W = torch.randn(10, 1).requires_grad_()
    b = torch.randn(1).requires_grad_()
    x = torch.rand(1, 10)
    for _ in range(passes):
        (1 - (x @ W + b)).backward()
    return b.grad.item()


register(
    PropertyExercise(
        id="updating_by_hand.three_steps",
        title="three correct hand-written steps move W by 3·lr·xᵀ",
        hint="Three slips are common here: W0 = W is a second name for the same tensor, not a copy, so an "
             "in-place update changes both; an update written W = ... makes a new tensor instead of changing "
             "W; and a gradient that is never reset makes the steps add up.",
        solution=_three_steps,
        judge=_judge_three_steps,
        kind='a dict {"W0": ..., "W": ..., "x": ..., "lr": ...} (tensors and a float)',
        wrong_examples=[lambda: _three_steps(zero=False), lambda: _three_steps(same_w0=True),
                        lambda: _three_steps(sign=-1.0),
                        lambda: {k: v for k, v in _three_steps().items() if k != "lr"}],
    ),
    NumericExercise(
        id="updating_by_hand.b_grad_unzeroed",
        title="b.grad after three backward calls that nobody reset",
        hint="The trap is to think each backward() starts b.grad afresh. ∂loss/∂b is the same on every "
             "pass; what matters is what backward() does with the value .grad already holds.",
        solution=_b_grad_unzeroed,
        mistakes=[SIGN_FLIPPED,
                  Mistake("the gradient of a single backward: nothing reset b.grad, so every pass adds "
                          "to it", lambda e: e / 3),
                  Mistake("the value after two passes, as in the chapter: the third pass adds to it as well",
                          lambda e: e * 2 / 3)],
        wrong_examples=[lambda: -1.0, lambda: -2.0, lambda: 3.0, lambda: 0.0],
    ),
    ChoiceExercise(
        id="updating_by_hand.keeps_a_leaf",
        title="which updates leave W a leaf that requires grad",
        hint="Two separate questions for each option: does the line change the tensor W, or make a new "
             "tensor and point the name W at it? And is autograd recording while it runs? The usual slip "
             "is to think that torch.no_grad() alone makes any update safe.",
        options=("A", "B", "C", "D", "E"),
        multiple=True,
        solution=lambda: {"B", "E"},
        wrong_examples=[lambda: {"A", "B", "E"}, lambda: {"B"}, lambda: {"B", "D", "E"}, lambda: "B"],
    ),
)
