"""Exercises of chapter 01, First gradients."""
from __future__ import annotations

import torch

from course_utils.checks import SIGN_FLIPPED, ChoiceExercise, Mistake, NumericExercise, register


def _perceptron_grad() -> float:
    W = torch.tensor(1.0, requires_grad=True)
    loss = (W * 2.0 - 10.0) ** 2
    loss.backward()
    return W.grad.item()


def _two_variable_grads() -> list[float]:
    p = torch.tensor(2.0, requires_grad=True)
    q = torch.tensor(-1.0, requires_grad=True)
    (p**2 * q + 3 * q).backward()
    return [p.grad.item(), q.grad.item()]


register(
    NumericExercise(
        id="first_gradients.perceptron_by_hand",
        title="dL/dW for the one-weight perceptron",
        hint="L is the square of (W·x − t), so the chain rule gives two factors: the derivative of the square "
             "(which brings down a 2) and the derivative of the inside with respect to W. Dropping either "
             "factor is the usual slip, and so is losing the sign: W·x − t is negative at W = 1.",
        solution=lambda: -32.0,
        mistakes=[SIGN_FLIPPED,
                  Mistake("a factor of 2 or of x was dropped (the chain rule's inner derivative x, "
                          "or the 2 from the square)", lambda e: e / 2),
                  Mistake("both the 2 from the square and the inner derivative x were dropped", lambda e: e / 4)],
        wrong_examples=[lambda: 32.0, lambda: -16.0, lambda: 64.0],
    ),
    NumericExercise(
        id="first_gradients.perceptron_step",
        title="one gradient-descent step for the perceptron",
        hint="Gradient descent moves against the gradient: W_new = W − lr · dL/dW. With a negative "
             "gradient, W must grow.",
        solution=lambda: 1.0 - 0.01 * _perceptron_grad(),
        mistakes=[Mistake("a step uphill: the gradient was added instead of subtracted",
                          lambda e: 1.0 + 0.01 * _perceptron_grad())],
        wrong_examples=[lambda: 0.68, lambda: -32.0, lambda: 1.0],
    ),
    NumericExercise(
        id="first_gradients.two_variable_grads",
        title="gradients of f(p, q) = p²·q + 3q at p = 2, q = −1",
        hint="Let autograd do it: create p and q with requires_grad=True, build f, call f.backward() once, "
             "and pass [p.grad, q.grad] in that order. If you compare with a hand result, each partial "
             "derivative treats the other variable as a constant, and the term 3q counts for q too. Calling "
             "backward() again on the same p and q adds onto .grad.",
        solution=_two_variable_grads,
        mistakes=[Mistake("the two gradients are swapped: the order is [p.grad, q.grad]", lambda e: e[::-1]),
                  Mistake("q.grad is missing its constant part: d(3q)/dq = 3 counts too",
                          lambda e: e - [0.0, 3.0]),
                  Mistake("exactly twice the right value: backward() ran twice without zeroing .grad",
                          lambda e: 2 * e)],
        wrong_examples=[lambda: [7.0, -4.0], lambda: [-4.0, 4.0], lambda: [-8.0, 14.0]],
    ),
    ChoiceExercise(
        id="first_gradients.who_gets_a_grad",
        title="which tensors have a .grad after backward",
        hint="Taking part in the computation is not enough: backward() fills .grad only for the tensors you "
             "created yourself with requires_grad=True. An input that was never marked is not tracked at "
             "all, and a result computed from tracked tensors does not keep its own .grad.",
        options=("x", "w", "b", "y"),
        multiple=True,
        solution=lambda: {"w", "b"},
        wrong_examples=[lambda: {"x", "w", "b"}, lambda: {"x", "w", "b", "y"}, lambda: {"w"}],
    ),
)
