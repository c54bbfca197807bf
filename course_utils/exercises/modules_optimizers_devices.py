"""Exercises of chapter 08, nn.Module, torch.optim and devices.

8.1 and 8.2 ask for a function and run it on fresh cases the chapter did not show (wider
networks, other batch sizes, a float64 layer). What they teach is a way of working, so the check
looks for evidence of it: hooks on the parameters show whether ``inactive_units`` computed
gradients instead of reading the activations, and the parameters' identity and version counters
show whether ``sgd_step`` changed them in place where autograd could see it. The reference of
8.2 is ``torch.optim.SGD`` itself, and every reference comes from running torch, not from a
hard-coded value; the networks are drawn from seeds of their own (:func:`~course_utils.checks.isolation.seeded`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import torch
from torch import nn

from course_utils.checks import Case, ChoiceExercise, FunctionExercise, Mistake, Run, register, wrong
from course_utils.checks.answers import BadAnswer, describe, read_numbers
from course_utils.checks.evidence import Facts, Raised, attempt, facts, gradients_arriving
from course_utils.checks.isolation import seeded
from course_utils.checks.kinds import returns
from course_utils.checks.labels import is_collection, items_of
from course_utils.checks.tolerance import close_tensors

SLUG = "modules_optimizers_devices"


class MyNet(nn.Module):
    """The chapter's network: Linear 5 → hidden (3 in the chapter), ReLU, Linear hidden → 1."""

    def __init__(self, hidden: int = 3) -> None:
        super().__init__()
        self.fc1 = nn.Linear(5, hidden)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.relu(self.fc1(x)))


def _example(seed: int, batch: int, hidden: int = 3) -> tuple[MyNet, torch.Tensor, torch.Tensor]:
    """A fresh MyNet and a batch, drawn from ``seed`` (as the chapter draws them) without touching the RNG state."""
    with seeded(seed):
        model = MyNet(hidden)
        x = torch.randn(batch, 5)
        target = torch.randn(batch, 1)
    return model, x, target


# ---------------------------------------------------------------- 8.1 inactive units
@dataclass
class _Listed:
    """What inactive_units returned, and whether it computed gradients to find it."""

    result: Any
    used_backward: bool
    hidden: int


def _observe_inactive(function: Callable) -> Callable:
    """``function(model, x)`` with a hook on each parameter that notes any gradient computed for it."""

    def run(model: MyNet, x: torch.Tensor) -> _Listed:
        with gradients_arriving(model.parameters()) as arrived:
            result = function(model, x)
        used = bool(arrived) or any(p.grad is not None for p in model.parameters())
        return _Listed(result, used, model.fc1.out_features)

    return run


def _inactive_case(seed: int, batch: int, hidden: int = 3) -> Callable[[], tuple]:
    def inputs() -> tuple:
        model, x, _ = _example(seed, batch, hidden)
        return model, x
    return inputs


RETURNED_A_MASK = Mistake("it returned True/False for each unit (a mask): the exercise asks for the indices of the "
                          "inactive units, such as [0, 2].", name="mask_not_indices")
INACTIVE_SOMEWHERE = Mistake(
    "it listed every unit that is inactive on *some* sample: a row of the gradient is a sum over the batch, "
    "zero only when the unit is inactive on *every* sample.", name="inactive_on_some_sample")
ACTIVE_UNITS = Mistake("it listed the units that are active (on some sample): the exercise asks for the inactive ones.",
                       name="listed_active_units")
FIRST_SAMPLE_ONLY = Mistake("it looked at the first sample of the batch only: every sample adds to the gradient.",
                            name="first_sample_only")
THREE_UNITS_ASSUMED = Mistake("it looked at units 0, 1 and 2 only: this network has more hidden units; take their "
                              "number from the activations.", name="three_units_assumed")
USED_BACKWARD = Mistake("it computed gradients (backward() reached the parameters): the exercise asks you to find "
                        "the units from the activations alone, which is what explains the zero rows.",
                        name="used_backward")


def _size(item: Any) -> int | None:
    """How many numbers a tensor or an array holds (read safely); None for anything else."""
    if isinstance(item, torch.Tensor):
        with torch._C.DisableTorchFunctionSubclass():
            return int(torch.Tensor.numel(item))
    return int(item.size) if isinstance(item, np.ndarray) else None


