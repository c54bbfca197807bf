"""Exercises of chapter 01, First gradients.

1.1 and 1.2 are numbers (the perceptron's gradient by hand, one step of gradient descent), 1.3 the
two gradients that autograd finds, 1.4 a prediction: which tensors get a ``.grad``. Each names the
slips beginners make (found by trying the learner edition): a dropped chain-rule factor, the loss
given for its derivative, a step uphill or without the learning rate, the gradient given as the new
weight, gradients added up by several backward calls, swapped or doubled gradients, a dropped term
of p²·q, the values of p and q given for their gradients, untracked inputs or results expected to
get a ``.grad``.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import torch

from course_utils.checks import SIGN_FLIPPED, ChoiceExercise, Mistake, NumericExercise, register, wrong

# The perceptron of the chapter: L = (W·x − t)² at W = 1, x = 2, t = 10.
W0, X, T, LR = 1.0, 2.0, 10.0, 0.01


def _after_k_gradients(k: int) -> Callable[[Any], np.float64]:
    """The weight a learner gets after ``k`` backward calls added up in W.grad (a Mistake's ``make``)."""
    return lambda e: np.float64(_step(k * _perceptron_grad()))


def _perceptron_grad() -> float:
    W = torch.tensor(W0, requires_grad=True)
    loss = (W * X - T) ** 2
    loss.backward()
    return float(W.grad)  # type: ignore[arg-type]


def _two_variable_grads() -> list[float]:
    p = torch.tensor(2.0, requires_grad=True)
    q = torch.tensor(-1.0, requires_grad=True)
    (p**2 * q + 3 * q).backward()
    return [float(p.grad), float(q.grad)]  # type: ignore[arg-type]


def _loss() -> float:
    return (W0 * X - T) ** 2


def _step(grad: float, lr: float = LR) -> float:
    return W0 - lr * grad


def _f_value() -> float:
    return 2.0**2 * -1.0 + 3 * -1.0


# 1.3's answers of one number (the core recognises a listed mistake whatever its shape).
F_NOT_GRADIENTS = Mistake("the value of f itself, not its two gradients", lambda e: _f_value(),
                          name="value_for_gradients")


def _one_gradient(k: int) -> Mistake:
    return Mistake("only one of the two gradients: pass both, p's first", lambda e: e[k], name="one_gradient_only")


ONE_GRADIENT = [_one_gradient(0), _one_gradient(1)]


LOSS_NOT_GRADIENT = Mistake("the value of the loss L itself, not its derivative dL/dW",
                            lambda e: np.float64(_loss()), name="loss_for_gradient")

register(
    NumericExercise(
        id="first_gradients.perceptron_by_hand",
        title="dL/dW for the one-weight perceptron",
        hint="L is the square of something that depends on W, so the chain rule gives two factors: the "
             "derivative of the square with respect to what is inside it, times the derivative of the inside "
             "with respect to W. Dropping either factor is the usual slip, and so is losing the sign: "
             "W·x − t is negative at W = 1.",
        first_step="Call the inside u = W·x − t, so that L = u². At W = 1, u = 2 − 10 = −8, and dL/du = 2u. "
                   "What is du/dW, and what do you get when you multiply the two?",
        solution=lambda: -32.0,
        none_says="dL_dW should hold the number you worked out by hand (W.grad is None until backward() runs)",
        mistakes=[SIGN_FLIPPED,
                  Mistake("a factor of 2 or of x was dropped (the chain rule's inner derivative x, "
                          "or the 2 from the square)", lambda e: e / 2, name="chain_rule_factor_dropped"),
                  Mistake("both the 2 from the square and the inner derivative x were dropped", lambda e: e / 4,
                          name="both_factors_dropped"),
                  LOSS_NOT_GRADIENT,
                  Mistake("a factor of 2 or of x dropped and the sign lost as well (W·x − t is negative at W = 1)",
                          lambda e: -e / 2, name="factor_dropped_and_sign_flipped"),
                  Mistake("2 · L, the power rule applied to the loss itself; L = u² with u = W·x − t gives "
                          "dL/du = 2u, and the chain rule multiplies that by du/dW",
                          lambda e: np.float64(2 * _loss()), name="power_rule_on_the_loss")],
        wrong_examples=[wrong(lambda: 32.0, "sign is flipped"), wrong(lambda: 16.0, "the sign lost as well"),
                        wrong(lambda: 128.0, "applied to the loss itself"), wrong(lambda: -16.0, "was dropped"),
                        wrong(lambda: -8.0, "both the 2"), wrong(lambda: 64.0, "value of the loss"),
                        wrong(lambda: torch.tensor(64.0, requires_grad=True) * 1, "value of the loss"),
                        wrong(lambda: None, "worked out by hand")],
        right_examples=[lambda: -32, lambda: torch.tensor(-32.0), lambda: torch.tensor([-32.0]),
                        lambda: np.float32(-32.0), lambda: torch.tensor(-32.0, dtype=torch.float16)],
    ),
    NumericExercise(
        id="first_gradients.perceptron_step",
        title="one gradient-descent step for the perceptron",
        hint="Gradient descent moves the weight against the gradient, by the learning rate times the gradient: "
             "the new weight is the old one minus lr · dL/dW. Take dL/dW from autograd (W.grad after "
             "loss.backward()), once.",
        first_step="Make W = 1 with requires_grad=True, build loss = (W·x − t)² from it, call loss.backward() "
                   "once and print W.grad. Then write W_new from W, lr = 0.01 and that gradient.",
        solution=lambda: _step(_perceptron_grad()),
        none_says="W_new should hold the new weight as a number (a function that returns nothing gives None)",
        mistakes=[Mistake("a step uphill: the gradient was added instead of subtracted",
                          lambda e: np.float64(_step(-_perceptron_grad())), name="step_uphill"),
                  Mistake("the learning rate is missing: the whole gradient was subtracted",
                          lambda e: np.float64(_step(_perceptron_grad(), lr=1.0)), name="learning_rate_missing"),
                  Mistake("a step uphill, and without the learning rate",
                          lambda e: np.float64(_step(-_perceptron_grad(), lr=1.0)), name="step_uphill"),
                  Mistake("only the change lr · dL/dW, not the new weight W − lr · dL/dW",
                          lambda e: np.float64(-LR * _perceptron_grad()), name="step_without_weight"),
                  Mistake("the loss was used where the gradient belongs",
                          lambda e: np.float64(_step(_loss())), name="loss_for_gradient"),
                  Mistake("twice the gradient: backward() ran twice, so W.grad holds two gradients added up",
                          lambda e: np.float64(_step(2 * _perceptron_grad())), name="accumulated_twice"),
                  Mistake("a step with the learning rate 0.1; this exercise uses lr = 0.01",
                          lambda e: np.float64(_step(_perceptron_grad(), lr=0.1)), name="wrong_learning_rate"),
                  Mistake("the weight did not move: the update must change W by lr · dL/dW",
                          lambda e: np.float64(W0), name="weight_unchanged"),
                  Mistake("the gradient dL/dW itself; W_new is the weight after the step, W − lr · dL/dW",
                          lambda e: np.float64(_perceptron_grad()), name="gradient_for_weight"),
                  *(Mistake(f"{k} gradients added up: backward() ran {k} times without zeroing W.grad (each run of "
                            "a backward cell adds one); build the loss from a fresh W and call backward() once",
                            _after_k_gradients(k), name="accumulated_several_times")
                    for k in (3, 4, 5)),
                  Mistake("the learning rate applied twice: lr · (lr · dL/dW) was subtracted",
                          lambda e: np.float64(_step(LR * _perceptron_grad())), name="learning_rate_applied_twice")],
        wrong_examples=[wrong(lambda: 0.68, "uphill"), wrong(lambda: 33.0, "learning rate is missing"),
                        wrong(lambda: -31.0, "uphill, and without"), wrong(lambda: 0.32, "only the change"),
                        wrong(lambda: 0.36, "loss was used"), wrong(lambda: 1.64, "backward() ran twice"),
                        wrong(lambda: 4.2, "learning rate 0.1"),
                        wrong(lambda: 1.0, "did not move"), wrong(lambda: -32.0, "the gradient dL/dW itself"),
                        wrong(lambda: 1.96, "3 gradients added up"), wrong(lambda: 1.0032, "applied twice")],
        right_examples=[lambda: torch.tensor(1.32, dtype=torch.float16), lambda: torch.tensor([1.32]),
                        lambda: torch.tensor(1.0, requires_grad=True) - 0.01 * torch.tensor(-32.0)],
    ),
    NumericExercise(
        id="first_gradients.two_variable_grads",
        title="gradients of f(p, q) = p²·q + 3q at p = 2, q = −1",
        hint="Let autograd do it: create p and q with requires_grad=True, build f from them, call f.backward() "
             "once, and pass [p.grad, q.grad] in that order. To compare with a hand result: each partial "
             "derivative treats the other variable as a constant, and every term that contains q counts for q.",
        first_step="Do what the cell of y = w·x + b did, for f(p, q): there, each input was made a tensor with "
                   "requires_grad=True, the result was built from them, backward() ran once on the result, and "
                   "each input's .grad was read. Here the inputs are p = 2 and q = −1, and the result is f.",
        solution=_two_variable_grads,
        none_says="a .grad is None until backward() fills it: build f from p and q, call f.backward(), then read "
                  "p.grad and q.grad",
        mistakes=[F_NOT_GRADIENTS, *ONE_GRADIENT,
                  Mistake("the two gradients are swapped: the order is [p.grad, q.grad]", lambda e: e[::-1],
                          name="swapped"),
                  Mistake("q.grad is missing its constant part: d(3q)/dq = 3 counts too",
                          lambda e: e - [0.0, 3.0], name="constant_term_dropped"),
                  Mistake("p.grad is missing its factor q: in p²·q, q is a constant factor when p moves",
                          lambda e: np.array([2 * 2.0, e[1]]), name="factor_dropped"),
                  Mistake("q.grad is missing the p² part: in p²·q the factor p² multiplies q, so it counts for q "
                          "too", lambda e: e - [0.0, 2.0**2], name="product_term_dropped"),
                  Mistake("p.grad is missing the 2 of the power rule: the derivative of p² is 2p",
                          lambda e: np.array([e[0] / 2, e[1]]), name="power_rule_factor_missing"),
                  Mistake("exactly twice the right value: backward() ran twice without zeroing .grad",
                          lambda e: 2 * e, name="accumulated_twice"),
                  Mistake("these are the values of p and q, not their gradients: read p.grad and q.grad",
                          lambda e: np.array([2.0, -1.0]), name="values_for_gradients"),
                  SIGN_FLIPPED],
        wrong_examples=[wrong(lambda: [7.0, -4.0], "swapped"), wrong(lambda: [-4.0, 4.0], "constant part"),
                        wrong(lambda: [-8.0, 14.0], "backward() ran twice"), wrong(lambda: [4.0, 7.0], "factor q"),
                        wrong(lambda: [2.0, -1.0], "values of p and q"), wrong(lambda: [None, None], "is None"),
                        wrong(lambda: -7.0, "value of f itself"), wrong(lambda: torch.tensor(7.0), "only one"),
                        wrong(lambda: [-4.0, 3.0], "missing the p² part"),
                        wrong(lambda: [-2.0, 7.0], "the 2 of the power"),
                        wrong(lambda: [-4.0, 7.0, 0.0], "shape is wrong")],
        right_examples=[lambda: [torch.tensor([-4.0]), torch.tensor([7.0])], lambda: torch.tensor([-4.0, 7.0]),
                        lambda: (torch.tensor(-4.0), torch.tensor(7.0)), lambda: [[-4.0], [7.0]]],
    ),
    ChoiceExercise(
        id="first_gradients.who_gets_a_grad",
        title="which tensors have a .grad after backward",
        hint="Two questions decide whether backward() fills a tensor's .grad: was the tensor marked for "
             "tracking when it was created, and did you create it yourself rather than compute it from other "
             "tensors? Ask both for each of x, w, b and y.",
        first_step="Take x: look at the line that creates it. Does it say requires_grad=True? If not, autograd "
                   "never tracks it. Then do the same for w and b, and ask what kind of tensor y is.",
        options=("x", "w", "b", "y"),
        multiple=True,
        solution=lambda: {"w", "b"},
        mistakes=[Mistake("taking part in the computation is not enough: a tensor created without "
                          "requires_grad=True is not tracked, however it is used", lambda e: set(e) | {"x"},
                          name="used_means_tracked"),
                  Mistake("a result computed from tracked tensors does not keep a .grad of its own: backward() "
                          "fills .grad for the tensors you created (chapter 02 shows why)",
                          lambda e: set(e) | {"y"}, name="result_keeps_grad"),
                  Mistake("not every tensor of the computation gets a .grad: an input that was never marked "
                          "does not, and neither does a computed result", lambda e: {"x", "w", "b", "y"},
                          name="every_tensor_gets_grad"),
                  Mistake("backward() starts from the result and fills .grad for the tracked tensors it was "
                          "computed from, not for the result", lambda e: {"y"}, name="result_keeps_grad"),
                  Mistake("a tensor that is only added still gets a gradient: every tracked tensor you created "
                          "that the result depends on gets its .grad", lambda e: {"w"}, name="added_tensor_no_grad"),
                  Mistake("a tensor multiplied by untracked data still gets a gradient: w was created with "
                          "requires_grad=True, and that alone decides it", lambda e: {"b"},
                          name="multiplied_by_untracked_no_grad")],
        # {"x", "w", "b"}, {"w", "b", "y"} and all four are tested in tests/chapters/test_01_first_gradients.py:
        # the "You gave" line of their messages repeats the right labels among the learner's own.
        wrong_examples=[wrong(lambda: {"w"}, "only added"), wrong(lambda: {"y"}, "starts from the result"),
                        wrong(lambda: {"b"}, "multiplied by untracked data"),
                        wrong(lambda: {"x"}, ""), wrong(lambda: "w", "only added"), wrong(lambda: {"x", "w"}, ""),
                        wrong(lambda: {"w", "y"}, "")],
        right_examples=[lambda: ["w", "b"], lambda: ("b", "w"), lambda: {"W", " b "}, lambda: {"w": 1, "b": 2}.keys()],
    ),
)
