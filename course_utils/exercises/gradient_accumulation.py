"""Exercises of chapter 15, Gradient accumulation over micro-batches.

15.2, 15.3 and 15.5 are numbers (the factor for summed losses, the weights of unequal micro-batches, the DDP
factors), each with its typical wrong numbers named. 15.4 asks for a function that accumulates micro-batches
coming from a stream whose total is known only at the end; its check watches the process (see below).
"""
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
from course_utils.checks.evidence import forward_seen
from course_utils.checks.isolation import seeded
from course_utils.checks.tolerance import close_tensors

# Exercise 15.2: k equal micro-batches of summed losses (reduction="sum").
_K, _MICRO = 8, 16
# Exercise 15.3: a DataLoader with batch_size=6 over 16 samples.
_SIZES = (6, 6, 4)
# Exercise 15.5: two DDP ranks with unequal shards.
_SHARDS = (6, 2)


def _scale_factor() -> float:
    return 1 / (_K * _MICRO)   # summed losses: 1/N


def _chunk_weights() -> list[float]:
    total = sum(_SIZES)
    return [n / total for n in _SIZES]


def _ddp_factors() -> list[float]:
    total, world_size = sum(_SHARDS), len(_SHARDS)
    return [world_size * n / total for n in _SHARDS]


# ----- Exercise 15.4: accumulation when the total number of samples comes last ---------------------
#
# The learner's function gets the micro-batches from a one-shot iterator without len, as from a
# DataLoader, so N is known only at the end. The check runs it on fresh models and watches the
# process, not only .grad: a forward hook records each micro-batch the model sees and a hook on a
# parameter each backward pass that reaches it, in one list of events, so that "forward, backward"
# per micro-batch can be told from every forward first; the parameters before and after show a step.

WHOLE_BATCH = Mistake("the micro-batches were joined and went through the model in one forward pass: accumulation "
                      "runs the model once per micro-batch, as if the whole batch did not fit in memory",
                      name="whole_batch_at_once")
IGNORED_SIZES = Mistake("the model saw other micro-batches than the ones batches yields: run it on each pair as it "
                        "comes", name="ignored_the_sizes")
USED_UP = Mistake("batches was used up before the model saw a micro-batch: it yields its pairs only once, like a "
                  "generator, so a first loop (to count the samples, say) leaves nothing for a second one",
                  name="batches_used_up")
ONE_BACKWARD = Mistake("backward() ran once, on the micro-batch losses added up: that keeps the graphs of all "
                       "micro-batches in memory at the same time, which accumulation exists to avoid; call "
                       "backward() once per micro-batch", name="one_backward_on_summed_losses")
GRAPHS_KEPT = Mistake("every micro-batch went through the model before the first backward(): all their graphs were "
                      "in memory at the same time, which accumulation exists to avoid; call backward() on each "
                      "micro-batch's loss before the next forward pass", name="graphs_kept_until_the_end")
STEPPED = Mistake("the parameters changed: accumulate must only leave gradients in .grad; the optimizer step comes "
                  "after it, in the training loop", name="stepped_the_parameters")
NAIVE_1_OVER_K = Mistake("each micro-batch was weighed 1/k: with unequal sizes, a micro-batch's mean loss must count "
                         "in proportion to its number of samples", name="naive_one_over_k")
UNSCALED = Mistake("the micro-batch losses were added without any weight: the gradient comes out too large "
                   "(k times, for equal sizes)", name="no_scaling")
SUM_UNDIVIDED = Mistake("summed losses (reduction='sum') must still be divided by the total number of samples N",
                        name="summed_losses_not_divided")
MEAN_DIVIDED_BY_N = Mistake("each mean loss was divided by N as well: the mean has already divided by the "
                            "micro-batch's own size", name="mean_divided_by_n")
ZEROED_INSIDE = Mistake("only the last micro-batch's gradient is left: .grad was reset inside the loop, so the "
                        "earlier micro-batches were thrown away", name="zeroed_between_micro_batches")
HARD_CODED_N = Mistake("the total number of samples seems fixed at 8, the chapter's batch: this batch has another "
                       "size; count the samples as they come", name="hard_coded_total")
