"""Exercises of chapter 03, backward() is a vector-Jacobian product.

3.1 and 3.2 ask for numbers; their named mistakes include answers of another shape (the whole
Jacobian instead of vᵀJ, one number instead of a vector v), which the core recognises too. 3.3 asks for a function that
builds a Jacobian row by row, and watches it work: a hook on the input counts the backward
passes that reach it and records what each one delivered
(:func:`~course_utils.checks.evidence.gradients_arriving`), so a matrix computed another way,
rows that add up and rows that are one tensor stored several times are told apart.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import torch

from course_utils.checks import (
    DOUBLED,
    SIGN_FLIPPED,
    TRANSPOSED,
    Case,
    ChoiceExercise,
    FunctionExercise,
    Mistake,
    NumericExercise,
    Run,
    register,
    wrong,
)
from course_utils.checks.answers import BadAnswer, read_numbers
from course_utils.checks.evidence import Raised, attempt, gradients_arriving
from course_utils.checks.mistakes import recognise
from course_utils.checks.tolerance import close

X_VJP = [1.0, 2.0, 3.0, 4.0]
V_VJP = [1.0, 0.0, -1.0, 0.5]
V_CHAPTER = [1.0, 0.5, 0.0, -1.0]  # the v of the chapter's own w.backward(v) cell
# 3.4's options: none of them is a shape the chapter ran ((), (1,), (1, 1) and (2,) are)
SHAPES = {"(1, 3)": (1, 3), "(3, 1)": (3, 1), "(1, 1, 1)": (1, 1, 1), "(1, 1, 1, 1)": (1, 1, 1, 1), "(4,)": (4,),
          "(0,)": (0,), "(1, 0)": (1, 0)}


def _seeded_x() -> np.ndarray:
    """The chapter's random x (seed 0, drawn on the CPU), without touching the learner's generator."""
    generator = torch.Generator().manual_seed(0)
    return torch.rand(4, generator=generator).numpy().astype(np.float64)


# --- 3.1 -------------------------------------------------------------------------------------

def _vjp() -> Any:
    x = torch.tensor(X_VJP, requires_grad=True)
    w = (5 * x) ** 2
    w.backward(torch.tensor(V_VJP))
    return x.grad


_x, _v = np.array(X_VJP), np.array(V_VJP)
VJP_MISTAKES = [
    Mistake("backward with v = ones (or v ignored): the plain derivatives 50·x, not weighted by v",
            lambda e: 50 * _x, name="v_ignored"),
    Mistake("the whole Jacobian J. backward(v) returns vᵀJ: one number per entry of x, the rows of J "
            "weighted by v and added up", lambda e: np.diag(50 * _x), name="jacobian_not_vjp"),
    Mistake("v times J entry by entry, a matrix. vᵀJ is a vector: the rows of J weighted by v and "
            "added up", lambda e: np.diag(e), name="v_times_j_elementwise"),
    Mistake("the inner derivative dy/dx = 5 of y = 5x was dropped (chain rule), or w was computed as 5·x² "
            "rather than (5x)²", lambda e: e / 5,
            name="inner_derivative_dropped"),
    Mistake("the factor 2 of the square's derivative is missing (d(y²)/dy = 2y)", lambda e: e / 2,
            name="power_rule_factor_missing"),
    Mistake("only the inner derivative 5 of y = 5x, times v: the square's derivative 2y is missing",
            lambda e: 5 * _v, name="outer_derivative_dropped"),
    Mistake("v times w, the output itself, not times its derivative", lambda e: _v * 25 * _x ** 2,
            name="v_times_output"),
    Mistake("the chapter's v [1, 0.5, 0, -1]; this exercise has its own v", lambda e: 50 * _x * np.array(V_CHAPTER),
            name="chapter_v_used"),
    Mistake("a result at the chapter's random x; this exercise sets x = [1, 2, 3, 4]",
            lambda e: 50 * _seeded_x() * _v, name="chapter_x_used"),
    Mistake("only dy/dx = 5, the derivative of the first step y = 5x, as one number; x.grad after w.backward(v) "
            "has one entry per entry of x", lambda e: 5.0, name="inner_derivative_only"),
    SIGN_FLIPPED,
    DOUBLED,
]
ONE_NUMBER_FOR_VJP = Mistake("a single number: backward(v) leaves in x.grad one number per entry of x, the rows of J "
                             "weighted by v and added up, not a single total", name="vjp_is_one_number")


# --- 3.2 -------------------------------------------------------------------------------------
# z = w[3] - w.mean(): the step-through of the chapter shows the mean's own v (1/4 for every entry),
# so the exercise asks for a result of two terms, where w[3] gets a share from each.

def _two_terms_as_vjp() -> torch.Tensor:
    return torch.tensor([-0.25, -0.25, -0.25, 0.75])


def _e3() -> np.ndarray:
    return np.array([0.0, 0.0, 0.0, 1.0])


MEAN_MISTAKES = [
    Mistake("the v of w.mean() alone: z is w[3] minus the mean, so the mean's share enters with a minus sign "
            "and w[3] has a share of its own", lambda e: np.full(4, 0.25), name="only_the_mean"),
    Mistake("the v of -w.mean() alone: the term w[3] is missing", lambda e: np.full(4, -0.25), name="term_missing"),
    Mistake("the v of w[3] alone: the mean's share is missing", lambda e: _e3(), name="term_missing"),
    Mistake("the 1 that w[3] gets from its own term, without the -1/4 it also gets through the mean",
            lambda e: e + 0.25 * _e3(), name="share_counted_once"),
    Mistake("the share of w[3] at the entry before it: indices count from 0, so w[3] is the last of the four",
            lambda e: np.roll(e, -1), name="index_counted_from_one"),
    Mistake("v = ones, which is the v of w.sum()", lambda e: np.ones(4), name="sum_not_mean"),
    Mistake("four times the right v: shares of the sum where the mean's belong (the mean divides by the number of "
            "entries)", lambda e: 4 * e, name="sum_for_mean"),
    Mistake("the mean's share only at w[3]: the mean depends on every entry of w, so every entry gets a share from "
            "it", lambda e: e * _e3(), name="mean_share_only_at_w3"),
    Mistake("the number of entries where one over it belongs", lambda e: _e3() - 4.0, name="count_not_its_inverse"),
    Mistake("a single number: w has four entries, and v needs one entry for each of them",
            lambda e: e[3], name="v_needs_one_entry_per_output"),
    Mistake("dz/dx, what ends up in x.grad. v sits on the output side: entry i is how z depends on w[i]",
            lambda e: e * 50 * _seeded_x(), name="v_on_the_input_side"),
    Mistake("dz/dy, one step too far back. v belongs to w, the tensor that backward is called on",
            lambda e: e * 10 * _seeded_x(), name="v_for_the_wrong_tensor"),
    SIGN_FLIPPED,
]


# --- 3.3: a function that builds a Jacobian row by row ----------------------------------------

class TracedFunction:
    """A function handed to the learner's ``jacobian_by_rows``; it prints as its formula."""

    def __init__(self, rule: Callable[[torch.Tensor], torch.Tensor], text: str) -> None:
        self.rule, self.text = rule, text

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return self.rule(x)

    def __repr__(self) -> str:
        return f"f(x) = {self.text}"


