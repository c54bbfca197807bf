"""Chapter 08's checks against the answers beginners type (found by working through the learner edition)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from course_utils.checks import WrongAnswer, check, reset_attempts
from course_utils.exercises import modules_optimizers_devices as ch08

SLUG = "modules_optimizers_devices"


@pytest.fixture(autouse=True)
def strict(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURSE_CHECKS_STRICT", "1")
    reset_attempts()


def verdict(name: str, answer) -> WrongAnswer:
    with pytest.raises(WrongAnswer) as info:
        check(f"{SLUG}.{name}", answer)
    return info.value


def said(exc: WrongAnswer) -> str:
    return " ".join(str(exc).split())


def passes(name: str, answer, capsys: pytest.CaptureFixture[str]) -> None:
    check(f"{SLUG}.{name}", answer)
    assert capsys.readouterr().out.startswith(f"Correct: {SLUG}.{name}")


def function_of(source: str, name: str):
    namespace = {"torch": torch, "np": np}
    exec(source, namespace)
    return namespace[name]


H = "def inactive_units(model, x):\n    with torch.no_grad():\n        h = model.relu(model.fc1(x))\n"


# ---------------------------------------------------------------- 8.1
@pytest.mark.parametrize("body, mistake", [
    ("    return [u for u in range(h.shape[1]) if (h[:, u] == 0).any()]", "inactive_on_some_sample"),
    ("    return [u for u in range(h.shape[1]) if h[0, u] == 0]", "first_sample_only"),
    ("    return [u for u in range(3) if (h[:, u] == 0).all()]", "three_units_assumed"),
    ("    return (h == 0).all(dim=0)", "mask_not_indices"),
    ("    return [bool((h[:, u] == 0).all()) for u in range(h.shape[1])]", "mask_not_indices"),
    ("    return [u for u in range(h.shape[1]) if (h[:, u] > 0).any()]", "listed_active_units"),
])
def test_8_1_every_wrong_reading_is_named(body, mistake) -> None:
    assert verdict("inactive_units", function_of(H + body, "inactive_units")).mistake == mistake


def test_8_1_finding_them_by_backward_is_named() -> None:
    source = ("def inactive_units(model, x):\n    model(x).sum().backward()\n"
              "    return [k for k, row in enumerate(model.fc1.weight.grad) if (row == 0).all()]")
    assert verdict("inactive_units", function_of(source, "inactive_units")).mistake == "used_backward"


def test_8_1_returning_the_activations_says_so() -> None:
    assert "(activations?)" in said(verdict("inactive_units", function_of(H + "    return h", "inactive_units")))


@pytest.mark.parametrize("body", [
    "    return [u for u in range(h.shape[1]) if (h[:, u] == 0).all()]",
    "    return list(np.flatnonzero((h.numpy() == 0).all(axis=0)))",         # numpy ints (issue #13)
    "    return np.flatnonzero((h.numpy() == 0).all(axis=0))",               # a numpy array of ints
    "    return torch.nonzero((h == 0).all(dim=0)).flatten()",               # a tensor of ints
    "    return torch.nonzero((h == 0).all(dim=0))",                         # a (k, 1) tensor
    "    return torch.where((h == 0).all(dim=0))",                           # a tuple of one tensor
    "    return {u for u in range(h.shape[1]) if h[:, u].sum() == 0}",       # a set
    "    return {u: 0 for u in range(h.shape[1]) if h[:, u].max() == 0}.keys()",
    "    return [torch.tensor(u) for u in range(h.shape[1]) if (h[:, u] == 0).all()]",
])
def test_8_1_every_reasonable_form_of_the_indices_passes(body, capsys) -> None:
    passes("inactive_units", function_of(H + body, "inactive_units"), capsys)


def test_8_1_sample_and_unit_pairs_from_a_2d_nonzero_are_told_the_item_is_too_long() -> None:
    """torch.nonzero on the (batch, hidden) mask, not reduced over the samples, lists [sample, unit] pairs."""
    pairs = function_of(H + "    return torch.nonzero(h == 0).tolist()", "inactive_units")
    wrong = verdict("inactive_units", pairs)
    assert wrong.mistake is None
    assert wrong.problem == ("on the chapter's network and one sample, an item of what it returned is a list of "
                             "length 2, far more numbers than this exercise asks for: unit indices are ints such "
                             "as 0 or 2")


def test_8_1_pairs_as_tensors_from_a_2d_nonzero_are_told_to_return_one_flat_list() -> None:
    """list() of torch.nonzero on the (batch, hidden) mask gives one [sample, unit] tensor per item."""
    pairs = function_of(H + "    return list(torch.nonzero(h == 0))", "inactive_units")
    wrong = verdict("inactive_units", pairs)
    assert wrong.mistake is None
    assert wrong.problem == ("on the chapter's network and one sample, an item of what it returned is a tensor of "
                             "shape (2,) and dtype torch.int64: return one flat list of unit indices")


@pytest.mark.parametrize("count, says", [
    (1000, "it lists a unit more than once"),                                   # still read item by item
    (1001, "it returned a list of length 1001, far more than there are units"),
])
def test_8_1_a_list_of_more_than_1000_items_is_refused_by_its_length(count, says) -> None:
    wrong = verdict("inactive_units", function_of(H + f"    return [0] * {count}", "inactive_units"))
    assert wrong.mistake is None
    assert says in said(wrong)


def test_8_1_cases_cover_what_each_mistake_needs() -> None:
    def facts(seed, batch, hidden=3):
        model, x = ch08._inactive_case(seed, batch, hidden)()
        active = ch08._activity(model, x)
        return (ch08._units(~active.any(0)), ch08._units(~active.all(0)), ch08._units(~active[0]))
    every, some, first = facts(7, 3)
    assert every and every != some and every != first        # separates "all" from "any" and "first sample"
    assert facts(17, 16)[0]                                    # a zero row with 16 samples (3 in 200)
    assert any(u >= 3 for u in facts(10, 4, hidden=8)[0])      # a unit beyond the chapter's three
    assert facts(0, 6)[0] == []                                # a batch without any zero row


def test_8_1_units_counted_from_one_are_told_how_units_are_numbered() -> None:
    """The batch of 3 has unit 2 inactive; counted from 1 that is unit 3, which a network of 3 units lacks."""
    from dataclasses import replace

    from course_utils.checks import EXERCISES

    counted_from_one = function_of(H + "    return [u + 1 for u in range(h.shape[1]) if (h[:, u] == 0).all()]",
                                   "inactive_units")
    exercise = EXERCISES[f"{SLUG}.inactive_units"]
    batch_of_3 = next(c for c in exercise.cases if c.name == "a batch of 3 samples")
    with pytest.raises(WrongAnswer) as info:
        replace(exercise, cases=[batch_of_3]).validate(counted_from_one)
    assert info.value.problem == "on a batch of 3 samples, it lists [3], but the units are numbered 0 to 2"


@pytest.mark.parametrize("case", ["a batch of 16 samples", "a network with 8 hidden units and a batch of 4",
                                  "a batch of 6 on which every unit is active somewhere"])
def test_8_1_units_inactive_on_some_sample_are_named_on_every_case(case) -> None:
    """On the batch of 3 the units inactive somewhere, [0, 1, 2], are also the samples with an inactive unit;
    the other cases tell the two apart, and the mistake is about units."""
    from dataclasses import replace

    from course_utils.checks import EXERCISES

    inactive_somewhere = function_of(H + "    return [u for u in range(h.shape[1]) if (h[:, u] == 0).any()]",
                                     "inactive_units")
    exercise = EXERCISES[f"{SLUG}.inactive_units"]
    with pytest.raises(WrongAnswer) as info:
        replace(exercise, cases=[c for c in exercise.cases if c.name == case]).validate(inactive_somewhere)
    assert info.value.mistake == "inactive_on_some_sample"


# ---------------------------------------------------------------- 8.2
S = "def sgd_step(params, lr):\n"


@pytest.mark.parametrize("body, mistake", [
    ("    with torch.no_grad():\n        for p in params:\n            p = p - lr * p.grad", "rebinding_update"),
    ("    return [p - lr * p.grad for p in params]", "rebinding_update"),
    ("    with torch.no_grad():\n        for p in params:\n            p += lr * p.grad", "step_uphill"),
    ("    for p in params:\n        p -= lr * p.grad", "update_recorded"),
    ("    for p in params:\n        p.sub_(lr * p.grad)", "update_recorded"),
    ("    for p in params:\n        p.data -= lr * p.grad", "update_through_data"),
    ("    for p in params:\n        p.data = p.data - lr * p.grad", "update_through_data"),
    ("    with torch.no_grad():\n        for p in params:\n            p -= lr * p.grad\n            p.grad = None",
     "step_clears_grads"),
    ("    with torch.no_grad():\n        for p in params:\n            p.grad *= lr\n            p -= p.grad",
     "step_changes_grads"),
    ("    for p in params:\n        p.requires_grad_(False)\n        p -= lr * p.grad", "parameter_untracked"),
])
def test_8_2_every_wrong_step_is_named(body, mistake) -> None:
    assert verdict("sgd_step", function_of(S + body, "sgd_step")).mistake == mistake


@pytest.mark.parametrize("name, answer", [
    ("sgd_step", function_of(S + "    with torch.no_grad():\n        for p in params:\n            p -= lr * p.grad",
                             "sgd_step")),
    ("where_to_zero_grad", {"A", "B", "C"}),
], ids=["8.2", "8.3"])
def test_8_2_and_8_3_checks_print_no_warning(name, answer, capsys) -> None:
    """The networks of 8.2's first case and of 8.3's loops are trained on a target shaped like their output."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        passes(name, answer, capsys)
    assert [str(w.message) for w in caught] == []


