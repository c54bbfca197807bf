"""course_utils.finite_differences: numerical gradients checked against torch autograd (the oracle)."""
from __future__ import annotations

import doctest

import pytest
import torch

import course_utils.finite_differences as fd
from course_utils.finite_differences import GradComparison, compare_grads, numerical_grad

FUNCTIONS = {
    "sum of squares": lambda t: (t**2).sum(),
    "sin times exp": lambda t: (torch.sin(t) * torch.exp(0.5 * t)).sum(),
    "log-sum-exp": lambda t: torch.logsumexp(t.reshape(-1), dim=0),
    "mean of tanh cubed": lambda t: torch.tanh(t).pow(3).mean(),
    "product with itself reused": lambda t: (t * t.flip(0) + t).sum() if t.ndim else t * t + t,
}
SHAPES = [(), (1,), (5,), (3, 4), (2, 3, 2)]


def autograd_grad(f, x: torch.Tensor) -> torch.Tensor:
    x = x.detach().double().clone().requires_grad_()
    f(x).backward()
    return x.grad


@pytest.mark.parametrize("name", list(FUNCTIONS))
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_numerical_grad_matches_autograd(name: str, shape: tuple[int, ...]) -> None:
    f = FUNCTIONS[name]
    x = torch.randn(shape, generator=torch.Generator().manual_seed(13), dtype=torch.float64)
    numeric = numerical_grad(f, x)
    assert numeric.shape == x.shape and numeric.dtype == torch.float64
    torch.testing.assert_close(numeric, autograd_grad(f, x), rtol=1e-6, atol=1e-8)


def test_float32_and_non_contiguous_inputs_work_in_float64() -> None:
    x32 = torch.randn(4, 3, generator=torch.Generator().manual_seed(1))
    transposed = x32.t()  # not contiguous
    f = FUNCTIONS["sin times exp"]
    numeric = numerical_grad(f, transposed)
    assert numeric.shape == (3, 4) and numeric.dtype == torch.float64
    torch.testing.assert_close(numeric, autograd_grad(f, transposed), rtol=1e-6, atol=1e-8)


def test_input_is_left_unchanged_and_may_require_grad() -> None:
    x = torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64, requires_grad=True)
    before = x.detach().clone()
    numerical_grad(lambda t: (t**3).sum(), x)
    assert torch.equal(x.detach(), before) and x.grad is None


def test_python_float_results_are_accepted() -> None:
    grad = numerical_grad(lambda t: float((t**2).sum()), torch.tensor([3.0], dtype=torch.float64))
    assert abs(grad.item() - 6.0) < 1e-6


def test_empty_input_gives_empty_gradient() -> None:
    x = torch.zeros(0, dtype=torch.float64)
    assert numerical_grad(lambda t: t.sum(), x).shape == (0,)
    assert compare_grads(lambda t: t.sum(), x) == (True, 0.0)


def test_compare_grads_accepts_autograd_and_rejects_one_percent_off() -> None:
    x = torch.randn(6, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    f = FUNCTIONS["sin times exp"]
    result = compare_grads(f, x)
    assert isinstance(result, GradComparison) and result.ok and result.max_error < 1e-8
    ok, max_error = compare_grads(f, x, analytic=1.01 * autograd_grad(f, x))
    assert not ok and 1e-3 < max_error < 1e-1


def test_compare_grads_checks_a_custom_backward_through_autograd() -> None:
    class OffByOnePercent(torch.autograd.Function):
        @staticmethod
        def forward(x):
            return x.exp()

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(output)

        @staticmethod
        def backward(ctx, grad_output):
            (out,) = ctx.saved_tensors
            return 1.01 * grad_output * out

    x = torch.tensor([0.1, 0.2], dtype=torch.float64)
    assert compare_grads(lambda t: torch.exp(t).sum(), x).ok
    assert not compare_grads(lambda t: OffByOnePercent.apply(t).sum(), x).ok


def test_function_that_ignores_x_has_zero_gradient() -> None:
    x = torch.ones(3, dtype=torch.float64)
    assert compare_grads(lambda t: torch.tensor(2.0, dtype=torch.float64), x) == (True, 0.0)
    assert compare_grads(lambda t: t[0] * 3.0, x).ok  # elements 1 and 2 unused: zero, not None


@pytest.mark.parametrize("bad, message", [([1.0, 2.0], "torch.Tensor"), (3.0, "torch.Tensor"),
                                          (torch.tensor([1, 2]), "floating-point"),
                                          (torch.tensor([True]), "floating-point"),
                                          (torch.tensor([1j]), "floating-point")])
def test_bad_inputs_raise_type_error(bad, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        numerical_grad(lambda t: t.sum(), bad)
    with pytest.raises(TypeError, match=message):
        compare_grads(lambda t: t.sum(), bad)


def test_non_scalar_results_raise_value_error() -> None:
    x = torch.ones(3, dtype=torch.float64)
    with pytest.raises(ValueError, match=r"single number.*shape \(3,\)"):
        numerical_grad(lambda t: t * 2, x)
    with pytest.raises(ValueError, match="single number"):
        compare_grads(lambda t: t * 2, x)


@pytest.mark.parametrize("result", ["1.0", None, [1.0], True])
def test_results_that_are_not_numbers_raise_type_error(result) -> None:
    with pytest.raises(TypeError, match="f must return"):
        numerical_grad(lambda t: result, torch.ones(2))


def test_other_bad_arguments() -> None:
    x = torch.ones(2, dtype=torch.float64)
    with pytest.raises(TypeError, match="f must be a function"):
        numerical_grad("not a function", x)
    for h in (0.0, -1e-6, float("nan"), "1e-6", True):
        with pytest.raises(ValueError, match="positive finite"):
            numerical_grad(lambda t: t.sum(), x, h=h)
    with pytest.raises(ValueError, match="shaped like its input"):
        compare_grads(lambda t: t.sum(), x, analytic=torch.ones(3))
    with pytest.raises(TypeError, match="analytic must be a tensor"):
        compare_grads(lambda t: t.sum(), x, analytic=[1.0, 1.0])
    with pytest.raises(TypeError, match="autograd cannot differentiate"):
        compare_grads(lambda t: t.sum().item(), x)
    with pytest.raises(ValueError, match="rtol"):
        compare_grads(lambda t: t.sum(), x, rtol=-1.0)


def test_the_error_falls_like_h_squared() -> None:
    x = torch.tensor([1.0], dtype=torch.float64)
    errors = [abs(numerical_grad(lambda t: t.exp().sum(), x, h=h).item() - torch.e) for h in (1e-2, 1e-3)]
    assert 90 < errors[0] / errors[1] < 110  # ten times smaller h, a hundred times smaller error


def test_docstring_examples() -> None:
    result = doctest.testmod(fd, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 5 and result.failed == 0
