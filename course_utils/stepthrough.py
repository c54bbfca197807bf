"""Watch torch's own backward pass, node by node.

Introduced in chapter 02 (on e = (a·b)·d, the order torch runs the nodes in); 03 shows the
vector-Jacobian product of each node, 04 and 14 a reused node whose contributions add up.

:func:`backward_steps` runs the real ``output.backward()`` with a hook just before and just after
every node of the graph. It records, in the order torch runs them, which node ran, the gradient that
arrived at it (the sum of everything sent to it), what it sent to each of its inputs, and, for a
leaf's ``AccumulateGrad``, the ``.grad`` it wrote. The hooks only look: afterwards every ``.grad`` is
exactly what a plain ``backward()`` gives. :func:`course_utils.plots.show_backward` draws the steps.

>>> a, b, d = (torch.tensor(v, requires_grad=True) for v in (2.0, 3.0, 4.0))
>>> c = a * b
>>> print(backward_steps(c * d, {"a": a, "b": b, "c": c, "d": d}).table())
step  node                gets  sends, or writes
   1  MulBackward0           1  4 to c, 6 to d
   2  AccumulateGrad → d     6  d.grad = 6
   3  MulBackward0 (c)       4  12 to a, 8 to b
   4  AccumulateGrad → a    12  a.grad = 12
   5  AccumulateGrad → b     8  b.grad = 8
"""
from __future__ import annotations

import re
from collections import Counter, deque
from dataclasses import dataclass
from typing import Any, Iterator, Mapping, Optional

import torch
from torch.autograd.graph import get_gradient_edge

from course_utils.graph import GraphNode, walk_graph

Grad = Optional[torch.Tensor]


@dataclass(frozen=True)
class Step:
    """One node as torch ran it. ``node`` is its index in :func:`~course_utils.graph.walk_graph` order."""

    number: int                            # 1, 2, ...: the order in which torch ran the nodes
    node: int
    label: str                             # "MulBackward0 (c)", "AccumulateGrad → a"
    grad: tuple[Grad, ...]                 # what arrived (torch's grad_outputs): the sum of all contributions
    sends: tuple[tuple[int, Grad], ...]    # (input's node, gradient), one per edge, in next_functions order
    leaf_grad: Grad = None                 # AccumulateGrad only: the leaf's .grad right after this step


def _copy(grad: Grad) -> Grad:
    return None if grad is None else grad.detach().clone()


def _nodes(root: Any) -> list[Any]:
    """The graph's nodes in walk_graph's order (breadth-first over next_functions, each node once)."""
    order, seen, queue = [root], {root}, deque([root])
    while queue:
        for child, _ in queue.popleft().next_functions:
            if child is not None and child not in seen:
                seen.add(child)
                order.append(child)
                queue.append(child)
    return order


def backward_steps(output: torch.Tensor, names: Mapping[str, torch.Tensor] | None = None, *,
                   gradient: torch.Tensor | None = None, retain_graph: bool = False) -> "BackwardSteps":
    """Run ``output.backward(gradient, retain_graph)`` and record every node it runs, in order.

    ``names`` maps names to tensors: leaves (as in ``draw_graph``) and, if you like, results
    such as ``c``, whose node is then labelled ``MulBackward0 (c)``.
    """
    if not isinstance(output, torch.Tensor):
        raise TypeError(f"backward_steps needs the tensor whose backward pass you want to see, not a "
                        f"{type(output).__name__}")
    if not output.requires_grad:
        raise ValueError("this tensor has no graph to step through: it does not require grad. Build it from "
                         "tensors created with requires_grad=True, outside torch.no_grad().")
    if gradient is None and output.numel() != 1:
        raise ValueError(f"backward() without a gradient needs a scalar result (one number), but this one has "
                         f"shape {tuple(output.shape)}. Reduce it first (.sum(), .mean()) or pass gradient=, "
                         "a tensor of the same shape (chapter 03).")
    graph = walk_graph(output, names)
    fns = _nodes(get_gradient_edge(output).node)
    if [type(fn).__name__ for fn in fns] != [
            "AccumulateGrad" if n.is_leaf else n.label for n in graph]:  # pragma: no cover - a torch change
        raise RuntimeError("backward_steps could not match torch's graph with walk_graph's")
    index = {fn: i for i, fn in enumerate(fns)}
    leaves = {i: fn.variable for i, fn in enumerate(fns) if hasattr(fn, "variable")}
    before = {i: _copy(leaf.grad) for i, leaf in leaves.items()}
    records: dict[int, dict] = {}
    order: list[int] = []

    def pre(i: int):
        def hook(grad_outputs):
            records[i] = {"grad": tuple(_copy(g) for g in grad_outputs)}
            order.append(i)
        return hook

    def post(i: int, targets: list):
        def hook(grad_inputs, grad_outputs):
            records[i]["sends"] = tuple((t, _copy(g)) for t, g in zip(targets, grad_inputs) if t is not None)
            if i in leaves:
                records[i]["leaf_grad"] = _copy(leaves[i].grad)
        return hook

    handles = []
    try:
        for i, fn in enumerate(fns):
            handles.append(fn.register_prehook(pre(i)))
            targets = [None if child is None else index[child] for child, _ in fn.next_functions]
            handles.append(fn.register_hook(post(i, targets)))
        output.backward(gradient, retain_graph=retain_graph)
    except RuntimeError as exc:
        with torch.no_grad():  # a backward that failed half-way: put every .grad back as it was
            for i, leaf in leaves.items():
                leaf.grad = before[i]
        if "second time" in str(exc):
            raise RuntimeError("the graph behind this result was already used by a backward() and freed, so "
                               "there is nothing left to step through. Compute the result again (re-run the "
                               "cell that builds it) and pass the new result.") from exc
        raise
    finally:
        for handle in handles:
            handle.remove()
    steps = [Step(n, i, "", records[i]["grad"], records[i].get("sends", ()), records[i].get("leaf_grad"))
             for n, i in enumerate(order, start=1)]
    return BackwardSteps(steps, graph, _labels(graph, fns, names or {}), before)


