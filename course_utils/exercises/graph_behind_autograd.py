"""Exercises of chapter 02, The graph behind autograd.

2.1 names the grad_fn of four results (a list, so that one named mistake cannot settle all four),
2.2 and 2.3 are predictions (leaves; what requires grad), 2.4 a function that walks
``next_functions`` down to the leaf, judged on graphs the chapter did not show (a constant first
input, a long chain, view operations), and 2.5 reads torch's own backward pass with
``course_utils.backward_steps``: the contributions that reach a reused tensor, in order.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import torch

from course_utils.checks import (
    Case,
    ChoiceExercise,
    FunctionExercise,
    Mistake,
    PropertyExercise,
    Run,
    register,
    wrong,
)
from course_utils.checks.answers import describe, read_numbers
from course_utils.checks.evidence import Raised, attempt
from course_utils.checks.labels import label_key
from course_utils.checks.mistakes import recognise
from course_utils.checks.tolerance import close

# --- 2.1: the grad_fn of four results ----------------------------------------------------------

NODE_NAMES = ("SqrtBackward0", "MulBackward0", "AddBackward0", "SubBackward0", "ExpBackward0",
              "AccumulateGrad", "None")
EXPRESSIONS = {  # name: (what the chapter shows, how to build it, the operations in the order they run)
    "r1": ("torch.sqrt(a * a + b * b)", lambda a, b: torch.sqrt(a * a + b * b),
           ("MulBackward0", "AddBackward0", "SqrtBackward0")),
    "r2": ("(a + b) * 2", lambda a, b: (a + b) * 2, ("AddBackward0", "MulBackward0")),
    "r3": ("(a * b).exp()", lambda a, b: (a * b).exp(), ("MulBackward0", "ExpBackward0")),
    "r4": ("a * b - b", lambda a, b: a * b - b, ("MulBackward0", "SubBackward0")),
}


def _grad_fn_names() -> list[str]:
    a = torch.tensor(3.0, requires_grad=True)
    b = torch.tensor(4.0, requires_grad=True)
    return [type(build(a, b).grad_fn).__name__ for _, build, _ in EXPRESSIONS.values()]


def _node_name(item: Any) -> str | None:
    """The node a learner's item names ("SqrtBackward0", "sqrtbackward", "<SqrtBackward0 object>"), or None."""
    if item is None:
        return "None"
    if isinstance(item, type):
        item = item.__name__
    if not isinstance(item, str):
        return None
    text = str.__str__(item).strip().strip("<>'\"").split(" object")[0]
    key = label_key(text)
    for name in NODE_NAMES:
        if key in (label_key(name), label_key(name.rstrip("0"))):
            return name
    return None


def _judge_grad_fn_names(answer: Any) -> Any:
    if isinstance(answer, dict):
        missing = [k for k in EXPRESSIONS if k not in dict.keys(answer)]
        if missing:
            return f"the dict has no entry for {', '.join(missing)}: give one name for each of r1, r2, r3, r4."
        items = [dict.__getitem__(answer, k) for k in EXPRESSIONS]
    elif isinstance(answer, (list, tuple)):
        items = list(answer)
    else:
        return f"expected a list of four names, one for each of r1, r2, r3, r4; this is {describe(answer)}."
    if len(items) != len(EXPRESSIONS):
        return f"expected four names, one for each of r1, r2, r3, r4, in that order; the list has {len(items)}."
    names = [_node_name(item) for item in items]
    for item, name in zip(items, names):
        if name is None:
            shown = repr(str.__str__(item))[:40] if isinstance(item, str) else describe(item)
            return (f"{shown} is not one of the node names listed in the exercise (write them as they print, "
                    "for example 'SinBackward0', as strings).")
    expected = _grad_fn_names()
    if names == expected:
        return None
    if "AccumulateGrad" in names:
        return LEAF_NODE
    if "None" in names:
        return NO_GRAD_FN
    operations = [ops for _, _, ops in EXPRESSIONS.values()]
    earlier = any(name != want and name in ops for name, want, ops in zip(names, expected, operations))
    return EARLIER_OPERATION if earlier else NOT_IN_EXPRESSION


EARLIER_OPERATION = Mistake(
    "at least one name belongs to an operation that ran before the last one of its expression: a result's "
    "grad_fn is the node of the operation that produced that very tensor.", name="grad_fn_is_an_earlier_operation")
NOT_IN_EXPRESSION = Mistake("at least one name is an operation that its expression does not contain.",
                            name="grad_fn_not_in_expression")
