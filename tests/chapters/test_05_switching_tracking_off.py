"""Chapter 05's checks against the answers beginners type (found by working through the learner edition).

Every wrong way of working the chapter teaches against must be rejected *and named* (the Mistake's
name is what the instructor's report counts); every reasonable right form must pass.
"""
from __future__ import annotations

import pytest
import torch

from course_utils.checks import WrongAnswer, check, reset_attempts
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
                                             ([100.0, 2.0, 3.0], "earlier_example")])
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
}


@pytest.mark.parametrize("label", sorted(PERCENT_WRONG))
def test_5_4_every_wrong_way_is_named(label) -> None:
    expression, mistake = PERCENT_WRONG[label]
    function = function_of(f"def as_percent(probs):\n    return {expression}\n", "as_percent")
    assert verdict("fix_data_bug", function).mistake == mistake


@pytest.mark.parametrize("expression", [
    "probs.detach() * 100", "100 * probs.detach()", "probs.detach().clone().mul_(100)",
    "(probs.detach() * 100).tolist()", "probs.detach().cpu().numpy() * 100",
])
def test_5_4_right_ways_pass(expression, capsys) -> None:
    passes("fix_data_bug", function_of(f"def as_percent(probs):\n    return {expression}\n", "as_percent"), capsys)


def test_5_4_no_grad_block_passes(capsys) -> None:
    source = "def as_percent(probs):\n    with torch.no_grad():\n        return probs * 100\n"
    passes("fix_data_bug", function_of(source, "as_percent"), capsys)


def test_5_4_the_gradient_alone_is_no_longer_the_answer() -> None:
    assert "pass the function itself" in said(verdict("fix_data_bug", torch.tensor([0.1966, 0.25, 0.1966])))
