"""Exercises of chapter 04, Gradients accumulate.

4.1 is judged on the work: it receives the recorded gradients *and* ``W``, so it can tell a
reset that came before the recording (every entry 0, stored as plain lists) from one tensor
stored four times and then emptied in place (entries that share memory), and it sees from
``W.grad`` whether the loop reset the gradient at all. 4.2 calls the learner's formula on
several k, names the usual wrong rules, and refuses a function that runs autograd itself.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import torch

from course_utils.checks import (
    DOUBLED,
    Case,
    ChoiceExercise,
    FunctionExercise,
    Mistake,
    NumericExercise,
    PropertyExercise,
    Run,
    register,
    wrong,
)
from course_utils.checks.answers import BadAnswer, describe, plain_tensor, read_numbers
from course_utils.checks.evidence import TorchCalls
from course_utils.checks.mistakes import recognise
from course_utils.checks.tolerance import close

# --- 4.1: complete the loop ------------------------------------------------------------------

STEPS = 4


def _loop(record: Callable[[Any, list], Any], reset: Callable[[Any], Any] | None,
          reset_first: bool = False) -> tuple[list, torch.Tensor]:
    """The exercise's loop with a body made of ``record`` and ``reset``: what a learner's cell leaves behind."""
    W = torch.ones(3, requires_grad=True)
    grads: list = []
    for _ in range(STEPS):
        out = (2 * W).sum()
        out.backward()
        if reset_first and reset:
            reset(W)
        record(W, grads)
        if reset and not reset_first:
            reset(W)
    return grads, W


def _zero(W: Any) -> None:
    W.grad.zero_()


def _drop(W: Any) -> None:
    W.grad = None


def _as_list(W: Any, grads: list) -> None:
    grads.append(W.grad.tolist())


def _the_tensor(W: Any, grads: list) -> None:
    grads.append(W.grad)


def _storage_of(item: Any) -> set[int]:
    """Addresses of the memory that ``item`` (a tensor, an array, or a list of them) reads its numbers from."""
    if isinstance(item, torch.Tensor):
        try:
            tensor = plain_tensor(item)
            return {tensor.untyped_storage().data_ptr()} if tensor.numel() else set()
        except Exception:  # a tensor without real storage cannot alias anything
            return set()
    if isinstance(item, np.ndarray):
        base = item
        while isinstance(base.base, np.ndarray):
            base = base.base
        return {int(base.__array_interface__["data"][0])} if base.size else set()
    if isinstance(item, (list, tuple)):
        found: set[int] = set()
        for part in list(item)[:64]:
            found |= _storage_of(part)
        return found
    return set()


def _shares_memory(grads: list, W: Any) -> bool:
    """True when two recorded entries read the same memory, or an entry reads W.grad's own memory."""
    seen: set[int] = set()
    for item in grads:
        storage = _storage_of(item)
        if storage & seen:
            return True
        seen |= storage
    grad = W.grad if isinstance(W, torch.Tensor) else None
    return bool(seen and grad is not None and seen & _storage_of(grad))


ALIASED = Mistake("the same .grad tensor stored four times (or a view that shares its memory, such as "
                  ".detach() or .numpy()): every entry shows the tensor's final state. Record a copy of the "
                  "numbers, as a list.", name="grad_tensor_stored_not_copied")
RESET_FIRST = Mistake("every recorded gradient is 0: the reset ran before the gradient was recorded, so each "
                      "entry saw the emptied .grad. Record first, then reset.", name="reset_before_record")
NEVER_RESET = Mistake("gradients that kept adding up (2, 4, 6, 8): .grad was never reset (note that a method "
                      "named without its parentheses is never called).", lambda e: e * np.arange(1.0, 5.0)[:, None],
                      name="grad_never_reset")
NUMBERS_NOT_FROM_A_RESET = Mistake("the list holds the right numbers, but W.grad kept adding up (it holds {held} "
                                   "now): the loop must reset the gradient, not work out the numbers some other "
                                   "way.", name="grad_never_reset")