NO_GRAD = Mistake("some parameters have no .grad after your function: call backward() on each micro-batch's loss",
                  name="no_backward")

_CASES = ((4, 4), (5, 2, 1), (1, 7), (3, 3, 2), (6, 4))


class Batches:
    """The micro-batches of ``X`` and ``y`` cut to ``sizes``, yielded once, one pair at a time (like a generator).

    It has no ``len``: as with a stream of micro-batches, the total number of samples is known only at the end.
    The check reads ``X``, ``y`` and ``sizes`` afterwards, and how many pairs were taken.
    """

    def __init__(self, X: torch.Tensor, y: torch.Tensor, sizes: tuple[int, ...]) -> None:
        self.X, self.y, self.sizes = X, y, list(sizes)
        self._pairs = iter(list(zip(X.split(self.sizes), y.split(self.sizes))))
        self.taken = 0

    def __iter__(self) -> "Batches":
        return self

    def __next__(self) -> tuple[torch.Tensor, torch.Tensor]:
        pair = next(self._pairs)
        self.taken += 1
        return pair

    def __repr__(self) -> str:
        return "<micro-batches, yielded one at a time>"


def _tiny_model() -> nn.Module:
    with seeded(0):
        return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))


def _inputs(sizes: tuple[int, ...]) -> Callable[[], tuple]:
    """A fresh model and the micro-batches of sum(sizes) samples."""

    def inputs() -> tuple:
        generator = torch.Generator().manual_seed(len(sizes) * 10 + sizes[0])
        n = sum(sizes)
        X, y = torch.randn(n, 3, generator=generator), torch.randn(n, 1, generator=generator)
        return _tiny_model(), Batches(X, y, sizes)

    return inputs


@dataclass
class _Watched:
    """What happened while an accumulate function ran: ("forward", size) and ("backward",) events, in order."""

    events: list[tuple]
    before: list[torch.Tensor]

    @property
    def sizes(self) -> list[int]:
        return [event[1] for event in self.events if event[0] == "forward"]

    @property
    def backward_passes(self) -> int:
        return sum(event[0] == "backward" for event in self.events)


def _watched(function: Callable[..., Any]) -> Callable[..., _Watched]:
    """``function(model, batches)``, with a forward hook on the model and a tensor hook on its first parameter."""

    def run(model: nn.Module, batches: Batches) -> _Watched:
        events: list[tuple] = []
        before = [p.detach().clone() for p in model.parameters()]
        handle = next(model.parameters()).register_hook(lambda grad: events.append(("backward",)))
        try:
            with forward_seen([model], lambda module, inputs, output: events.append(("forward", inputs[0].shape[0]))):
                function(model, batches)
        finally:
            handle.remove()
        return _Watched(events, before)

    return run


def _grads(model: nn.Module) -> list[torch.Tensor | None]:
    return [None if p.grad is None else p.grad.detach().clone() for p in model.parameters()]


def _same(a: list[torch.Tensor | None], b: list[torch.Tensor | None]) -> bool:
    return len(a) == len(b) and all(x is not None and y is not None and close_tensors(x, y) for x, y in zip(a, b))


def _accumulate_reference(model: nn.Module, batches: Any) -> None:
    total = 0
    for X_micro, y_micro in batches:
        F.mse_loss(model(X_micro), y_micro, reduction="sum").backward()
        total += X_micro.shape[0]
    for p in model.parameters():
        assert p.grad is not None, "every parameter takes part in the loss"
        p.grad /= total


def _weighted(weight: Callable[[int, int, int], float]) -> Callable[..., None]:
    """A way of working with known sizes: each micro-batch's mean loss times weight(n_i, N, k), one backward each."""

    def accumulate(model: nn.Module, X: torch.Tensor, y: torch.Tensor, sizes: list[int]) -> None:
        for X_micro, y_micro in zip(X.split(sizes), y.split(sizes)):
            (F.mse_loss(model(X_micro), y_micro) * weight(X_micro.shape[0], X.shape[0], len(sizes))).backward()

    return accumulate