LEAF_NODE = Mistake("AccumulateGrad nodes belong to leaves (they write into .grad); a computed result never has "
                    "one as its grad_fn.", name="result_grad_fn_is_accumulate_grad")
NO_GRAD_FN = Mistake("a result computed from tensors that require grad always has a grad_fn.",
                     name="result_without_grad_fn")

# --- 2.2 and 2.3: predictions -------------------------------------------------------------------


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


# --- 2.4: walk next_functions down to the leaf --------------------------------------------------

def _leaf_of(t: torch.Tensor) -> torch.Tensor:
    node: Any = t.grad_fn
    while type(node).__name__ != "AccumulateGrad":
        node = next(fn for fn, _ in node.next_functions if fn is not None)
    return node.variable


def _catching(function: Callable[..., Any]) -> Callable[..., Any]:
    """The learner's walk, its errors kept for the judge: a None followed, or a walk stopped early, shows in them."""
    return lambda *args: attempt(function, *args)


def _chain(build: Callable[[torch.Tensor], torch.Tensor]) -> Callable[[], tuple]:
    def inputs() -> tuple:
        x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
        return (build(x),)
    return inputs


def _long_chain(x: torch.Tensor) -> torch.Tensor:
    y = x
    for k in range(25):
        y = (y * 1.01).sin() if k % 2 else y + 1
    return y.sum()


FOLLOWED_NONE = Mistake("the walk followed a None entry of next_functions: None stands for an input that does not "
                        "require grad, so skip it and follow the first entry whose node is not None.",
                        name="followed_none_entry")
RETURNED_NODE = Mistake("it returned the AccumulateGrad node itself; the leaf tensor is what that node writes into, "
                        "and the node keeps it as an attribute.", name="returned_accumulate_grad")
RETURNED_OTHER_NODE = Mistake("it returned a node of the graph, not a tensor: keep walking until the node is an "
                              "AccumulateGrad, then return the leaf it writes into.", name="stopped_at_a_node")
RETURNED_RESULT = Mistake("it returned the tensor it was given, not the leaf at the bottom of its graph.",
                          name="returned_the_result")
RETURNED_PAIR = Mistake("it returned a (node, index) pair from next_functions: the node is its first item.",
                        name="returned_a_pair")
STOPPED_EARLY = Mistake("the walk stopped before it reached an AccumulateGrad node: only that node keeps the leaf "
                        "(in the attribute the chapter showed).", name="stopped_too_early")
RETURNED_COPY = Mistake("it returned a copy of the leaf (equal numbers, another tensor): return the tensor the "
                        "AccumulateGrad node keeps, without .detach() or .clone().", name="returned_a_copy")


def _judge_leaf(run: Run) -> Any:
    (t,) = run.inputs
    leaf, got = _leaf_of(t), run.result
    if got is leaf:
        return None
    if isinstance(got, Raised):
        if got.says("NoneType"):
            return FOLLOWED_NONE
        if got.says("has no attribute 'variable'"):
            return STOPPED_EARLY
        got.reraise()
    if got is None:
        return "it returned None. Does the function end with a return of the leaf?"
    if isinstance(got, tuple) and len(got) == 2 and isinstance(got[1], int):
        return RETURNED_PAIR
    if type(got).__name__ == "AccumulateGrad":
        return RETURNED_NODE
    if hasattr(got, "next_functions"):
        return RETURNED_OTHER_NODE
    if not isinstance(got, torch.Tensor):
        return f"it returned {describe(got)}, not a tensor."
    if got is t:
        return RETURNED_RESULT
    if got.shape == leaf.shape and torch.equal(got.detach(), leaf.detach()):
        return RETURNED_COPY
    return f"it returned a tensor that is not the leaf of this graph ({describe(got)}, is_leaf={got.is_leaf})."


LEAF_CASES = [
    Case("(x * 2).exp().sum()", _chain(lambda x: (x * 2).exp().sum()), _judge_leaf),
    Case("x.sin(), a single operation", _chain(lambda x: x.sin()), _judge_leaf),
    Case("(torch.tensor(3.) * x).mean(), whose first input does not require grad",
         _chain(lambda x: (torch.tensor(3.0) * x).mean()), _judge_leaf),
    Case("(1 - x ** 2).neg().sum()", _chain(lambda x: (1 - x**2).neg().sum()), _judge_leaf),
    Case("a long chain (38 operations)", _chain(_long_chain), _judge_leaf),
    Case("x.reshape(3, 1).t().sum(), with view operations", _chain(lambda x: x.reshape(3, 1).t().sum()), _judge_leaf),
]


