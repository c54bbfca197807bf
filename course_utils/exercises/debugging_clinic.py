"""Exercises of chapter 09, Debugging clinic.

Each check looks at the evidence of the fix, not only at a number. 9.1 takes the tensor
``hidden`` itself (is it still the Tanh's output inside the network's graph, and was its
gradient kept before the backward pass?). 9.2 reads ``x.grad`` and names the gradients the
typical non-fixes give. 9.3 runs the learner's ``safe_log`` on inputs of its own and watches
every step of the backward pass through hooks on the graph's nodes (a NaN or an infinity
hidden by a later step is still caught, on every torch version, whatever ``clamp`` does at
its boundary). 9.4 hands the learner's ``smoothed`` its losses one at a time and counts, with
saved-tensor hooks, how many of their graphs are still alive while the loop runs, so a list
converted only at the end does not pass. The "which of these raise?" exercise is judged
against the real behaviour: its reference is found by running each snippet of
:data:`WHICH_RAISE` with the installed PyTorch.
"""
from __future__ import annotations

import gc
import math
import warnings
import weakref
from typing import Any, Iterator

import numpy as np
import torch

from course_utils.checks import (
    DOUBLED,
    Case,
    ChoiceExercise,
    FunctionExercise,
    Mistake,
    PropertyExercise,
    Run,
    call_learner,
    register,
    wrong,
)
from course_utils.checks.answers import BadAnswer, describe, plain_tensor, read_numbers
from course_utils.checks.evidence import facts
from course_utils.checks.kinds import returns
from course_utils.checks.mistakes import recognise
from course_utils.checks.tolerance import close, close_tensors
from course_utils.device import get_device

SLUG = "debugging_clinic"

# --- "which of these raise?": the snippets the learner reads are exactly the ones run here -------------

WHICH_RAISE: dict[str, str] = {
    "A": "x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)\n"
         "y = x * 2\n"
         "y.backward()",
    "B": "x = torch.tensor(3.0, requires_grad=True)\n"
         "y = x ** 2\n"
         "y.backward(retain_graph=True)\n"
         "y.backward()",
    "C": "w = torch.ones(3, requires_grad=True)\n"
         "with torch.no_grad():\n"
         "    w -= 0.1",
    "D": "w = torch.ones(3, requires_grad=True)\n"
         "w -= 0.1",
    "E": "n = torch.arange(3, requires_grad=True)",
    "F": "x = torch.tensor([-1.0, 4.0], requires_grad=True)\n"
         "torch.where(x > 0, x.sqrt(), 0.0).sum().backward()",
    "G": "x = torch.ones(2, requires_grad=True)\n"
         "y = (x * 3).sum()\n"
         "y.backward()\n"
         "g = y.grad",
    "H": "x = torch.ones(3, requires_grad=True)\n"
         "y = x.exp()\n"
         "y.add_(1)\n"
         "y.sum().backward()",
}


def run_snippet(label: str) -> Exception | None:
    """Run one snippet of :data:`WHICH_RAISE` in a fresh namespace; return the exception it raised, or None.

    Warnings are silenced: a warning is not an error.

    >>> type(run_snippet("A")).__name__
    'RuntimeError'
    >>> run_snippet("C") is None
    True
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            exec(WHICH_RAISE[label], {"torch": torch})
        except Exception as exc:  # the point is to see which snippets raise
            return exc
    return None


def outcome(label: str) -> str:
    """One line: what running the snippet did ("runs" or the exception type and the message's first sentence)."""
    exc = run_snippet(label)
    if exc is None:
        return f"{label}: runs without an error"
    first = str(exc).split(":")[0].split(". ")[0].rstrip(".")
    return f"{label}: raises {type(exc).__name__}: {first}"


def show_snippets() -> None:
    """Print the snippets of exercise 9.5, each under its label."""
    print("\n".join(f"--- {label} ---\n{snippet}" for label, snippet in WHICH_RAISE.items()))


WHY: dict[str, str] = {
    "A": "section 1: backward() on three numbers",
    "B": "section 2: retain_graph=True kept the saved values for the second pass",
    "C": "section 3: inside torch.no_grad() the in-place update is not recorded, so it is allowed",
    "D": "section 3: the same update with tracking on",
    "E": "section 7: arange(3) makes integers",
    "F": "section 10: only a NaN gradient, which no error reports",
    "G": "section 6: only a warning, and y.grad is None",
    "H": "section 5: exp saved its output, and add_ changed it",
}


SILENT = ("F", "G")  # the snippets whose failure no error message reports


def show_outcomes() -> None:
    """Print what each snippet of exercise 9.5 really does with the installed PyTorch, and the section behind it.

    It ends with what the silent ones teach: the exercise cell calls it only once the answer is right.
    """
    print("\n".join(f"{outcome(label)}\n   ({WHY[label]})" for label in WHICH_RAISE))
    if all(run_snippet(label) is None for label in SILENT):
        print(f"\n{' and '.join(SILENT)} run, and they are exactly the failures that no error message points out: a "
              "NaN gradient\nand a .grad read on a non-leaf. They are the reason to check gradients, not only to "
              "wait for errors.")


def _which_raise() -> set[str]:
    return {label for label in WHICH_RAISE if run_snippet(label) is not None}


def _with(label: str):
    return lambda expected: set(expected) | {label}


def _without(label: str):
    return lambda expected: set(expected) - {label}


WARNING_COUNTED = Mistake("counting a warning as an error: reading .grad of a non-leaf only warns and gives None",
                          _with("G"), name="warning_counted_as_error")
NAN_COUNTED = Mistake("counting a NaN gradient as an error: NaN flows through backward() silently",
                      _with("F"), name="nan_counted_as_error")
RETAIN_IGNORED = Mistake("expecting every second backward() to fail: retain_graph=True on the first one keeps the "
                         "saved values", _with("B"), name="retain_graph_ignored")
NO_GRAD_IGNORED = Mistake("expecting every in-place change of a leaf to fail: inside torch.no_grad() autograd does "
                          "not record it, so it is allowed", _with("C"), name="no_grad_inplace_counted")
SAVED_OUTPUT_MISSED = Mistake("missing the in-place change of a saved output: exp keeps its result for backward(), "
                              "and changing it in place makes backward() fail", _without("H"),
                              name="saved_output_inplace_missed")
INTEGER_MISSED = Mistake("missing the integer tensor: only floating-point (and complex) tensors can require "
                         "gradients, and arange(3) makes integers", _without("E"), name="integer_requires_grad_missed")


def _grad_of(tensor: torch.Tensor) -> torch.Tensor:
    """``tensor.grad`` of a reference computation, which backward() has filled."""
    grad = tensor.grad
    assert grad is not None, "the reference computation ran backward()"
    return grad


# --- 9.1: the gradient at a hidden layer --------------------------------------------------------------

NET_X = [0.5, -1.0, 2.0]


def clinic_net() -> torch.nn.Sequential:
    """The network of exercise 9.1: ``Linear(3, 4)``, ``Tanh``, ``Linear(4, 1)``, the same weights every time.

    The weights come from a private generator, so calling it leaves the learner's random state alone.

    >>> net = clinic_net()
    >>> [type(layer).__name__ for layer in net], tuple(net(torch.ones(3)).shape)
    (['Linear', 'Tanh', 'Linear'], (1,))
    """
    with torch.random.fork_rng(devices=[]):
        net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
    generator = torch.Generator().manual_seed(91)
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.rand(p.shape, generator=generator) * 2 - 1)
    return net