def _gradients_of(function: Callable[..., Any], X: torch.Tensor, y: torch.Tensor,
                  sizes: list[int]) -> list[torch.Tensor | None]:
    """The gradients ``function(model, X, y, sizes)`` leaves on a fresh model (the same start as every case's)."""
    fresh = _tiny_model()
    function(fresh, X, y, list(sizes))
    return _grads(fresh)


_TYPICAL = [(NAIVE_1_OVER_K, _weighted(lambda n, N, k: 1 / k)), (UNSCALED, _weighted(lambda n, N, k: 1.0)),
            (SUM_UNDIVIDED, _weighted(lambda n, N, k: n)), (MEAN_DIVIDED_BY_N, _weighted(lambda n, N, k: 1 / N))]


def _judge_accumulate(run: Run) -> Any:
    model, batches = run.inputs
    watched = run.result
    sizes = batches.sizes
    seen = watched.sizes
    if not seen and batches.taken:
        return USED_UP
    if len(seen) == 1 and len(sizes) > 1 and seen[0] == sum(sizes):
        return WHOLE_BATCH
    if seen != sizes:
        return IGNORED_SIZES
    if not all(torch.equal(p.detach(), b) for p, b in zip(model.parameters(), watched.before)):
        return STEPPED
    grads = _grads(model)
    if any(g is None for g in grads):
        return NO_GRAD
    calls = watched.backward_passes
    if calls == 1 and len(sizes) > 1:
        return ONE_BACKWARD
    if calls == len(sizes) and [event[0] for event in watched.events] != ["forward", "backward"] * len(sizes):
        return GRAPHS_KEPT
    if _same(grads, _grads(run.expected_inputs[0])):
        return None
    X, y = batches.X, batches.y
    for mistake, function in _TYPICAL:
        if mistake is NAIVE_1_OVER_K and len(set(sizes)) == 1:
            continue  # with equal sizes 1/k is right
        if _same(grads, _gradients_of(function, X, y, sizes)):
            return mistake
    right = _grads(run.expected_inputs[0])
    if len(X) != 8 and _same(grads, [None if g is None else g * len(X) / 8 for g in right]):
        return HARD_CODED_N
    last = _gradients_of(_weighted(lambda n, N, k: 1.0), X[-sizes[-1]:], y[-sizes[-1]:], sizes[-1:])
    weighted_last = [None if g is None else g * sizes[-1] / len(X) for g in last]
    if _same(grads, last) or _same(grads, weighted_last):   # the last micro-batch alone, unweighted or weighted
        return ZEROED_INSIDE
    if calls != len(sizes):
        return (f"backward() reached the model {calls} times for {len(sizes)} micro-batches; call it once per "
                "micro-batch")
    return "the accumulated gradient differs from the full-batch gradient"


# wrong and right ways a beginner writes 15.4 (the check's examples)

def _divide_gradients(model: nn.Module, by: int) -> None:
    """Divide every parameter's accumulated .grad by ``by`` in place (the last line of the accumulation loops)."""
    with torch.no_grad():
        for p in model.parameters():
            if p.grad is not None:
                p.grad.div_(by)


def _accumulate_naive(model: nn.Module, batches: Any) -> None:
    k = 0
    for X_micro, y_micro in batches:
        F.mse_loss(model(X_micro), y_micro).backward()
        k += 1
    _divide_gradients(model, k)


def _accumulate_unscaled(model: nn.Module, batches: Any) -> None:
    for X_micro, y_micro in batches:
        F.mse_loss(model(X_micro), y_micro).backward()


def _accumulate_sum_undivided(model: nn.Module, batches: Any) -> None:
    for X_micro, y_micro in batches:
        F.mse_loss(model(X_micro), y_micro, reduction="sum").backward()


def _accumulate_mean_then_divided(model: nn.Module, batches: Any) -> None:
    total = 0
    for X_micro, y_micro in batches:
        F.mse_loss(model(X_micro), y_micro).backward()
        total += len(X_micro)
    _divide_gradients(model, total)


def _accumulate_zeroing(model: nn.Module, batches: Any) -> None:
    total = 0
    for X_micro, y_micro in batches:
        model.zero_grad()
        F.mse_loss(model(X_micro), y_micro, reduction="sum").backward()
        total += len(X_micro)
    _divide_gradients(model, total)


