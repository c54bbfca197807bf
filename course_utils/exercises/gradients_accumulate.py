"""Exercises of chapter 04, Gradients accumulate.

4.1 is judged on the work: it receives the recorded gradients *and* ``W`` (a bare list is
refused), so it can tell a reset that came before the recording (every entry 0, stored as plain
lists) from one tensor stored four times and then emptied in place (entries that share memory),
a reset between the two losses of a step from one after them, and it sees from ``W.grad``
whether the loop reset the gradient at all. 4.2 calls the learner's formula for a loss the chapter
did not accumulate, names the usual wrong rules, and refuses a function that runs autograd itself.
4.3 asks what a second name for the gradient tensor, and ``w.grad``, hold after ``zero_grad()``
and one more backward: the chapter prints neither.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import torch

from course_utils.checks import (
    DOUBLED,
    Case,
    FunctionExercise,
    Mistake,
    NumericExercise,
    PropertyExercise,
    Run,
    register,
    wrong,
)
from course_utils.checks.answers import BadAnswer, describe, plain_tensor, read_numbers
from course_utils.checks.evidence import TorchCalls, facts
from course_utils.checks.mistakes import recognise
from course_utils.checks.tolerance import close

# --- 4.1: two losses in every step ---------------------------------------------------------------

STEPS = 4
W_START = [1.0, 2.0, 3.0]  # W of the exercise's loop: not the ones of the chapter, so its numbers are not on screen


def _loss_a(W: Any) -> Any:
    return (2 * W).sum()


def _loss_b(W: Any) -> Any:
    return (W ** 2).sum()


def _step_gradient() -> np.ndarray:
    """One step's gradient of loss_a + loss_b: 2 + 2W."""
    return 2.0 + 2.0 * np.array(W_START)


def _loop(record: Callable[[Any, list], Any], reset: Callable[[Any], Any] | None,
          reset_first: bool = False, reset_between: bool = False, record_after_a: bool = False,
          reset_at_start: bool = False) -> tuple[list, torch.Tensor]:
    """The exercise's loop with a body made of two backward calls, ``record`` and ``reset``."""
    W = torch.tensor(W_START, requires_grad=True)
    grads: list = []
    for _ in range(STEPS):
        if reset_at_start and reset and W.grad is not None:
            reset(W)
        _loss_a(W).backward()
        if record_after_a:
            record(W, grads)
        if reset_between and reset:
            reset(W)
        _loss_b(W).backward()
        if reset_first and reset:
            reset(W)
        if not record_after_a:
            record(W, grads)
        if reset and not (reset_first or reset_between or reset_at_start):
            reset(W)
    return grads, W


def _one_backward_of_the_sum() -> tuple[list, torch.Tensor]:
    W = torch.tensor(W_START, requires_grad=True)
    grads: list = []
    for _ in range(STEPS):
        (_loss_a(W) + _loss_b(W)).backward()
        grads.append(W.grad.tolist())  # type: ignore[union-attr]
        W.grad = None
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
    grad = W.grad if isinstance(W, torch.Tensor) and facts(W).is_leaf else None
    return bool(seen and grad is not None and seen & _storage_of(grad))


ALIASED = Mistake("the same .grad tensor stored four times (or a view that shares its memory, such as "
                  ".detach() or .numpy()): every entry shows the tensor's final state. Record a copy of the "
                  "numbers, as a list.", name="grad_tensor_stored_not_copied")
RESET_FIRST = Mistake("every recorded gradient is 0: the reset ran before the gradient was recorded, so each "
                      "entry saw the emptied .grad. Record first, then reset.", name="reset_before_record")
NEVER_RESET = Mistake("gradients that kept adding up from step to step: .grad was never reset (note that a method "
                      "named without its parentheses is never called).", name="grad_never_reset")
RESET_BETWEEN = Mistake("only loss_b's share in every entry: loss_a's gradient was lost, most likely to a reset "
                        "between the two backward calls. Within a step the two shares must add up in .grad; "
                        "reset once per step, after recording.", name="reset_between_losses")
RECORDED_EARLY = Mistake("only loss_a's share in every entry: the gradient was recorded before the second backward "
                         "call (or loss_b's backward is missing). Record once per step, after both backward calls.",
                         name="recorded_before_second_loss")
CHAPTER_NUMBERS = Mistake("the gradient at W = 1, as in the chapter's cell with the two losses; this loop's W is "
                          "[1, 2, 3], and loss_b's share depends on W.", name="chapter_numbers_copied")
