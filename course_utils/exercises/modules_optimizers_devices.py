"""Exercises of chapter 08, nn.Module, torch.optim and devices.

The judges build their own small networks on the CPU inside ``torch.random.fork_rng``,
so checking an answer never changes the learner's random numbers. Every reference answer
comes from running torch, not from a hard-coded value.
"""
from __future__ import annotations

import copy
from typing import Any, Callable

import torch
from torch import nn

from course_utils.checks import ChoiceExercise, PropertyExercise, register

SLUG = "modules_optimizers_devices"


class MyNet(nn.Module):
    """The chapter's network: Linear 5 → 3, ReLU, Linear 3 → 1."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(5, 3)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(3, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.relu(self.fc1(x)))


def _example(seed: int, batch: int) -> tuple[MyNet, torch.Tensor, torch.Tensor]:
    """A fresh MyNet and a batch, drawn from ``seed`` without touching the caller's RNG state."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = MyNet()
        x = torch.randn(batch, 5)
        target = torch.randn(batch, 1)
    return model, x, target


# ---------------------------------------------------------------- 8.2 sgd_step
def _judge_sgd_step(fn: Any) -> str | None:
    if not callable(fn):
        return "pass the function itself, sgd_step, not the result of calling it."
    for seed, lr in ((0, 0.01), (1, 0.5), (2, 0.1)):
        model, x, target = _example(seed, batch=4)
        nn.functional.mse_loss(model(x), target).backward()
        reference = copy.deepcopy(model)  # a deep copy of a Parameter leaves its .grad behind
        for r, p in zip(reference.parameters(), model.parameters()):
            r.grad = p.grad.detach().clone()
        torch.optim.SGD(reference.parameters(), lr=lr).step()
        params = list(model.parameters())
        before = [p.detach().clone() for p in params]
        grads = [p.grad.detach().clone() for p in params]
        fn(params, lr)
        if any(p.grad is None for p in params):
            return "a parameter's .grad is None after your step: the step should use the gradients, not clear them."
        if all(torch.equal(p.detach(), b) for p, b in zip(params, before)):
            return ("the parameters did not change. Assigning p = p - lr * p.grad only rebinds the name p; "
                    "the model's tensors must change in place.")
        if not all(p.is_leaf and p.requires_grad for p in params):
            return "after your step a parameter is no longer a leaf that requires grad."
        if all(torch.allclose(p.detach(), b + lr * g) for p, b, g in zip(params, before, grads)):
            return "the parameters moved uphill: lr * grad was added instead of subtracted."
        for p, b, g, r in zip(params, before, grads, reference.parameters()):
            if not torch.allclose(p.detach(), b - lr * g, rtol=1e-5, atol=1e-7):
                return f"with lr = {lr}, a parameter of shape {tuple(p.shape)} is not p - lr * p.grad."
            if not torch.allclose(p.detach(), r.detach(), rtol=1e-5, atol=1e-7):  # pragma: no cover
                return "the result differs from torch.optim.SGD's step."
    return None


def _sgd_step_solution() -> Callable:
    def sgd_step(params, lr):
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
    return sgd_step


def _sgd_rebinds() -> Callable:
    def sgd_step(params, lr):
        with torch.no_grad():
            for p in params:
                p = p - lr * p.grad  # noqa: F841 (the mistake: a new tensor, bound to a local name)
    return sgd_step


def _sgd_uphill() -> Callable:
    def sgd_step(params, lr):
        with torch.no_grad():
            for p in params:
                p += lr * p.grad
    return sgd_step


def _sgd_no_no_grad() -> Callable:
    def sgd_step(params, lr):
        for p in params:
            p -= lr * p.grad  # raises: in-place change of a leaf that requires grad
    return sgd_step


def _sgd_clears() -> Callable:
    def sgd_step(params, lr):
        for p in params:
            p.grad = None
    return sgd_step


# ---------------------------------------------------------------- 8.3 where to zero
ZERO_GRAD_OPTIONS = ("A", "B", "C", "D", "E", "F")


