"""Exercises of chapter 04, Gradients accumulate."""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from course_utils.checks import ChoiceExercise, Mistake, NumericExercise, PropertyExercise, register
from course_utils.checks.answers import as_array


def _grads_with_zeroing() -> list[list[float]]:
    W = torch.ones(3, requires_grad=True)
    grads = []
    for _ in range(4):
        out = (W * 2).sum()
        out.backward()
        grads.append(W.grad.tolist())
        W.grad.zero_()
    return grads


def _grad_after(k: int) -> float:
    """What autograd stores in W.grad after k backward calls of (2W).sum() without zeroing."""
    W = torch.ones(3, requires_grad=True)
    for _ in range(k):
        (W * 2).sum().backward()
    return W.grad[0].item()


def _judge_grad_after(answer: Any) -> str | None:
    if not callable(answer):
        return "pass the function itself (grad_after, without calling it)."
    for k in range(1, 7):
        predicted = as_array(answer(k))
        if not np.allclose(predicted, _grad_after(k)):
            return (f"for k = {k} your function gives {np.round(predicted, 4).tolist()}, but autograd stores "
                    "something else in each entry of W.grad.")
    return None


def _weight_decay_step() -> list[float]:
    p_zero = torch.tensor(2.0, requires_grad=True)
    p_none = torch.tensor(2.0, requires_grad=True)
    optimizer = torch.optim.SGD([p_zero, p_none], lr=0.1, weight_decay=0.1)
    p_zero.grad = torch.zeros_like(p_zero)
    optimizer.step()
    return [p_zero.item(), p_none.item()]


register(
    NumericExercise(
        id="gradients_accumulate.fix_the_loop",
        title="a loop whose every iteration sees the gradient [2, 2, 2]",
        hint="Two traps: backward() adds into .grad rather than replacing it, and appending W.grad itself "
             "appends the same tensor object every time, so a later in-place change shows up in every "
             "entry of the list. Record each gradient as a value of its own before anything changes it.",
        solution=_grads_with_zeroing,
        mistakes=[
            Mistake("gradients that kept adding up (2, 4, 6, 8): .grad was never reset",
                    lambda e: e * np.array([[1.0], [2.0], [3.0], [4.0]])),
            Mistake("the same .grad tensor stored four times and then zeroed in place: every entry shows "
                    "its final value 0. Store a copy, W.grad.tolist() or W.grad.clone()",
                    lambda e: 0 * e),
            Mistake("the same .grad tensor stored four times without zeroing: every entry shows its final "
                    "value 8", lambda e: 4 * e),
        ],
        wrong_examples=[
            lambda: [[2.0 * k] * 3 for k in range(1, 5)],
            lambda: [[0.0] * 3] * 4,
            lambda: [[8.0] * 3] * 4,
            lambda: [2.0, 2.0, 2.0],
        ],
    ),
    PropertyExercise(
        id="gradients_accumulate.grad_after_k_calls",
        title="predict W.grad after k backward calls without zeroing",
        hint="The usual mistake is to think each backward() replaces .grad. It adds to what .grad already "
             "holds. Ask what one call contributes to an entry, and how many contributions there are after "
             "k calls.",
        solution=lambda: (lambda k: 2.0 * k),
        judge=_judge_grad_after,
        kind="a function grad_after(k) that returns a number (one entry of W.grad)",
        wrong_examples=[lambda: (lambda k: 2.0), lambda: (lambda k: 2.0 ** k), lambda: (lambda k: 2.0 * (k + 1)),
                        lambda: 2.0],
    ),
    ChoiceExercise(
        id="gradients_accumulate.after_zero_grad",
        title="what a parameter's .grad holds after optimizer.zero_grad()",
        hint="The name zero_grad suggests a tensor of zeros, and before PyTorch 2.0 that was true. Its "
             "default changed to save memory and time: look at the output of the zero_grad() cell in this "
             "chapter, or at the default of its set_to_none argument.",
        options=("None", "zeros", "unchanged"),
        solution=lambda: "None",
        mistakes=[Mistake("that was the behaviour before PyTorch 2.0; today you get zeros only with "
                          "zero_grad(set_to_none=False)", lambda e: "zeros"),
                  Mistake("zero_grad() does reset the gradient; the question is what it leaves in its place",
                          lambda e: "unchanged")],
        wrong_examples=[lambda: "zeros", lambda: "unchanged", lambda: None],
    ),
    NumericExercise(
        id="gradients_accumulate.weight_decay_step",
        title="one SGD step with weight decay: a zero gradient versus None",
        hint="Do not treat a zero gradient and a missing one (None) as the same thing. With weight_decay, "
             "SGD adds weight_decay·p to the gradient of each parameter it updates; decide for each of the "
             "two whether SGD updates it at all.",
        solution=_weight_decay_step,
        mistakes=[
            Mistake("the parameter whose grad is None moved too: SGD skips parameters whose .grad is None",
                    lambda e: [e[0], e[0]]),
            Mistake("the zero-gradient parameter stayed put: weight decay moves it even with a zero gradient",
                    lambda e: [e[1], e[1]]),
            Mistake("the two values are swapped: the order is [p_zero, p_none]", lambda e: e[::-1]),
        ],
        wrong_examples=[lambda: [1.98, 1.98], lambda: [2.0, 2.0], lambda: [2.0, 1.98], lambda: [1.8, 2.0]],
    ),
)
