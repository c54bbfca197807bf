"""Exercises of chapter 07, Project: linear regression from scratch.

Every reference answer is computed here with torch on the CPU, from the course's data
file and the same seeds the chapter uses, through a private random generator so that
checking an answer never changes the learner's random numbers.
"""
from __future__ import annotations

from functools import lru_cache

import torch

from course_utils.checks import SIGN_FLIPPED, ChoiceExercise, Mistake, NumericExercise, RecordExercise, register

SLUG = "linear_regression_from_scratch"
LEARNING_RATES = ("0.01", "0.1", "0.5", "0.9", "1.05", "1.5")


@lru_cache(maxsize=None)
def _data() -> tuple[torch.Tensor, torch.Tensor]:
    """The chapter's X (1500, 1) and y (1500, 1), as float32 tensors on the CPU."""
    from course_utils.data import load_regression

    data = load_regression()
    X = torch.tensor(data.X, dtype=torch.float32)
    y = torch.tensor(data.y, dtype=torch.float32).reshape(-1, 1)
    return X, y


@lru_cache(maxsize=None)
def _new_data() -> tuple[torch.Tensor, torch.Tensor]:
    """Exercise 7.4's data: 200 points on 0.8·x + 3, drawn exactly as the chapter's cell draws them."""
    gen = torch.Generator().manual_seed(7)
    x = torch.rand(200, 1, generator=gen) * 4 - 2
    t = 0.8 * x[:, 0] + 3 + 0.2 * torch.randn(200, generator=gen)
    return x, t


def _seed4_params() -> tuple[torch.Tensor, torch.Tensor]:
    """w (1, 1) and b (1,) as the chapter's ``torch.manual_seed(4); Linear(1, 1)`` draws them."""
    gen = torch.Generator().manual_seed(4)
    w = torch.randn(1, 1, generator=gen).requires_grad_()
    b = torch.randn(1, generator=gen).requires_grad_()
    return w, b


