"""Chapter 09 (debugging clinic): the wrong answers a beginner typed in a real kernel, each rejected and named.

Found by playing the learner edition through a kernel, answer by answer. Each case is the
learner's code as typed (a function, or the value the cell passes) and the name of the
misconception the check must record, or None where a clear sentence is the right reply. 9.3 is
also checked against both behaviours of ``clamp`` at its boundary (torch < 2.14 passes the
gradient 1, torch >= 2.14 passes 0), simulated with custom autograd Functions, so the check is
shown to hold on every supported torch whichever one runs the tests. 9.4 is judged while the
learner's loop runs: a list converted only at the end fails. The last tests pin what the chapter
quotes from torch's messages, and, where the compatibility environments of ``./course compat``
exist, what the chapter says each torch version prints.
"""
from __future__ import annotations

import mmap
import re
import time
import warnings
from pathlib import Path

import nbformat
import numpy as np
import pytest
import torch

from course_utils.checks import EXERCISES, WrongAnswer, check, reset_attempts
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


# --- 9.1: the gradient at the network's hidden layer ---------------------------------------------------

def hidden_cell(fix: str = "retain", answer: str = "hidden"):
    """The exercise cell as a beginner typed it: ``fix`` is what they did to keep the gradient."""
    net = ex.clinic_net()
    x = torch.tensor([0.5, -1.0, 2.0])
    pre = net[0](x)
    if answer == "pre":
        pre.retain_grad()
    hidden = torch.nn.functional.tanh(pre) if fix == "functional" else net[1](pre)
    if fix == "detach":
        hidden = hidden.detach().requires_grad_()
    if fix == "requires_grad_":
        hidden.requires_grad_()
    if fix in ("retain", "twice", "sum", "cubed", "again", "functional"):
        hidden.retain_grad()
    output = net(x) if fix == "again" else net[2](hidden)
    out = output.sum() if fix == "sum" else (output ** 3).sum() if fix == "cubed" else (output ** 2).sum()
    out.backward(retain_graph=fix == "twice")
    if fix == "twice":
        out.backward()
    if fix == "late":
        hidden.retain_grad()
    kept = hidden.grad if hidden.is_leaf or hidden.retains_grad else None
    return {"hidden": hidden, "pre": pre, "x": x, "out": output, "hidden.grad": kept,
            "list": None if kept is None else kept.tolist()}[answer]


@pytest.mark.parametrize("fix, answer, mistake, says", [
    ("", "hidden", "non_leaf_grad_not_kept", "hidden.grad is None"),
    ("requires_grad_", "hidden", "non_leaf_grad_not_kept", "hidden.grad is None"),
    ("late", "hidden", "retain_grad_too_late", "only after backward() had run"),
    ("again", "hidden", "non_leaf_not_in_graph", "never went through it"),
    ("detach", "hidden", "non_leaf_detached_into_leaf", "made a leaf of its own"),
    ("retain", "x", "input_instead_of_hidden", "this is x"),
    ("", "pre", "hidden_before_activation", "before the Tanh"),
    ("twice", "hidden", "accumulated_twice", "twice the right value"),
    ("sum", "hidden", "other_loss", "net(x).sum()"),
    ("cubed", "hidden", None, "not yet: hidden.grad holds the wrong numbers: it should be d out / d hidden, for "
                              "out = (net(x) ** 2).sum() You gave:"),
    ("retain", "hidden.grad", None, "pass hidden itself"),
    ("retain", "list", None, "pass hidden itself"),
    ("retain", "out", None, "the network's output"),
])
def test_9_1_wrong_answers_are_named(fix, answer, mistake, says) -> None:
    wrong = verdict("fix_non_leaf_grad", hidden_cell(fix, answer))
    assert wrong.mistake == mistake
    assert says in said(wrong)


@pytest.mark.parametrize("fix", ["retain", "functional"])
def test_9_1_the_kept_gradient_passes(fix) -> None:
    check(f"{EX}.fix_non_leaf_grad", hidden_cell(fix))


