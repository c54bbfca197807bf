"""Exercises of chapter 10, Higher-order derivatives."""
from __future__ import annotations

import math

import torch

from course_utils.checks import SIGN_FLIPPED, Mistake, NumericExercise, PropertyExercise, register


def _x2_sin(x: torch.Tensor) -> torch.Tensor:
    return x**2 * torch.sin(x)


def _first_and_second(f, at: float) -> tuple[float, float]:
    x = torch.tensor(at, dtype=torch.float64, requires_grad=True)
    (d1,) = torch.autograd.grad(f(x), x, create_graph=True)
    (d2,) = torch.autograd.grad(d1, x)
    return d1.item(), d2.item()


def _grad_of_grad() -> float:
    x = torch.tensor(3.0, requires_grad=True)
    (g,) = torch.autograd.grad(x**2, x, create_graph=True)
    g.backward()
    return x.grad.item()


def newton_function(x: torch.Tensor) -> torch.Tensor:
    """The function of the Newton exercise: x⁴ − 3x² + 2x (a local minimum at x = 1).

    >>> newton_function(torch.tensor(1.0)).item()
    0.0
    """
    return x**4 - 3 * x**2 + 2 * x


def _newton_iterates(start: float = 2.0, steps: int = 3, sign: float = 1.0) -> list[float]:
    x = torch.tensor(start, dtype=torch.float64)
    iterates = []
    for _ in range(steps):
        x = x.detach().requires_grad_()
        (d1,) = torch.autograd.grad(newton_function(x), x, create_graph=True)
        (d2,) = torch.autograd.grad(d1, x)
        x = x - sign * d1 / d2
        iterates.append(x.item())
    return iterates


def _gradient_descent_iterates(lr: float = 0.01) -> list[float]:
    x = torch.tensor(2.0, dtype=torch.float64)
    iterates = []
    for _ in range(3):
        x = x.detach().requires_grad_()
        (d1,) = torch.autograd.grad(newton_function(x), x)
        x = x - lr * d1
        iterates.append(x.item())
    return iterates


# --- the Hessian-vector product function, judged on several functions and random points ---------------

def _hvp_tests() -> list[tuple]:
    generator = torch.Generator().manual_seed(10)
    functions = [
        lambda x: (x**2).sum() ** 2 + x.prod(),
        lambda x: torch.sin(x).sum() * x[0],
        lambda x: torch.logsumexp(3 * x, dim=0),
    ]
    tests = []
    for f in functions:
        x = torch.randn(4, generator=generator, dtype=torch.float64)
        v = torch.randn(4, generator=generator, dtype=torch.float64)
        tests.append((f, x, v))
    return tests


def _judge_hvp(fn: object) -> str | None:
    if not callable(fn):
        return "pass the function hvp itself (no parentheses)."
    for f, x, v in _hvp_tests():
        try:
            result = fn(f, x.clone(), v.clone())
        except RuntimeError as exc:
            if "does not require grad" not in str(exc):
                raise
            try:  # does the same function work once x is tracked?
                fn(f, x.clone().requires_grad_(), v.clone())
            except RuntimeError:
                return ("the second torch.autograd.grad call found no graph behind the gradient: the first call "
                        "needs create_graph=True so that its result can be differentiated again.")
            return ("x arrives without requires_grad (like the input of functional.hvp), so the first "
                    "torch.autograd.grad call has nothing to differentiate: start from a tracked copy of x "
                    "inside hvp.")
        if isinstance(result, (tuple, list)):
            return "hvp should return one tensor H·v, not a tuple (torch.autograd.grad returns a tuple: unpack it)."
        if not isinstance(result, torch.Tensor) or result.shape != x.shape:
            return "hvp(f, x, v) must return a tensor with the shape of x."
        expected = torch.autograd.functional.hvp(f, x, v)[1]
        if not torch.allclose(result.detach().cpu().double(), expected, rtol=1e-5, atol=1e-8):
            gradient = torch.func.grad(f)(x)
            if torch.allclose(result.detach().cpu().double(), gradient, rtol=1e-5, atol=1e-8):
                return ("this is the gradient of f, not H·v: differentiate (gradient · v) a second time, "
                        "with create_graph=True in the first call.")
            return "the result differs from torch.autograd.functional.hvp(f, x, v)."
    return None


