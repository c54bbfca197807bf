"""Numerical gradients by central finite differences, to check an analytic gradient against.

Chapter 13 derives the method; any exercise in the course can use it. The idea: nudge one
input element up and down by a small step ``h`` and see how much a scalar function changes,

    df/dx_i  ≈  ( f(x + h e_i) − f(x − h e_i) ) / (2h),

which is exact up to an error of order ``h²`` (plus round-off of order ``ε·|f| / h``). The work
is done in float64, where ``h = 1e-6`` balances the two errors well.

>>> import torch
>>> from course_utils.finite_differences import numerical_grad, compare_grads
>>> x = torch.tensor([1.0, 2.0], dtype=torch.float64)
>>> numerical_grad(lambda t: (t ** 2).sum(), x)
tensor([2.0000, 4.0000], dtype=torch.float64)
>>> ok, max_error = compare_grads(lambda t: (t ** 3).sum(), x)   # autograd vs finite differences
>>> ok
True
"""
from __future__ import annotations

import math
from typing import Callable, NamedTuple, Union

import torch

__all__ = ["numerical_grad", "compare_grads", "GradComparison"]

ScalarFunction = Callable[[torch.Tensor], Union[torch.Tensor, float]]


class GradComparison(NamedTuple):
    """What :func:`compare_grads` returns; unpacks like a tuple: ``ok, max_error = compare_grads(...)``."""

    ok: bool
    """True when the two gradients agree within ``rtol`` and ``atol`` (as in ``torch.allclose``)."""
    max_error: float
    """The largest absolute difference between an analytic and a numerical gradient element."""


def _check_function(f: object) -> None:
    if not callable(f):
        raise TypeError(f"f must be a function of one tensor that returns a single number, got {type(f).__name__}")


def _check_input(x: object) -> None:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}; "
                        "wrap numbers with torch.tensor(..., dtype=torch.float64)")
    if not x.is_floating_point():
        raise TypeError(f"x must hold floating-point numbers, got dtype {x.dtype}: a gradient needs inputs "
                        "that can move by a small step (use x.double())")


def _check_step(h: object) -> float:
    if isinstance(h, bool) or not isinstance(h, (int, float)) or not math.isfinite(h) or h <= 0:
        raise ValueError(f"the step h must be a positive finite number such as 1e-6, got {h!r}")
    return float(h)


def _as_number(value: object) -> float:
    """``f``'s result as a Python float, or a clear error if it is not a single number."""
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise ValueError(f"f must return a single number (one element), but returned a tensor of shape "
                             f"{tuple(value.shape)}; reduce it first, for example with .sum()")
        if value.is_complex():
            raise TypeError("f must return a real number, but returned a complex tensor")
        return float(value.item())
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    raise TypeError(f"f must return a tensor with one element or a Python number, got {type(value).__name__}")


def numerical_grad(f: ScalarFunction, x: torch.Tensor, h: float = 1e-6) -> torch.Tensor:
    """The gradient of the scalar function ``f`` at ``x``, by central finite differences in float64.

    ``f`` receives a float64 tensor shaped like ``x`` (on ``x``'s device) and must return a single
    number: a one-element tensor or a Python float. ``x`` may have any shape and any floating dtype;
    it is not modified. The result is a float64 tensor shaped like ``x``, on the same device. ``f``
    is called twice per element of ``x``, without autograd.

    >>> x = torch.tensor([[0.0, 1.0], [2.0, 3.0]], dtype=torch.float64)
    >>> numerical_grad(lambda t: (t * t).sum(), x)
    tensor([[0.0000, 2.0000],
            [4.0000, 6.0000]], dtype=torch.float64)
    >>> abs(numerical_grad(lambda t: t.exp().sum(), torch.tensor(0.0)).item() - 1.0) < 1e-8
    True
    >>> numerical_grad(lambda t: t * 2, torch.ones(3))
    Traceback (most recent call last):
    ...
    ValueError: f must return a single number (one element), but returned a tensor of shape (3,); reduce it ...
    """
    _check_function(f)
    _check_input(x)
    step = _check_step(h)
    point = x.detach().to(dtype=torch.float64, copy=True).contiguous()
    grad = torch.zeros_like(point)
    flat_point, flat_grad = point.view(-1), grad.view(-1)
    with torch.no_grad():
        for i in range(flat_point.numel()):
            original = flat_point[i].item()
            flat_point[i] = original + step
            above = _as_number(f(point))
            flat_point[i] = original - step
            below = _as_number(f(point))
            flat_point[i] = original
            flat_grad[i] = (above - below) / (2 * step)
    return grad


def _autograd_grad(f: ScalarFunction, x: torch.Tensor) -> torch.Tensor:
    """The gradient autograd computes for ``f`` at ``x`` (in float64); zero where ``f`` ignores ``x``."""
    point = x.detach().to(dtype=torch.float64, copy=True).requires_grad_()
    with torch.enable_grad():
        out = f(point)
        if not isinstance(out, torch.Tensor):
            raise TypeError(f"f returned a {type(out).__name__}, so autograd cannot differentiate it: return a "
                            "tensor, or pass the gradient you want to check as analytic=")
        _as_number(out)  # one element, or a clear error
        if not out.requires_grad:  # f does not depend on x through autograd: its gradient is zero
            return torch.zeros_like(point.detach())
        (grad,) = torch.autograd.grad(out.reshape(()), point, allow_unused=True)
    return torch.zeros_like(point.detach()) if grad is None else grad.detach()


def compare_grads(f: ScalarFunction, x: torch.Tensor, analytic: torch.Tensor | None = None, h: float = 1e-6,
                  rtol: float = 1e-5, atol: float = 1e-8) -> GradComparison:
    """Compare an analytic gradient of ``f`` at ``x`` with :func:`numerical_grad`.

    ``analytic`` is the gradient to check, shaped like ``x``; when it is ``None``, autograd computes
    it (``f`` is then called on a float64 copy of ``x`` that requires grad, so a custom
    ``autograd.Function`` inside ``f`` has its ``backward`` checked). The two agree when
    ``|analytic − numerical| <= atol + rtol·|numerical|`` element by element, as in
    ``torch.allclose``. Returns ``GradComparison(ok, max_error)``, which unpacks like a tuple.

    >>> x = torch.tensor([0.5, -1.0], dtype=torch.float64)
    >>> compare_grads(lambda t: torch.sin(t).sum(), x, analytic=torch.cos(x)).ok
    True
    >>> ok, max_error = compare_grads(lambda t: torch.sin(t).sum(), x, analytic=1.01 * torch.cos(x))
    >>> ok, round(max_error, 4)
    (False, 0.0088)
    """
    numeric = numerical_grad(f, x, h)  # validates f, x and h
    for name, value in (("rtol", rtol), ("atol", atol)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
            raise ValueError(f"{name} must be a number >= 0, got {value!r}")
    if analytic is None:
        analytic = _autograd_grad(f, x)
    else:
        if not isinstance(analytic, torch.Tensor):
            raise TypeError(f"analytic must be a tensor shaped like x, got {type(analytic).__name__}")
        if tuple(analytic.shape) != tuple(x.shape):
            raise ValueError(f"analytic has shape {tuple(analytic.shape)}, but x has shape {tuple(x.shape)}: "
                             "a gradient is shaped like its input")
        analytic = analytic.detach().to(device=numeric.device, dtype=torch.float64)
    difference = (analytic - numeric).abs()
    max_error = difference.max().item() if difference.numel() else 0.0
    ok = bool(torch.allclose(analytic, numeric, rtol=rtol, atol=atol))
    return GradComparison(ok, max_error)
