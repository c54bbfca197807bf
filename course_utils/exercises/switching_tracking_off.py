"""Exercises of chapter 05, Switching tracking off.

5.1 and 5.2 are predictions, judged by their value. 5.3 and 5.4 teach *how* a value is
computed, which the value cannot show (a loss recorded with a graph and then detached has the
same number as one computed without), so they ask for a function. The check runs it on fresh
cases under :class:`~course_utils.checks.evidence.TorchCalls`, a ``TorchFunctionMode`` that sees every
torch call the function makes (which results autograd recorded, every use of ``.data``), with forward
hooks on the model's layers (did Dropout and BatchNorm run in training mode?). Every reference comes
from running torch.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import torch
from torch import nn

from course_utils.checks import (
    Case,
    ChoiceExercise,
    FunctionExercise,
    Mistake,
    NumericExercise,
    Run,
    register,
    wrong,
)
from course_utils.checks.evidence import TorchCalls, facts, forward_seen
from course_utils.checks.isolation import seeded
from course_utils.checks.kinds import numbers_problem, returns

SLUG = "switching_tracking_off"


def _untracked(value: Any) -> bool:
    """True unless ``value`` is a tensor that requires grad (read with any subclass overrides off)."""
    return not (isinstance(value, torch.Tensor) and facts(value).requires_grad)


# ---------------------------------------------------------------- 5.1 which require grad
def _six_tensors() -> dict[str, torch.Tensor]:
    """The six tensors of exercise 5.1, made exactly as the notebook makes them (on the CPU)."""
    with seeded(0):
        x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
        model = nn.Linear(3, 1)
        model.eval()
        a = x * 2
        b = x.detach() * 2
        with torch.no_grad():
            c = x * 2
        d = model(x)
        e = x.detach().requires_grad_()
        with torch.no_grad():
            f = model(x)
    return dict(zip("abcdef", (a, b, c, d, e, f)))


def _require_grad() -> set[str]:
    return {name for name, t in _six_tensors().items() if t.requires_grad}


EVAL_STOPS_RECORDING = Mistake(
    "the belief that model.eval() stops autograd from recording: it changes how layers behave, not what is "
    "recorded", lambda e: e - {"d"}, name="eval_stops_recording")
DETACHED_FOREVER = Mistake(
    "the belief that a detached tensor can never be tracked again: requires_grad_() on it makes a new leaf",
    lambda e: e - {"e"}, name="detached_forever")
BOTH_BELIEFS = Mistake(
    "two beliefs at once: that model.eval() stops recording, and that a detached tensor can never be "
    "tracked again", lambda e: e - {"d", "e"}, name="eval_and_detached_forever")
TRACKED_INPUT_ALWAYS_SPREADS = Mistake(
    "the belief that a result computed from a tensor that requires grad always requires grad: under "
    "torch.no_grad() nothing is recorded", lambda e: e | {"c"}, name="requires_grad_always_spreads")
MODULE_ALWAYS_RECORDS = Mistake(
    "the belief that a model's output is always recorded: under torch.no_grad() nothing is, whatever "
    "computes it", lambda e: e | {"f"}, name="module_always_records")
DETACH_IS_TEMPORARY = Mistake(
    "the belief that an operation on a detached tensor is recorded again: the result of x.detach() * 2 "
    "has no history to record", lambda e: e | {"b"}, name="detach_is_temporary")


# ---------------------------------------------------------------- 5.2 detach and memory
def _x_after_detach_mul() -> list[float]:
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    d = x.detach()
    d.mul_(10)
    return x.tolist()


DETACH_COPIES = Mistake("x unchanged, as if detach() had made a copy; it shares the storage",
                        lambda e: e / 10, name="detach_copies")
EARLIER_EXAMPLE = Mistake("the result of the chapter's earlier example (d[0] = 100.0), not of this code: mul_ "
                          "changes every entry", lambda e: np.array([100.0, 2.0, 3.0]), name="earlier_example")
FIRST_ENTRY_ONLY = Mistake("x with only its first entry changed, as in the chapter's earlier example (d[0] = 100.0): "
                           "mul_ multiplies every entry of the shared memory",
                           lambda e: np.concatenate([e[:1], e[1:] / 10]), name="first_entry_only")


# ---------------------------------------------------------------- 5.3 a validation loss
MODE_LAYERS = (nn.Dropout, nn.BatchNorm1d)


@dataclass
class _Evaluated:
    """What the check saw while a validation_loss function ran."""

    result: Any
    recorded: list[str] = field(default_factory=list)
    used_data: bool = False
    training_layers: list[str] = field(default_factory=list)
    froze: bool = False
    grad_left_off: bool = False


def _observe_validation(function: Callable) -> Callable:
    """``function(model, X, y)`` run under :class:`TorchCalls`, with a forward hook on every Dropout and BatchNorm."""

    def run(model: nn.Module, X: torch.Tensor, y: torch.Tensor) -> _Evaluated:
        layers = [module for module in model.modules() if isinstance(module, MODE_LAYERS)]
        tracked = [p.requires_grad for p in model.parameters()]
        grad_mode = torch.is_grad_enabled()
        try:
            with forward_seen(layers, lambda m, inputs, output: type(m).__name__ if m.training else None) as training:
                with TorchCalls() as calls:
                    result = function(model, X, y)
        finally:
            left_off = grad_mode and not torch.is_grad_enabled()
            torch.set_grad_enabled(grad_mode)
        return _Evaluated(result, calls.recorded, calls.used_data, training,
                          froze=tracked != [p.requires_grad for p in model.parameters()], grad_left_off=left_off)

    return run


def _validation_case(kind: str, seed: int) -> Callable[[], tuple]:
    def inputs() -> tuple:
        with seeded(seed):
            if kind == "linear":
                model: nn.Module = nn.Linear(3, 1)
                X, y = torch.arange(6.0).reshape(2, 3), torch.ones(2, 1)
            elif kind == "dropout":
                model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 1))
                X, y = torch.randn(16, 3), torch.randn(16, 1)
            else:
                model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 1))
                X, y = torch.randn(8, 3), torch.randn(8, 1)
        return model.train(), X, y

    return inputs


GRAPH_RECORDED = Mistake(
    "autograd recorded the forward pass: the loss carries a graph (model.eval() alone does not stop recording).",
    name="graph_recorded")
GRAPH_CUT_AFTERWARDS = Mistake(
    "a graph was recorded and then cut off (detach() or .item() at the end): the time and memory of "
    "recording were spent anyway; recording must be off while the model runs.", name="graph_cut_afterwards")
DROPOUT_TRAINING = Mistake(
    "Dropout ran in training mode and dropped activations at random: switching recording off does not "
    "change how layers behave.", name="layers_in_training_mode")
BATCHNORM_TRAINING = Mistake(
    "BatchNorm1d ran in training mode: it normalised with this batch's statistics (and updated its running "
    "ones); switching recording off does not change how layers behave.", name="layers_in_training_mode")
MODEL_FROZEN = Mistake(
    "the model's parameters no longer require grad after your function: it froze the model, so training "
    "would stop; evaluating must leave the parameters as they were.", name="model_frozen")
GRAD_LEFT_OFF = Mistake(
    "recording is still switched off after your function returns: every later computation, training "
    "included, would record nothing; switch it off for a block only.", name="grad_mode_left_off")
DATA_USED = Mistake(
    ".data was used: autograd cannot see what is done through it, which is what this chapter warns about.",
    name="data_used")


def _judge_validation(run: Run) -> Any:
    got, want = run.result, run.expected
    if got.used_data:
        return DATA_USED
    if got.froze:
        return MODEL_FROZEN
    if got.grad_left_off:
        return GRAD_LEFT_OFF
    if got.recorded:
        return GRAPH_CUT_AFTERWARDS if _untracked(got.result) else GRAPH_RECORDED
    if got.training_layers:
        return DROPOUT_TRAINING if "Dropout" in got.training_layers else BATCHNORM_TRAINING
    problem = numbers_problem(got.result, want.result)
    return problem and f"{problem}: it is not the mean squared error of model(X) against y"


def _validation_solution(model, X, y):
    model.eval()
    with torch.no_grad():
        return nn.functional.mse_loss(model(X), y)


def _validation_inference_mode(model, X, y):
    was_training = model.training
    model.eval()
    with torch.inference_mode():
        loss = ((model(X) - y) ** 2).mean()
    model.train(was_training)
    return loss


def _validation_item(model, X, y):
    model.train(False)
    with torch.set_grad_enabled(False):
        return nn.MSELoss()(model(X), y).item()


def _validation_eval_only(model, X, y):
    model.eval()
    return nn.functional.mse_loss(model(X), y)


def _validation_no_grad_only(model, X, y):
    with torch.no_grad():
        return nn.functional.mse_loss(model(X), y)


def _validation_detached(model, X, y):
    model.eval()
    return nn.functional.mse_loss(model(X), y).detach()


def _validation_item_with_graph(model, X, y):
    model.eval()
    return nn.functional.mse_loss(model(X), y).item()


def _validation_frozen(model, X, y):
    model.eval()
    model.requires_grad_(False)
    return nn.functional.mse_loss(model(X), y)


def _validation_grad_off(model, X, y):
    model.eval()
    torch.set_grad_enabled(False)
    return nn.functional.mse_loss(model(X), y)


def _validation_wrong_loss(model, X, y):
    model.eval()
    with torch.no_grad():
        return (model(X) - y).abs().mean()


# ---------------------------------------------------------------- 5.4 fix the .data bug
@dataclass
class _Percented:
    """What the check saw while an as_percent function ran on probs = x.sigmoid()."""

    percent: Any
    used_data: bool
    changed_probs: bool
    backward_error: str | None
    grad: Any


def _observe_percent(function: Callable) -> Callable:
    """``function(probs)`` on probs = x.sigmoid(), under :class:`TorchCalls`; then backward through probs."""

    def run(x: torch.Tensor) -> _Percented:
        probs = x.sigmoid()
        before = facts(probs)
        with TorchCalls() as calls:
            percent = function(probs)
        after = facts(probs)
        changed = after.version != before.version or not torch.equal(after.values, before.values)
        try:
            probs.sum().backward()
            error = None
        except RuntimeError as exc:  # autograd noticed that a tensor it saved was changed in place
            error = str(exc)
        return _Percented(percent, calls.used_data, changed, error, None if x.grad is None else x.grad.clone())

    return run


def _percent_case(values: list, dtype: torch.dtype = torch.float32) -> Callable[[], tuple]:
    return lambda: (torch.tensor(values, dtype=dtype, requires_grad=True),)


PERCENT_THROUGH_DATA = Mistake(
    "percent was made through .data: it shares memory with probs, which sigmoid saved for backward, and "
    "autograd cannot see what is done through it (even where the result happens to be right).",
    name="data_used")
PROBS_CHANGED = Mistake(
    "probs itself was changed in place: a detached tensor shares its memory (exercise 5.2), so sigmoid's "
    "saved output changed; percent must be a new tensor.", name="probs_changed_in_place")
PERCENT_TRACKED = Mistake(
    "percent is still part of the graph (it requires grad): a value made for printing should leave the "
    "graph, the way this chapter replaces .data.", name="percent_tracked")


def _judge_percent(run: Run) -> Any:
    got, want = run.result, run.expected
    if got.used_data:
        return PERCENT_THROUGH_DATA
    if got.changed_probs or got.backward_error:
        return PROBS_CHANGED
    if got.percent is None:
        return "your function returned None: return the tensor of percentages"
    if not _untracked(got.percent):
        return PERCENT_TRACKED
    problem = numbers_problem(got.percent, want.percent)
    if problem:
        return f"{problem}: percent should hold each probability times 100"
    problem = numbers_problem(got.grad, want.grad)
    return problem and f"the gradient through probs is wrong ({problem})"


def _percent_solution(probs):
    return probs.detach() * 100


def _percent_no_grad(probs):
    with torch.no_grad():
        return probs * 100


def _percent_clone_mul_(probs):
    return probs.detach().clone().mul_(100)


def _percent_list(probs):
    return (probs.detach() * 100).tolist()


def _percent_data_bug(probs):
    return probs.data.mul_(100)


def _percent_data_copy(probs):
    return probs.data * 100


def _percent_detach_mul_(probs):
    return probs.detach().mul_(100)


def _percent_tracked(probs):
    return probs * 100


def _percent_wrong_scale(probs):
    return probs.detach() / 100


register(
    ChoiceExercise(
        id=f"{SLUG}.which_require_grad",
        title="which of these tensors require grad",
        hint="Two beliefs trip people up here: that model.eval() is one of the switches that stop recording, "
             "and that a detached tensor can never be tracked again. Test each of the six lines against the "
             "chapter's three switches only.",
        first_step="Take the lines one at a time and ask two questions: was the operation recorded at all "
                   "(was any of the three switches in force for it)? And is the result computed from a "
                   "tensor that requires grad, or a tensor that was marked itself? Line a: x requires grad, "
                   "no switch is in force, so a = x * 2 is recorded and requires grad.",
        options=("a", "b", "c", "d", "e", "f"),
        multiple=True,
        solution=_require_grad,
        mistakes=[EVAL_STOPS_RECORDING, DETACHED_FOREVER, BOTH_BELIEFS, DETACH_IS_TEMPORARY,
                  TRACKED_INPUT_ALWAYS_SPREADS, MODULE_ALWAYS_RECORDS],
        right_examples=[lambda: ["e", "d", "a"], lambda: ("A", "D", "E"), lambda: {"a": 1, "d": 1, "e": 1}.keys()],
        wrong_examples=[lambda: {"a", "e"}, lambda: {"a", "d"}, lambda: {"a"}, lambda: "a",
                        lambda: {"a", "c", "f"}],
    ),
    NumericExercise(
        id=f"{SLUG}.detach_shares_storage",
        title="what x holds after an in-place change to x.detach()",
        hint="The trap is to read detach() as a copy. It gives a new tensor object but not new memory; "
             "think about what an in-place change to that memory does to x.",
        first_step="Go back to the cell that compared data_ptr() of x and x.detach(): they start at the same "
                   "address. mul_ writes its results into that memory. Now read x from it.",
        solution=_x_after_detach_mul,
        mistakes=[DETACH_COPIES, EARLIER_EXAMPLE, FIRST_ENTRY_ONLY],
        right_examples=[lambda: torch.tensor([10.0, 20.0, 30.0], requires_grad=True), lambda: (10, 20, 30)],
        wrong_examples=[lambda: [1.0, 2.0, 3.0], lambda: [100.0, 2.0, 3.0], lambda: [10.0, 2.0, 3.0],
                        lambda: [0.0, 0.0, 0.0]],
    ),
    FunctionExercise(
        id=f"{SLUG}.validation_loss",
        title="a validation loss computed as at test time, without a graph",
        hint="Evaluating needs two separate switches: one changes how layers such as Dropout behave, the "
             "other stops autograd from recording, and neither does the other's job. Cutting the graph off "
             "at the end is too late: the recording has already happened by then.",
        first_step="Look at the last cell of the section on model.eval(): it flips two switches around "
                   "model(X). Your function needs the same two, with the loss computed where the second one "
                   "is in force.",
        signature="validation_loss(model, X, y)",
        solution=returns(_validation_solution),
        cases=[Case("the chapter's Linear(3, 1) and two samples", _validation_case("linear", 5), _judge_validation),
               Case("a network with Dropout, in training mode", _validation_case("dropout", 6), _judge_validation),
               Case("a network with BatchNorm1d, in training mode", _validation_case("batchnorm", 7),
                    _judge_validation)],
        adapt=_observe_validation,
        mistakes=[GRAPH_RECORDED, GRAPH_CUT_AFTERWARDS, DROPOUT_TRAINING, BATCHNORM_TRAINING, MODEL_FROZEN,
                  GRAD_LEFT_OFF, DATA_USED],
        right_examples=[returns(_validation_inference_mode), returns(_validation_item)],
        wrong_examples=[
            wrong(returns(_validation_eval_only), "autograd recorded the forward pass"),
            wrong(returns(_validation_no_grad_only), "Dropout ran in training mode"),
            wrong(returns(_validation_detached), "recorded and then cut off"),
            wrong(returns(_validation_item_with_graph), "recorded and then cut off"),
            wrong(returns(_validation_frozen), "froze the model"),
            wrong(returns(_validation_grad_off), "still switched off after your function returns"),
            wrong(returns(_validation_wrong_loss), "not the mean squared error"),
            wrong(lambda: 0.25, "pass the function itself"),
        ],
    ),
    FunctionExercise(
        id=f"{SLUG}.fix_data_bug",
        title="percentages made without .data and without touching probs",
        hint="The bug is to treat .data as a safe separate copy. It shares memory with probs, which sigmoid "
             "saved for the backward pass, and autograd cannot see what is done through it. percent must be a "
             "new tensor that autograd does not track, made without changing the numbers stored in probs.",
        first_step="Start from the sentence that ends the section 'Why not .data?': where old code writes "
                   ".data, the course writes something else, which shares memory just the same. Then make sure "
                   "the multiplication by 100 creates a new tensor instead of writing into that shared memory.",
        signature="as_percent(probs)",
        solution=returns(_percent_solution),
        cases=[Case("the chapter's inputs -1, 0, 1", _percent_case([-1.0, 0.0, 1.0]), _judge_percent),
               Case("a batch of 2 x 3 inputs", _percent_case([[-2.0, 0.5, 3.0], [0.0, -0.25, 1.5]]), _judge_percent),
               Case("float64 inputs", _percent_case([0.3, -1.2], torch.float64), _judge_percent)],
        adapt=_observe_percent,
        mistakes=[PERCENT_THROUGH_DATA, PROBS_CHANGED, PERCENT_TRACKED],
        right_examples=[returns(_percent_no_grad), returns(_percent_clone_mul_), returns(_percent_list)],
        wrong_examples=[
            wrong(returns(_percent_data_bug), "made through .data"),
            wrong(returns(_percent_data_copy), "made through .data"),
            wrong(returns(_percent_detach_mul_), "probs itself was changed in place"),
            wrong(returns(_percent_tracked), "still part of the graph"),
            wrong(returns(_percent_wrong_scale), "times 100"),
            wrong(lambda: torch.tensor([0.1966, 0.25, 0.1966]), "pass the function itself"),
        ],
    ),
)