def _net_numbers() -> dict[str, np.ndarray]:
    """The exercise's numbers in float64: the input, the first layer's output, the hidden tensor, its gradient."""
    net = clinic_net().double()
    x = torch.tensor(NET_X, dtype=torch.float64)
    with torch.no_grad():
        pre = net[0](x)
        hidden = torch.tanh(pre)
        output = net[2](hidden)
    last = net[2]
    assert isinstance(last, torch.nn.Linear)
    w2 = last.weight.detach()[0]
    return {"x": x.numpy(), "pre": pre.numpy(), "hidden": hidden.numpy(), "output": output.numpy(),
            "grad": (2 * output * w2).numpy(), "grad_of_sum": w2.numpy()}


def _hidden_solution() -> torch.Tensor:
    net = clinic_net().to(get_device())
    x = torch.tensor(NET_X, device=get_device())
    hidden = net[1](net[0](x))
    hidden.retain_grad()
    (net[2](hidden) ** 2).sum().backward()
    return hidden


H_NOT_KEPT = Mistake("hidden.grad is None: autograd passes the gradient through an intermediate tensor and drops "
                     "it, unless the tensor is asked to keep it before backward() runs",
                     name="non_leaf_grad_not_kept")
KEPT_TOO_LATE = Mistake("hidden was asked to keep its gradient, but only after backward() had run: the gradient had "
                        "already passed through and was dropped; ask before backward()",
                        name="retain_grad_too_late")
NOT_IN_GRAPH = Mistake("hidden was asked to keep its gradient, but the backward pass never went through it: out was "
                       "computed by another forward pass (net(x) once more?), not from this hidden tensor",
                       name="non_leaf_not_in_graph")
MADE_A_LEAF = Mistake("hidden was made a leaf of its own (detached from the first layer): its .grad is filled, but "
                      "the graph from the first layer to out is cut, so net[0] gets no gradient; keep hidden the "
                      "Tanh's output and keep its gradient", name="non_leaf_detached_into_leaf")
PASSED_X = Mistake("this is x, the network's input (3 numbers): pass hidden, the Tanh's 4 outputs",
                   name="input_instead_of_hidden")
PRE_ACTIVATION = Mistake("this is the output of the first Linear layer, before the Tanh: hidden is what the Tanh "
                         "returns",
                         name="hidden_before_activation")
OUT_NOT_SQUARED = Mistake("hidden.grad is the gradient of net(x).sum(): out squares the network's output, "
                          "(net(x) ** 2).sum()", name="other_loss")
PASSED_H_GRAD = ("these are numbers, not the tensor: pass hidden itself, so that the check can see how its "
                 "gradient was kept")
PASSED_OUTPUT = "this is the network's output, one number: pass hidden, the Tanh's 4 outputs"


def _backward_went_through(tensor: torch.Tensor) -> bool | None:
    """Did a backward pass go through ``tensor``'s node (its saved tensors are freed)? None if it saved nothing."""
    node = tensor.grad_fn
    names = [name for name in dir(node) if name.startswith("_saved_")]
    kept_a_tensor = False
    for name in names:
        try:
            kept_a_tensor |= isinstance(getattr(node, name), torch.Tensor)
        except RuntimeError:  # "... after they have already been freed": backward() went through here
            return True
    return False if kept_a_tensor else None


