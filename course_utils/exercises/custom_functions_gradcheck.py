"""Exercises of chapter 13, Custom autograd.Function and gradient checking.

``SUSPECTS`` holds the four custom functions of Exercise 13.4; the chapter imports them from here.
"""
from __future__ import annotations

import math
import warnings
from typing import Any, Callable

import torch
from torch.autograd import Function, gradcheck

from course_utils.checks import ChoiceExercise, PropertyExercise, register


# --- 13.1: the backward of f(x, y) = x · sin(y) -------------------------------------------------

class _MulSinForward(Function):
    """forward and setup_context of the exercise; subclasses supply backward."""

    @staticmethod
    def forward(x, y):
        return x * torch.sin(y)

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, y = inputs
        ctx.save_for_backward(x, y)


class _MulSin(_MulSinForward):
    @staticmethod
    def backward(ctx, grad_output):
        x, y = ctx.saved_tensors
        return grad_output * torch.sin(y), grad_output * x * torch.cos(y)


class _MulSinSwapped(_MulSinForward):
    @staticmethod
    def backward(ctx, grad_output):
        x, y = ctx.saved_tensors
        return grad_output * x * torch.cos(y), grad_output * torch.sin(y)


class _MulSinNoGradOutput(_MulSinForward):
    @staticmethod
    def backward(ctx, grad_output):
        x, y = ctx.saved_tensors
        return torch.sin(y).expand_as(grad_output), (x * torch.cos(y)).expand_as(grad_output)


class _MulSinSignFlipped(_MulSinForward):
    @staticmethod
    def backward(ctx, grad_output):
        x, y = ctx.saved_tensors
        return grad_output * torch.sin(y), -grad_output * x * torch.cos(y)


class _MulSinOnlyX(_MulSinForward):
    @staticmethod
    def backward(ctx, grad_output):
        x, y = ctx.saved_tensors
        return grad_output * torch.sin(y)


def _judge_mul_sin(function: Any) -> str | None:
    if not (isinstance(function, type) and issubclass(function, Function)):
        return "pass the class itself (a subclass of torch.autograd.Function), not an instance or an output."
    generator = torch.Generator().manual_seed(13)
    for shape in [(4,), (2, 3)]:
        x = torch.randn(shape, generator=generator, dtype=torch.float64, requires_grad=True)
        y = torch.randn(shape, generator=generator, dtype=torch.float64, requires_grad=True)
        if not torch.allclose(function.apply(x, y), x * torch.sin(y)):
            return "forward no longer computes x * sin(y): only backward should change."
        if not gradcheck(function.apply, (x, y), raise_exception=False):
            return (f"gradcheck fails for inputs of shape {shape}: backward must return "
                    "(grad_output * dz/dx, grad_output * dz/dy), one gradient per input, in the order of forward's inputs.")
    return None


# --- 13.2: which gradcheck calls pass? ----------------------------------------------------------