NUMBERS_NOT_FROM_A_RESET = Mistake("the list holds the right numbers, but W.grad kept adding up (it holds {held} "
                                   "now): the loop must reset the gradient, not work out the numbers some other "
                                   "way.", name="grad_never_reset")
BARE_LIST = ("this is the list alone; pass (grads, W), so that the check can see what your loop left in W.grad "
             "as well as what it recorded.")
NOT_W = ("the second item should be W itself, the tensor that requires grad (not W.grad or a copy): the check "
         "reads what your loop left in its .grad.")


def _judge_loop(answer: Any) -> Any:
    if not (isinstance(answer, tuple) and len(answer) == 2):
        return BARE_LIST if isinstance(answer, list) else \
            f"pass the tuple (grads, W): the recorded list and W; this is {describe(answer)}."
    grads, W = answer
    if not isinstance(grads, list):
        return f"grads should be the list that the loop appends to; this is {describe(grads)}."
    if not isinstance(W, torch.Tensor):
        return NOT_W
    w = facts(W)
    if not (w.is_leaf and w.requires_grad and w.shape == (3,)):
        return NOT_W
    if len(grads) != STEPS:
        if not grads:
            return "grads is empty: nothing was appended. The append belongs inside the loop body."
        entries = f"{len(grads)} entr{'y' if len(grads) == 1 else 'ies'}"
        return (f"grads holds {entries}, but the loop runs {STEPS} steps and should record one gradient for each "
                "step, after both backward calls.")
    aliased = _shares_memory(grads, W)
    values = read_numbers(grads).values
    if values.shape != (STEPS, 3):
        return (f"each entry of grads should hold the three numbers of W.grad; they read as shape "
                f"{values.shape}.")
    if aliased:
        return ALIASED
    step = _step_gradient()
    if np.allclose(values, step):
        if w.grad is not None:
            held = read_numbers(w.grad).values.reshape(-1)
            if not np.allclose(held, 0.0) and not np.allclose(held, step):
                return Mistake(NUMBERS_NOT_FROM_A_RESET.says.format(held=np.round(held, 4).tolist()),
                               name=NUMBERS_NOT_FROM_A_RESET.name)
        return None
    counts = np.arange(1.0, STEPS + 1)[:, None]
    typical = [(NEVER_RESET, counts * step), (RESET_FIRST, np.zeros((STEPS, 3))),
               (RESET_BETWEEN, np.tile(2.0 * np.array(W_START), (STEPS, 1))),
               (RECORDED_EARLY, np.full((STEPS, 3), 2.0)), (CHAPTER_NUMBERS, np.full((STEPS, 3), 4.0)),
               (DOUBLED, np.tile(2 * step, (STEPS, 1)))]
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


W_42 = 3.0  # every entry of the fresh W of 4.2; its loss is (W ** 2).sum(), so one call adds 2 · W_42


def _per_call() -> float:
    return 2.0 * W_42


