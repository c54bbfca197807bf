"""Exercises of chapter 10, Higher-order derivatives.

10.1 to 10.3 ask for numbers (the core names mistakes of any shape). 10.4 asks for a function,
``hvp(f, x, v)``, and watches it work (:func:`observing`): the size of every tensor it makes (a whole
Hessian shows) and whether it calls a ready-made product. Chapter 11's ``hvp_with_func`` is judged
by the same :func:`hvp_judge`, so these helpers come first and import ``course_utils.checks`` only
when called: importing it loads every chapter's module, chapter 11's among them, which uses them
while this module is still being imported.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
import torch

# ---------------------------------------------------------------------------------- shared with chapter 11

READY_MADE = ("torch.autograd.functional.hvp", "torch.autograd.functional.vhp")


class Directions:
    """Several directions v, one per row: the case runs the function under ``vmap`` over them."""

    def __init__(self, rows: torch.Tensor) -> None:
        self.rows = rows


@dataclass
class Observed:
    """What a learner's function did on one case: its result (or the error it raised) and what it was seen doing."""

    value: Any = None
    failure: Any = None                   # a course_utils.checks.evidence.Raised, when it raised
    largest: int = 0                      # the most elements of any tensor made while it ran
    used: tuple[str, ...] = ()            # ready-made helpers it called
    works_with_tracked_x: bool | None = None  # after a failure: does it work when x requires grad?


def observing(function: Callable[..., Any]) -> Callable[..., Observed]:
    """``function(f, x, v)`` run under the checks' evidence tools, with what it did recorded in an :class:`Observed`.

    Used as a FunctionExercise's ``adapt``: the reference goes through it too. A ``v`` given as
    :class:`Directions` makes the call ``vmap(function, in_dims=(None, None, 0))(f, x, rows)``.

    >>> seen = observing(lambda f, x, v: v * 2)(None, torch.ones(2), torch.ones(2))
    >>> seen.value.tolist(), seen.failure is None, seen.largest
    ([2.0, 2.0], True, 2)
    """
    from course_utils.checks.evidence import Raised, TorchCalls, attempt, calls_to

    def run(f: Any, x: torch.Tensor, v: Any) -> Observed:
        target: Callable[..., Any] = function
        if isinstance(v, Directions):
            target, v = torch.func.vmap(function, in_dims=(None, None, 0)), v.rows
        with calls_to(*READY_MADE) as used, TorchCalls() as calls:
            value = attempt(target, f, x, v)
        seen = Observed(largest=calls.largest, used=tuple(used))
        if not isinstance(value, Raised):
            seen.value = value
            return seen
        seen.failure = value
        if isinstance(x, torch.Tensor) and not x.requires_grad:
            seen.works_with_tracked_x = not isinstance(attempt(target, f, x.detach().clone().requires_grad_(), v),
                                                       Raised)
        return seen

    return run


def _agrees(value: Any, expected: torch.Tensor) -> bool:
    from course_utils.checks.kinds import numbers_problem

    return numbers_problem(value, expected) is None