def _accumulate_for_eight(model: nn.Module, batches: Any) -> None:
    for X_micro, y_micro in batches:
        (F.mse_loss(model(X_micro), y_micro, reduction="sum") / 8).backward()  # the chapter's N, hard-coded


def _whole_batch_at_once(model: nn.Module, batches: Any) -> None:
    pairs = list(batches)
    X, y = torch.cat([p[0] for p in pairs]), torch.cat([p[1] for p in pairs])
    F.mse_loss(model(X), y).backward()


def _one_backward_on_the_sum(model: nn.Module, batches: Any) -> None:
    total: Any = 0
    n = 0
    for X_micro, y_micro in batches:
        total = total + F.mse_loss(model(X_micro), y_micro, reduction="sum")
        n += len(X_micro)
    (total / n).backward()


def _every_forward_first(model: nn.Module, batches: Any) -> None:
    losses, n = [], 0
    for X_micro, y_micro in batches:
        losses.append(F.mse_loss(model(X_micro), y_micro, reduction="sum"))
        n += len(X_micro)
    for loss in losses:
        (loss / n).backward()


def _counted_first(model: nn.Module, batches: Any) -> None:
    n = sum(len(X_micro) for X_micro, _ in batches)  # uses the pairs up
    for X_micro, y_micro in batches:
        (F.mse_loss(model(X_micro), y_micro) * len(X_micro) / n).backward()


def _listed_first(model: nn.Module, batches: Any) -> None:
    """Right: the pairs kept in a list (data, not graphs), N counted, then each mean loss weighted n_i/N."""
    pairs = list(batches)
    n = sum(len(X_micro) for X_micro, _ in pairs)
    for X_micro, y_micro in pairs:
        (F.mse_loss(model(X_micro), y_micro) * len(X_micro) / n).backward()


def _mean_times_size_then_divided(model: nn.Module, batches: Any) -> None:
    """Right: each mean loss times its size (its sum), then .grad divided by N under no_grad."""
    n = 0
    for X_micro, y_micro in batches:
        (F.mse_loss(model(X_micro), y_micro) * len(X_micro)).backward()
        n += len(X_micro)
    _divide_gradients(model, n)


def _and_a_step(model: nn.Module, batches: Any) -> None:
    _accumulate_reference(model, batches)
    torch.optim.SGD(model.parameters(), lr=0.1).step()


def _and_a_step_with_zero_grad(model: nn.Module, batches: Any) -> None:
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    _accumulate_reference(model, batches)
    optimizer.step()
    optimizer.zero_grad()