def _judge_hidden(answer: Any) -> Any:
    want = _net_numbers()
    if not isinstance(answer, torch.Tensor):
        try:
            numbers = read_numbers(answer, max_elements=1000)
        except BadAnswer:
            return f"pass hidden itself, the Tanh's output in your fixed cell; this is {describe(answer)}"
        return (recognise(numbers, [(PASSED_H_GRAD, want["grad"]), (PASSED_X, want["x"]),
                                    (PASSED_OUTPUT, want["output"])])
                or f"pass hidden itself, the Tanh's output in your fixed cell; this is {describe(answer)}")
    hidden = facts(answer)
    if hidden.values.numel() != 4:
        return (recognise(hidden.values, [(PASSED_X, want["x"]), (PASSED_OUTPUT, want["output"])])
                or f"hidden holds 4 numbers, one per hidden unit; this is {describe(answer)}")
    if hidden.is_leaf:
        typical = [(MADE_A_LEAF, want["hidden"]) if hidden.requires_grad else (PASSED_H_GRAD, want["hidden"]),
                   (PASSED_H_GRAD, want["grad"])]
        return (recognise(hidden.values, typical)
                or "this is a leaf tensor, not hidden: pass hidden, the Tanh's output inside the network's graph")
    if not close_tensors(hidden.values, want["hidden"]):
        return (recognise(hidden.values, [(PRE_ACTIVATION, want["pre"])])
                or "hidden does not hold the Tanh's outputs for the exercise's network and x = [0.5, -1.0, 2.0]: "
                   "keep clinic_net() and that x")
    if hidden.grad is None:
        if not hidden.retains_grad:
            return H_NOT_KEPT
        return NOT_IN_GRAPH if _backward_went_through(answer) is False else KEPT_TOO_LATE
    if close_tensors(hidden.grad, want["grad"]):
        return None
    return (recognise(hidden.grad, [(DOUBLED, 2 * want["grad"]), (OUT_NOT_SQUARED, want["grad_of_sum"])])
            or "hidden.grad holds the wrong numbers: it should be d out / d hidden, for out = (net(x) ** 2).sum()")


def _net_cell(fix: str = "retain", give: str = "hidden") -> Any:
    """The learner's cell, as typed: ``fix`` says how the gradient was kept, ``give`` what is passed."""
    net = clinic_net()
    x = torch.tensor(NET_X)
    pre = net[0](x)
    if give == "pre":
        pre.retain_grad()
    hidden = net[1](pre)
    if fix == "detach":
        hidden = hidden.detach().requires_grad_()
    if fix in ("retain", "twice", "sum", "second_pass"):
        hidden.retain_grad()
    output = net(x) if fix == "second_pass" else net[2](hidden)
    out = output.sum() if fix == "sum" else (output**2).sum()
    out.backward(retain_graph=fix == "twice")
    if fix == "twice":
        out.backward()
    if fix == "late":
        hidden.retain_grad()
    return {"hidden": hidden, "pre": pre, "x": x, "output": output,
            "hidden.grad": hidden.grad if hidden.is_leaf or hidden.retains_grad else None}[give]


def _hidden_float64() -> torch.Tensor:
    net = clinic_net().double()
    x = torch.tensor(NET_X, dtype=torch.float64)
    hidden = torch.tanh(net[0](x))
    hidden.retain_grad()
    (net[2](hidden) ** 2).sum().backward()
    return hidden


# --- 9.2: an in-place change of a saved input ---------------------------------------------------------

INPLACE_X = [0.0, 1.0, 2.0]


def _inplace_fixed() -> list[float]:
    x = torch.tensor(INPLACE_X, requires_grad=True)
    h = x * 2
    y = h**2
    h = h * 3
    (y + h).sum().backward()
    return _grad_of(x).tolist()


def _inplace_gradient(square: float, h_term: float) -> list[float]:
    """square·x + h_term at each x: the gradient of sum(y) + sum(h) when y's part is square·x and h's is h_term.

    The right loss, sum((2x)²) + sum(3·2x), gives 8x + 6.
    """
    return [square * v + h_term for v in INPLACE_X]


def _grad_fixed_by_hand() -> torch.Tensor:
    x = torch.tensor(INPLACE_X, requires_grad=True)
    h = x * 2
    y = h**2
    (y + h).sum().backward()          # the tripling deleted ...
    grad = _grad_of(x)
    grad += 4                          # ... and the difference added by hand
    return grad


FACTOR_DROPPED = Mistake("this is the gradient without the factor 3: the tripling was removed (or its result thrown "
                         "away) instead of being written out of place", name="factor_dropped")
THROUGH_DATA = Mistake("this is the gradient of the .data trick: the error is gone, but the backward step of h ** 2 "
                       "reads its saved input h, which .data tripled behind autograd's back, so the gradient is "
                       "silently wrong", name="inplace_through_data")
TRIPLED_FIRST = Mistake("this is the gradient with h tripled before it is squared: the tripling moved above the "
                        "square, and y is meant to be the square of h as first made", name="inplace_moved_earlier")
Y_DETACHED = Mistake("this is the gradient without y's part: y was computed from a detached h, so autograd does not "
                     "see y depend on x", name="saved_input_detached")
PASSED_INPUT = Mistake("this is x itself, not its gradient: pass x.grad", name="tensor_instead_of_gradient")
SCALED_BY_HAND = Mistake("the right numbers, but x.grad was changed in place after backward() (its version counter "
                         "moved): the tripling belongs in the computation, where autograd sees it",
                         name="gradient_scaled_by_hand")