def _train(X: torch.Tensor, y: torch.Tensor, steps: int = 30, lr: float = 0.1, zero: bool = True,
           direction: float = -1.0) -> tuple[float, float, list[float]]:
    """Gradient descent from the seed-4 start; the switches build the typical wrong variants."""
    w, b = _seed4_params()
    losses = []
    for _ in range(steps):
        loss = ((X @ w + b - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            for p in (w, b):
                p += direction * lr * p.grad
                if zero:
                    p.grad.zero_()
        losses.append(loss.item())
    return w.item(), b.item(), losses


def _grad_at_start() -> dict[str, float]:
    X, y = _data()
    w, b = _seed4_params()
    ((X @ w + b - y) ** 2).mean().backward()
    return {"w": w.grad.item(), "b": b.grad.item()}


def _trained_wb(**variant) -> list[float]:
    X, y = _data()
    w, b, _ = _train(X, y, **variant)
    return [w, b]


def _broadcast_wb() -> list[float]:
    X, y = _data()
    w, b, _ = _train(X, y.reshape(-1))
    return [w, b]


def _start_wb() -> list[float]:
    w, b = _seed4_params()
    return [w.item(), b.item()]


@lru_cache(maxsize=None)
def _diverging_labels() -> frozenset[str]:
    """The options whose loss at step 30 exceeds the loss at step 1 (180 training steps, so computed once)."""
    X, y = _data()
    labels = set()
    for label in LEARNING_RATES:
        _, _, losses = _train(X, y, lr=float(label))
        if losses[-1] > losses[0]:
            labels.add(label)
    return frozenset(labels)


def _diverging() -> set[str]:
    return set(_diverging_labels())


def _fixed_w() -> float:
    x, t = _new_data()
    return _train(x, t.reshape(-1, 1))[0]


def _broadcast_w() -> float:
    x, t = _new_data()
    return _train(x, t)[0]


register(
    ChoiceExercise(
        id=f"{SLUG}.diverging_learning_rates",
        title="which learning rates make 30 steps diverge",
        hint="'Diverge' is not about a learning rate looking big or small, but about lr times the loss's "
             "curvature (its second derivative along a parameter). Each step multiplies the distance to the "
             "bottom of the bowl by |1 − lr·curvature|, so the distance grows once lr·curvature > 2. Work "
             "out the second derivatives of mean((x·w + b − y)²) in w and in b for this X; the one that "
             "curves most sets the limit. Pass a set of the option strings.",
        options=LEARNING_RATES,
        multiple=True,
        solution=_diverging,
        wrong_examples=[lambda: {"1.5"}, lambda: {"0.9", "1.05", "1.5"}, lambda: {"0.5", "0.9", "1.05", "1.5"},
                        lambda: "1.05"],
    ),
    RecordExercise(
        id=f"{SLUG}.gradient_by_hand",
        title="the gradient of the MSE at the seed-4 start, without backward",
        hint="Three things are easy to get wrong in the derivative of L = mean((x·w + b − y)²): the factor "
             "that the square brings down, the mean over the 1500 samples (not a sum), and the sign: the "
             "residual x·w + b − y grows when w or b grows, and a residual written the other way round "
             "needs a minus sign from its inner derivative. Use y of shape (1500, 1).",
        solution=_grad_at_start,
        mistakes=[SIGN_FLIPPED,
                  Mistake("half the right value: the factor 2 from the square was dropped", lambda e: e / 2),
                  Mistake("1500 times the right value: a sum over the samples instead of a mean",
                          lambda e: e * 1500)],
        wrong_examples=[lambda: {k: -v for k, v in _grad_at_start().items()},
                        lambda: {k: v / 2 for k, v in _grad_at_start().items()},
                        lambda: {k: v * 1500 for k, v in _grad_at_start().items()},
                        lambda: {"w": _grad_at_start()["w"]}],
    ),
    NumericExercise(
        id=f"{SLUG}.my_step",
        title="[w, b] after 30 steps of your own step function",
        hint="A step does five things in order: forward, mean squared error, backward, an in-place update "
             "p -= lr * p.grad inside torch.no_grad(), then p.grad.zero_(). Rebinding (p = p - lr * p.grad) "
             "leaves the model's tensors unchanged, and skipping the zeroing lets gradients pile up.",
        solution=_trained_wb,
        mistakes=[Mistake("the parameters never moved: the update rebound a name (p = p - lr * p.grad) "
                          "instead of changing the model's tensor in place", lambda e: _start_wb()),
                  Mistake("gradients that were never zeroed: each step used the sum of all gradients so far",
                          lambda e: _trained_wb(zero=False)),
                  Mistake("the target of shape (1500,) broadcasting the loss into a 1500×1500 matrix",
                          lambda e: _broadcast_wb()),
                  Mistake("a step uphill: lr * grad was added instead of subtracted",
                          lambda e: _trained_wb(direction=+1.0))],
        wrong_examples=[_start_wb, lambda: _trained_wb(zero=False), _broadcast_wb,
                        lambda: _trained_wb(steps=29)],
        rtol=1e-4, atol=1e-4,
    ),
    NumericExercise(
        id=f"{SLUG}.fix_the_broadcast",
        title="w after 30 steps on the new data, with the target's shape fixed",
        hint="No error does not mean the shapes are right. Predictions of shape (200, 1) minus targets of "
             "shape (200,) broadcast to (200, 200): every prediction is compared with every target. Give the "
             "target one value per row (reshape to (200, 1)), or squeeze the prediction, and train again "
             "from the seed-4 start.",
        solution=_fixed_w,
        mistakes=[Mistake("the broken fit: the target still has shape (200,), so the loss compares every "
                          "prediction with every target", lambda e: _broadcast_w()),
                  Mistake("the starting weight: the model was not trained after the fix",
                          lambda e: _start_wb()[0])],
        wrong_examples=[_broadcast_w, lambda: _start_wb()[0], lambda: 0.8],
        rtol=1e-4, atol=1e-4,
    ),
)