def _typical_rules(k: int) -> list[tuple[Mistake, float]]:
    one = _per_call()
    return [
        (Mistake("the value after a single call, for every k, as if each backward() replaced .grad; it adds "
                 "to what .grad already holds.", name="backward_replaces_grad"), one),
        (Mistake("doubling with every call; each call adds the same contribution, it does not "
                 "double what is there.", name="grad_doubles_each_call"), one * 2.0 ** (k - 1)),
        (Mistake("one call too many: after k calls there are k contributions.", name="off_by_one_call"),
         one * (k + 1)),
        (Mistake("one call too few: after k calls there are k contributions.", name="off_by_one_call"),
         one * (k - 1)),
        (Mistake("the sum of the three entries; the function should return one entry of W.grad.",
                 name="summed_entries"), 3 * one * k),
        (Mistake("a contribution of 2 per call, the derivative of W² at W = 1 (or what (2 * W).sum() adds, as in "
                 "the chapter); here every entry of W is 3, and the derivative of W² depends on W.",
                 name="contribution_at_another_point"), 2.0 * k),
        (Mistake("a contribution of W itself per call: the derivative of W² is not W, the power rule brings "
                 "down a factor.", name="power_rule_factor_missing"), W_42 * k),
        (Mistake("the value W² per call, not its derivative: backward() adds the derivative of the loss with "
                 "respect to W.", name="value_for_derivative"), W_42 ** 2 * k),
        (Mistake("the whole loss per call, not the derivative of the loss with respect to one entry of W.",
                 name="value_for_derivative"), 3 * W_42 ** 2 * k),
        (Mistake("a contribution of 1 per call; one call adds the derivative of the loss with respect to "
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
    W: Any = torch.full((3,), W_42, requires_grad=True)
    for _ in range(k):
        (W ** 2).sum().backward()
    return W.grad[0].item()


# --- 4.3: a second name for the old gradient -------------------------------------------------------

def _after_zero_grad(set_to_none: bool = True) -> list[list[float]]:
    """The exercise's cell: g names w.grad, zero_grad() resets, a new loss goes backward; what g and w.grad hold."""
    w = torch.ones(3, requires_grad=True)
    optimizer = torch.optim.SGD([w], lr=0.1)
    (2 * w).sum().backward()
    g = w.grad
    optimizer.zero_grad(set_to_none=set_to_none)
    (3 * w).sum().backward()
    return [g.tolist(), w.grad.tolist()]  # type: ignore[union-attr]


NAME_FOLLOWS = Mistake("g predicted as None: zero_grad() sets the attribute w.grad to None, but g = w.grad made g a "
                       "second name for the tensor itself, and nothing changes what g names.",
                       name="name_follows_attribute")
GRAD_STAYS_NONE = Mistake("w.grad predicted as None: the last backward() ran after the reset, and a backward() that "
                          "finds .grad None creates a new gradient tensor.", name="grad_stays_none_after_backward")
FILLED_WITH_ZEROS = Mistake("g and w.grad predicted as one tensor holding the new gradient: that is what happens when "
                            "zero_grad() fills the old tensor with zeros (set_to_none=False, or PyTorch before 2.0). "
                            "With its defaults it leaves None and drops the old tensor instead.",
                            name="zero_grad_fills_zeros")
OLD_TENSOR_ZEROED = Mistake("g predicted as zeros: zero_grad() with its defaults does not change the old tensor; it "
                            "only takes it away from w.grad.", name="old_tensor_zeroed")
NO_RESET = Mistake("both predicted as the two gradients added up: zero_grad() did reset w.grad, so nothing adds up "
                   "across it.", name="zero_grad_does_nothing")
ADDS_TO_DROPPED = Mistake("w.grad predicted as the two gradients added up: after zero_grad() w.grad is None, so the "
                          "last backward() starts a new tensor instead of adding to the old one.",
                          name="new_grad_adds_to_old")
SWAPPED = Mistake("the two predictions in the wrong order: pass [g, w.grad].", name="order_swapped")
OLD_FOR_NEW = Mistake("w.grad predicted to hold the first loss's gradient: the last backward() is of "
                      "(3 * w).sum(), another loss.", name="new_loss_ignored")


def _three(item: Any) -> np.ndarray:
    """One prediction as three numbers (a single number stands for all three entries)."""
    values = read_numbers(item, max_elements=100).values.reshape(-1)
    if values.size == 1:
        return np.repeat(values, 3)
    if values.size != 3:
        raise BadAnswer(f"{describe(item)} holding {values.size} numbers; w has 3 entries")
    return values


def _judge_after_zero_grad(answer: Any) -> Any:
    if isinstance(answer, dict):
        return "pass a list of two predictions, [g, w.grad], not a dict."
    if not isinstance(answer, (list, tuple)) or len(answer) != 2:
        length = f" of length {len(answer)}" if isinstance(answer, (list, tuple)) else ""
        return (f"pass a list of two predictions, [g, w.grad], each three numbers or None; this is "
                f"{describe(answer) if not length else 'a ' + type(answer).__name__ + length}.")
    g_item, grad_item = list(answer)
    if g_item is None:
        return NAME_FOLLOWS
    if grad_item is None:
        return GRAD_STAYS_NONE
    given = np.concatenate([_three(g_item), _three(grad_item)])
    expected = np.concatenate([np.array(v, dtype=np.float64) for v in _after_zero_grad()])
    if close(given, expected):
        return None
    old, new = expected[:3], expected[3:]
    typical = [(SWAPPED, np.concatenate([new, old])),
               (FILLED_WITH_ZEROS, np.concatenate([new, new])),
               (OLD_TENSOR_ZEROED, np.concatenate([0 * old, new])),
               (NO_RESET, np.concatenate([old + new, old + new])),
               (ADDS_TO_DROPPED, np.concatenate([old, old + new])),
               (OLD_FOR_NEW, np.concatenate([old, old]))]
    return (recognise(given, typical, right=expected)
            or "at least one of the two predictions is not what the cell leaves.")


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
        title="a loop with two losses per step that records each step's gradient",
        hint="Two traps: backward() adds into .grad rather than replacing it (that is what adds the two losses "
             "of a step together, and what adds the steps together when nothing resets), and appending W.grad "
             "itself appends the same tensor object every time, so a later in-place change shows up in every "
             "entry of the list. Record each step's gradient as numbers of its own.",
        first_step="Read the body as one step: after its two backward calls, W.grad holds loss_a's and loss_b's "
                   "shares added up, and that is what the step records, as numbers of its own. Then ask what "
                   "W.grad must hold when the next step's first backward() runs, and where in the body that has "
                   "to happen.",
        solution=lambda: _loop(_as_list, _zero),
        judge=_judge_loop,
        kind="(grads, W): the list of four recorded gradients, and W",
        right_examples=[lambda: _loop(_as_list, _drop), lambda: _loop(lambda W, g: g.append(W.grad.clone()), _zero),
                        lambda: _loop(_the_tensor, _drop), _one_backward_of_the_sum,
                        lambda: _loop(_as_list, _drop, reset_at_start=True),
                        lambda: _loop(lambda W, g: g.append(W.grad.tolist()), lambda W: W.grad.data.zero_()),
                        lambda: _loop(lambda W, g: g.append(W.grad.numpy().copy()), _zero)],
        wrong_examples=[
            wrong(lambda: _loop(_as_list, None), "never reset"),
            wrong(lambda: _loop(_as_list, _zero, reset_first=True), "the reset ran before"),
            wrong(lambda: _loop(_as_list, _zero, reset_between=True), "between the two backward calls"),
            wrong(lambda: _loop(_as_list, _zero, record_after_a=True), "before the second backward"),
            wrong(lambda: _loop(_the_tensor, _zero), "the same .grad tensor stored four times"),
            wrong(lambda: _loop(_the_tensor, None), "the same .grad tensor stored four times"),
            wrong(lambda: _loop(lambda W, g: g.append(W.grad.detach()), _zero), "shares its memory"),
            wrong(lambda: _loop(lambda W, g: g.append(W.grad.numpy()), _zero), "shares its memory"),
            wrong(lambda: _loop(lambda W, g: g.append(list(W.grad)), _zero), "shares its memory"),
            wrong(lambda: _loop(lambda W, g: g.append(_step_gradient().tolist()), None), "W.grad kept adding up"),
            wrong(lambda: _loop(lambda W, g: g.append((W.grad / (len(g) + 1)).tolist()), None),
                  "W.grad kept adding up"),
            wrong(lambda: _loop(lambda W, g: g.append([4.0, 4.0, 4.0]), _zero), "the gradient at W = 1"),
            wrong(lambda: _loop(_as_list, _zero)[0], "pass (grads, W)"),
            wrong(lambda: (_loop(_as_list, None)[0], _loop(_as_list, None)[1].grad), "W itself"),
            wrong(lambda: (_loop(_as_list, _zero)[0][:1], _loop(_as_list, _zero)[1]), "holds 1 entry,"),
        ],
    ),
    FunctionExercise(
        id="gradients_accumulate.grad_after_k_calls",
        title="predict W.grad after k backward calls without zeroing",
        hint="The usual mistake is to think each backward() replaces .grad. It adds to what .grad already "
             "holds. Ask what one call contributes to an entry, which is the derivative of this loss at this W, "
             "and how many contributions there are after k calls.",
        first_step="k = 1: one call of (W ** 2).sum().backward() puts d(loss)/dW[0] into W.grad[0]. Only the term "
                   "W[0]² depends on W[0]; differentiate it and put in the value of W[0]. A second call adds the "
                   "same amount on top (W does not change). Write the value after k calls as a formula in k.",
        solution=lambda: (lambda k: _per_call() * k),
        signature="grad_after(k)",
        cases=[Case(f"k = {k}", _calls(k), _judge_grad_after) for k in (1, 2, 3, 5, 10, 40)],
        adapt=_watch_autograd,
        right_examples=[lambda: (lambda k: 6 * k), lambda: (lambda k: torch.tensor(6.0 * k)),
                        lambda: (lambda k: torch.full((3,), 6.0 * k)), lambda: (lambda k: np.float32(6 * k)),
                        lambda: (lambda k: [2 * 3.0 * k])],
        wrong_examples=[
            wrong(lambda: (lambda k: 6.0), "replaced .grad"),
            wrong(lambda: (lambda k: 6.0 * 2 ** (k - 1)), "doubling"),
            wrong(lambda: (lambda k: 6.0 * (k + 1)), "one call too many"),
            wrong(lambda: (lambda k: 6.0 * (k - 1)), "one call too few"),
            wrong(lambda: (lambda k: 18.0 * k), "the sum of the three entries"),
            wrong(lambda: (lambda k: 2.0 * k), "the derivative of W² at W = 1"),
            wrong(lambda: (lambda k: 3.0 * k), "the power rule brings down a factor"),
            wrong(lambda: (lambda k: 9.0 * k), "the value W² per call"),
            wrong(lambda: (lambda k: 27.0 * k), "the whole loss per call"),
            wrong(lambda: (lambda k: float(k)), "a contribution of 1"),
            wrong(lambda: _with_autograd, "runs autograd itself"),
            wrong(lambda: (lambda k: 5.0 * k), "on k = 1, it returned 5,"),
            wrong(lambda: (lambda k: print(6 * k)), "prints its value"),
            wrong(lambda: 6.0, "pass the function itself"),
        ],
    ),
    PropertyExercise(
        id="gradients_accumulate.after_zero_grad",
        title="what g and w.grad hold after optimizer.zero_grad() and one more backward",
        hint="g = w.grad copies nothing, and it does not tie g to the attribute: g names the tensor that w.grad "
             "held at that moment. Ask what zero_grad() with its defaults does to that tensor and what it puts in "
             "w.grad (the table of resets shows both), and then what the last backward() finds in w.grad.",
        first_step="Follow the cell line by line and write down, after each line, what w.grad holds and which tensor "
                   "g names. After the first backward(), w.grad is a tensor holding the gradient of (2 * w).sum(), "
                   "and g names that same tensor. "
                   "Continue with zero_grad() (its row in the table) and with the last backward().",
        solution=_after_zero_grad,
        judge=_judge_after_zero_grad,
        kind="[g, w.grad]: two predictions, each three numbers (or None)",
        right_examples=[lambda: [torch.full((3,), 2.0), torch.full((3,), 3.0)], lambda: (2, 3),
                        lambda: [np.array([2.0, 2.0, 2.0]), [3, 3, 3]]],
        wrong_examples=[
            wrong(lambda: [None, [3.0, 3.0, 3.0]], "nothing changes what g names"),
            wrong(lambda: [[2.0, 2.0, 2.0], None], "creates a new gradient tensor"),
            wrong(lambda: [[3.0, 3.0, 3.0], [3.0, 3.0, 3.0]], "set_to_none=False"),
            wrong(lambda: [[0.0, 0.0, 0.0], [3.0, 3.0, 3.0]], "does not change the old tensor"),
            wrong(lambda: [[5.0, 5.0, 5.0], [5.0, 5.0, 5.0]], "did reset w.grad"),
            wrong(lambda: [[2.0, 2.0, 2.0], [5.0, 5.0, 5.0]], "starts a new tensor"),
            wrong(lambda: [[3.0, 3.0, 3.0], [2.0, 2.0, 2.0]], "wrong order"),
            wrong(lambda: [[2.0, 2.0, 2.0], [2.0, 2.0, 2.0]], "another loss"),
            wrong(lambda: [[2.0, 2.0, 2.0], [0.0, 0.0, 0.0]], "not what the cell leaves"),
            wrong(lambda: "None", "a list of two predictions"),
            wrong(lambda: [[2.0, 2.0], [3.0, 3.0, 3.0]], "w has 3 entries"),
        ],
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
            Mistake("the numbers of the chapter's cell (parameters at 1.0, weight_decay=0.5); this exercise starts "
                    "at 2.0 with weight_decay=0.1", lambda e: [0.95, 1.0], name="chapter_numbers_copied"),
        ],
        right_examples=[lambda: (1.98, 2.0), lambda: torch.tensor([1.98, 2.0]), lambda: [1.98, 2]],
        wrong_examples=[wrong(lambda: [1.98, 1.98], "moved too"), wrong(lambda: [2.0, 2.0], "stayed put"),
                        wrong(lambda: [2.0, 1.98], "swapped"), wrong(lambda: [1.8, 2.0], "without the learning rate"),
                        wrong(lambda: [2.02, 2.0], "away from 0"), wrong(lambda: [1.99, 2.0], "as a constant"),
                        wrong(lambda: [0.95, 1.0], "the chapter's cell"),
                        lambda: [1.9, 2.0]],
    ),
)