def _hvp_reference(f: Callable, x: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    x = x.detach().requires_grad_()
    (g,) = torch.autograd.grad(f(x), x, create_graph=True)
    (hv,) = torch.autograd.grad(g @ v, x)
    return hv.detach()


def _gradient(f: Callable, x: torch.Tensor) -> torch.Tensor:
    x = x.detach().requires_grad_()
    return torch.autograd.grad(f(x), x)[0]


def hvp_judge(mistakes: dict[str, Any]) -> Callable[[Any], Any]:
    """The judge of one case of an hvp exercise; ``mistakes`` maps what was found to how it is named.

    Keys: ``failed_untracked``, ``failed_no_graph``, ``failed_not_scalar``, ``failed_tuples``,
    ``failed_under_vmap``, ``ready_made``, ``built_hessian``, ``changed_x``, ``tuple``, ``pair``,
    ``gradient``, ``directional``, ``accumulated``, ``ignored_v``, ``chapter_f`` (those an exercise
    does not list are not looked for).
    """
    from course_utils.checks import Run, same_numbers
    from course_utils.checks.tolerance import close

    def judge(run: Run) -> Any:
        seen, reference = run.result, run.expected
        f, x, v = run.inputs
        batched = isinstance(v, Directions)
        x0 = run.expected_inputs[1]
        failure = seen.failure
        if failure is not None:
            if batched and "failed_under_vmap" in mistakes:
                return mistakes["failed_under_vmap"]
            if failure.says("does not require grad"):
                if seen.works_with_tracked_x and "failed_untracked" in mistakes:
                    return mistakes["failed_untracked"]
                if "failed_no_graph" in mistakes:
                    return mistakes["failed_no_graph"]
            if failure.says("implicitly created only for scalar outputs") and "failed_not_scalar" in mistakes:
                return mistakes["failed_not_scalar"]
            if failure.says("to be a tuple") and "failed_tuples" in mistakes:
                return mistakes["failed_tuples"]
            failure.reraise()
        if seen.used and "ready_made" in mistakes:
            return mistakes["ready_made"]
        n = x0.numel()
        if n >= 20 and seen.largest >= n * n and "built_hessian" in mistakes:
            return mistakes["built_hessian"]
        if isinstance(x, torch.Tensor) and x.requires_grad and "changed_x" in mistakes:
            return mistakes["changed_x"]
        if isinstance(x, torch.Tensor) and not close(x.detach().double().numpy(), x0.detach().double().numpy()):
            return "it changed the values of the x it was given; leave the caller's tensors as they are"
        value, expected = seen.value, reference.value
        if isinstance(value, (tuple, list)) and not batched:
            if len(value) == 1 and _agrees(value[0], expected) and "tuple" in mistakes:
                return mistakes["tuple"]
            if len(value) == 2 and _agrees(value[1], expected) and "pair" in mistakes:
                return mistakes["pair"]
        verdict = same_numbers(Run(value, run.inputs, expected, run.expected_inputs))
        if verdict is None or batched:
            return verdict
        directions = run.expected_inputs[2]
        g = _gradient(f, x0)
        family = {
            "gradient": g,
            "directional": g @ directions,
            "accumulated": g + expected,
            "ignored_v": _hvp_reference(f, x0, torch.ones_like(directions)),
            "chapter_f": _hvp_reference(_case_function("chapter"), x0, directions),
        }
        for key, typical in family.items():
            if key in mistakes and not _agrees(expected, typical) and _agrees(value, typical):
                return mistakes[key]
        return verdict

    return judge


def _case_function(kind: str) -> Callable[[torch.Tensor], torch.Tensor]:
    if kind == "chapter":
        return lambda x: (x**2).sum() ** 2 + x.prod()
    if kind == "sin":
        return lambda x: torch.sin(x).sum() * x[0]
    if kind == "logsumexp":
        return lambda x: torch.logsumexp(3 * x, dim=0)
    return lambda x: torch.logsumexp(x, dim=0) + (x**4).sum() / 4


def hvp_inputs(kind: str, n: int, seed: int, chapter_point: Sequence[float] | None = None,
               directions: int = 0) -> Callable[[], tuple]:
    """Fresh ``(f, x, v)`` for a case, drawn from a private generator (the learner's random state is untouched).

    >>> f, x, v = hvp_inputs("sin", 5, seed=1)()
    >>> tuple(x.shape), x.requires_grad
    ((5,), False)
    """
    def make() -> tuple:
        generator = torch.Generator().manual_seed(seed)
        if chapter_point is not None:
            x = torch.tensor(list(chapter_point), dtype=torch.float64)
            v = torch.tensor([1.0, 0.0, -1.0], dtype=torch.float64)
        else:
            x = torch.randn(n, generator=generator, dtype=torch.float64)
            v = torch.randn(n, generator=generator, dtype=torch.float64)
        if directions:
            return _case_function(kind), x, Directions(torch.randn(directions, n, generator=generator,
                                                                   dtype=torch.float64))
        return _case_function(kind), x, v

    return make


# Importing course_utils.checks loads every chapter's module (chapter 11 uses the helpers above).
from course_utils.checks import (  # noqa: E402
    DOUBLED,
    SIGN_FLIPPED,
    Case,
    FunctionExercise,
    Mistake,
    NumericExercise,
    register,
    wrong,
)


# ---------------------------------------------------------------------------------- 10.1 and 10.2

def _x2_sin(x: torch.Tensor) -> torch.Tensor:
    return x**2 * torch.sin(x)


def _first_and_second(f, at: float) -> tuple[float, float]:
    x = torch.tensor(at, dtype=torch.float64, requires_grad=True)
    (d1,) = torch.autograd.grad(f(x), x, create_graph=True)
    (d2,) = torch.autograd.grad(d1, x)
    return d1.item(), d2.item()


def _accumulated_first_and_second() -> float:
    """What a learner gets from backward(create_graph=True), then x.grad.backward(): f' + f''."""
    return sum(_first_and_second(_x2_sin, 1.0))


def _grad_of_grad() -> float:
    x = torch.tensor(3.0, requires_grad=True)
    (g,) = torch.autograd.grad(x**2, x, create_graph=True)
    g.backward()
    assert x.grad is not None, "backward() fills the gradient of x"
    return x.grad.item()


SECOND_FIRST_ONLY = Mistake("the first derivative f'(1): one more differentiation is needed",
                            lambda e: _first_and_second(_x2_sin, 1.0)[0], name="first_derivative_only")
SECOND_VALUE = Mistake("the value f(1), not a derivative", lambda e: math.sin(1.0), name="value_not_derivative")
SECOND_ACCUMULATED = Mistake(
    "f'(1) + f''(1): the second backward() added f'' into x.grad, which still held f' (x.grad accumulates); "
    "use torch.autograd.grad, which returns each derivative instead of adding it",
    lambda e: _accumulated_first_and_second(), name="accumulated_first_and_second")

SECOND_GRAD_EMPTY = Mistake("torch.autograd.grad returns the derivative and leaves x.grad empty; pass what it "
                            "returns", name="grad_read_from_dot_grad")
GRAD_READ_TOO_EARLY = Mistake("x.grad is still empty before g.backward() runs; after it, x.grad holds a number: "
                              "run the three lines, then read x.grad", name="grad_read_before_backward")
GRAD_FIRST = Mistake("the first derivative 2x at x = 3: x.grad receives dg/dx, where g is already the first "
                     "derivative", lambda e: 6.0, name="first_derivative_not_of_g")
GRAD_VALUE = Mistake("the value of y = x²: backward() stores a derivative, never the value",
                     lambda e: 9.0, name="value_not_derivative")
GRAD_CONSTANT = Mistake("zero, as if g were a constant: create_graph=True made g a function of x, with a graph "
                        "that g.backward() follows", lambda e: 0.0, name="gradient_as_constant")


# ---------------------------------------------------------------------------------- 10.3 Newton's method

def newton_function(x: torch.Tensor) -> torch.Tensor:
    """The function of the Newton exercise: x⁴ − 3x² + 2x (a local minimum at x = 1).

    >>> newton_function(torch.tensor(1.0)).item()
    0.0
    """
    return x**4 - 3 * x**2 + 2 * x


def _iterates(update: Callable[[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor],
              start: float = 2.0, steps: int = 3) -> list[float]:
    """Three steps x <- update(x, f, f', f''), with the derivatives from autograd (float64)."""
    x = torch.tensor(start, dtype=torch.float64)
    iterates = []
    for _ in range(steps):
        x = x.detach().requires_grad_()
        y = newton_function(x)
        (d1,) = torch.autograd.grad(y, x, create_graph=True)
        (d2,) = torch.autograd.grad(d1, x)
        x = update(x, y, d1, d2).detach()
        iterates.append(x.item())
    return iterates


def _newton() -> list[float]:
    return _iterates(lambda x, y, d1, d2: x - d1 / d2)


NEWTON_ADDED = Mistake("the step was added instead of subtracted (x + f'/f'')",
                       lambda e: _iterates(lambda x, y, d1, d2: x + d1 / d2), name="newton_step_added")
NEWTON_GD = Mistake("gradient descent with lr = 0.01 (x − lr·f'), not Newton's x − f'/f''",
                    lambda e: _iterates(lambda x, y, d1, d2: x - 0.01 * d1), name="gradient_descent_not_newton")
NEWTON_ROOT = Mistake("x − f/f': that is Newton's method for a zero of f; here it looks for a zero of f', so "
                      "the step divides f' by f''", lambda e: _iterates(lambda x, y, d1, d2: x - y / d1),
                      name="newton_for_a_root")
NEWTON_UPSIDE_DOWN = Mistake("x − f''/f': the ratio is upside down",
                             lambda e: _iterates(lambda x, y, d1, d2: x - d2 / d1), name="newton_ratio_inverted")
NEWTON_ACCUMULATED = Mistake("x − f'/(f' + f''): the second backward() added f'' into x.grad, which still held f' "
                             "(x.grad accumulates); torch.autograd.grad returns each derivative instead",
                             lambda e: _iterates(lambda x, y, d1, d2: x - d1 / (d1 + d2)),
                             name="accumulated_first_and_second")
NEWTON_START = Mistake("the list starts with the starting point 2: pass the three new values x1, x2, x3",
                       lambda e: [2.0, *list(np.asarray(e).reshape(-1)[:2])], name="newton_start_included")
NEWTON_FOUR = Mistake("four values, the start included: pass only the three new values x1, x2, x3",
                      lambda e: [2.0, *list(np.asarray(e).reshape(-1))], name="newton_start_included")
NEWTON_LAST = Mistake("only the last iterate: pass the x after each of the three steps, in a list",
                      lambda e: float(np.asarray(e).reshape(-1)[-1]), name="newton_last_only")
NEWTON_REPEATED = Mistake("the last iterate three times: append x after each step, not the final x at the end",
                          lambda e: [float(np.asarray(e).reshape(-1)[-1])] * 3, name="newton_last_only")


# ---------------------------------------------------------------------------------- 10.4 hvp

HVP_MISTAKES = {
    "gradient": Mistake("the gradient of f, not H·v: the gradient is only the first differentiation.",
                        name="gradient_not_hvp"),
    "tuple": Mistake("a tuple holding H·v: torch.autograd.grad returns a tuple, one gradient per input; unpack it "
                     "(hv, = ...).", name="returned_tuple"),
    "failed_no_graph": Mistake("the second differentiation found no graph behind the gradient: the first one must "
                               "record its own backward pass.", name="first_grad_not_recorded"),
    "failed_untracked": Mistake("x arrives without requires_grad (as for functional.hvp), so the first "
                                "differentiation has nothing to follow: start from a tracked copy of x.",
                                name="input_not_tracked"),
    "failed_not_scalar": Mistake("the second differentiation was given a vector: torch.autograd.grad needs one number "
                                 "(or grad_outputs), so combine the gradient with v first.",
                                 name="second_grad_of_vector"),
    "changed_x": Mistake("the caller's x now has requires_grad=True: x.requires_grad_() changed the tensor it was "
                         "given; work on a tracked copy.", name="changed_callers_x"),
    "accumulated": Mistake("∇f + H·v: the second backward() added H·v into x.grad, which still held the gradient "
                           "(x.grad accumulates).", name="accumulated_gradient_and_hvp"),
    "built_hessian": Mistake("the whole n × n Hessian was built (a tensor of n² numbers appeared): H·v by double "
                             "backward never forms H, which is the point for a model with millions of inputs.",
                             name="built_hessian"),
    "ready_made": Mistake("it calls torch.autograd.functional's ready-made product: write the two differentiations "
                          "yourself.", name="called_ready_made_hvp"),
    "ignored_v": Mistake("H times a vector of ones: the second differentiation ignored v (the sum of the gradient "
                         "instead of its product with v).", name="ignored_v"),
    "directional": Mistake("one number, ∇f·v, the rate of change of f along v: differentiate it once more.",
                           name="directional_derivative_only"),
    "chapter_f": Mistake("H·v of the chapter's function, not of the f it was given: call f itself inside hvp.",
                         name="ignores_given_f"),
}


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


def _hvp_changes_x(f, x, v):
    x.requires_grad_()
    (g,) = torch.autograd.grad(f(x), x, create_graph=True)
    return torch.autograd.grad(g @ v, x)[0]


def _hvp_by_backward_twice(f, x, v):
    x = x.detach().requires_grad_()
    f(x).backward(create_graph=True)
    (x.grad @ v).backward()
    return x.grad


def _hvp_from_hessian(f, x, v):
    return torch.autograd.functional.hessian(f, x) @ v


def _hvp_ready_made(f, x, v):
    return torch.autograd.functional.hvp(f, x, v)[1]


def _hvp_ignores_v(f, x, v):
    x = x.detach().requires_grad_()
    (g,) = torch.autograd.grad(f(x), x, create_graph=True)
    return torch.autograd.grad(g.sum(), x)[0]


def _hvp_elementwise(f, x, v):
    x = x.detach().requires_grad_()
    (g,) = torch.autograd.grad(f(x), x, create_graph=True)
    return torch.autograd.grad(g * v, x)[0]  # raises: a vector has no implicit gradient


def _hvp_directional(f, x, v):
    x = x.detach().requires_grad_()
    (g,) = torch.autograd.grad(f(x), x, create_graph=True)
    return g @ v


def _hvp_chapter_f_only(f, x, v):
    x = x.detach().requires_grad_()
    (g,) = torch.autograd.grad((x**2).sum() ** 2 + x.prod(), x, create_graph=True)
    return torch.autograd.grad(g @ v, x)[0]


def _hvp_grad_outputs(f, x, v):
    x = x.detach().requires_grad_()
    (g,) = torch.autograd.grad(f(x), x, create_graph=True)
    return torch.autograd.grad(g, x, grad_outputs=v)[0]


def _hvp_graph_kept(f, x, v):
    x = x.detach().requires_grad_()
    (g,) = torch.autograd.grad(f(x), x, create_graph=True)
    (hv,) = torch.autograd.grad(g @ v, x, create_graph=True)
    return hv


def _hvp_float32(f, x, v):
    x = x.detach().float().requires_grad_()
    (g,) = torch.autograd.grad(f(x), x, create_graph=True)
    return torch.autograd.grad(g @ v.float(), x)[0]


_judge_hvp = hvp_judge(HVP_MISTAKES)

HVP_CASES = [
    Case("the chapter's function at (1, -2, 0.5) with v = (1, 0, -1)",
         hvp_inputs("chapter", 3, seed=0, chapter_point=(1.0, -2.0, 0.5)), _judge_hvp),
    Case("f(x) = x[0]·sum(sin(x)) at 5 random inputs", hvp_inputs("sin", 5, seed=10), _judge_hvp),
    Case("f(x) = logsumexp(3x) at 4 random inputs", hvp_inputs("logsumexp", 4, seed=11), _judge_hvp),
    Case("f(x) = logsumexp(x) + sum(x⁴)/4 at 40 random inputs", hvp_inputs("wide", 40, seed=12), _judge_hvp),
]


register(
    NumericExercise(
        id="higher_order_derivatives.second_derivative",
        title="f''(1) for f(x) = x² · sin(x)",
        hint="The first derivative must itself be a tensor with a graph behind it (look at its grad_fn), or the "
             "second call has nothing to differentiate: ask the first call to record its own backward pass. "
             "torch.autograd.grad returns each derivative; backward() adds into x.grad.",
        first_step="x = torch.tensor(1.0, requires_grad=True); first, = torch.autograd.grad(x ** 2 * torch.sin(x), "
                   "x, ...) with the option that records the graph; print(first.grad_fn) must show a backward node, "
                   "not None, and first.item() is f'(1), about 2.2232. Then differentiate first.",
        solution=lambda: _first_and_second(_x2_sin, 1.0)[1],
        mistakes=[SECOND_FIRST_ONLY, SECOND_VALUE, SECOND_ACCUMULATED, DOUBLED, SIGN_FLIPPED],
        none_says=SECOND_GRAD_EMPTY,
        wrong_examples=[wrong(lambda: _first_and_second(_x2_sin, 1.0)[0], "one more differentiation"),
                        wrong(lambda: math.sin(1.0), "the value f(1)"),
                        wrong(_accumulated_first_and_second, "x.grad accumulates"),
                        wrong(lambda: torch.tensor([2 * _first_and_second(_x2_sin, 1.0)[1]]), "exactly twice"),
                        wrong(lambda: None, "leaves x.grad empty")],
        right_examples=[lambda: torch.tensor([_first_and_second(_x2_sin, 1.0)[1]], dtype=torch.float32),
                        lambda: (torch.tensor(_first_and_second(_x2_sin, 1.0)[1]),),
                        lambda: np.float32(_first_and_second(_x2_sin, 1.0)[1])],
    ),
    NumericExercise(
        id="higher_order_derivatives.grad_of_grad",
        title="x.grad after backward() on a gradient",
        hint="g is not a plain number: the option create_graph=True made it a result with its own graph, computed "
             "from x. g.backward() therefore differentiates g, not y = x², and stores that derivative in x.grad.",
        first_step="Run the three lines, then print(g, g.grad_fn): g has a grad_fn, so it is a result computed from "
                   "x. Write g as a formula in x; x.grad receives the derivative of that formula at x = 3.",
        solution=_grad_of_grad,
        mistakes=[GRAD_FIRST, GRAD_VALUE, GRAD_CONSTANT, DOUBLED],
        none_says=GRAD_READ_TOO_EARLY,
        wrong_examples=[wrong(lambda: 6.0, "the first derivative"), wrong(lambda: 9.0, "never the value"),
                        wrong(lambda: 0.0, "constant"), wrong(lambda: 4.0, "exactly twice"),
                        wrong(lambda: None, "before g.backward() runs")],
        right_examples=[lambda: torch.tensor(2.0), lambda: 2, lambda: torch.tensor([2.0], requires_grad=True)],
    ),
    NumericExercise(
        id="higher_order_derivatives.newton_steps",
        title="three Newton steps on x⁴ − 3x² + 2x from x = 2",
        hint="A Newton step towards f' = 0 divides the slope f' by the curvature f'': both come from autograd, the "
             "second from differentiating the first (which must keep its graph for that). Start each step from a "
             "fresh leaf (x.detach().requires_grad_()), and keep the x after each step.",
        first_step="One step by hand: x = torch.tensor(2.0).requires_grad_(); d1, = torch.autograd.grad("
                   "newton_function(x), x, create_graph=True); d2, = torch.autograd.grad(d1, x); print(d1.item(), "
                   "d2.item()) gives f'(2) = 22 and f''(2) = 42. Then loop three times, appending each new x.",
        solution=_newton,
        mistakes=[NEWTON_ADDED, NEWTON_GD, NEWTON_ROOT, NEWTON_UPSIDE_DOWN, NEWTON_ACCUMULATED, NEWTON_START,
                  NEWTON_FOUR, NEWTON_LAST, NEWTON_REPEATED],
        wrong_examples=[wrong(lambda: NEWTON_ADDED.make(None), "added instead of subtracted"),
                        wrong(lambda: NEWTON_GD.make(None), "gradient descent"),
                        wrong(lambda: NEWTON_ROOT.make(None), "a zero of f"),
                        wrong(lambda: _newton()[-1], "only the last iterate"),
                        wrong(lambda: [2.0] + _newton()[:2], "starts with the starting point"),
                        wrong(lambda: [2.0] + _newton(), "four values"),
                        wrong(lambda: [_newton()[-1]] * 3, "three times"),
                        wrong(lambda: NEWTON_ACCUMULATED.make(None), "x.grad accumulates")],
        right_examples=[lambda: torch.tensor(_newton(), dtype=torch.float32),
                        lambda: [torch.tensor(v, requires_grad=True) for v in _newton()]],
    ),
    FunctionExercise(
        id="higher_order_derivatives.hvp_function",
        title="a Hessian-vector product by double backward",
        hint="H·v takes two differentiations and never the Hessian itself: the first gradient is only an "
             "intermediate result, so it must stay differentiable, and what the second call differentiates is one "
             "number built from that gradient and v (the formula at the start of the section).",
        first_step="Inside hvp: xt = x.detach().requires_grad_(); grad_f, = torch.autograd.grad(f(xt), xt, "
                   "create_graph=True); check grad_f.grad_fn is not None. The second call differentiates one number "
                   "made from grad_f and v, with respect to xt.",
        signature="hvp(f, x, v)",
        solution=lambda: _hvp_reference,
        adapt=observing,
        cases=HVP_CASES,
        mistakes=list(HVP_MISTAKES.values()),
        wrong_examples=[wrong(lambda: _hvp_returns_gradient, "only the first differentiation"),
                        wrong(lambda: _hvp_returns_tuple, "unpack it"),
                        wrong(lambda: _hvp_without_create_graph, "no graph behind the gradient"),
                        wrong(lambda: _hvp_untracked_x, "tracked copy of x"),
                        wrong(lambda: _hvp_changes_x, "changed the tensor it was given"),
                        wrong(lambda: _hvp_by_backward_twice, "x.grad accumulates"),
                        wrong(lambda: _hvp_from_hessian, "never forms H"),
                        wrong(lambda: _hvp_ready_made, "ready-made"),
                        wrong(lambda: _hvp_ignores_v, "ignored v"),
                        wrong(lambda: _hvp_elementwise, "given a vector"),
                        wrong(lambda: _hvp_directional, "differentiate it once more"),
                        wrong(lambda: _hvp_chapter_f_only, "call f itself"),
                        wrong(lambda: (lambda f, x, v: v), "wrong values")],
        right_examples=[lambda: _hvp_grad_outputs, lambda: _hvp_graph_kept, lambda: _hvp_float32],
    ),
)