def _unit_indices(value: Any, hidden: int) -> list[int] | str | Mistake:
    """The unit indices ``value`` holds, sorted; or why it is not a list of indices.

    Any reasonable form is accepted: a list, tuple or set of Python or NumPy ints (or of one-number
    tensors), a tensor or an array of integers, ``dict.keys()``.
    """
    if value is None:
        return "it returned None: return the list of unit indices"
    if isinstance(value, tuple) and len(value) == 1 and isinstance(value[0], (torch.Tensor, np.ndarray)):
        value = value[0]  # what torch.where(mask) and np.nonzero(mask) return for a 1-D mask
    if isinstance(value, (torch.Tensor, np.ndarray)):
        if value.dtype in (torch.bool, np.bool_):
            return RETURNED_A_MASK
        try:
            items: list[Any] = list(read_numbers(value, max_elements=1000).values.reshape(-1))
        except BadAnswer as exc:
            return f"it returned {exc}"
    elif is_collection(value):
        items = items_of(value)
        if len(items) > 1000:
            return f"it returned {describe(value)}, far more than there are units"
    else:
        return f"it returned {describe(value)}: return a list of unit indices (ints)"
    indices = []
    for item in items:
        if isinstance(item, (bool, np.bool_)) or isinstance(item, torch.Tensor) and item.dtype == torch.bool:
            return RETURNED_A_MASK
        if _size(item) not in (None, 1):
            return f"an item of what it returned is {describe(item)}: return one flat list of unit indices"
        try:
            number = float(read_numbers(item, max_elements=1).values.reshape(()))
        except (BadAnswer, ValueError) as exc:
            return f"an item of what it returned is {exc}: unit indices are ints such as 0 or 2"
        if number != int(number):
            return "it returned numbers that are not whole: unit indices are ints such as 0 or 2 (activations?)"
        indices.append(int(number))
    if len(set(indices)) != len(indices):
        return "it lists a unit more than once"
    if any(not 0 <= i < hidden for i in indices):
        return f"it lists {sorted(indices)}, but the units are numbered 0 to {hidden - 1}"
    return sorted(indices)