def test_8_2_each_case_hands_the_step_the_tensors_its_name_promises(capsys) -> None:
    """What a learner printing p.shape inside sgd_step sees, case by case, matches the case names."""
    seen = []

    def sgd_step(params, lr):
        seen.append(([tuple(p.shape) for p in params], lr))
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad

    passes("sgd_step", sgd_step, capsys)
    assert seen == [([(3, 5), (3,), (1, 3), (1,)], 0.01), ([(2, 3)], 0.5), ([(2, 4), (2,)], 0.1)]


def test_8_2_a_step_that_stops_after_the_first_parameter_is_caught() -> None:
    body = "    with torch.no_grad():\n        for p in params:\n            p -= lr * p.grad\n            return"
    assert "is not what torch.optim.SGD's step gives" in said(verdict("sgd_step", function_of(S + body, "sgd_step")))


@pytest.mark.parametrize("body", [
    "    with torch.no_grad():\n        for p in params:\n            p -= lr * p.grad",
    "    for p in params:\n        with torch.no_grad():\n            p.sub_(lr * p.grad)",
    "    with torch.no_grad():\n        for p in params:\n            p.add_(p.grad, alpha=-lr)",
    "    with torch.no_grad():\n        for p in params:\n            p.copy_(p - lr * p.grad)",
    "    for p in params:\n        p.detach().sub_(lr * p.grad)",
    "    torch.optim.SGD(params, lr=lr).step()",
])
def test_8_2_right_steps_pass(body, capsys) -> None:
    passes("sgd_step", function_of(S + body, "sgd_step"), capsys)


