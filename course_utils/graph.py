"""Walking the autograd graph behind a tensor, from its ``grad_fn`` down to the leaves.

``draw_graph`` (in :mod:`course_utils.plots.graph`) and :func:`graph_text` both
use :func:`walk_graph`, so the picture and the printed tree always agree. The
walk is breadth-first in ``next_functions`` order, which makes the layout and the
text the same on every run (no memory addresses anywhere).
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Mapping

import torch


@dataclass
class GraphNode:
    """One node: an op of the backward graph (``MulBackward0``) or a leaf tensor."""

    index: int
    label: str
    is_leaf: bool
    tensor: torch.Tensor | None = None
    children: list[int] = field(default_factory=list)
    depth: int = 0


def _leaf_label(tensor: torch.Tensor, names: Mapping[str, torch.Tensor]) -> str:
    for name, candidate in names.items():
        if candidate is tensor:
            return name
    return "leaf"


def walk_graph(tensor: torch.Tensor, names: Mapping[str, torch.Tensor] | None = None) -> list[GraphNode]:
    """The nodes of the backward graph of ``tensor``, root first; a shared node appears once.

    ``depth`` is the longest path from the root, so a node is always drawn below
    every node that feeds it a gradient.

    >>> x = torch.ones(2, requires_grad=True)
    >>> [n.label for n in walk_graph((5 * x).sum(), {"x": x})]
    ['SumBackward0', 'MulBackward0', 'x']
    """
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"walk_graph expected a torch.Tensor, got {type(tensor).__name__}")
    names = dict(names or {})
    bad = [k for k, v in names.items() if not isinstance(v, torch.Tensor)]
    if bad:
        raise TypeError(f"names must map a name to a tensor; {bad} map to something else")
    if tensor.grad_fn is None:
        if tensor.requires_grad:  # a leaf on its own: a graph of one node
            return [GraphNode(0, _leaf_label(tensor, names), True, tensor)]
        raise ValueError("this tensor has no autograd graph: it does not require grad. Build it from tensors "
                         "created with requires_grad=True, outside torch.no_grad().")
    nodes: list[GraphNode] = []
    seen: dict[object, int] = {}

    def node_for(fn: object) -> tuple[int, bool]:
        if fn in seen:
            return seen[fn], False
        variable = getattr(fn, "variable", None)  # AccumulateGrad holds its leaf tensor
        if variable is not None:
            label, leaf = _leaf_label(variable, names), True
        else:
            label, leaf = type(fn).__name__, False
        seen[fn] = len(nodes)
        nodes.append(GraphNode(len(nodes), label, leaf, variable))
        return seen[fn], True

    root, _ = node_for(tensor.grad_fn)
    queue = deque([tensor.grad_fn])
    while queue:
        fn = queue.popleft()
        parent = seen[fn]
        for child_fn, _ in getattr(fn, "next_functions", ()):
            if child_fn is None:  # an input that does not require grad
                continue
            child, new = node_for(child_fn)
            nodes[parent].children.append(child)  # one entry per edge: a * a lists a twice
            if new:
                queue.append(child_fn)
    _set_depths(nodes, root)
    return nodes


def _set_depths(nodes: list[GraphNode], root: int) -> None:
    """Longest-path depth from the root (the graph is a DAG, so relaxation terminates)."""
    order = _topological(nodes, root)
    for index in order:
        for child in nodes[index].children:
            nodes[child].depth = max(nodes[child].depth, nodes[index].depth + 1)


def _topological(nodes: list[GraphNode], root: int) -> list[int]:
    indegree = {n.index: 0 for n in nodes}
    for n in nodes:
        for c in n.children:
            indegree[c] += 1  # repeated edges count twice and are released twice
    ready, order = deque([root]), []
    while ready:
        i = ready.popleft()
        order.append(i)
        for c in nodes[i].children:
            indegree[c] -= 1
            if indegree[c] == 0:
                ready.append(c)
    return order


def describe_leaf(node: GraphNode, show_grad: bool = False) -> str:
    """"x (4,)" for a leaf, and its current gradient when ``show_grad`` is set."""
    assert node.tensor is not None
    text = f"{node.label} {tuple(node.tensor.shape)}"
    if show_grad:
        grad = node.tensor.grad
        if grad is None:
            text += " grad=None"
        elif grad.dim() == 0:
            text += f" grad={round(grad.item(), 4)}"
        else:
            values = [round(v, 4) for v in grad.detach().to("cpu").flatten().tolist()[:4]]
            text += f" grad={values}{'…' if grad.numel() > 4 else ''}"
    return text


def graph_text(tensor: torch.Tensor, names: Mapping[str, torch.Tensor] | None = None,
               show_grad: bool = False) -> str:
    """The backward graph as an indented tree; a node reached twice is marked, not repeated.

    >>> a = torch.tensor(2.0, requires_grad=True)
    >>> print(graph_text(a * a, {"a": a}))
    MulBackward0
    ├─ AccumulateGrad → a ()
    └─ AccumulateGrad → a () (shared, shown above)
    """
    nodes = walk_graph(tensor, names)
    lines: list[str] = []
    printed: set[int] = set()

    def label(node: GraphNode) -> str:
        return f"AccumulateGrad → {describe_leaf(node, show_grad)}" if node.is_leaf else node.label

    def visit(index: int, prefix: str, connector: str) -> None:
        node = nodes[index]
        if index in printed:
            lines.append(f"{prefix}{connector}{label(node)} (shared, shown above)")
            return
        printed.add(index)
        lines.append(f"{prefix}{connector}{label(node)}")
        child_prefix = prefix + ("" if not connector else ("│  " if connector == "├─ " else "   "))
        for k, child in enumerate(node.children):
            visit(child, child_prefix, "└─ " if k == len(node.children) - 1 else "├─ ")

    visit(0, "", "")
    return "\n".join(lines)