def _loop(label: str, model: nn.Module, x: torch.Tensor, target: torch.Tensor, steps: int = 3) -> None:
    """Three training steps written the way option ``label`` writes them."""
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    criterion = nn.MSELoss()
    for _ in range(steps):
        if label == "A":
            optimizer.zero_grad()
            loss = criterion(model(x), target)
            loss.backward()
            optimizer.step()
        elif label == "B":
            loss = criterion(model(x), target)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
        elif label == "C":
            loss = criterion(model(x), target)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        elif label == "D":
            loss = criterion(model(x), target)
            loss.backward()
            optimizer.zero_grad()
            optimizer.step()
        elif label == "E":
            loss = criterion(model(x), target)
            loss.backward()
            optimizer.step()
        elif label == "F":
            for p in model.parameters():
                p.grad.zero_()
            loss = criterion(model(x), target)
            loss.backward()
            optimizer.step()
        else:  # pragma: no cover
            raise ValueError(label)


def _zero_grad_correct() -> set[str]:
    """The options whose parameters after three steps equal option A's, the textbook loop."""
    _, x, target = _example(3, batch=8)
    reference, _, _ = _example(3, batch=8)
    _loop("A", reference, x, target)
    correct = set()
    for label in ZERO_GRAD_OPTIONS:
        model, _, _ = _example(3, batch=8)
        try:
            _loop(label, model, x, target)
        except AttributeError:  # option F: p.grad is None before the first backward
            continue
        if all(torch.allclose(p, r) for p, r in zip(model.parameters(), reference.parameters())):
            correct.add(label)
    return correct


# ---------------------------------------------------------------- 8.1 inactive units
def _reference_inactive(model: MyNet, x: torch.Tensor) -> list[int]:
    with torch.no_grad():
        active = model.relu(model.fc1(x)) > 0
    return [int(i) for i in torch.nonzero(~active.any(dim=0)).flatten()]


def _zero_rows(model: MyNet, x: torch.Tensor, target: torch.Tensor) -> list[int]:
    model.zero_grad()
    nn.functional.mse_loss(model(x), target).backward()
    rows = (model.fc1.weight.grad == 0).all(dim=1)
    return [int(i) for i in torch.nonzero(rows).flatten()]


INACTIVE_CASES = [(seed, batch) for batch in (1, 2, 3, 16) for seed in range(6)]


def _as_index_list(result: Any) -> list[int]:
    if isinstance(result, torch.Tensor):
        result = result.flatten().tolist()
    if isinstance(result, (set, frozenset, tuple)):
        result = list(result)
    if not isinstance(result, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in result):
        raise TypeError(f"expected a list of unit indices (ints), got {result!r}")
    return sorted(result)


def _judge_inactive(fn: Any) -> str | None:
    if not callable(fn):
        return "pass the function itself, inactive_units, not the result of calling it."
    for seed, batch in INACTIVE_CASES:
        model, x, target = _example(seed, batch)
        expected = _reference_inactive(model, x)  # equals _zero_rows(model, x, target): the point of it all
        given = _as_index_list(fn(model, x))
        if given == expected:
            continue
        with torch.no_grad():
            active = model.relu(model.fc1(x)) > 0
        anywhere_inactive = sorted(int(i) for i in torch.nonzero(~active.all(dim=0)).flatten())
        active_units = sorted(int(i) for i in torch.nonzero(active.any(dim=0)).flatten())
        where = f"for a batch of {batch} (seed {seed})"
        if given == anywhere_inactive:
            return (f"{where} you listed every unit that is inactive on *some* sample; a row of the gradient "
                    "is zero only when the unit is inactive on *every* sample of the batch.")
        if given == active_units:
            return f"{where} you listed the units that are active somewhere: the question asks for the inactive ones."
        return f"{where} the list {given} is not the set of units whose gradient row is zero."
    return None


def _inactive_solution() -> Callable:
    def inactive_units(model, x):
        with torch.no_grad():
            h = model.relu(model.fc1(x))
        return [unit for unit in range(h.shape[1]) if (h[:, unit] == 0).all()]
    return inactive_units


def _inactive_any() -> Callable:
    def inactive_units(model, x):
        with torch.no_grad():
            h = model.relu(model.fc1(x))
        return [unit for unit in range(h.shape[1]) if (h[:, unit] == 0).any()]
    return inactive_units


