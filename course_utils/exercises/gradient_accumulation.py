"""Exercises of chapter 15, Gradient accumulation over micro-batches."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from course_utils.checks import ChoiceExercise, Mistake, NumericExercise, PropertyExercise, register

# Exercise 15.2: k equal micro-batches of mean losses.
_K, _MICRO = 8, 16
# Exercise 15.3: a DataLoader with batch_size=6 over 16 samples.
_SIZES = (6, 6, 4)
# Exercise 15.5: two DDP ranks with unequal shards.
_SHARDS = (6, 2)


def _scale_factor() -> float:
    return 1 / _K


def _chunk_weights() -> list[float]:
    total = sum(_SIZES)
    return [n / total for n in _SIZES]


def _ddp_factors() -> list[float]:
    total, world_size = sum(_SHARDS), len(_SHARDS)
    return [world_size * n / total for n in _SHARDS]


# ----- Exercise 15.4: a function that accumulates correctly for any micro-batch sizes ---------------

_CASES = ((4, 4), (5, 2, 1), (1, 7), (3, 3, 2))


def _tiny_model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))


def _data() -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(1)
    return torch.randn(8, 3, generator=generator), torch.randn(8, 1, generator=generator)


def _grads(model: nn.Module) -> list[torch.Tensor | None]:
    return [None if p.grad is None else p.grad.detach().clone() for p in model.parameters()]


def _same(a: list[torch.Tensor | None], b: list[torch.Tensor | None]) -> bool:
    return all(x is not None and y is not None and x.shape == y.shape
               and torch.allclose(x, y, rtol=1e-4, atol=1e-6) for x, y in zip(a, b))


def _accumulate_reference(model: nn.Module, X: torch.Tensor, y: torch.Tensor, sizes: list[int]) -> None:
    for X_chunk, y_chunk in zip(X.split(list(sizes)), y.split(list(sizes))):
        (F.mse_loss(model(X_chunk), y_chunk) * (X_chunk.shape[0] / X.shape[0])).backward()


def _accumulate_naive(model: nn.Module, X: torch.Tensor, y: torch.Tensor, sizes: list[int]) -> None:
    for X_chunk, y_chunk in zip(X.split(list(sizes)), y.split(list(sizes))):
        (F.mse_loss(model(X_chunk), y_chunk) / len(sizes)).backward()


def _accumulate_unscaled(model: nn.Module, X: torch.Tensor, y: torch.Tensor, sizes: list[int]) -> None:
    for X_chunk, y_chunk in zip(X.split(list(sizes)), y.split(list(sizes))):
        F.mse_loss(model(X_chunk), y_chunk).backward()


def _accumulate_sum_undivided(model: nn.Module, X: torch.Tensor, y: torch.Tensor, sizes: list[int]) -> None:
    for X_chunk, y_chunk in zip(X.split(list(sizes)), y.split(list(sizes))):
        F.mse_loss(model(X_chunk), y_chunk, reduction="sum").backward()


def _whole_batch_at_once(model: nn.Module, X: torch.Tensor, y: torch.Tensor, sizes: list[int]) -> None:
    F.mse_loss(model(X), y).backward()


def _run(function: Callable[..., Any], sizes: tuple[int, ...]) -> tuple[list[torch.Tensor | None], int]:
    """Call ``function`` on a fresh model; return its gradients and how many forward passes it made."""
    model = _tiny_model()
    calls = []
    model.register_forward_hook(lambda module, inputs, output: calls.append(inputs[0].shape[0]))
    X, y = _data()
    function(model, X, y, list(sizes))
    return _grads(model), len(calls)


def _judge_accumulate(answer: Any) -> str | None:
    if not callable(answer):
        return "pass the function itself (accumulate), not the result of calling it."
    for sizes in _CASES:
        grads, forwards = _run(answer, sizes)
        if any(g is None for g in grads):
            return (f"with sizes {list(sizes)} some parameters have no .grad after your function: "
                    "call backward() once per micro-batch.")
        if forwards != len(sizes):
            return (f"with sizes {list(sizes)} the model ran {forwards} forward pass(es); run it once per "
                    f"micro-batch ({len(sizes)} times), as if the whole batch did not fit in memory.")
        if _same(grads, _run(_accumulate_reference, sizes)[0]):
            continue
        if len(set(sizes)) > 1 and _same(grads, _run(_accumulate_naive, sizes)[0]):
            return (f"with unequal sizes {list(sizes)} the gradient is off: each micro-batch was weighed 1/k. "
                    "A micro-batch's mean loss must count in proportion to its number of samples.")
        if _same(grads, _run(_accumulate_unscaled, sizes)[0]):
            return (f"with sizes {list(sizes)} the gradient is too large ({len(sizes)} times, for equal sizes): "
                    "the micro-batch losses were added without any weight.")
        if _same(grads, _run(_accumulate_sum_undivided, sizes)[0]):
            return (f"with sizes {list(sizes)} the gradient is N times too large: summed losses must still be "
                    "divided by the total number of samples N.")
        return f"with sizes {list(sizes)} the accumulated gradient differs from the full-batch gradient."
    return None


register(
    NumericExercise(
        id="gradient_accumulation.scale_for_equal_chunks",
        title="the factor for each micro-batch loss with k = 8 equal micro-batches",
        hint=".grad adds the micro-batch gradients up, it does not average them, and each micro-batch loss is "
             "already a mean over its own 16 samples. Compare the sum of the k micro-batch means with the "
             "mean over all N samples.",
        solution=_scale_factor,
        mistakes=[Mistake("multiplying by k instead of dividing by k", lambda e: 1 / e),
                  Mistake("no scaling at all: the accumulated gradient would come out k times too large",
                          lambda e: np.ones_like(e)),
                  Mistake("dividing by the total number of samples N: that is right for summed losses "
                          "(reduction='sum'), but these losses are already means", lambda e: e / _MICRO),
                  Mistake("dividing by the micro-batch size: the mean has already done that",
                          lambda e: np.full_like(e, 1 / _MICRO))],
        wrong_examples=[lambda: float(_K), lambda: 1.0, lambda: 1 / (_K * _MICRO), lambda: 1 / _MICRO],
    ),
    NumericExercise(
        id="gradient_accumulation.weights_for_unequal_chunks",
        title="the weights of micro-batches of 6, 6 and 4 samples (N = 16)",
        hint="With unequal micro-batches the naive 1/k weighs every micro-batch the same, so each sample of "
             "the small one counts more than the others. Every sample must count 1/N in the full-batch mean, "
             "and a micro-batch's mean loss already divides by its own size nᵢ.",
        solution=_chunk_weights,
        mistakes=[Mistake("the naive 1/k for every micro-batch: the 4-sample micro-batch counts as much "
                          "as a 6-sample one", lambda e: np.full_like(e, 1 / len(_SIZES))),
                  Mistake("the sizes nᵢ themselves: divide each by the total N", lambda e: e * sum(_SIZES)),
                  Mistake("1/nᵢ: the mean inside each micro-batch already divides by nᵢ",
                          lambda e: 1 / (e * sum(_SIZES))),
                  Mistake("the weights in the wrong order: they follow the sizes 6, 6, 4", lambda e: e[::-1])],
        wrong_examples=[lambda: [1 / 3, 1 / 3, 1 / 3], lambda: [6.0, 6.0, 4.0], lambda: [1 / 6, 1 / 6, 1 / 4],
                        lambda: [0.25, 0.375, 0.375]],
    ),
    PropertyExercise(
        id="gradient_accumulation.accumulate_any_sizes",
        title="accumulate(model, X, y, sizes) leaves the full-batch gradient in .grad",
        hint="Run the model once per micro-batch and call backward() each time; weigh each micro-batch's "
             "mean loss by nᵢ/N (its share of the samples), not by 1/k, which is only right when all "
             "micro-batches have the same size.",
        solution=lambda: _accumulate_reference,
        judge=_judge_accumulate,
        kind="a function accumulate(model, X, y, sizes) that calls backward() once per micro-batch",
        wrong_examples=[lambda: _accumulate_naive, lambda: _accumulate_unscaled, lambda: _whole_batch_at_once,
                        lambda: _accumulate_sum_undivided],
    ),
    ChoiceExercise(
        id="gradient_accumulation.batchnorm_train_mode",
        title="does accumulation give the full-batch gradient with BatchNorm in training mode?",
        hint="Linearity of the gradient only helps when each sample's loss is the same whichever micro-batch "
             "it lands in. Ask what BatchNorm computes from in training mode, and whether that changes when "
             "the batch is cut into micro-batches.",
        options=("A", "B", "C", "D"),
        solution=lambda: "B",
        mistakes=[Mistake("option A trusts linearity alone: it holds for the losses, but BatchNorm in training "
                          "mode makes each sample's output depend on the other samples of its micro-batch",
                          lambda e: "A"),
                  Mistake("option C blames the running statistics, which are only used in eval mode and do "
                          "not enter the training-mode gradient", lambda e: "C"),
                  Mistake("option D fixes the weighting, not the mixing: with equal sizes each micro-batch "
                          "still has its own mean and variance", lambda e: "D")],
        wrong_examples=[lambda: "A", lambda: "C", lambda: "D"],
    ),
    NumericExercise(
        id="gradient_accumulation.ddp_unequal_shards",
        title="the loss factors of two DDP ranks with 6 and 2 samples",
        hint="DistributedDataParallel sums the ranks' gradients and divides by the world size, so with "
             "unequal shards it weighs both ranks the same, like the naive 1/k. Each rank's factor must "
             "undo that division and then weigh its mean loss by its share nᵢ/N of the samples.",
        solution=_ddp_factors,
        mistakes=[Mistake("the weights nᵢ/N alone: DDP still divides by the world size 2 after the sum",
                          lambda e: e / len(_SHARDS)),
                  Mistake("no correction: DDP's plain average weighs the 2-sample shard like the 6-sample one",
                          lambda e: np.ones_like(e)),
                  Mistake("dividing by the world size yourself: DDP already does that",
                          lambda e: np.full_like(e, 1 / len(_SHARDS)))],
        wrong_examples=[lambda: [0.75, 0.25], lambda: [1.0, 1.0], lambda: [0.5, 0.5]],
    ),
)