# ---------------------------------------------------------------- 8.3 and 8.4: the supersets of the answer
# (not in wrong_examples: the test that no message contains the answer would find it in "You gave: [...]")
@pytest.mark.parametrize("answer, mistake", [
    ({"A"}, "zero_grad_must_come_first"),
    ({"A", "B"}, "zero_grad_before_forward"),
    ({"A", "C"}, "zero_grad_at_end_too_late"),
    ({"A", "B", "C", "D"}, "zero_grad_anywhere"),
    ({"A", "B", "C", "E"}, "gradients_reset_themselves"),
    ({"A", "B", "C", "F"}, "zeroing_a_none_grad"),
    ({"B", "C"}, "left_out_a"),
])
def test_8_3_beliefs_are_named(answer, mistake) -> None:
    assert verdict("where_to_zero_grad", answer).mistake == mistake


@pytest.mark.parametrize("answer, mistake", [
    ({"B", "F"}, "to_always_copies"),
    ({"B", "C"}, "module_to_loses_leaves"),
    ({"C", "F"}, "computed_never_a_leaf"),
    ({"B", "C", "E", "F"}, "parameter_part_is_parameter"),
    ({"B", "C", "D", "F"}, "detach_keeps_requires_grad"),
    ({"A", "B", "C", "F"}, "copy_keeps_leaf"),
    ({"A", "B", "C", "E", "F"}, "anything_from_a_leaf_is_a_leaf"),
])
def test_8_4_beliefs_are_named(answer, mistake) -> None:
    assert verdict("trainable_leaves", answer).mistake == mistake