class _Softplus(Function):
    @staticmethod
    def forward(x):
        return torch.log1p(torch.exp(x))

    @staticmethod
    def setup_context(ctx, inputs, output):
        (x,) = inputs
        ctx.save_for_backward(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * torch.sigmoid(x)


def _scaled_softplus(factor: float) -> type[Function]:
    class ScaledSoftplus(_Softplus):
        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * torch.sigmoid(x) * factor

    return ScaledSoftplus


def _gradcheck_predictions() -> set[str]:
    x64 = torch.randn(3, generator=torch.Generator().manual_seed(0), dtype=torch.float64).requires_grad_()
    x32 = x64.detach().float().requires_grad_()
    calls: dict[str, Callable[[], bool]] = {
        "a": lambda: gradcheck(_Softplus.apply, (x64,), raise_exception=False),
        "b": lambda: gradcheck(_Softplus.apply, (x32,), raise_exception=False),
        "c": lambda: gradcheck(_scaled_softplus(1.01).apply, (x64,), raise_exception=False),
        "d": lambda: gradcheck(_scaled_softplus(1.0000001).apply, (x64,), raise_exception=False),
        "e": lambda: gradcheck(_Softplus.apply, (x32,), eps=1e-3, atol=1e-2, rtol=1e-2, raise_exception=False),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the float32 warning
        return {label for label, call in calls.items() if call()}


# --- 13.3: a second derivative by central differences -------------------------------------------

def _second_difference(f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, h: float) -> torch.Tensor:
    return (f(x + h) - 2 * f(x) + f(x - h)) / h**2


def _second_derivative(f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    x = x.detach().clone().requires_grad_()
    (first,) = torch.autograd.grad(f(x).sum(), x, create_graph=True)
    (second,) = torch.autograd.grad(first.sum(), x)
    return second


def _judge_second_difference(function: Any) -> str | None:
    if not callable(function):
        return "pass the function itself, for example check(..., second_difference)."
    x = torch.tensor([-1.5, -0.3, 0.4, 1.0, 2.0], dtype=torch.float64)
    tests = {"sin": torch.sin, "exp": torch.exp, "x**3 - x": lambda t: t**3 - t, "tanh": torch.tanh}
    for name, f in tests.items():
        got = function(f, x, 1e-3)
        if not isinstance(got, torch.Tensor) or got.shape != x.shape:
            return "the function should return a tensor shaped like x (one second derivative per element)."
        exact = _second_derivative(f, x)
        if not torch.allclose(got.to(torch.float64), exact, rtol=1e-5, atol=1e-5):
            worst = (got - exact).abs().max().item()
            return (f"for f = {name} with h = 1e-3 the result is off by up to {worst:.1e}; a symmetric second "
                    "difference is off by about 1e-7 here.")
    return None


# --- 13.4: find the buggy backward --------------------------------------------------------------

class SmoothAbs(Function):
    """sqrt(x² + 1), a smooth stand-in for |x|."""

    @staticmethod
    def forward(x):
        return torch.sqrt(x * x + 1)

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0], output)

    @staticmethod
    def backward(ctx, grad_output):
        x, out = ctx.saved_tensors
        return grad_output * x / out


class LeakyReLU(Function):
    """x for x > 0, 0.01·x otherwise."""

    @staticmethod
    def forward(x):
        return torch.where(x > 0, x, 0.01 * x)

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return torch.where(x > 0, grad_output, 0.1 * grad_output)


class Swish(Function):
    """x · sigmoid(x)."""

    @staticmethod
    def forward(x):
        return x * torch.sigmoid(x)

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        s = torch.sigmoid(x)
        return grad_output * (s + x * s * (1 - s))


class LogCosh(Function):
    """log(cosh(x))."""

    @staticmethod
    def forward(x):
        return torch.log(torch.cosh(x))

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return torch.tanh(x).expand_as(grad_output).clone()


SUSPECTS: dict[str, type[Function]] = {"smooth_abs": SmoothAbs, "leaky_relu": LeakyReLU, "swish": Swish,
                                       "log_cosh": LogCosh}


def _buggy_suspects() -> set[str]:
    x = torch.randn(6, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    x = torch.cat([x, -x.abs(), x.abs()]).requires_grad_()  # both signs for sure
    return {name for name, function in SUSPECTS.items()
            if not gradcheck(function.apply, (x,), raise_exception=False)}


def _cls(c: type) -> Callable[[], type]:
    return lambda: c


register(
    PropertyExercise(
        id="custom_functions_gradcheck.mul_sin_backward",
        title="the backward of z = x · sin(y), checked by gradcheck",
        hint="backward receives grad_output = dL/dz and returns one gradient per input of forward, in order: "
             "dL/dx = grad_output · ∂z/∂x and dL/dy = grad_output · ∂z/∂y. Do not drop grad_output (a test through "
             ".sum() would not notice), and keep the sign straight: sin differentiates to +cos (the minus sign belongs "
             "to the derivative of cos).",
        solution=_cls(_MulSin),
        judge=_judge_mul_sin,
        kind="a torch.autograd.Function subclass whose apply(x, y) computes x * sin(y)",
        wrong_examples=[_cls(_MulSinSwapped), _cls(_MulSinNoGradOutput), _cls(_MulSinSignFlipped),
                        _cls(_MulSinOnlyX), lambda: _MulSin.apply],
    ),
    ChoiceExercise(
        id="custom_functions_gradcheck.gradcheck_predictions",
        title="which gradcheck calls return True",
        hint="gradcheck compares with tolerances (atol=1e-5, rtol=1e-3 by default): an error far smaller than that "
             "passes. In float32 the default step eps=1e-6 is lost in rounding, unless eps and the tolerances grow.",
        options=("a", "b", "c", "d", "e"),
        multiple=True,
        solution=_gradcheck_predictions,
        wrong_examples=[lambda: {"a"}, lambda: {"a", "d"}, lambda: {"a", "b", "d", "e"}, lambda: {"a", "e"},
                        lambda: "a"],
    ),
    PropertyExercise(
        id="custom_functions_gradcheck.second_difference",
        title="a second derivative by central differences",
        hint="Add the Taylor expansions of f(x + h) and f(x − h): the odd terms cancel, leaving 2·f(x) + h²·f''(x) "
             "+ O(h⁴). Keep the difference symmetric around x (a one-sided one is only accurate to O(h)) and "
             "divide by h², not 2h or 2h².",
        solution=lambda: _second_difference,
        judge=_judge_second_difference,
        kind="a function second_difference(f, x, h) -> tensor shaped like x",
        wrong_examples=[lambda: (lambda f, x, h: (f(x + h) - f(x) + f(x - h)) / h**2),
                        lambda: (lambda f, x, h: (f(x + h) - 2 * f(x) + f(x - h)) / (2 * h**2)),
                        lambda: (lambda f, x, h: (f(x + 2 * h) - 2 * f(x + h) + f(x)) / h**2),
                        lambda: (lambda f, x, h: (f(x + h) - f(x - h)) / (2 * h)),
                        lambda: math.sin],
    ),
    ChoiceExercise(
        id="custom_functions_gradcheck.find_the_buggy",
        title="which custom functions have a wrong backward",
        hint="Test like gradcheck does: inputs of both signs (a bug may hide on one side), and outputs that are "
             "not just summed. A backward that ignores grad_output is right for .sum(), whose grad_output is all ones.",
        options=tuple(SUSPECTS),
        multiple=True,
        solution=_buggy_suspects,
        wrong_examples=[lambda: {"log_cosh"}, lambda: {"leaky_relu"}, lambda: set(),
                        lambda: {"leaky_relu", "log_cosh", "swish"}],
    ),
)
