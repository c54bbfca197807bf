"""Exercises of chapter 11, Jacobians, Hessians and per-sample gradients.

The references use reverse mode only (``jacrev``, ``vjp``): forward mode imports torch's
jvp decompositions on first use, which on torch 2.14 warns that ``torch.jit.script`` is
deprecated, and a check must not print torch's warnings into the learner's cell.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from course_utils.checks import (
    SIGN_FLIPPED,
    TRANSPOSED,
    Case,
    FunctionExercise,
    Mistake,
    NumericExercise,
    RecordExercise,
    register,
    wrong,
)
from course_utils.checks.tolerance import close
from course_utils.exercises.higher_order_derivatives import hvp_inputs, hvp_judge, observing

# ---------------------------------------------------------------------------------- 11.1 the Jacobian

TANH_A = [[1.0, -1.0, 2.0], [0.0, 3.0, 1.0]]
TANH_X = [0.5, -1.0, 2.0]


def _A() -> torch.Tensor:
    return torch.tensor(TANH_A, dtype=torch.float64)


def _x() -> torch.Tensor:
    return torch.tensor(TANH_X, dtype=torch.float64)


def _tanh_jacobian() -> np.ndarray:
    A = _A()
    return torch.func.jacrev(lambda x: A @ torch.tanh(x))(_x()).numpy()


def _tanh_slope(point) -> torch.Tensor:
    return 1 - torch.tanh(torch.tensor(point, dtype=torch.float64)) ** 2


def _columns_scaled(scale: torch.Tensor) -> np.ndarray:
    """B (the exercise's matrix) with column j times scale[j]: every Jacobian of x -> B @ g(x), g elementwise."""
    return (_A() * scale).numpy()


TANH_MATRIX_A = Mistake("the matrix B itself, the Jacobian at x = 0 (where the slope of tanh is 1): the derivative "
                        "of tanh is missing, or the point is", lambda e: np.array(TANH_A), name="jacobian_without_tanh")
TANH_MISSING_SQUARE = Mistake("a derivative of tanh with its square missing (1 − tanh(x) instead of 1 − tanh(x)²)",
                              lambda e: _columns_scaled(1 - torch.tanh(_x())), name="tanh_derivative_square_missing")
TANH_SECH = Mistake("a derivative of tanh with its square missing (1/cosh(x) instead of 1/cosh(x)²)",
                    lambda e: _columns_scaled(1 / torch.cosh(_x())), name="tanh_derivative_square_missing")
TANH_VALUES = Mistake("B with its columns multiplied by tanh(x), the function's values, where its derivative belongs",
                      lambda e: _columns_scaled(torch.tanh(_x())), name="values_not_derivative")
TANH_ROWS = Mistake("the Jacobian of tanh(B @ x), the two functions in the other order: f applies tanh first, then B",
                    lambda e: torch.func.jacrev(lambda x: torch.tanh(_A() @ x))(_x()).numpy(),
                    name="composition_order_swapped")
TANH_WRONG_POINT = Mistake("the Jacobian of f at another point: evaluate it at x = (0.5, -1, 2)",
                           lambda e: _columns_scaled(_tanh_slope([2.0, -1.0, 0.5])), name="jacobian_at_wrong_point")
TANH_VALUE = Mistake("the value f(x), 2 numbers: the Jacobian holds the derivative of each output by each input",
                     lambda e: (_A() @ torch.tanh(_x())).numpy(), name="value_not_jacobian")
TANH_SUMMED = Mistake("one row of 3 numbers, the gradient of the sum of the outputs (what backward() on f(x).sum() "
                      "gives): the Jacobian has one row per output", lambda e: np.asarray(e).sum(0),
                      name="summed_outputs")
TANH_ELEMENTWISE = Mistake("a 2 × 3 × 3 array: B * tanh(x) multiplies elementwise; f is the matrix product "
                           "B @ tanh(x)",
                           lambda e: torch.func.jacrev(lambda x: _A() * torch.tanh(x))(_x()).numpy(),
                           name="elementwise_not_matmul")

TANH_ZEROS = Mistake("all zeros: as far as the transform could see, f does not depend on x (an .item() or a "
                     "torch.tensor(...) inside f cuts the graph)", lambda e: np.zeros_like(np.asarray(e)),
                     name="graph_cut_inside_function")


def _tanh_diagnose(values: np.ndarray) -> Mistake | None:
    """Name a Jacobian whose columns are A's scaled by the slope of tanh at some other point."""
    if values.shape != (2, 3):
        return None
    A = np.array(TANH_A)
    scale = np.array([values[0, 0], -values[0, 1], values[1, 2]])
    if not close(values, A * scale):
        return None
    if np.all((scale > 0) & (scale <= 1 + 1e-9)):
        return TANH_WRONG_POINT
    return None


# ---------------------------------------------------------------------------------- 11.2 the Hessian

CUBIC_POINT = (1.0, 2.0)


def _cubic(x: torch.Tensor) -> torch.Tensor:
    return x[0] ** 2 * x[1] + x[1] ** 3


def _hessian_of(f, point) -> np.ndarray:
    # jacrev of jacrev, not torch.func.hessian (= jacfwd of jacrev): see the module docstring
    x = torch.tensor(point, dtype=torch.float64)
    return torch.func.jacrev(torch.func.jacrev(f))(x).numpy()


def _cubic_hessian() -> np.ndarray:
    return _hessian_of(_cubic, CUBIC_POINT)


def _cubic_gradient() -> np.ndarray:
    return torch.func.grad(_cubic)(torch.tensor(CUBIC_POINT, dtype=torch.float64)).numpy()


CUBIC_DIAGONAL = Mistake("only the diagonal: the mixed derivatives ∂²f/∂x₀∂x₁ are missing",
                         lambda e: np.diag(np.diag(e)), name="hessian_diagonal_only")
CUBIC_GRADIENT = Mistake("the gradient, 2 numbers: that is the first derivative; the Hessian holds the second "
                         "derivatives, a 2 × 2 matrix", lambda e: _cubic_gradient(), name="gradient_not_hessian")
CUBIC_VALUE = Mistake("the value f(1, 2) itself, not a derivative",
                      lambda e: _cubic(torch.tensor(CUBIC_POINT)).item(), name="value_not_derivative")
CUBIC_DOUBLED = Mistake("exactly twice the Hessian: the formula A + Aᵀ of the quadratic form does not apply here, "
                        "and nothing needs adding twice", lambda e: 2 * np.asarray(e), name="hessian_doubled")
CUBIC_SQUARE = Mistake("the Hessian of x[0]²·x[1] + x[1]²: the last term is a cube, x[1] ** 3",
                       lambda e: _hessian_of(lambda x: x[0] ** 2 * x[1] + x[1] ** 2, CUBIC_POINT),
                       name="function_typed_wrong")
CUBIC_SWAPPED = Mistake("the Hessian at (2, 1): the two coordinates are swapped; x[0] is 1 and x[1] is 2",
                        lambda e: _hessian_of(_cubic, CUBIC_POINT[::-1]), name="hessian_at_wrong_point")
CUBIC_WRONG_POINT = Mistake("the Hessian at another point: evaluate it at x = (1, 2)",
                            lambda e: _hessian_of(_cubic, (1.0, 1.0)), name="hessian_at_wrong_point")

CUBIC_THREE_INPUTS = Mistake("a 3 × 3 matrix, for a function of three inputs: f has two, x[0] and x[1] (Python "
                             "counts from 0), so its Hessian is 2 × 2",
                             lambda e: _hessian_of(lambda x: x[1] ** 2 * x[2] + x[2] ** 3, (0.0, 1.0, 2.0)),
                             name="indices_counted_from_one")
CUBIC_ZEROS = Mistake("all zeros: as far as the transform could see, f does not depend on x (an .item() or a "
                      "torch.tensor(...) inside f cuts the graph)", lambda e: np.zeros_like(np.asarray(e)),
                      name="graph_cut_inside_function")


def _cubic_diagnose(values: np.ndarray) -> Mistake | None:
    """Name a matrix of the Hessian's form [[2b, 2a], [2a, 6b]] for some other point (a, b)."""
    if values.shape != (2, 2):
        return None
    a, b = values[0, 1] / 2, values[0, 0] / 2
    if close(values, _hessian_of(_cubic, (a, b))):
        return CUBIC_WRONG_POINT
    return None


# ---------------------------------------------------------------------------------- 11.3 per-sample norms

def per_sample_data() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The data of the per-sample exercises, drawn on the CPU from a private generator: X (8, 3), y (8,), w (3,).

    >>> [tuple(t.shape) for t in per_sample_data()]
    [(8, 3), (8,), (3,)]
    """
    generator = torch.Generator().manual_seed(11)
    X = torch.randn(8, 3, generator=generator)
    y = torch.randn(8, generator=generator)
    w = torch.randn(3, generator=generator)
    return X, y, w


def _chapter_data() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The chapter's own X (6, 3), Y (6,), w (3,): what torch.manual_seed(0) then three randn calls draw."""
    generator = torch.Generator().manual_seed(0)
    return (torch.randn(6, 3, generator=generator), torch.randn(6, generator=generator),
            torch.randn(3, generator=generator))


def _grads(X: torch.Tensor, y: torch.Tensor, w: torch.Tensor, argnums: int = 0) -> torch.Tensor:
    """One gradient of (x·w − y)² per sample, with respect to w (argnums 0) or to x (argnums 1), by a loop."""
    rows: list[Any] = []
    for i in range(len(X)):
        wi, xi = w.clone().requires_grad_(), X[i].clone().requires_grad_()
        ((xi @ wi - y[i]) ** 2).backward()
        rows.append((wi, xi)[argnums].grad)
    return torch.stack(rows)


def _per_sample_grads() -> torch.Tensor:
    return _grads(*per_sample_data())


def _per_sample_norms() -> list[float]:
    return _per_sample_grads().norm(dim=1).tolist()


NORMS_BATCH = Mistake("the norm of the batch gradient, repeated for every sample",
                      lambda e: np.full_like(np.asarray(e), _per_sample_grads().mean(0).norm().item()),
                      name="batch_gradient_not_per_sample")
NORMS_MEAN = Mistake("each norm divided by 8: the per-sample loss was averaged over the batch", lambda e: e / 8,
                     name="per_sample_loss_averaged")
NORMS_SQUARED = Mistake("squared norms: the sum of the squares, without the square root", lambda e: e**2,
                        name="squared_norms")
NORMS_ACCUMULATED = Mistake("norms of running sums: in a loop with backward(), .grad kept adding up, so row i holds "
                            "the sum of the first i gradients; start each sample from a fresh gradient",
                            lambda e: _per_sample_grads().cumsum(0).norm(dim=1).numpy(),
                            name="accumulated_across_samples")
NORMS_WRONG_WEIGHTS = Mistake("the norms for the chapter's weights w, not w8",
                              lambda e: _grads(*per_sample_data()[:2], _chapter_data()[2]).norm(dim=1).numpy(),
                              name="wrong_data")
NORMS_CHAPTER_DATA = Mistake("6 norms, for the chapter's X, Y and w: use X8, Y8 and w8",
                             lambda e: _grads(*_chapter_data()).norm(dim=1).numpy(), name="wrong_data")
NORMS_GRADIENTS = Mistake("the 8 × 3 gradients themselves: take one norm per row", lambda e: _per_sample_grads(),
                          name="gradients_not_norms")
NORMS_DIM0 = Mistake("3 norms, one per weight across the samples (dim=0): each sample's norm runs along its own row",
                     lambda e: _per_sample_grads().norm(dim=0).numpy(), name="norm_over_wrong_dimension")
NORMS_TOTAL = Mistake("one norm over all the gradients together: that mixes the samples; one norm per sample",
                      lambda e: _per_sample_grads().norm().item(), name="norm_over_wrong_dimension")


# ---------------------------------------------------------------------------------- 11.4 count the passes

SUMMARY_SHAPE, SUMMARY_OUTPUTS = (40, 25), 3   # summary(x) = stack([x.mean(), x.std(), x.abs().max()])


def _passes() -> dict[str, int]:
    """One vjp per output for jacrev, one jvp per input (every number of the 40 × 25 matrix) for jacfwd."""
    return {"jacrev": SUMMARY_OUTPUTS, "jacfwd": int(np.prod(SUMMARY_SHAPE))}


def _for_part(part: str, value: float):
    """A mistake's ``make`` that gives ``value`` for one part of the record and does not apply to the other."""
    count = _passes()[part]
    return lambda e: value if float(e) == count else None


PASSES_SWAPPED = Mistake("the count of the other transform: jacrev makes one row of the Jacobian (one output) per "
                         "pass, jacfwd one column (one input)",
                         lambda e: _passes()["jacfwd"] if float(e) == _passes()["jacrev"] else _passes()["jacrev"],
                         name="modes_swapped")
PASSES_ROWS = Mistake("the number of rows of x: forward mode needs one pass per input, and an input is one "
                      "number, not one row", _for_part("jacfwd", SUMMARY_SHAPE[0]),
                      name="inputs_counted_by_rows")
PASSES_COLUMNS = Mistake("the number of columns of x: forward mode needs one pass per input, and an input is one "
                         "number, not one column", _for_part("jacfwd", SUMMARY_SHAPE[1]),
                         name="inputs_counted_by_rows")
PASSES_ROWS_PLUS_COLUMNS = Mistake("the rows plus the columns of x: an input is one number of x, and x holds one for "
                                   "every pair of a row and a column", _for_part("jacfwd", sum(SUMMARY_SHAPE)),
                                   name="inputs_counted_by_rows")
PASSES_ENTRIES = Mistake("the number of entries of the Jacobian: each pass gives a whole row (jacrev) or a whole "
                         "column (jacfwd) at once", lambda e: SUMMARY_OUTPUTS * int(np.prod(SUMMARY_SHAPE)),
                         name="entries_not_passes")
PASSES_ONE_BACKWARD = Mistake("a single backward pass for all outputs: a backward pass starts from one number, so "
                              "each output of summary needs its own", _for_part("jacrev", 1),
                              name="one_backward_for_all_outputs")
PASSES_ONE_FORWARD = Mistake("a single forward-mode pass: one jvp pushes one direction through the function, so "
                             "each input needs its own", _for_part("jacfwd", 1), name="one_forward_for_all_inputs")



# ---------------------------------------------------------------------------------- 11.5 argnums

def _input_grads() -> torch.Tensor:
    return _grads(*per_sample_data(), argnums=1)


ARGNUMS_W = Mistake("the gradients with respect to the weights w: grad differentiates its function's first "
                    "argument unless told which one", lambda e: _per_sample_grads().numpy(),
                    name="gradient_wrt_first_argument")
ARGNUMS_BOTH = Mistake("gradients with respect to two arguments together (w and x): pass only the one for x",
                       lambda e: torch.stack([_per_sample_grads(), _input_grads()]).numpy(),
                       name="gradients_for_several_arguments")
ARGNUMS_Y = Mistake("one number per sample, the gradient with respect to y (argument 2): the one for x is asked",
                    lambda e: (-2 * (per_sample_data()[0] @ per_sample_data()[2] - per_sample_data()[1])).numpy(),
                    name="gradient_wrt_wrong_argument")
ARGNUMS_ONE = Mistake("the gradient for the first sample only: one row per sample is asked",
                      lambda e: np.asarray(e)[0], name="one_sample_only")
ARGNUMS_MEAN = Mistake("the gradients of the mean loss over the batch: each sample's own loss is asked "
                       "(the rows are 8 times too small)", lambda e: np.asarray(e) / 8, name="per_sample_loss_averaged")


# ---------------------------------------------------------------------------------- 11.6 hvp with torch.func

def _hvp_func_reference(f, x: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    # reverse over reverse (vjp of grad): the check itself avoids forward mode, see the module docstring
    vjp_fn = torch.func.vjp(torch.func.grad(f), x)[1]
    return vjp_fn(v)[0]


HVP_FUNC_MISTAKES = {
    "gradient": Mistake("the gradient of f, not H·v: one more transform is needed, applied to the gradient function.",
                        name="gradient_not_hvp"),
    "pair": Mistake("a pair (∇f(x), H·v): jvp returns the function's value at x and the product; return the "
                    "product only.", name="returned_jvp_pair"),
    "tuple": Mistake("a tuple holding H·v: the function vjp returns gives a tuple, one entry per input; unpack it.",
                     name="returned_tuple"),
    "directional": Mistake("one number, ∇f·v: that is the product for f itself; H·v is the same product for the "
                           "gradient function grad(f).", name="directional_derivative_only"),
    "built_hessian": Mistake("the whole n × n Hessian was built (a tensor of n² numbers appeared): H·v never needs "
                             "H, which is the point for a model with millions of inputs.", name="built_hessian"),
    "failed_tuples": Mistake("jvp takes the inputs and the directions as tuples, one entry per argument of the "
                             "function.", name="jvp_without_tuples"),
    "failed_under_vmap": Mistake("it works for one v but fails under vmap: torch.autograd (requires_grad_, "
                                 "autograd.grad, backward) does not compose with torch.func transforms; build H·v "
                                 "from torch.func transforms only.", name="not_composable_with_vmap"),
    "ready_made": Mistake("it calls torch.autograd.functional's ready-made product, which does not compose with "
                          "vmap: build H·v from torch.func transforms.", name="called_ready_made_hvp"),
    "ignored_v": Mistake("H times a vector of ones: v is not used as the direction.", name="ignored_v"),
    "chapter_f": Mistake("H·v of another function than the f it was given: apply the transforms to f itself.",
                         name="ignores_given_f"),
}

_judge_hvp_func = hvp_judge(HVP_FUNC_MISTAKES)

HVP_FUNC_CASES = [
    Case("the chapter's quadratic-plus-product function at (1, -2, 0.5) with v = (1, 0, -1)",
         hvp_inputs("chapter", 3, seed=0, chapter_point=(1.0, -2.0, 0.5)), _judge_hvp_func),
    Case("f(x) = logsumexp(3x) at 4 random inputs", hvp_inputs("logsumexp", 4, seed=21), _judge_hvp_func),
    Case("f(x) = logsumexp(x) + sum(x⁴)/4 at 40 random inputs", hvp_inputs("wide", 40, seed=22), _judge_hvp_func),
    Case("f(x) = x[0]·sum(sin(x)) at 5 random inputs, under vmap over 4 directions v",
         hvp_inputs("sin", 5, seed=23, directions=4), _judge_hvp_func),
]


def _hvp_func_forward(f, x, v):
    return torch.func.jvp(torch.func.grad(f), (x,), (v,))[1]


def _hvp_func_pair(f, x, v):
    return torch.func.jvp(torch.func.grad(f), (x,), (v,))


def _hvp_func_tuple(f, x, v):
    return torch.func.vjp(torch.func.grad(f), x)[1](v)


def _hvp_func_directional(f, x, v):
    return torch.func.jvp(f, (x,), (v,))[1]


def _hvp_func_gradient(f, x, v):
    return torch.func.grad(f)(x)


def _hvp_func_hessian(f, x, v):
    return torch.func.jacrev(torch.func.jacrev(f))(x) @ v


def _hvp_func_no_tuples(f, x, v):
    return torch.func.jvp(torch.func.grad(f), x, v)[1]


def _hvp_double_backward(f, x, v):
    x = x.detach().requires_grad_()
    (g,) = torch.autograd.grad(f(x), x, create_graph=True)
    return torch.autograd.grad(g @ v, x)[0]


def _hvp_func_ones(f, x, v):
    return torch.func.vjp(torch.func.grad(f), x)[1](torch.ones_like(v))[0]


register(
    NumericExercise(
        id="jacobians_hessians_per_sample.tanh_jacobian",
        title="the Jacobian of f(x) = B @ tanh(x)",
        hint="Row i of the Jacobian holds the derivatives of output i with respect to every input, so it is "
             "(number of outputs) × (number of inputs). Write f as a Python function of x alone (B stays fixed) "
             "and let a torch.func transform build the matrix at the given point; no derivative by hand.",
        first_step="B = torch.tensor([[1.0, -1.0, 2.0], [0.0, 3.0, 1.0]]); def f(x): return B @ torch.tanh(x). "
                   "f(torch.tensor([0.5, -1.0, 2.0])) gives 2 numbers. Now hand f itself (not f(x)) to one of the "
                   "two transforms this chapter starts with, and call what it returns at that point.",
        solution=_tanh_jacobian,
        mistakes=[TANH_MATRIX_A, TANH_MISSING_SQUARE, TANH_SECH, TANH_VALUES, TANH_ROWS, TANH_WRONG_POINT,
                  TANH_VALUE, TANH_SUMMED, TANH_ELEMENTWISE, TANH_ZEROS, TRANSPOSED],
        diagnose=_tanh_diagnose,
        wrong_examples=[wrong(lambda: TANH_A, "the derivative of tanh is missing, or the point is"),
                        wrong(lambda: _tanh_jacobian().T, "transpose"),
                        wrong(lambda: _tanh_jacobian().sum(0), "one row per output"),
                        wrong(lambda: TANH_MISSING_SQUARE.make(None), "square missing"),
                        wrong(lambda: TANH_ROWS.make(None), "the other order"),
                        wrong(lambda: _tanh_jacobian() * [[1.0, 1.0, 1.0], [1.0, 1.0, 2.0]], "the values differ"),
                        wrong(lambda: _columns_scaled(_tanh_slope([1.0, 1.0, 1.0])), "another point"),
                        wrong(lambda: TANH_ELEMENTWISE.make(None), "elementwise"),
                        wrong(lambda: TANH_VALUE.make(None), "the value f(x)")],
        right_examples=[lambda: torch.tensor(_tanh_jacobian(), dtype=torch.float32),
                        lambda: _tanh_jacobian().tolist(),
                        lambda: torch.tensor(_tanh_jacobian()).unsqueeze(0)],
    ),
    NumericExercise(
        id="jacobians_hessians_per_sample.cubic_hessian",
        title="the Hessian of x[0]²·x[1] + x[1]³ at (1, 2)",
        hint="The Hessian is the 2 × 2 matrix of all second derivatives ∂²f/∂xᵢ∂xⱼ, mixed ones included, at "
             "the point (1, 2). The gradient (2 numbers) is only the first derivative. Write f as a Python "
             "function of one tensor and let a torch.func transform do the differentiating.",
        first_step="def f(x): return x[0] ** 2 * x[1] + x[1] ** 3; f(torch.tensor([1.0, 2.0])) gives 10.0. Then "
                   "use the transform of the section on xᵀAx, the same way as there.",
        solution=_cubic_hessian,
        mistakes=[CUBIC_DIAGONAL, CUBIC_GRADIENT, CUBIC_VALUE, CUBIC_DOUBLED, CUBIC_SQUARE, CUBIC_SWAPPED,
                  CUBIC_WRONG_POINT, CUBIC_ZEROS, CUBIC_THREE_INPUTS],
        diagnose=_cubic_diagnose,
        by_shape={(3, 3): CUBIC_THREE_INPUTS},
        wrong_examples=[wrong(lambda: [[4.0, 0.0], [0.0, 12.0]], "only the diagonal"),
                        wrong(lambda: [4.0, 13.0], "the first derivative"),
                        wrong(lambda: [[2.0, 2.0], [2.0, 6.0]], "another point"),
                        wrong(lambda: [[2.0, 4.0], [4.0, 6.0]], "swapped"),
                        wrong(lambda: [[4.0, 2.0], [2.0, 2.0]], "a cube"),
                        wrong(lambda: 10.0, "the value f(1, 2)"),
                        wrong(lambda: [[8.0, 4.0], [4.0, 24.0]], "twice the Hessian"),
                        wrong(lambda: [[4.0, 2.0], [3.0, 12.0]], "the values differ"),
                        wrong(lambda: torch.zeros(2, 2), "cuts the graph"),
                        wrong(lambda: torch.eye(3), "counts from 0")],
        right_examples=[lambda: torch.tensor(_cubic_hessian(), dtype=torch.float16),
                        lambda: torch.tensor(_cubic_hessian()).to(torch.int64)],
    ),
    NumericExercise(
        id="jacobians_hessians_per_sample.per_sample_norms",
        title="the norm of each sample's gradient",
        hint="Per-sample means one gradient for each sample, computed from that sample's loss alone: an (8, 3) "
             "array, one row per sample, and then one norm per row. The gradient of the batch's mean loss is "
             "their average, a different thing, and a norm over the whole array mixes the samples.",
        first_step="Start from the vmap(grad(...)) line of the per-sample section, with w8, X8 and Y8 in place of "
                   "w, X and Y; its result must have shape (8, 3). Then reduce each row to its length.",
        solution=_per_sample_norms,
        mistakes=[NORMS_BATCH, NORMS_MEAN, NORMS_SQUARED, NORMS_ACCUMULATED, NORMS_WRONG_WEIGHTS, NORMS_CHAPTER_DATA,
                  NORMS_GRADIENTS, NORMS_DIM0, NORMS_TOTAL],
        wrong_examples=[wrong(lambda: NORMS_BATCH.make(np.array(_per_sample_norms())), "batch gradient"),
                        wrong(lambda: [v / 8 for v in _per_sample_norms()], "divided by 8"),
                        wrong(lambda: [v**2 for v in _per_sample_norms()], "without the square root"),
                        wrong(lambda: _per_sample_grads(), "the 8 × 3 gradients themselves"),
                        wrong(lambda: NORMS_ACCUMULATED.make(None), "running sums"),
                        wrong(lambda: NORMS_CHAPTER_DATA.make(None), "the chapter's X"),
                        wrong(lambda: NORMS_WRONG_WEIGHTS.make(None), "not w8"),
                        wrong(lambda: NORMS_DIM0.make(None), "dim=0"),
                        wrong(lambda: NORMS_TOTAL.make(None), "mixes the samples")],
        right_examples=[lambda: torch.tensor(_per_sample_norms()).unsqueeze(1),
                        lambda: np.array(_per_sample_norms(), dtype=np.float32)],
    ),
    RecordExercise(
        id="jacobians_hessians_per_sample.passes_per_mode",
        title="the passes jacrev and jacfwd need for summary(x)",
        hint="jacrev builds the Jacobian one row per pass (a vjp, one output at a time); jacfwd one column per pass "
             "(a jvp, one input at a time). Count the rows and the columns of summary's Jacobian: every number "
             "of the matrix x is an input of its own.",
        first_step="Run print(jacrev(summary)(torch.randn(40, 25)).shape): the Jacobian has one entry per "
                   "(output, input) pair. Its first dimension counts the outputs, the rows; the other two count "
                   "the inputs, the columns once flattened. Multiply where needed, and count each.",
        solution=_passes,
        mistakes=[PASSES_SWAPPED, PASSES_ROWS, PASSES_COLUMNS, PASSES_ROWS_PLUS_COLUMNS, PASSES_ENTRIES,
                  PASSES_ONE_BACKWARD, PASSES_ONE_FORWARD],
        wrong_examples=[wrong(lambda: {"jacrev": _passes()["jacfwd"], "jacfwd": _passes()["jacrev"]},
                              "the count of the other transform"),
                        wrong(lambda: {**_passes(), "jacfwd": 40}, "the number of rows of x"),
                        wrong(lambda: {**_passes(), "jacfwd": 25}, "the number of columns of x"),
                        wrong(lambda: {**_passes(), "jacfwd": 65}, "the rows plus the columns"),
                        wrong(lambda: {**_passes(), "jacrev": 1}, "a single backward pass"),
                        wrong(lambda: {"jacrev": 3000, "jacfwd": 3000}, "the number of entries"),
                        wrong(lambda: {**_passes(), "jacfwd": 1}, "a single forward-mode pass"),
                        wrong(lambda: "jacrev", "expected a dict"),
                        wrong(lambda: {"jacrev": 2}, "missing the key")],
        right_examples=[lambda: {"jacrev": 3.0, "jacfwd": torch.tensor(1000)},
                        lambda: {"jacfwd": 40 * 25, "jacrev": np.int64(3), "note": "jacrev wins"}],
    ),
    NumericExercise(
        id="jacobians_hessians_per_sample.input_gradients",
        title="each sample's loss differentiated by its input x",
        hint="grad(sample_loss) differentiates with respect to the first argument, w. grad can be told which "
             "argument to differentiate (the section on other arguments); vmap splits X8 and Y8 as before.",
        first_step="For one sample: grad(sample_loss, ...)(w8, X8[0], Y8[0]) with the option that picks the "
                   "argument x (argument 1); its result has the shape of x, (3,). Then vmap it over the samples.",
        solution=lambda: _input_grads().numpy(),
        mistakes=[ARGNUMS_W, ARGNUMS_BOTH, ARGNUMS_Y, ARGNUMS_ONE, ARGNUMS_MEAN, SIGN_FLIPPED],
        wrong_examples=[wrong(lambda: _per_sample_grads(), "with respect to the weights"),
                        wrong(lambda: ARGNUMS_BOTH.make(None), "two arguments"),
                        wrong(lambda: ARGNUMS_Y.make(None), "with respect to y"),
                        wrong(lambda: _input_grads()[0], "first sample only"),
                        wrong(lambda: _input_grads() / 8, "mean loss"),
                        wrong(lambda: -_input_grads(), "sign is flipped")],
        right_examples=[lambda: _input_grads().float(), lambda: _input_grads().tolist()],
    ),
    FunctionExercise(
        id="jacobians_hessians_per_sample.hvp_with_func",
        title="a Hessian-vector product with torch.func",
        hint="H·v is the derivative of the gradient function in the direction v: build the gradient function with "
             "one transform, then take its directional derivative with another, without torch.autograd, so that "
             "the result composes with vmap.",
        first_step="g = grad(f) is a function of x. The section on Hessian-vector products pushes the direction v "
                   "through g: call that transform with the inputs as a tuple (x,) and the directions as (v,), and "
                   "look at the two things it returns.",
        signature="hvp_func(f, x, v)",
        solution=lambda: _hvp_func_reference,
        adapt=observing,
        cases=HVP_FUNC_CASES,
        mistakes=list(HVP_FUNC_MISTAKES.values()),
        wrong_examples=[wrong(lambda: _hvp_func_pair, "return the product only"),
                        wrong(lambda: _hvp_func_tuple, "unpack it"),
                        wrong(lambda: _hvp_func_directional, "the gradient function grad(f)"),
                        wrong(lambda: _hvp_func_gradient, "one more transform"),
                        wrong(lambda: _hvp_func_hessian, "n × n Hessian"),
                        wrong(lambda: _hvp_func_no_tuples, "as tuples"),
                        wrong(lambda: _hvp_double_backward, "does not compose"),
                        wrong(lambda: _hvp_func_ones, "ones")],
        right_examples=[lambda: _hvp_func_forward, lambda: _hvp_func_reference],
    ),
)