def _judge_inplace(answer: Any) -> Any:
    if isinstance(answer, torch.Tensor):
        given_facts = facts(answer)
        if given_facts.values.numel() != 3:
            return f"x.grad holds 3 numbers, one per element of x; this is {describe(answer)}"
        if given_facts.is_leaf and given_facts.requires_grad and close_tensors(given_facts.values, INPLACE_X):
            return PASSED_INPUT
    given = read_numbers(answer, max_elements=1000)
    if given.values.size != 3:
        return f"x.grad holds 3 numbers, one per element of x; this is {describe(answer)}"
    mine, want = given.values.reshape(-1), np.array(_inplace_fixed())
    if close(mine, want, eps=given.eps):
        if isinstance(answer, torch.Tensor) and facts(answer).version > 0:
            return SCALED_BY_HAND
        return None
    typical = [(FACTOR_DROPPED, _inplace_gradient(8, 2)),      # sum((2x)²) + sum(2x)
               (THROUGH_DATA, _inplace_gradient(24, 2)),       # the square reads h = 6x; h's own node still says 2x
               (TRIPLED_FIRST, _inplace_gradient(72, 6)),      # sum((6x)²) + sum(6x)
               (Y_DETACHED, _inplace_gradient(0, 6)),
               (PASSED_INPUT, INPLACE_X), (DOUBLED, 2 * want)]
    return recognise(given, typical) or "x.grad holds other numbers than the gradient of the loss the cell describes"


def _inplace_cell(fix: str) -> torch.Tensor:
    """The exercise's cell with one learner's fix typed in; returns x.grad."""
    x = torch.tensor(INPLACE_X, requires_grad=True)
    h = x * 2
    if fix == "moved":
        h.mul_(3)
    y = (h.detach() if fix == "detach" else h) ** 2
    if fix == "data":
        h.data.mul_(3)
    elif fix == "discarded":
        h.mul(3)
    elif fix == "new":
        h = h * 3
    elif fix == "clone":
        h = h.clone()
        h.mul_(3)
    elif fix == "detach":
        h.mul_(3)
    (y + h).sum().backward()
    return _grad_of(x)


# --- 9.3: a logarithm whose gradient is finite everywhere --------------------------------------------

def _safe_log_reference(x: torch.Tensor) -> torch.Tensor:
    positive = x > 0
    return torch.where(positive, torch.log(torch.where(positive, x, torch.ones_like(x))), torch.zeros_like(x))


def _log_inputs(values: list, dtype: torch.dtype = torch.float32):
    def inputs() -> tuple:
        return (torch.tensor(values, dtype=dtype).to(get_device()).requires_grad_(),)

    return inputs


NAN_THROUGH_WHERE = ("the gradient is NaN at x = {where}: log still receives every element, and backward() still "
                     "differentiates the ones whose result is thrown away; there it multiplies log's derivative 1/x, "
                     "infinite at 0, by 0, and 0 × inf = NaN")
HIDDEN_INFINITY = ("log still receives inputs where its derivative is infinite (a 0 where x ≤ 0), so a step of the "
                   "backward pass computes inf or NaN (here in {where}). A later step drops it and the final gradient "
                   "looks fine, but that depends on the operations and the torch version{clamp}")
CLAMP_NOTE = " (clamp's gradient at its boundary changed in torch 2.14)"
UNSAFE_LOG = "nan_through_where"   # one name for both: log is handed inputs it cannot differentiate
DETACHED = Mistake("the result carries no graph (it was detached, or computed without tracking): no gradient can "
                   "flow back to x", name="result_detached")


def _finite(tensor: torch.Tensor) -> bool:
    with torch._C.DisableTorchFunctionSubclass():
        return bool(torch.isfinite(tensor.detach()).all())


def _graph_nodes(root: Any) -> list[Any]:
    nodes, stack, seen = [], [root], set()
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        nodes.append(node)
        stack.extend(next_node for next_node, _ in node.next_functions)
    return nodes


def _backward_watched(output: torch.Tensor, x: torch.Tensor) -> tuple[torch.Tensor | None, list[str], list[str]]:
    """x's gradient of ``output.sum()``, the names of the nodes that produced a NaN or an infinity, and all names."""
    bad: list[str] = []

    def watch(node: Any):
        def hook(grad_inputs: tuple, grad_outputs: tuple) -> None:
            if any(g is not None and not _finite(g) for g in grad_inputs) and node.name() not in bad:
                bad.append(node.name())
        return hook

    nodes = _graph_nodes(output.grad_fn)
    handles = [node.register_hook(watch(node)) for node in nodes]
    try:
        with torch._C.DisableTorchFunctionSubclass():
            total = torch.Tensor.sum(output)
        (grad,) = call_learner(torch.autograd.grad, total, x, allow_unused=True)
    finally:
        for handle in handles:
            handle.remove()
    return grad, bad, [node.name() for node in nodes]


