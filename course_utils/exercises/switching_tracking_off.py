"""Exercises of chapter 05, Switching tracking off."""
from __future__ import annotations

from typing import Any

import torch

from course_utils.checks import ChoiceExercise, Mistake, NumericExercise, PropertyExercise, register

SIGMOID_INPUT = (-1.0, 0.0, 1.0)


def _correct_sigmoid_grad() -> list[float]:
    x = torch.tensor(SIGMOID_INPUT, requires_grad=True)
    x.sigmoid().sum().backward()
    return x.grad.tolist()


def _grad_with_data_bug() -> list[float]:
    """The gradient the buggy cell gives: .data.mul_(100) changes the output sigmoid saved."""
    x = torch.tensor(SIGMOID_INPUT, requires_grad=True)
    probs = x.sigmoid()
    probs.data.mul_(100)
    probs.sum().backward()
    return x.grad.tolist()


def _validation_model() -> tuple[torch.nn.Module, torch.Tensor, torch.Tensor]:
    """The model and data of exercise 5.3 (on the CPU), built the same way as in the notebook."""
    torch.manual_seed(5)
    model = torch.nn.Linear(3, 1)
    X = torch.arange(6.0).reshape(2, 3)
    y = torch.ones(2, 1)
    return model, X, y


def _validation_loss(track: bool) -> torch.Tensor:
    model, X, y = _validation_model()
    with torch.set_grad_enabled(track):
        return torch.nn.functional.mse_loss(model(X), y)


def _judge_validation_loss(answer: Any) -> str | None:
    if not isinstance(answer, torch.Tensor):
        return ("pass the loss tensor itself, not a number: only a tensor can show whether autograd "
                "recorded a graph for it.")
    if answer.is_complex() or not answer.is_floating_point():
        return f"the loss is a real floating-point number, not {answer.dtype}."
    if answer.requires_grad or answer.grad_fn is not None:
        return "this loss still requires grad: autograd recorded a graph while computing it."
    expected = _validation_loss(track=False)
    if answer.numel() != 1 or not torch.allclose(answer.detach().cpu().double().reshape(()),
                                                 expected.double(), rtol=1e-4, atol=1e-6):
        return "the value is not the mean squared error of model(X) against y."
    return None


register(
    ChoiceExercise(
        id="switching_tracking_off.which_require_grad",
        title="which of these tensors require grad",
        hint="Two beliefs trip people up here: that model.eval() is one of the switches that stop recording, "
             "and that a detached tensor can never be tracked again. Test each of the six lines against the "
             "chapter's three switches only.",
        options=("a", "b", "c", "d", "e", "f"),
        multiple=True,
        solution=lambda: {"a", "d", "e"},
        wrong_examples=[lambda: {"a", "e"}, lambda: {"a"}, lambda: {"a", "b", "d", "e"}, lambda: "a"],
    ),
    NumericExercise(
        id="switching_tracking_off.detach_shares_storage",
        title="what x holds after an in-place change to x.detach()",
        hint="The trap is to read detach() as a copy. It gives a new tensor object but not new memory; "
             "think about what an in-place change to that memory does to x.",
        solution=lambda: [10.0, 20.0, 30.0],
        mistakes=[Mistake("x unchanged, as if detach() had made a copy; it shares the storage",
                          lambda e: e / 10)],
        wrong_examples=[lambda: [1.0, 2.0, 3.0], lambda: [10.0, 2.0, 3.0], lambda: [0.0, 0.0, 0.0]],
    ),
    PropertyExercise(
        id="switching_tracking_off.validation_loss",
        title="a validation loss computed without a graph",
        hint="model.eval() changes how layers such as Dropout behave, but autograd still records every "
             "operation. The forward pass itself must run where recording is switched off, and the answer "
             "is the loss tensor, not its .item().",
        solution=lambda: _validation_loss(track=False),
        judge=_judge_validation_loss,
        kind="a one-number tensor that does not require grad",
        wrong_examples=[lambda: _validation_loss(track=True), lambda: _validation_loss(track=False).item(),
                        lambda: _validation_loss(track=False) * 2, lambda: torch.tensor(0.0)],
    ),
    NumericExercise(
        id="switching_tracking_off.fix_data_bug",
        title="the gradient of sigmoid once the .data bug is fixed",
        hint="The bug is to treat .data as a safe separate copy. It shares memory with probs, which sigmoid "
             "saved for the backward pass, and autograd cannot see the change. percent must be computed "
             "without changing the numbers stored in probs.",
        solution=_correct_sigmoid_grad,
        mistakes=[Mistake("the gradient computed from the percentages: the in-place change through .data "
                          "reached the output that sigmoid saved for backward",
                          lambda e: _grad_with_data_bug())],
        wrong_examples=[_grad_with_data_bug, lambda: [0.0, 0.0, 0.0], lambda: [0.25, 0.25, 0.25]],
        rtol=1e-4,
        atol=1e-6,
    ),
)
