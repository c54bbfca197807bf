"""Chapter 14's exercises, tried the way beginners answer them.

Each attempt is what a learner types in place of the exercise's ``raise NotImplementedError`` line of
the learner edition; the test runs the whole exercise cell (its own ``check(...)`` line included) in a
namespace that holds what the chapter's earlier cells define, and asserts what the check says: the
named mistake it records, or that a right answer in another form passes. Further tests hold the
chapter's own claims: the engine's line count as the text states it, and the ``Value`` cell that can be
run again without losing its operators.
"""
from __future__ import annotations

import ast
import contextlib
import io
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import course_utils  # noqa: E402
from course_utils.checks import WrongAnswer, check, reset_attempts  # noqa: E402
from coursetools.notebooks import NOTEBOOK_DIR  # noqa: E402
from beginner_attempts import ACCEPTED, Attempt, run_typed  # noqa: E402

CHAPTER = "14_build_your_own_autograd"


ATTEMPTS = [
    # 14.1: the backward rule of a / b
    Attempt("div_backward", "not un-broadcast", """
def my_div_backward(a, b, grad_out):
    return grad_out / b, -grad_out * a / b**2""", "gradient_not_unbroadcast"),
    Attempt("div_backward", "the minus sign lost", """
def my_div_backward(a, b, grad_out):
    return unbroadcast(grad_out / b, a.shape), unbroadcast(grad_out * a / b**2, b.shape)""", "sign_of_b_derivative"),
    Attempt("div_backward", "b instead of b squared", """
def my_div_backward(a, b, grad_out):
    return unbroadcast(grad_out / b, a.shape), unbroadcast(-grad_out * a / b, b.shape)""", "square_of_b_missing"),
    Attempt("div_backward", "the factor a lost", """
def my_div_backward(a, b, grad_out):
    return unbroadcast(grad_out / b, a.shape), unbroadcast(-grad_out / b**2, b.shape)""", "factor_a_missing"),
    Attempt("div_backward", "swapped", """
def my_div_backward(a, b, grad_out):
    return unbroadcast(-grad_out * a / b**2, b.shape), unbroadcast(grad_out / b, a.shape)""", "gradients_swapped"),
    Attempt("div_backward", "the rule of a product", """
def my_div_backward(a, b, grad_out):
    return unbroadcast(grad_out * b, a.shape), unbroadcast(-grad_out * a / b**2, b.shape)""",
            "rule_of_multiplication"),
    Attempt("div_backward", "grad_out forgotten", """
def my_div_backward(a, b, grad_out):
    ones = np.ones_like(grad_out)
    return unbroadcast(ones / b, a.shape), unbroadcast(-ones * a / b**2, b.shape)""",
            "grad_out_forgotten"),
    Attempt("div_backward", "grad_out forgotten in grad_b only", """
def my_div_backward(a, b, grad_out):
    return unbroadcast(grad_out / b, a.shape), unbroadcast(-a / b**2, b.shape)""", "grad_out_forgotten"),
    Attempt("div_backward", "each summed to the other's shape", """
def my_div_backward(a, b, grad_out):
    return unbroadcast(grad_out / b, b.shape), unbroadcast(-grad_out * a / b**2, a.shape)""",
            "unbroadcast_to_the_other_shape"),
    Attempt("div_backward", "only grad_a returned", """
def my_div_backward(a, b, grad_out):
    return unbroadcast(grad_out / b, a.shape)""", "~it should return two arrays"),
    Attempt("div_backward", "b squared taken as one number, its mean", """
def my_div_backward(a, b, grad_out):
    return unbroadcast(grad_out / b, a.shape), unbroadcast(-grad_out * a / np.mean(b**2), b.shape)""",
            "~on a and b of shape (3, 4), grad_b has the right shape but the wrong values"),
    Attempt("div_backward", "right, with b**-2 and a list", """
def my_div_backward(a, b, grad_out):
    return [unbroadcast(grad_out * b**-1, a.shape), unbroadcast(-grad_out * a * b**-2, b.shape)]""", ACCEPTED),
    Attempt("div_backward", "right, through torch", """
def my_div_backward(a, b, grad_out):
    a_t = torch.tensor(a, requires_grad=True)
    b_t = torch.tensor(b, requires_grad=True)
    (a_t / b_t).backward(torch.tensor(grad_out))
    return a_t.grad, b_t.grad""", ACCEPTED),
    # 14.2: un-broadcasting
    Attempt("unbroadcast", "only the added axes", """
def my_unbroadcast(grad, shape):
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    return grad""", "stretched_axes_not_summed"),
    Attempt("unbroadcast", "only the stretched axes", """
def my_unbroadcast(grad, shape):
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad""", "added_axes_not_summed"),
    Attempt("unbroadcast", "no keepdims", """
def my_unbroadcast(grad, shape):
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in reversed(list(enumerate(shape))):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis)
    return grad""", "keepdims_forgotten"),
    Attempt("unbroadcast", "mean instead of sum", """
def my_unbroadcast(grad, shape):
    while grad.ndim > len(shape):
        grad = grad.mean(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.mean(axis=axis, keepdims=True)
    return grad""", "averaged_not_summed"),
    Attempt("unbroadcast", "axes lined up from the left", """
def my_unbroadcast(grad, shape):
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    return grad""", "aligned_from_the_left"),
    Attempt("unbroadcast", "nothing summed", "def my_unbroadcast(grad, shape):\n    return grad",
            "stretched_axes_not_summed"),
    Attempt("unbroadcast", "reshaped instead of summed", """
def my_unbroadcast(grad, shape):
    return grad.reshape(shape)""", "~your code raised ValueError"),
    Attempt("unbroadcast", "the chapter's own, which trusts its caller", "my_unbroadcast = unbroadcast",
            "impossible_shape_accepted"),
    Attempt("unbroadcast", "only too many axes refused", """
def my_unbroadcast(grad, shape):
    if len(shape) > grad.ndim:
        raise ValueError("too many axes")
    return unbroadcast(grad, shape)""", "impossible_shape_accepted"),
    Attempt("unbroadcast", "refused with assert", """
def my_unbroadcast(grad, shape):
    assert np.broadcast_shapes(shape, grad.shape) == grad.shape
    return unbroadcast(grad, shape)""", "wrong_exception_type"),
    Attempt("unbroadcast", "the rule checked from the left", """
def my_unbroadcast(grad, shape):
    for size, full in zip(shape, grad.shape):
        if size not in (1, full):
            raise ValueError(f"{shape} cannot broadcast to {grad.shape}")
    return unbroadcast(grad, shape)""", "aligned_from_the_left"),
    Attempt("unbroadcast", "impossible axes ignored when they are not 1", """
def my_unbroadcast(grad, shape):
    if len(shape) > grad.ndim:
        raise ValueError("too many axes")
    grad = grad.sum(axis=tuple(range(grad.ndim - len(shape))))
    for axis, size in enumerate(shape):
        if size == 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad""", "impossible_shape_accepted"),
    Attempt("unbroadcast", "the rule without its 1: every axis must equal the gradient's", """
def my_unbroadcast(grad, shape):
    for size, full in zip(reversed(shape), reversed(grad.shape)):
        if size != full:
            raise ValueError(f"{shape} cannot broadcast to {grad.shape}")
    return unbroadcast(grad, shape)""", "valid_shape_refused"),
    Attempt("unbroadcast", "the added axes or the stretched ones, never both", """
def my_unbroadcast(grad, shape):
    if grad.ndim > len(shape):
        while grad.ndim > len(shape):
            grad = grad.sum(axis=0)
    else:
        for axis, size in enumerate(shape):
            if size == 1 and grad.shape[axis] != 1:
                grad = grad.sum(axis=axis, keepdims=True)
    return grad""", "stretched_axes_not_summed"),
    Attempt("unbroadcast", "the first copy kept instead of the sum of all copies", """
def my_unbroadcast(grad, shape):
    if np.broadcast_shapes(shape, grad.shape) != grad.shape:
        raise ValueError(f"{shape} does not broadcast to {grad.shape}")
    while grad.ndim > len(shape):
        grad = grad[0]
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.take([0], axis=axis)
    return grad""", "~on a gradient of shape (3, 4) for an operand of shape (3, 1), it returned the right shape but "
                    "the wrong values."),
    Attempt("unbroadcast", "right, with np.broadcast_shapes and tuples of axes", """
def my_unbroadcast(grad, shape):
    if np.broadcast_shapes(shape, grad.shape) != grad.shape:
        raise ValueError(f"{shape} does not broadcast to {grad.shape}")
    grad = grad.sum(axis=tuple(range(grad.ndim - len(shape))))
    axes = tuple(i for i, size in enumerate(shape) if size == 1)
    return grad.sum(axis=axes, keepdims=True)""", ACCEPTED),
    Attempt("unbroadcast", "right, the rule by hand, then the chapter's function", """
def my_unbroadcast(grad, shape):
    if len(shape) > grad.ndim:
        raise ValueError(f"{shape} has more axes than {grad.shape}")
    for size, full in zip(reversed(shape), reversed(grad.shape)):
        if size != 1 and size != full:
            raise ValueError(f"{shape} cannot broadcast to {grad.shape}")
    return unbroadcast(grad, shape)""", ACCEPTED),
    # 14.3: the backward of a sum over one axis
    Attempt("sum_backward", "broadcast_to straight away", """
def my_sum_backward(grad_out, shape, axis):
    return np.broadcast_to(grad_out, shape)""", "copied_along_the_wrong_axis"),
    Attempt("sum_backward", "ones", "def my_sum_backward(grad_out, shape, axis):\n    return np.ones(shape)",
            "grad_out_ignored"),
    Attempt("sum_backward", "divided as for a mean", """
def my_sum_backward(grad_out, shape, axis):
    return np.expand_dims(grad_out, axis) * np.ones(shape) / shape[axis]""", "mean_not_sum"),
    Attempt("sum_backward", "grad_out as it came", "def my_sum_backward(grad_out, shape, axis):\n    return grad_out",
            "not_expanded"),
    Attempt("sum_backward", "the axis back, not copied", """
def my_sum_backward(grad_out, shape, axis):
    return np.expand_dims(grad_out, axis)""", "not_copied_along_the_axis"),
    Attempt("sum_backward", "tiled as rows", """
def my_sum_backward(grad_out, shape, axis):
    return np.tile(grad_out, (shape[axis], 1))""", "copied_along_the_wrong_axis"),
    Attempt("sum_backward", "right, repeat", """
def my_sum_backward(grad_out, shape, axis):
    return np.repeat(np.expand_dims(grad_out, axis), shape[axis], axis=axis)""", ACCEPTED),
    Attempt("sum_backward", "right, a read-only broadcast view", """
def my_sum_backward(grad_out, shape, axis):
    return np.broadcast_to(np.expand_dims(grad_out, axis), shape)""", ACCEPTED),
    # 14.4: a topological order
    Attempt("topological_order", "recursive", """
def my_topological_order(root):
    order, seen = [], set()
    def visit(node):
        if node not in seen:
            seen.add(node)
            for parent in node.parents:
                visit(parent)
            order.append(node)
    visit(root)
    return order[::-1]""", "recursive_order"),
    Attempt("topological_order", "breadth first", """
def my_topological_order(root):
    order, seen, queue = [], {root}, [root]
    while queue:
        node = queue.pop(0)
        order.append(node)
        for parent in node.parents:
            if parent not in seen:
                seen.add(parent)
                queue.append(parent)
    return order""", "placed_before_a_user"),
    Attempt("topological_order", "depth first, placed when popped", """
def my_topological_order(root):
    order, seen, stack = [], set(), [root]
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            order.append(node)
            stack.extend(node.parents)
    return order""", "placed_before_a_user"),
    Attempt("topological_order", "depth first, marked when pushed", """
def my_topological_order(root):
    order, seen, stack = [], {root}, [root]
    while stack:
        node = stack.pop()
        order.append(node)
        for parent in node.parents:
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return order""", "placed_before_a_user"),
    Attempt("topological_order", "no visited set", """
def my_topological_order(root):
    order, stack = [], [root]
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(node.parents)
    return order""", "node_listed_twice"),
    Attempt("topological_order", "Kahn, counting distinct users", """
def my_topological_order(root):
    users, stack, seen = {}, [root], {root}
    while stack:
        node = stack.pop()
        for parent in set(node.parents):
            users[parent] = users.get(parent, 0) + 1
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    order, ready = [], [root]
    while ready:
        node = ready.pop()
        order.append(node)
        for parent in node.parents:
            users[parent] -= 1
            if users[parent] == 0:
                ready.append(parent)
    return order""", "placed_before_a_user"),
    Attempt("topological_order", "Kahn, uncounting each parent once", """
def my_topological_order(root):
    users, stack, seen = {}, [root], {root}
    while stack:
        for parent in stack.pop().parents:
            users[parent] = users.get(parent, 0) + 1
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    order, ready = [], [root]
    while ready:
        node = ready.pop()
        order.append(node)
        for parent in set(node.parents):
            users[parent] -= 1
            if users[parent] == 0:
                ready.append(parent)
    return order""", "node_missing"),
    Attempt("topological_order", "leaves first", """
def my_topological_order(root):
    return topological_order(root)[::-1]""", "leaves_first"),
    Attempt("topological_order", "a set", """
def my_topological_order(root):
    return set(topological_order(root))""", "~it should return a list of nodes"),
    Attempt("topological_order", "Kahn started from every node counted 0, the root never counted", """
def my_topological_order(root):
    uses, stack, seen = {}, [root], {root}
    while stack:
        for parent in stack.pop().parents:
            uses[parent] = uses.get(parent, 0) + 1
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    order, ready = [], [node for node in seen if uses[node] == 0]
    while ready:
        node = ready.pop()
        order.append(node)
        for parent in node.parents:
            uses[parent] -= 1
            if uses[parent] == 0:
                ready.append(parent)
    return order""", "~on a single leaf (the root has no parents), your code raised KeyError: node x."),
    Attempt("topological_order", "the chapter's own sort", "my_topological_order = topological_order",
            "not_kahns_algorithm"),
    Attempt("topological_order", "by longest distance from the root", """
def my_topological_order(root):
    depth, stack = {root: 0}, [root]
    while stack:
        node = stack.pop()
        for parent in node.parents:
            if depth.get(parent, -1) < depth[node] + 1:
                depth[parent] = depth[node] + 1
                stack.append(parent)
    return sorted(depth, key=depth.get)""", "not_kahns_algorithm"),
    Attempt("topological_order", "Kahn, counting distinct users, releasing parents last to first", """
def my_topological_order(root):
    users, stack, seen = {}, [root], {root}
    while stack:
        node = stack.pop()
        for parent in set(node.parents):
            users[parent] = users.get(parent, 0) + 1
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    order, ready = [], [root]
    while ready:
        node = ready.pop()
        order.append(node)
        for parent in reversed(node.parents):
            users[parent] -= 1
            if users[parent] == 0:
                ready.append(parent)
    return order""", "~on x used twice by p = x·x and once by q = -x, y = p + q, a node placed before"),
    Attempt("topological_order", "right, Kahn with a queue", """
def my_topological_order(root):
    uses, stack, seen = {}, [root], {root}
    while stack:
        for parent in stack.pop().parents:
            uses[parent] = uses.get(parent, 0) + 1
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    order, ready = [], [root]
    while ready:
        node = ready.pop(0)
        order.append(node)
        for parent in node.parents:
            uses[parent] -= 1
            if uses[parent] == 0:
                ready.append(parent)
    return order""", ACCEPTED),
    Attempt("topological_order", "right, Kahn with collections.Counter and a deque", """
from collections import Counter, deque
def my_topological_order(root):
    uses, todo, seen = Counter(), [root], {root}
    while todo:
        node = todo.pop()
        uses.update(node.parents)
        for parent in node.parents:
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    order, ready = [], deque([root])
    while ready:
        node = ready.pop()
        order.append(node)
        for parent in reversed(node.parents):
            uses[parent] -= 1
            if uses[parent] == 0:
                ready.append(parent)
    return order""", ACCEPTED),
]