def _judge_safe_log(run: Run) -> Any:
    (x,), result = run.inputs, run.result
    if not isinstance(result, torch.Tensor):
        return f"it returned {describe(result)}; safe_log(x) returns a tensor of the shape of x"
    output = plain_tensor(result)
    with torch._C.DisableTorchFunctionSubclass():
        shape, tracked = tuple(torch.Tensor.size(output)), output.requires_grad
    if shape != tuple(x.shape):
        return f"it returned a tensor of shape {shape} for an input of shape {tuple(x.shape)}"
    try:
        given = read_numbers(output)
    except BadAnswer:
        return ("its values contain NaN or infinity (the log of 0 or of a negative number?): safe_log(x) is 0 "
                "where x ≤ 0")
    if not close(given.values, read_numbers(run.expected).values, eps=given.eps):
        return "the values are wrong: safe_log(x) is log(x) where x > 0 and 0 elsewhere"
    if not tracked:
        return DETACHED
    grad, bad, names = _backward_watched(output, x)
    if grad is None:
        return "the result does not depend on x in the graph: no gradient reaches x"
    (x_ref,) = run.expected_inputs
    (want,) = torch.autograd.grad(run.expected.sum(), x_ref)
    clamp = CLAMP_NOTE if any("Clamp" in name for name in names) else ""
    if not _finite(grad):
        with torch.no_grad():
            pairs = zip(x.detach().reshape(-1).tolist(), grad.reshape(-1).tolist())
            where = [v for v, g in pairs if not math.isfinite(g)]
        return Mistake(NAN_THROUGH_WHERE.format(where=where) + clamp, name=UNSAFE_LOG)
    if bad:
        return Mistake(HIDDEN_INFINITY.format(where=", ".join(bad), clamp=clamp), name=UNSAFE_LOG)
    given = read_numbers(grad)
    if not close(given.values, read_numbers(want).values, eps=given.eps):
        return "the gradient is finite but wrong: it should be 1/x where x > 0 and 0 elsewhere"
    return None


def _single_where(x: torch.Tensor) -> torch.Tensor:
    return torch.where(x > 0, torch.log(x), torch.zeros_like(x))


def _clamped_inside_where(x: torch.Tensor) -> torch.Tensor:
    # torch < 2.14: NaN in the final gradient at 0; 2.14+: clamp's backward drops it, a NaN inside remains
    return torch.where(x > 0, torch.log(x.clamp(min=0)), 0.0)


def _relu_inside_where(x: torch.Tensor) -> torch.Tensor:
    return torch.where(x > 0, torch.log(torch.relu(x)), 0.0)


def _inner_where_zero(x: torch.Tensor) -> torch.Tensor:
    positive = x > 0
    return torch.where(positive, torch.log(torch.where(positive, x, 0.0)), 0.0)


def _abs_inside_where(x: torch.Tensor) -> torch.Tensor:
    return torch.where(x > 0, torch.log(torch.abs(x)), 0.0)


def _nan_to_num(x: torch.Tensor) -> torch.Tensor:
    return torch.nan_to_num(torch.log(x), nan=0.0, neginf=0.0)


def _masked_log(x: torch.Tensor) -> torch.Tensor:
    return torch.log(x) * (x > 0)


def _log1p_relu(x: torch.Tensor) -> torch.Tensor:
    return torch.log1p(torch.relu(x))


def _detached(x: torch.Tensor) -> torch.Tensor:
    return _safe_log_reference(x).detach()


def _log_of_where(x: torch.Tensor) -> torch.Tensor:
    return torch.log(torch.where(x > 0, x, 1.0))     # log(1) = 0 where x ≤ 0, with no gradient reaching x


def _masked_assignment(x: torch.Tensor) -> torch.Tensor:
    out = torch.zeros_like(x)
    positive = x > 0
    out[positive] = torch.log(x[positive])
    return out


def _clamp_small_inside_where(x: torch.Tensor) -> torch.Tensor:
    return torch.where(x > 0, torch.log(x.clamp(min=1e-12)), 0.0)


# --- 9.4: a smoothed loss that keeps no graph ---------------------------------------------------------

class Losses:
    """The losses of an evaluation pass that forgot ``torch.no_grad()``: made one at a time, each with its graph.

    Iterating makes each loss only when it is asked for. Saved-tensor hooks tag what each loss's graph
    saved, and before making the next loss ``alive`` notes how many of the earlier graphs, apart from
    the one just handed out, are still alive: 0 when the loop keeps nothing.

    >>> losses = Losses(4, seed=1)
    >>> [round(loss.item(), 4) for loss in losses] == [round(v, 4) for v in losses.values()]
    True
    >>> losses.alive
    [0, 0, 0, 0, 0]
    """

    def __init__(self, n: int, seed: int) -> None:
        generator = torch.Generator().manual_seed(seed)
        self.n = n
        self.X = torch.randn(n, 3, generator=generator)
        self.Y = torch.randn(n, generator=generator)
        self.w = torch.randn(3, generator=generator).requires_grad_()
        self.alive: list[int] = []
        self._started = False

    def __repr__(self) -> str:
        return f"Losses({self.n} losses, made one at a time)"

    def values(self) -> list[float]:
        """The losses as plain numbers (for the reference)."""
        with torch.no_grad():
            return [((self.X[i] @ self.w - self.Y[i]) ** 2).item() for i in range(self.n)]

    def _count(self, graphs: list[list[Any]]) -> int:
        return sum(any(ref() is not None for ref in refs) for refs in graphs[:-1])

    def __iter__(self) -> Iterator[torch.Tensor]:
        if self._started:
            return iter(())  # made once, like a real evaluation pass over a data loader
        self._started = True
        return self._make()

    def _make(self) -> Iterator[torch.Tensor]:
        graphs: list[list[Any]] = []
        for i in range(self.n):
            self.alive.append(self._count(graphs))
            refs: list[Any] = []

            def pack(tensor: torch.Tensor, refs: list[Any] = refs) -> _Saved:
                saved = _Saved(tensor)
                refs.append(weakref.ref(saved))
                return saved

            with torch.autograd.graph.saved_tensors_hooks(pack, _Saved.unpack):
                loss = (self.X[i] @ self.w - self.Y[i]) ** 2
            graphs.append(refs)
            yield loss
        self.alive.append(self._count(graphs))
        self._graphs = graphs

    def still_alive(self) -> int:
        """How many graphs are alive now, the last one included (after the learner's function returned)."""
        graphs = getattr(self, "_graphs", [])
        return sum(any(ref() is not None for ref in refs) for refs in graphs)


