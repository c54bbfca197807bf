"""The backward step-through (course_utils.stepthrough) and its picture (course_utils.plots.backward).

The recorded steps must be torch's own backward pass: on random expressions (reused values,
broadcasting, matrix products, Python numbers), the leaves' gradients are bit for bit those of a
plain backward(), every node of the graph runs exactly once, in an order that respects the graph,
and what arrives at each node is the sum of what was sent to it.
"""
from __future__ import annotations

import re

import numpy as np
import pytest
import torch

import course_utils
from course_utils.graph import walk_graph
from course_utils.random_expressions import LEAF_SHAPES, evaluate, random_program
from course_utils.stepthrough import number_text



def run_program(program, arrays) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Chapter 14's random expressions (course_utils.random_expressions), on torch tensors: reused values,
    broadcasting, matrix products and Python numbers (2 * a, a + 1)."""
    leaves = {name: torch.tensor(array, requires_grad=True) for name, array in zip(LEAF_SHAPES, arrays)}
    return evaluate(program, list(leaves.values())), leaves


def expressions(count: int = 120):
    rng = np.random.default_rng(18)
    for k in range(count):
        program = random_program(rng, n_steps=int(rng.integers(1, 9)))
        arrays = [rng.uniform(-1, 1, shape) for shape in LEAF_SHAPES.values()]
        yield k, program, arrays


@pytest.mark.parametrize("k, program, arrays", list(expressions()), ids=[f"expr{k}" for k in range(120)])
def test_random_expressions_match_a_plain_backward(k, program, arrays) -> None:
    plain, plain_leaves = run_program(program, arrays)
    plain.backward()
    output, leaves = run_program(program, arrays)
    graph = walk_graph(output, leaves)
    steps = course_utils.backward_steps(output, leaves)

    for name, leaf in leaves.items():  # the result is not changed: bit for bit
        expected = plain_leaves[name].grad
        assert (leaf.grad is None) == (expected is None), name
        if expected is not None:
            assert torch.equal(leaf.grad, expected), name

    ran = [s.node for s in steps]
    assert sorted(ran) == list(range(len(graph))), "every node of the graph runs exactly once, and nothing else"
    assert [s.number for s in steps] == list(range(1, len(steps) + 1))
    assert ran[0] == 0, "the result's own node runs first"
    position = {node: n for n, node in enumerate(ran)}
    for node in graph:
        for child in node.children:
            assert position[node.index] < position[child], "a node runs only after every node that feeds it"

    for k_step, step in enumerate(steps):
        assert [target for target, _ in step.sends] == graph[step.node].children, "one send per edge"
        arrived = steps.arrived(step.node, k_step)
        (grad,) = [g for g in step.grad if g is not None]
        if k_step == 0:
            assert arrived == [] and torch.equal(grad, torch.ones_like(grad))
        else:  # what reaches a node is the sum of what was sent to it
            total = arrived[0].clone()
            for part in arrived[1:]:
                total = total + part
            assert torch.allclose(total, grad, rtol=1e-12, atol=1e-12)
        if graph[step.node].is_leaf:
            assert torch.equal(step.leaf_grad, graph[step.node].tensor.grad)
    table = steps.table()
    assert "0x" not in table and len(table.splitlines()) == len(steps) + 1


def _e():
    a, b, d = (torch.tensor(v, requires_grad=True) for v in (2.0, 3.0, 4.0))
    return a, b, d


def test_e_is_a_times_b_times_d_contributions_12_8_6() -> None:
    a, b, d = _e()
    steps = course_utils.backward_steps((a * b) * d, {"a": a, "b": b, "d": d})
    assert [s.label for s in steps] == ["MulBackward0 #1", "AccumulateGrad → d", "MulBackward0 #2",
                                        "AccumulateGrad → a", "AccumulateGrad → b"]
    assert [number_text(s.leaf_grad) for s in steps if s.leaf_grad is not None] == ["6", "12", "8"]
    assert [[number_text(g) for _, g in s.sends] for s in steps] == [["4", "6"], [], ["12", "8"], [], []]
    assert {name: steps.leaf_grads(2)[i] for i, name in enumerate(steps.labels) if steps.graph[i].is_leaf} == {
        "d": torch.tensor(6.0), "a": None, "b": None}
    assert (a.grad.item(), b.grad.item(), d.grad.item()) == (12.0, 8.0, 6.0)
    print(steps.table())


def test_table_is_deterministic_and_names_results() -> None:
    a, b, d = _e()
    c = a * b
    text = course_utils.backward_steps(c * d, {"a": a, "b": b, "c": c, "d": d}).table()
    assert text == (
        "step  node                gets  sends, or writes\n"
        "   1  MulBackward0           1  4 to c, 6 to d\n"
        "   2  AccumulateGrad → d     6  d.grad = 6\n"
        "   3  MulBackward0 (c)       4  12 to a, 8 to b\n"
        "   4  AccumulateGrad → a    12  a.grad = 12\n"
        "   5  AccumulateGrad → b     8  b.grad = 8")


def test_a_reused_value_gets_contributions_that_add_up() -> None:
    x = torch.tensor(3.0, requires_grad=True)
    steps = course_utils.backward_steps(x * x + x, {"x": x})
    assert steps.table().splitlines()[1:] == [
        "   1  AddBackward0                    1  1 to MulBackward0, 1 to x",
        "   2  MulBackward0                    1  3 to x, 3 to x",
        "   3  AccumulateGrad → x  1 + 3 + 3 = 7  x.grad = 7"]
    again = course_utils.backward_steps(x * x + x, {"x": x})  # .grad accumulates, as with backward()
    assert again.table().splitlines()[-1].endswith("x.grad = 14 (was 7)")
    assert x.grad.item() == 14.0


def test_recorded_gradients_are_copies_that_later_steps_do_not_change() -> None:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    first = course_utils.backward_steps((x * 3).sum(), {"x": x})
    course_utils.backward_steps((x * 3).sum(), {"x": x})  # accumulates in place into x.grad
    assert first[-1].leaf_grad.tolist() == [3.0, 3.0]
    assert x.grad.tolist() == [6.0, 6.0]


def test_gradient_argument_tensor_hooks_and_multi_output_nodes() -> None:
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    steps = course_utils.backward_steps(x * 3, {"x": x}, gradient=torch.tensor([1.0, 10.0, 100.0]))
    assert x.grad.tolist() == [3.0, 30.0, 300.0] and len(steps) == 2

    w = torch.tensor(2.0, requires_grad=True)
    h = w * 5
    h.register_hook(lambda g: g * 10)  # a learner's hook still acts, and the step shows its effect
    steps = course_utils.backward_steps(h * 1, {"w": w})
    assert w.grad.item() == 50.0
    assert [number_text(s.grad[0]) for s in steps] == ["1", "10", "50"]

    v = torch.arange(4.0, requires_grad=True)
    first, second = v.split(2)
    steps = course_utils.backward_steps((first * 2).sum() + (second**2).sum(), {"v": v})
    assert v.grad.tolist() == [2.0, 2.0, 4.0, 6.0]
    assert sorted(s.node for s in steps) == list(range(len(steps.graph)))


def test_a_leaf_on_its_own_and_retain_graph() -> None:
    x = torch.tensor(5.0, requires_grad=True)
    steps = course_utils.backward_steps(x, {"x": x})
    assert len(steps) == 1 and x.grad.item() == 1.0
    y = x * x
    course_utils.backward_steps(y, {"x": x}, retain_graph=True)
    course_utils.backward_steps(y, {"x": x})  # the graph was kept once
    assert x.grad.item() == 21.0


def test_bad_input_gets_a_clear_message() -> None:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"needs a scalar result .* shape \(2,\).*gradient="):
        course_utils.backward_steps(x * 2)
    with pytest.raises(ValueError, match="no graph to step through: it does not require grad"):
        course_utils.backward_steps(torch.ones(2).sum())
    with torch.no_grad():
        untracked = (x * 2).sum()
    with pytest.raises(ValueError, match="no graph"):
        course_utils.backward_steps(untracked)
    with pytest.raises(TypeError, match="not a float"):
        course_utils.backward_steps(3.0)
    with pytest.raises(TypeError, match="names must map a name to a tensor"):
        course_utils.backward_steps((x * 2).sum(), {"x": [1.0]})


def test_a_freed_graph_says_so_and_leaves_every_grad_as_it_was() -> None:
    a, b, d = _e()
    c = a * b
    c.backward()  # frees what c's node saved
    before = (a.grad.clone(), b.grad.clone())
    with pytest.raises(RuntimeError, match="already used by a backward\\(\\) and freed") as info:
        course_utils.backward_steps(c * d, {"a": a, "b": b, "d": d})  # d's gradient arrives before the failure
    assert "second time" in str(info.value.__cause__)
    assert d.grad is None and torch.equal(a.grad, before[0]) and torch.equal(b.grad, before[1])


def test_show_backward_headless_prints_the_table_and_shows_a_filmstrip(capsys, monkeypatch) -> None:
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, **kw: shown.append(obj))
    a, b, d = _e()
    steps = course_utils.backward_steps((a * b) * d, {"a": a, "b": b, "d": d})
    course_utils.plots.show_backward(steps, live=False)
    (figure,) = shown
    assert [ax.get_title(loc="left") for ax in figure.axes] == [
        f"step {k} of 5: {s.label}" for k, s in enumerate(steps, start=1)]
    assert capsys.readouterr().out.strip() == steps.table()
    width, _ = figure.get_size_inches()
    assert width <= 8.0, "two frames of 4 inches at most, so that 390 px still shows ~8 px text"

    shown.clear()
    course_utils.plots.show_backward(steps, live=True)
    (player,) = shown
    controls, image = player.children
    play, slider = controls.children
    assert (play.max, slider.max) == (5, 5) and image.value[:4] == b"\x89PNG"
    slider.value = 3  # moving the slider draws that frame
    assert image.value[:4] == b"\x89PNG"
    with pytest.raises(TypeError, match="what course_utils.backward_steps"):
        course_utils.plots.show_backward((a * b) * d)


def test_a_frame_highlights_the_node_that_runs_and_writes_the_gradients_sent() -> None:
    from course_utils.plots.backward import backward_filmstrip, draw_backward_step

    a, b, d = _e()
    steps = course_utils.backward_steps((a * b) * d, {"a": a, "b": b, "d": d})
    ax = draw_backward_step(steps, 3)
    texts = {t.get_text(): t for t in ax.texts}
    assert {"4", "6", "12", "8"} <= set(texts), "every gradient sent so far is written on its edge"
    current = texts["MulBackward0 #2"].get_bbox_patch()
    assert current.get_linewidth() == 3.0
    assert texts["a\ngrad = None"] and texts["d\ngrad = 6"]
    assert draw_backward_step(steps, 0).get_title(loc="left") == "before backward()"
    with pytest.raises(ValueError, match="between 0 and 5"):
        draw_backward_step(steps, 6)
    many = course_utils.backward_steps(torch.stack([a * k for k in range(1, 9)]).sum(), {"a": a})
    assert len(backward_filmstrip(many).axes) == 6
    assert re.match(r"step 1 of \d+", backward_filmstrip(many, frames=[1]).axes[0].get_title(loc="left"))


def test_the_filmstrip_is_stored_as_a_picture_when_it_is_the_first_figure() -> None:
    """A bare Figure displayed before pyplot chose its backend is stored as text only (chapters 03 and 14 hit it)."""
    import nbformat
    from nbclient import NotebookClient

    from coursetools.notebooks import apply_kernel_env

    apply_kernel_env()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "import torch, course_utils\n_ = course_utils.start_chapter(seed=0)\n"
        "x = torch.tensor(3.0, requires_grad=True)\n"
        "course_utils.plots.show_backward(course_utils.backward_steps(x * x + x, {'x': x}))")]
    NotebookClient(nb, kernel_name="python3", timeout=120).execute()
    pictures = [o for o in nb.cells[0].outputs if o.output_type == "display_data"]
    assert pictures and "image/png" in pictures[0].data
