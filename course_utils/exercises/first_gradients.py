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
        hint="L = (W·x − t)², so the chain rule gives dL/dW = 2·(W·x − t)·x. Keep both the factor 2 "
             "and the inner derivative x, and mind the sign of (W·x − t).",
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
        hint="Each partial derivative treats the other variable as a constant: ∂f/∂p = 2pq, ∂f/∂q = p² + 3. "
             "Pass [p.grad, q.grad] in that order.",
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
        hint="Only tensors created with requires_grad=True (the leaves autograd tracks) receive a .grad; "
             "a plain input such as x stays None, and so does the result y.",
        options=("x", "w", "b", "y"),
        multiple=True,
        solution=lambda: {"w", "b"},
        wrong_examples=[lambda: {"x", "w", "b"}, lambda: {"x", "w", "b", "y"}, lambda: {"w"}],
    ),
)