class _Saved:
    """A tensor that a loss's graph saved, wrapped so that a weak reference shows when the graph is gone."""

    __slots__ = ("tensor", "__weakref__")

    def __init__(self, tensor: torch.Tensor) -> None:
        self.tensor = tensor

    @staticmethod
    def unpack(saved: _Saved) -> torch.Tensor:
        return saved.tensor


def _smoothed_values(values: list[float], keep: float = 0.9, start: float | None = 0.0) -> list[float]:
    smooth, history = start, []
    for value in values:
        smooth = value if smooth is None else keep * smooth + (1 - keep) * value
        history.append(smooth)
    return history


def _smoothed_reference(losses: Losses) -> list[float]:
    smooth, history = 0.0, []
    for loss in losses:
        smooth = 0.9 * smooth + 0.1 * loss.item()
        history.append(smooth)
    return history


def _loss_cases() -> list[Case]:
    def make(n: int, seed: int):
        return lambda: (Losses(n, seed),)

    return [Case("12 losses, handed out one at a time", make(12, seed=94), judge=_judge_smoothed),
            Case("5 other losses", make(5, seed=95), judge=_judge_smoothed)]


KEEPS_GRAPH = Mistake("the smoothed values are still tensors with a graph (a grad_fn): each one keeps the graphs of "
                      "every loss before it alive. Build them from plain numbers", name="total_keeps_graph")
ALIVE = "graphs were kept alive while the loop ran"
GRAPHS_ALIVE = ("graphs were kept alive while the loop ran: when a new loss was made, the graphs of {alive} earlier "
                "losses (of {n}) were still in memory. Something still referred to them (smooth as a tensor, "
                "converted only at the end? a list of the losses?)")
WEIGHTS_SWAPPED = Mistake("the two weights are swapped: 0.9 belongs to the previous smoothed value, 0.1 to the new "
                          "loss", name="smoothing_weights_swapped")
RAW_LOSSES = Mistake("it returned each loss itself, not the smoothed value", name="losses_not_smoothed")
FROM_FIRST = Mistake("the smoothing starts from the first loss, but the smoothed value starts at 0",
                     name="smoothing_started_from_first")
RUNNING_TOTAL = Mistake("it returned a running total of the losses, not the smoothed loss",
                        name="total_instead_of_smoothed")
WITH_START = Mistake("the list starts with the starting value 0: return the smoothed value after each loss",
                     name="start_value_included")
LAST_ONLY = Mistake("it returned only the last smoothed value: return the list of the value after each loss",
                    name="last_value_only")


def _judge_smoothed(run: Run) -> Any:
    (losses,), result = run.inputs, run.result
    values, n = losses.values(), losses.n
    if isinstance(result, torch.Tensor) and facts(result).recorded:
        return KEEPS_GRAPH
    entries = list(result) if isinstance(result, (list, tuple)) else None
    if entries and any(isinstance(e, torch.Tensor) and facts(e).recorded for e in entries):
        return KEEPS_GRAPH
    del entries
    gc.collect()                       # a reference cycle in the learner's code is not "kept"
    alive = max([*losses.alive, losses.still_alive()])
    if alive >= 2:
        return Mistake(GRAPHS_ALIVE.format(alive=alive, n=n), name=KEEPS_GRAPH.name)
    try:
        given = read_numbers(result, max_elements=1000)
    except BadAnswer as exc:
        return f"it returned {exc}; smoothed(losses) returns the list of the {n} smoothed values"
    typical = [(WEIGHTS_SWAPPED, _smoothed_values(values, keep=0.1)), (RAW_LOSSES, values),
               (FROM_FIRST, _smoothed_values(values, start=None)), (RUNNING_TOTAL, list(np.cumsum(values))),
               (WITH_START, [0.0, *_smoothed_values(values)]), (LAST_ONLY, _smoothed_values(values)[-1])]
    if given.values.size != n:
        return (recognise(given, typical)
                or f"it returned {given.values.size} numbers for {n} losses: one smoothed value after each loss")
    if close(given.values.reshape(-1), np.array(run.expected), eps=given.eps):
        return None
    return (recognise(given, typical)
            or "the numbers are not the smoothed losses 0.9·s + 0.1·loss, starting from s = 0")


def _smoothed_buggy(losses: Losses) -> list:
    smooth: Any = 0.0
    history = []
    for loss in losses:
        smooth = 0.9 * smooth + 0.1 * loss
        history.append(smooth)
    return history


def _smoothed_converted_at_the_end(losses: Losses) -> list[float]:
    return [value.item() for value in _smoothed_buggy(losses)]


def _smoothed_all_losses_kept(losses: Losses) -> list[float]:
    return _smoothed_reference(list(losses))  # type: ignore[arg-type]


def _smoothed_no_grad(losses: Losses) -> list:
    smooth: Any = 0.0
    history = []
    for loss in losses:
        with torch.no_grad():
            smooth = 0.9 * smooth + 0.1 * loss
        history.append(smooth)
    return history


