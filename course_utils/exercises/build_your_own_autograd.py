"""Exercises of chapter 14, Build your own autograd.

Each exercise re-implements one piece of the chapter's NumPy engine as a separate function; the
judges call it on NumPy arrays (or on small graphs of nodes with a ``parents`` attribute) and
compare with torch.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import torch

from course_utils.checks import PropertyExercise, register


def _unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


def _same(given: Any, expected: torch.Tensor, what: str) -> str | None:
    """None when ``given`` has ``expected``'s shape and values, else a sentence saying how it differs."""
    array = np.asarray(given, dtype=np.float64)
    want = expected.detach().numpy()
    if array.shape != want.shape:
        return f"{what} has shape {array.shape}, but it should have shape {want.shape}."
    if not np.allclose(array, want, rtol=1e-6, atol=1e-9):
        return f"{what} has the right shape {want.shape} but the wrong values."
    return None


def _fn(f: Callable) -> Callable[[], Callable]:
    return lambda: f


# --- 14.1: the backward rule of division, with broadcasting -------------------------------------

def _div_backward(a: np.ndarray, b: np.ndarray, grad_out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return _unbroadcast(grad_out / b, a.shape), _unbroadcast(-grad_out * a / b**2, b.shape)


def _judge_div_backward(function: Any) -> str | None:
    if not callable(function):
        return "pass the function itself, for example check(..., my_div_backward)."
    rng = np.random.default_rng(14)
    for shape_a, shape_b in [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((), (2, 3)), ((2, 3), (2, 1))]:
        a = rng.uniform(-2, 2, shape_a)
        b = rng.uniform(0.5, 2, shape_b) * rng.choice([-1.0, 1.0], shape_b)
        grad_out = rng.normal(size=np.broadcast_shapes(shape_a, shape_b))
        a_t = torch.tensor(a, requires_grad=True)
        b_t = torch.tensor(b, requires_grad=True)
        ((a_t / b_t) * torch.tensor(grad_out)).sum().backward()  # = backward(grad_out)
        answer = function(a.copy(), b.copy(), grad_out.copy())
        if not isinstance(answer, (tuple, list)) or len(answer) != 2:
            return "the function should return two arrays: (grad_a, grad_b)."
        for given, expected, name, shape in [(answer[0], a_t.grad, "grad_a", shape_a),
                                             (answer[1], b_t.grad, "grad_b", shape_b)]:
            problem = _same(given, expected, name)
            if problem:
                return f"for a of shape {shape_a} and b of shape {shape_b}: {problem}"
    return None


# --- 14.2: un-broadcasting ----------------------------------------------------------------------

def _judge_unbroadcast(function: Any) -> str | None:
    if not callable(function):
        return "pass the function itself, for example check(..., my_unbroadcast)."
    rng = np.random.default_rng(14)
    cases = [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 4), (3, 1)), ((3, 4), (1, 4)), ((3, 4), ()),
             ((2, 3, 4), (3, 1)), ((2, 3, 4), (2, 1, 4)), ((5,), (1,)), ((2, 3, 4), (1, 1))]
    for grad_shape, shape in cases:
        grad = rng.normal(size=grad_shape)
        x = torch.zeros(shape, dtype=torch.float64, requires_grad=True)
        (torch.broadcast_to(x, grad_shape) * torch.tensor(grad)).sum().backward()
        problem = _same(function(grad.copy(), shape), x.grad, "the result")
        if problem:
            return f"un-broadcasting a gradient of shape {grad_shape} to shape {shape}: {problem}"
    return None


