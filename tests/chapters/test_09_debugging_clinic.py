"""Chapter 09 (debugging clinic): the wrong answers a beginner typed in a real kernel, each rejected and named.

Found by playing the learner edition through a kernel, answer by answer. Each case is the
learner's code as typed (a function, or the value the cell passes) and the name of the
misconception the check must record, or None where a clear sentence is the right reply. 9.3 is
also checked against both behaviours of ``clamp`` at its boundary (torch < 2.14 passes the
gradient 1, torch >= 2.14 passes 0), simulated with custom autograd Functions, so the check is
shown to hold on every supported torch whichever one runs the tests. The last tests pin what the
chapter quotes from torch's messages.
"""
from __future__ import annotations

import mmap
import re
from pathlib import Path

import nbformat
import pytest
import torch

from course_utils.checks import WrongAnswer, check, reset_attempts
from course_utils.exercises import debugging_clinic as ex
from coursetools.learner import learner_path
from coursetools.notebooks import chapter_notebooks

EX = "debugging_clinic"
CHAPTER = next(p for p in chapter_notebooks() if p.name.startswith("09_"))


@pytest.fixture(autouse=True)
def strict(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURSE_CHECKS_STRICT", "1")
    reset_attempts()


def verdict(exercise_id: str, answer) -> WrongAnswer:
    with pytest.raises(WrongAnswer) as info:
        check(f"{EX}.{exercise_id}", answer)
    return info.value


def said(wrong: WrongAnswer) -> str:
    return " ".join(str(wrong).split())


# --- 9.1: the gradient at h ---------------------------------------------------------------------------

def h_cell(fix: str = "", answer: str = "h", twice: bool = False):
    x = torch.tensor([0.5, 1.0, 1.5], requires_grad=True)
    h = (x**2).detach().requires_grad_() if fix == "detach" else x**2
    if fix in ("retain", "twice"):
        h.retain_grad()
    if fix == "requires_grad_":
        h.requires_grad_()
    out = torch.sin(h).sum()
    out.backward(retain_graph=fix == "twice")
    if fix == "twice":
        out.backward()
    if fix == "late":
        h.retain_grad()
    return {"h": h, "x": x, "h.grad": h.grad if h.is_leaf or h.retains_grad else None, "x.grad": x.grad}[answer]


@pytest.mark.parametrize("fix, answer, mistake, says", [
    ("", "h", "non_leaf_grad_not_kept", "h.grad is None"),
    ("late", "h", "retain_grad_too_late", "only after backward() had run"),
    ("requires_grad_", "h", "non_leaf_grad_not_kept", "h.grad is None"),
    ("detach", "h", "non_leaf_detached_into_leaf", "made a leaf of its own"),
    ("", "x", "leaf_instead_of_intermediate", "this is x"),
    ("", "x.grad", "leaf_instead_of_intermediate", "this is x"),
    ("twice", "h", "accumulated_twice", "twice the right value"),
    ("retain", "h.grad", None, "pass h itself"),
    ("", "h.grad", None, "pass h itself"),
])
def test_9_1_wrong_answers_are_named(fix, answer, mistake, says) -> None:
    wrong = verdict("fix_non_leaf_grad", h_cell(fix, answer))
    assert wrong.mistake == mistake
    assert says in said(wrong)


def test_9_1_the_kept_gradient_passes() -> None:
    check(f"{EX}.fix_non_leaf_grad", h_cell("retain"))


# --- 9.2: the in-place multiplication -----------------------------------------------------------------

def sigmoid_cell(fix: str):
    x = torch.tensor([0.0, 1.0, 2.0], requires_grad=True)
    s = torch.sigmoid(2 * x) if fix == "inside" else torch.sigmoid(x)
    if fix == "data":
        s.data.mul_(2)
    elif fix == "discarded":
        s.mul(2)
    elif fix == "clone":
        s = s.clone()
        s.mul_(2)
    elif fix == "new":
        s = s * 2
    s.sum().backward()
    if fix == "scaled":
        x.grad *= 2
    return x.grad


@pytest.mark.parametrize("fix, mistake", [
    ("deleted", "factor_two_dropped"), ("discarded", "factor_two_dropped"), ("data", "inplace_through_data"),
    ("inside", "factor_inside_sigmoid"), ("scaled", "gradient_scaled_by_hand"),
])
def test_9_2_wrong_answers_are_named(fix, mistake) -> None:
    assert verdict("fix_inplace", sigmoid_cell(fix)).mistake == mistake


def test_9_2_the_values_of_s_are_named() -> None:
    s = 2 * torch.sigmoid(torch.tensor([0.0, 1.0, 2.0]))
    assert verdict("fix_inplace", s).mistake == "output_instead_of_gradient"


@pytest.mark.parametrize("fix", ["new", "clone"])
def test_9_2_out_of_place_fixes_pass(fix) -> None:
    check(f"{EX}.fix_inplace", sigmoid_cell(fix))
    check(f"{EX}.fix_inplace", sigmoid_cell(fix).tolist())


# --- 9.3: safe_sqrt -------------------------------------------------------------------------------------

class ClampBefore214(torch.autograd.Function):
    """clamp(min=0) with the gradient torch < 2.14 gives: 1 at the boundary x = 0."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return torch.where(x >= 0, grad, torch.zeros_like(grad))


class ClampFrom214(ClampBefore214):
    """clamp(min=0) with the gradient torch >= 2.14 gives: 0 at the boundary x = 0."""

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return torch.where(x > 0, grad, torch.zeros_like(grad))


HIDDEN = "sqrt_still_sees_nonpositive"


@pytest.mark.parametrize("safe_sqrt, mistake, says", [
    (lambda x: torch.where(x > 0, torch.sqrt(x), 0.0), "nan_through_where", "0 × NaN = NaN"),
    (lambda x: torch.nan_to_num(torch.sqrt(x)), "nan_through_where", "0 × NaN = NaN"),
    (lambda x: torch.sqrt(x.clamp(min=0)), HIDDEN, "clamp's gradient at 0 changed in torch 2.14"),
    (lambda x: torch.sqrt(ClampBefore214.apply(x)), HIDDEN, "sqrt still receives those inputs"),
    (lambda x: torch.sqrt(ClampFrom214.apply(x)), HIDDEN, "sqrt still receives those inputs"),
    (lambda x: torch.sqrt(torch.relu(x)), HIDDEN, "(here at SqrtBackward0)"),
    (lambda x: torch.where(x > 0, torch.sqrt(torch.where(x > 0, x, 0.0)), 0.0), HIDDEN, "SqrtBackward0"),
    (lambda x: torch.where(x > 0, x, 0.0) ** 0.5, HIDDEN, "PowBackward0"),
    (lambda x: ex._safe_sqrt_reference(x).detach(), "result_detached", "carries no graph"),
    (torch.sqrt, None, "its values contain NaN"),
    (lambda x: torch.sqrt(torch.abs(x)), None, "the values are wrong"),
    (lambda x: torch.stack([v.sqrt() if v > 0 else v * 0 for v in x]), None, "Boolean value of Tensor"),
    (ex._safe_sqrt_reference(torch.tensor([-2.0, 4.0])), None, "pass the function itself"),
    (lambda x: [0.0] * 5, None, "it returned a list"),
])
def test_9_3_wrong_answers_are_named(safe_sqrt, mistake, says) -> None:
    wrong = verdict("safe_sqrt", safe_sqrt)
    assert wrong.mistake == mistake
    assert says in said(wrong)


def test_the_clamp_answer_fails_with_either_clamp_gradient_and_the_same_name() -> None:
    """Issue 19: the same verdict whether clamp's gradient at 0 is 1 (torch < 2.14) or 0 (torch >= 2.14)."""
    names = {verdict("safe_sqrt", lambda x, f=f: torch.sqrt(f.apply(x))).mistake
             for f in (ClampBefore214, ClampFrom214)}
    reset_attempts()
    names.add(verdict("safe_sqrt", lambda x: torch.sqrt(x.clamp(min=0))).mistake)
    assert names == {HIDDEN}


class SafeSqrt(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.where(x > 0, x.clamp(min=1e-30).sqrt(), torch.zeros_like(x))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return torch.where(x > 0, grad * 0.5 / x.clamp(min=1e-30).sqrt(), torch.zeros_like(grad))


def masked(x):
    out = torch.zeros_like(x)
    out[x > 0] = torch.sqrt(x[x > 0])
    return out


@pytest.mark.parametrize("safe_sqrt", [
    masked, SafeSqrt.apply,
    lambda x: torch.sqrt(x.clamp(min=1e-12)) * (x > 0),
    lambda x: torch.where(x > 0, torch.where(x > 0, x, 1.0).sqrt(), 0.0),
    lambda x: torch.where(x > 0, torch.sqrt(torch.where(x > 0, x, torch.ones_like(x))), torch.zeros_like(x)),
])
def test_9_3_other_correct_functions_pass(safe_sqrt) -> None:
    check(f"{EX}.safe_sqrt", safe_sqrt)


# --- 9.4: the running total -----------------------------------------------------------------------------

def running(add: str):
    torch.manual_seed(9)
    X, Y = torch.randn(5, 3), torch.randn(5)
    w = torch.zeros(3, requires_grad=True)
    total, losses = 0.0, []
    for i in range(5):
        loss = (X[i] @ w - Y[i]) ** 2
        loss.backward()
        if add == "tensor":
            total += loss
        elif add == "detach":
            total += loss.detach()
        elif add == "replace":
            total = loss.item()
        elif add == "list":
            losses.append(loss.item())
        else:
            total += loss.item()
    return losses if add == "list" else total


@pytest.mark.parametrize("answer, mistake, says", [
    (lambda: running("tensor"), "total_keeps_graph", "still a tensor with a graph"),
    (lambda: running("item") / 5, "average_instead_of_total", "the average"),
    (lambda: running("replace"), "total_replaced_not_added", "only the last loss"),
    (lambda: running("list"), None, "the total is one number"),
    (lambda: running("item") + 1.0, None, "not the sum of the five losses"),
])
def test_9_4_wrong_answers_are_named(answer, mistake, says) -> None:
    wrong = verdict("running_loss", answer())
    assert wrong.mistake == mistake
    assert says in said(wrong)


@pytest.mark.parametrize("add", ["item", "detach"])
def test_9_4_totals_without_a_graph_pass(add) -> None:
    check(f"{EX}.running_loss", running(add))


# --- 9.5: which raise -----------------------------------------------------------------------------------

@pytest.mark.parametrize("answer, mistake", [
    ({"A", "D", "E", "H", "G"}, "warning_counted_as_error"), ({"A", "D", "E", "H", "F"}, "nan_counted_as_error"),
    ({"A", "B", "D", "E", "H"}, "retain_graph_ignored"), ({"A", "C", "D", "E", "H"}, "no_grad_inplace_counted"),
    ({"A", "D", "E"}, "saved_output_inplace_missed"), ({"A", "D", "H"}, "integer_requires_grad_missed"),
    (set("ABCDEFGH"), None), ("A, D, E, H", None),
])
def test_9_5_wrong_answers_are_named(answer, mistake) -> None:
    assert verdict("which_raise", answer).mistake == mistake


def test_9_5_shows_what_the_snippets_do_only_after_a_right_answer() -> None:
    """Issue 13: the outcomes were printed by the cell after the exercise; now only the exercise cell prints them."""
    solution, learner = (nbformat.read(p, as_version=4) for p in (CHAPTER, learner_path(CHAPTER)))
    code = [c for c in solution.cells if c.cell_type == "code"]
    at = next(i for i, c in enumerate(code) if "which_raise" in c.source)
    assert "show_outcomes()" in code[at].source.split('check("debugging_clinic.which_raise"')[1]
    assert not any("show_outcomes()" in c.source or "outcome(" in c.source for c in code[:at] + code[at + 1:])
    after = [c.source for c in solution.cells[solution.cells.index(code[at]) + 1:] if c.cell_type == "markdown"]
    assert not any(re.search(r"\bA, D, E and H\b|\{\"A\", \"D\", \"E\", \"H\"\}", text) for text in after)
    exercise = next(c for c in learner.cells if c.cell_type == "code" and "which_raise" in c.source)
    assert exercise.source.index("raise NotImplementedError") < exercise.source.index("show_outcomes()")


# --- what the chapter quotes from torch -------------------------------------------------------------------

def stored_streams(nb) -> str:
    return "\n".join("".join(o.get("text", "")) for c in nb.cells if c.cell_type == "code"
                     for o in c.outputs if o.output_type == "stream")


def test_the_element_0_entry_shows_the_message_its_trigger_gives() -> None:
    text = stored_streams(nbformat.read(CHAPTER, as_version=4))
    assert "RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn" in text
    markdown = "\n".join(c.source for c in nbformat.read(CHAPTER, as_version=4).cells if c.cell_type == "markdown")
    assert "`element 0 of tensors does not require grad and does not have a grad_fn`" in markdown   # the cheat sheet


def test_the_inplace_message_names_the_operation_as_the_prose_says() -> None:
    nb = nbformat.read(CHAPTER, as_version=4)
    named = set(re.findall(r"which is output 0 of (\w+),", stored_streams(nb)))
    assert named and named <= {"Exp", "ExpBackward0", "Sigmoid", "SigmoidBackward0"}
    prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "`ExpBackward0`" in prose and "`SigmoidBackward0`" in prose


def test_both_device_messages_the_chapter_quotes_are_in_the_installed_torch() -> None:
    """Which of the two appears depends on the operation; both fixed parts are in torch's own library."""
    library = Path(torch.__file__).parent / "lib" / "libtorch_cpu.so"
    if not library.is_file():
        pytest.skip("no libtorch_cpu.so to read the messages from (another platform)")
    with library.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        for part in (b"Expected all tensors to be on the same device, but found at least two devices, ",
                     b"Expected all tensors to be on the same device, but got ", b", different from other tensors on ",
                     b" (when checking argument in method "):
            assert data.find(part) != -1, part
    prose = "\n".join(c.source for c in nbformat.read(CHAPTER, as_version=4).cells if c.cell_type == "markdown")
    assert "but found at least two devices, cuda:0 and cpu!" in prose
    assert "but got mat1 is on cpu, different from other tensors on cuda:0" in prose