def _labels(graph: list[GraphNode], fns: list, names: Mapping[str, torch.Tensor]) -> list[str]:
    """Node names: a leaf's name, "MulBackward0 (c)" for a named result, "MulBackward0 #2" for repeats."""
    named = {t.grad_fn: name for name, t in names.items() if isinstance(t, torch.Tensor) and t.grad_fn is not None}
    plain = [n.label for n, fn in zip(graph, fns) if not n.is_leaf and fn not in named]
    repeats, seen = Counter(plain), Counter[str]()
    labels = []
    for n, fn in zip(graph, fns):
        if n.is_leaf or fn not in named and repeats[n.label] == 1:
            labels.append(n.label)
        elif fn in named:
            labels.append(f"{n.label} ({named[fn]})")
        else:
            seen[n.label] += 1
            labels.append(f"{n.label} #{seen[n.label]}")
    return labels


class BackwardSteps:
    """The recorded backward pass: ``len()``, iteration over :class:`Step` s, ``table()``.

    ``graph`` is the walk_graph layout, ``labels[i]`` node i's short name, ``grads_before`` each
    leaf's ``.grad`` before the pass (None, or what earlier passes left there).
    """

    def __init__(self, steps: list[Step], graph: list[GraphNode], labels: list[str],
                 grads_before: dict[int, Grad]) -> None:
        self.graph, self.labels, self.grads_before = graph, labels, grads_before
        # what an edge's gradient is sent to: a tensor's name where it has one, else its node's name
        self.targets = [re.sub(r"^\w+ \((.+)\)$", r"\1", label) for label in labels]
        self.steps = [Step(s.number, s.node, self.title(s.node), s.grad, s.sends, s.leaf_grad) for s in steps]

    def __len__(self) -> int:
        return len(self.steps)

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def __getitem__(self, k: int) -> Step:
        return self.steps[k]

    def title(self, node: int) -> str:
        return f"AccumulateGrad → {self.labels[node]}" if self.graph[node].is_leaf else self.labels[node]

    def leaf_grads(self, after: int) -> dict[int, Grad]:
        """Every leaf's ``.grad`` after the first ``after`` steps (0: before backward), by node index."""
        grads = dict(self.grads_before)
        for step in self.steps[:after]:
            if step.node in grads:
                grads[step.node] = step.leaf_grad
        return grads

    def arrived(self, node: int, after: int) -> list[torch.Tensor]:
        """The contributions sent to ``node`` by the first ``after`` steps, in the order they arrived."""
        return [g for s in self.steps[:after] for target, g in s.sends if target == node and g is not None]

    def table(self) -> str:
        """The steps as a short text table (numbers rounded to 4 significant digits)."""
        rows = [("step", "node", "gets", "sends, or writes")]
        for k, s in enumerate(self.steps):
            parts = self.arrived(s.node, k)
            gets = ", ".join(number_text(g) for g in s.grad if g is not None) or "None"
            if len(parts) > 1 and all(p.numel() == 1 for p in parts):
                gets = " + ".join(number_text(p) for p in parts) + " = " + gets
            if self.graph[s.node].is_leaf:
                was = self.grads_before[s.node]
                out = f"{self.labels[s.node]}.grad = {number_text(s.leaf_grad)}"
                out += "" if was is None else f" (was {number_text(was)})"
            else:
                out = ", ".join(f"{number_text(g)} to {self.targets[t]}" for t, g in s.sends) or "nothing"
            rows.append((str(s.number), s.label, gets, out))
        width = [max(len(r[c]) for r in rows) for c in range(3)]
        return "\n".join(f"{r[0]:>4}  {r[1]:<{width[1]}}  {r[2]:>{width[2]}}  {r[3]}".rstrip() for r in rows)

    def __repr__(self) -> str:
        return f"<BackwardSteps: {len(self)} steps>\n{self.table()}"


def number_text(value: Grad, digits: int = 4) -> str:
    """A gradient for reading: ``12``, ``0.3333``, ``[2.5, 5, 7.5, 10]``; at most four values of a tensor.

    >>> number_text(torch.tensor([1 / 3, -0.0, 2.0, 4.0, 8.0]))
    '[0.3333, 0, 2, …]'
    """
    if value is None:
        return "None"
    flat = value.detach().to("cpu", torch.float64).flatten().tolist()
    text = [f"{v + 0.0:.{digits}g}" for v in (flat if len(flat) <= 4 else flat[:3])]
    if len(flat) == 1 and value.dim() <= 1:
        return text[0]
    return "[" + ", ".join(text) + (", …]" if len(flat) > 4 else "]")