def _judge_loop(answer: Any) -> Any:
    if isinstance(answer, tuple) and len(answer) == 2 and isinstance(answer[1], torch.Tensor):
        grads, W = answer
    else:
        grads, W = answer, None
    if not isinstance(grads, list):
        return f"grads should be the list that the loop appends to; this is {describe(grads)}."
    if len(grads) != STEPS:
        if not grads:
            return "grads is empty: nothing was appended. The append belongs inside the loop body."
        entries = f"{len(grads)} entr{'y' if len(grads) == 1 else 'ies'}"
        return (f"grads holds {entries}, but the loop runs {STEPS} times and should record one gradient "
                "each time.")
    aliased = _shares_memory(grads, W)
    values = read_numbers(grads).values
    if values.shape != (STEPS, 3):
        return (f"each entry of grads should hold the three numbers of W.grad; they read as shape "
                f"{values.shape}.")
    if aliased:
        return ALIASED
    if np.allclose(values, 2.0):
        if isinstance(W, torch.Tensor) and W.grad is not None:
            held = read_numbers(W.grad).values.reshape(-1)
            if held.size == 3 and not np.allclose(held, 0.0) and not np.allclose(held, 2.0):
                return Mistake(NUMBERS_NOT_FROM_A_RESET.says.format(held=np.round(held, 4).tolist()),
                               name=NUMBERS_NOT_FROM_A_RESET.name)
        return None
    typical = [(NEVER_RESET, 2.0 * np.arange(1.0, 5.0)[:, None] * np.ones(3)), (RESET_FIRST, np.zeros((STEPS, 3))),
               (DOUBLED, np.full((STEPS, 3), 4.0))]
    return recognise(values, typical) or "the recorded gradients differ from what autograd computes in this loop."


# --- 4.2: predict W.grad after k calls -----------------------------------------------------

@dataclass
class Predicted:
    """What the learner's ``grad_after(k)`` returned, and whether it ran autograd to get it."""

    value: Any
    ran_autograd: bool


def _watch_autograd(answer: Callable[[int], Any]) -> Callable[[int], Predicted]:
    def run(k: int) -> Predicted:
        with TorchCalls() as calls:
            value = answer(k)
        return Predicted(value, calls.called(torch.Tensor.backward, torch.autograd.backward, torch.autograd.grad))
    return run


def _typical_rules(k: int) -> list[tuple[Mistake, float]]:
    return [
        (Mistake("the value after a single call, for every k, as if each backward() replaced .grad; it adds "
                 "to what .grad already holds.", name="backward_replaces_grad"), 2.0),
        (Mistake("doubling with every call; each call adds the same contribution, it does not "
                 "double what is there.", name="grad_doubles_each_call"), 2.0 ** k),
        (Mistake("one call too many: after k calls there are k contributions.", name="off_by_one_call"),
         2.0 * (k + 1)),
        (Mistake("one call too few: after k calls there are k contributions.", name="off_by_one_call"),
         2.0 * (k - 1)),
        (Mistake("the sum of the three entries; the function should return one entry of W.grad.",
                 name="summed_entries"), 6.0 * k),
        (Mistake("a contribution of 1 per call; one call adds the derivative of out with respect to "
                 "one entry of W.", name="wrong_contribution"), float(k)),
    ]


PRINTED = Mistake("it returned None: a function that prints its value, or has no return line, gives back None. "
                  "Return the number.", name="printed_not_returned")
RAN_AUTOGRAD = Mistake("the right numbers, but the function runs autograd itself. This exercise asks for the "
                       "prediction: a formula in k, without backward().", name="ran_autograd_instead_of_predicting")


def _judge_grad_after(run: Run) -> Any:
    k = run.inputs[0]
    expected = float(run.expected.value)
    if run.result.value is None:
        return PRINTED
    try:
        values = read_numbers(run.result.value, max_elements=100).values.reshape(-1)
    except BadAnswer as exc:
        return f"it returned {exc}"
    if values.size == 3 and np.allclose(values, values[0]):
        values = values[:1]  # all of W.grad, three equal entries: one entry is what was asked
    if values.size != 1:
        return f"it returned {values.size} numbers; it should return one number, one entry of W.grad."
    given = float(values[0])
    if close(np.array(given), np.array(expected)):
        return RAN_AUTOGRAD if run.result.ran_autograd else None
    return (recognise(given, _typical_rules(k), right=expected)
            or f"it returned {given:g}, but autograd stores something else in each entry of W.grad.")


def _calls(k: int) -> Callable[[], tuple]:
    return lambda: (k,)


def _with_autograd(k: int) -> float:
    W: Any = torch.ones(3, requires_grad=True)
    for _ in range(k):
        (2 * W).sum().backward()
    return W.grad[0].item()


# --- 4.4 -------------------------------------------------------------------------------------