def _hvp_reference(f, x: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    x = x.detach().requires_grad_()
    (g,) = torch.autograd.grad(f(x), x, create_graph=True)
    (hv,) = torch.autograd.grad(g @ v, x)
    return hv


def _hvp_returns_gradient(f, x, v):
    x = x.detach().requires_grad_()
    return torch.autograd.grad(f(x), x)[0]


def _hvp_returns_tuple(f, x, v):
    x = x.detach().requires_grad_()
    (g,) = torch.autograd.grad(f(x), x, create_graph=True)
    return torch.autograd.grad(g @ v, x)


def _hvp_untracked_x(f, x, v):
    (g,) = torch.autograd.grad(f(x), x, create_graph=True)  # raises: x does not require grad
    return torch.autograd.grad(g @ v, x)[0]


def _hvp_without_create_graph(f, x, v):
    x = x.detach().requires_grad_()
    (g,) = torch.autograd.grad(f(x), x)
    return torch.autograd.grad(g @ v, x)[0]  # raises: g has no graph


register(
    NumericExercise(
        id="higher_order_derivatives.second_derivative",
        title="f''(1) for f(x) = x² · sin(x)",
        hint="Differentiate twice: the first torch.autograd.grad call needs create_graph=True, so that its "
             "result is itself part of a graph that a second call can differentiate.",
        solution=lambda: _first_and_second(_x2_sin, 1.0)[1],
        mistakes=[Mistake("the first derivative f'(1): one more differentiation is needed",
                          lambda e: _first_and_second(_x2_sin, 1.0)[0]),
                  Mistake("the value f(1), not a derivative", lambda e: math.sin(1.0)),
                  SIGN_FLIPPED],
        wrong_examples=[lambda: _first_and_second(_x2_sin, 1.0)[0], lambda: math.sin(1.0),
                        lambda: -_first_and_second(_x2_sin, 1.0)[1]],
    ),
    NumericExercise(
        id="higher_order_derivatives.grad_of_grad",
        title="x.grad after backward() on a gradient",
        hint="g is not a plain number: create_graph=True made it a result with its own graph, computed from x. "
             "g.backward() therefore differentiates g, not y = x², and stores that derivative in x.grad.",
        solution=_grad_of_grad,
        mistakes=[Mistake("the first derivative 2x at x = 3: x.grad receives dg/dx, where g is already the "
                          "first derivative", lambda e: 6.0),
                  Mistake("the value of y = x²", lambda e: 9.0)],
        wrong_examples=[lambda: 6.0, lambda: 9.0, lambda: 0.0],
    ),
    NumericExercise(
        id="higher_order_derivatives.newton_steps",
        title="three Newton steps on x⁴ − 3x² + 2x from x = 2",
        hint="A Newton step is x − f'(x) / f''(x): both derivatives come from autograd, the second one from "
             "differentiating the first (create_graph=True). Start each step from a fresh leaf "
             "(x.detach().requires_grad_()).",
        solution=_newton_iterates,
        mistakes=[Mistake("the step was added instead of subtracted (x + f'/f'')",
                          lambda e: _newton_iterates(sign=-1.0)),
                  Mistake("gradient descent with lr = 0.01 (x − lr·f'), not Newton's x − f'/f''",
                          lambda e: _gradient_descent_iterates()),
                  Mistake("only the last iterate repeated: pass the x after each of the three steps",
                          lambda e: [e[-1]] * 3)],
        wrong_examples=[lambda: _newton_iterates(sign=-1.0), lambda: _gradient_descent_iterates(),
                        lambda: _newton_iterates()[-1], lambda: [2.0] + _newton_iterates()[:2]],
    ),
    PropertyExercise(
        id="higher_order_derivatives.hvp_function",
        title="a Hessian-vector product by double backward",
        hint="H·v takes two differentiations and never the Hessian itself: the first gradient is only an "
             "intermediate result, so it must stay differentiable, and what the second call differentiates "
             "is one number built from that gradient and v.",
        solution=lambda: _hvp_reference,
        judge=_judge_hvp,
        kind="a function hvp(f, x, v) -> tensor H·v with the shape of x",
        wrong_examples=[lambda: _hvp_returns_gradient, lambda: _hvp_returns_tuple,
                        lambda: _hvp_without_create_graph, lambda: _hvp_untracked_x,
                        lambda: (lambda f, x, v: v)],
    ),
)