def test_references_come_from_running_torch() -> None:
    assert ch08._zero_grad_correct() == {"A", "B", "C"}
    assert ch08._trainable_leaves() == {"B", "C", "F"}


def test_8_4_asks_about_expressions_the_chapter_did_not_run() -> None:
    """Review B2: every option of 8.4 used to be run, with its output, in the section on mistake 1."""
    import inspect

    import nbformat
    from pathlib import Path

    chapter = Path(__file__).resolve().parents[2] / "notebooks" / "08_modules_optimizers_devices.ipynb"
    cells = nbformat.read(chapter, as_version=4).cells
    exercise = next(i for i, c in enumerate(cells) if "modules_optimizers_devices.trainable_leaves" in c.source)
    before = "\n".join(c.source for c in cells[:exercise - 1] if c.cell_type == "code")
    for label, make in ch08.LEAF_OPTIONS.items():
        expression = inspect.getsource(make).split("lambda: ", 1)[1].rstrip().rstrip(",")
        assert expression not in before, f"option {label} ({expression}) is run before the exercise"
        assert f"{label}: {expression}" in cells[exercise - 1].source, f"the task lists option {label} as checked"



def test_no_dead_helpers_are_left() -> None:
    assert not hasattr(ch08, "_zero_rows") and not hasattr(ch08, "_as_index_list")


# ---------------------------------------------------------------- the prose
def _cells(name: str):
    import nbformat
    from pathlib import Path

    return nbformat.read(Path(__file__).resolve().parents[2] / "notebooks" / name, as_version=4).cells


def test_no_control_characters_in_the_sources() -> None:
    """Review A5: "\\a" in a Python string had turned \\approx into a BEL character and "pprox"."""
    for cell in _cells("08_modules_optimizers_devices.ipynb"):
        assert not any(ord(ch) < 32 and ch not in "\n\t" for ch in cell.source), cell.get("id")
    assert any("0.5^{16} \\approx 0.01" in c.source for c in _cells("08_modules_optimizers_devices.ipynb"))


@pytest.mark.parametrize("chapter, pointer, heading", [
    ("06_updating_by_hand.ipynb", "Section 4 of [chapter 09's clinic](09_debugging_clinic.ipynb)",
     "## 4 · `backward()` on a loss that autograd did not track"),
    ("08_modules_optimizers_devices.ipynb", "section 11 of [chapter 09's clinic](09_debugging_clinic.ipynb)",
     "## 11 · Tensors on different devices"),
])
def test_pointers_to_chapter_09_name_a_section_that_is_there(chapter, pointer, heading) -> None:
    prose = " ".join(" ".join(c.source.split()) for c in _cells(chapter) if c.cell_type == "markdown")
    assert pointer in prose
    clinic = [c for c in _cells("09_debugging_clinic.ipynb") if c.cell_type == "markdown"]
    lines = [line for c in clinic for line in c.source.splitlines()]
    assert heading in lines, f"chapter 09 has no heading {heading!r}: update the pointer in {chapter}"


def test_8_1_a_tensor_of_far_more_indices_than_units_is_refused_with_its_size() -> None:
    """A tensor of 1500 whole numbers is not read item by item: the learner is told how many numbers it holds."""
    wrong = verdict("inactive_units", function_of(H + "    return torch.arange(1500)", "inactive_units"))
    assert wrong.mistake is None
    assert "1500 numbers, far more than this exercise asks for" in said(wrong)