def _always_first(t: torch.Tensor) -> Any:
    node: Any = t.grad_fn
    while type(node).__name__ != "AccumulateGrad":
        node = node.next_functions[0][0]  # breaks on a constant first input: (None, 0)
    return node.variable


def _returns_node(t: torch.Tensor) -> Any:
    node: Any = t.grad_fn
    while type(node).__name__ != "AccumulateGrad":
        node = next(fn for fn, _ in node.next_functions if fn is not None)
    return node


def _returns_pair(t: torch.Tensor) -> Any:
    node: Any = t.grad_fn
    pair = None
    while type(node).__name__ != "AccumulateGrad":
        pair = next(p for p in node.next_functions if p[0] is not None)
        node = pair[0]
    return pair


def _returns_copy(t: torch.Tensor) -> Any:
    return _leaf_of(t).detach().clone()


def _recursive(t: torch.Tensor) -> Any:
    def down(node: Any) -> Any:
        if hasattr(node, "variable"):
            return node.variable
        return down(next(fn for fn, _ in node.next_functions if fn is not None))
    return down(t.grad_fn)


def _until_no_next(t: torch.Tensor) -> Any:
    node: Any = t.grad_fn
    while node.next_functions:  # an AccumulateGrad node has no next_functions
        node = [fn for fn, _ in node.next_functions if fn is not None][0]
    return node.variable


# --- 2.5: contributions arriving at a reused tensor ---------------------------------------------

def _contributions_to_q() -> list[float]:
    """What the nodes of f = (p + q) * q send to q, in the order torch runs them (at p = 1, q = 2)."""
    from course_utils.stepthrough import backward_steps

    p = torch.tensor(1.0, requires_grad=True)
    q = torch.tensor(2.0, requires_grad=True)
    steps = backward_steps((p + q) * q, {"p": p, "q": q})
    q_node = next(i for i, label in enumerate(steps.labels) if label == "q")
    return [float(g) for step in steps for target, g in step.sends if target == q_node and g is not None]


REVERSED = Mistake("the right contributions in the wrong order: the node that produced f runs first, and what it "
                   "sends arrives first.", name="contributions_reversed")
TOTAL_ONLY = Mistake("that is q.grad, the sum of the contributions; the exercise asks for each one, in the order "
                     "they arrive.", name="total_for_contributions")
ONE_NODE_SENDS = Mistake("these are what one node sends to its two inputs, not what reaches q from every node "
                         "that uses it.", name="one_node_for_contributions")
SEED_COUNTED = Mistake("the 1 is what backward() starts with at the node of f; it is not sent to q.",
                       name="seed_counted_as_contribution")
ONE_ONLY = Mistake("only one of the contributions: q is used twice in f, so two nodes send it a gradient.",
                   name="one_contribution_missing")


def _judge_contributions(answer: Any) -> Any:
    given = read_numbers(answer, max_elements=100)
    values, expected = given.values.reshape(-1), np.array(_contributions_to_q())
    if close(values, expected, eps=given.eps):
        return None
    mistake = recognise(given, [(REVERSED, expected[::-1]), (TOTAL_ONLY, expected.sum()),
                                *((ONE_ONLY, e) for e in expected),
                                (ONE_NODE_SENDS, np.full(expected.shape, expected[-1])),  # the addition's 2 and 2
                                (SEED_COUNTED, np.concatenate([[1.0], expected]))])
    if mistake is not None:
        return mistake
    if values.size != expected.size:
        return f"expected {expected.size} numbers, one for each contribution that reaches q; you gave {values.size}."
    return "these are not the contributions that reach q. Read them off the steps table (or the frames)."


