"""Exercises of chapter 13, Custom autograd.Function and gradient checking.

``SUSPECTS`` holds the four custom functions of Exercise 13.4; the chapter imports them from here.

13.1 and 13.5 ask for an ``autograd.Function`` class. Their checks subclass it with a backward
that records what the learner's backward returned (so a gradient computed where
``ctx.needs_input_grad`` says none is needed is visible), run it on float64 inputs with a random
``grad_output`` (so a backward that drops ``grad_output`` cannot hide behind ``.sum()``), and,
for 13.5, differentiate through it a second time. 13.3 runs the learner's finite-difference
function on cases the chapter did not show, among them a step so large that the formula's own
error shows (an exact answer from autograd is then not the formula) and a function computed in
NumPy, which autograd cannot see into.
"""
from __future__ import annotations

import math
import warnings
from typing import Any, Callable

import numpy as np
import torch
from torch.autograd import Function, gradcheck, gradgradcheck

from course_utils.checks import (
    Case,
    ChoiceExercise,
    FunctionExercise,
    Mistake,
    Run,
    register,
    wrong,
)
from course_utils.checks.answers import BadAnswer, Numbers, describe, read_numbers
from course_utils.checks.feedback import short
from course_utils.checks.evidence import Raised, attempt
from course_utils.checks.kinds import returns
from course_utils.checks.mistakes import recognise
from course_utils.checks.tolerance import close, close_tensors

# --- shared by the two exercises that ask for a Function class ---------------------------------

ONE_PER_INPUT = Mistake("backward returned fewer gradients than forward has inputs: return one entry per input of "
                        "forward, in order, None where there is no gradient", name="one_gradient_per_input")
GRADIENT_FOR_A_NUMBER = Mistake("backward returned a tensor in the place of an input that is a Python number: "
                                "that entry must be None", name="gradient_for_a_non_tensor")
GRADIENT_SHAPE = Mistake("backward returned a gradient whose shape is not its input's shape (was it summed?)",
                         name="gradient_of_the_wrong_shape")
NO_GRAD_OUTPUT = Mistake("grad_output was dropped: backward must multiply by the gradient arriving from above "
                         "(a test through .sum() would not notice, its grad_output is all ones)",
                         name="grad_output_dropped")
FORWARD_CHANGED = "forward no longer computes what it did: only backward should change"


def _function_class(answer: Any) -> type[Function] | None:
    """The Function subclass the answer is, or whose ``apply`` it is; None for anything else."""
    if isinstance(answer, type) and issubclass(answer, Function):
        return answer
    owner = getattr(answer, "__self__", None)
    if isinstance(owner, type) and issubclass(owner, Function) and getattr(answer, "__name__", "") == "apply":
        return owner
    return None


def _accepts_function_class(name: str):
    def accepts(answer: Any) -> str | None:
        if isinstance(answer, Function):
            return f"this is an instance of the class; pass the class {name} itself, without parentheses."
        if not callable(answer):
            return f"pass the class {name} itself (a subclass of torch.autograd.Function); this is {describe(answer)}."
        return None

    return accepts


def _spied(cls: type[Function], returned: list[Any]) -> type[Function]:
    """``cls`` with a backward that records what ``cls.backward`` returned.

    The subclass is made under the learner's class name: torch names the ``ctx`` of a Function's
    backward after its class (``MulSinBackward``), and an error the learner's backward raises
    quotes that name back to them.
    """

    def backward(ctx: Any, *grad_outputs: Any) -> Any:
        result = cls.backward(ctx, *grad_outputs)
        returned.append(result)
        return result

    return type(cls)(cls.__name__, (cls,), {"backward": staticmethod(backward), "__module__": cls.__module__,  # type: ignore[misc]
                                            "__qualname__": cls.__qualname__})


def _not_a_class_verdict(output: Any, name: str) -> str:
    node = getattr(output, "grad_fn", None) if isinstance(output, torch.Tensor) else None
    if node is not None and isinstance(node, torch.autograd.function.BackwardCFunction):
        return f"pass the class {name} itself, not a function that calls it, so that the check can see its backward."
    return (f"this is not a torch.autograd.Function: called on two tensors it returned {describe(output)}. "
            f"Pass the class {name} itself.")


def _raised_verdict(raised: Raised) -> Any:
    """The mistake that torch's refusal of a backward names (torch checks what backward returns)."""
    if raised.says("incorrect number of gradients"):
        return ONE_PER_INPUT
    if raised.says("different than None") and raised.says("not a Variable"):
        return GRADIENT_FOR_A_NUMBER
    if raised.says("invalid gradient at index"):
        return GRADIENT_SHAPE
    if raised.says("once_differentiable"):
        return ONCE_DIFFERENTIABLE
    return f"backward() through your class raised {type(raised.error).__name__}: {short(raised.error, 160)}"