def _smoothed_detached(losses: Losses) -> list:
    smooth: Any = 0.0
    history = []
    for loss in losses:
        smooth = 0.9 * smooth + 0.1 * loss.detach()
        history.append(smooth)
    return history


def _smoothed_variant(**kwargs: Any):
    def smoothed(losses: Losses) -> list[float]:
        return _smoothed_values([loss.item() for loss in losses], **kwargs)

    return smoothed


def _smoothed_raw(losses: Losses) -> list[float]:
    return [loss.item() for loss in losses]


def _smoothed_total(losses: Losses) -> list[float]:
    return list(np.cumsum([loss.item() for loss in losses]))


def _smoothed_last(losses: Losses) -> float:
    return _smoothed_reference(losses)[-1]


register(
    PropertyExercise(
        id=f"{SLUG}.fix_non_leaf_grad",
        title="keep the gradient at the network's hidden layer",
        hint="The gradient flows through every intermediate tensor during backward(), but it is kept only for a "
             "tensor that was asked to keep it before backward() ran (section 6). net(x) runs the three layers in "
             "one call and never hands you the Tanh's output: run the layers one at a time, so that you hold that "
             "tensor, and compute out from it.",
        first_step="print(net) lists the three layers; net[2](net[1](net[0](x))) is net(x). Give the Tanh's output "
                   "the name hidden, print hidden.is_leaf (False: an intermediate), use section 6's fix on it, and "
                   "only then build out from hidden and call out.backward().",
        solution=_hidden_solution,
        judge=_judge_hidden,
        kind="the tensor hidden (the Tanh's output, whose .grad was kept)",
        none_says="this looks like hidden.grad of a tensor that was never asked to keep its gradient (autograd "
                  "drops the gradient of an intermediate tensor unless asked before backward() runs); pass hidden "
                  "itself",
        right_examples=[_hidden_float64],
        wrong_examples=[wrong(lambda: _net_cell("none"), says=H_NOT_KEPT.says),
                        wrong(lambda: _net_cell("late"), says=KEPT_TOO_LATE.says),
                        wrong(lambda: _net_cell("second_pass"), says=NOT_IN_GRAPH.says),
                        wrong(lambda: _net_cell("detach"), says=MADE_A_LEAF.says),
                        wrong(lambda: _net_cell("retain", "x"), says=PASSED_X.says),
                        wrong(lambda: _net_cell("none", "pre"), says=PRE_ACTIVATION.says),
                        wrong(lambda: _net_cell("twice"), says=DOUBLED.says),
                        wrong(lambda: _net_cell("sum"), says=OUT_NOT_SQUARED.says),
                        wrong(lambda: _net_cell("retain", "hidden.grad"), says=PASSED_H_GRAD),
                        wrong(lambda: _grad_of(_net_cell("retain")).tolist(), says=PASSED_H_GRAD),
                        wrong(lambda: _net_cell("retain", "output"), says=PASSED_OUTPUT),
                        wrong(lambda: None, says="pass hidden itself")],
    ),
    PropertyExercise(
        id=f"{SLUG}.fix_inplace",
        title="x.grad once the in-place change of a saved input is fixed",
        hint="A backward step keeps what it needs from the forward pass, and an operation can save its input as "
             "well as its output. An in-place change after that moves the saved tensor's version counter "
             "(_version), which backward() checks. Deleting the line loses the factor 3, and hiding the change "
             "with .data leaves backward() reading a changed tensor: keep the tripling, in a form that makes a new "
             "tensor (section 5).",
        first_step="Print h._version after each line: 0 after h = x * 2, still 0 after y = h ** 2, then 1 after the "
                   "line with mul_, and backward() expects 0. Rewrite that one line so that the tripled h is a new "
                   "tensor, and leave the other lines as they are.",
        solution=lambda: torch.tensor(_inplace_fixed()),
        judge=_judge_inplace,
        kind="x.grad, a tensor of 3 numbers",
        mistakes=[FACTOR_DROPPED, THROUGH_DATA, TRIPLED_FIRST, Y_DETACHED, PASSED_INPUT, SCALED_BY_HAND, DOUBLED],
        right_examples=[_inplace_fixed, lambda: np.array(_inplace_fixed()), lambda: _inplace_cell("clone")],
        wrong_examples=[wrong(lambda: _inplace_cell("deleted"), says=FACTOR_DROPPED.says),
                        wrong(lambda: _inplace_cell("discarded"), says=FACTOR_DROPPED.says),
                        wrong(lambda: _inplace_cell("data"), says=THROUGH_DATA.says),
                        wrong(lambda: _inplace_cell("moved"), says=TRIPLED_FIRST.says),
                        wrong(lambda: _inplace_cell("detach"), says=Y_DETACHED.says),
                        wrong(lambda: torch.tensor(INPLACE_X, requires_grad=True), says=PASSED_INPUT.says),
                        wrong(_grad_fixed_by_hand, says=SCALED_BY_HAND.says),
                        wrong(lambda: [2 * v for v in _inplace_fixed()], says=DOUBLED.says),
                        lambda: [0.0, 0.0, 0.0], wrong(lambda: _inplace_fixed()[:2], says="3 numbers")],
    ),
    FunctionExercise(
        id=f"{SLUG}.safe_log",
        title="a logarithm with a finite gradient everywhere",
        hint="torch.where picks values, but backward() differentiates both branches and multiplies the unused one "
             "by 0, and 0 × inf (or 0 × NaN) is NaN. Correct values are not enough: log itself must only ever "
             "receive positive numbers, even where its result is thrown away (section 10).",
        first_step="Print what torch.log receives in your function for x = torch.tensor([-2.0, 0.0, 4.0]): every "
                   "number must be greater than 0, even where the result is discarded. Build that input first, "
                   "then take its log, then choose the outputs.",
        signature="safe_log(x)",
        solution=returns(_safe_log_reference),
        cases=[Case("the five inputs [-2, -0.5, 0, 0.25, 4]", _log_inputs([-2.0, -0.5, 0.0, 0.25, 4.0]),
                    judge=_judge_safe_log),
               Case("a 2 × 3 matrix with 0, -0.0 and negative entries",
                    _log_inputs([[0.0, 9.0, -1.0], [1e-4, -0.0, 2.25]]), judge=_judge_safe_log),
               Case("float64 inputs [-3, 0, 0.5]", _log_inputs([-3.0, 0.0, 0.5], torch.float64),
                    judge=_judge_safe_log)],
        right_examples=[returns(_masked_assignment), returns(_clamp_small_inside_where), returns(_log_of_where)],
        wrong_examples=[wrong(returns(_single_where), says="0 × inf = NaN"),
                        wrong(returns(_nan_to_num), says="0 × inf = NaN"),
                        wrong(returns(_abs_inside_where), says="0 × inf = NaN"),
                        wrong(returns(_clamped_inside_where), says="clamp's gradient at its boundary"),
                        wrong(returns(_relu_inside_where), says="(here in LogBackward0)"),
                        wrong(returns(_inner_where_zero), says="A later step drops it"),
                        wrong(returns(_detached), says=DETACHED.says),
                        wrong(returns(_log1p_relu), says="the values are wrong"),
                        wrong(returns(_masked_log), says="its values contain NaN"),
                        wrong(returns(torch.log), says="its values contain NaN"),
                        wrong(lambda: _safe_log_reference(torch.tensor([-2.0, 4.0])),
                              says="pass the function itself")],
    ),
    FunctionExercise(
        id=f"{SLUG}.smoothed_loss",
        title="a smoothed loss that keeps no graph alive",
        hint="smooth = 0.9 * smooth + 0.1 * loss makes smooth a tensor whose graph reaches back through every "
             "earlier loss, so none of their graphs can be freed, and here each still holds its saved tensors. "
             "Build the smoothed value from plain Python numbers (section 9), so that each loss's graph goes as "
             "soon as the loop moves on.",
        first_step="Inside the loop, print(type(smooth), smooth.grad_fn) after the update: a tensor with a graph. "
                   "Turn each loss into a plain Python number before it enters the formula (section 9 shows the "
                   "call); smooth and every entry of history are then floats.",
        signature="smoothed(losses)",
        solution=returns(_smoothed_reference),
        cases=_loss_cases(),
        right_examples=[returns(_smoothed_no_grad), returns(_smoothed_detached)],
        wrong_examples=[wrong(returns(_smoothed_buggy), says=KEEPS_GRAPH.says),
                        wrong(returns(_smoothed_converted_at_the_end), says=ALIVE),
                        wrong(returns(_smoothed_all_losses_kept), says=ALIVE),
                        wrong(returns(_smoothed_variant(keep=0.1)), says=WEIGHTS_SWAPPED.says),
                        wrong(returns(_smoothed_variant(start=None)), says=FROM_FIRST.says),
                        wrong(returns(_smoothed_raw), says=RAW_LOSSES.says),
                        wrong(returns(_smoothed_total), says=RUNNING_TOTAL.says),
                        wrong(returns(_smoothed_last), says=LAST_ONLY.says),
                        wrong(lambda: _smoothed_values([1.0, 2.0]), says="pass the function itself")],
    ),
    ChoiceExercise(
        id=f"{SLUG}.which_raise",
        title="which snippets raise an error",
        hint="Find each snippet's section in this chapter: it says whether that trigger stops with an error or "
             "fails silently. Then read the setting each risky line runs in (inside torch.no_grad()? after "
             "retain_graph=True? which dtype?) and decide whether it changes the outcome.",
        first_step="Take snippet A: section 1 runs the same three lines, so you know what it does. Do the same for "
                   "each other snippet: find the section whose trigger it resembles, compare them line by line, "
                   "and decide whether what differs (an extra with-block or argument, another dtype) matters.",
        options=tuple(WHICH_RAISE),
        multiple=True,
        solution=_which_raise,
        mistakes=[WARNING_COUNTED, NAN_COUNTED, RETAIN_IGNORED, NO_GRAD_IGNORED, SAVED_OUTPUT_MISSED, INTEGER_MISSED],
        right_examples=[lambda: sorted(_which_raise()), lambda: {label.lower() for label in _which_raise()},
                        lambda: dict.fromkeys(sorted(_which_raise())).keys()],
        wrong_examples=[wrong(lambda: _which_raise() | {"G"}, says=WARNING_COUNTED.says),
                        wrong(lambda: _which_raise() | {"F"}, says=NAN_COUNTED.says),
                        wrong(lambda: _which_raise() | {"B"}, says=RETAIN_IGNORED.says),
                        wrong(lambda: _which_raise() | {"C"}, says=NO_GRAD_IGNORED.says),
                        wrong(lambda: _which_raise() - {"H"}, says=SAVED_OUTPUT_MISSED.says),
                        wrong(lambda: _which_raise() - {"E"}, says=INTEGER_MISSED.says),
                        lambda: {"A", "D", "E", "F", "G", "H"},
                        lambda: {"A", "B", "D", "E", "H", "C"}],
    ),
)
