"""Exercises of chapter 02, The graph behind autograd."""
from __future__ import annotations

from typing import Any, Callable

import torch

from course_utils.checks import ChoiceExercise, Mistake, PropertyExercise, register


def _grad_fn_name() -> str:
    a = torch.tensor(3.0, requires_grad=True)
    b = torch.tensor(4.0, requires_grad=True)
    return type(torch.sqrt(a * a + b * b).grad_fn).__name__


def _leaves() -> set[str]:
    w = torch.tensor(3.0, requires_grad=True)
    x = torch.tensor(2.0)
    b = torch.tensor(1.0, requires_grad=True)
    h = w * x
    out = h + b
    scale = x * 10
    tensors = {"w": w, "x": x, "b": b, "h": h, "out": out, "scale": scale}
    return {name for name, t in tensors.items() if t.is_leaf}


def _requiring_grad() -> set[str]:
    p = torch.tensor(2.0, requires_grad=True)
    q = torch.tensor(5.0)
    results = {"r1": p * q, "r2": q * q, "r3": p * 0, "r4": q + p.item(), "r5": p > 1}
    return {name for name, r in results.items() if r.requires_grad}


def _leaf_of(t: torch.Tensor) -> torch.Tensor:
    node = t.grad_fn
    while type(node).__name__ != "AccumulateGrad":
        node = next(fn for fn, _ in node.next_functions if fn is not None)
    return node.variable


def _chains() -> list[tuple[str, torch.Tensor, torch.Tensor]]:
    """(description, result, leaf): chains where every node has exactly one input that requires grad."""
    cases = []
    for text, build in [
        ("(x * 2).exp().sum()", lambda x: (x * 2).exp().sum()),
        ("x.sin()", lambda x: x.sin()),
        ("(torch.tensor(3.) * x).mean()", lambda x: (torch.tensor(3.0) * x).mean()),
        ("(1 - x ** 2).neg().sum()", lambda x: (1 - x**2).neg().sum()),
    ]:
        x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
        cases.append((text, build(x), x))
    return cases


def _judge_leaf_of(leaf_of: Any) -> str | None:
    if isinstance(leaf_of, torch.Tensor):
        return ("pass the function itself (leaf_of, without parentheses), not a tensor: the check calls it "
                "on graphs of its own.")
    if not callable(leaf_of):
        return "pass the function leaf_of itself."
    for text, result, leaf in _chains():
        try:
            got = leaf_of(result)
        except Exception as exc:  # report which graph broke it, not only the exception
            why = (" A None entry in next_functions stands for an input that does not require grad: skip it."
                   if "NoneType" in str(exc) else "")
            return f"on {text} it raised {type(exc).__name__}: {exc}.{why}"
        if got is leaf:
            continue
        if got is None:
            return f"on {text} it returned None. Did the function return at all, or follow a None entry?"
        if not isinstance(got, torch.Tensor):
            if type(got).__name__ == "AccumulateGrad":
                return (f"on {text} it returned the AccumulateGrad node itself; the leaf tensor is what that "
                        "node writes into, and the node keeps it as an attribute.")
            return f"on {text} it returned {type(got).__name__}, not a tensor."
        if got is result:
            return f"on {text} it returned the result it was given, not the leaf at the bottom of its graph."
        return f"on {text} it returned a tensor that is not the leaf x (is_leaf={got.is_leaf})."
    return None


def _returns_node(t: torch.Tensor) -> Any:
    node = t.grad_fn
    while type(node).__name__ != "AccumulateGrad":
        node = next(fn for fn, _ in node.next_functions if fn is not None)
    return node


def _always_first(t: torch.Tensor) -> Any:
    node = t.grad_fn
    while type(node).__name__ != "AccumulateGrad":
        node = node.next_functions[0][0]  # breaks on a constant first input: (None, 0)
    return node.variable


def _one_step(t: torch.Tensor) -> Any:
    return t.grad_fn.next_functions[0][0]


WRONG_LEAF_OF: list[Callable[[], Any]] = [
    lambda: _returns_node,
    lambda: _always_first,
    lambda: _one_step,
    lambda: (lambda t: t),
    lambda: _leaf_of(_chains()[0][1]),  # a tensor, not the function
]

register(
    ChoiceExercise(
        id="graph_behind_autograd.name_the_grad_fn",
        title="the grad_fn of torch.sqrt(a * a + b * b)",
        hint="A tensor's grad_fn is the node of the operation that produced that very tensor: the last one "
             "applied, the outermost in the expression. The operations inside it sit further down the graph.",
        options=("MulBackward0", "AddBackward0", "SqrtBackward0", "AccumulateGrad", "None"),
        solution=_grad_fn_name,
        mistakes=[
            Mistake("MulBackward0 is the first operation that ran, not the last: the graph is named from the "
                    "top, the result, down", lambda e: "MulBackward0"),
            Mistake("the addition happens inside the square root, so its node is one level below the result",
                    lambda e: "AddBackward0"),
            Mistake("AccumulateGrad nodes belong to leaves (they write into .grad); a computed result never "
                    "has one as its grad_fn", lambda e: "AccumulateGrad"),
            Mistake("a result computed from tensors that require grad always has a grad_fn",
                    lambda e: "None"),
        ],
        wrong_examples=[lambda: "MulBackward0", lambda: "AccumulateGrad", lambda: "None", lambda: "sqrt"],
    ),
    ChoiceExercise(
        id="graph_behind_autograd.which_are_leaves",
        title="which tensors are leaves",
        hint="is_leaf is not the same as requires_grad. Every tensor without a grad_fn is a leaf: the ones you "
             "create yourself, and also every tensor that does not require grad, even one computed from "
             "others. Only results that autograd recorded (they have a grad_fn) are non-leaves.",
        options=("w", "x", "b", "h", "out", "scale"),
        multiple=True,
        solution=_leaves,
        wrong_examples=[lambda: {"w", "b"}, lambda: {"w", "x", "b"}, lambda: {"out"},
                        lambda: {"h", "out", "scale"}],
    ),
    ChoiceExercise(
        id="graph_behind_autograd.predict_requires_grad",
        title="which results require grad",
        hint="requires_grad spreads by structure, not by value: one input that requires grad is enough, even "
             "when it is multiplied by 0. But .item() hands back a plain Python number with no history, and a "
             "comparison gives True/False values, which have no gradient.",
        options=("r1", "r2", "r3", "r4", "r5"),
        multiple=True,
        solution=_requiring_grad,
        wrong_examples=[lambda: {"r1"}, lambda: {"r1", "r3", "r4"}, lambda: {"r1", "r3", "r5"},
                        lambda: {"r1", "r2", "r3", "r4", "r5"}],
    ),
    PropertyExercise(
        id="graph_behind_autograd.walk_to_the_leaf",
        title="walk next_functions down to the leaf",
        hint="Start at t.grad_fn. An entry of next_functions is a pair (node, index); a None node stands for an "
             "input that does not require grad, so skip it. Stop at the node whose type is AccumulateGrad: it "
             "is not the leaf itself, it keeps the leaf in its .variable attribute.",
        solution=lambda: _leaf_of,
        judge=_judge_leaf_of,
        kind="a function leaf_of(t) that returns the leaf tensor at the bottom of t's graph",
        wrong_examples=WRONG_LEAF_OF,
    ),
)