# --- 13.1: the backward of f(x, y) = x · sin(y), with ctx.needs_input_grad ---------------------

SWAPPED = Mistake("the two gradients are swapped: backward returns them in the order of forward's inputs, x first",
                  name="gradients_swapped")
SIGN_OF_COS = Mistake("the gradient with respect to y has the wrong sign: sin differentiates to +cos (the minus "
                      "belongs to the derivative of cos)", name="sign_of_the_derivative_of_sin")
MISSING_X = Mistake("the gradient with respect to y lacks the factor x: z = x · sin(y), so ∂z/∂y keeps the x",
                    name="dropped_a_factor")
NONE_FOR_NEEDED = Mistake("backward returned None for an input that needs a gradient: check which position of "
                          "ctx.needs_input_grad belongs to which input of forward", name="none_for_a_needed_gradient")
UNNEEDED = Mistake("backward computed a gradient for an input that does not require one, although ctx said it is "
                   "not needed: return None in its place and skip the work", name="computed_unneeded_gradient")


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
        grad_x = grad_y = None
        if ctx.needs_input_grad[0]:
            grad_x = grad_output * torch.sin(y)
        if ctx.needs_input_grad[1]:
            grad_y = grad_output * x * torch.cos(y)
        return grad_x, grad_y


class _MulSinTernary(_MulSinForward):
    @staticmethod
    def backward(ctx, grad_output):
        x, y = ctx.saved_tensors
        needs_x, needs_y = ctx.needs_input_grad
        return (grad_output * y.sin() if needs_x else None), (grad_output * x * y.cos() if needs_y else None)


