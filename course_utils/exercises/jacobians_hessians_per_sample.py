"""Exercises of chapter 11, Jacobians, Hessians and per-sample gradients."""
from __future__ import annotations

import numpy as np
import torch

from course_utils.checks import ChoiceExercise, Mistake, NumericExercise, register

TANH_A = [[1.0, -1.0, 2.0], [0.0, 3.0, 1.0]]
TANH_X = [0.5, -1.0, 2.0]


def _tanh_jacobian() -> np.ndarray:
    A = torch.tensor(TANH_A, dtype=torch.float64)
    x = torch.tensor(TANH_X, dtype=torch.float64)
    return torch.func.jacrev(lambda x: A @ torch.tanh(x))(x).numpy()


def _cubic(x: torch.Tensor) -> torch.Tensor:
    return x[0] ** 2 * x[1] + x[1] ** 3


def _cubic_hessian() -> np.ndarray:
    return torch.func.hessian(_cubic)(torch.tensor([1.0, 2.0], dtype=torch.float64)).numpy()


def per_sample_data() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The data of the per-sample exercise, drawn on the CPU: X (8, 3), y (8,), w (3,).

    >>> [tuple(t.shape) for t in per_sample_data()]
    [(8, 3), (8,), (3,)]
    """
    torch.manual_seed(11)
    X = torch.randn(8, 3)
    y = torch.randn(8)
    w = torch.randn(3)
    return X, y, w


def _per_sample_grads() -> torch.Tensor:
    X, y, w = per_sample_data()
    rows = []
    for i in range(len(X)):
        wi = w.clone().requires_grad_()
        ((X[i] @ wi - y[i]) ** 2).backward()
        rows.append(wi.grad)
    return torch.stack(rows)


def _per_sample_norms() -> list[float]:
    return _per_sample_grads().norm(dim=1).tolist()


def _batch_grad_norm_repeated(e: np.ndarray) -> np.ndarray:
    return np.full_like(e, _per_sample_grads().mean(0).norm().item())


register(
    NumericExercise(
        id="jacobians_hessians_per_sample.tanh_jacobian",
        title="the Jacobian of f(x) = A @ tanh(x)",
        hint="Row i of the Jacobian holds the derivatives of output i with respect to every input, so it is "
             "(number of outputs) × (number of inputs) = 2 × 3. The chain rule multiplies column j of A by "
             "tanh'(x_j) = 1 − tanh(x_j)².",
        solution=_tanh_jacobian,
        mistakes=[Mistake("the matrix A itself: the derivative of tanh is missing",
                          lambda e: np.array(TANH_A))],
        wrong_examples=[lambda: TANH_A, lambda: _tanh_jacobian().T, lambda: _tanh_jacobian().sum(0)],
    ),
    NumericExercise(
        id="jacobians_hessians_per_sample.cubic_hessian",
        title="the Hessian of x[0]²·x[1] + x[1]³ at (1, 2)",
        hint="The Hessian is the 2 × 2 matrix of all second derivatives ∂²f/∂xᵢ∂xⱼ, mixed ones included; "
             "torch.func.hessian(f)(x) builds it. The gradient (2 numbers) is only the first derivative.",
        solution=_cubic_hessian,
        mistakes=[Mistake("only the diagonal: the mixed derivatives ∂²f/∂x₀∂x₁ are missing",
                          lambda e: np.diag(np.diag(e)))],
        wrong_examples=[lambda: [[4.0, 0.0], [0.0, 12.0]], lambda: [4.0, 13.0], lambda: [[2.0, 2.0], [2.0, 6.0]]],
    ),
    NumericExercise(
        id="jacobians_hessians_per_sample.per_sample_norms",
        title="the norm of each sample's gradient",
        hint="Per-sample means one gradient for each sample, computed from that sample's loss alone: an (8, 3) "
             "array, one row per sample, and then one norm per row. The gradient of the batch's mean loss is "
             "their average, a different thing, and a norm over the whole array mixes the samples.",
        solution=_per_sample_norms,
        mistakes=[Mistake("the norm of the batch gradient, repeated for every sample",
                          _batch_grad_norm_repeated),
                  Mistake("each norm divided by 8: the per-sample loss was averaged over the batch",
                          lambda e: e / 8),
                  Mistake("squared norms: take the square root (tensor.norm(dim=1))", lambda e: e**2)],
        wrong_examples=[lambda: _batch_grad_norm_repeated(np.array(_per_sample_norms())),
                        lambda: [v / 8 for v in _per_sample_norms()],
                        lambda: [v**2 for v in _per_sample_norms()],
                        lambda: _per_sample_grads()],
    ),
    ChoiceExercise(
        id="jacobians_hessians_per_sample.forward_or_reverse",
        title="jacrev or jacfwd for 1000 inputs and 2 outputs",
        hint="jacrev builds the Jacobian one row (one output) per backward pass; jacfwd one column (one input) "
             "per forward-mode pass. Count the passes each one needs.",
        options=("jacrev", "jacfwd", "same"),
        solution=lambda: "jacrev",
        mistakes=[Mistake("jacfwd needs one pass per input: 1000 passes here", lambda e: "jacfwd"),
                  Mistake("the two modes count different things (rows or columns), and here those numbers "
                          "differ", lambda e: "same")],
        wrong_examples=[lambda: "jacfwd", lambda: "same", lambda: "hessian"],
    ),
)
