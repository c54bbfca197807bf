"""Exercises of chapter 06, Updating parameters by hand.

Exercise 6.1 is about the way of working: three in-place updates of the very tensor ``W``, under
``torch.no_grad()``, with the gradients reset in between. The check gets the tensors themselves
and reads the evidence from them: ``W`` must still be a leaf that requires grad (a rebinding
update, even only in the last step, makes a new tensor that is not), its version counter must
show in-place changes that autograd could see (an update through ``.data`` leaves it at 0), and
``W − W0`` must be exactly ``3·lr·xᵀ`` (the gradient is ``−xᵀ`` at every step, whatever the seed).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from course_utils.checks import (
    SIGN_FLIPPED,
    ChoiceExercise,
    Mistake,
    NumericExercise,
    PropertyExercise,
    register,
    wrong,
)
from course_utils.checks.answers import BadAnswer, as_array, describe, read_numbers
from course_utils.checks.evidence import facts
from course_utils.checks.isolation import seeded
from course_utils.checks.tolerance import close

SLUG = "updating_by_hand"
KEYS = ("W0", "b0", "W", "b", "x", "lr")


# ---------------------------------------------------------------- 6.1 three steps
def _three_steps(seed: int = 1, lr: float = 0.01, reset: bool = True, sign: float = 1.0, same_w0: bool = False,
                 last: str = "in place", update_b: bool = True) -> dict[str, Any]:
    """Three hand-written gradient-descent steps on loss = 1 − (x@W + b); the variants are typical bugs.

    ``last`` is how the last update of W is written: "in place" (right), "rebind" (``W = W - lr * W.grad``
    under no_grad), "rebind, recorded" (the same outside no_grad) or "data" (``W.data -= ...``, every step).
    """
    with seeded(seed):
        W: Any = torch.randn(10, 1).requires_grad_()
        b: Any = torch.randn(1).requires_grad_()
        x = torch.rand(1, 10)
    W0 = W if same_w0 else W.detach().clone()
    b0 = b.detach().clone()
    for step in range(3):
        loss = 1 - (x @ W + b)
        loss.backward()
        if last == "data":
            W.data -= sign * lr * W.grad
        elif step == 2 and last == "rebind, recorded":
            W = W - sign * lr * W.grad
        else:
            with torch.no_grad():
                if step == 2 and last == "rebind":
                    W = W - sign * lr * W.grad
                else:
                    W -= sign * lr * W.grad
        with torch.no_grad():
            if update_b:
                b -= sign * lr * b.grad
        if reset:
            W.grad = None
            b.grad = None
    return {"W0": W0, "b0": b0, "W": W, "b": b, "x": x, "lr": lr}


def _three_steps_zeroing() -> dict[str, Any]:
    """A right variant: reset with .zero_() at the start of each step (from the second on), update with sub_."""
    with seeded(7):
        W: Any = torch.randn(10, 1).requires_grad_()
        b: Any = torch.randn(1).requires_grad_()
        x = torch.rand(1, 10)
    W0, b0, lr = W.detach().clone(), b.detach().clone(), 0.05
    for _ in range(3):
        if W.grad is not None:
            W.grad.zero_()
            b.grad.zero_()
        (1 - (x @ W + b)).sum().backward()
        with torch.no_grad():
            W.sub_(lr * W.grad)
            b.sub_(lr * b.grad)
    return {"W0": W0.tolist(), "b0": b0.item(), "W": W, "b": b, "x": x.numpy(), "lr": np.float32(lr)}


REBOUND = Mistake(
    "W no longer requires grad: an update written W = W - lr * W.grad (even in the last step only) made a "
    "new tensor and pointed the name W at it; the next backward would never reach it.", name="rebinding_update")
REBOUND_RECORDED = Mistake(
    "W is the result of a recorded subtraction (it has a grad_fn), not a leaf: an update written "
    "W = W - lr * W.grad outside no_grad made a new tensor, and autograd recorded it.", name="rebinding_update")
NOT_IN_PLACE = Mistake(
    "W moved, but its version counter shows no in-place change that autograd saw: the updates went through "
    ".data (chapter 05 explains why the course avoids it), or W was replaced by a new tensor.",
    name="update_not_seen_by_autograd")
W0_IS_W = Mistake(
    "W0 is not a copy: W0 = W (or W.detach() without .clone()) shares W's memory, so the in-place updates "
    "changed it too and W − W0 is 0.", name="w0_aliases_w")
NOT_RESET = Mistake(
    "W moved by 6·lr·xᵀ instead of 3·lr·xᵀ: the gradients added up (1 + 2 + 3) because .grad was not "
    "reset between steps.", name="gradients_not_reset")
UPHILL = Mistake("W moved uphill: the update must subtract lr·W.grad, not add it.", name="step_uphill")
B_NOT_UPDATED = Mistake("b did not move: each step updates b as well as W.", name="b_not_updated")


def _judge_three_steps(answer: Any) -> Any:
    if not isinstance(answer, dict):
        return f"pass a dict with the keys {list(KEYS)}."
    missing = [key for key in KEYS if key not in set(dict.keys(answer))]
    if missing:
        return f"the dict is missing the key(s) {missing}."
    rate = as_array(dict.__getitem__(answer, "lr"))
    if rate.size != 1:
        raise BadAnswer(f"lr is {describe(dict.__getitem__(answer, 'lr'))}, not one number")
    lr = float(rate.reshape(()))
    if not lr > 0:
        return "lr must be a positive learning rate."
    if lr < 1e-4:
        return (f"lr = {lr:g} is too small to tell the steps apart from float32 rounding; use a learning "
                "rate such as 0.01.")
    given_W, given_W0 = dict.__getitem__(answer, "W"), dict.__getitem__(answer, "W0")
    if not isinstance(given_W, torch.Tensor):
        return (f"answer['W'] is {describe(given_W)}: pass the tensor W itself, so that "
                "the check can see whether it is still the leaf that autograd tracks.")
    W = facts(given_W)
    if isinstance(given_W0, torch.Tensor) and facts(given_W0).address == W.address:
        return W0_IS_W
    if W.recorded:
        return REBOUND_RECORDED
    if not W.requires_grad:
        return REBOUND
    W0, x, b, b0 = (as_array(dict.__getitem__(answer, key)) for key in ("W0", "x", "b", "b0"))
    read = read_numbers(dict.__getitem__(answer, "W"))
    Wn, eps = read.values, read.eps  # eps: the precision of W's dtype, which the tolerance allows for
    if Wn.shape != (10, 1) or W0.shape != (10, 1) or x.shape != (1, 10) or b.size != 1 or b0.size != 1:
        return (f"the shapes are W0 {W0.shape}, W {Wn.shape}, x {x.shape}, b0 {b0.shape}, b {b.shape}; "
                "expected (10, 1), (10, 1), (1, 10) and one number for b0 and b.")
    moved, step = Wn - W0, lr * x.T  # one correct step moves W by -lr * W.grad = lr * x^T

    def steps(k: float) -> bool:
        return close(moved, k * step, eps=eps)

    if steps(0):
        return "W equals W0: either nothing moved W, or W0 was copied after the steps instead of before them."
    if steps(6):
        return NOT_RESET
    if steps(-3):
        return UPHILL
    for k in (1, 2, 4, 5):
        if steps(k):
            return f"W moved by {k} steps' worth (lr·xᵀ each), not 3."
    if not steps(3):
        return "W − W0 is not 3·lr·xᵀ: check the update rule and the learning rate you passed."
    if W.version == 0:
        return NOT_IN_PLACE
    if np.array_equal(b.reshape(()), b0.reshape(())):
        return B_NOT_UPDATED
    if not close(b.reshape(()) - b0.reshape(()), np.asarray(3 * lr), eps=eps):
        return "b − b0 is not 3·lr: b.grad is −1 at every step, so three steps move b by 3·lr."
    return None


# ---------------------------------------------------------------- 6.2 b.grad after three passes
def _b_grad_unzeroed(passes: int = 3, factor: float = 2.0) -> float:
    """b.grad after ``passes`` backward calls through loss = 1 − (x@W + factor·b), with nothing reset.

    The exercise's loss counts b twice (factor 2), so that its per-pass gradient is not the chapter's −1.
    """
    with seeded(0):
        W = torch.randn(10, 1).requires_grad_()
        b: Any = torch.randn(1).requires_grad_()
        x = torch.rand(1, 10)
    for _ in range(passes):
        (1 - (x @ W + factor * b)).backward()
    return b.grad.item()


# ---------------------------------------------------------------- 6.3 which updates keep a leaf
def _keeps_a_leaf() -> set[str]:
    """The options after which W is a leaf that requires grad, found by running each one."""

    def fresh():
        W = torch.ones(3, requires_grad=True)
        (2 * W).sum().backward()
        return W

    def A(W, lr):
        with torch.no_grad():
            W = W - lr * W.grad
        return W

    def B(W, lr):
        with torch.no_grad():
            W -= lr * W.grad
        return W

    def C(W, lr):
        return W - lr * W.grad

    def D(W, lr):
        W -= lr * W.grad
        return W

    def E(W, lr):
        with torch.no_grad():
            W.sub_(lr * W.grad)
        return W

    kept = set()
    for label, update in zip("ABCDE", (A, B, C, D, E)):
        try:
            W = update(fresh(), 0.1)
        except RuntimeError:  # D: in-place change of a leaf while recording
            continue
        if W.is_leaf and W.requires_grad:
            kept.add(label)
    return kept


register(
    PropertyExercise(
        id=f"{SLUG}.three_steps",
        title="three correct hand-written steps move W by 3·lr·xᵀ",
        hint="Three slips are common here: W0 = W is a second name for the same tensor, not a copy, so an "
             "in-place update changes both; an update written W = ... makes a new tensor instead of changing "
             "W, even if only the last step is written that way; and a gradient that is never reset makes "
             "the steps add up.",
        first_step="Write one step first and look at it: after the update, print W.is_leaf, W.requires_grad "
                   "and W.grad. The update must change the numbers inside W itself while autograd is not "
                   "recording, and the reset must leave .grad empty for the next backward. Then loop.",
        solution=_three_steps,
        judge=_judge_three_steps,
        kind='a dict {"W0": ..., "b0": ..., "W": ..., "b": ..., "x": ..., "lr": ...} (tensors and a float)',
        mistakes=[REBOUND, REBOUND_RECORDED, NOT_IN_PLACE, W0_IS_W, NOT_RESET, UPHILL, B_NOT_UPDATED],
        right_examples=[_three_steps_zeroing, lambda: _three_steps(seed=3, lr=0.1)],
        wrong_examples=[
            wrong(lambda: _three_steps(last="rebind"), "W no longer requires grad"),
            wrong(lambda: _three_steps(last="rebind, recorded"), "result of a recorded subtraction"),
            wrong(lambda: _three_steps(last="data"), "version counter"),
            wrong(lambda: _three_steps(reset=False), "gradients added up"),
            wrong(lambda: _three_steps(same_w0=True), "W0 is not a copy"),
            wrong(lambda: _three_steps(sign=-1.0), "uphill"),
            wrong(lambda: _three_steps(update_b=False), "b did not move"),
            wrong(lambda: {k: v for k, v in _three_steps().items() if k != "lr"}, "missing the key"),
            wrong(lambda: {k: (v.tolist() if isinstance(v, torch.Tensor) else v) for k, v in _three_steps().items()},
                  "pass the tensor W itself"),
        ],
    ),
    NumericExercise(
        id=f"{SLUG}.b_grad_unzeroed",
        title="b.grad after three backward calls that nobody reset",
        hint="Two things decide the answer. ∂loss/∂b for this loss, where b enters as 2·b, is the same on "
             "every pass. And backward() does not start b.grad afresh: think about what it does with the value "
             ".grad already holds.",
        first_step="Work out ∂loss/∂b for one pass first: differentiate 1 − (x@W + 2·b) with respect to b, the "
                   "way the chapter differentiated 1 − (x@W + b). Then follow b.grad through the passes: what "
                   "does it hold after the first, and what does the second backward() do with that?",
        solution=_b_grad_unzeroed,
        mistakes=[SIGN_FLIPPED,
                  Mistake("the gradient of a single backward: nothing reset b.grad, so every pass adds "
                          "to it", lambda e: e / 3, name="backward_replaces_grad"),
                  Mistake("the value after two passes: the third pass adds to it as well",
                          lambda e: e * 2 / 3, name="counted_two_passes"),
                  Mistake("the running totals added up (1 + 2 + 3): each pass adds the same ∂loss/∂b once, "
                          "not what .grad held before", lambda e: e * 2, name="added_running_totals"),
                  Mistake("three passes of the chapter's loss: this loss counts b twice (2·b), so each pass "
                          "adds twice the chapter's ∂loss/∂b", lambda e: e / 2, name="factor_of_b_dropped"),
                  Mistake("the chapter's b.grad after one pass of its own loss: this loss counts b twice, and "
                          "three passes add up", lambda e: e / 6, name="chapter_value_copied")],
        wrong_examples=[lambda: -1.0, lambda: -2.0, lambda: -3.0, lambda: -4.0, lambda: 6.0, lambda: -12.0,
                        lambda: 0.0],
    ),
    ChoiceExercise(
        id=f"{SLUG}.keeps_a_leaf",
        title="which updates leave W a leaf that requires grad",
        hint="Two separate questions for each option: does the line change the tensor W, or make a new "
             "tensor and point the name W at it? And is autograd recording while it runs? The usual slip "
             "is to think that torch.no_grad() alone makes any update safe.",
        first_step="Take option A: under no_grad, W - lr * W.grad is computed as a new tensor that nothing "
                   "recorded, and W = ... points the name at it. Is that new tensor a leaf? Does it require "
                   "grad? Now ask the same two questions of each other option.",
        options=("A", "B", "C", "D", "E"),
        multiple=True,
        solution=_keeps_a_leaf,
        mistakes=[Mistake("the belief that torch.no_grad() alone makes any update safe: a rebinding update "
                          "under it leaves a tensor that does not require grad", lambda e: e | {"A"},
                          name="no_grad_makes_any_update_safe"),
                  Mistake("the belief that a method such as sub_ makes a new tensor where -= would not: "
                          "W.sub_(v) changes W in place, exactly like W -= v", lambda e: e - {"E"},
                          name="sub_is_not_in_place"),
                  Mistake("the belief that W -= v rebinds W, as W = W - v does: on a tensor, -= changes the "
                          "tensor itself, in place", lambda e: e - {"B"}, name="minus_equals_rebinds"),
                  Mistake("the belief that requiring grad is enough: a rebinding update outside no_grad "
                          "gives a tensor that requires grad but is no leaf", lambda e: e | {"C"},
                          name="requires_grad_is_enough"),
                  Mistake("the belief that an in-place update needs no no_grad: outside it, PyTorch refuses "
                          "to change a leaf that requires grad", lambda e: e | {"D"}, name="in_place_needs_no_no_grad"),
                  Mistake("the belief that any update that runs without an error keeps W trainable: both "
                          "rebinding updates make a new tensor", lambda e: e | {"A", "C"},
                          name="any_update_keeps_a_leaf")],
        right_examples=[lambda: ["E", "B"], lambda: ("b", "e")],
        wrong_examples=[lambda: {"B"}, lambda: {"E"}, lambda: {"A"}, lambda: "B", lambda: {"A", "C"}],
    ),
)
