"""Exercises of chapter 15, Gradient accumulation over micro-batches."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, Callable

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from course_utils.checks import Case, ChoiceExercise, FunctionExercise, Mistake, NumericExercise, Run, register, wrong
from course_utils.checks.evidence import forward_seen, gradients_arriving
from course_utils.checks.isolation import seeded
from course_utils.checks.tolerance import close_tensors

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
#
# The check runs the learner's function on fresh models and watches the process, not only .grad:
# a forward hook records the size of every micro-batch the model saw, and a hook on a parameter
# counts the backward passes that reached it.

WHOLE_BATCH = Mistake("the whole batch went through the model in one forward pass: accumulation runs the model "
                      "once per micro-batch, as if the whole batch did not fit in memory", name="whole_batch_at_once")
IGNORED_SIZES = Mistake("the model saw micro-batches of other sizes than the ones asked for: cut X and y into "
                        "exactly the given sizes", name="ignored_the_sizes")
ONE_BACKWARD = Mistake("backward() ran once, on the micro-batch losses added up: that keeps the graphs of all "
                       "micro-batches in memory at the same time, which accumulation exists to avoid; call "
                       "backward() once per micro-batch", name="one_backward_on_summed_losses")
NAIVE_1_OVER_K = Mistake("each micro-batch was weighed 1/k: with unequal sizes, a micro-batch's mean loss must count "
                         "in proportion to its number of samples", name="naive_one_over_k")
UNSCALED = Mistake("the micro-batch losses were added without any weight: the gradient comes out too large "
                   "(k times, for equal sizes)", name="no_scaling")
SUM_UNDIVIDED = Mistake("summed losses (reduction='sum') must still be divided by the total number of samples N",
                        name="summed_losses_not_divided")
MEAN_DIVIDED_BY_N = Mistake("each mean loss was divided by N: the mean has already divided by the micro-batch's "
                            "own size", name="mean_divided_by_n")
ZEROED_INSIDE = Mistake("only the last micro-batch's gradient is left: .grad was reset inside the loop, so the "
                        "earlier micro-batches were thrown away", name="zeroed_between_micro_batches")
HARD_CODED_N = Mistake("the total number of samples seems fixed at 8, the chapter's batch: this batch has another "
                       "size; read N from X", name="hard_coded_total")
NO_GRAD = Mistake("some parameters have no .grad after your function: call backward() on each micro-batch's loss",
                  name="no_backward")

_CASES = ((4, 4), (5, 2, 1), (1, 7), (3, 3, 2))


def _tiny_model() -> nn.Module:
    with seeded(0):
        return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))


def _inputs(sizes: tuple[int, ...]) -> Callable[[], tuple]:
    """A fresh model, data of sum(sizes) samples, and the sizes."""

    def inputs() -> tuple:
        generator = torch.Generator().manual_seed(len(sizes) * 10 + sizes[0])
        n = sum(sizes)
        X, y = torch.randn(n, 3, generator=generator), torch.randn(n, 1, generator=generator)
        return _tiny_model(), X, y, list(sizes)

    return inputs


@dataclass
class _Watched:
    """The micro-batch sizes the model saw while an accumulate function ran, and the backward passes."""

    sizes: list[int]
    backward_passes: int


def _watched(function: Callable[..., Any]) -> Callable[..., _Watched]:
    """``function(model, X, y, sizes)``, with a forward hook on the model and a tensor hook on its first parameter."""

    def run(model: nn.Module, X: torch.Tensor, y: torch.Tensor, sizes: list[int]) -> _Watched:
        with forward_seen([model], lambda module, inputs, output: inputs[0].shape[0]) as seen, \
                gradients_arriving([next(model.parameters())]) as arrived:
            function(model, X, y, sizes)
        return _Watched(seen, len(arrived))

    return run


def _grads(model: nn.Module) -> list[torch.Tensor | None]:
    return [None if p.grad is None else p.grad.detach().clone() for p in model.parameters()]


def _same(a: list[torch.Tensor | None], b: list[torch.Tensor | None]) -> bool:
    return len(a) == len(b) and all(x is not None and y is not None and close_tensors(x, y) for x, y in zip(a, b))


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


def _accumulate_sum_divided(model: nn.Module, X: torch.Tensor, y: torch.Tensor, sizes: list[int]) -> None:
    for X_chunk, y_chunk in zip(X.split(sizes), y.split(sizes)):
        (F.mse_loss(model(X_chunk), y_chunk, reduction="sum") / len(X)).backward()


def _accumulate_mean_over_n(model: nn.Module, X: torch.Tensor, y: torch.Tensor, sizes: list[int]) -> None:
    for X_chunk, y_chunk in zip(X.split(sizes), y.split(sizes)):
        (F.mse_loss(model(X_chunk), y_chunk) / X.shape[0]).backward()


def _accumulate_zeroing(model: nn.Module, X: torch.Tensor, y: torch.Tensor, sizes: list[int]) -> None:
    for X_chunk, y_chunk in zip(X.split(sizes), y.split(sizes)):
        model.zero_grad()
        (F.mse_loss(model(X_chunk), y_chunk) * len(X_chunk) / len(X)).backward()


def _accumulate_fractions(model: nn.Module, X: torch.Tensor, y: torch.Tensor, sizes: list[int]) -> None:
    start = 0
    for n in sizes:  # slicing by hand instead of split
        X_chunk, y_chunk = X[start:start + n], y[start:start + n]
        F.mse_loss(model(X_chunk), y_chunk).mul(n / sum(sizes)).backward()
        start += n


def _accumulate_for_eight(model: nn.Module, X: torch.Tensor, y: torch.Tensor, sizes: list[int]) -> None:
    for X_chunk, y_chunk in zip(X.split(sizes), y.split(sizes)):
        (F.mse_loss(model(X_chunk), y_chunk) * len(X_chunk) / 8).backward()  # the chapter's N, hard-coded


def _whole_batch_at_once(model: nn.Module, X: torch.Tensor, y: torch.Tensor, sizes: list[int]) -> None:
    F.mse_loss(model(X), y).backward()


def _one_backward_on_the_sum(model: nn.Module, X: torch.Tensor, y: torch.Tensor, sizes: list[int]) -> None:
    total: Any = 0
    for X_chunk, y_chunk in zip(X.split(sizes), y.split(sizes)):
        total = total + F.mse_loss(model(X_chunk), y_chunk) * len(X_chunk) / len(X)
    total.backward()


def _equal_chunks(model: nn.Module, X: torch.Tensor, y: torch.Tensor, sizes: list[int]) -> None:
    k = len(sizes)
    for X_chunk, y_chunk in zip(X.chunk(k), y.chunk(k)):  # ignores the sizes
        (F.mse_loss(model(X_chunk), y_chunk) * len(X_chunk) / len(X)).backward()


def _gradients_of(function: Callable[..., Any], X: torch.Tensor, y: torch.Tensor,
                  sizes: list[int]) -> list[torch.Tensor | None]:
    """The gradients ``function`` leaves on a fresh model (the same start as every case's model)."""
    fresh = _tiny_model()
    function(fresh, X, y, list(sizes))
    return _grads(fresh)


def _judge_accumulate(run: Run) -> Any:
    model, X, y, sizes = run.inputs
    sizes = list(run.expected_inputs[3])
    seen = run.result.sizes
    if len(seen) == 1 and len(sizes) > 1:
        return WHOLE_BATCH
    if seen != sizes:
        return IGNORED_SIZES
    grads = _grads(model)
    if any(g is None for g in grads):
        return NO_GRAD
    calls = run.result.backward_passes
    if calls == 1 and len(sizes) > 1:
        return ONE_BACKWARD
    if _same(grads, _grads(run.expected_inputs[0])):
        return None
    X0, y0 = run.expected_inputs[1], run.expected_inputs[2]
    for mistake, function in [(NAIVE_1_OVER_K, _accumulate_naive), (UNSCALED, _accumulate_unscaled),
                              (SUM_UNDIVIDED, _accumulate_sum_undivided), (MEAN_DIVIDED_BY_N, _accumulate_mean_over_n)]:
        if mistake is NAIVE_1_OVER_K and len(set(sizes)) == 1:
            continue  # with equal sizes 1/k is right
        if _same(grads, _gradients_of(function, X0, y0, sizes)):
            return mistake
    if len(X0) != 8 and _same(grads, [None if g is None else g * len(X0) / 8 for g in _grads(run.expected_inputs[0])]):
        return HARD_CODED_N
    if _same(grads, _gradients_of(_accumulate_reference, X0[-sizes[-1]:], y0[-sizes[-1]:], sizes[-1:])) or \
            _same(grads, _gradients_of(_accumulate_zeroing, X0, y0, sizes)):
        return ZEROED_INSIDE
    if calls != len(sizes):
        return (f"backward() reached the model {calls} times for {len(sizes)} micro-batches; call it once per "
                "micro-batch")
    return "the accumulated gradient differs from the full-batch gradient"


register(
    NumericExercise(
        id="gradient_accumulation.scale_for_equal_chunks",
        title="the factor for each micro-batch loss with k = 8 equal micro-batches",
        hint=".grad adds the micro-batch gradients up, it does not average them, and each micro-batch loss is "
             "already a mean over its own 16 samples. Compare the sum of the k micro-batch means with the "
             "mean over all N samples.",
        first_step="Write the full-batch mean as (1/N)·(sum of all N losses), then group the N losses into the k "
                   "micro-batches of 16 and write each group's sum as 16 times that micro-batch's mean.",
        solution=_scale_factor,
        mistakes=[Mistake("multiplying by k instead of dividing by k", lambda e: 1 / e, name="multiplied_by_k"),
                  Mistake("no scaling at all: the accumulated gradient would come out k times too large",
                          lambda e: np.ones_like(e), name="no_scaling"),
                  Mistake("dividing by the total number of samples N: that is right for summed losses "
                          "(reduction='sum'), but these losses are already means", lambda e: e / _MICRO,
                          name="mean_divided_by_n"),
                  Mistake("dividing by the micro-batch size: the mean has already done that",
                          lambda e: np.full_like(e, 1 / _MICRO), name="divided_by_micro_batch_size")],
        wrong_examples=[wrong(lambda: float(_K), says="multiplying by k"), wrong(lambda: 1.0, says="no scaling"),
                        wrong(lambda: 1 / (_K * _MICRO), says="already means"),
                        wrong(lambda: 1 / _MICRO, says="the mean has already done that"), lambda: 0.5],
        right_examples=[lambda: Fraction(1, _K), lambda: Decimal(1) / Decimal(_K), lambda: torch.tensor([1 / _K]),
                        lambda: np.float32(1 / _K), lambda: 1 / _K],
    ),
    NumericExercise(
        id="gradient_accumulation.weights_for_unequal_chunks",
        title="the weights of micro-batches of 6, 6 and 4 samples (N = 16)",
        hint="With unequal micro-batches the naive 1/k weighs every micro-batch the same, so each sample of "
             "the small one counts more than the others. Every sample must count 1/N in the full-batch mean, "
             "and a micro-batch's mean loss already divides by its own size nᵢ.",
        first_step="Write the full-batch mean as (1/N) times the sum of the 16 sample losses, split that sum into "
                   "the three micro-batches, and replace each part by nᵢ times that micro-batch's mean.",
        solution=_chunk_weights,
        mistakes=[Mistake("the naive 1/k for every micro-batch: the 4-sample micro-batch counts as much "
                          "as a 6-sample one", lambda e: np.full_like(e, 1 / len(_SIZES)), name="naive_one_over_k"),
                  Mistake("the sizes nᵢ themselves: divide each by the total N", lambda e: e * sum(_SIZES),
                          name="sizes_not_divided"),
                  Mistake("1/nᵢ: the mean inside each micro-batch already divides by nᵢ",
                          lambda e: 1 / (e * sum(_SIZES)), name="one_over_n_i"),
                  Mistake("the weights in the wrong order: they follow the sizes 6, 6, 4", lambda e: e[::-1],
                          name="weights_in_wrong_order")],
        wrong_examples=[wrong(lambda: [1 / 3, 1 / 3, 1 / 3], says="naive 1/k"),
                        wrong(lambda: [6.0, 6.0, 4.0], says="the sizes nᵢ themselves"),
                        wrong(lambda: [1 / 6, 1 / 6, 1 / 4], says="1/nᵢ"),
                        wrong(lambda: [0.25, 0.375, 0.375], says="wrong order"), lambda: [0.375, 0.375]],
        right_examples=[lambda: [Fraction(n, sum(_SIZES)) for n in _SIZES], lambda: torch.tensor(_chunk_weights()),
                        lambda: np.array(_SIZES) / sum(_SIZES), lambda: tuple(_chunk_weights())],
    ),
    FunctionExercise(
        id="gradient_accumulation.accumulate_any_sizes",
        title="accumulate(model, X, y, sizes) leaves the full-batch gradient in .grad",
        hint="Run the model once per micro-batch of exactly the given sizes and call backward() on each "
             "micro-batch's loss before the next one; weigh each mean loss by its share of the samples, not by "
             "1/k, which is only right when all micro-batches have the same size.",
        first_step="Start with the loop of the section on unequal micro-batches: for X_micro, y_micro in "
                   "zip(X.split(sizes), y.split(sizes)): ... Inside it, compute the mean loss of the micro-batch; "
                   "then ask what fraction of the N samples this micro-batch holds.",
        solution=lambda: _accumulate_reference,
        signature="accumulate(model, X, y, sizes)",
        cases=[Case(f"micro-batch sizes {list(sizes)}", _inputs(sizes), judge=_judge_accumulate)
               for sizes in (*_CASES, (6, 4))],
        adapt=_watched,
        right_examples=[lambda: _accumulate_sum_divided, lambda: _accumulate_fractions],
        wrong_examples=[wrong(lambda: _accumulate_naive, says=NAIVE_1_OVER_K.says),
                        wrong(lambda: _accumulate_unscaled, says=UNSCALED.says),
                        wrong(lambda: _whole_batch_at_once, says=WHOLE_BATCH.says),
                        wrong(lambda: _accumulate_sum_undivided, says=SUM_UNDIVIDED.says),
                        wrong(lambda: _accumulate_mean_over_n, says=MEAN_DIVIDED_BY_N.says),
                        wrong(lambda: _accumulate_zeroing, says=ZEROED_INSIDE.says),
                        wrong(lambda: _one_backward_on_the_sum, says=ONE_BACKWARD.says),
                        wrong(lambda: _equal_chunks, says=IGNORED_SIZES.says),
                        wrong(lambda: _accumulate_for_eight, says=HARD_CODED_N.says),
                        wrong(lambda: [p.detach() for p in _tiny_model().parameters()], says="pass the function")],
    ),
    ChoiceExercise(
        id="gradient_accumulation.batchnorm_train_mode",
        title="does accumulation give the full-batch gradient with BatchNorm in training mode?",
        hint="Linearity of the gradient only helps when each sample's loss is the same whichever micro-batch "
             "it lands in. Ask what BatchNorm computes from in training mode, and whether that changes when "
             "the batch is cut into micro-batches.",
        first_step="Take one sample and follow it through BatchNorm in training mode: which numbers, besides the "
                   "sample itself, does its normalised value depend on? Are they the same in a micro-batch of 2 as "
                   "in the batch of 8?",
        options=("A", "B", "C", "D"),
        aliases={option: [f"option {option}", f"({option})"] for option in "ABCD"},
        solution=lambda: "B",
        mistakes=[Mistake("option A trusts linearity alone: it holds for the losses, but BatchNorm in training "
                          "mode makes each sample's output depend on the other samples of its micro-batch",
                          lambda e: "A", name="linearity_alone"),
                  Mistake("option C blames the running statistics, which are only used in eval mode and do "
                          "not enter the training-mode gradient", lambda e: "C", name="blames_running_statistics"),
                  Mistake("option D fixes the weighting, not the mixing: with equal sizes each micro-batch "
                          "still has its own mean and variance", lambda e: "D", name="equal_sizes_suffice")],
        wrong_examples=[wrong(lambda: "A", says="trusts linearity alone"),
                        wrong(lambda: "Option C", says="running statistics"),
                        wrong(lambda: "D", says="fixes the weighting")],
        right_examples=[lambda: "b", lambda: " B ", lambda: "option B"],
    ),
    NumericExercise(
        id="gradient_accumulation.ddp_unequal_shards",
        title="the loss factors of two DDP ranks with 6 and 2 samples",
        hint="DistributedDataParallel sums the ranks' gradients and divides by the world size, so with "
             "unequal shards it weighs both ranks the same, like the naive 1/k. Each rank's factor must "
             "undo that division and then weigh its mean loss by its share nᵢ/N of the samples.",
        first_step="Write what DDP computes from the two factors f₀ and f₁: (f₀·g₀ + f₁·g₁) / 2, where gᵢ is the "
                   "gradient of rank i's mean loss. Then write the full-batch gradient in terms of g₀ and g₁ and "
                   "compare the two expressions term by term.",
        solution=_ddp_factors,
        mistakes=[Mistake("the weights nᵢ/N alone: DDP still divides by the world size 2 after the sum",
                          lambda e: e / len(_SHARDS), name="forgot_ddp_divides"),
                  Mistake("no correction: DDP's plain average weighs the 2-sample shard like the 6-sample one",
                          lambda e: np.ones_like(e), name="no_correction"),
                  Mistake("dividing by the world size yourself: DDP already does that",
                          lambda e: np.full_like(e, 1 / len(_SHARDS)), name="divided_by_world_size_twice"),
                  Mistake("the factors of the two ranks are swapped: the rank with more samples needs the larger "
                          "factor", lambda e: e[::-1], name="factors_swapped"),
                  Mistake("twice the right factors: undo DDP's division by the world size once, not twice",
                          lambda e: 2 * e, name="world_size_undone_twice")],
        wrong_examples=[wrong(lambda: [0.75, 0.25], says="nᵢ/N alone"), wrong(lambda: [1.0, 1.0], says="no correction"),
                        wrong(lambda: [0.5, 0.5], says="DDP already does that"),
                        wrong(lambda: [0.5, 1.5], says="swapped"), wrong(lambda: [3.0, 1.0], says="not twice"),
                        lambda: [2.0, 2.0]],
        right_examples=[lambda: [Fraction(3, 2), Fraction(1, 2)], lambda: torch.tensor(_ddp_factors())],
    ),
)