register(
    PropertyExercise(
        id="graph_behind_autograd.name_the_grad_fn",
        title="the grad_fn of four results",
        hint="A result's grad_fn is the node of the operation that produced that very tensor. Python evaluates an "
             "expression from the inside out; the result comes out of whichever operation is evaluated last.",
        first_step="Take an expression that is not in the list, torch.sin(a).neg(): Python computes sin(a) first, "
                   "then negates it, so the result comes out of the negation and its grad_fn is NegBackward0. Do "
                   "the same for r1 to r4.",
        solution=_grad_fn_names,
        judge=_judge_grad_fn_names,
        kind="a list of four node names, for r1, r2, r3, r4 in that order",
        wrong_examples=[
            wrong(lambda: ["MulBackward0", "AddBackward0", "MulBackward0", "MulBackward0"], "ran before the last"),
            wrong(lambda: ["AddBackward0", "MulBackward0", "ExpBackward0", "SubBackward0"], "ran before the last"),
            wrong(lambda: ["SqrtBackward0", "MulBackward0", "ExpBackward0", "AccumulateGrad"], "belong to leaves"),
            wrong(lambda: ["SqrtBackward0", "SubBackward0", "ExpBackward0", "SubBackward0"], "does not contain"),
            wrong(lambda: ["SqrtBackward0", "MulBackward0", "ExpBackward0", None], "always has a grad_fn"),
            wrong(lambda: ["sqrt", "mul", "exp", "sub"], "not one of the node names"),
            wrong(lambda: "SqrtBackward0", "a list of four names"),
            wrong(lambda: ["SqrtBackward0", "MulBackward0"], "four names"),
        ],
        right_examples=[
            lambda: ("sqrtbackward0", "MulBackward", " ExpBackward0 ", "<SubBackward0 object at 0x7f00>"),
            lambda: {"r1": "SqrtBackward0", "r2": "MulBackward0", "r3": "ExpBackward0", "r4": "SubBackward0"},
            lambda: [type(torch.ones(1, requires_grad=True).sqrt().grad_fn), "MulBackward0", "ExpBackward0",
                     "SubBackward0"],
        ],
    ),
    ChoiceExercise(
        id="graph_behind_autograd.which_are_leaves",
        title="which tensors are leaves",
        hint="is_leaf is not the same as requires_grad. For each tensor ask one question: did an operation that "
             "autograd recorded produce it (then it has a grad_fn)? Everything else is a leaf.",
        first_step="Take h = w * x. w requires grad, so autograd records the multiplication and h gets a grad_fn: "
                   "h is not a leaf. Now ask the same question about each of the others, starting with x.",
        options=("w", "x", "b", "h", "out", "scale"),
        multiple=True,
        solution=_leaves,
        mistakes=[
            Mistake("a leaf is not the same as a tensor that requires grad: a tensor that autograd does not track "
                    "is a leaf too", lambda e: {"w", "b"}, name="leaf_means_requires_grad"),
            Mistake("being computed is not what makes a non-leaf: only a result that autograd recorded (it has a "
                    "grad_fn) is one, and an operation on untracked tensors records nothing",
                    lambda e: set(e) - {"scale"}, name="computed_means_non_leaf"),
            Mistake("these are the recorded results, the opposite of leaves: a leaf is a tensor at the bottom of "
                    "the graph, which no recorded operation produced", lambda e: {"h", "out"},
                    name="leaves_and_results_swapped"),
            Mistake("these are the recorded results, the opposite of leaves: a leaf is a tensor at the bottom of "
                    "the graph, which no recorded operation produced", lambda e: {"h", "out", "scale"},
                    name="leaves_and_results_swapped"),
            Mistake("the final result is where the graph starts (its root), not a leaf", lambda e: {"out"},
                    name="output_is_a_leaf"),
            Mistake("h = w * x counted as a leaf because x is plain data: one input that requires grad is enough "
                    "for autograd to record the product, so h has a grad_fn", lambda e: set(e) | {"h"},
                    name="one_untracked_input_makes_leaf"),
            Mistake("not every tensor is a leaf: a result that autograd recorded has a grad_fn and is not",
                    lambda e: {"w", "x", "b", "h", "out", "scale"}, name="everything_is_a_leaf"),
        ],
        wrong_examples=[wrong(lambda: {"w", "b"}, "does not track"), wrong(lambda: {"w", "x", "b"}, "being computed"),
                        wrong(lambda: {"out"}, "root"), wrong(lambda: {"h", "out", "scale"}, "opposite of leaves"),
                        wrong(lambda: {"w", "x", "b", "scale", "h"}, "one input that requires grad is enough"),
                        wrong(lambda: {"w", "x", "b", "h", "out", "scale"}, "not every tensor")],
        right_examples=[lambda: ["w", "x", "b", "scale"], lambda: {"W", "X", "B", "Scale"}],
    ),
    ChoiceExercise(
        id="graph_behind_autograd.predict_requires_grad",
        title="which results require grad",
        hint="For each result, ask two questions: does any input of its operation require grad, as a tensor with "
             "its history? And can the values it holds have a gradient at all? Look at the inputs' types, not "
             "at their values.",
        first_step="Take r2 = q * q. Its only input is q, created without requires_grad=True, so nothing is "
                   "recorded: r2 does not require grad. Ask the same two questions for each of the other four results.",
        options=("r1", "r2", "r3", "r4", "r5"),
        multiple=True,
        solution=_requiring_grad,
        mistakes=[
            Mistake("multiplying by zero does not switch tracking off: requires_grad follows which tensors went "
                    "in, not the values they hold", lambda e: set(e) - {"r3"}, name="zero_stops_tracking"),
            Mistake(".item() hands back a plain Python number with no history: adding it to an untracked tensor "
                    "records nothing", lambda e: set(e) | {"r4"}, name="item_keeps_history"),
            Mistake("a comparison gives True/False values, which have no gradient: its result never requires grad",
                    lambda e: set(e) | {"r5"}, name="comparison_requires_grad"),
            Mistake(".item() hands back a plain number with no history, and a comparison gives True/False values, "
                    "which have no gradient", lambda e: set(e) | {"r4", "r5"}, name="item_keeps_history"),
            Mistake("an operation whose inputs are all untracked records nothing: q * q does not require grad",
                    lambda e: set(e) | {"r2"}, name="untracked_inputs_tracked"),
            Mistake("a result requires grad only if an input requires grad; here only p does",
                    lambda e: {"r1", "r2", "r3", "r4", "r5"}, name="everything_requires_grad"),
        ],
        # {"r1", "r3", "r4"} and {"r1", "r3", "r5"} are tested in tests/chapters/test_02_graph_behind_autograd.py:
        # the "You gave" line of their messages repeats the right labels among the learner's own.
        wrong_examples=[wrong(lambda: {"r1"}, "multiplying by zero"), wrong(lambda: {"r1", "r2", "r3"}, "q * q"),
                        wrong(lambda: {"r1", "r2", "r3", "r4", "r5"}, "only if an input"),
                        wrong(lambda: {"r3"}, ""), wrong(lambda: {"r1", "r4"}, "")],
        right_examples=[lambda: ["r1", "r3"], lambda: ("R3", "r1")],
    ),
    FunctionExercise(
        id="graph_behind_autograd.walk_to_the_leaf",
        title="walk next_functions down to the leaf",
        hint="Start at t.grad_fn. An entry of next_functions is a pair (node, index), and a None node stands for "
             "an input that does not require grad: skip it. The walk ends at a node of type AccumulateGrad, which "
             "is not the leaf itself but keeps it as an attribute (the chapter shows which).",
        first_step="node = t.grad_fn, then a while loop that runs as long as type(node).__name__ is not "
                   "\"AccumulateGrad\"; inside it, pick the first pair of node.next_functions whose node is not None.",
        solution=lambda: _leaf_of,
        signature="leaf_of(t)",
        cases=LEAF_CASES,
        adapt=_catching,
        wrong_examples=[wrong(lambda: _always_first, "followed a None entry"),
                        wrong(lambda: _returns_node, "AccumulateGrad node itself"),
                        wrong(lambda: (lambda t: t.grad_fn.next_functions[0][0]), "not a tensor"),
                        wrong(lambda: (lambda t: t.grad_fn.next_functions[0][0].variable), "stopped before"),
                        wrong(lambda: (lambda t: t), "the tensor it was given"),
                        wrong(lambda: _returns_pair, "(node, index) pair"),
                        wrong(lambda: _returns_copy, "a copy of the leaf"),
                        wrong(lambda: _leaf_of(torch.ones(1, requires_grad=True) * 2), "pass the function itself")],
        right_examples=[lambda: _recursive, lambda: _until_no_next],
    ),
    PropertyExercise(
        id="graph_behind_autograd.contributions_to_q",
        title="the gradients that reach q in f = (p + q) · q",
        hint="q is used twice in f, so two nodes send it a gradient, and torch adds them up before AccumulateGrad "
             "writes q.grad. The steps table lists, step by step, what each node sends and to whom.",
        first_step="Do for f what the step-through cell did for e = (a · b) · d: make p and q as tracked tensors, "
                   "build f from them, and hand f with the names of the tensors to backward_steps; show_backward "
                   "prints the table of steps. In that table, q is named in the 'sends' column of more than one step.",
        solution=_contributions_to_q,
        judge=_judge_contributions,
        kind="the contributions to q, in the order they arrive, as a list of numbers",
        wrong_examples=[wrong(lambda: [2.0, 3.0], "wrong order"), wrong(lambda: 5.0, "sum of the contributions"),
                        wrong(lambda: [3.0], "only one"), wrong(lambda: [1.0, 3.0, 2.0], "starts with"),
                        wrong(lambda: [2.0, 2.0], "one node sends"), wrong(lambda: [3.0, 3.0], "not the contributions"),
                        wrong(lambda: [1.0, 2.0, 3.0], "expected 2 numbers")],
        right_examples=[lambda: torch.tensor([3.0, 2.0]), lambda: (3, 2), lambda: np.array([[3.0], [2.0]])],
    ),
)
