"""Chapter 04's exercises, tried the way beginners answer them.

Each attempt is what a learner types in place of the exercise's ``raise NotImplementedError`` line of
the learner edition; the test runs the whole exercise cell (its own ``check(...)`` line included) in a
namespace that holds what the chapter's earlier cells define, and asserts what the check says: the
named mistake it records, or that a right answer in another form passes.
"""
from __future__ import annotations

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

CHAPTER = "04_gradients_accumulate"
BODY = "(2 * W).sum().backward()\n(W ** 2).sum().backward()\n"


ATTEMPTS = [
    # 4.1: two losses in every step (the code is the whole loop body; W = [1, 2, 3], each step's gradient 2 + 2W)
    Attempt("fix_the_loop", "record, never reset", f"{BODY}grads.append(W.grad.tolist())", "grad_never_reset"),
    Attempt("fix_the_loop", "the reset without its parentheses", f"{BODY}grads.append(W.grad.tolist())\nW.grad.zero_",
            "grad_never_reset"),
    Attempt("fix_the_loop", "reset, then record", f"{BODY}W.grad.zero_()\ngrads.append(W.grad.tolist())",
            "reset_before_record"),
    Attempt("fix_the_loop", "a reset between the two losses", "(2 * W).sum().backward()\nW.grad.zero_()\n"
            "(W ** 2).sum().backward()\ngrads.append(W.grad.tolist())\nW.grad.zero_()", "reset_between_losses"),
    Attempt("fix_the_loop", "recorded after the first loss", "(2 * W).sum().backward()\ngrads.append(W.grad.tolist())\n"
            "(W ** 2).sum().backward()\nW.grad.zero_()", "recorded_before_second_loss"),
    Attempt("fix_the_loop", "loss_b forgotten", "(2 * W).sum().backward()\ngrads.append(W.grad.tolist())\n"
            "W.grad.zero_()", "recorded_before_second_loss"),
    Attempt("fix_the_loop", "the chapter's numbers typed in", f"{BODY}grads.append([4.0, 4.0, 4.0])\nW.grad.zero_()",
            "chapter_numbers_copied"),
    Attempt("fix_the_loop", "the tensor itself, zeroed in place", f"{BODY}grads.append(W.grad)\nW.grad.zero_()",
            "grad_tensor_stored_not_copied"),
    Attempt("fix_the_loop", "the tensor itself, never reset", f"{BODY}grads.append(W.grad)",
            "grad_tensor_stored_not_copied"),
    Attempt("fix_the_loop", "detach() shares the memory", f"{BODY}grads.append(W.grad.detach())\nW.grad.zero_()",
            "grad_tensor_stored_not_copied"),
    Attempt("fix_the_loop", "numpy() shares the memory", f"{BODY}grads.append(W.grad.numpy())\nW.grad.zero_()",
            "grad_tensor_stored_not_copied"),
    Attempt("fix_the_loop", "list(W.grad) holds views", f"{BODY}grads.append(list(W.grad))\nW.grad.zero_()",
            "grad_tensor_stored_not_copied"),
    Attempt("fix_the_loop", "the right numbers typed in, no reset", f"{BODY}grads.append([4.0, 6.0, 8.0])",
            "grad_never_reset"),
    Attempt("fix_the_loop", "divided by the step count", f"{BODY}grads.append((W.grad / (step + 1)).tolist())",
            "grad_never_reset"),
    Attempt("fix_the_loop", "each loss backward twice", f"{BODY}{BODY}grads.append(W.grad.tolist())\nW.grad.zero_()",
            "accumulated_twice"),
    Attempt("fix_the_loop", "recorded after each loss", "(2 * W).sum().backward()\ngrads.append(W.grad.tolist())\n"
            "(W ** 2).sum().backward()\ngrads.append(W.grad.tolist())\nW.grad.zero_()", "~grads holds 8 entries"),
    Attempt("fix_the_loop", "one number per step", f"{BODY}grads.append(W.grad.sum().item())\nW.grad.zero_()",
            "~should hold the three numbers of W.grad"),
    Attempt("fix_the_loop", "the append forgotten", f"{BODY}W.grad.zero_()",
            "~not yet: grads is empty: nothing was appended."),
    Attempt("fix_the_loop", "W recorded, not its gradient", f"{BODY}grads.append(W.tolist())\nW.grad.zero_()",
            "~not yet: the recorded gradients differ from what autograd computes in this loop."),
    Attempt("fix_the_loop", "the tensor itself, reset at the start of the step", f"W.grad = None\n{BODY}"
            "grads.append(W.grad)", "grad_tensor_stored_not_copied"),
    Attempt("fix_the_loop", "right, a clone and zero_()", f"{BODY}grads.append(W.grad.clone())\nW.grad.zero_()",
            ACCEPTED),
    Attempt("fix_the_loop", "right, the tensor and = None", f"{BODY}grads.append(W.grad)\nW.grad = None", ACCEPTED),
    Attempt("fix_the_loop", "right, one backward of the sum", "((2 * W).sum() + (W ** 2).sum()).backward()\n"
            "grads.append(W.grad.tolist())\nW.grad = None", ACCEPTED),
    Attempt("fix_the_loop", "right, the reset at the start of the step", f"W.grad = None\n{BODY}"
            "grads.append(W.grad.tolist())", ACCEPTED),
    # 4.2: grad_after(k) for (W ** 2).sum() at W = 3 (each call adds 6)
    Attempt("grad_after_k_calls", "each backward replaces", "def grad_after(k):\n    return 6",
            "backward_replaces_grad"),
    Attempt("grad_after_k_calls", "doubling", "def grad_after(k):\n    return 6 * 2 ** (k - 1)",
            "grad_doubles_each_call"),
    Attempt("grad_after_k_calls", "one call too many", "def grad_after(k):\n    return 6 * (k + 1)", "off_by_one_call"),
    Attempt("grad_after_k_calls", "the sum of the entries", "def grad_after(k):\n    return 18 * k", "summed_entries"),
    Attempt("grad_after_k_calls", "the chapter's 2 per call", "def grad_after(k):\n    return 2 * k",
            "contribution_at_another_point"),
    Attempt("grad_after_k_calls", "W per call", "def grad_after(k):\n    return 3 * k", "power_rule_factor_missing"),
    Attempt("grad_after_k_calls", "W squared per call", "def grad_after(k):\n    return 9 * k", "value_for_derivative"),
    Attempt("grad_after_k_calls", "one per call", "def grad_after(k):\n    return k", "wrong_contribution"),
    Attempt("grad_after_k_calls", "printed, not returned", "def grad_after(k):\n    print(6 * k)",
            "printed_not_returned"),
    Attempt("grad_after_k_calls", "autograd inside", """
def grad_after(k):
    W = torch.full((3,), 3.0, requires_grad=True)
    for _ in range(k):
        (W ** 2).sum().backward()
    return W.grad[0].item()""", "ran_autograd_instead_of_predicting"),
    Attempt("grad_after_k_calls", "torch.autograd.grad inside", """
def grad_after(k):
    W = torch.full((3,), 3.0, requires_grad=True)
    (grad,) = torch.autograd.grad((W ** 2).sum(), W)
    return k * grad[0].item()""", "ran_autograd_instead_of_predicting"),
    Attempt("grad_after_k_calls", "torch.autograd.backward inside", """
def grad_after(k):
    W = torch.full((3,), 3.0, requires_grad=True)
    for _ in range(k):
        torch.autograd.backward((W ** 2).sum())
    return W.grad[0].item()""", "ran_autograd_instead_of_predicting"),
    Attempt("grad_after_k_calls", "called, not passed",
            "def grad_after(k):\n    return 6 * k\ngrad_after = grad_after(4)",
            "~pass the function itself"),
    Attempt("grad_after_k_calls", "right, all of W.grad", "def grad_after(k):\n    return torch.full((3,), 6.0 * k)",
            ACCEPTED),
    Attempt("grad_after_k_calls", "right, an int", "grad_after = lambda k: 2 * 3 * k", ACCEPTED),
    # 4.3: what g (a second name for the old gradient) and w.grad hold after zero_grad() and another backward
    Attempt("after_zero_grad", "g follows w.grad", "prediction = [None, [3.0, 3.0, 3.0]]", "name_follows_attribute"),
    Attempt("after_zero_grad", "w.grad stays None", "prediction = [[2.0, 2.0, 2.0], None]",
            "grad_stays_none_after_backward"),
    Attempt("after_zero_grad", "zeros in place, one tensor", "prediction = [[3.0, 3.0, 3.0], [3.0, 3.0, 3.0]]",
            "zero_grad_fills_zeros"),
    Attempt("after_zero_grad", "the old tensor zeroed", "prediction = [[0, 0, 0], [3, 3, 3]]", "old_tensor_zeroed"),
    Attempt("after_zero_grad", "no reset at all", "prediction = [5.0, 5.0]", "zero_grad_does_nothing"),
    Attempt("after_zero_grad", "the new gradient added to the old", "prediction = [[2.0] * 3, [5.0] * 3]",
            "new_grad_adds_to_old"),
    Attempt("after_zero_grad", "swapped", "prediction = [[3.0, 3.0, 3.0], [2.0, 2.0, 2.0]]", "order_swapped"),
    Attempt("after_zero_grad", "the new loss ignored", "prediction = [[2.0, 2.0, 2.0], [2.0, 2.0, 2.0]]",
            "new_loss_ignored"),
    Attempt("after_zero_grad", "the old question's answer", 'prediction = "None"', "~a list of two predictions"),
    Attempt("after_zero_grad", "a slip", "prediction = [[2.0, 2.0, 2.0], [6.0, 6.0, 6.0]]",
            "~not what the cell leaves"),
    Attempt("after_zero_grad", "right, the tensors themselves", "prediction = [g, w.grad]", ACCEPTED),
    Attempt("after_zero_grad", "right, one number each", "prediction = (2, 3)", ACCEPTED),
    # 4.4: weight decay meets None
    Attempt("weight_decay_step", "None moved too", "new_values = [1.98, 1.98]", "none_grad_updated"),
    Attempt("weight_decay_step", "zero gradient skipped", "new_values = [2.0, 2.0]", "zero_grad_skipped"),
    Attempt("weight_decay_step", "swapped", "new_values = [2.0, 1.98]", "order_swapped"),
    Attempt("weight_decay_step", "without lr", "new_values = [2.0 - 0.1 * 2.0, 2.0]", "learning_rate_left_out"),
    Attempt("weight_decay_step", "away from 0", "new_values = [2.0 + 0.1 * 0.1 * 2.0, 2.0]", "weight_decay_sign"),
    Attempt("weight_decay_step", "decay as a constant", "new_values = [2.0 - 0.1 * 0.1, 2.0]",
            "weight_decay_not_times_p"),
    Attempt("weight_decay_step", "the chapter's numbers", "new_values = [0.95, 1.0]", "chapter_numbers_copied"),
    Attempt("weight_decay_step", "right, the parameters themselves", """
p_zero = torch.tensor(2.0, requires_grad=True)
p_none = torch.tensor(2.0, requires_grad=True)
optimizer = torch.optim.SGD([p_zero, p_none], lr=0.1, weight_decay=0.1)
p_zero.grad = torch.zeros_like(p_zero)
optimizer.step()
new_values = [p_zero, p_none]""", ACCEPTED),
    Attempt("weight_decay_step", "right, a tuple", "new_values = (1.98, 2)", ACCEPTED),
]