@pytest.mark.parametrize("scaled", [lambda h: h * 1.0, lambda h: h * torch.ones(4)])
def test_9_1_a_hidden_scaled_after_the_tanh_and_left_out_of_the_backward_pass_is_not_in_the_graph(scaled) -> None:
    """hidden made by one more step after the Tanh (one whose node saves a tensor and leaves another unsaved), its
    gradient kept, then out computed by net(x) once more: the backward pass never went through hidden, which is
    what the check says, not that its gradient was kept too late."""
    net = ex.clinic_net()
    x = torch.tensor([0.5, -1.0, 2.0])
    hidden = scaled(net[1](net[0](x)))
    hidden.retain_grad()
    (net(x) ** 2).sum().backward()
    wrong = verdict("fix_non_leaf_grad", hidden)
    assert wrong.mistake == "non_leaf_not_in_graph"
    assert "never went through it" in said(wrong)


def test_9_1_an_answer_far_larger_than_hidden_is_refused_at_once() -> None:
    """A list of 100000 tensors is not read number by number (seconds) before the reply: it is refused unread."""
    answer = [torch.tensor(0.5)] * 100_000
    started = time.perf_counter()
    wrong = said(verdict("fix_non_leaf_grad", answer))
    assert time.perf_counter() - started < 1.0
    assert "pass hidden itself, the Tanh's output in your fixed cell; this is a list of length 100000" in wrong


def test_9_1_a_parameter_of_the_first_layer_is_told_it_is_a_leaf_not_hidden() -> None:
    """net[0].bias holds four numbers, one per hidden unit, and .grad after backward(), but it is a leaf: neither
    hidden detached into a leaf nor hidden's gradient, so the check says what hidden is."""
    net = ex.clinic_net()
    (net(torch.tensor([0.5, -1.0, 2.0])) ** 2).sum().backward()
    wrong = verdict("fix_non_leaf_grad", net[0].bias)
    assert wrong.mistake is None
    assert ("not yet: this is a leaf tensor, not hidden: pass hidden, the Tanh's output inside the network's graph"
            in said(wrong))


def test_9_1_the_network_leaves_the_random_state_alone() -> None:
    torch.manual_seed(5)
    before = torch.get_rng_state().clone()
    first, second = ex.clinic_net(), ex.clinic_net()
    assert torch.equal(torch.get_rng_state(), before)
    assert all(torch.equal(p, q) for p, q in zip(first.parameters(), second.parameters()))


def test_9_1_the_network_has_weights_of_both_signs_and_a_hidden_layer_that_is_not_saturated() -> None:
    """The weights are drawn from [-1, 1): with weights all negative three of the four Tanh units would sit at -1
    on the exercise's x, and the first layer would get almost no gradient through them."""
    net = ex.clinic_net()
    weights = torch.cat([p.detach().reshape(-1) for p in net.parameters()])
    assert bool((weights >= -1).all()) and bool((weights < 1).all())
    assert bool((weights > 0).any()) and bool((weights < 0).any())
    hidden = net[1](net[0](torch.tensor([0.5, -1.0, 2.0])))
    assert bool((hidden.abs() < 0.99).all()) and bool((hidden > 0).any()) and bool((hidden < 0).any())


