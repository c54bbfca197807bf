"""Exercises of chapter 07, Project: linear regression from scratch.

7.2 and 7.3 are about a way of working (a derivative worked out by hand, an in-place update
under ``torch.no_grad()``), so the learner writes a function and the check runs it on cases of
its own: the chapter's data, data it never showed, several steps in a row, another learning
rate, a model with two features and two outputs. Numbers copied from the chapter's outputs
pass none of them, and 7.3 asks for a step on a loss the chapter did not use (the mean
absolute error), so that the chapter's own ``step`` is a named mistake, not the answer. 7.1
(a prediction, on rescaled data that no output of the chapter shows) and 7.4 (a fixed training
run) are judged by their answers.

Every reference is computed here with torch from the course's data file and the chapter's seeds,
through private generators, so checking an answer never changes the learner's random numbers.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import torch

from course_utils.checks import (
    SIGN_FLIPPED,
    Case,
    ChoiceExercise,
    FunctionExercise,
    Mistake,
    NumericExercise,
    Run,
    register,
    wrong,
)
from course_utils.checks.answers import BadAnswer, Numbers, describe, plain_tensor, read_numbers
from course_utils.checks.evidence import Raised, TorchCalls, attempt
from course_utils.checks.kinds import returns
from course_utils.checks.mistakes import recognise
from course_utils.checks.tolerance import close
from course_utils.device import get_device

SLUG = "linear_regression_from_scratch"


@lru_cache(maxsize=None)
def _data() -> tuple[torch.Tensor, torch.Tensor]:
    """The chapter's X (1500, 1) and y (1500, 1), as float32 tensors on the CPU."""
    from course_utils.data import load_regression

    data = load_regression()
    X = torch.tensor(data.X, dtype=torch.float32)
    y = torch.tensor(data.y, dtype=torch.float32).reshape(-1, 1)
    return X, y


@lru_cache(maxsize=None)
def _new_data() -> tuple[torch.Tensor, torch.Tensor]:
    """Exercise 7.4's data: 200 points on 0.8·x + 3, drawn exactly as the chapter's cell draws them."""
    gen = torch.Generator().manual_seed(7)
    x = torch.rand(200, 1, generator=gen) * 4 - 2
    t = 0.8 * x[:, 0] + 3 + 0.2 * torch.randn(200, generator=gen)
    return x, t


def _seed4_params(n_in: int = 1, n_out: int = 1, seed: int = 4) -> tuple[torch.Tensor, torch.Tensor]:
    """w (n_in, n_out) and b (n_out,) as the chapter's ``torch.manual_seed(seed); Linear(n_in, n_out)`` draws them."""
    gen = torch.Generator().manual_seed(seed)
    w = torch.randn(n_in, n_out, generator=gen).requires_grad_()
    b = torch.randn(n_out, generator=gen).requires_grad_()
    return w, b


def _train(X: torch.Tensor, y: torch.Tensor, steps: int = 30, lr: float = 0.1, zero: bool = True,
           direction: float = -1.0, start: tuple[torch.Tensor, torch.Tensor] | None = None,
           reduce: str = "mean", misses: str = "squared",
           flat_target: bool = False) -> tuple[torch.Tensor, torch.Tensor, list[float]]:
    """w, b and the losses of gradient descent from the seed-4 start (or ``start``), for the references of 7.1,
    7.3 and 7.4; the switches build the typical wrong variants.

    ``misses`` is how each miss enters the loss: "squared" (the chapter's MSE), "absolute" (exercise 7.3's mean
    absolute error) or "abs of mean" (|mean(miss)|, a slip); ``flat_target`` flattens the target to shape (n,),
    which broadcasts against the (n, 1) prediction (trap 3).
    """
    w, b = _seed4_params() if start is None else (start[0].detach().clone().requires_grad_(),
                                                  start[1].detach().clone().requires_grad_())
    target = y.reshape(-1) if flat_target else y
    losses = []
    for _ in range(steps):
        miss = X @ w + b - target
        if misses == "abs of mean":
            loss = miss.mean().abs()
        else:
            each = miss ** 2 if misses == "squared" else miss.abs()
            loss = each.mean() if reduce == "mean" else each.sum()
        loss.backward()
        with torch.no_grad():
            for p in (w, b):
                grad = p.grad
                assert grad is not None, "backward() fills the gradient of both parameters"
                p += direction * lr * grad
                if zero:
                    grad.zero_()
        losses.append(loss.item())
    return w.detach(), b.detach(), losses


# --- 7.1: which learning rates diverge, once every x is doubled ---------------------------------------

LEARNING_RATES = ("0.05", "0.1", "0.2", "0.3", "0.4", "0.7")
SCALE = 2.0   # the exercise's data: every x doubled, y unchanged


