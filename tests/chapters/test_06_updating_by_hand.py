"""Chapter 06's checks against the answers beginners type (found by working through the learner edition).

Exercise 6.1 is judged from the tensors themselves: the loops below are the learner's cell, run as
the learner writes it, and the check must name each way of working that is wrong even where the
numbers come out right (a rebinding update in the last step only, updates through ``.data``).
"""
from __future__ import annotations

import pytest
import torch

from course_utils.checks import WrongAnswer, check, reset_attempts
from course_utils.exercises import updating_by_hand as ch06

SLUG = "updating_by_hand"


@pytest.fixture(autouse=True)
def strict(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURSE_CHECKS_STRICT", "1")
    reset_attempts()


def verdict(name: str, answer) -> WrongAnswer:
    with pytest.raises(WrongAnswer) as info:
        check(f"{SLUG}.{name}", answer)
    return info.value


def learner_cell(solution: str, seed: int = 1, lr: float = 0.01) -> dict:
    """Exercise 6.1's cell with ``solution`` in place of the solution region; returns the dict it checks."""
    torch.manual_seed(seed)
    namespace = {"torch": torch, "W": torch.randn(10, 1).requires_grad_(), "b": torch.randn(1).requires_grad_(),
                 "x": torch.rand(1, 10), "lr": lr}
    exec(solution, namespace)
    return {key: namespace[key] for key in ("W0", "b0", "W", "b", "x", "lr")}


START = "W0, b0 = W.detach().clone(), b.detach().clone()\n"
LOOP = "for step in range(3):\n    loss = 1 - (x @ W + b)\n    loss.backward()\n"
RESET = "    W.grad = None\n    b.grad = None\n"
RIGHT = START + LOOP + "    with torch.no_grad():\n        W -= lr * W.grad\n        b -= lr * b.grad\n" + RESET

WRONG_LOOPS = {
    "rebinding in the last step only (issue #13)": (
        START + LOOP + "    with torch.no_grad():\n        if step < 2:\n            W -= lr * W.grad\n        else:\n"
        "            W = W - lr * W.grad\n        b -= lr * b.grad\n" + RESET, "rebinding_update"),
    "rebinding in the last step, outside no_grad": (
        START + LOOP + "    if step < 2:\n        with torch.no_grad():\n            W -= lr * W.grad\n    else:\n"
        "        W = W - lr * W.grad\n    with torch.no_grad():\n        b -= lr * b.grad\n    b.grad = None\n",
        "rebinding_update"),
    "rebinding every step, tracking switched on again": (
        START + LOOP + "    with torch.no_grad():\n        W = (W - lr * W.grad).requires_grad_()\n"
        "        b -= lr * b.grad\n    b.grad = None\n", "update_not_seen_by_autograd"),
    "updates through .data": (
        START + LOOP + "    W.data -= lr * W.grad.data\n    b.data -= lr * b.grad.data\n" + RESET,
        "update_not_seen_by_autograd"),
    "no reset": (START + LOOP + "    with torch.no_grad():\n        W -= lr * W.grad\n        b -= lr * b.grad\n",
                 "gradients_not_reset"),
    "W0 = W": (RIGHT.replace("W0, b0 = W.detach().clone(),", "W0, b0 = W,"), "w0_aliases_w"),
    "W0 = W.detach() without clone": (RIGHT.replace("W0, b0 = W.detach().clone(),", "W0, b0 = W.detach(),"),
                                      "w0_aliases_w"),
    "uphill": (RIGHT.replace("-=", "+="), "step_uphill"),
    "b forgotten": (START + LOOP + "    with torch.no_grad():\n        W -= lr * W.grad\n" + RESET, "b_not_updated"),
}


@pytest.mark.parametrize("label", sorted(WRONG_LOOPS))
def test_6_1_every_wrong_way_is_named(label) -> None:
    solution, mistake = WRONG_LOOPS[label]
    assert verdict("three_steps", learner_cell(solution)).mistake == mistake


@pytest.mark.parametrize("steps", [1, 2, 4, 5])
def test_6_1_another_number_of_steps_is_counted(steps) -> None:
    answer = learner_cell(RIGHT.replace("range(3)", f"range({steps})"))
    said = " ".join(str(verdict("three_steps", answer)).split())
    assert f"W moved by {steps} steps' worth (lr·xᵀ each), not 3." in said


def test_6_1_a_learning_rate_per_step_is_refused_as_not_one_number() -> None:
    answer = learner_cell(RIGHT)
    answer["lr"] = [0.01, 0.01, 0.01]
    said = " ".join(str(verdict("three_steps", answer)).split())
    assert "You gave: lr is a list of length 3, not one number" in said


def test_6_1_copying_w0_after_the_loop_is_explained() -> None:
    answer = learner_cell(LOOP + "    with torch.no_grad():\n        W -= lr * W.grad\n        b -= lr * b.grad\n"
                          + RESET + "W0, b0 = W.detach().clone(), b.detach().clone()\n")
    assert "W0 was copied after the steps" in " ".join(str(verdict("three_steps", answer)).split())


@pytest.mark.parametrize("solution, seed, lr", [
    (RIGHT, 1, 0.01),
    (RIGHT, 123, 0.1),
    (RIGHT, 9, 1e-4),                                       # the smallest learning rate accepted
    (RIGHT.replace("W -= lr * W.grad", "W.sub_(lr * W.grad)").replace("b -= lr * b.grad", "b.sub_(lr * b.grad)"),
     2, 0.01),
    (START + LOOP.replace("for step in range(3):\n", "for step in range(3):\n    if W.grad is not None:\n"
                          "        W.grad.zero_()\n        b.grad.zero_()\n")
     + "    with torch.no_grad():\n        W -= lr * W.grad\n        b -= lr * b.grad\n", 5, 0.05),
])
def test_6_1_right_loops_pass_for_any_seed(solution, seed, lr, capsys) -> None:
    check(f"{SLUG}.three_steps", learner_cell(solution, seed, lr))
    assert capsys.readouterr().out.startswith("Correct:")


def test_6_1_right_steps_in_float16_pass_within_the_rounding_of_their_dtype(capsys) -> None:
    """W − W0 of a half-precision W is allowed the rounding of float16 (the course-wide tolerance rule)."""
    in_half = "W, b, x = W.detach().half().requires_grad_(), b.detach().half().requires_grad_(), x.half()\n"
    check(f"{SLUG}.three_steps", learner_cell(in_half + RIGHT))
    assert capsys.readouterr().out.startswith("Correct:")


def test_6_1_the_old_dict_without_b_says_which_keys_are_missing() -> None:
    answer = {key: value for key, value in learner_cell(RIGHT).items() if key not in ("b0", "b")}
    assert "missing the key(s) ['b0', 'b']" in str(verdict("three_steps", answer))


def test_6_1_a_w0_of_another_shape_than_w_is_refused_with_the_shapes() -> None:
    """W is right, but W0 was kept flat (shape (10,)): the check names the shapes, it does not compare numbers."""
    answer = learner_cell(RIGHT.replace("W0, b0 = W.detach().clone(),", "W0, b0 = W.detach().clone().reshape(-1),"))
    said = " ".join(str(verdict("three_steps", answer)).split())
    assert "the shapes are W0 (10,), W (10, 1)" in said
    assert "expected (10, 1), (10, 1), (1, 10)" in said


# ---------------------------------------------------------------- 6.2
@pytest.mark.parametrize("answer, mistake", [(-2.0, "backward_replaces_grad"), (-4.0, "counted_two_passes"),
                                             (6.0, "sign_flipped"), (-12.0, "added_running_totals"),
                                             (-3.0, "factor_of_b_dropped"), (-1.0, "chapter_value_copied")])
def test_6_2_each_slip_is_named(answer, mistake) -> None:
    assert verdict("b_grad_unzeroed", answer).mistake == mistake


def test_6_2_is_a_new_case_not_the_chapters_printout() -> None:
    """Review B4: the chapter prints b.grad = -1 and -2 for its own loss; the exercise's loss counts b twice."""
    assert ch06._b_grad_unzeroed() == -6.0 and ch06._b_grad_unzeroed(passes=2, factor=1.0) == -2.0
    import nbformat
    from pathlib import Path
    chapter = Path(__file__).resolve().parents[2] / "notebooks" / "06_updating_by_hand.ipynb"
    cells = nbformat.read(chapter, as_version=4).cells
    task = next(c.source for c in cells if c.source.startswith("### Exercise 6.2"))
    assert "`loss = 1 - (x @ W + 2 * b)`" in task
    assert not any("2 * b" in c.source for c in cells if c.cell_type == "code")


# ---------------------------------------------------------------- 6.3
@pytest.mark.parametrize("answer, mistake", [
    ({"A", "B", "E"}, "no_grad_makes_any_update_safe"),
    ({"B", "C", "E"}, "requires_grad_is_enough"),
    ({"B", "D", "E"}, "in_place_needs_no_no_grad"),
    ({"A", "B", "C", "E"}, "any_update_keeps_a_leaf"),
    ({"B"}, "sub_is_not_in_place"),
    ({"E"}, "minus_equals_rebinds"),
])
def test_6_3_beliefs_are_named(answer, mistake) -> None:
    assert verdict("keeps_a_leaf", answer).mistake == mistake


def test_6_3_the_reference_comes_from_running_the_options() -> None:
    assert ch06._keeps_a_leaf() == {"B", "E"}
