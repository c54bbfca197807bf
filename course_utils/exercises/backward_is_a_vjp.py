"""Exercises of chapter 03, backward() is a vector-Jacobian product."""
from __future__ import annotations

import numpy as np
import torch

from course_utils.checks import (
    SIGN_FLIPPED,
    TRANSPOSED,
    ChoiceExercise,
    Mistake,
    NumericExercise,
    register,
)

X_VJP = [1.0, 2.0, 3.0, 4.0]
V_VJP = [1.0, 0.0, -1.0, 0.5]
X_JAC = [1.0, 2.0, 3.0]
SHAPES = {"()": (), "(1,)": (1,), "(1, 1)": (1, 1), "(2,)": (2,), "(1, 3)": (1, 3),
          "(1, 1, 1)": (1, 1, 1), "(0,)": (0,)}


def _vjp() -> torch.Tensor:
    x = torch.tensor(X_VJP, requires_grad=True)
    w = (5 * x) ** 2
    w.backward(torch.tensor(V_VJP))
    return x.grad


def _mean_as_vjp() -> torch.Tensor:
    return torch.ones(4) / 4


def _jacobian_rows() -> torch.Tensor:
    x = torch.tensor(X_JAC, requires_grad=True)
    g = x * x.sum()
    rows = []
    for i in range(len(X_JAC)):
        g.backward(torch.eye(len(X_JAC))[i], retain_graph=True)
        rows.append(x.grad.clone())
        x.grad = None
    return torch.stack(rows)


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


register(
    NumericExercise(
        id="backward_is_a_vjp.vjp_for_v",
        title="x.grad after w.backward(v) for w = (5x)²",
        hint="w.backward(v) does not give dw/dx: it gives vᵀJ, the Jacobian's rows weighted by v. For an "
             "elementwise function J is diagonal, so entry i is v[i] times dw[i]/dx[i], and that derivative "
             "includes the inner factor 5 of y = 5x (chain rule).",
        solution=_vjp,
        mistakes=[
            Mistake("backward with v = ones (or v ignored): the plain derivatives 50·x, not weighted by v",
                    lambda e: 50 * np.array(X_VJP)),
            Mistake("the inner derivative dy/dx = 5 of y = 5x was dropped (chain rule)", lambda e: e / 5),
            Mistake("v times w, the output itself, not times its derivative",
                    lambda e: np.array(V_VJP) * 25 * np.array(X_VJP) ** 2),
            SIGN_FLIPPED,
        ],
        wrong_examples=[lambda: [50.0, 100.0, 150.0, 200.0], lambda: [10.0, 0.0, -30.0, 20.0],
                        lambda: [25.0, 0.0, -225.0, 200.0], lambda: [50.0, 0.0, -150.0]],
    ),
    NumericExercise(
        id="backward_is_a_vjp.mean_as_vjp",
        title="the v for which w.backward(v) equals w.mean().backward()",
        hint="v lives on the output side: entry i of v is how much the final number depends on w[i] "
             "(dz/dw, not dz/dx). The mean of 4 numbers depends on each of them by the same amount; "
             "v = ones would be the sum.",
        solution=_mean_as_vjp,
        mistakes=[
            Mistake("v = ones, which is the gradient of w.sum(): the mean also divides by the number of "
                    "entries", lambda e: 4 * e),
            Mistake("the mean divided twice by the number of entries", lambda e: e / 4),
        ],
        wrong_examples=[lambda: torch.ones(4), lambda: [0.0625] * 4, lambda: 0.25, lambda: [4.0] * 4],
    ),
    NumericExercise(
        id="backward_is_a_vjp.jacobian_row_by_row",
        title="the Jacobian of g(x) = x · x.sum() at x = [1, 2, 3], row by row",
        hint="Row i of J holds the derivatives of the output g[i] with respect to every x[j]; backward with "
             "the one-hot v = e_i gives exactly that row. Reset x.grad between rows, or each row adds onto "
             "the previous ones; and keep the graph alive (retain_graph=True) to walk it again.",
        solution=_jacobian_rows,
        mistakes=[
            TRANSPOSED,
            Mistake("rows that add up: x.grad was not reset between backward passes, so row i holds the sum "
                    "of rows 0..i", lambda e: np.cumsum(e, axis=0)),
            Mistake("only the diagonal: g is not elementwise, because x.sum() mixes every entry into every "
                    "output", lambda e: np.diag(np.diag(e))),
        ],
        wrong_examples=[lambda: _jacobian_rows().T, lambda: _jacobian_rows().cumsum(0),
                        lambda: torch.diag(torch.tensor([7.0, 8.0, 9.0])), lambda: torch.ones(3, 3)],
    ),
    ChoiceExercise(
        id="backward_is_a_vjp.bare_backward_shapes",
        title="which output shapes allow a bare backward()",
        hint="The rule counts numbers, not dimensions: backward() without an argument creates v = 1 itself, "
             "which is only unambiguous when the output holds exactly one number, whatever its shape. For "
             "any other count (zero included) PyTorch will not guess v for you.",
        options=tuple(SHAPES),
        multiple=True,
        solution=_bare_backward_shapes,
        wrong_examples=[lambda: {"()"}, lambda: {"()", "(1,)"}, lambda: {"()", "(1,)", "(1, 1)"},
                        lambda: {"()", "(1,)", "(1, 1)", "(1, 3)", "(1, 1, 1)"}],
    ),
)