def diverges(losses: list[float]) -> bool:
    """The chapter's 30-step test: the loss at the last step is larger than at the first (or not finite).

    >>> diverges([7.2, 0.1]), diverges([7.2, 433.6]), diverges([7.2, float("inf")])
    (False, True, True)
    """
    return not (np.isfinite(losses[-1]) and losses[-1] <= losses[0])


@lru_cache(maxsize=None)
def _diverging_labels() -> frozenset[str]:
    """The options whose 30 steps on the doubled inputs diverge (180 training steps, so computed once)."""
    X, y = _data()
    return frozenset(label for label in LEARNING_RATES
                     if diverges(_train(SCALE * X, y, lr=float(label))[2]))


def _diverging() -> set[str]:
    return set(_diverging_labels())


def _labels_above(limit: float) -> set[str]:
    return {label for label in LEARNING_RATES if float(label) > limit}


def _curvature_w(scale: float = SCALE) -> float:
    X, _ = _data()
    return 2 * (scale * X.double()).pow(2).mean().item()


LIMIT_UNCHANGED = Mistake("the limit of the original data: doubling every x changes the loss's curvature along w, "
                          "so the limit moves", lambda e: _labels_above(2 / _curvature_w(1.0)),
                          name="limit_did_not_move")
CURVATURE_DOUBLED = Mistake("a curvature that only doubled: x enters the curvature along w squared, as mean(x²), "
                            "so doubling x multiplies it by four", lambda e: _labels_above(2 / (2 * _curvature_w(1.0))),
                            name="curvature_doubled_not_quadrupled")
OVERSHOOT_COUNTED = Mistake("counting overshooting as diverging: above lr·curvature = 1 a step jumps past the bottom, "
                            "but it still lands closer to it until lr·curvature reaches 2",
                            lambda e: _labels_above(1 / _curvature_w()), name="overshoot_is_not_divergence")


# --- 7.2: the gradient of the MSE, worked out by hand --------------------------------------------------