def _activity(model: MyNet, x: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return model.relu(model.fc1(x)) > 0  # (batch, hidden): is unit k active on sample n?


def _units(mask: torch.Tensor) -> list[int]:
    return [int(i) for i in torch.nonzero(mask).flatten()]


def _judge_inactive(run: Run) -> Any:
    got, want = run.result, run.expected
    if got.used_backward:
        return USED_BACKWARD
    given = _unit_indices(got.result, got.hidden)
    if not isinstance(given, list):
        return given
    expected = _unit_indices(want.result, want.hidden)
    if not isinstance(expected, list):
        raise ValueError(f"the reference did not give unit indices: {expected}")
    if given == expected:
        return None
    model, x = run.inputs
    active = _activity(model, x)
    if given == _units(~active.all(dim=0)):
        return INACTIVE_SOMEWHERE
    if given == _units(active.any(dim=0)):
        return ACTIVE_UNITS
    if given == _units(~active[0]):
        return FIRST_SAMPLE_ONLY
    if got.hidden > 3 and given == [u for u in expected if u < 3]:
        return THREE_UNITS_ASSUMED
    return f"the list {given} is not the set of units whose row of fc1.weight.grad is zero"


def _inactive_solution(model, x):
    with torch.no_grad():
        h = model.relu(model.fc1(x))
    return [unit for unit in range(h.shape[1]) if (h[:, unit] == 0).all()]


def _inactive_numpy(model, x):
    with torch.no_grad():
        z = model.fc1(x).numpy()
    return list(np.flatnonzero((z <= 0).all(axis=0)))  # numpy ints


def _inactive_tensor(model, x):
    h = model.relu(model.fc1(x))
    return torch.nonzero((h == 0).all(dim=0)).flatten()


def _inactive_set(model, x):
    h = model.relu(model.fc1(x)).detach()
    return {k for k in range(h.shape[1]) if h[:, k].max() == 0}


def _inactive_any(model, x):
    with torch.no_grad():
        h = model.relu(model.fc1(x))
    return [unit for unit in range(h.shape[1]) if (h[:, unit] == 0).any()]


def _inactive_first_sample(model, x):
    with torch.no_grad():
        h = model.relu(model.fc1(x[:1]))
    return [unit for unit in range(h.shape[1]) if h[0, unit] == 0]


def _inactive_active(model, x):
    with torch.no_grad():
        h = model.relu(model.fc1(x))
    return [unit for unit in range(h.shape[1]) if (h[:, unit] > 0).any()]


def _inactive_three_units(model, x):
    with torch.no_grad():
        h = model.relu(model.fc1(x))
    return [unit for unit in range(3) if (h[:, unit] == 0).all()]


def _inactive_mask(model, x):
    with torch.no_grad():
        return (model.relu(model.fc1(x)) == 0).all(dim=0)


def _inactive_by_backward(model, x):
    model(x).sum().backward()
    return [k for k, row in enumerate(model.fc1.weight.grad) if (row == 0).all()]


# ---------------------------------------------------------------- 8.2 sgd_step
@dataclass
class _Stepped:
    """What an sgd_step function did: what it returned (or raised), and its parameters before and after."""

    returned: Any
    before: list[Facts]
    after: list[Facts]


def _observe_step(function: Callable) -> Callable:
    """``function(params, lr)``, with the :func:`facts` of each parameter before and after."""

    def run(params: list, lr: float) -> _Stepped:
        before = [facts(p) for p in params]
        returned = attempt(function, params, lr)
        return _Stepped(returned, before, [facts(p) for p in params])

    return run


def _mynet_params() -> tuple:
    model, x, target = _example(0, batch=4)
    nn.functional.mse_loss(model(x), target).backward()
    return list(model.parameters()), 0.01


def _one_tensor() -> tuple:
    with seeded(1):
        t = torch.randn(2, 3, requires_grad=True)
    (t ** 3).sum().backward()
    return [t], 0.5


def _float64_layer() -> tuple:
    with seeded(2):
        layer = nn.Linear(4, 2).double()
        x = torch.randn(6, 4, dtype=torch.float64)
    layer(x).pow(2).mean().backward()
    return [layer.weight, layer.bias], 0.1


NO_NO_GRAD = Mistake("PyTorch refused the in-place update of a leaf that requires grad: autograd was recording "
                     "while your step ran, and it must not record the update.", name="update_recorded")
GRADS_CLEARED = Mistake("a parameter's .grad is None after your step: step() uses the gradients and leaves them; "
                        "clearing them is zero_grad()'s job.", name="step_clears_grads")
GRADS_CHANGED = Mistake("your step changed p.grad itself: SGD's step only reads the gradients.",
                        name="step_changes_grads")
NO_LONGER_TRACKED = Mistake("after your step a parameter no longer requires grad, so training could not go on.",
                            name="parameter_untracked")
REBOUND = Mistake("the parameters did not change: p = p - lr * p.grad only points the local name p at a new "
                  "tensor; the parameter the model holds must change in place.", name="rebinding_update")
RETURNED_NEW = Mistake("the parameters did not change, and your function returned something: it made new tensors "
                       "instead of changing the parameters; an optimizer's step changes them in place and returns "
                       "nothing.", name="rebinding_update")
THROUGH_DATA = Mistake("the parameters changed, but their version counters did not: the update went through .data, "
                       "which autograd cannot see (chapter 05).", name="update_through_data")
UPHILL = Mistake("the parameters moved uphill: lr * grad was added instead of subtracted.", name="step_uphill")


def _judge_step(run: Run) -> Any:
    got, want = run.result, run.expected
    if isinstance(got.returned, Raised):
        if got.returned.says("leaf Variable that requires grad"):
            return NO_NO_GRAD  # PyTorch refused an in-place change of a leaf while recording
        got.returned.reraise()
    if any(now.grad is None for now in got.after):
        return GRADS_CLEARED
    if any(not now.requires_grad for now in got.after):
        return NO_LONGER_TRACKED
    if not all(torch.equal(now.grad, then.grad) for now, then in zip(got.after, got.before)):
        return GRADS_CHANGED
    if all(torch.equal(now.values, then.values) for now, then in zip(got.after, got.before)):
        return RETURNED_NEW if got.returned is not None else REBOUND
    if all(now.version == then.version for now, then in zip(got.after, got.before)):
        return THROUGH_DATA
    lr = run.inputs[1]
    if all(close_tensors(now.values, then.values + lr * then.grad) for now, then in zip(got.after, got.before)):
        return UPHILL
    for now, right in zip(got.after, want.after):
        if not close_tensors(now.values, right.values):
            return (f"a parameter of shape {now.shape} is not what torch.optim.SGD's step gives "
                    f"(p - lr * p.grad with lr = {lr:g})")
    return None


def _sgd_reference(params, lr):
    torch.optim.SGD(params, lr=lr).step()


def _sgd_step_solution(params, lr):
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad


def _sgd_sub_(params, lr):
    for p in params:
        with torch.no_grad():
            p.sub_(lr * p.grad)


def _sgd_add_alpha(params, lr):
    with torch.no_grad():
        for p in params:
            p.add_(p.grad, alpha=-lr)


def _sgd_rebinds(params, lr):
    with torch.no_grad():
        for p in params:
            p = p - lr * p.grad  # noqa: F841 (the mistake: a new tensor, bound to a local name)


def _sgd_uphill(params, lr):
    with torch.no_grad():
        for p in params:
            p += lr * p.grad


def _sgd_no_no_grad(params, lr):
    for p in params:
        p -= lr * p.grad  # raises: in-place change of a leaf that requires grad


def _sgd_clears(params, lr):
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad
            p.grad = None


def _sgd_through_data(params, lr):
    for p in params:
        p.data -= lr * p.grad


def _sgd_first_only(params, lr):
    with torch.no_grad():
        params[0] -= lr * params[0].grad


# ---------------------------------------------------------------- 8.3 where to zero
ZERO_GRAD_OPTIONS = ("A", "B", "C", "D", "E", "F")
LOOP_BODIES = {
    "A": ["zero_grad", "forward", "backward", "step"],
    "B": ["forward", "backward", "step", "zero_grad"],
    "C": ["forward", "zero_grad", "backward", "step"],
    "D": ["forward", "backward", "zero_grad", "step"],
    "E": ["forward", "backward", "step"],
    "F": ["p.grad.zero_()", "forward", "backward", "step"],
}


def _run_loop(order: list[str], steps: int = 3) -> list[torch.Tensor]:
    """The parameters after ``steps`` steps of the loop body ``order``, from a fixed network and batch."""
    model, x, target = _example(3, batch=8)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss: Any = None
    for _ in range(steps):
        for action in order:
            if action == "forward":
                loss = nn.functional.mse_loss(model(x), target)
            elif action == "backward":
                loss.backward()
            elif action == "step":
                optimizer.step()
            elif action == "zero_grad":
                optimizer.zero_grad()
            else:
                for p in model.parameters():
                    p.grad.zero_()  # type: ignore[union-attr]  # option F raises here, as the chapter shows
    return [p.detach() for p in model.parameters()]


def _zero_grad_correct() -> set[str]:
    """The options whose parameters after three steps equal option A's, the textbook loop."""
    reference = _run_loop(LOOP_BODIES["A"])
    correct = set()
    for label in ZERO_GRAD_OPTIONS:
        try:
            params = _run_loop(LOOP_BODIES[label])
        except AttributeError:  # option F: p.grad is None before the first backward
            continue
        if all(torch.allclose(p, r) for p, r in zip(params, reference)):
            correct.add(label)
    return correct


# ---------------------------------------------------------------- 8.4 which are leaves
# None of these expressions appears in the chapter (review B2): the rule of "Mistake 1", applied to new cases.
LEAF_OPTIONS: dict[str, Callable[[], torch.Tensor]] = {
    "A": lambda: torch.randn(3, requires_grad=True).clone(),
    "B": lambda: (torch.randn(3) * 2).requires_grad_(),
    "C": lambda: torch.randn(3, requires_grad=True).to("cpu"),
    "D": lambda: nn.Linear(3, 1).weight.detach(),
    "E": lambda: nn.Linear(3, 1).weight[0],
    "F": lambda: nn.Linear(3, 1).half().weight,
}


def _trainable_leaves() -> set[str]:
    with torch.random.fork_rng(devices=[]):
        return {label for label, make in LEAF_OPTIONS.items() if (t := make()).is_leaf and t.requires_grad}


register(
    FunctionExercise(
        id=f"{SLUG}.inactive_units",
        title="the hidden units whose fc1 gradient row is zero, found from the activations",
        hint="A row of fc1.weight.grad is a sum over the samples of the batch, and a sample contributes to "
             "unit k's row only where that unit's ReLU output is positive. Being inactive on one sample is "
             "not enough for a zero row (and inactive on this batch does not mean 'dead' forever). Return "
             "unit indices, not the activations.",
        first_step="Compute h = model.relu(model.fc1(x)) without recording, and print it for a batch of 3: "
                   "one row per sample, one column per unit. A unit's gradient row is zero when its whole "
                   "column is zero. Now turn that into a list of column numbers.",
        signature="inactive_units(model, x)",
        solution=returns(_inactive_solution),
        cases=[Case("the chapter's network and one sample", _inactive_case(0, 1), _judge_inactive),
               Case("a batch of 3 samples", _inactive_case(7, 3), _judge_inactive),
               Case("a batch of 16 samples", _inactive_case(17, 16), _judge_inactive),
               Case("a network with 8 hidden units and a batch of 4", _inactive_case(10, 4, hidden=8),
                    _judge_inactive),
               Case("a batch of 6 on which every unit is active somewhere", _inactive_case(0, 6), _judge_inactive)],
        adapt=_observe_inactive,
        mistakes=[RETURNED_A_MASK, INACTIVE_SOMEWHERE, ACTIVE_UNITS, FIRST_SAMPLE_ONLY, THREE_UNITS_ASSUMED,
                  USED_BACKWARD],
        right_examples=[returns(_inactive_numpy), returns(_inactive_tensor), returns(_inactive_set)],
        wrong_examples=[
            wrong(returns(_inactive_any), "inactive on *some* sample"),
            wrong(returns(_inactive_first_sample), "first sample of the batch only"),
            wrong(returns(_inactive_active), "units that are active"),
            wrong(returns(_inactive_three_units), "units 0, 1 and 2 only"),
            wrong(returns(_inactive_mask), "(a mask)"),
            wrong(returns(_inactive_by_backward), "computed gradients"),
            wrong(lambda: [1], "pass the function itself"),
        ],
    ),
    FunctionExercise(
        id=f"{SLUG}.sgd_step",
        title="sgd_step(params, lr) does what torch.optim.SGD's step does",
        hint="Two mistakes from chapter 06 are common here. Assigning a new tensor to the loop variable "
             "changes a local name, not the parameter the optimizer holds: the parameter's own numbers must "
             "change. And autograd must not record the update: PyTorch refuses an in-place change of a leaf "
             "that requires grad while it is recording. Subtract the gradient step; do not add it.",
        first_step="Chapter 06's fix updated one tensor W correctly in two lines. sgd_step does the same for "
                   "every tensor in params: write the loop, and inside it the update of chapter 06 with p in "
                   "place of W. Leave p.grad as it is.",
        signature="sgd_step(params, lr)",
        solution=returns(_sgd_reference),
        cases=[Case("MyNet's four parameters after one backward, lr 0.01", _mynet_params, _judge_step),
               Case("one (2, 3) tensor, lr 0.5", _one_tensor, _judge_step),
               Case("a float64 Linear(4, 2), lr 0.1", _float64_layer, _judge_step)],
        adapt=_observe_step,
        mistakes=[NO_NO_GRAD, GRADS_CLEARED, GRADS_CHANGED, NO_LONGER_TRACKED, REBOUND, RETURNED_NEW, THROUGH_DATA,
                  UPHILL],
        right_examples=[returns(_sgd_step_solution), returns(_sgd_sub_), returns(_sgd_add_alpha)],
        wrong_examples=[
            wrong(returns(_sgd_rebinds), "did not change"),
            wrong(returns(_sgd_uphill), "uphill"),
            wrong(returns(_sgd_no_no_grad), "refused the in-place update"),
            wrong(returns(_sgd_clears), "is None after your step"),
            wrong(returns(_sgd_through_data), "went through .data"),
            wrong(returns(_sgd_first_only), "is not what torch.optim.SGD's step gives"),
            wrong(lambda: 0.01, "pass the function itself"),
        ],
    ),
    ChoiceExercise(
        id=f"{SLUG}.where_to_zero_grad",
        title="which loops zero the gradients correctly",
        hint="'zero_grad() must be the first line' and 'it can go anywhere' are both wrong. backward() adds "
             "into .grad, and step() reads .grad. For each loop, ask what .grad holds at the moment step() "
             "reads it on the second step: it should be exactly this step's gradient. And what is p.grad "
             "before the very first backward()?",
        first_step="Follow one parameter through loop D. Step 1: forward, then backward fills .grad with this "
                   "step's gradient, then zero_grad() sets .grad to None, then step() reads .grad. What does "
                   "step() find, and so how far does the parameter move? Do the same for each loop.",
        options=ZERO_GRAD_OPTIONS,
        multiple=True,
        solution=_zero_grad_correct,
        mistakes=[Mistake("the belief that zero_grad() must be the first line of the loop: what matters is "
                          "where it sits relative to backward() and step()", lambda e: {"A"},
                          name="zero_grad_must_come_first"),
                  Mistake("the belief that zero_grad() must come before the forward pass: the forward pass "
                          "does not touch .grad", lambda e: e - {"C"}, name="zero_grad_before_forward"),
                  Mistake("the belief that zero_grad() at the end of a step comes too late: the next "
                          "backward() still finds the gradients cleared", lambda e: e - {"B"},
                          name="zero_grad_at_end_too_late"),
                  Mistake("the belief that zero_grad() may go anywhere: between backward() and step() it clears "
                          "the gradient step() is about to use", lambda e: e | {"D"}, name="zero_grad_anywhere"),
                  Mistake("the belief that gradients reset themselves after step(): backward() keeps adding "
                          "into .grad", lambda e: e | {"E"}, name="gradients_reset_themselves"),
                  Mistake("the belief that .grad can be zeroed by hand before the first backward(): it is None "
                          "until then (chapter 04)", lambda e: e | {"F"}, name="zeroing_a_none_grad"),
                  Mistake("a reading of the question that leaves A out: A trains like itself, and the question "
                          "asks for every loop that trains like A", lambda e: e - {"A"}, name="left_out_a")],
        right_examples=[lambda: ["C", "B", "A"], lambda: ("a", "b", "c")],
        wrong_examples=[lambda: {"A"}, lambda: {"A", "B"}, lambda: {"A", "C"}, lambda: {"B", "C"},
                        lambda: {"A", "B", "D"}, lambda: "A"],
    ),
    ChoiceExercise(
        id=f"{SLUG}.trainable_leaves",
        title="which expressions give a leaf that requires grad",
        hint="'.to() always makes a copy' and 'anything made from a leaf is a leaf' are the two traps. For each "
             "expression, look at the last thing done: did it create the tensor from something autograd did not "
             "track (or return the very same tensor), or compute it from a tensor that requires grad, as "
             "autograd records any such operation? Modules and plain tensors differ here.",
        first_step="Take A: torch.randn(3, requires_grad=True) is a leaf that requires grad; .clone() then "
                   "computes a copy of it, and autograd records that computation (print its grad_fn). Is the "
                   "copy a leaf? Does it require grad? Ask the same of the last operation in each other "
                   "expression.",
        options=tuple(LEAF_OPTIONS),
        multiple=True,
        solution=_trainable_leaves,
        mistakes=[Mistake("the belief that a computed tensor can never be a trainable leaf: nothing recorded "
                          "the product, since no input required grad, so requires_grad_() marks a new leaf",
                          lambda e: e - {"B"}, name="computed_never_a_leaf"),
                  Mistake("the belief that .to() always makes a copy: a .to() that changes nothing (a CPU tensor "
                          "sent to the CPU) returns the very same leaf", lambda e: e - {"C"},
                          name="to_always_copies"),
                  Mistake("the belief that converting a module makes its parameters non-leaves: Module.half() "
                          "converts each parameter in place", lambda e: e - {"F"}, name="module_to_loses_leaves"),
                  Mistake("the belief that a piece of a parameter is a parameter: weight[0] is computed by an "
                          "indexing operation that autograd records, so it is no leaf", lambda e: e | {"E"},
                          name="parameter_part_is_parameter"),
                  Mistake("the belief that a detached tensor still requires grad: detach() gives a leaf that "
                          "does not", lambda e: e | {"D"}, name="detach_keeps_requires_grad"),
                  Mistake("the belief that a copy of a leaf is a leaf: clone() on a tensor that requires grad is "
                          "an operation, and autograd records it", lambda e: e | {"A"}, name="copy_keeps_leaf"),
                  Mistake("the belief that anything made from a leaf is a leaf: clone() and indexing are "
                          "operations that autograd records", lambda e: e | {"A", "E"},
                          name="anything_from_a_leaf_is_a_leaf")],
        right_examples=[lambda: ["F", "C", "B"], lambda: ("b", "c", "f")],
        wrong_examples=[lambda: {"B", "F"}, lambda: {"B", "C"}, lambda: {"C", "F"}, lambda: {"B", "C", "D", "F"},
                        lambda: "B"],
    ),
)
