"""Chapter 05's checks against the answers beginners type (found by working through the learner edition).

Every wrong way of working the chapter teaches against must be rejected *and named* (the Mistake's
name is what the instructor's report counts); every reasonable right form must pass.
"""
from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import nbformat
import pytest
import torch

from course_utils.checks import EXERCISES, WrongAnswer, check, reset_attempts
from course_utils.checks.evidence import TorchCalls
from course_utils.exercises import switching_tracking_off as ch05

SLUG = "switching_tracking_off"


@pytest.fixture(autouse=True)
def strict(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURSE_CHECKS_STRICT", "1")
    reset_attempts()


def verdict(name: str, answer) -> WrongAnswer:
    with pytest.raises(WrongAnswer) as info:
        check(f"{SLUG}.{name}", answer)
    return info.value


def said(exc: WrongAnswer) -> str:
    """The message on one line (it is wrapped to fit the screen)."""
    return " ".join(str(exc).split())


def passes(name: str, answer, capsys: pytest.CaptureFixture[str]) -> None:
    check(f"{SLUG}.{name}", answer)
    assert capsys.readouterr().out.startswith(f"Correct: {SLUG}.{name}")


def function_of(source: str, name: str):
    """A learner's function, written as a learner writes it (``torch`` in scope)."""
    namespace = {"torch": torch}
    exec(source, namespace)
    return namespace[name]


# ---------------------------------------------------------------- 5.1
@pytest.mark.parametrize("answer, mistake", [
    ({"a", "e"}, "eval_stops_recording"),
    ({"a", "d"}, "detached_forever"),
    ({"a"}, "eval_and_detached_forever"),
    ({"a", "b", "d", "e"}, "detach_is_temporary"),
    ({"a", "d", "e", "f"}, "module_always_records"),
    ({"a", "c", "d", "e"}, "requires_grad_always_spreads"),
])
def test_5_1_beliefs_are_named(answer, mistake) -> None:
    assert verdict("which_require_grad", answer).mistake == mistake


@pytest.mark.parametrize("answer", [{"A", "D", "E"}, ["e", "d", "a"], ("a", "d", "e"), {"a": 0, "d": 0, "e": 0}.keys()])
def test_5_1_any_spelling_of_the_set_passes(answer, capsys) -> None:
    passes("which_require_grad", answer, capsys)


def test_5_1_the_reference_comes_from_torch() -> None:
    assert ch05._require_grad() == {"a", "d", "e"}


# ---------------------------------------------------------------- 5.2
@pytest.mark.parametrize("answer, mistake", [([1.0, 2.0, 3.0], "detach_copies"),
                                             ([100.0, 2.0, 3.0], "earlier_example"),
                                             ([10.0, 2.0, 3.0], "first_entry_only")])
def test_5_2_copy_belief_and_copied_example_are_named(answer, mistake) -> None:
    assert verdict("detach_shares_storage", answer).mistake == mistake


def test_5_2_the_tensor_itself_after_running_the_code_passes(capsys) -> None:
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x.detach().mul_(10)
    passes("detach_shares_storage", x, capsys)


# ---------------------------------------------------------------- 5.3
VALIDATION_WRONG = {
    "eval only": ("model.eval()\n    return torch.nn.functional.mse_loss(model(X), y)", "graph_recorded"),
    "no_grad only": ("with torch.no_grad():\n        return torch.nn.functional.mse_loss(model(X), y)",
                     "layers_in_training_mode"),
    "model.eval without parentheses": (
        "model.eval\n    with torch.no_grad():\n        return torch.nn.functional.mse_loss(model(X), y)",
        "layers_in_training_mode"),
    "graph recorded, then detached (issue #13)": (
        "model.eval()\n    return torch.nn.functional.mse_loss(model(X), y).detach()", "graph_cut_afterwards"),
    "graph recorded, then .item()": (
        "model.eval()\n    return torch.nn.functional.mse_loss(model(X), y).item()", "graph_cut_afterwards"),
    "detach inside, on the prediction": (
        "model.eval()\n    return torch.nn.functional.mse_loss(model(X).detach(), y)", "graph_cut_afterwards"),
    "freezes the model": ("model.eval()\n    model.requires_grad_(False)\n    "
                          "return torch.nn.functional.mse_loss(model(X), y)", "model_frozen"),
    "leaves recording off": ("model.eval()\n    torch.set_grad_enabled(False)\n    "
                             "return torch.nn.functional.mse_loss(model(X), y)", "grad_mode_left_off"),
    "reads .data": ("model.eval()\n    w, b = model.weight.data, model.bias.data\n    "
                    "return ((X @ w.T + b - y) ** 2).mean()", "data_used"),
    "only Dropout switched to eval": (
        "for m in model.modules():\n        if isinstance(m, torch.nn.Dropout):\n            m.eval()\n"
        "    with torch.no_grad():\n        return torch.nn.functional.mse_loss(model(X), y)",
        "layers_in_training_mode"),
}


@pytest.mark.parametrize("label", sorted(VALIDATION_WRONG))
def test_5_3_every_wrong_way_is_named(label) -> None:
    body, mistake = VALIDATION_WRONG[label]
    function = function_of(f"def validation_loss(model, X, y):\n    {body}\n", "validation_loss")
    assert verdict("validation_loss", function).mistake == mistake


def test_5_3_batchnorm_in_training_mode_is_named_as_batchnorm() -> None:
    body = VALIDATION_WRONG["only Dropout switched to eval"][0]
    only_dropout = function_of(f"def validation_loss(model, X, y):\n    {body}\n", "validation_loss")
    assert "BatchNorm1d ran in training mode" in said(verdict("validation_loss", only_dropout))


@pytest.mark.parametrize("body", [
    "model.eval()\n    with torch.no_grad():\n        return torch.nn.functional.mse_loss(model(X), y)",
    "model.eval()\n    with torch.inference_mode():\n        return ((model(X) - y) ** 2).mean()",
    "model.train(False)\n    with torch.set_grad_enabled(False):\n"
    "        return torch.nn.MSELoss()(model(X), y).item()",
    "mode = model.training\n    model.eval()\n    with torch.no_grad():\n        out = model(X)\n"
    "    model.train(mode)\n    return torch.nn.functional.mse_loss(out, y)",
])
def test_5_3_right_ways_pass(body, capsys) -> None:
    passes("validation_loss", function_of(f"def validation_loss(model, X, y):\n    {body}\n", "validation_loss"),
           capsys)


def test_5_3_no_grad_as_a_decorator_passes(capsys) -> None:
    source = ("@torch.no_grad()\ndef validation_loss(model, X, y):\n    model.eval()\n"
              "    return torch.nn.functional.mse_loss(model(X), y)\n")
    passes("validation_loss", function_of(source, "validation_loss"), capsys)


def test_5_3_the_right_answer_passes_without_a_warning_about_its_targets(capsys) -> None:
    """mse_loss warns when the target's shape differs from the prediction's (it broadcasts); each case's y must
    have the shape of model(X), so that a learner's right answer shows no such warning."""
    source = ("def validation_loss(model, X, y):\n    model.eval()\n    with torch.no_grad():\n"
              "        return torch.nn.functional.mse_loss(model(X), y)\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        passes("validation_loss", function_of(source, "validation_loss"), capsys)
    assert [str(w.message) for w in caught if issubclass(w.category, UserWarning)] == []


def test_5_3_a_number_is_not_the_function() -> None:
    assert "pass the function itself" in said(verdict("validation_loss", 0.25))


def test_watch_sees_recording_and_data() -> None:
    x = torch.ones(2, requires_grad=True)
    with TorchCalls() as watch:
        (x * 2).detach()
        _ = x.data
    assert watch.recorded == ["mul"] and watch.used_data
    with TorchCalls() as quiet, torch.no_grad():
        x * 2
    assert quiet.recorded == [] and not quiet.used_data


# ---------------------------------------------------------------- 5.4
PERCENT_WRONG = {
    "probs.data * 100 (issue #13)": ("probs.data * 100", "data_used"),
    "probs.data.mul_(100), the chapter's bug": ("probs.data.mul_(100)", "data_used"),
    "probs.detach().mul_(100)": ("probs.detach().mul_(100)", "probs_changed_in_place"),
    "probs.mul_(100)": ("probs.mul_(100)", "probs_changed_in_place"),
    "probs * 100": ("probs * 100", "percent_tracked"),
    "probs.clone() * 100": ("probs.clone() * 100", "percent_tracked"),
    "probs.mul(100)": ("probs.mul(100)", "percent_tracked"),
    "probs.detach_() * 100": ("probs.detach_() * 100", "probs_changed_in_place"),
}


@pytest.mark.parametrize("label", sorted(PERCENT_WRONG))
def test_5_4_every_wrong_way_is_named(label) -> None:
    expression, mistake = PERCENT_WRONG[label]
    function = function_of(f"def as_percent(probs):\n    return {expression}\n", "as_percent")
    assert verdict("fix_data_bug", function).mistake == mistake


def test_5_4_an_in_place_change_through_a_numpy_view_is_named() -> None:
    """numpy() shares probs's memory like detach(), but an in-place change through it leaves the version counter
    alone: the check must see the changed numbers themselves."""
    source = ("def as_percent(probs):\n    percent = probs.detach().numpy()\n    percent *= 100\n"
              "    return percent\n")
    assert verdict("fix_data_bug", function_of(source, "as_percent")).mistake == "probs_changed_in_place"


@pytest.mark.parametrize("expression", [
    "probs.detach() * 100", "100 * probs.detach()", "probs.detach().clone().mul_(100)",
    "(probs.detach() * 100).tolist()", "probs.detach().cpu().numpy() * 100",
])
def test_5_4_right_ways_pass(expression, capsys) -> None:
    passes("fix_data_bug", function_of(f"def as_percent(probs):\n    return {expression}\n", "as_percent"), capsys)


@pytest.mark.parametrize("first_line", [
    "probs.sum().backward(retain_graph=True)",           # a backward run inside, "to see that it still works"
    "probs.register_hook(lambda grad: grad * 100)",      # the gradient scaled like the percentages
])
def test_5_4_right_percentages_that_change_the_gradient_through_probs_are_refused(first_line) -> None:
    source = f"def as_percent(probs):\n    {first_line}\n    return probs.detach() * 100\n"
    wrong = verdict("fix_data_bug", function_of(source, "as_percent"))
    assert wrong.mistake is None
    assert wrong.problem.startswith("on the chapter's inputs -1, 0, 1, the gradient through probs is wrong")


def test_5_4_no_grad_block_passes(capsys) -> None:
    source = "def as_percent(probs):\n    with torch.no_grad():\n        return probs * 100\n"
    passes("fix_data_bug", function_of(source, "as_percent"), capsys)


def test_5_4_the_float64_case_gives_the_function_float64_probabilities(capsys) -> None:
    seen: list[torch.dtype] = []

    def as_percent(probs):
        seen.append(probs.dtype)
        return probs.detach() * 100

    passes("fix_data_bug", as_percent, capsys)
    cases = [case.name for case in EXERCISES[f"{SLUG}.fix_data_bug"].cases]
    assert len(seen) == len(cases)
    assert seen[cases.index("float64 inputs")] == torch.float64
    assert [dtype for name, dtype in zip(cases, seen) if name != "float64 inputs"] == [torch.float32] * 2


def test_5_4_the_gradient_alone_is_no_longer_the_answer() -> None:
    assert "pass the function itself" in said(verdict("fix_data_bug", torch.tensor([0.1966, 0.25, 0.1966])))


# ---------------------------------------------------------------- the version claims of the prose
ROOT = Path(__file__).resolve().parents[2]
CHAPTER = ROOT / "notebooks" / "05_switching_tracking_off.ipynb"
# The interpreters that can check them: this one, and the compatibility environments where they exist
# (built by ./course compat in .compat/, not committed).
INTERPRETERS = {"tested": sys.executable, **{name: str(ROOT / ".compat" / name / "bin" / "python")
                                             for name in ("oldest", "torch-2.9", "colab", "newest")}}
PROBE = """
import json, torch
out = {"version": torch.__version__}
x = torch.tensor([-1.0, 0.0, 1.0], requires_grad=True)
y = x.sigmoid()
y.detach().zero_()
try:
    y.sum().backward()
except RuntimeError as error:
    out["in_place"] = str(error)
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
with torch.inference_mode():
    z = x * 2
try:
    (z * x).sum()
except RuntimeError as error:
    out["inference"] = str(error)
(z + x).sum().backward()
out["inference_tensor_used_unsaved"] = x.grad.tolist()
print(json.dumps(out))
"""


def prose() -> str:
    return " ".join(" ".join(c.source.split()) for c in nbformat.read(CHAPTER, as_version=4).cells
                    if c.cell_type == "markdown")


def test_the_prose_names_the_versions_this_test_checks() -> None:
    text = prose()
    assert "2.13 to 2.15 name the operation, as here; 2.3 to 2.11 name its backward node instead" in text
    assert "2.3 and 2.9 suggest `set_detect_anomaly(True)`, without `check_nan=False`" in text
    assert "torch 2.3 suggests only the clone; 2.9 to 2.15 give both fixes" in text
    assert "Colab ran" not in text


@pytest.mark.parametrize("name", sorted(INTERPRETERS))
def test_the_version_claims_hold_where_they_can_be_checked(name: str) -> None:
    """What the chapter says older and newer versions print, run in that version (A7 of the review)."""
    python = INTERPRETERS[name]
    if not Path(python).exists():
        pytest.skip(f"no {name} environment here (./course compat builds it)")
    done = subprocess.run([python, "-c", PROBE], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    major, minor = (int(part) for part in seen["version"].split(".")[:2])
    assert major == 2 and 3 <= minor <= 15 and minor not in (10, 12), (
        f"torch {seen['version']}: the prose says nothing about this version; check it and extend the prose")
    node = "SigmoidBackward0" if minor <= 11 else "Sigmoid"
    assert f"which is output 0 of {node}, is at version 1" in seen["in_place"]
    assert ("set_detect_anomaly(True, check_nan=False)" in seen["in_place"]) == (minor >= 11)
    assert seen["inference"].startswith("Inference tensors cannot be saved for backward")
    assert ("or use `torch.no_grad()` instead" in seen["inference"]) == (minor >= 9)
    assert "make a clone" in seen["inference"]
    assert seen["inference_tensor_used_unsaved"] == [1.0, 1.0, 1.0]   # A2: only saving it fails