def _without_autograd(function: Any):
    """The learner's (or the reference's) function, returning ``(its result, whether it used autograd)``."""

    def run(X: torch.Tensor, y: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> tuple[Any, bool]:
        with TorchCalls() as calls:
            result = function(X, y, w, b)
        return result, calls.called(torch.Tensor.backward, torch.autograd.grad, torch.autograd.backward)

    return run


def _grad_by_hand(X: torch.Tensor, y: torch.Tensor, w: torch.Tensor, b: torch.Tensor):
    residual = X @ w + b - y
    return 2 * (residual * X).mean(), 2 * residual.mean()


def _chapter_start_case() -> tuple:
    X, y = _data()
    w, b = _seed4_params()
    device = get_device()
    return (X.to(device), y.to(device), w.detach().to(device).requires_grad_(),
            b.detach().to(device).requires_grad_())


def _small_case(seed: int, n: int, w_value: float, b_value: float) -> tuple:
    gen = torch.Generator().manual_seed(seed)
    X = torch.rand(n, 1, generator=gen) * 6 - 3
    y = 1.5 * X - 0.5 + 0.3 * torch.randn(n, 1, generator=gen)
    device = get_device()
    w = torch.tensor([[w_value]]).to(device).requires_grad_()
    b = torch.tensor([b_value]).to(device).requires_grad_()
    return X.to(device), y.to(device), w, b


USED_BACKWARD = Mistake("autograd computed these numbers (backward() or autograd.grad was called): the exercise "
                        "asks for the derivatives worked out on paper, written with tensor operations only",
                        name="used_backward_instead_of_by_hand")
HALF = Mistake("half the right values: the factor 2 that the square brings down was dropped",
               name="dropped_factor_two")
SUMMED = Mistake("n times the right values: a sum over the samples instead of a mean", name="sum_instead_of_mean")
SWAPPED = Mistake("the two derivatives in the wrong order: return dL/dw first, then dL/db", name="w_and_b_swapped")
MEANS_MULTIPLIED = Mistake("dL/dw as mean(residual) times mean(x): the derivative is the mean of the products "
                           "residual·x, sample by sample", name="product_of_means")
BROADCAST = Mistake("the residual broadcast to an n × n matrix: the target was flattened to shape (n,) while the "
                    "prediction has shape (n, 1) (trap 3); keep both of shape (n, 1)", name="residual_broadcast")
COPIED = Mistake("the numbers of the chapter's own seed-4 start, not of these inputs: compute from the function's "
                 "arguments X, y, w and b (no numbers copied in, no variables from the notebook)",
                 name="copied_chapter_numbers")


def _two_parts(result: Any) -> tuple[Any, Any] | str:
    """The learner's (dL/dw, dL/db) from a pair, a dict with keys "w" and "b", or two numbers in one tensor."""
    if isinstance(result, dict):
        keys = set(dict.keys(result))
        if {"w", "b"} <= keys:
            return dict.__getitem__(result, "w"), dict.__getitem__(result, "b")
        return f"it returned {describe(result)}; return (dL/dw, dL/db), or a dict with the keys 'w' and 'b'"
    if isinstance(result, (tuple, list)) and len(result) == 2:
        return tuple(result)
    try:
        values = read_numbers(result, max_elements=1000).values.reshape(-1)
    except BadAnswer as exc:
        return f"it returned {exc}; return the pair (dL/dw, dL/db)"
    if values.size == 2:
        return float(values[0]), float(values[1])
    return f"it returned {describe(result)}; return the pair (dL/dw, dL/db), two numbers"


def _numbers_of_parts(parts: tuple[Any, Any]) -> Numbers | str:
    read = []
    eps = 0.0
    for name, part in zip(("dL/dw", "dL/db"), parts):
        try:
            numbers = read_numbers(part, max_elements=1000)
        except BadAnswer as exc:
            return f"its {name} is {exc}"
        if numbers.values.size != 1:
            return f"its {name} holds {numbers.values.size} numbers; with one feature it is a single number"
        read.append(float(numbers.values.reshape(-1)[0]))
        eps = max(eps, numbers.eps)
    return Numbers(np.array(read), eps)


def _judge_gradient(run: Run) -> Any:
    (result, used_autograd), (expected, _) = run.result, run.expected
    if used_autograd:
        return USED_BACKWARD
    parts = _two_parts(result)
    if isinstance(parts, str):
        return parts
    given = _numbers_of_parts(parts)
    if isinstance(given, str):
        return given
    want = np.array([float(plain_tensor(t).detach().cpu()) for t in expected])
    if close(given.values, want, eps=given.eps):
        return None
    X, y, w, b = run.expected_inputs
    with torch.no_grad():
        residual = X @ w + b - y
        product_of_means = 2 * residual.mean().item() * X.mean().item()
        broad = X @ w + b - y.reshape(-1)
        broadcast = np.array([(2 * (broad * X).mean()).item(), (2 * broad.mean()).item()])
    typical = [(SIGN_FLIPPED, -want), (HALF, want / 2), (SUMMED, want * len(X)), (SWAPPED, want[::-1]),
               (MEANS_MULTIPLIED, np.array([product_of_means, want[1]])), (BROADCAST, broadcast),
               (COPIED, np.array([float(t) for t in _chapter_start_gradient()]))]
    return recognise(given, typical, right=want) or "it returned the wrong values for dL/dw and dL/db"


@lru_cache(maxsize=None)
def _chapter_start_gradient() -> tuple[float, float]:
    X, y = _data()
    w, b = _seed4_params()
    with torch.no_grad():
        dw, db = _grad_by_hand(X, y, w, b)
    return dw.item(), db.item()


def _grad_by_hand_copied(X, y, w, b):
    return _chapter_start_gradient()


def _grad_by_backward(X, y, w, b):
    w, b = w.detach().clone().requires_grad_(), b.detach().clone().requires_grad_()
    ((X @ w + b - y) ** 2).mean().backward()
    return w.grad, b.grad


def _grad_sign_flipped(X, y, w, b):
    residual = y - (X @ w + b)
    return 2 * (residual * X).mean(), 2 * residual.mean()


def _grad_without_two(X, y, w, b):
    residual = X @ w + b - y
    return (residual * X).mean(), residual.mean()


def _grad_summed(X, y, w, b):
    residual = X @ w + b - y
    return 2 * (residual * X).sum(), 2 * residual.sum()


def _grad_swapped(X, y, w, b):
    residual = X @ w + b - y
    return 2 * residual.mean(), 2 * (residual * X).mean()


def _grad_means_multiplied(X, y, w, b):
    residual = X @ w + b - y
    return 2 * residual.mean() * X.mean(), 2 * residual.mean()


def _grad_broadcast(X, y, w, b):
    residual = X @ w + b - y.reshape(-1)
    return 2 * (residual * X).mean(), 2 * residual.mean()


def _grad_as_dict(X, y, w, b):
    with torch.no_grad():
        residual = X @ w + b - y
        return {"w": (2 * (residual * X).mean()).item(), "b": (2 * residual.mean()).item()}


def _grad_by_matrix_product(X, y, w, b):
    residual = X @ w + b - y
    return 2 * X.T @ residual / len(X), 2 * residual.mean(dim=0)


def _grad_with_autograd_grad(X, y, w, b):
    return torch.autograd.grad(((X @ w + b - y) ** 2).mean(), (w, b))


# --- 7.3: a training step, written by hand --------------------------------------------------------------

class _Linear:
    """The chapter's ``Linear`` (same interface: ``w``, ``b``, ``params``, ``forward``), remembering its start."""

    def __init__(self, n_in: int, n_out: int, seed: int, device: torch.device) -> None:
        w, b = _seed4_params(n_in, n_out, seed)
        self.w = w.detach().to(device).requires_grad_()
        self.b = b.detach().to(device).requires_grad_()
        self.params = [self.w, self.b]
        self._originals = (self.w, self.b)
        self._start = (w.detach().double(), b.detach().double())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x @ self.w + self.b


def _step(X, y, model, lr=0.1):
    """Exercise 7.3's step: gradient descent on the mean absolute error (the chapter's step uses the MSE)."""
    loss = (model.forward(X) - y).abs().mean()
    loss.backward()
    with torch.no_grad():
        for p in model.params:
            p -= lr * p.grad
            p.grad.zero_()
    return loss.item()


def _chapter_step(X, y, model, lr=0.1):
    """The chapter's own ``step`` (the mean squared error): a named mistake in exercise 7.3."""
    loss = ((model.forward(X) - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        for p in model.params:
            p -= lr * p.grad
            p.grad.zero_()
    return loss.item()


def _several_steps(step: Any):
    """The learner's (or the reference's) step function, called ``steps`` times in a row on one model.

    An error is kept for the judge, which names it when it points at a typical mistake (an in-place
    update with tracking on, a ``.grad`` that is None because the loop's name was rebound).
    """

    def run(X: torch.Tensor, y: torch.Tensor, model: _Linear, lr: float, steps: int) -> Any:
        results = []
        for _ in range(steps):
            result = attempt(step, X, y, model, lr)
            if isinstance(result, Raised):
                return result
            results.append(result)
        return results

    return run


def _chapter_step_case(steps: int) -> Any:
    def inputs() -> tuple:
        X, y = _data()
        device = get_device()
        return X.to(device), y.to(device), _Linear(1, 1, 4, device), 0.1, steps

    return inputs


def _two_feature_case() -> tuple:
    gen = torch.Generator().manual_seed(11)
    X = torch.randn(20, 2, generator=gen)
    noise = 0.1 * torch.randn(20, 2, generator=gen)
    Y = X @ torch.tensor([[1.0, -2.0], [0.5, 3.0]]) + torch.tensor([0.5, -1.0]) + noise
    device = get_device()
    return X.to(device), Y.to(device), _Linear(2, 2, 5, device), 0.05, 2


REBOUND_LOOP_VARIABLE = Mistake("the parameters never moved: p = p - lr * p.grad makes a new tensor and binds the "
                                "loop's name p to it, while the model keeps its old tensor; change the model's "
                                "tensor in place", name="update_rebinds_the_name")
REBOUND_ATTRIBUTE = Mistake("model.w (or model.b) is a new tensor after the step: model.w = model.w - ... replaces "
                            "the model's parameter by a tensor made under no_grad(), which does not require grad, so "
                            "the next backward() cannot fill its .grad (and model.params still holds the old one); "
                            "change the tensor in place", name="update_replaces_the_parameter")
NOT_ZEROED = Mistake("gradients that were never zeroed: from the second step on, each step used the sum of all "
                     "gradients so far", name="gradients_not_zeroed")
UPHILL = Mistake("a step uphill: lr * grad was added instead of subtracted", name="step_uphill")
SUM_LOSS = Mistake("a loss summed over the samples instead of averaged: every step is n times too large",
                   name="loss_sum_instead_of_mean")
SQUARED_LOSS = Mistake("a step on the mean squared error, the chapter's loss: this step minimises the mean absolute "
                       "error, the mean of |prediction − target|", name="squared_error_instead_of_absolute")
ABS_OF_MEAN = Mistake("the absolute value of the mean miss, |mean(prediction − target)|: the mean absolute error "
                      "averages the absolute misses, so misses of opposite sign do not cancel", name="abs_of_mean")
TARGET_BROADCAST = Mistake("a target that broadcast against the prediction (trap 3): shapes (n,) and (n, 1) give "
                           "an n × n matrix of differences, every prediction against every target; give both "
                           "the shape (n, 1)", name="target_broadcast")
LR_IGNORED = Mistake("a step of lr = 0.1 whatever lr the call passes: use the function's lr argument",
                     name="learning_rate_ignored")
DATA_UPDATE = Mistake("the numbers are right, but the update went through .data, which autograd does not see (the "
                      "tensor's version counter did not move): update the tensor itself inside torch.no_grad()",
                      name="update_through_data")
OUTSIDE_NO_GRAD = Mistake("the update ran with tracking on: torch refuses an in-place change of a leaf that requires "
                          "grad (a leaf Variable ... in-place operation); put the update inside torch.no_grad()",
                          name="update_outside_no_grad")
REBOUND_THEN_ZEROED = Mistake("p.grad is None in the update loop: p = p - lr * p.grad binds the loop's name p to a new "
                              "tensor, which has no gradient, and leaves the model's tensor unchanged; change the "
                              "model's tensor in place", name="update_rebinds_the_name")
ZEROED_TOO_EARLY = ("p.grad is None when the step zeroes it: before the first backward() there is no gradient to "
                    "zero; zero after the update (or set p.grad = None)")
NO_LONGER_TRACKED = Mistake("after the step the parameter no longer requires grad (or is no leaf): the next "
                            "backward() cannot reach it", name="parameter_no_longer_tracked")


def _variant(run: Run, lr: float | None = None, **switches: Any) -> np.ndarray:
    """The parameters after the case's steps of a typical wrong variant of gradient descent (see :func:`_train`)."""
    X, y, model, case_lr, steps = run.inputs
    start = (model._start[0].float().to(X.device), model._start[1].float().to(X.device))
    switches = {"misses": "absolute", **switches}
    w, b, _ = _train(X, y, steps, case_lr if lr is None else lr, start=start, **switches)
    return np.concatenate([p.double().cpu().reshape(-1).numpy() for p in (w, b)])


def _judge_step(run: Run) -> Any:
    _, _, model, lr, _ = run.inputs
    reference_model = run.expected_inputs[2]
    originals = model._originals
    if isinstance(run.result, Raised):
        raised = run.result
        if isinstance(raised.error, RuntimeError) and raised.says("leaf Variable that requires grad"):
            return OUTSIDE_NO_GRAD
        if not (isinstance(raised.error, AttributeError) and raised.says("'NoneType' object has no attribute")):
            raised.reraise()
        return ZEROED_TOO_EARLY if all(p.grad is None for p in originals) else REBOUND_THEN_ZEROED
    current = (getattr(model, "w", None), getattr(model, "b", None))
    if any(now is not before for now, before in zip(current, originals)):
        return REBOUND_ATTRIBUTE
    if not all(p.is_leaf and p.requires_grad for p in originals):
        return NO_LONGER_TRACKED
    try:
        read = [read_numbers(p) for p in originals]
    except BadAnswer:
        return ("the parameters hold NaN or infinity after the step(s): the updates grew without bound (a sum "
                "instead of a mean? a plus instead of a minus?)")
    mine = np.concatenate([r.values.reshape(-1) for r in read])
    eps = max(r.eps for r in read)
    want = np.concatenate([p.detach().double().cpu().reshape(-1).numpy() for p in reference_model.params])
    if close(mine, want, eps=eps):
        if any(p._version == 0 for p in originals):
            return DATA_UPDATE
        return None
    start = np.concatenate([s.reshape(-1).numpy() for s in model._start])
    if close(mine, start, eps=eps):
        if all(p.grad is None for p in originals):
            return ("the parameters never moved and hold no gradient: the function never ran backward() on the "
                    "model's loss (does it use its arguments X, y and model?)")
        return REBOUND_LOOP_VARIABLE
    variants: list[tuple[Mistake, dict[str, Any]]] = [
        (SQUARED_LOSS, {"misses": "squared"}), (NOT_ZEROED, {"zero": False}), (UPHILL, {"direction": 1.0}),
        (SUM_LOSS, {"reduce": "sum"}), (ABS_OF_MEAN, {"misses": "abs of mean"})]
    if run.inputs[1].shape[1] == 1:  # a one-output target can be flattened, and then it broadcasts
        variants += [(TARGET_BROADCAST, {"flat_target": True}),
                     (TARGET_BROADCAST, {"flat_target": True, "misses": "squared"})]
    if lr != 0.1:
        variants.append((LR_IGNORED, {"lr": 0.1}))
    typical = ((mistake, _variant(run, **switches)) for mistake, switches in variants)
    return (recognise(Numbers(mine, eps), typical, right=want)
            or "the parameters after the step(s) are not those of gradient descent on the mean absolute error")


def _step_rebinding(X, y, model, lr=0.1):
    loss = (model.forward(X) - y).abs().mean()
    loss.backward()
    with torch.no_grad():
        for p in model.params:
            p = p - lr * p.grad
    for p in model.params:
        p.grad.zero_()
    return loss.item()


def _step_replacing_attributes(X, y, model, lr=0.1):
    loss = (model.forward(X) - y).abs().mean()
    loss.backward()
    with torch.no_grad():
        model.w = model.w - lr * model.w.grad
        model.b = model.b - lr * model.b.grad
    return loss.item()


def _step_not_zeroed(X, y, model, lr=0.1):
    loss = (model.forward(X) - y).abs().mean()
    loss.backward()
    with torch.no_grad():
        for p in model.params:
            p -= lr * p.grad
    return loss.item()


def _step_uphill(X, y, model, lr=0.1):
    loss = (model.forward(X) - y).abs().mean()
    loss.backward()
    with torch.no_grad():
        for p in model.params:
            p += lr * p.grad
            p.grad.zero_()
    return loss.item()


def _step_summed(X, y, model, lr=0.1):
    loss = (model.forward(X) - y).abs().sum()
    loss.backward()
    with torch.no_grad():
        for p in model.params:
            p -= lr * p.grad
            p.grad.zero_()
    return loss.item()


def _step_rebinding_then_zeroing(X, y, model, lr=0.1):
    loss = (model.forward(X) - y).abs().mean()
    loss.backward()
    with torch.no_grad():
        for p in model.params:
            p = p - lr * p.grad
            p.grad.zero_()
    return loss.item()


def _step_without_no_grad(X, y, model, lr=0.1):
    loss = (model.forward(X) - y).abs().mean()
    loss.backward()
    for p in model.params:
        p -= lr * p.grad
        p.grad.zero_()
    return loss.item()


def _step_zeroing_first(X, y, model, lr=0.1):
    for p in model.params:
        p.grad.zero_()
    return _step(X, y, model, lr)


def _step_fixed_lr(X, y, model, lr=0.1):
    return _step(X, y, model, 0.1)


def _step_through_data(X, y, model, lr=0.1):
    loss = (model.forward(X) - y).abs().mean()
    loss.backward()
    for p in model.params:
        p.data -= lr * p.grad
        p.grad.zero_()
    return loss.item()


def _step_zero_first(X, y, model, lr=0.1):
    for p in model.params:
        p.grad = None
    loss = (model.forward(X) - y).abs().mean()
    loss.backward()
    with torch.no_grad():
        for p in model.params:
            p.sub_(lr * p.grad)
    return loss


def _step_abs_of_mean(X, y, model, lr=0.1):
    loss = (model.forward(X) - y).mean().abs()
    loss.backward()
    with torch.no_grad():
        for p in model.params:
            p -= lr * p.grad
            p.grad.zero_()


def _step_flat_prediction(X, y, model, lr=0.1):
    loss = (model.forward(X).squeeze() - y).abs().mean()
    loss.backward()
    with torch.no_grad():
        for p in model.params:
            p -= lr * p.grad
            p.grad.zero_()


def _step_with_named_parameters(X, y, model, lr=0.1):
    loss = torch.nn.functional.l1_loss(model.forward(X), y)
    loss.backward()
    with torch.no_grad():
        model.w -= lr * model.w.grad
        model.b -= lr * model.b.grad
    model.w.grad = None
    model.b.grad = None


# --- 7.4: the broadcasting bug, fixed ------------------------------------------------------------------

def _fixed_w() -> float:
    x, t = _new_data()
    return _train(x, t.reshape(-1, 1))[0].item()


def _broadcast_w() -> float:
    x, t = _new_data()
    return _train(x, t)[0].item()


def _start_w() -> float:
    return _seed4_params()[0].item()


def _least_squares_w() -> float:
    x, t = _new_data()
    A = torch.cat([x, torch.ones_like(x)], dim=1).double()
    return torch.linalg.lstsq(A, t.double().reshape(-1, 1)).solution[0, 0].item()


def _continued_buggy_w() -> float:
    x, t = _new_data()
    return _train(x, t.reshape(-1, 1), start=_train(x, t)[:2])[0].item()


@lru_cache(maxsize=None)
def _fixed_w_after_each_step(lr: float = 0.1, steps: int = 60) -> tuple[float, ...]:
    """w after each of ``steps`` steps on the fixed target from the seed-4 start: the runs of a miscounted loop."""
    x, t = _new_data()
    w, b = _seed4_params()
    path = []
    for _ in range(steps):
        ((x @ w + b - t.reshape(-1, 1)) ** 2).mean().backward()
        with torch.no_grad():
            for p in (w, b):
                assert p.grad is not None, "backward() fills the gradient of both parameters"
                p -= lr * p.grad
                p.grad.zero_()
        path.append(w.item())
    return tuple(path)


OTHER_RATES = (0.001, 0.005, 0.01, 0.02, 0.03, 0.05, 0.08, 1.0)   # 0.2 to 0.5 reach the least-squares slope
WRONG_LEARNING_RATE = Mistake("w after 30 steps with a learning rate other than the chapter's lr = 0.1: train with "
                              "step's own default, as the cell above does", name="wrong_learning_rate")


def _diagnose_fixed(values: np.ndarray) -> Mistake | None:
    """A fixed run that took another number of steps (1 to 60), or another learning rate, named."""
    if values.size != 1:
        return None
    given = np.asarray(float(values.reshape(-1)[0]))
    near = [(abs(float(given) - w), k) for k, w in enumerate(_fixed_w_after_each_step(), start=1)
            if k != 30 and close(given, np.asarray(w), 1e-4, 1e-4)]
    if near:
        k = min(near)[1]
        return Mistake(f"w after {k} steps instead of 30: the training loop ran {k} times; train a fresh seed-4 "
                       "model for exactly 30 steps", name="wrong_number_of_steps")
    for lr in OTHER_RATES:
        if close(given, np.asarray(_fixed_w_after_each_step(lr, 30)[-1]), 1e-4, 1e-4):
            return WRONG_LEARNING_RATE
    return None


register(
    ChoiceExercise(
        id=f"{SLUG}.diverging_learning_rates",
        title="which learning rates diverge in 30 steps once every x is doubled",
        hint="Divergence depends on lr times the loss's curvature (its second derivative along a parameter): a step "
             "multiplies the distance to the bottom by |1 − lr·curvature|, which exceeds 1 once lr·curvature > 2. "
             "Doubling x leaves the curvature along b as it was but changes the one along w; work out by how much "
             "from the curvature printed above, then compare each option with the new limit.",
        first_step="The curvature along w is 2·mean(x²). With every x doubled, every x² is four times as large, so "
                   "the curvature along w is four times the 1.9233 printed above. Divide 2 by it: that is the new "
                   "limit (the coupling with b changes it only a little).",
        options=LEARNING_RATES,
        multiple=True,
        solution=_diverging,
        mistakes=[LIMIT_UNCHANGED, CURVATURE_DOUBLED, OVERSHOOT_COUNTED],
        right_examples=[lambda: {float(label) for label in _diverging()}, lambda: sorted(_diverging()),
                        lambda: tuple(float(label) for label in sorted(_diverging()))],
        # Two more wrong answers are tested in tests/chapters/test_07_linear_regression_from_scratch.py, not here:
        # the overshoot answer (a superset of the right one, named by the check) and a label that is not an option.
        # Their messages echo the learner's own labels or the list of options, which the course-wide leak test
        # reads as the answer (the right labels are the last three options).
        wrong_examples=[wrong(set, says=LIMIT_UNCHANGED.says), wrong(lambda: {"0.7"}, says=CURVATURE_DOUBLED.says),
                        wrong(lambda: "0.7", says=CURVATURE_DOUBLED.says), lambda: {"0.4", "0.7"}],
    ),
    FunctionExercise(
        id=f"{SLUG}.gradient_by_hand",
        title="the gradient of the MSE, worked out by hand",
        hint="Three things are easy to get wrong in the derivative of L = mean((x·w + b − y)²): the factor the "
             "square brings down, the mean over the samples (not a sum), and the sign: the residual x·w + b − y "
             "grows when w or b grows. dL/dw carries one more factor than dL/db, sample by sample, before the mean.",
        first_step="Write the residual first, residual = X @ w + b - y, of shape (n, 1). The chain rule gives "
                   "dL/db = mean(2 · residual · 1). Now do the same for w: what does the residual's inner "
                   "derivative with respect to w give, for each sample?",
        signature="grad_by_hand(X, y, w, b)",
        solution=returns(_grad_by_hand),
        adapt=_without_autograd,
        cases=[Case("the chapter's data at the seed-4 start", _chapter_start_case, judge=_judge_gradient),
               Case("five new points with w = 0.5 and b = -1", lambda: _small_case(21, 5, 0.5, -1.0),
                    judge=_judge_gradient),
               Case("twelve new points with w = -2 and b = 3", lambda: _small_case(22, 12, -2.0, 3.0),
                    judge=_judge_gradient)],
        right_examples=[returns(_grad_as_dict), returns(_grad_by_matrix_product),
                        returns(lambda X, y, w, b: [float(v.detach()) for v in _grad_by_hand(X, y, w, b)])],
        wrong_examples=[wrong(returns(_grad_by_backward), says=USED_BACKWARD.says),
                        wrong(returns(_grad_with_autograd_grad), says=USED_BACKWARD.says),
                        wrong(returns(_grad_sign_flipped), says=SIGN_FLIPPED.says),
                        wrong(returns(_grad_without_two), says=HALF.says),
                        wrong(returns(_grad_summed), says=SUMMED.says),
                        wrong(returns(_grad_swapped), says=SWAPPED.says),
                        wrong(returns(_grad_means_multiplied), says=MEANS_MULTIPLIED.says),
                        wrong(returns(_grad_broadcast), says=BROADCAST.says),
                        wrong(returns(_grad_by_hand_copied), says=COPIED.says),
                        wrong(lambda: {"w": -3.9221, "b": -3.4520}, says="pass the function itself")],
    ),
    FunctionExercise(
        id=f"{SLUG}.my_step",
        title="my_step, a gradient-descent step on the mean absolute error",
        hint="A step does five things in order: forward, the loss (here the mean of the absolute misses, not of "
             "their squares), backward, an update of each tensor in model.params in place inside torch.no_grad(), "
             "then zeroed gradients. A new tensor bound to a name (or to model.w) leaves the model's own tensor "
             "behind, without zeroing the gradients pile up, and a target whose shape differs from the "
             "prediction's broadcasts.",
        first_step="Start with the loss alone: the misses are model.forward(X) - y, one per row, of the same shape "
                   "as y; take the absolute value of each and average them. Call backward() on it and print "
                   "model.w.grad once to see what it filled in; then write the update of each tensor in "
                   "model.params.",
        signature="my_step(X, y, model, lr=0.1)",
        solution=returns(_step),
        adapt=_several_steps,
        cases=[Case("one step on the chapter's data from the seed-4 start", _chapter_step_case(1), judge=_judge_step),
               Case("three steps in a row on the same model", _chapter_step_case(3), judge=_judge_step),
               Case("two steps with lr = 0.05 on a model with two inputs and two outputs", _two_feature_case,
                    judge=_judge_step)],
        right_examples=[returns(_step_zero_first), returns(_step_with_named_parameters)],
        wrong_examples=[wrong(returns(_chapter_step), says=SQUARED_LOSS.says),
                        wrong(returns(_step_abs_of_mean), says=ABS_OF_MEAN.says),
                        wrong(returns(_step_flat_prediction), says=TARGET_BROADCAST.says),
                        wrong(returns(_step_rebinding), says=REBOUND_LOOP_VARIABLE.says),
                        wrong(returns(_step_rebinding_then_zeroing), says=REBOUND_THEN_ZEROED.says),
                        wrong(returns(_step_without_no_grad), says=OUTSIDE_NO_GRAD.says),
                        wrong(returns(_step_zeroing_first), says=ZEROED_TOO_EARLY),
                        wrong(returns(_step_replacing_attributes), says=REBOUND_ATTRIBUTE.says),
                        wrong(returns(_step_not_zeroed), says=NOT_ZEROED.says),
                        wrong(returns(_step_uphill), says=UPHILL.says),
                        wrong(returns(_step_summed), says=SUM_LOSS.says),
                        wrong(returns(_step_fixed_lr), says=LR_IGNORED.says),
                        wrong(returns(_step_through_data), says=DATA_UPDATE.says),
                        wrong(lambda: [0.4677, 1.9983], says="pass the function itself")],
        time_limit=20.0,
    ),
    NumericExercise(
        id=f"{SLUG}.fix_the_broadcast",
        title="w after 30 steps on the new data, with the target's shape fixed",
        hint="No error does not mean the shapes are right. Predictions of shape (200, 1) minus targets of shape "
             "(200,) broadcast to (200, 200): every prediction is compared with every target. Give the target one "
             "value per row, and train a fresh seed-4 model for 30 steps with lr = 0.1.",
        first_step="Print y_new.shape and (buggy.forward(X_new) - y_new).shape: the second must be (200, 1). Change "
                   "the target until it is, then copy the training lines of the cell above with the new target.",
        solution=_fixed_w,
        mistakes=[Mistake("the broken fit: the target still broadcasts against the prediction (shape (200,) or a "
                          "row (1, 200)), so the loss compares every prediction with every target",
                          lambda e: _broadcast_w(), name="target_still_broadcasts"),
                  Mistake("the starting weight: the model was not trained after the fix", lambda e: _start_w(),
                          name="model_not_trained"),
                  Mistake("training continued from the buggy model: start again from a fresh seed-4 Linear",
                          lambda e: _continued_buggy_w(), name="continued_the_buggy_model"),
                  Mistake("not w after 30 steps from the seed-4 start: more steps, a larger learning rate, or a "
                          "start without torch.manual_seed(4) before Linear(1, 1), end at the least-squares slope",
                          lambda e: _least_squares_w(), name="not_thirty_steps_from_seed_4"),
                  Mistake("the slope of the line the data were drawn from (or w rounded to one decimal): pass the "
                          "trained w, unrounded", lambda e: 0.8, name="true_slope_not_trained_w")],
        diagnose=_diagnose_fixed,
        wrong_examples=[_broadcast_w, _start_w, _continued_buggy_w, _least_squares_w, lambda: 0.8,
                        lambda: [_fixed_w()] * 200,
                        wrong(lambda: _fixed_w_after_each_step()[30], says="w after 31 steps instead of 30"),
                        wrong(lambda: _fixed_w_after_each_step(0.01, 30)[-1], says=WRONG_LEARNING_RATE.says)],
        rtol=1e-4, atol=1e-4,
    ),
)