def _inactive_first_sample() -> Callable:
    def inactive_units(model, x):
        with torch.no_grad():
            h = model.relu(model.fc1(x[:1]))
        return [unit for unit in range(h.shape[1]) if h[0, unit] == 0]
    return inactive_units


def _inactive_active() -> Callable:
    def inactive_units(model, x):
        with torch.no_grad():
            h = model.relu(model.fc1(x))
        return [unit for unit in range(h.shape[1]) if (h[:, unit] > 0).any()]
    return inactive_units


# ---------------------------------------------------------------- 8.4 which are leaves
LEAF_OPTIONS = {
    "A": lambda: torch.randn(3, requires_grad=True).to(torch.float64),
    "B": lambda: torch.randn(3).to(torch.float64).requires_grad_(),
    "C": lambda: torch.randn(3, dtype=torch.float64, requires_grad=True),
    "D": lambda: torch.randn(3, requires_grad=True).to(torch.float32),
    "E": lambda: torch.randn(3, requires_grad=True) * 2,
    "F": lambda: nn.Linear(3, 1).to(torch.float64).weight,
}


def _trainable_leaves() -> set[str]:
    with torch.random.fork_rng(devices=[]):
        return {label for label, make in LEAF_OPTIONS.items()
                if (t := make()).is_leaf and t.requires_grad}


register(
    PropertyExercise(
        id=f"{SLUG}.sgd_step",
        title="sgd_step(params, lr) does what torch.optim.SGD's step does",
        hint="Two mistakes from chapter 06 are common here. Assigning a new tensor to the loop variable "
             "changes a local name, not the parameter the optimizer holds: the parameter's own numbers must "
             "change. And autograd must not record the update: PyTorch refuses an in-place change of a leaf "
             "that requires grad while it is recording. Subtract the gradient step; do not add it.",
        solution=_sgd_step_solution,
        judge=_judge_sgd_step,
        kind="a function sgd_step(params, lr) that updates the parameters in place and returns nothing",
        wrong_examples=[_sgd_rebinds, _sgd_uphill, _sgd_no_no_grad, _sgd_clears, lambda: 0.01],
    ),
    ChoiceExercise(
        id=f"{SLUG}.where_to_zero_grad",
        title="which loops zero the gradients correctly",
        hint="'zero_grad() must be the first line' and 'it can go anywhere' are both wrong. backward() adds "
             "into .grad, and step() reads .grad. For each loop, ask what .grad holds at the moment step() "
             "reads it on the second step: it should be exactly this step's gradient. And what is p.grad "
             "before the very first backward()?",
        options=ZERO_GRAD_OPTIONS,
        multiple=True,
        solution=_zero_grad_correct,
        wrong_examples=[lambda: {"A"}, lambda: {"A", "B"}, lambda: {"A", "B", "C", "D"},
                        lambda: {"A", "B", "C", "F"}, lambda: "A"],
    ),
    PropertyExercise(
        id=f"{SLUG}.inactive_units",
        title="the hidden units whose fc1 gradient row is zero, found from the activations",
        hint="A row of fc1.weight.grad is a sum over the samples of the batch, and a sample contributes to "
             "unit k's row only where that unit's ReLU output is positive. Being inactive on one sample is "
             "not enough for a zero row (and inactive on this batch does not mean 'dead' forever). Return "
             "unit indices, not the activations.",
        solution=_inactive_solution,
        judge=_judge_inactive,
        kind="a function inactive_units(model, x) returning a list of unit indices (ints)",
        wrong_examples=[_inactive_any, _inactive_first_sample, _inactive_active, lambda: [1]],
    ),
    ChoiceExercise(
        id=f"{SLUG}.trainable_leaves",
        title="which expressions give a leaf that requires grad",
        hint="'.to() always makes a copy' and 'a copy of a parameter is as good as the parameter' are the two "
             "traps. For each expression, look at the last thing done: did it create the tensor from "
             "scratch (or return the very same tensor), or compute it from another tensor that requires "
             "grad, as autograd records any operation? Modules and plain tensors differ here.",
        options=tuple(LEAF_OPTIONS),
        multiple=True,
        solution=_trainable_leaves,
        wrong_examples=[lambda: {"B", "C"}, lambda: {"B", "C", "F"}, lambda: {"A", "B", "C", "D", "F"},
                        lambda: {"B", "C", "D"}],
    ),
)