def _traced_case(rule: Callable[[torch.Tensor], torch.Tensor], text: str, x: list[float]) -> Callable[[], tuple]:
    return lambda: (TracedFunction(rule, text), torch.tensor(x, requires_grad=True))


@dataclass
class Rows:
    """What a ``jacobian_by_rows`` function returned (or raised), and what each backward pass delivered to x."""

    result: Any
    arrived: list[torch.Tensor]


def _watched(answer: Callable[..., Any]) -> Callable[..., Rows]:
    """The learner's function, with a hook on x that records every backward pass reaching it.

    An error is kept for the judge: two errors of backward itself name a mistake, "backward through
    the graph a second time" (the graph was freed after the first row) and "Mismatch in shape" (a v
    with another number of entries than the output); any other is the learner's.
    """
    def run(f: TracedFunction, x: torch.Tensor) -> Rows:
        with gradients_arriving([x]) as arrived:
            result = attempt(answer, f, x)
        return Rows(result, arrived)
    return run


def _jacobian_by_rows(f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    out = f(x)
    rows: list[Any] = []
    for i in range(out.numel()):
        one_hot = torch.zeros(out.numel(), dtype=out.dtype)
        one_hot[i] = 1.0
        out.backward(one_hot, retain_graph=True)
        rows.append(x.grad)
        x.grad = None
    return torch.stack(rows)


NO_RETAIN = Mistake("the second backward pass through the same graph failed: the first one freed it. Keep it "
                    "for the next rows, or build f(x) again for each row.", name="graph_freed_between_rows")
NO_BACKWARD = Mistake("the right matrix, but no backward pass reached x: this exercise builds each row with "
                      "its own backward(v).", name="built_without_backward")
ROWS_ADD_UP = Mistake("rows that add up: x.grad was not reset between backward passes, so row i holds the sum "
                      "of rows 0..i.", name="rows_add_up")
V_ONES = Mistake("every row is the sum of all rows: each backward pass used v = ones, not a one-hot v that "
                 "picks one output.", name="v_ones_not_one_hot")
ONE_TENSOR_STORED = Mistake("every row is the same tensor: x.grad itself was stored each time, so a later change "
                            "(adding up, or a reset in place) shows in every row. Store a copy, or let the reset "
                            "give x.grad a new tensor.", name="same_tensor_each_row")
COLUMNS = Mistake(TRANSPOSED.says + ": backward(v) with v = e_i gives row i (the derivatives of output i), "
                  "not a column.", name="transposed")
V_SHAPE = Mistake("backward refused a v whose shape differs from the output's: v needs one entry per entry of "
                  "f(x), and the output's size depends on f.", name="v_shape_differs_from_output")
DIAGONAL_ONLY = Mistake("only the diagonal: this function is not elementwise, so every output depends on every "
                        "input.", name="diagonal_only")


def _judge_rows(run: Run) -> Any:
    got = run.result
    if isinstance(got.result, Raised):
        refused = isinstance(got.result.error, RuntimeError)
        if refused and got.result.says("a second time"):
            return NO_RETAIN
        if refused and got.result.says("Mismatch in shape"):
            return V_SHAPE
        got.result.reraise()
    want = read_numbers(run.expected.result).values
    m, n = want.shape
    try:
        given = read_numbers(got.result, max_elements=10 * want.size + 100)
    except BadAnswer as exc:
        return f"it returned {exc}"
    mine = given.values
    if mine.shape != want.shape:
        if mine.shape == (n, m) and close(mine, want.T):
            return COLUMNS
        return (f"it returned numbers of shape {mine.shape}, but this Jacobian has shape ({m}, {n}): one row per "
                f"entry of the output, one column per entry of x")
    arrived = [a.numpy() for a in got.arrived]
    if close(mine, want):
        if not arrived:
            return NO_BACKWARD
        if len(arrived) < m:
            return (f"only {len(arrived)} backward pass(es) reached x for {m} rows: each row needs a backward "
                    "pass of its own")
        return None
    each_row_summed = V_ONES if arrived and all(close(a, want.sum(axis=0)) for a in arrived) else ONE_TENSOR_STORED
    typical = [(ROWS_ADD_UP, np.cumsum(want, axis=0)), (each_row_summed, np.tile(want.sum(axis=0), (m, 1))),
               (ONE_TENSOR_STORED, np.zeros_like(want)), (COLUMNS, want.T), (DIAGONAL_ONLY, np.diag(np.diag(want)))]
    return recognise(given, typical, right=want) or "it returned the right shape but the wrong values"


def _g(x: torch.Tensor) -> torch.Tensor:
    return x * x.sum()


JACOBIAN_CASES = [
    Case("g(x) = x · x.sum() at x = [1, 2, 3]", _traced_case(_g, "x · x.sum()", [1.0, 2.0, 3.0]), _judge_rows),
    Case("f(x) = (5x)² at x = [1, 2, 3, 4]", _traced_case(lambda x: (5 * x) ** 2, "(5x)²", [1.0, 2.0, 3.0, 4.0]),
         _judge_rows),
    Case("a function of 3 inputs with 2 outputs, [x0·x1, (x0 + x1 + x2)²], at x = [1, 2, 3]",
         _traced_case(lambda x: torch.stack([x[0] * x[1], x.sum() ** 2]), "[x0·x1, (x0 + x1 + x2)²]",
                      [1.0, 2.0, 3.0]), _judge_rows),
    Case("a function of 2 inputs with 3 outputs, [x0, x0·x1, x1³], at x = [2, -1]",
         _traced_case(lambda x: torch.stack([x[0], x[0] * x[1], x[1] ** 3]), "[x0, x0·x1, x1³]", [2.0, -1.0]),
         _judge_rows),
]


# --- wrong functions a beginner writes for 3.3 (kept as the check's wrong examples) ------------

def _rows_without_retain(f, x):
    out = f(x)
    rows = []
    for i in range(out.numel()):
        out.backward(torch.eye(out.numel(), dtype=out.dtype)[i])
        rows.append(x.grad.clone())
        x.grad = None
    return torch.stack(rows)


def _rows_without_reset(f, x):
    out = f(x)
    rows = []
    for i in range(out.numel()):
        out.backward(torch.eye(out.numel(), dtype=out.dtype)[i], retain_graph=True)
        rows.append(x.grad.clone())
    return torch.stack(rows)


def _rows_stored_then_zeroed(f, x):
    out = f(x)
    rows = []
    for i in range(out.numel()):
        out.backward(torch.eye(out.numel(), dtype=out.dtype)[i], retain_graph=True)
        rows.append(x.grad)
        x.grad.zero_()
    return torch.stack(rows)


def _rows_with_ones(f, x):
    out = f(x)
    rows = []
    for _ in range(out.numel()):
        out.backward(torch.ones_like(out), retain_graph=True)
        rows.append(x.grad.clone())
        x.grad = None
    return torch.stack(rows)


def _rows_for_four_outputs(f, x):
    """The chapter's loop copied with its fixed 4: right for (5x)², wrong for every other size."""
    out = f(x)
    rows = []
    for i in range(4):
        one_hot = torch.zeros(4)
        one_hot[i] = 1.0
        out.backward(one_hot, retain_graph=True)
        rows.append(x.grad)
        x.grad = None
    return torch.stack(rows)


def _rows_rebuilt_each_time(f, x):
    """Right: f(x) built again for every row (no retain_graph needed), the rows returned as a list."""
    rows = []
    for i in range(f(x).numel()):
        out = f(x)
        out.backward(torch.eye(out.numel())[i])
        rows.append(x.grad)
        x.grad = None
    return rows


def _rows_by_autograd_grad(f, x):
    """Right: torch.autograd.grad delivers each row without touching x.grad."""
    out = f(x)
    return torch.stack([torch.autograd.grad(out, x, torch.eye(out.numel())[i], retain_graph=True)[0]
                        for i in range(out.numel())])


def _ready_made(f, x):
    return torch.autograd.functional.jacobian(f, x)


def _columns(f, x):
    return _jacobian_by_rows(f, x).T


# --- 3.4 -------------------------------------------------------------------------------------

def _bare_backward_shapes() -> set[str]:
    allowed = set()
    for label, shape in SHAPES.items():
        s = torch.tensor(3.0, requires_grad=True)
        out = s * torch.ones(shape)
        try:
            out.backward()
        except RuntimeError:
            continue
        allowed.add(label)
    return allowed


def _leading_one(e: frozenset) -> frozenset:
    return frozenset(label for label in SHAPES if label.startswith("(1,"))


register(
    NumericExercise(
        id="backward_is_a_vjp.vjp_for_v",
        title="x.grad after w.backward(v) for w = (5x)²",
        hint="w.backward(v) does not give dw/dx: it gives vᵀJ, the Jacobian's rows weighted by v and added up. "
             "For an elementwise function J is diagonal, so entry i is v[i] times dw[i]/dx[i], and that "
             "derivative includes the inner factor 5 of y = 5x (chain rule).",
        first_step="Entry 0 by hand: y[0] = 5·x[0], and dw[0]/dx[0] = 2·y[0]·5. Multiply it by v[0]. Then let "
                   "w.backward(v) on a fresh x = torch.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True) "
                   "compute all four, and compare with your entry.",
        solution=_vjp,
        mistakes=VJP_MISTAKES,
        by_shape={(): ONE_NUMBER_FOR_VJP},
        none_says=Mistake("x.grad stays None until a backward() call reaches x", name="grad_read_before_backward"),
        right_examples=[lambda: [50, 0, -150, 100], lambda: np.array([50.0, 0.0, -150.0, 100.0]),
                        lambda: _vjp().reshape(1, 4), lambda: _vjp().to(torch.float16),
                        lambda: _vjp().requires_grad_()],
        wrong_examples=[
            wrong(lambda: [50.0, 100.0, 150.0, 200.0], "v = ones"),
            wrong(lambda: [10.0, 0.0, -30.0, 20.0], "inner derivative"),
            wrong(lambda: [25.0, 0.0, -225.0, 200.0], "v times w"),
            wrong(lambda: [25.0, 0.0, -75.0, 50.0], "factor 2 of the square"),
            wrong(lambda: torch.diag(50 * torch.tensor(X_VJP)), "the whole Jacobian"),
            wrong(lambda: [50.0, 50.0, 0.0, -200.0], "the chapter's v"),
            wrong(lambda: [100.0, 0.0, -300.0, 200.0], "twice the right value"),
            wrong(lambda: [-50.0, 0.0, 150.0, -100.0], "sign is flipped"),
            wrong(lambda: 5.0, "only dy/dx = 5"), wrong(lambda: 0.0, "not a single total"),
            lambda: [50.0, 0.0, -150.0],
        ],
    ),
    NumericExercise(
        id="backward_is_a_vjp.mean_as_vjp",
        title="the v for which w.backward(v) equals z.backward(), for z = w[3] - w.mean()",
        hint="v lives on the output side: entry i of v is dz/dw[i], how much the final number z changes when "
             "w[i] changes (not dz/dx, which is what lands in x.grad). z has two terms, and an entry of w can "
             "get a share from each of them: add the shares.",
        first_step="Change w[0] by a small amount h and leave the others: w[3] stays, the mean grows by h/4, "
                   "so z changes by -h/4, and v[0] = -1/4. Do the same for w[3], which sits in both terms.",
        solution=_two_terms_as_vjp,
        mistakes=MEAN_MISTAKES,
        right_examples=[lambda: [-0.25, -0.25, -0.25, 0.75], lambda: torch.tensor([[-1.0, -1.0, -1.0, 3.0]]) / 4,
                        lambda: np.array([-1, -1, -1, 3]) / 4],
        wrong_examples=[
            wrong(lambda: torch.full((4,), 0.25), "the v of w.mean() alone"),
            wrong(lambda: [0.0, 0.0, 0.0, 1.0], "the mean's share is missing"),
            wrong(lambda: [-0.25, -0.25, -0.25, 1.0], "without the -1/4"),
            wrong(lambda: torch.ones(4), "v of w.sum()"),
            wrong(lambda: 0.75, "v needs one entry for each"),
            wrong(lambda: [0.25, 0.25, 0.25, -0.75], "sign is flipped"),
            wrong(lambda: [-0.25, -0.25, 0.75, -0.25], "indices count from 0"),
            wrong(lambda: [-1.0, -1.0, -1.0, 3.0], "four times the right v"),
            wrong(lambda: [0.0, 0.0, 0.0, 0.75], "only at w[3]"),
        ],
    ),
    FunctionExercise(
        id="backward_is_a_vjp.jacobian_row_by_row",
        title="jacobian_by_rows(f, x): a Jacobian built row by row with backward",
        hint="Row i of J holds the derivatives of output i with respect to every entry of x, and backward with "
             "the one-hot v = e_i (1 at position i, 0 elsewhere) delivers exactly that row to x.grad. Loop over "
             "every entry of the output; reset x.grad between rows, or the rows add up; and keep the graph for "
             "the next pass (or build f(x) again).",
        first_step="out = f(x) has m = out.numel() entries. For i = 0: v = torch.zeros(m), then v[0] = 1.0, then "
                   "out.backward(v, retain_graph=True): x.grad now holds row 0. Store it and reset x.grad before "
                   "the next i.",
        solution=lambda: _jacobian_by_rows,
        signature="jacobian_by_rows(f, x)",
        cases=JACOBIAN_CASES,
        adapt=_watched,
        right_examples=[lambda: _rows_rebuilt_each_time, lambda: _rows_by_autograd_grad],
        wrong_examples=[
            wrong(lambda: _rows_without_retain, "the first one freed it"),
            wrong(lambda: _rows_without_reset, "rows that add up"),
            wrong(lambda: _rows_stored_then_zeroed, "every row is the same tensor"),
            wrong(lambda: _rows_with_ones, "v = ones"),
            wrong(lambda: _ready_made, "no backward pass reached x"),
            wrong(lambda: _rows_for_four_outputs, "one entry per entry of f(x)"),
            wrong(lambda: _columns, "transpose"),
            wrong(lambda: (lambda f, x: torch.diag(torch.diag(_jacobian_by_rows(f, x)))), "only the diagonal"),
            wrong(lambda: _jacobian_by_rows(_g, torch.tensor([1.0, 2.0, 3.0], requires_grad=True)),
                  "pass the function itself"),
        ],
    ),
    ChoiceExercise(
        id="backward_is_a_vjp.bare_backward_shapes",
        title="which output shapes allow a bare backward()",
        hint="Go back to the words of the error, 'only for scalar outputs', and to why: without an argument, "
             "backward() has to invent the starting gradient v itself. For each shape, ask what it would have "
             "to invent, and whether there is only one sensible choice.",
        first_step="Take (1, 3): a tensor of that shape holds 1 · 3 = 3 numbers, as many as a vector of shape (3,). "
                   "Decide whether backward() could pick v on its own there; then count the numbers of every "
                   "other option the same way.",
        options=tuple(SHAPES),
        multiple=True,
        solution=_bare_backward_shapes,
        mistakes=[
            Mistake("no shape at all, as if only a 0-dimensional output allowed it; but the chapter ran a bare "
                    "backward() on (1,) and (1, 1) too. The rule is not about the number of dimensions",
                    lambda e: frozenset(), name="counts_dimensions"),
            Mistake("a limit on the number of dimensions. The rule is about how many numbers a shape holds, not "
                    "how many axes it has", lambda e: frozenset({"(1, 1, 1)"}), name="counts_dimensions"),
            Mistake("a single row counted as a single number; a row can hold several numbers", lambda e: e | {"(1, 3)"},
                    name="one_row_is_one_number"),
            Mistake("a single column counted as a single number; a column can hold several numbers",
                    lambda e: e | {"(3, 1)"}, name="one_row_is_one_number"),
            Mistake("a single row and a single column counted as single numbers; each holds several numbers",
                    lambda e: e | {"(1, 3)", "(3, 1)"}, name="one_row_is_one_number"),
            Mistake("an output that holds no number at all counted as one number", lambda e: e | {"(0,)"},
                    name="empty_counts_as_one"),
            Mistake("an output that holds no number at all counted as one number", lambda e: e | {"(1, 0)"},
                    name="empty_counts_as_one"),
            Mistake("outputs that hold no number at all counted as one number", lambda e: e | {"(0,)", "(1, 0)"},
                    name="empty_counts_as_one"),
            Mistake("every shape whose first axis has size 1: the first axis alone does not decide. Count the "
                    "numbers that the whole shape holds", _leading_one, name="leading_one_is_enough"),
            Mistake("every shape; but the chapter's output of shape (2,) raised the error",
                    lambda e: frozenset(SHAPES), name="every_shape"),
            Mistake("a vector of several numbers counted as one number because it has one dimension",
                    lambda e: e | {"(4,)"}, name="vectors_allowed"),
        ],
        right_examples=[lambda: {"(1,1,1)", "(1,1,1,1)"}, lambda: {(1, 1, 1), (1, 1, 1, 1)},
                        lambda: [torch.Size([1, 1, 1]), torch.Size([1, 1, 1, 1])],
                        lambda: ("( 1, 1, 1 )", "torch.Size([1, 1, 1, 1])"),
                        lambda: {"(1, 1, 1)": 1, "(1, 1, 1, 1)": 1}.keys()],
        wrong_examples=[wrong(lambda: set(), "number of dimensions"),
                        wrong(lambda: {"(1, 1, 1)"}, "how many axes"),
                        wrong(lambda: {"(1, 1, 1)", "(1, 1, 1, 1)", "(1, 3)"}, "a single row counted"),
                        wrong(lambda: {"(1, 1, 1)", "(1, 1, 1, 1)", "(3, 1)"}, "a single column counted"),
                        wrong(lambda: {"(1, 1, 1)", "(1, 1, 1, 1)", "(1, 0)"}, "no number at all"),
                        wrong(lambda: {"(1, 3)", "(1, 1, 1)", "(1, 1, 1, 1)", "(1, 0)"}, "first axis has size 1"),
                        wrong(lambda: set(SHAPES), "every shape"),
                        wrong(lambda: {"()", "(1,)"}, "is not one of the options"),
                        lambda: {"(1, 1, 1)", "(4,)", "(0,)"}],
    ),
)