def _code_cells(edition: str = "learner") -> list[str]:
    folder = NOTEBOOK_DIR / "learner" if edition == "learner" else NOTEBOOK_DIR
    nb = nbformat.read(folder / f"{CHAPTER}.ipynb", as_version=4)
    return [cell.source for cell in nb.cells if cell.cell_type == "code"]


def _exercise_cells() -> dict[str, str]:
    nb = nbformat.read(NOTEBOOK_DIR / "learner" / f"{CHAPTER}.ipynb", as_version=4)
    cells = {}
    for cell in nb.cells:
        found = re.search(r'raise NotImplementedError\("Exercise ([\w.]+):', cell.source)
        if cell.cell_type == "code" and found:
            cells[found.group(1).split(".", 1)[1]] = cell.source
    return cells


@pytest.fixture(scope="module")
def cells() -> dict[str, str]:
    return _exercise_cells()


@pytest.fixture(autouse=True)
def strict_checks(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("COURSE_CHECKS_STRICT", "1")
    reset_attempts()
    yield
    plt.close("all")


def _engine() -> dict:
    """What the chapter's cells before the exercises define (the engine, unbroadcast, topological_order).

    What those cells print is dropped: the first test to build this (whichever runs first) reads its own output.
    """
    namespace = {"torch": torch, "np": np, "course_utils": course_utils, "check": check, "device": torch.device("cpu")}
    with contextlib.redirect_stdout(io.StringIO()):
        for source in _code_cells()[1:]:
            if "raise NotImplementedError" in source:
                break
            if "tested < 200" not in source and "range(5000)" not in source:  # the slow demonstrations
                exec(source, namespace)
    return namespace


ENGINE: dict = {}


def run_attempt(cell: str, attempt: Attempt) -> WrongAnswer | None:
    if not ENGINE:
        ENGINE.update(_engine())
    namespace = dict(ENGINE)
    return run_typed(cell, attempt.code, namespace)


@pytest.mark.parametrize("attempt", ATTEMPTS, ids=[f"{a.exercise}: {a.label}" for a in ATTEMPTS])
def test_a_beginners_answer_gets_the_right_verdict(cells: dict[str, str], attempt: Attempt,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    verdict = run_attempt(cells[attempt.exercise], attempt)
    if attempt.verdict == ACCEPTED:
        assert verdict is None, f"a right answer was refused: {verdict}"
        assert capsys.readouterr().out.startswith(f"Correct: build_your_own_autograd.{attempt.exercise}")
    elif attempt.verdict.startswith("~"):
        assert verdict is not None, "a wrong answer was accepted"
        assert attempt.verdict[1:] in " ".join(str(verdict).split())
    else:
        assert verdict is not None, "a wrong answer was accepted"
        assert verdict.mistake == attempt.verdict, f"recorded {verdict.mistake!r}:\n{verdict}"


def test_every_exercise_has_attempts_and_the_named_ones_cover_most(cells: dict[str, str]) -> None:
    for exercise in cells:
        tried = [a for a in ATTEMPTS if a.exercise == exercise]
        wrong = [a for a in tried if a.verdict != ACCEPTED]
        named = [a for a in wrong if not a.verdict.startswith("~")]
        assert len(wrong) >= 4 and len(tried) > len(wrong), exercise
        assert len(named) >= 0.75 * len(wrong), exercise


ENGINE_NAMES = {"Value", "unbroadcast", "as_value", "add", "mul", "neg", "sub", "topological_order", "backward",
                "power", "matmul", "total", "mean", "exp", "tanh", "relu"}


def engine_lines() -> tuple[int, int]:
    """Non-blank lines of the engine's definitions (comments and docstrings included), and the cells holding them."""
    lines = cells = 0
    for source in _code_cells("solution")[1:]:
        tree = ast.parse(source)
        text = source.split("\n")
        found = sum(sum(1 for line in text[node.lineno - 1:node.end_lineno] if line.strip())
                    for node in tree.body
                    if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in ENGINE_NAMES)
        lines, cells = lines + found, cells + bool(found)
    return lines, cells


def test_the_chapter_states_the_engines_exact_size() -> None:
    lines, cells = engine_lines()
    nb = nbformat.read(NOTEBOOK_DIR / f"{CHAPTER}.ipynb", as_version=4)
    markdown = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")
    words = {11: "eleven", 12: "twelve", 13: "thirteen", 10: "ten"}
    assert f"{lines} lines of NumPy" in markdown and f"the {lines}-line engine" in markdown
    assert f"{words.get(cells, cells)} short cells, {lines} lines" in markdown
    assert not re.search(r"about 1[0-9]0 lines", markdown)


def test_running_the_value_cell_again_keeps_its_operators() -> None:
    """Issue 14: re-running the class cell used to drop the operators that later cells attached."""
    namespace = _engine()  # one namespace, as in a kernel: the engine's functions see the new class
    class_cell = next(source for source in _code_cells("solution") if source.lstrip().startswith("import numpy")
                      and "class Value" in source)
    exec(class_cell, namespace)  # the learner runs the Value cell once more
    exec("x = Value(3.0)\ny = x * x + x\ny.backward()\nz = ((2 - x) ** 2 * Value([[1.0]])) @ Value([[2.0]])", namespace)
    assert float(namespace["x"].grad) == 7.0
    assert namespace["z"].op == "matmul"
    for name in ("sum", "mean", "exp", "tanh", "relu", "backward"):
        assert callable(getattr(namespace["Value"], name))


def test_the_order_check_holds_torchs_rule_on_its_own_graphs() -> None:
    """The reference order of 14.4 puts every node after all of its users, on every case graph, and is Kahn's."""
    from course_utils.exercises.build_your_own_autograd import ORDER_CASES, _kahn_like, _reachable, _topological_order

    for case in ORDER_CASES:
        (root,) = case.inputs()
        order = _topological_order(root)
        position = {id(node): i for i, node in enumerate(order)}
        assert len(order) == len(_reachable(root)) == len(position)
        assert all(position[id(parent)] > position[id(node)] for node in order for parent in node.parents)
        assert _kahn_like(order, root, stack=True)


def test_only_kahns_orders_pass_and_the_depth_first_sort_fails_somewhere() -> None:
    """The Kahn test is not vacuous: the chapter's depth-first order is valid everywhere, yet not Kahn's everywhere."""
    from course_utils.exercises.build_your_own_autograd import (
        ORDER_CASES, _kahn_like, _kahn_parents_reversed, _kahn_with_a_queue, _two_pass_stack)

    rejected = 0
    for case in ORDER_CASES:
        (root,) = case.inputs()
        assert _kahn_like(_kahn_with_a_queue(root), root, stack=False)
        assert _kahn_like(_kahn_parents_reversed(root), root, stack=True)
        order = _two_pass_stack(root)
        rejected += not (_kahn_like(order, root, stack=True) or _kahn_like(order, root, stack=False))
    assert rejected >= 2


def test_the_numpy_references_agree_with_torch() -> None:
    """The judges of 14.1-14.3 compare with NumPy references; here those references meet torch on every case."""
    from course_utils.exercises.build_your_own_autograd import DIV_CASES, SUM_CASES, UNBROADCAST_CASES
    from course_utils.exercises.build_your_own_autograd import _checked_unbroadcast, _div_backward, _sum_backward

    for case in DIV_CASES:
        a, b, g = case.inputs()
        a_t, b_t = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
        (a_t / b_t).backward(torch.tensor(g))
        for mine, theirs in zip(_div_backward(a, b, g), (a_t.grad, b_t.grad)):
            assert np.allclose(mine, theirs.numpy(), rtol=1e-12) and np.shape(mine) == tuple(theirs.shape)
    for case in UNBROADCAST_CASES:
        grad, shape = case.inputs()
        x = torch.zeros(shape, dtype=torch.float64, requires_grad=True)
        if "impossible" in case.name:  # the check's impossible shapes are the ones torch refuses
            with pytest.raises(RuntimeError):
                torch.broadcast_to(x, grad.shape)
            with pytest.raises(ValueError):
                _checked_unbroadcast(grad, shape)
            continue
        torch.broadcast_to(x, grad.shape).backward(torch.tensor(grad))
        mine = _checked_unbroadcast(grad, shape)
        assert np.allclose(mine, x.grad.numpy()) and np.shape(mine) == shape
    for case in SUM_CASES:
        grad_out, shape, axis = case.inputs()
        a = torch.zeros(shape, dtype=torch.float64, requires_grad=True)
        a.sum(dim=axis).backward(torch.tensor(grad_out))
        assert np.allclose(_sum_backward(grad_out, shape, axis), a.grad.numpy())


@pytest.mark.parametrize("title,named", [
    ("y = x·x + x (x used three times)", "Here node x·x comes before node y = x·x + x"),
    ("a diamond d = b + c, with b and c both made from a", "Here node b = f(a) comes before node d = b + c"),
    ("a diamond d = c + b, with b and c both made from a", "Here node c = g(a) comes before node d = c + b"),
    ("x reached directly and through three steps, y = s2 + x (paths of different lengths)",
     "Here node s2 comes before node y = s2 + x"),
    ("x reached directly and through three steps, y = x + s2 (the short path first)",
     "Here node x comes before node y = x + s2"),
    ("x used twice by p = x·x and once by q = -x, y = p + q", "Here node p = x·x comes before node y = p + q"),
    ("x used twice by p = x·x and once by q = -x, y = q + p", "Here node q = -x comes before node y = q + p"),
    ("a random graph of 64 nodes with many reused values (number 0)", "Here node n59 comes before node root"),
    ("y = x + x·x (x used three times, the sum's own x first)", "Here node x comes before node y = x + x·x"),
    ("x used twice by p = x·x and once by q = -x, y = p + r with r = f(q) (q one step further away)",
     "Here node p = x·x comes before node y = p + r"),
    ("x used twice by p = x·x and once by q = -x, y = r + p with r = f(q) (q one step further away)",
     "Here node r = f(q) comes before node y = r + p"),
])
def test_an_order_with_the_root_placed_last_names_the_root_and_its_first_parent_as_the_case_does(
        title: str, named: str) -> None:
    """The message of placed_before_a_user names two nodes of the case's graph, with the names its title uses."""
    from course_utils.checks import Run
    from course_utils.exercises.build_your_own_autograd import ORDER_CASES, _topological_order

    case = next(case for case in ORDER_CASES if case.name == title)
    (root,) = case.inputs()
    right = _topological_order(root)
    verdict = case.judge(Run(right[1:] + right[:1], (root,), right, (root,)))
    assert verdict.name == "placed_before_a_user"
    assert verdict.says.endswith(f"{named}, which was computed from it.")


def test_an_order_of_the_chain_with_a_leaf_put_first_names_that_leaf_and_its_user() -> None:
    """Each step c_i of the chain has a leaf k_i of its own; a leaf placed before its user is named in the message."""
    from course_utils.checks import Run
    from course_utils.exercises.build_your_own_autograd import ORDER_CASES, _topological_order

    case = next(case for case in ORDER_CASES if case.name == "a chain of 5000 operations (10,001 nodes)")
    (root,) = case.inputs()
    right = _topological_order(root)
    leaf = root.parents[1]
    verdict = case.judge(Run([leaf] + [node for node in right if node is not leaf], (root,), right, (root,)))
    assert verdict.name == "placed_before_a_user"
    assert verdict.says.endswith("Here node k4999 comes before node c4999, which was computed from it.")


@pytest.mark.parametrize("copies,says", [
    (14, "a node listed more than once"),
    (15, "it returned 15 items for a graph of 1 nodes."),
])
def test_an_order_of_more_than_four_times_the_nodes_plus_10_is_refused_uncounted(copies: int, says: str) -> None:
    """On the single leaf (1 node) up to 4 · 1 + 10 = 14 items are read as an order; 15 are refused by their number."""
    with pytest.raises(WrongAnswer) as info:
        check("build_your_own_autograd.topological_order", lambda root: [root] * copies)
    assert f"on a single leaf (the root has no parents), {says}" in " ".join(str(info.value).split())


def test_a_grad_b_with_a_taken_as_one_number_is_refused() -> None:
    """The cases' a holds different numbers of both signs, so its mean cannot stand in for it."""
    from course_utils.exercises.build_your_own_autograd import _unbroadcast

    def my_div_backward(a, b, grad_out):
        return _unbroadcast(grad_out / b, a.shape), _unbroadcast(-grad_out * np.mean(a) / b**2, b.shape)

    with pytest.raises(WrongAnswer) as info:
        check("build_your_own_autograd.div_backward", my_div_backward)
    assert "on a and b of shape (3, 4), grad_b has the right shape but the wrong values" in " ".join(
        str(info.value).split())


@pytest.mark.parametrize("exercise,answer,part", [
    ("div_backward", lambda a, b, grad_out: (np.ones((15, 15)), np.ones((15, 15))), "grad_a"),
    ("unbroadcast", lambda grad, shape: np.ones((15, 15)), "the result"),
    ("sum_backward", lambda grad_out, shape, axis: np.ones((15, 15)), "the result"),
])
def test_a_result_of_more_than_ten_times_the_numbers_asked_plus_100_is_refused_unread(exercise, answer, part) -> None:
    """The first case of each wants 12 numbers, so 225 is over the limit of 10 · 12 + 100 = 220 numbers."""
    with pytest.raises(WrongAnswer) as info:
        check(f"build_your_own_autograd.{exercise}", answer)
    assert f"{part} is a NumPy array of shape (15, 15) and dtype float64: 225 numbers, far more than this " \
           "exercise asks for" in " ".join(str(info.value).split())


def test_an_unbroadcast_result_of_up_to_ten_times_the_numbers_asked_plus_100_is_read_and_judged_by_its_shape() -> None:
    """196 numbers where the first case wants 12 are within the limit of 10 · 12 + 100 = 220: the message is
    about the shape, not the count."""
    with pytest.raises(WrongAnswer) as info:
        check("build_your_own_autograd.unbroadcast", lambda grad, shape: np.ones((14, 14)))
    assert "on a gradient of shape (3, 4) for an operand of shape (3, 4), it returned shape (14, 14), but the " \
           "operand has shape (3, 4)." in " ".join(str(info.value).split())


@pytest.mark.parametrize("title", ["a diamond d = b + c, with b and c both made from a",
                                   "a diamond d = c + b, with b and c both made from a"])
def test_a_diamond_order_with_a_between_its_two_users_names_a_and_the_user_after_it(title: str) -> None:
    """a has two users, b and c: placing it after b but before c is refused, whichever way d lists them."""
    from course_utils.checks import Run
    from course_utils.exercises.build_your_own_autograd import ORDER_CASES, _reachable, _topological_order

    case = next(case for case in ORDER_CASES if case.name == title)
    (root,) = case.inputs()
    nodes = {node.name: node for node in _reachable(root).values()}
    order = [root, nodes["b = f(a)"], nodes["a"], nodes["c = g(a)"]]
    verdict = case.judge(Run(order, (root,), _topological_order(root), (root,)))
    assert verdict.name == "placed_before_a_user"
    assert verdict.says.endswith("Here node a comes before node c = g(a), which was computed from it.")


def test_a_grad_b_estimated_by_a_forward_difference_is_refused() -> None:
    """b holds numbers as small as 0.5 in size, where a forward difference with step 1e-4 is off by about
    1e-4 / |b| of the slope, more than the four significant digits the check asks for."""
    from course_utils.exercises.build_your_own_autograd import _unbroadcast

    def my_div_backward(a, b, grad_out):
        h = 1e-4
        slope_b = (a / (b + h) - a / b) / h
        return _unbroadcast(grad_out / b, a.shape), _unbroadcast(grad_out * slope_b, b.shape)

    with pytest.raises(WrongAnswer) as info:
        check("build_your_own_autograd.div_backward", my_div_backward)
    assert "on a and b of shape (3, 4), grad_b has the right shape but the wrong values" in " ".join(
        str(info.value).split())


ROOTS_AS_PRINTED = ["node x", "node y = x·x", "node y = x·x + x", "node y = x + x·x", "node d = b + c",
                    "node d = c + b", "node y = s2 + x", "node y = x + s2", "node y = p + q", "node y = q + p",
                    "node y = p + r", "node y = r + p", "node c4999"] + ["node root"] * 4


def test_a_learner_printing_each_root_sees_the_nodes_named_as_the_case_titles_name_them(
        cells: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    """The graphs of 14.4 print with the names their case titles use: x for the leaf, y = x·x, y = x + s2, ..."""
    attempt = Attempt("topological_order", "right, Kahn, printing the root while debugging", """
def my_topological_order(root):
    print(root)
    uses, stack, seen = {}, [root], {root}
    while stack:
        for parent in stack.pop().parents:
            uses[parent] = uses.get(parent, 0) + 1
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    order, ready = [], [root]
    while ready:
        node = ready.pop()
        order.append(node)
        for parent in node.parents:
            uses[parent] -= 1
            if uses[parent] == 0:
                ready.append(parent)
    return order""", ACCEPTED)
    if not ENGINE:
        ENGINE.update(_engine())
    capsys.readouterr()  # what the chapter's own cells printed
    assert run_attempt(cells["topological_order"], attempt) is None
    printed = capsys.readouterr().out.splitlines()
    assert printed[:len(ROOTS_AS_PRINTED)] == ROOTS_AS_PRINTED
    assert printed[len(ROOTS_AS_PRINTED)].startswith("Correct: build_your_own_autograd.topological_order")


def test_the_14_2_wrong_examples_behind_the_reference_validation_refuse_every_impossible_shape() -> None:
    """The check's own wrong un-broadcasts wrapped in _validated refuse an impossible shape with the reference's
    ValueError and un-broadcast a possible one in their own wrong way: their summing slip is their only mistake."""
    from course_utils.exercises.build_your_own_autograd import (
        IMPOSSIBLE, POSSIBLE, _aligned_from_the_left, _leading_only, _stretched_only, _validated)

    for slip in (_leading_only, _stretched_only, _aligned_from_the_left):
        wrapped = _validated(slip)
        for grad_shape, shape in IMPOSSIBLE:
            with pytest.raises(ValueError, match=re.escape(f"an operand of shape {shape} cannot be broadcast to")):
                wrapped(np.ones(grad_shape), shape)
        for grad_shape, shape in POSSIBLE:
            grad = np.arange(float(np.prod(grad_shape))).reshape(grad_shape)
            assert np.array_equal(wrapped(grad, shape), slip(grad, shape))


def test_the_14_4_wrong_example_uncounting_each_parent_once_loses_nodes_only_where_an_operation_reuses_one() -> None:
    """As node_missing says: uses counted one way (every use) and uncounted another (each distinct parent once)
    lose a node used twice by one operation, and nothing else, so every graph without such an operation is
    placed whole, diamonds and the chain included."""
    from course_utils.exercises.build_your_own_autograd import ORDER_CASES, _kahn_uncounting_users, _reachable

    for case in ORDER_CASES:
        (root,) = case.inputs()
        nodes = _reachable(root)
        reused_by_one = any(len({id(p) for p in node.parents}) < len(node.parents) for node in nodes.values())
        placed = {id(node) for node in _kahn_uncounting_users(root)}
        assert (placed == set(nodes)) is not reused_by_one, case.name


def test_a_grad_a_of_neither_its_operands_shape_nor_the_results_is_named_with_both_shapes() -> None:
    with pytest.raises(WrongAnswer) as info:
        check("build_your_own_autograd.div_backward", lambda a, b, grad_out: (np.ones(5), -grad_out * a / b**2))
    assert "on a and b of shape (3, 4), grad_a has shape (5,), but its operand has shape (3, 4)." in " ".join(
        str(info.value).split())


def test_the_div_cases_draw_b_of_both_signs_and_of_size_half_to_two() -> None:
    """b stays away from 0 (the forward difference above relies on sizes down to 0.5) and from large sizes, where
    grad_b = -grad_out · a / b² would shrink towards the absolute tolerance."""
    from course_utils.exercises.build_your_own_autograd import DIV_CASES

    b = np.concatenate([case.inputs()[1].reshape(-1) for case in DIV_CASES])
    assert np.all((np.abs(b) >= 0.5) & (np.abs(b) <= 2)) and (b < 0).any() and (b > 0).any()
