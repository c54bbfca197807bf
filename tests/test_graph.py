"""The autograd-graph walker, its text form and its picture, on expressions with known graphs."""
from __future__ import annotations

import pytest
import torch

from course_utils.graph import graph_text, walk_graph
from course_utils.plots import draw_graph


def test_mean_of_squared_scaling_has_the_seed_chain() -> None:
    x = torch.rand(4, requires_grad=True)
    z = ((5 * x) ** 2).mean()
    assert [n.label for n in walk_graph(z, {"x": x})] == ["MeanBackward0", "PowBackward0", "MulBackward0", "x"]
    assert graph_text(z, {"x": x}).splitlines()[-1].strip() == "└─ AccumulateGrad → x (4,)"


def test_shared_subexpression_appears_once() -> None:
    a = torch.tensor(2.0, requires_grad=True)
    b = torch.tensor(3.0, requires_grad=True)
    c = a * b
    e = c * c + a
    nodes = walk_graph(e, {"a": a, "b": b})
    labels = [n.label for n in nodes]
    assert labels.count("MulBackward0") == 2  # c (shared) and c * c, each once
    assert labels.count("a") == 1
    assert "(shared, shown above)" in graph_text(e, {"a": a, "b": b})


def test_depth_places_each_node_below_its_parents() -> None:
    a = torch.tensor(2.0, requires_grad=True)
    e = (a * 3) * a
    nodes = walk_graph(e, {"a": a})
    for node in nodes:
        for child in node.children:
            assert nodes[child].depth > node.depth


def test_text_is_deterministic_and_shows_grads() -> None:
    a = torch.tensor(5.0, requires_grad=True)
    b = torch.tensor(6.0, requires_grad=True)
    y = a**3 - b**2 + 3
    before = graph_text(y, {"a": a, "b": b}, show_grad=True)
    assert "grad=None" in before
    y.backward()
    after = graph_text(y, {"a": a, "b": b}, show_grad=True)
    assert "a () grad=75.0" in after and "b () grad=-12.0" in after
    x = torch.ones(2, requires_grad=True)
    (3 * x).sum().backward()
    assert "x (2,) grad=[3.0, 3.0]" in graph_text(x * 1, {"x": x}, show_grad=True)
    assert after == graph_text(y, {"a": a, "b": b}, show_grad=True)


def test_tensor_without_graph_gets_a_clear_message() -> None:
    with pytest.raises(ValueError, match="does not require grad"):
        walk_graph(torch.ones(2) * 3)
    with pytest.raises(TypeError, match="torch.Tensor"):
        walk_graph([1.0, 2.0])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="names"):
        walk_graph(torch.ones(1, requires_grad=True) * 2, {"x": 3})  # type: ignore[dict-item]


def test_a_lone_leaf_is_a_graph_of_one_node() -> None:
    x = torch.ones(3, requires_grad=True)
    assert [n.label for n in walk_graph(x, {"x": x})] == ["x"]


def test_picture_has_one_box_per_node_and_one_arrow_per_edge() -> None:
    a = torch.tensor(5.0, requires_grad=True)
    b = torch.tensor(6.0, requires_grad=True)
    ax = draw_graph(a**3 - b**2, {"a": a, "b": b}, title="y")
    texts = sorted(t.get_text() for t in ax.texts if t.get_text())
    assert texts == ["PowBackward0", "PowBackward0", "SubBackward0", "a ()", "b ()"]
    arrows = [t for t in ax.texts if type(t).__name__ == "Annotation" and t.get_text() == ""]
    assert len(arrows) == 4
    assert ax.get_title() == "y"