def _weight_decay_step() -> list[float]:
    p_zero = torch.tensor(2.0, requires_grad=True)
    p_none = torch.tensor(2.0, requires_grad=True)
    optimizer = torch.optim.SGD([p_zero, p_none], lr=0.1, weight_decay=0.1)
    p_zero.grad = torch.zeros_like(p_zero)
    optimizer.step()
    return [p_zero.item(), p_none.item()]


register(
    PropertyExercise(
        id="gradients_accumulate.fix_the_loop",
        title="a loop whose every iteration records the gradient [2, 2, 2]",
        hint="Two traps: backward() adds into .grad rather than replacing it, and appending W.grad itself "
             "appends the same tensor object every time, so a later in-place change shows up in every "
             "entry of the list. In each iteration, record this step's gradient as numbers of its own, and "
             "only then empty .grad for the next step.",
        first_step="Right after out.backward(), W.grad holds this step's gradient. The first line of the body: "
                   "grads.append(W.grad.tolist()) stores a copy of its numbers. The second line must leave "
                   ".grad empty for the next backward().",
        solution=lambda: _loop(_as_list, _zero),
        judge=_judge_loop,
        kind="(grads, W): the list of four recorded gradients, and W",
        right_examples=[lambda: _loop(_as_list, _drop), lambda: _loop(lambda W, g: g.append(W.grad.clone()), _zero),
                        lambda: _loop(_the_tensor, _drop), lambda: _loop(_as_list, _zero)[0],
                        lambda: _loop(lambda W, g: g.append(W.grad.tolist()), lambda W: W.grad.data.zero_()),
                        lambda: _loop(lambda W, g: g.append(W.grad.numpy().copy()), _zero)],
        wrong_examples=[
            wrong(lambda: _loop(_as_list, None), "never reset"),
            wrong(lambda: _loop(_as_list, _zero, reset_first=True), "the reset ran before"),
            wrong(lambda: _loop(_the_tensor, _zero), "the same .grad tensor stored four times"),
            wrong(lambda: _loop(_the_tensor, None), "the same .grad tensor stored four times"),
            wrong(lambda: _loop(lambda W, g: g.append(W.grad.detach()), _zero), "shares its memory"),
            wrong(lambda: _loop(lambda W, g: g.append(W.grad.numpy()), _zero), "shares its memory"),
            wrong(lambda: _loop(lambda W, g: g.append(list(W.grad)), _zero), "shares its memory"),
            wrong(lambda: _loop(lambda W, g: g.append([2.0, 2.0, 2.0]), None), "W.grad kept adding up"),
            wrong(lambda: _loop(lambda W, g: g.append((W.grad / (len(g) + 1)).tolist()), None),
                  "W.grad kept adding up"),
            wrong(lambda: _loop(_as_list, _zero)[0][:1], "holds 1 entry,"),
            lambda: [2.0, 2.0, 2.0],
        ],
    ),
    FunctionExercise(
        id="gradients_accumulate.grad_after_k_calls",
        title="predict W.grad after k backward calls without zeroing",
        hint="The usual mistake is to think each backward() replaces .grad. It adds to what .grad already "
             "holds. Ask what one call contributes to an entry, and how many contributions there are after "
             "k calls.",
        first_step="k = 1: one call of (2 * W).sum().backward() puts d(out)/dW[0] into W.grad[0]; work out that "
                   "derivative. A second call adds the same amount on top. Write the value after k calls as a "
                   "formula in k.",
        solution=lambda: (lambda k: 2.0 * k),
        signature="grad_after(k)",
        cases=[Case(f"k = {k}", _calls(k), _judge_grad_after) for k in (1, 2, 3, 5, 10, 40)],
        adapt=_watch_autograd,
        right_examples=[lambda: (lambda k: 2 * k), lambda: (lambda k: torch.tensor(2.0 * k)),
                        lambda: (lambda k: torch.full((3,), 2.0 * k)), lambda: (lambda k: np.float32(2 * k)),
                        lambda: (lambda k: [2.0 * k])],
        wrong_examples=[
            wrong(lambda: (lambda k: 2.0), "replaced .grad"),
            wrong(lambda: (lambda k: 2.0 ** k), "doubling"),
            wrong(lambda: (lambda k: 2.0 * (k + 1)), "one call too many"),
            wrong(lambda: (lambda k: 2.0 * (k - 1)), "one call too few"),
            wrong(lambda: (lambda k: 6.0 * k), "the sum of the three entries"),
            wrong(lambda: (lambda k: float(k)), "a contribution of 1"),
            wrong(lambda: _with_autograd, "runs autograd itself"),
            wrong(lambda: (lambda k: 3.0 * k), "on k = 1, it returned 3,"),
            wrong(lambda: (lambda k: print(2 * k)), "prints its value"),
            wrong(lambda: 2.0, "pass the function itself"),
        ],
    ),
    ChoiceExercise(
        id="gradients_accumulate.after_zero_grad",
        title="what a parameter's .grad holds after optimizer.zero_grad()",
        hint="The name zero_grad suggests a tensor of zeros, and before PyTorch 2.0 that was true. Its "
             "default changed to save memory and time: look at what the zero_grad() cell of this chapter "
             "prints, or at the default of its set_to_none argument.",
        first_step="Make one yourself: w = torch.ones(3, requires_grad=True), an optimizer for [w], one "
                   "(2 * w).sum().backward(), then optimizer.zero_grad() and print(w.grad). The printed value "
                   "names the option.",
        options=("None", "zeros", "unchanged"),
        aliases={"zeros": ["zero", "0", "a tensor of zeros", "tensor of zeros", "zeroes", "0.0"],
                 "unchanged": ["the same", "same", "the gradient of the last backward"]},
        solution=lambda: "None",
        mistakes=[Mistake("the behaviour before PyTorch 2.0; today you get zeros only with "
                          "zero_grad(set_to_none=False)", lambda e: "zeros", name="zero_grad_fills_zeros"),
                  Mistake("no reset at all; zero_grad() does reset the gradient, the question is what it leaves "
                          "in its place", lambda e: "unchanged", name="zero_grad_does_nothing")],
        right_examples=[lambda: None, lambda: "none", lambda: " None "],
        wrong_examples=[wrong(lambda: "zeros", "before PyTorch 2.0"), wrong(lambda: "unchanged", "no reset at all"),
                        wrong(lambda: 0, "before PyTorch 2.0"), wrong(lambda: "tensor of zeros", "before PyTorch 2.0"),
                        wrong(lambda: "empty", "is not one of the options")],
    ),
    NumericExercise(
        id="gradients_accumulate.weight_decay_step",
        title="one SGD step with weight decay: a zero gradient versus None",
        hint="Do not treat a zero gradient and a missing one (None) as the same thing. With weight_decay, "
             "SGD adds weight_decay·p to the gradient of each parameter it updates; decide for each of the "
             "two whether SGD updates it at all.",
        first_step="Start with p_none: SGD looks at p.grad first and skips the parameter when it is None. Then "
                   "p_zero: its step uses grad + weight_decay·p = 0 + 0.1·2.0, multiplied by lr.",
        solution=_weight_decay_step,
        mistakes=[
            Mistake("the parameter whose grad is None moved too: SGD skips parameters whose .grad is None",
                    lambda e: [e[0], e[0]], name="none_grad_updated"),
            Mistake("the zero-gradient parameter stayed put: weight decay moves it even with a zero gradient",
                    lambda e: [e[1], e[1]], name="zero_grad_skipped"),
            Mistake("the two values are swapped: the order is [p_zero, p_none]", lambda e: e[::-1],
                    name="order_swapped"),
            Mistake("a step without the learning rate: SGD multiplies grad + weight_decay·p by lr",
                    lambda e: [e[1] - 10 * (e[1] - e[0]), e[1]], name="learning_rate_left_out"),
            Mistake("a step away from 0: weight decay pulls a parameter towards 0",
                    lambda e: [2 * e[1] - e[0], e[1]], name="weight_decay_sign"),
            Mistake("weight decay added as a constant: it adds weight_decay times the parameter itself",
                    lambda e: [e[1] - (e[1] - e[0]) / e[1], e[1]], name="weight_decay_not_times_p"),
        ],
        right_examples=[lambda: (1.98, 2.0), lambda: torch.tensor([1.98, 2.0]), lambda: [1.98, 2]],
        wrong_examples=[wrong(lambda: [1.98, 1.98], "moved too"), wrong(lambda: [2.0, 2.0], "stayed put"),
                        wrong(lambda: [2.0, 1.98], "swapped"), wrong(lambda: [1.8, 2.0], "without the learning rate"),
                        wrong(lambda: [2.02, 2.0], "away from 0"), wrong(lambda: [1.99, 2.0], "as a constant"),
                        lambda: [1.9, 2.0]],
    ),
)
