"""Chapter 04's exercises, tried the way beginners answer them.

Each attempt is what a learner types in place of the exercise's ``raise NotImplementedError`` line of
the learner edition; the test runs the whole exercise cell (its own ``check(...)`` line included) in a
namespace that holds what the chapter's earlier cells define, and asserts what the check says: the
named mistake it records, or that a right answer in another form passes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

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

CHAPTER = "04_gradients_accumulate"
ACCEPTED = "accepted"


@dataclass(frozen=True)
class Attempt:
    """``code`` replaces the exercise's raise line; ``verdict`` is ACCEPTED, a Mistake name, or ``~phrase``."""

    exercise: str
    label: str
    code: str
    verdict: str


ATTEMPTS = [
    # 4.1: complete the loop (the code is the loop body, after out.backward())
    Attempt("fix_the_loop", "record, never reset", "grads.append(W.grad.tolist())", "grad_never_reset"),
    Attempt("fix_the_loop", "the reset without its parentheses", "grads.append(W.grad.tolist())\nW.grad.zero_",
            "grad_never_reset"),
    Attempt("fix_the_loop", "reset, then record", "W.grad.zero_()\ngrads.append(W.grad.tolist())",
            "reset_before_record"),
    Attempt("fix_the_loop", "the tensor itself, zeroed in place", "grads.append(W.grad)\nW.grad.zero_()",
            "grad_tensor_stored_not_copied"),
    Attempt("fix_the_loop", "the tensor itself, never reset", "grads.append(W.grad)", "grad_tensor_stored_not_copied"),
    Attempt("fix_the_loop", "detach() shares the memory", "grads.append(W.grad.detach())\nW.grad.zero_()",
            "grad_tensor_stored_not_copied"),
    Attempt("fix_the_loop", "numpy() shares the memory", "grads.append(W.grad.numpy())\nW.grad.zero_()",
            "grad_tensor_stored_not_copied"),
    Attempt("fix_the_loop", "list(W.grad) holds views", "grads.append(list(W.grad))\nW.grad.zero_()",
            "grad_tensor_stored_not_copied"),
    Attempt("fix_the_loop", "the numbers typed in", "grads.append([2.0, 2.0, 2.0])", "grad_never_reset"),
    Attempt("fix_the_loop", "divided by the step count", "grads.append((W.grad / (step + 1)).tolist())",
            "grad_never_reset"),
    Attempt("fix_the_loop", "a second backward in the body", "out = (2 * W).sum()\nout.backward()\n"
            "grads.append(W.grad.tolist())\nW.grad.zero_()", "accumulated_twice"),
    Attempt("fix_the_loop", "recorded twice per step", "grads.append(W.grad.tolist())\ngrads.append(W.grad.tolist())\n"
            "W.grad.zero_()", "~grads holds 8 entries"),
    Attempt("fix_the_loop", "one number per step", "grads.append(W.grad.sum().item())\nW.grad.zero_()",
            "~should hold the three numbers of W.grad"),
    Attempt("fix_the_loop", "right, a clone and zero_()", "grads.append(W.grad.clone())\nW.grad.zero_()", ACCEPTED),
    Attempt("fix_the_loop", "right, the tensor and = None", "grads.append(W.grad)\nW.grad = None", ACCEPTED),
    Attempt("fix_the_loop", "right, tolist() and a new zero tensor", "grads.append(W.grad.tolist())\n"
            "W.grad = torch.zeros_like(W)", ACCEPTED),
    # 4.2: grad_after(k)
    Attempt("grad_after_k_calls", "each backward replaces", "def grad_after(k):\n    return 2",
            "backward_replaces_grad"),
    Attempt("grad_after_k_calls", "doubling", "def grad_after(k):\n    return 2 ** k", "grad_doubles_each_call"),
    Attempt("grad_after_k_calls", "one call too many", "def grad_after(k):\n    return 2 * (k + 1)", "off_by_one_call"),
    Attempt("grad_after_k_calls", "the sum of the entries", "def grad_after(k):\n    return 6 * k", "summed_entries"),
    Attempt("grad_after_k_calls", "one per call", "def grad_after(k):\n    return k", "wrong_contribution"),
    Attempt("grad_after_k_calls", "printed, not returned", "def grad_after(k):\n    print(2 * k)",
            "printed_not_returned"),
    Attempt("grad_after_k_calls", "autograd inside", """
def grad_after(k):
    W = torch.ones(3, requires_grad=True)
    for _ in range(k):
        (2 * W).sum().backward()
    return W.grad[0].item()""", "ran_autograd_instead_of_predicting"),
    Attempt("grad_after_k_calls", "called, not passed",
            "def grad_after(k):\n    return 2 * k\ngrad_after = grad_after(4)",
            "~pass the function itself"),
    Attempt("grad_after_k_calls", "right, all of W.grad", "def grad_after(k):\n    return torch.full((3,), 2.0 * k)",
            ACCEPTED),
    Attempt("grad_after_k_calls", "right, an int", "grad_after = lambda k: 2 * k", ACCEPTED),
    # 4.3: what zero_grad() leaves
    Attempt("after_zero_grad", "zeros", 'after_zero_grad = "zeros"', "zero_grad_fills_zeros"),
    Attempt("after_zero_grad", "a zero", "after_zero_grad = 0", "zero_grad_fills_zeros"),
    Attempt("after_zero_grad", "unchanged", 'after_zero_grad = "unchanged"', "zero_grad_does_nothing"),
    Attempt("after_zero_grad", "a spelling of zeros", 'after_zero_grad = "a tensor of zeros"', "zero_grad_fills_zeros"),
    Attempt("after_zero_grad", "not an option", 'after_zero_grad = "empty"', "~is not one of the options"),
    Attempt("after_zero_grad", "right, the Python value of w.grad", """
w = torch.ones(3, requires_grad=True)
optimizer = torch.optim.SGD([w], lr=0.1)
(2 * w).sum().backward()
optimizer.zero_grad()
after_zero_grad = w.grad""", ACCEPTED),
    Attempt("after_zero_grad", "right, lower case", 'after_zero_grad = "none"', ACCEPTED),
    # 4.4: weight decay meets None
    Attempt("weight_decay_step", "None moved too", "new_values = [1.98, 1.98]", "none_grad_updated"),
    Attempt("weight_decay_step", "zero gradient skipped", "new_values = [2.0, 2.0]", "zero_grad_skipped"),
    Attempt("weight_decay_step", "swapped", "new_values = [2.0, 1.98]", "order_swapped"),
    Attempt("weight_decay_step", "without lr", "new_values = [2.0 - 0.1 * 2.0, 2.0]", "learning_rate_left_out"),
    Attempt("weight_decay_step", "away from 0", "new_values = [2.0 + 0.1 * 0.1 * 2.0, 2.0]", "weight_decay_sign"),
    Attempt("weight_decay_step", "decay as a constant", "new_values = [2.0 - 0.1 * 0.1, 2.0]",
            "weight_decay_not_times_p"),
    Attempt("weight_decay_step", "the chapter's numbers", "new_values = [0.95, 1.0]", "~the values differ"),
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
    nb = nbformat.read(NOTEBOOK_DIR / "learner" / f"{CHAPTER}.ipynb", as_version=4)
    cells = {}
    for cell in nb.cells:
        found = re.search(r'raise NotImplementedError\("Exercise ([\w.]+):', cell.source)
        if cell.cell_type == "code" and found:
            cells[found.group(1).split(".", 1)[1]] = cell.source
    return cells


def typed_into(cell: str, code: str) -> str:
    """The exercise cell with its raise line replaced by ``code``, indented like that line."""
    lines = cell.split("\n")
    k = next(i for i, line in enumerate(lines) if "raise NotImplementedError" in line)
    indent = lines[k][: len(lines[k]) - len(lines[k].lstrip())]
    typed = [indent + line if line else line for line in code.strip("\n").split("\n")]
    return "\n".join(lines[:k] + typed + lines[k + 1:])


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
    try:
        exec(typed_into(cell, attempt.code), namespace)
    except WrongAnswer as verdict:
        return verdict
    return None


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
    verdict = run_attempt(cells["fix_the_loop"], Attempt("", "", "W.grad.zero_()\ngrads.append(W.grad.tolist())", ""))
    assert "reset ran before the gradient was recorded" in str(verdict) and "tolist" not in str(verdict)


def test_an_empty_function_result_never_passes() -> None:
    """Issue 13: ``lambda k: []`` passed grad_after_k_calls (an empty array was "close" to anything)."""
    with pytest.raises(WrongAnswer, match="it returned 0 numbers"):
        check("gradients_accumulate.grad_after_k_calls", lambda k: [])
