"""A picture of the autograd graph, drawn with matplotlib alone (no graphviz needed).

Introduced in chapter 01; chapter 02 uses it for every example. The output
tensor's ``grad_fn`` sits at the top; arrows point the way gradients flow, down to
the leaves (``AccumulateGrad``), which show their name, shape and, on request,
their current ``.grad``. The layout comes from :func:`course_utils.graph.walk_graph`,
so it is the same on every run.
"""
from __future__ import annotations

from typing import Any, Mapping

import torch

from course_utils.graph import describe_leaf, walk_graph
from course_utils.plots.style import PALETTE


def draw_graph(tensor: torch.Tensor, names: Mapping[str, torch.Tensor] | None = None,
               show_grad: bool = False, ax: Any = None, title: str | None = None) -> Any:
    """Draw the backward graph of ``tensor`` and return the matplotlib Axes.

    Op nodes are blue boxes named after their class (``MulBackward0``); leaves are
    orange boxes. ``names`` maps the names you use to the leaf tensors.

    >>> a = torch.tensor(5.0, requires_grad=True); b = torch.tensor(6.0, requires_grad=True)
    >>> ax = draw_graph(a**3 - b**2, {"a": a, "b": b})
    >>> sorted(t.get_text() for t in ax.texts if t.get_text())[:3]
    ['PowBackward0', 'PowBackward0', 'SubBackward0']
    """
    import matplotlib.pyplot as plt

    nodes = walk_graph(tensor, names)
    layers: dict[int, list[int]] = {}
    for node in nodes:
        layers.setdefault(node.depth, []).append(node.index)
    width = max(len(members) for members in layers.values())
    position = {}
    for depth, members in layers.items():
        for slot, index in enumerate(members):
            position[index] = (slot - (len(members) - 1) / 2, -depth)
    if ax is None:
        _, ax = plt.subplots(figsize=(max(4.0, 2.6 * width), 1.3 * (len(layers) + 0.4)))
    for node in nodes:
        for child in dict.fromkeys(node.children):  # one arrow per pair, even for a * a
            ax.annotate("", xy=position[child], xytext=position[node.index],
                        arrowprops=dict(arrowstyle="-|>", color="#555555", shrinkA=14, shrinkB=14, lw=1.3))
    for node in nodes:
        text = describe_leaf(node, show_grad) if node.is_leaf else node.label
        colour = PALETTE[1] if node.is_leaf else PALETTE[9]
        ax.text(*position[node.index], text, ha="center", va="center", fontsize=11, zorder=3,
                bbox=dict(boxstyle="round,pad=0.45", facecolor=colour, edgecolor="#333333", alpha=0.9))
    ax.set_xlim(-width / 2 - 0.2, width / 2 + 0.2)
    ax.set_ylim(-max(layers) - 0.6, 0.6)
    ax.axis("off")
    if title:
        ax.set_title(title)
    return ax