def _exercise_cells() -> dict[str, str]:
    """Each exercise cell of the learner edition, after the code cells it needs (those since the last exercise)."""
    nb = nbformat.read(NOTEBOOK_DIR / "learner" / f"{CHAPTER}.ipynb", as_version=4)
    cells, given = {}, []
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.startswith("## Exercises"):
            given = []
        if cell.cell_type != "code":
            continue
        found = re.search(r'raise NotImplementedError\("Exercise ([\w.]+):', cell.source)
        if found:
            cells[found.group(1).split(".", 1)[1]] = "\n".join([*given, cell.source])
            given = []
        else:
            given.append(cell.source)
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


def run_attempt(cell: str, attempt: Attempt) -> WrongAnswer | None:
    namespace = {"torch": torch, "np": np, "course_utils": course_utils, "check": check, "device": torch.device("cpu")}
    return run_typed(cell, attempt.code, namespace)


@pytest.mark.parametrize("attempt", ATTEMPTS, ids=[f"{a.exercise}: {a.label}" for a in ATTEMPTS])
def test_a_beginners_answer_gets_the_right_verdict(cells: dict[str, str], attempt: Attempt,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    verdict = run_attempt(cells[attempt.exercise], attempt)
    if attempt.verdict == ACCEPTED:
        assert verdict is None, f"a right answer was refused: {verdict}"
        assert capsys.readouterr().out.startswith(f"Correct: gradients_accumulate.{attempt.exercise}")
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


def test_reset_before_recording_is_not_told_to_use_tolist(cells: dict[str, str]) -> None:
    """Issue 13: the learner already used tolist(); the message must name the order, not the copy."""
    verdict = run_attempt(cells["fix_the_loop"], Attempt("", "", f"{BODY}W.grad.zero_()\ngrads.append(W.grad.tolist())",
                                                          ""))
    assert "reset ran before the gradient was recorded" in str(verdict) and "tolist" not in str(verdict)


def test_an_empty_function_result_never_passes() -> None:
    """Issue 13: ``lambda k: []`` passed grad_after_k_calls (an empty array was "close" to anything)."""
    with pytest.raises(WrongAnswer, match="it returned 0 numbers"):
        check("gradients_accumulate.grad_after_k_calls", lambda k: [])


def test_4_1_the_never_reset_message_quotes_w_grad_to_four_decimals() -> None:
    W = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (W / 3).sum().backward()
    with pytest.raises(WrongAnswer) as info:
        check("gradients_accumulate.fix_the_loop", ([[4.0, 6.0, 8.0]] * 4, W))
    assert info.value.mistake == "grad_never_reset"
    assert "it holds [0.3333, 0.3333, 0.3333] now" in " ".join(str(info.value).split())


@pytest.mark.parametrize("later, mistake, says", [
    (lambda k: 27.0 * k, "value_for_derivative", "the whole loss per call"),
    (lambda k: 2.0 * k, "contribution_at_another_point", "a contribution of 2 per call"),
    (lambda k: 18.0 * k, "summed_entries", "the sum of the three entries"),
], ids=["whole loss", "the chapter's 2 per call", "summed entries"])
def test_4_2_a_rule_is_named_on_a_later_k_too(later, mistake, says) -> None:
    """The first case, k = 1, cannot show every rule: a function right there is judged on k = 2 next, and the
    rule it follows from then on is named there."""
    with pytest.raises(WrongAnswer) as info:
        check("gradients_accumulate.grad_after_k_calls", lambda k: 6.0 if k == 1 else later(k))
    assert info.value.mistake == mistake
    assert f"on k = 2, {says}" in " ".join(str(info.value).split())


def test_exercise_4_1_judges_the_loop_not_a_bare_list(cells: dict[str, str]) -> None:
    """Review A1: a loop that never reset and divided by the step count passed when only `grads` was given."""
    cell = cells["fix_the_loop"].replace("(grads, W))", "grads)")
    assert cell != cells["fix_the_loop"]
    for code in (f"{BODY}grads.append((W.grad / (step + 1)).tolist())", f"{BODY}grads.append(W.grad.tolist())\n"
                 "W.grad.zero_()"):
        verdict = run_attempt(cell, Attempt("", "", code, ""))
        assert verdict is not None and "pass (grads, W)" in " ".join(str(verdict).split())
    with pytest.raises(WrongAnswer, match=r"pass \(grads, W\)"):
        check("gradients_accumulate.fix_the_loop", [[4.0, 6.0, 8.0]] * 4)
    reset_attempts()
    W = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    W.grad = torch.zeros(3)
    with pytest.raises(WrongAnswer, match="W itself"):  # W.grad in W's place has no .grad of its own to look at
        check("gradients_accumulate.fix_the_loop", ([[4.0, 6.0, 8.0]] * 4, W.grad))


def _chapter_before_the_exercises() -> tuple[list, str, str]:
    """The cells from the Exercises heading on, and the code and stored outputs of every code cell before it."""
    nb = nbformat.read(NOTEBOOK_DIR / f"{CHAPTER}.ipynb", as_version=4)
    end = next(k for k, c in enumerate(nb.cells) if c.cell_type == "markdown" and "## Exercises" in c.source)
    code = [c for c in nb.cells[:end] if c.cell_type == "code"]
    outputs = "\n".join(o.get("text", "") + str(o.get("data", {}).get("text/plain", "")) for c in code
                        for o in c.get("outputs", []))
    return nb.cells[end:], "\n".join(c.source for c in code), outputs


def test_no_exercise_repeats_a_chapter_cell_or_has_its_answer_on_screen() -> None:
    """Review B3, B4, B6: 4.3's answer was printed by the zero_grad() cell, 4.2's rule (2, 4, 6, 8) by the first
    loop, and 4.1 was the zeroing loop line for line. Now 4.1 runs two losses on W = [1, 2, 3], 4.2 accumulates
    (W ** 2).sum() at W = 3, and 4.3 asks about a cell of its own: the chapter runs none of them."""
    from course_utils.exercises.gradients_accumulate import _after_zero_grad, _per_call

    exercises, code, outputs = _chapter_before_the_exercises()
    loop = next(c.source for c in exercises if 'check("gradients_accumulate.fix_the_loop"' in c.source)
    setup = [line for line in loop.split("\n") if line.startswith("W = ")]
    assert setup and setup[0] not in code, "4.1 starts from a W of its own"
    assert "4., 6., 8." not in outputs and "[4.0, 6.0, 8.0]" not in outputs
    accumulated = [f"tensor([{v:g}., {v:g}., {v:g}.])" for v in (_per_call() * k for k in (1, 2, 3))]
    assert not all(text in outputs for text in accumulated), "the chapter printed 4.2's sequence"
    k = next(i for i, c in enumerate(exercises) if c.source.startswith("### Exercise 4.3"))
    given = exercises[k + 1]
    assert given.cell_type == "code" and "check(" not in given.source and not given.get("outputs")
    assert "g = w.grad" in given.source and "g = w.grad" not in code
    assert _after_zero_grad() == [[2.0, 2.0, 2.0], [3.0, 3.0, 3.0]]
    assert _after_zero_grad(set_to_none=False) == [[3.0, 3.0, 3.0], [3.0, 3.0, 3.0]], "the zeros-in-place mistake"


def test_4_2_reads_up_to_100_numbers_and_refuses_101_unread() -> None:
    """100 numbers are read and counted; 101 are over the limit and refused by their number alone."""
    with pytest.raises(WrongAnswer) as info:
        check("gradients_accumulate.grad_after_k_calls", lambda k: torch.full((100,), 6.0 * k))
    assert "it returned 100 numbers; it should return one number" in " ".join(str(info.value).split())
    reset_attempts()
    with pytest.raises(WrongAnswer) as info:
        check("gradients_accumulate.grad_after_k_calls", lambda k: torch.full((101,), 6.0 * k))
    message = " ".join(str(info.value).split())
    assert "101 numbers, far more than this exercise asks for" in message and "it should return one" not in message