def _unbroadcast_leading_only(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    return grad


def _unbroadcast_stretched_only(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


# --- 14.3: the backward of a sum over one axis --------------------------------------------------

def _sum_backward(grad_out: np.ndarray, shape: tuple[int, ...], axis: int) -> np.ndarray:
    return np.broadcast_to(np.expand_dims(grad_out, axis), shape).copy()


def _judge_sum_backward(function: Any) -> str | None:
    if not callable(function):
        return "pass the function itself, for example check(..., my_sum_backward)."
    rng = np.random.default_rng(14)
    for shape, axis in [((3, 4), 0), ((3, 4), 1), ((3, 3), 1), ((2, 3, 4), 1), ((2, 3, 4), -1), ((4, 4), 0)]:
        a = torch.tensor(rng.normal(size=shape), requires_grad=True)
        out = a.sum(dim=axis)
        grad_out = rng.normal(size=tuple(out.shape))
        (out * torch.tensor(grad_out)).sum().backward()
        problem = _same(function(grad_out.copy(), shape, axis), a.grad, "the gradient")
        if problem:
            return f"for a of shape {shape} summed over axis {axis}: {problem}"
    return None


# --- 14.4: an iterative topological order -------------------------------------------------------

class _Node:
    """A stand-in for the chapter's Value: only ``parents`` matters to a topological order."""

    def __init__(self, name: str, parents: tuple["_Node", ...] = ()):
        self.name = name
        self.parents = parents

    def __repr__(self) -> str:
        return f"node {self.name}"


def _test_graphs() -> list[tuple[str, _Node]]:
    a = _Node("a")
    b = _Node("b", (a,))
    c = _Node("c", (a, b))
    diamond = _Node("d", (c, c))  # c used twice, a reached by two paths of different lengths
    rng = np.random.default_rng(14)
    nodes: list[_Node] = []
    for i in range(40):
        k = int(rng.integers(0, min(i, 3) + 1))
        parents = tuple(nodes[int(j)] for j in rng.choice(i, size=k, replace=True)) if k else ()
        nodes.append(_Node(f"n{i}", parents))
    chain = _Node("x")
    for i in range(5000):
        chain = _Node(f"c{i}", (chain, _Node(f"k{i}")))
    return [("a small graph with a reused node", diamond), ("a random graph of 40 nodes", nodes[-1]),
            ("a chain of 5000 operations", chain)]


def _reachable(root: _Node) -> dict[int, _Node]:
    seen, stack = {id(root): root}, [root]
    while stack:
        for parent in stack.pop().parents:
            if id(parent) not in seen:
                seen[id(parent)] = parent
                stack.append(parent)
    return seen


def _judge_topological_order(function: Any) -> str | None:
    if not callable(function):
        return "pass the function itself, for example check(..., my_topological_order)."
    for description, root in _test_graphs():
        try:
            order = function(root)
        except RecursionError:
            return (f"on {description} the function hit Python's recursion limit: keep the nodes still to visit "
                    "in a list of your own instead of calling the function recursively.")
        if not isinstance(order, (list, tuple)):
            return "the function should return a list of nodes."
        reachable = _reachable(root)
        ids = [id(node) for node in order]
        if len(set(ids)) != len(ids):
            return f"on {description} some nodes appear more than once; each must appear exactly once."
        if set(ids) != set(reachable):
            return f"on {description} the list does not hold exactly the nodes the root depends on (itself included)."
        position = {node_id: index for index, node_id in enumerate(ids)}
        for node in order:
            for parent in node.parents:
                if position[id(parent)] < position[id(node)]:
                    return (f"on {description}, {parent!r} comes before {node!r}, which was computed from it: "
                            "every node must come before its parents (the root first).")
    return None


def _topological_order(root: _Node) -> list[_Node]:
    """Kahn's algorithm: a node is ready once every node computed from it has been placed."""
    reachable = _reachable(root)
    users = {node_id: 0 for node_id in reachable}
    for node in reachable.values():
        for parent in node.parents:
            users[id(parent)] += 1
    order, ready = [], [root]
    while ready:
        node = ready.pop()
        order.append(node)
        for parent in node.parents:
            users[id(parent)] -= 1
            if users[id(parent)] == 0:
                ready.append(parent)
    return order


def _recursive_order(root: _Node) -> list[_Node]:
    order: list[_Node] = []
    visited: set[int] = set()

    def visit(node: _Node) -> None:
        if id(node) in visited:
            return
        visited.add(id(node))
        for parent in node.parents:
            visit(parent)
        order.append(node)

    visit(root)
    return order[::-1]


def _breadth_first(root: _Node) -> list[_Node]:
    order, seen, queue = [], {id(root)}, [root]
    while queue:
        node = queue.pop(0)
        order.append(node)
        for parent in node.parents:
            if id(parent) not in seen:
                seen.add(id(parent))
                queue.append(parent)
    return order


def _no_dedupe(root: _Node) -> list[_Node]:
    order, stack = [], [root]
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(node.parents)
        if len(order) > 20000:
            break
    return order


def _leaves_first(root: _Node) -> list[_Node]:
    return _topological_order(root)[::-1]


register(
    PropertyExercise(
        id="build_your_own_autograd.div_backward",
        title="the backward rule of a / b, with broadcasting",
        hint="Two slips are common. The derivative with respect to b: write a / b as a · b⁻¹ and differentiate "
             "the power, keeping its sign and its exponent. And broadcasting: each gradient, once multiplied by "
             "grad_out, must be summed back to its own operand's shape.",
        solution=_fn(_div_backward),
        judge=_judge_div_backward,
        kind="a function my_div_backward(a, b, grad_out) -> (grad_a, grad_b), NumPy arrays shaped like a and b",
        wrong_examples=[_fn(lambda a, b, g: (g / b, -g * a / b**2)),
                        _fn(lambda a, b, g: (_unbroadcast(g / b, a.shape), _unbroadcast(g * a / b**2, b.shape))),
                        _fn(lambda a, b, g: (_unbroadcast(g / b, a.shape), _unbroadcast(-g * a / b, b.shape))),
                        _fn(lambda a, b, g: (_unbroadcast(-g * a / b**2, a.shape), _unbroadcast(g / b, b.shape)))],
    ),
    PropertyExercise(
        id="build_your_own_autograd.unbroadcast",
        title="un-broadcast a gradient back to an operand's shape",
        hint="Broadcasting does two things, and both must be undone by summing: it adds axes in front (sum them "
             "away) and it stretches axes of size 1 (sum them with keepdims=True).",
        solution=_fn(_unbroadcast),
        judge=_judge_unbroadcast,
        kind="a function my_unbroadcast(grad, shape) -> NumPy array of that shape",
        wrong_examples=[_fn(_unbroadcast_leading_only), _fn(_unbroadcast_stretched_only),
                        _fn(lambda grad, shape: grad), _fn(lambda grad, shape: np.full(shape, grad.mean()))],
    ),
    PropertyExercise(
        id="build_your_own_autograd.sum_backward",
        title="the backward of a sum over one axis",
        hint="Every element of a contributes with slope 1 to the sum it belongs to, so the gradient is grad_out "
             "copied along the summed axis. Put the axis back first (np.expand_dims): broadcasting lines up "
             "trailing axes, which silently transposes a square result.",
        solution=_fn(_sum_backward),
        judge=_judge_sum_backward,
        kind="a function my_sum_backward(grad_out, shape, axis) -> NumPy array of that shape",
        wrong_examples=[_fn(lambda g, shape, axis: np.broadcast_to(g, shape).copy()),
                        _fn(lambda g, shape, axis: np.ones(shape)),
                        _fn(lambda g, shape, axis: np.broadcast_to(np.expand_dims(g, axis), shape) / shape[axis]),
                        _fn(lambda g, shape, axis: g)],
    ),
    PropertyExercise(
        id="build_your_own_autograd.topological_order",
        title="an iterative topological order of the graph",
        hint="A node's gradient is complete only once every node computed from it has passed its share back, so "
             "each node must come before all of its parents, and appear once. Recursion fails on deep graphs: "
             "keep your own list of nodes to visit.",
        solution=_fn(_topological_order),
        judge=_judge_topological_order,
        kind="a function my_topological_order(root) -> list of nodes, the root first",
        wrong_examples=[_fn(_recursive_order), _fn(_breadth_first), _fn(_no_dedupe), _fn(_leaves_first)],
    ),
)