class _MulSinOldStyle(Function):
    """The older style: forward(ctx, ...) saves the tensors itself."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x * torch.sin(y)

    @staticmethod
    def backward(ctx, grad_output):
        x, y = ctx.saved_tensors
        return (grad_output * torch.sin(y) if ctx.needs_input_grad[0] else None,
                grad_output * x * torch.cos(y) if ctx.needs_input_grad[1] else None)


class _MulSinAlways(_MulSinForward):
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
        grad_x = torch.sin(y) if ctx.needs_input_grad[0] else None
        grad_y = x * torch.cos(y) if ctx.needs_input_grad[1] else None
        return grad_x, grad_y


class _MulSinSignFlipped(_MulSinForward):
    @staticmethod
    def backward(ctx, grad_output):
        x, y = ctx.saved_tensors
        grad_x = grad_output * torch.sin(y) if ctx.needs_input_grad[0] else None
        grad_y = -grad_output * x * torch.cos(y) if ctx.needs_input_grad[1] else None
        return grad_x, grad_y


class _MulSinOnlyX(_MulSinForward):
    @staticmethod
    def backward(ctx, grad_output):
        x, y = ctx.saved_tensors
        return grad_output * torch.sin(y)


class _MulSinIndicesSwapped(_MulSinForward):
    @staticmethod
    def backward(ctx, grad_output):
        x, y = ctx.saved_tensors
        grad_x = grad_output * torch.sin(y) if ctx.needs_input_grad[1] else None
        grad_y = grad_output * x * torch.cos(y) if ctx.needs_input_grad[0] else None
        return grad_x, grad_y


class _MulSinSummed(_MulSinForward):
    @staticmethod
    def backward(ctx, grad_output):
        x, y = ctx.saved_tensors
        return (grad_output * torch.sin(y)).sum(), (grad_output * x * torch.cos(y)).sum()


class _MulSinNewForward(_MulSin):
    @staticmethod
    def forward(x, y):
        return torch.sin(x * y)


def _instance_of_mul_sin() -> Function:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns that Functions should not be instantiated: the point
        return _MulSin()


def _drive_mul_sin(answer: Any):
    cls = _function_class(answer)

    def drive(x: torch.Tensor, y: torch.Tensor, v: torch.Tensor) -> dict[str, Any]:
        if cls is None:
            return {"plain": answer(x, y)}
        returned: list[Any] = []
        z = _spied(cls, returned).apply(x, y)
        grads = attempt(torch.autograd.grad, z, [t for t in (x, y) if t.requires_grad], v, allow_unused=True)
        if isinstance(grads, Raised):
            return {"z": z, "raised": grads}
        return {"z": z, "grads": grads, "returned": returned[0] if returned else None}

    return drive


def _mul_sin_case(shape: tuple[int, ...], x_needs: bool, y_needs: bool, seed: int):
    def inputs() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        generator = torch.Generator().manual_seed(seed)
        x, y, v = (torch.randn(shape, generator=generator, dtype=torch.float64) for _ in range(3))
        return x.requires_grad_(x_needs), y.requires_grad_(y_needs), v

    return inputs


def _judge_mul_sin(run: Run) -> Any:
    out = run.result
    if "plain" in out:
        return _not_a_class_verdict(out["plain"], "MulSin")
    x, y, v = (t.detach() for t in run.expected_inputs)
    if not close_tensors(out["z"], x * torch.sin(y)):
        return FORWARD_CHANGED
    if "raised" in out:
        return _raised_verdict(out["raised"])
    needs = (run.expected_inputs[0].requires_grad, run.expected_inputs[1].requires_grad)
    returned = out["returned"]
    if isinstance(returned, tuple):  # torch accepts, and drops, extra trailing Nones
        if any(need and entry is None for need, entry in zip(needs, returned)):
            return NONE_FOR_NEEDED
        if any(not need and entry is not None for need, entry in zip(needs, returned)):
            return UNNEEDED
    right = {0: v * torch.sin(y), 1: v * x * torch.cos(y)}
    typical = {0: [(NO_GRAD_OUTPUT, torch.sin(y)), (SWAPPED, v * x * torch.cos(y))],
               1: [(NO_GRAD_OUTPUT, x * torch.cos(y)), (SWAPPED, v * torch.sin(y)),
                   (SIGN_OF_COS, -v * x * torch.cos(y)), (MISSING_X, v * torch.cos(y))]}
    indices = [i for i, need in enumerate(needs) if need]
    for index, grad in zip(indices, out["grads"]):
        if grad is None:
            return NONE_FOR_NEEDED
        if not close_tensors(grad, right[index]):
            return (recognise(grad, typical[index])
                    or f"the gradient with respect to {'xy'[index]} is not grad_output · ∂z/∂{'xy'[index]}")
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

HALVED = Mistake("exactly half the second derivative: the sum of the two expansions has h²·f''(x), so divide by "
                 "h², not 2h²", name="divided_by_2h_squared")
NO_FACTOR_TWO = Mistake("the formula lacks the 2 in front of f(x): the two expansions each contribute one f(x)",
                        name="missing_the_2f")
ONE_SIDED = Mistake("a one-sided difference (f(x), f(x + h), f(x + 2h)): it is only accurate to order h; keep "
                    "the three points symmetric around x", name="one_sided_second_difference")
FIRST_DERIVATIVE = Mistake("this is the first derivative (the central difference of the chapter), not the second",
                           name="first_not_second_derivative")
DIVIDED_BY_2H = Mistake("the difference was divided by 2h (h * 2?) instead of by h² (h ** 2)", name="divided_by_2h")
STEP_2H = Mistake("this is the three-point formula with the step 2h (it uses f(x ± 2h)), as a central difference of "
                  "central differences gives: use f(x - h), f(x) and f(x + h)", name="second_difference_with_step_2h")
DIVIDED_BY_H = Mistake("the difference was divided by h once instead of by h²", name="divided_by_h_once")
FLOAT32 = Mistake("the result is float32: at h = 1e-3 its rounding error of about 1e-7 is divided by h² = 1e-6, "
                  "far too coarse; keep x's float64", name="second_difference_in_float32")
EXACT_NOT_FORMULA = Mistake("this is the exact second derivative (autograd's?), not the finite-difference formula: "
                            "at h = 0.1 the formula is off by about h²/12 · f''''(x), and the check asks for the "
                            "formula", name="autograd_instead_of_formula")


def _second_difference(f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, h: float) -> torch.Tensor:
    return (f(x + h) - 2 * f(x) + f(x - h)) / h**2


def _numpy_tanh(t: torch.Tensor) -> torch.Tensor:
    """tanh computed in NumPy: autograd cannot see into it."""
    return torch.from_numpy(np.tanh(t.detach().numpy()))


_EXACT: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "sin": lambda t: -torch.sin(t),
    "exp": torch.exp,
    "cubic": lambda t: 6 * t,
    "tanh": lambda t: -2 * torch.tanh(t) / torch.cosh(t) ** 2,
}


def _cubic(t: torch.Tensor) -> torch.Tensor:
    return t**3 - t


def _points(shape: tuple[int, ...], seed: int) -> torch.Tensor:
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) * 1.2


def _difference_case(f: Callable, shape: tuple[int, ...], h: float, seed: int):
    return lambda: (f, _points(shape, seed), h)


def _read_like(run: Run) -> Any:
    x = run.expected_inputs[1]
    try:
        given = read_numbers(run.result, max_elements=10 * x.numel() + 10)
    except BadAnswer as exc:
        return f"it returned {exc}"
    if given.values.size != x.numel():
        return (f"it returned {given.values.size} numbers for an x of {x.numel()} elements: return one second "
                "derivative per element, shaped like x")
    return given


def _typical_difference(given: Any, f: Callable, x: torch.Tensor, h: float, right: Any) -> Any:
    """The listed mistake ``given`` holds, never one whose numbers are the ``right`` ones within its tolerance.

    At h = 1e-3 the step-2h formula, and on exp the first derivative, are that close to the exact f'':
    a result slightly off the right value would otherwise be given their names.
    """
    typical = [(HALVED, (f(x + h) - 2 * f(x) + f(x - h)) / (2 * h**2)),
               (NO_FACTOR_TWO, (f(x + h) - f(x) + f(x - h)) / h**2),
               (ONE_SIDED, (f(x + 2 * h) - 2 * f(x + h) + f(x)) / h**2),
               (FIRST_DERIVATIVE, (f(x + h) - f(x - h)) / (2 * h)),
               (DIVIDED_BY_H, (f(x + h) - 2 * f(x) + f(x - h)) / h),
               (DIVIDED_BY_2H, (f(x + h) - 2 * f(x) + f(x - h)) / (2 * h)),
               (STEP_2H, (f(x + 2 * h) - 2 * f(x) + f(x - 2 * h)) / (4 * h**2))]
    shaped = Numbers(given.values.reshape(tuple(x.shape)), given.eps)  # a result flattened is read in x's shape
    return recognise(shaped, typical, right=right, rtol=1e-4, atol=1e-4)


def _judge_against_exact(name: str):
    def judge(run: Run) -> Any:
        given = _read_like(run)
        if not hasattr(given, "values"):
            return given
        f, x, h = run.expected_inputs
        exact = _EXACT[name](x).numpy()
        if close(given.values.reshape(tuple(x.shape)), exact, rtol=1e-5, atol=1e-5, eps=min(given.eps, 1e-12)):
            return None
        if given.eps > 1e-10:
            return FLOAT32
        mistake = _typical_difference(given, f, x, h, right=exact)
        return mistake or "the result is not the second derivative to the accuracy the formula has at h = 1e-3"

    return judge


def _judge_formula_at_large_step(run: Run) -> Any:
    given = _read_like(run)
    if not hasattr(given, "values"):
        return given
    f, x, h = run.expected_inputs
    values = given.values.reshape(tuple(x.shape))
    if close(values, read_numbers(run.expected).values.reshape(tuple(x.shape)), rtol=1e-6, atol=1e-12,
             eps=min(given.eps, 1e-12)):
        return None
    if close(values, _EXACT["sin"](x).numpy(), rtol=1e-7, atol=1e-9):
        return EXACT_NOT_FORMULA
    mistake = _typical_difference(given, f, x, h, right=run.expected)
    return mistake or ("at h = 0.1 the result differs from the three-point formula built from f(x - h), f(x) and "
                       "f(x + h)")


def _central_of_central(f: Callable, x: torch.Tensor, h: float) -> torch.Tensor:
    def derivative(t: torch.Tensor) -> torch.Tensor:
        return (f(t + h) - f(t - h)) / (2 * h)

    return (derivative(x + h) - derivative(x - h)) / (2 * h)


def _exact_by_autograd(f: Callable, x: torch.Tensor, h: float) -> torch.Tensor:
    x = x.detach().clone().requires_grad_()
    (first,) = torch.autograd.grad(f(x).sum(), x, create_graph=True)
    (second,) = torch.autograd.grad(first.sum(), x)
    return second


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


# --- 13.5: a backward with a non-tensor input, differentiable twice ----------------------------

ONCE_DIFFERENTIABLE = Mistake("backward is marked @once_differentiable, so autograd refuses to differentiate through "
                              "it; this exercise needs a second derivative", name="marked_once_differentiable")
NOT_TWICE = Mistake("the first derivative is right, but backward is not differentiable itself (.detach(), .item(), "
                    "NumPy or no_grad inside it), so the second derivative through it is lost: compute the "
                    "gradient with torch operations on the saved tensor", name="backward_not_differentiable")
POWER_TOO_HIGH = Mistake("the power of x in the gradient is one too high", name="power_not_lowered")
DIVIDED_BY_X = Mistake("the gradient is right everywhere except at x = 0, where it is NaN: a formula that divides by x "
                       "(n · xⁿ / x, the output divided by x) is 0/0 there; write the power of x itself",
                       name="divided_by_x")
FACTOR_MISSING = Mistake("the constant factor in front of the power of x is missing", name="dropped_the_factor_n")


class _PowForward(Function):
    """x ** n for a tensor x and a Python number n; subclasses supply backward."""

    @staticmethod
    def forward(x, n):
        return x**n

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, n = inputs
        ctx.save_for_backward(x)
        ctx.n = n


class _PowN(_PowForward):
    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * ctx.n * x ** (ctx.n - 1), None


class _PowNOneGradient(_PowForward):
    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * ctx.n * x ** (ctx.n - 1)


class _PowNGradientForN(_PowForward):
    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * ctx.n * x ** (ctx.n - 1), torch.zeros(())


class _PowNDetached(_PowForward):
    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * ctx.n * x.detach() ** (ctx.n - 1), None


class _PowNOnce(_PowForward):
    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * ctx.n * x ** (ctx.n - 1), None


class _PowNNoGradOutput(_PowForward):
    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return ctx.n * x ** (ctx.n - 1), None


class _PowNTooHigh(_PowForward):
    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * ctx.n * x**ctx.n, None


class _PowNNumPy(_PowForward):
    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        power = torch.from_numpy(np.power(x.detach().numpy(), ctx.n - 1))
        return grad_output * ctx.n * power, None


class _PowNFromOutput(Function):
    """Saves the output and divides it by x: right for every x but 0."""

    @staticmethod
    def forward(x, n):
        return x**n

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, n = inputs
        ctx.save_for_backward(x, output)
        ctx.n = n

    @staticmethod
    def backward(ctx, grad_output):
        x, output = ctx.saved_tensors
        return grad_output * ctx.n * output / x, None


class _PowNByProduct(Function):
    """Another right form: the older style (forward saves), with torch.pow and grad_output last."""

    @staticmethod
    def forward(ctx, x, n):
        ctx.save_for_backward(x)
        ctx.n = n
        return x**n

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return ctx.n * torch.pow(x, ctx.n - 1) * grad_output, None


def _drive_pow(answer: Any):
    cls = _function_class(answer)

    def drive(x: torch.Tensor, n: int, v: torch.Tensor, w: torch.Tensor) -> dict[str, Any]:
        if cls is None:
            return {"plain": answer(x, x)}
        z = cls.apply(x, n)
        v = v.detach().clone().requires_grad_()  # as in a second derivative: grad_output is part of the graph
        grads = attempt(torch.autograd.grad, z, x, v, create_graph=True)
        if isinstance(grads, Raised):
            return {"z": z, "raised": grads}
        (first,) = grads
        result: dict[str, Any] = {"z": z, "first": first.detach()}
        if not first.requires_grad:
            result["second"] = None
            return result
        twice = attempt(first.backward, w)  # runs every node below `first`, so a refusal (@once_differentiable) shows
        if isinstance(twice, Raised):
            result["raised_twice"] = twice
            return result
        result["second"] = torch.zeros_like(x) if x.grad is None else x.grad
        fresh = x.detach().clone().requires_grad_()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result["gradgradcheck"] = gradgradcheck(lambda t: cls.apply(t, n), (fresh,), raise_exception=False)
        return result

    return drive


def _pow_case(shape: tuple[int, ...], n: int, seed: int, zeros: int = 0):
    """Random x, grad_output v and second grad_output w; the first ``zeros`` elements of x are exactly 0."""

    def inputs() -> tuple[torch.Tensor, int, torch.Tensor, torch.Tensor]:
        generator = torch.Generator().manual_seed(seed)
        x, v, w = (torch.randn(shape, generator=generator, dtype=torch.float64) for _ in range(3))
        x.view(-1)[:zeros] = 0.0
        return x.requires_grad_(), n, v, w

    return inputs


def _judge_pow(run: Run) -> Any:
    out = run.result
    if "plain" in out:
        return _not_a_class_verdict(out["plain"], "PowN")
    x, n, v, w = run.expected_inputs
    x = x.detach()
    if not close_tensors(out["z"], x**n):
        return FORWARD_CHANGED
    if "raised" in out:
        return _raised_verdict(out["raised"])
    first = out["first"]
    if not bool(torch.isfinite(first).all()):
        at_zero = x == 0
        if bool(at_zero.any()) and bool(torch.isfinite(first[~at_zero]).all()) and close_tensors(
                first[~at_zero], (v * n * x ** (n - 1))[~at_zero]):
            return DIVIDED_BY_X
        return "the gradient with respect to x holds NaN or infinite values"
    if not close_tensors(first, v * n * x ** (n - 1)):
        typical = [(NO_GRAD_OUTPUT, n * x ** (n - 1)), (POWER_TOO_HIGH, v * n * x**n),
                   (FACTOR_MISSING, v * x ** (n - 1))]
        return recognise(first, typical) or "the gradient with respect to x is not grad_output · ∂(xⁿ)/∂x"
    if "raised_twice" in out:
        verdict = _raised_verdict(out["raised_twice"])
        return verdict if isinstance(verdict, Mistake) else NOT_TWICE
    if out["second"] is None or not close_tensors(out["second"], v * w * n * (n - 1) * x ** (n - 2)):
        return NOT_TWICE
    if not out["gradgradcheck"]:
        return ("gradgradcheck fails: the derivative of your backward with respect to grad_output is not right "
                "(is grad_output detached?)")
    return None


register(
    FunctionExercise(
        id="custom_functions_gradcheck.mul_sin_backward",
        title="the backward of z = x · sin(y), with ctx.needs_input_grad",
        hint="backward receives grad_output = dL/dz and returns one entry per input of forward, in order: "
             "grad_output · ∂z/∂x, then grad_output · ∂z/∂y. Do not drop grad_output (a test through .sum() would "
             "not notice), keep the sign of the derivative of sin straight, and compute an entry only when ctx "
             "says that input needs a gradient; None otherwise.",
        first_step="Write ∂z/∂x and ∂z/∂y on paper first. Then start backward with grad_x = grad_y = None, and "
                   "fill in each one inside an if on the matching element of ctx.needs_input_grad.",
        solution=returns(_MulSin),
        signature="MulSin",
        what="class",
        adapt=_drive_mul_sin,
        accepts=_accepts_function_class("MulSin"),
        cases=[Case("x and y of shape (4,), both requiring grad", _mul_sin_case((4,), True, True, 131),
                    judge=_judge_mul_sin),
               Case("x and y of shape (2, 3), both requiring grad", _mul_sin_case((2, 3), True, True, 132),
                    judge=_judge_mul_sin),
               Case("only x requiring grad", _mul_sin_case((5,), True, False, 133), judge=_judge_mul_sin),
               Case("only y requiring grad", _mul_sin_case((5,), False, True, 134), judge=_judge_mul_sin)],
        right_examples=[returns(_MulSinTernary), returns(_MulSinOldStyle), lambda: _MulSin.apply],
        wrong_examples=[wrong(returns(_MulSinAlways), says=UNNEEDED.says),
                        wrong(returns(_MulSinSwapped), says=SWAPPED.says),
                        wrong(returns(_MulSinNoGradOutput), says=NO_GRAD_OUTPUT.says),
                        wrong(returns(_MulSinSignFlipped), says=SIGN_OF_COS.says),
                        wrong(returns(_MulSinOnlyX), says=ONE_PER_INPUT.says),
                        wrong(returns(_MulSinSummed), says=GRADIENT_SHAPE.says),
                        wrong(returns(_MulSinIndicesSwapped), says=NONE_FOR_NEEDED.says),
                        wrong(returns(_MulSinNewForward), says=FORWARD_CHANGED),
                        wrong(_instance_of_mul_sin, says="an instance of the class"),
                        wrong(returns(lambda x, y: x * torch.sin(y)), says="not a torch.autograd.Function"),
                        wrong(returns(lambda x, y: _MulSin.apply(x, y)), says="not a function that calls it")],
    ),
    ChoiceExercise(
        id="custom_functions_gradcheck.gradcheck_predictions",
        title="which gradcheck calls return True",
        hint="gradcheck compares your backward's Jacobian with a numerical one, within tolerances, and the numerical "
             "one is only as good as the dtype and the step allow. For each call, compare the size of the "
             "backward's error, the dtype and the step with gradcheck's defaults (sections 'gradcheck in float64' "
             "and 'A correct function fails in float32').",
        first_step="Take the calls one at a time and ask two questions: is the backward right to within rtol=1e-3 "
                   "of the true derivative, and can the numerical side be trusted with this dtype, step and "
                   "tolerance? A call returns True only if both answers are yes.",
        options=("a", "b", "c", "d", "e"),
        multiple=True,
        solution=_gradcheck_predictions,
        mistakes=[Mistake("gradcheck read as an exact comparison: it compares within tolerances, so an error far "
                          "below them passes, and wider tolerances change the verdict", lambda e: {"a"},
                          name="gradcheck_seen_as_exact"),
                  Mistake("a correct backward checked in float32 with gradcheck's default step counted as passing: "
                          "the finite differences themselves are too coarse there", lambda e: set(e) | {"b"},
                          name="float32_default_step_passes"),
                  Mistake("a backward 1% off counted as passing: 1% is ten times gradcheck's default rtol",
                          lambda e: set(e) | {"c"}, name="one_percent_error_passes"),
                  Mistake("an error of one part in ten million counted as failing: it is far below gradcheck's "
                          "default rtol=1e-3", lambda e: set(e) - {"d"}, name="tiny_error_fails"),
                  Mistake("float32 counted as failing whatever the settings: with a larger step and looser "
                          "tolerances the numerical side is good enough", lambda e: set(e) - {"e"},
                          name="float32_always_fails")],
        wrong_examples=[wrong(lambda: {"a"}, says="read as an exact comparison"),
                        wrong(lambda: {"a", "b", "d", "e"}, says="default step counted as passing"),
                        wrong(lambda: {"a", "c", "d", "e"}, says="1% off counted as passing"),
                        wrong(lambda: {"a", "d"}, says="float32 counted as failing"),
                        wrong(lambda: {"a", "e"}, says="one part in ten million counted as failing"),
                        lambda: {"a", "c"}, lambda: "a"],
    ),
    FunctionExercise(
        id="custom_functions_gradcheck.second_difference",
        title="a second derivative by central differences",
        hint="Add the Taylor expansions of f(x + h) and f(x − h): the odd terms cancel, leaving a sum with f(x) "
             "twice, h²·f''(x) and O(h⁴). Solve it for f''(x), keep the three points symmetric around x (a "
             "one-sided difference is only accurate to O(h)), and compute the formula itself: the check also "
             "runs it where autograd cannot look inside f.",
        first_step="Write both expansions up to h² on paper, f(x ± h) = f(x) ± h·f'(x) + h²/2·f''(x) + ..., and add "
                   "them. Then test your function on torch.exp at x = torch.tensor([0.0], dtype=torch.float64): "
                   "the second derivative there is 1.",
        solution=returns(_second_difference),
        signature="second_difference(f, x, h)",
        cases=[Case("f = sin at five points, h = 1e-3", _difference_case(torch.sin, (5,), 1e-3, 135),
                    judge=_judge_against_exact("sin")),
               Case("f = exp at five points, h = 1e-3", _difference_case(torch.exp, (5,), 1e-3, 136),
                    judge=_judge_against_exact("exp")),
               Case("f = x³ − x on a 2×3 tensor, h = 1e-3", _difference_case(_cubic, (2, 3), 1e-3, 137),
                    judge=_judge_against_exact("cubic")),
               Case("f = sin with a large step h = 0.1, where the formula's own error shows",
                    _difference_case(torch.sin, (4,), 0.1, 138), judge=_judge_formula_at_large_step),
               Case("f = tanh computed in NumPy, which autograd cannot see into, h = 1e-3",
                    _difference_case(_numpy_tanh, (5,), 1e-3, 139), judge=_judge_against_exact("tanh"))],
        right_examples=[returns(lambda f, x, h: (f(x - h) + f(x + h) - 2 * f(x)) / (h * h)),
                        returns(lambda f, x, h: ((f(x + h) - f(x)) / h - (f(x) - f(x - h)) / h) / h)],
        wrong_examples=[wrong(returns(lambda f, x, h: (f(x + h) - f(x) + f(x - h)) / h**2), says=NO_FACTOR_TWO.says),
                        wrong(returns(lambda f, x, h: (f(x + h) - 2 * f(x) + f(x - h)) / (2 * h**2)), says=HALVED.says),
                        wrong(returns(lambda f, x, h: (f(x + 2 * h) - 2 * f(x + h) + f(x)) / h**2),
                              says=ONE_SIDED.says),
                        wrong(returns(lambda f, x, h: (f(x + h) - f(x - h)) / (2 * h)), says=FIRST_DERIVATIVE.says),
                        wrong(returns(lambda f, x, h: (f(x + h) - 2 * f(x) + f(x - h)) / h), says=DIVIDED_BY_H.says),
                        wrong(returns(lambda f, x, h: _second_difference(f, x.float(), h)), says=FLOAT32.says),
                        wrong(returns(_exact_by_autograd), says=EXACT_NOT_FORMULA.says),
                        wrong(returns(_central_of_central), says=STEP_2H.says),
                        wrong(returns(lambda f, x, h: (f(x + h) - 2 * f(x) + f(x - h)) / (h * 2)),
                              says=DIVIDED_BY_2H.says),
                        wrong(lambda: math.sin, says="your code raised TypeError")],
    ),
    ChoiceExercise(
        id="custom_functions_gradcheck.find_the_buggy",
        title="which custom functions have a wrong backward",
        hint="Test like gradcheck does: inputs of both signs (a bug may hide on one side), and outputs that are "
             "not just summed. A backward that ignores grad_output is right for .sum(), whose grad_output is all ones.",
        first_step="Make one float64 input with requires_grad=True that holds negative and positive numbers, for "
                   "example torch.linspace(-2, 2, 9, dtype=torch.float64), then call gradcheck on each suspect's "
                   "apply with raise_exception=False.",
        options=tuple(SUSPECTS),
        multiple=True,
        solution=_buggy_suspects,
        mistakes=[Mistake("the result of a test on positive inputs alone: a bug can hide on one side of zero",
                          lambda e: {"log_cosh"}, name="tested_positive_inputs_only"),
                  Mistake("the result of a test through .sum() alone: a backward that ignores grad_output passes it",
                          lambda e: {"leaky_relu"}, name="tested_through_sum_only"),
                  Mistake("a test that found no bug: test with inputs of both signs and not only through .sum() "
                          "(gradcheck does both)", lambda e: set(), name="found_no_bug"),
                  Mistake("every suspect flagged, which is what gradcheck reports in float32, where even a correct "
                          "backward fails: run it on float64 inputs", lambda e: set(SUSPECTS),
                          name="all_flagged_float32")],
        wrong_examples=[wrong(lambda: {"log_cosh"}, says="positive inputs alone"),
                        wrong(lambda: {"leaky_relu"}, says="through .sum()"),
                        wrong(lambda: set(), says="found no bug"),
                        wrong(lambda: set(SUSPECTS), says="gradcheck reports in float32"),
                        lambda: {"leaky_relu", "swish"}, lambda: {"smooth_abs", "swish"}],
    ),
    FunctionExercise(
        id="custom_functions_gradcheck.pow_backward",
        title="the backward of xⁿ for a Python number n, differentiable twice",
        hint="forward has two inputs, the tensor x and the number n, so backward returns two entries, and the one "
             "for n is None. Write the gradient with torch operations on the saved tensor: autograd then "
             "differentiates your backward too when asked for a second derivative (nothing detached, no NumPy, no "
             "@once_differentiable).",
        first_step="Start from the derivative of xⁿ on paper. In backward, read x from ctx.saved_tensors and n from "
                   "the attribute setup_context stored, multiply by grad_output, and return a pair whose second "
                   "element is None.",
        solution=returns(_PowN),
        signature="PowN",
        what="class",
        adapt=_drive_pow,
        accepts=_accepts_function_class("PowN"),
        cases=[Case("x holding five numbers of both signs and n = 3", _pow_case((5,), 3, 151), judge=_judge_pow),
               Case("x a 2×3 tensor and n = 2", _pow_case((2, 3), 2, 152), judge=_judge_pow),
               Case("x holding five numbers and n = 4", _pow_case((5,), 4, 153), judge=_judge_pow),
               Case("x holding four numbers, one of them 0, and n = 3", _pow_case((4,), 3, 154, zeros=1),
                    judge=_judge_pow)],
        right_examples=[returns(_PowNByProduct), lambda: _PowN.apply],
        wrong_examples=[wrong(returns(_PowNOneGradient), says=ONE_PER_INPUT.says),
                        wrong(returns(_PowNGradientForN), says=GRADIENT_FOR_A_NUMBER.says),
                        wrong(returns(_PowNDetached), says=NOT_TWICE.says),
                        wrong(returns(_PowNNumPy), says=NOT_TWICE.says),
                        wrong(returns(_PowNOnce), says=ONCE_DIFFERENTIABLE.says),
                        wrong(returns(_PowNNoGradOutput), says=NO_GRAD_OUTPUT.says),
                        wrong(returns(_PowNTooHigh), says=POWER_TOO_HIGH.says),
                        wrong(returns(_PowNFromOutput), says=DIVIDED_BY_X.says),
                        wrong(lambda: 3, says="pass the class PowN itself")],
    ),
)