register(
    NumericExercise(
        id="gradient_accumulation.scale_for_equal_chunks",
        title="the factor for each summed micro-batch loss with k = 8 micro-batches of 16 (N = 128)",
        hint=".grad adds the micro-batch gradients up. A summed loss over 16 samples is not a mean: it is 16 times "
             "that micro-batch's mean. Compare the sum of the k micro-batch sums with the mean over all N samples.",
        first_step="Write the full-batch mean as (1/N)·(sum of all N losses), then group the N losses into the k "
                   "micro-batches of 16: what is each group, in terms of what reduction='sum' returns?",
        solution=_scale_factor,
        mistakes=[Mistake("the factor 1/k that mean losses need: these losses are sums, each already 16 times its "
                          "micro-batch's mean", lambda e: e * _MICRO, name="factor_for_mean_losses"),
                  Mistake("no scaling at all: the accumulated gradient would come out N times too large",
                          lambda e: np.ones_like(e), name="no_scaling"),
                  Mistake("dividing by the micro-batch size: that turns each sum into its micro-batch's mean, but "
                          "the k means still add up to k times the full-batch mean", lambda e: e * _K,
                          name="divided_by_micro_batch_size"),
                  Mistake("multiplying by k instead of dividing", lambda e: np.full_like(e, float(_K)),
                          name="multiplied_by_k"),
                  Mistake("dividing by N and by k: dividing each sum by N alone already gives the mean over all "
                          "N samples", lambda e: e / _K, name="divided_by_n_and_k"),
                  Mistake("dividing by N and by the micro-batch size: dividing each sum by N alone already gives "
                          "the mean over all N samples", lambda e: e / _MICRO, name="divided_by_n_and_micro_size")],
        wrong_examples=[wrong(lambda: 1 / _K, says="these losses are sums"), wrong(lambda: 1.0, says="no scaling"),
                        wrong(lambda: 1 / _MICRO, says="dividing by the micro-batch size"),
                        wrong(lambda: float(_K), says="multiplying by k"),
                        wrong(lambda: 1 / (_K * _K * _MICRO), says="dividing by N and by k"),
                        wrong(lambda: 1 / (_K * _MICRO * _MICRO), says="by the micro-batch size: dividing"),
                        lambda: 0.5],
        right_examples=[lambda: Fraction(1, _K * _MICRO), lambda: Decimal(1) / Decimal(_K * _MICRO),
                        lambda: torch.tensor([1 / (_K * _MICRO)]), lambda: np.float32(1 / (_K * _MICRO)),
                        lambda: 1 / 128],
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
        title="accumulate(model, batches): the full-batch gradient, with N known only at the end",
        hint="You cannot weigh a micro-batch by nᵢ/N before N is known, but the gradient is linear: a factor that "
             "every micro-batch's loss shares can as well be applied once, to the accumulated .grad, after the "
             "last micro-batch. Call backward() on each micro-batch's loss before the next forward pass, and leave "
             "the parameters as they are.",
        first_step="Loop over batches once; for each pair, compute the loss with reduction='sum', call backward() and "
                   "add the micro-batch's number of samples to a running N. After the loop, what does .grad hold, "
                   "compared with the gradient of the mean over all N samples?",
        solution=lambda: _accumulate_reference,
        signature="accumulate(model, batches)",
        cases=[Case(f"micro-batches of sizes {list(sizes)}", _inputs(sizes), judge=_judge_accumulate)
               for sizes in _CASES],
        adapt=_watched,
        right_examples=[lambda: _listed_first, lambda: _mean_times_size_then_divided],
        wrong_examples=[wrong(lambda: _accumulate_naive, says=NAIVE_1_OVER_K.says),
                        wrong(lambda: _accumulate_unscaled, says=UNSCALED.says),
                        wrong(lambda: _whole_batch_at_once, says=WHOLE_BATCH.says),
                        wrong(lambda: _accumulate_sum_undivided, says=SUM_UNDIVIDED.says),
                        wrong(lambda: _accumulate_mean_then_divided, says=MEAN_DIVIDED_BY_N.says),
                        wrong(lambda: _accumulate_zeroing, says=ZEROED_INSIDE.says),
                        wrong(lambda: _one_backward_on_the_sum, says=ONE_BACKWARD.says),
                        wrong(lambda: _every_forward_first, says=GRAPHS_KEPT.says),
                        wrong(lambda: _counted_first, says=USED_UP.says),
                        wrong(lambda: _accumulate_for_eight, says=HARD_CODED_N.says),
                        wrong(lambda: _and_a_step, says=STEPPED.says),
                        wrong(lambda: _and_a_step_with_zero_grad, says=STEPPED.says),
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
             "unequal shards it weighs both ranks the same, like the naive 1/k.",
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
                          lambda e: 2 * e, name="world_size_undone_twice"),
                  Mistake("the weights nᵢ/N divided by the world size: DDP's own division by 2 has to be undone "
                          "(multiplied back), not repeated", lambda e: e / len(_SHARDS) ** 2,
                          name="divided_by_world_size_instead_of_undoing")],
        wrong_examples=[wrong(lambda: [0.75, 0.25], says="nᵢ/N alone"), wrong(lambda: [1.0, 1.0], says="no correction"),
                        wrong(lambda: [0.5, 0.5], says="DDP already does that"),
                        wrong(lambda: [0.5, 1.5], says="swapped"), wrong(lambda: [3.0, 1.0], says="not twice"),
                        wrong(lambda: [0.375, 0.125], says="not repeated"),
                        lambda: [2.0, 2.0]],
        right_examples=[lambda: [Fraction(3, 2), Fraction(1, 2)], lambda: torch.tensor(_ddp_factors())],
    ),
)