def test_9_1_the_network_neither_warns_nor_touches_the_gpus_on_a_machine_with_two(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the CPU's random state is set aside while the layers are made: forking every GPU's as well would warn
    about fork_rng on a machine with several GPUs (simulated here) and start each of them, at every call."""
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(torch.random, "_fork_rng_warned_already", False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        net = ex.clinic_net()
    assert [type(layer).__name__ for layer in net] == ["Linear", "Tanh", "Linear"]


# --- 9.2: the in-place change of a saved input -----------------------------------------------------------

def tripling_cell(fix: str):
    x = torch.tensor([0.0, 1.0, 2.0], requires_grad=True)
    h = x * 2
    if fix == "moved":
        h.mul_(3)
    y = (h.detach() if fix == "detach" else h.clone() if fix == "clone_y" else h) ** 2
    if fix in ("detach", "clone_y"):
        h.mul_(3)
    elif fix == "data":
        h.data.mul_(3)
    elif fix == "discarded":
        h.mul(3)
    elif fix == "new":
        h = h * 3
    elif fix == "clone":
        h = h.clone()
        h.mul_(3)
    (y + h).sum().backward()
    if fix == "by_hand":
        x.grad += 4
    return x if fix == "x" else x.grad


@pytest.mark.parametrize("fix, mistake", [
    ("deleted", "factor_dropped"), ("discarded", "factor_dropped"), ("data", "inplace_through_data"),
    ("moved", "inplace_moved_earlier"), ("detach", "saved_input_detached"), ("x", "tensor_instead_of_gradient"),
    ("by_hand", "gradient_scaled_by_hand"),
])
def test_9_2_wrong_answers_are_named(fix, mistake) -> None:
    assert verdict("fix_inplace", tripling_cell(fix)).mistake == mistake


def test_9_2_passing_x_itself_is_named() -> None:
    """Review C8: x itself (the leaf) is named, not answered with "other numbers"."""
    wrong = verdict("fix_inplace", tripling_cell("x"))
    assert "this is x itself, not its gradient: pass x.grad" in said(wrong)


def test_9_2_an_answer_far_larger_than_x_grad_is_refused_unread() -> None:
    """Thousands of numbers are not read as a gradient of the wrong size: the check says it cannot read them."""
    for answer in (np.zeros(2000), [0.0] * 2000):
        reset_attempts()
        wrong = said(verdict("fix_inplace", answer))
        assert "this is not an answer the check can read" in wrong
        assert "far more" in wrong and "than this exercise asks for" in wrong
        assert "x.grad holds 3 numbers" not in wrong


@pytest.mark.parametrize("fix", ["new", "clone", "clone_y"])
def test_9_2_out_of_place_fixes_pass(fix) -> None:
    check(f"{EX}.fix_inplace", tripling_cell(fix))
    check(f"{EX}.fix_inplace", tripling_cell(fix).tolist())


@pytest.mark.parametrize("fix", ["deleted", "discarded", "data", "moved", "detach", "new", "clone"])
def test_9_2_the_checks_own_copy_of_the_cell_gives_the_gradient_the_beginners_cell_gives(fix) -> None:
    """The registry's examples of 9.2 come from the exercise cell with a fix typed in: each fix gives there the
    x.grad it gives in the cell a beginner runs, the out-of-place ones (new, clone) included."""
    assert torch.equal(ex._inplace_cell(fix), tripling_cell(fix))


# --- 9.3: safe_log --------------------------------------------------------------------------------------

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


UNSAFE = "nan_through_where"


@pytest.mark.parametrize("safe_log, mistake, says", [
    (lambda x: torch.where(x > 0, torch.log(x), 0.0), UNSAFE, "0 × inf = NaN"),
    (lambda x: torch.nan_to_num(torch.log(x), nan=0.0, neginf=0.0), UNSAFE, "0 × inf = NaN"),
    (lambda x: torch.where(x > 0, torch.log(x.abs()), 0.0), UNSAFE, "0 × inf = NaN"),
    (lambda x: torch.where(x > 0, torch.log(x.clamp(min=0)), 0.0), UNSAFE, "clamp's gradient at its boundary"),
    (lambda x: torch.where(x > 0, torch.log(ClampBefore214.apply(x)), 0.0), UNSAFE, "log still receives"),
    (lambda x: torch.where(x > 0, torch.log(ClampFrom214.apply(x)), 0.0), UNSAFE, "log still receives"),
    (lambda x: torch.where(x > 0, torch.log(torch.relu(x)), 0.0), UNSAFE, "(here in LogBackward0)"),
    (lambda x: torch.where(x > 0, torch.log(torch.where(x > 0, x, 0.0)), 0.0), UNSAFE, "A later step drops it"),
    (lambda x: ex._safe_log_reference(x).detach(), "result_detached", "carries no graph"),
    (lambda x: ex._safe_log_reference(x.detach().clone().requires_grad_()), None,
     "the result does not depend on x in the graph: no gradient reaches x"),
    (torch.log, None, "its values contain NaN"),
    (lambda x: torch.log(x) * (x > 0), None, "its values contain NaN"),
    (lambda x: torch.log(x.clamp(min=0)), None, "its values contain NaN"),
    (lambda x: torch.log1p(torch.relu(x)), None, "the values are wrong"),
    (lambda x: torch.stack([v.log() if v > 0 else v * 0 for v in x]), None, "Boolean value of Tensor"),
    (ex._safe_log_reference(torch.tensor([-2.0, 4.0])), None, "pass the function itself"),
    (lambda x: [0.0] * 5, None, "it returned a list"),
])
def test_9_3_wrong_answers_are_named(safe_log, mistake, says) -> None:
    wrong = verdict("safe_log", safe_log)
    assert wrong.mistake == mistake
    assert says in said(wrong)


class SafeLogUnmaskedBackward(torch.autograd.Function):
    """The right values, but a backward that forgets the mask: 1 / x.clamp(min=1e-30) is 1e30 where x <= 0."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.where(x > 0, x.clamp(min=1e-30).log(), torch.zeros_like(x))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / x.clamp(min=1e-30)


def test_9_3_a_finite_gradient_that_is_not_0_where_x_is_not_positive_is_told_what_it_should_be() -> None:
    wrong = verdict("safe_log", SafeLogUnmaskedBackward.apply)
    assert wrong.mistake is None
    assert wrong.problem == ("on the five inputs [-2, -0.5, 0, 0.25, 4], the gradient is finite but wrong: it should "
                             "be 1/x where x > 0 and 0 elsewhere")


def test_9_3_an_answer_that_builds_a_float32_result_fails_on_the_float64_inputs() -> None:
    """torch.zeros(x.shape) is float32 whatever x is, and masked_scatter refuses float64 values into it: right on
    the float32 cases, the answer raises on the float64 one, which the check names."""
    def scattered(x):
        out = torch.zeros(x.shape, device=x.device)
        return out.masked_scatter(x > 0, torch.log(x[x > 0]))

    wrong = verdict("safe_log", scattered)
    assert wrong.mistake is None
    assert "on float64 inputs [-3, 0, 0.5], your code raised RuntimeError: masked_scatter" in said(wrong)


def test_9_3_a_result_cut_off_from_x_is_told_so_in_exactly_those_words() -> None:
    """The whole problem, word for word: the case, then the sentence, and nothing around it."""
    wrong = verdict("safe_log", lambda x: ex._safe_log_reference(x.detach().clone().requires_grad_()))
    assert wrong.mistake is None
    assert wrong.problem == ("on the five inputs [-2, -0.5, 0, 0.25, 4], the result does not depend on x in the "
                             "graph: no gradient reaches x")


def test_the_clamp_answer_fails_with_either_clamp_gradient_and_the_same_name() -> None:
    """Issue 19: the same verdict whether clamp's gradient at 0 is 1 (torch < 2.14) or 0 (torch >= 2.14)."""
    names = set()
    for clamp in (ClampBefore214.apply, ClampFrom214.apply, lambda x: x.clamp(min=0)):
        reset_attempts()
        names.add(verdict("safe_log", lambda x, c=clamp: torch.where(x > 0, torch.log(c(x)), 0.0)).mistake)
    assert names == {UNSAFE}


def test_9_3_mentions_clamp_only_to_answers_that_called_it() -> None:
    """Review C5: a learner who never used clamp is not told about clamp's gradient."""
    for safe_log in (lambda x: torch.where(x > 0, torch.log(x), 0.0),
                     lambda x: torch.where(x > 0, torch.log(torch.where(x > 0, x, 0.0)), 0.0)):
        reset_attempts()
        assert "clamp" not in said(verdict("safe_log", safe_log))


class SafeLog(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.where(x > 0, x.clamp(min=1e-30).log(), torch.zeros_like(x))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return torch.where(x > 0, grad / x.clamp(min=1e-30), torch.zeros_like(grad))


def masked(x):
    out = torch.zeros_like(x)
    out[x > 0] = torch.log(x[x > 0])
    return out


@pytest.mark.parametrize("safe_log", [
    masked, SafeLog.apply,
    lambda x: torch.where(x > 0, torch.log(x.clamp(min=1e-12)), 0.0),
    lambda x: torch.log(torch.where(x > 0, x, 1.0)),
    lambda x: torch.where(x >= 0, torch.log(torch.where(x > 0, x, 1.0)), 0.0),
    lambda x: torch.where(x > 0, torch.where(x > 0, x, 1.0).log(), 0.0),
    lambda x: torch.where(x > 0, torch.log(torch.where(x > 0, x, torch.ones_like(x))), torch.zeros_like(x)),
])
def test_9_3_other_correct_functions_pass(safe_log) -> None:
    check(f"{EX}.safe_log", safe_log)


def test_9_3_a_result_kept_in_half_precision_is_accepted() -> None:
    """The shared tolerance rule: values rounded to float16 are allowed a few steps of that precision (log(0.25)
    in float16 is 3e-4 away from float32's), and the gradient, which flows back through the cast, is exact."""
    check(f"{EX}.safe_log", lambda x: torch.log(torch.where(x > 0, x, 1.0)).to(torch.float16))


def test_9_3_gives_the_learners_function_its_inputs_on_the_course_device(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a GPU the notebook's tensors live on `device`: an input left on the CPU would make a learner's
    torch.zeros(x.shape, device=device) fail with a device mismatch. The meta device stands in for the GPU here
    (it holds no numbers, so the learner's function stops once it has seen its input)."""
    seen = []

    def records_its_input(x):
        seen.append(x.device.type)
        raise RuntimeError("input seen")

    monkeypatch.setattr(ex, "get_device", lambda prefer=None: torch.device("meta"))
    wrong = verdict("safe_log", records_its_input)
    assert wrong.problem.startswith("on the five inputs [-2, -0.5, 0, 0.25, 4], your code raised RuntimeError")
    assert seen == ["meta"]


# --- 9.4: the smoothed loss -----------------------------------------------------------------------------

def smoothed_as(kind: str):
    """The learner's smoothed(losses), as typed."""
    def smoothed(losses):
        smooth, history, kept = 0.0, [], []
        for loss in losses:
            if kind == "tensor":
                smooth = 0.9 * smooth + 0.1 * loss
            elif kind == "no_grad":
                with torch.no_grad():
                    smooth = 0.9 * smooth + 0.1 * loss
            elif kind == "detach":
                smooth = 0.9 * smooth + 0.1 * loss.detach()
            elif kind == "float":
                smooth = 0.9 * smooth + 0.1 * float(loss)
            elif kind == "swapped":
                smooth = 0.1 * smooth + 0.9 * loss.item()
            elif kind == "kept_losses":
                kept.append(loss)
                smooth = 0.9 * smooth + 0.1 * loss.item()
            elif kind == "previous":
                previous = loss                # keeps one graph: the one just handed out
                smooth = 0.9 * smooth + 0.1 * previous.item()
            else:
                smooth = 0.9 * smooth + 0.1 * loss.item()
            history.append(smooth)
        return history

    return smoothed


def keeping_first_and_last():
    """smoothed(losses) that also keeps the first and the last loss, to report them after the loop: while the loop
    runs only one earlier graph is kept, and after it returns two are."""
    report = {}

    def smoothed(losses):
        smooth, history = 0.0, []
        for loss in losses:
            if not history:
                report["first"] = loss
            report["last"] = loss
            smooth = 0.9 * smooth + 0.1 * loss.item()
            history.append(smooth)
        return history

    return smoothed


def converted_at_the_end(losses):
    return [value.item() for value in smoothed_as("tensor")(losses)]


@pytest.mark.parametrize("answer, mistake, says", [
    (smoothed_as("tensor"), "total_keeps_graph", "still tensors with a graph"),
    (converted_at_the_end, "total_keeps_graph", "graphs were kept alive while the loop ran"),
    (smoothed_as("kept_losses"), "total_keeps_graph", "graphs were kept alive while the loop ran"),
    (keeping_first_and_last(), "total_keeps_graph", "the graphs of 2 earlier losses (of 12) were still in memory"),
    (smoothed_as("swapped"), "smoothing_weights_swapped", "the two weights are swapped"),
    (lambda losses: [loss.item() for loss in losses], "losses_not_smoothed", "each loss itself"),
    (lambda losses: smoothed_as("item")(losses)[-1], "last_value_only", "only the last"),
    (lambda losses: [0.0, *smoothed_as("item")(losses)], "start_value_included", "starts with the starting value"),
    (lambda losses: smoothed_as("item")(list(losses)[:3]), "total_keeps_graph", "graphs were kept alive"),
    (lambda losses: len(losses), None, "your code raised TypeError"),
])
def test_9_4_wrong_answers_are_named(answer, mistake, says) -> None:
    wrong = verdict("smoothed_loss", answer)
    assert wrong.mistake == mistake
    assert says in said(wrong)


def test_9_4_numbers_that_match_no_listed_mistake_get_the_smoothing_rule() -> None:
    def smoothed_with_0_8(losses):
        smooth, history = 0.0, []
        for loss in losses:
            smooth = 0.8 * smooth + 0.2 * loss.item()
            history.append(smooth)
        return history

    wrong = verdict("smoothed_loss", smoothed_with_0_8)
    assert wrong.mistake is None
    assert wrong.problem == ("on 12 losses, handed out one at a time, the numbers are not the smoothed losses "
                             "0.9·s + 0.1·loss, starting from s = 0")


@pytest.mark.parametrize("kind", ["item", "float", "no_grad", "detach", "previous"])
def test_9_4_loops_that_keep_no_graph_pass(kind) -> None:
    check(f"{EX}.smoothed_loss", smoothed_as(kind))


def test_9_4_the_graph_keeping_example_is_the_hints_loop_and_only_its_graph_is_wrong() -> None:
    """The registry's example of total_keeps_graph (also a ./course grade sample) is the loop the hint quotes,
    smooth = 0.9 * smooth + 0.1 * loss: run where no graph is recorded, its numbers are accepted."""
    exercise = EXERCISES[f"{EX}.smoothed_loss"]
    assert "smooth = 0.9 * smooth + 0.1 * loss" in exercise.hint

    def without_graphs(losses):
        with torch.no_grad():
            return [float(value) for value in ex._smoothed_buggy(losses)]

    check(f"{EX}.smoothed_loss", without_graphs)
    assert verdict("smoothed_loss", ex._smoothed_buggy).mistake == "total_keeps_graph"


def test_9_4_a_verdict_names_the_case_and_each_case_hands_out_the_losses_it_names() -> None:
    wrong = said(verdict("smoothed_loss", smoothed_as("swapped")))
    assert "not yet: on 12 losses, handed out one at a time, the two weights are swapped" in wrong
    cases = ex._loss_cases()            # built afresh, as the exercise built its cases at import
    assert [case.name for case in cases] == [case.name for case in EXERCISES[f"{EX}.smoothed_loss"].cases] == [
        "12 losses, handed out one at a time", "5 other losses"]
    for case, n in zip(cases, (12, 5)):
        (mine,), (reference,) = case.inputs(), case.inputs()
        assert isinstance(mine, ex.Losses) and mine.n == n and mine is not reference
        assert mine.values() == reference.values()     # the learner's run and the reference's get the same losses


def test_9_4_the_losses_are_made_one_at_a_time_and_watched() -> None:
    losses = ex.Losses(6, seed=1)
    kept = [loss for loss in losses]
    assert losses.alive == [0, 0, 1, 2, 3, 4, 5] and len(kept) == 6
    assert list(losses) == []   # one pass, like a data loader's epoch


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


def test_9_5_the_snippets_print_under_their_labels_as_the_stored_notebook_shows_them(capsys) -> None:
    """The learner reads the snippets from show_snippets(): each under its label, exactly the code the check runs."""
    ex.show_snippets()
    printed = capsys.readouterr().out
    solution = nbformat.read(CHAPTER, as_version=4)
    cell = next(c for c in solution.cells if c.cell_type == "code" and "show_snippets()" in c.source)
    assert printed == "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    assert printed.startswith(f"--- A ---\n{ex.WHICH_RAISE['A']}\n--- B ---\n")
    assert printed.endswith(f"--- H ---\n{ex.WHICH_RAISE['H']}\n")


def test_9_5_the_outcomes_print_as_the_stored_notebook_shows_them(capsys) -> None:
    """Each snippet's outcome on one line, its section on the next, then what the silent ones teach; torch's own
    message after the exception's type is left out of the comparison (it is the installed torch's)."""
    ex.show_outcomes()
    printed = capsys.readouterr().out
    solution = nbformat.read(CHAPTER, as_version=4)
    cell = next(c for c in solution.cells if c.cell_type == "code" and "show_outcomes()" in c.source)
    stored = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream").split("\n", 1)[1]

    def without_torch_messages(text: str) -> str:
        return re.sub(r"^([A-H]: raises \w+): .*$", r"\1", text, flags=re.MULTILINE)

    assert without_torch_messages(printed) == without_torch_messages(stored)
    assert printed.endswith("They are the reason to check gradients, not only to wait for errors.\n")
    assert printed.splitlines()[:2] == [ex.outcome("A"), "   (section 1: backward() on three numbers)"]


@pytest.mark.parametrize("snippet, line", [
    ("raise RuntimeError('a leaf Variable that requires grad is being used in an in-place operation.')",
     "Z: raises RuntimeError: a leaf Variable that requires grad is being used in an in-place operation"),
    ("raise RuntimeError('backward changed tensor X. Hint: clone X first')",
     "Z: raises RuntimeError: backward changed tensor X"),
    ("raise ValueError('one of the variables was modified: [torch.FloatTensor [3]]')",
     "Z: raises ValueError: one of the variables was modified"),
    ("y = 1", "Z: runs without an error"),
], ids=["full stop dropped", "last word kept", "cut at the colon", "runs"])
def test_9_5_an_outcome_is_the_error_type_and_its_messages_first_sentence_without_its_full_stop(
        monkeypatch, snippet, line) -> None:
    """Whatever the installed torch says, the line keeps the first sentence whole: its last word, even a name like
    X, stays, and only the full stop that ends it goes."""
    monkeypatch.setitem(ex.WHICH_RAISE, "Z", snippet)
    assert ex.outcome("Z") == line


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
    assert named and named <= {"Exp", "ExpBackward0", "Mul", "MulBackward0"}
    prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "`ExpBackward0`" in prose and "`MulBackward0`" in prose


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


# --- what the chapter says each torch version prints, where those versions are installed ------------------

COMPAT = sorted((Path(__file__).resolve().parents[2] / ".compat").glob("*/bin/python"))
NAMES_SNIPPET = """
import torch
def named(make):
    try:
        make()
    except RuntimeError as err:
        return str(err).split("which is output 0 of ")[1].split(",")[0]
def exp_case():
    x = torch.tensor([0.0, 1.0, 2.0], requires_grad=True); y = x.exp(); y += 1; y.sum().backward()
def tripling_case():
    x = torch.tensor([0.0, 1.0, 2.0], requires_grad=True); h = x * 2; y = h ** 2; h.mul_(3); (y + h).sum().backward()
print(torch.__version__.split("+")[0], named(exp_case), named(tripling_case))
"""


@pytest.mark.skipif(not COMPAT, reason="no compatibility environments (./course compat builds them in .compat/)")
@pytest.mark.parametrize("python", COMPAT, ids=[p.parts[-3] for p in COMPAT])
def test_the_inplace_message_names_the_operation_as_the_prose_says_for_each_version(python: Path) -> None:
    """Section 5 and exercise 9.2: torch 2.13 to 2.15 print `Exp` and `Mul`; torch 2.3 to 2.11 print
    `ExpBackward0` and `MulBackward0`."""
    import subprocess

    done = subprocess.run([str(python), "-c", NAMES_SNIPPET], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    version, exp_name, mul_name = done.stdout.split()
    major, minor = (int(part) for part in version.split(".")[:2])
    short_names = (major, minor) >= (2, 13)
    assert (exp_name, mul_name) == (("Exp", "Mul") if short_names else ("ExpBackward0", "MulBackward0")), version
    prose = "\n".join(c.source for c in nbformat.read(CHAPTER, as_version=4).cells if c.cell_type == "markdown")
    assert "torch 2.13 to 2.15 print `Exp`; torch 2.3 to 2.11" in " ".join(prose.split())
    assert "(`Mul` on torch 2.13 to 2.15, `MulBackward0` on 2.3 to 2.11)" in " ".join(prose.split())
