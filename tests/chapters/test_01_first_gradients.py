"""Chapter 01's exercises, tried the way beginners answer them, and the chapter's claims about them.

Each attempt is what a learner types in place of the exercise's ``raise NotImplementedError`` line of
the learner edition; the test runs the whole exercise cell (its own ``check(...)`` line included) in a
namespace made by running the chapter's earlier cells, and asserts what the check says: the named
mistake it records, a phrase of its message, or that a right answer in another form passes. The
attempts are the ones tried in a real kernel on the learner edition (see the instructor guide).
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
from course_utils.checks import EXERCISES, WrongAnswer, check, reset_attempts  # noqa: E402
from coursetools.notebooks import NOTEBOOK_DIR  # noqa: E402
from beginner_attempts import ACCEPTED, Attempt, run_typed  # noqa: E402

CHAPTER = "01_first_gradients"
SLUG = "first_gradients"


ATTEMPTS = [
    # 1.1: dL/dW by hand, at W = 1 (x = 2, t = 10)
    Attempt("perceptron_by_hand", "sign lost", "dL_dW = 32.0", "sign_flipped"),
    Attempt("perceptron_by_hand", "inner derivative x dropped", "dL_dW = 2 * (1 * 2 - 10)",
            "chain_rule_factor_dropped"),
    Attempt("perceptron_by_hand", "the 2 of the square dropped", "dL_dW = (1.0 * 2.0 - 10.0) * 2.0",
            "chain_rule_factor_dropped"),
    Attempt("perceptron_by_hand", "both factors dropped", "dL_dW = 1 * 2 - 10", "both_factors_dropped"),
    Attempt("perceptron_by_hand", "the loss's value", "dL_dW = 64", "loss_for_gradient"),
    Attempt("perceptron_by_hand", "the loss tensor itself", "dL_dW = loss", "loss_for_gradient"),
    Attempt("perceptron_by_hand", "the derivative for x instead of W", "dL_dW = 2 * (W * inp - target) * W",
            "chain_rule_factor_dropped"),
    Attempt("perceptron_by_hand", "W.grad before any backward", "dL_dW = W.grad", "~worked out by hand"),
    Attempt("perceptron_by_hand", "a string", 'dL_dW = "-32"', "~without quotes"),
    Attempt("perceptron_by_hand", "a factor dropped and the sign lost", "dL_dW = -2 * (1 * 2 - 10)",
            "factor_dropped_and_sign_flipped"),
    Attempt("perceptron_by_hand", "the power rule on L itself", "dL_dW = 2 * 64", "power_rule_on_the_loss"),
    Attempt("perceptron_by_hand", "an arithmetic slip", "dL_dW = -36.0", "~the values differ"),
    Attempt("perceptron_by_hand", "right, an int", "dL_dW = -32", ACCEPTED),
    Attempt("perceptron_by_hand", "right, the formula on the chapter's tensors", "dL_dW = 2 * (W * inp - target) * inp",
            ACCEPTED),
    Attempt("perceptron_by_hand", "right, a one-element tensor in brackets", "dL_dW = torch.tensor([-32.0])", ACCEPTED),
    # 1.2: autograd's gradient, then one step (the loss of the perceptron cell is in the namespace)
    Attempt("perceptron_step", "uphill", "W_new = 1 + 0.01 * -32", "step_uphill"),
    Attempt("perceptron_step", "no learning rate", "W_new = 1 - (-32)", "learning_rate_missing"),
    Attempt("perceptron_step", "only the change", "W_new = 0.01 * 32", "step_without_weight"),
    Attempt("perceptron_step", "lr misread as 0.1", "W_new = 1 - 0.1 * -32", "wrong_learning_rate"),
    Attempt("perceptron_step", "the loss for the gradient", "W_new = 1 - 0.01 * loss.item()", "loss_for_gradient"),
    Attempt("perceptron_step", "backward twice", "loss.backward(retain_graph=True)\nloss.backward()\n"
            "W_new = (W - 0.01 * W.grad).item()", "accumulated_twice"),
    Attempt("perceptron_step", "the weight unchanged", "W_new = W.item()", "weight_unchanged"),
    Attempt("perceptron_step", "the gradient given as the weight",
            "W = torch.tensor(1.0, requires_grad=True)\nloss = (W * inp - target) ** 2\nloss.backward()\n"
            "W_new = W.grad",
            "gradient_for_weight"),
    Attempt("perceptron_step", "three backward calls",
            "W = torch.tensor(1.0, requires_grad=True)\nloss = (W * inp - target) ** 2\n"
            "loss.backward(retain_graph=True)\nloss.backward(retain_graph=True)\nloss.backward()\n"
            "W_new = (W - 0.01 * W.grad).item()",
            "accumulated_several_times"),
    Attempt("perceptron_step", "lr applied twice", "step = 0.01 * -32\nW_new = 1 - 0.01 * step",
            "learning_rate_applied_twice"),
    Attempt("perceptron_step", "right, a fresh loss as the task says",
            "W = torch.tensor(1.0, requires_grad=True)\nloss = (W * inp - target) ** 2\nloss.backward()\n"
            "W_new = W - 0.01 * W.grad", ACCEPTED),
    Attempt("perceptron_step", "right, a float16 tensor", "W_new = torch.tensor(1.32, dtype=torch.float16)", ACCEPTED),
    Attempt("perceptron_step", "right, in brackets", "W_new = torch.tensor([1.32])", ACCEPTED),
    # 1.3: two gradients from autograd
    Attempt("two_variable_grads", ".grad read before backward", "p = torch.tensor(2.0, requires_grad=True)\n"
            "q = torch.tensor(-1.0, requires_grad=True)\nf = p**2 * q + 3 * q\ngrads = [p.grad, q.grad]", "~is None"),
    Attempt("two_variable_grads", "swapped", "grads = [7.0, -4.0]", "swapped"),
    Attempt("two_variable_grads", "the values of p and q", "p = torch.tensor(2.0, requires_grad=True)\n"
            "q = torch.tensor(-1.0, requires_grad=True)\ngrads = [p, q]", "values_for_gradients"),
    Attempt("two_variable_grads", "f itself", "p = torch.tensor(2.0, requires_grad=True)\n"
            "q = torch.tensor(-1.0, requires_grad=True)\ngrads = p**2 * q + 3 * q", "value_for_gradients"),
    Attempt("two_variable_grads", "only p.grad", "p = torch.tensor(2.0, requires_grad=True)\n"
            "q = torch.tensor(-1.0, requires_grad=True)\n(p**2 * q + 3 * q).backward()\ngrads = p.grad",
            "one_gradient_only"),
    Attempt("two_variable_grads", "by hand, 3q forgotten", "grads = [-4, 4]", "constant_term_dropped"),
    Attempt("two_variable_grads", "by hand, factor q forgotten", "grads = [4, 7]", "factor_dropped"),
    Attempt("two_variable_grads", "by hand, p² dropped in df/dq", "grads = [-4, 3]", "product_term_dropped"),
    Attempt("two_variable_grads", "by hand, the power rule's 2 forgotten", "grads = [2 * -1, 7]",
            "power_rule_factor_missing"),
    Attempt("two_variable_grads", "backward twice", "p = torch.tensor(2.0, requires_grad=True)\n"
            "q = torch.tensor(-1.0, requires_grad=True)\nf = p**2 * q + 3 * q\nf.backward(retain_graph=True)\n"
            "f.backward()\ngrads = [p.grad, q.grad]", "accumulated_twice"),
    Attempt("two_variable_grads", "both signs flipped", "grads = [4.0, -7.0]", "sign_flipped"),
    Attempt("two_variable_grads", "a dict", 'grads = {"p": -4.0, "q": 7.0}', "~in order"),
    Attempt("two_variable_grads", "right, one-element tensors in brackets (the chapter's first style)",
            "p = torch.tensor([2.0], requires_grad=True)\nq = torch.tensor([-1.0], requires_grad=True)\n"
            "(p**2 * q + 3 * q).backward()\ngrads = [p.grad, q.grad]", ACCEPTED),
    Attempt("two_variable_grads", "right, one tensor", "grads = torch.tensor([-4.0, 7.0])", ACCEPTED),
    # 1.4: who gets a .grad (x untracked; w, b tracked; y the result)
    Attempt("who_gets_a_grad", "x too", 'tensors_with_grad = {"x", "w", "b"}', "used_means_tracked"),
    Attempt("who_gets_a_grad", "y too", 'tensors_with_grad = {"w", "b", "y"}', "result_keeps_grad"),
    Attempt("who_gets_a_grad", "all four", 'tensors_with_grad = {"x", "w", "b", "y"}', "every_tensor_gets_grad"),
    Attempt("who_gets_a_grad", "not the added bias", 'tensors_with_grad = {"w"}', "added_tensor_no_grad"),
    Attempt("who_gets_a_grad", "only the result", 'tensors_with_grad = {"y"}', "result_keeps_grad"),
    Attempt("who_gets_a_grad", "not w, whose partner is untracked", 'tensors_with_grad = {"b"}',
            "multiplied_by_untracked_no_grad"),
    Attempt("who_gets_a_grad", "the tensors themselves", "tensors_with_grad = {w, b}", "~is not one of the options"),
    Attempt("who_gets_a_grad", "one string with both names", 'tensors_with_grad = "w, b"', "~a set of option labels"),
    Attempt("who_gets_a_grad", "a mixed guess", 'tensors_with_grad = {"x", "b"}',
            "~at least one option is judged wrong"),
    Attempt("who_gets_a_grad", "right, a list", 'tensors_with_grad = ["w", "b"]', ACCEPTED),
    Attempt("who_gets_a_grad", "right, capitals", 'tensors_with_grad = {"W", "B"}', ACCEPTED),
]


def _code_cells() -> list[str]:
    nb = nbformat.read(NOTEBOOK_DIR / "learner" / f"{CHAPTER}.ipynb", as_version=4)
    return [cell.source for cell in nb.cells if cell.cell_type == "code"][1:]  # the setup cell is the test's own


def _exercise_of(source: str) -> str | None:
    found = re.search(r'raise NotImplementedError\("Exercise ([\w.]+):', source)
    return found.group(1).split(".", 1)[1] if found else None


def before(exercise: str) -> tuple[str, dict]:
    """The exercise's cell, and a namespace made by running every other cell above it (as a learner would)."""
    namespace = {"torch": torch, "np": np, "course_utils": course_utils, "check": check, "device": torch.device("cpu")}
    for source in _code_cells():
        if _exercise_of(source) == exercise:
            return source, namespace
        if _exercise_of(source) is None:
            exec(source, namespace)
    raise KeyError(exercise)


@pytest.fixture(autouse=True)
def strict_checks(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("COURSE_CHECKS_STRICT", "1")
    monkeypatch.setenv("COURSE_LIVE", "0")
    reset_attempts()
    yield
    plt.close("all")


def run_attempt(attempt: Attempt) -> WrongAnswer | None:
    cell, namespace = before(attempt.exercise)
    return run_typed(cell, attempt.code, namespace)


@pytest.mark.parametrize("attempt", ATTEMPTS, ids=[f"{a.exercise}: {a.label}" for a in ATTEMPTS])
def test_a_beginners_answer_gets_the_right_verdict(attempt: Attempt, capsys: pytest.CaptureFixture[str]) -> None:
    verdict = run_attempt(attempt)
    if attempt.verdict == ACCEPTED:
        assert verdict is None, f"a right answer was refused: {verdict}"
        assert capsys.readouterr().out.rstrip().endswith(f"Correct: {SLUG}.{attempt.exercise} "
                                                          f"({EXERCISES[f'{SLUG}.{attempt.exercise}'].title})")
    elif attempt.verdict.startswith("~"):
        assert verdict is not None, "a wrong answer was accepted"
        assert attempt.verdict[1:] in " ".join(str(verdict).split())
    else:
        assert verdict is not None, "a wrong answer was accepted"
        assert verdict.mistake == attempt.verdict, f"recorded {verdict.mistake!r}:\n{verdict}"


def test_every_exercise_has_attempts_and_most_wrong_ones_are_named() -> None:
    exercises = [e for e in map(_exercise_of, _code_cells()) if e]
    assert sorted(exercises) == sorted({a.exercise for a in ATTEMPTS})
    for exercise in exercises:
        tried = [a for a in ATTEMPTS if a.exercise == exercise]
        wrong = [a for a in tried if a.verdict != ACCEPTED]
        named = [a for a in wrong if not a.verdict.startswith("~")]
        assert len(wrong) >= 5 and len(tried) > len(wrong), exercise
        assert len(named) >= 0.6 * len(wrong), exercise


def test_every_exercise_has_a_first_step_and_hints_that_grow() -> None:
    for exercise_id in [i for i in EXERCISES if i.startswith(SLUG + ".")]:
        exercise = EXERCISES[exercise_id]
        assert exercise.first_step.strip() and exercise.hint.strip(), exercise_id
        reset_attempts()
        texts = []
        for _ in range(3):
            with pytest.raises(WrongAnswer) as info:
                check(exercise_id, "not an answer")
            texts.append(str(info.value))
        assert "Hint:" not in texts[0] and "Hint:" in texts[1] and "First step:" in texts[2], exercise_id


def _outputs(exercise_id: str) -> tuple[str, list[str]]:
    """The stored output of an exercise's own cell, and the outputs of every code cell after it."""
    nb = nbformat.read(NOTEBOOK_DIR / f"{CHAPTER}.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    start = next(k for k, c in enumerate(code) if f'check("{exercise_id}"' in c.source)
    texts = ["\n".join(o.get("text", "") + str(o.get("data", {}).get("text/plain", "")) for o in c.get("outputs", []))
             for c in code[start:]]
    return texts[0], texts[1:]


def test_no_stored_output_after_an_exercise_shows_its_answer() -> None:
    """Issue 13: 1.1 was followed by autograd printing -32, 1.4 by the four .grad values.

    The one exception is 1.2's own solution, which prints W.grad as its task asks (its output exists only in the
    solution edition, where 1.1's solution is on screen anyway); no cell that the learner edition keeps prints it.
    """
    own_12, after_12 = _outputs("first_gradients.perceptron_step")
    _, after_11 = _outputs("first_gradients.perceptron_by_hand")
    assert after_11[0] == own_12 and not any("-32" in text for text in after_11[1:])
    assert not any("1.32" in text for text in after_12)
    assert _outputs("first_gradients.who_gets_a_grad")[1] == []
    summary = next(c.source for c in nbformat.read(NOTEBOOK_DIR / f"{CHAPTER}.ipynb", as_version=4).cells
                   if c.source.startswith("## Summary"))
    assert "−32" not in summary and "-32" not in summary


def test_the_perceptron_numbers_of_the_course_plan_appear_in_real_outputs() -> None:
    """COURSE_PLAN: loss 64, dL/dW = −32 by hand, then by autograd; the step to 1.32.

    Review A4: they were in no output."""
    nb = nbformat.read(NOTEBOOK_DIR / f"{CHAPTER}.ipynb", as_version=4)
    own_12, _ = _outputs("first_gradients.perceptron_step")
    assert "W.grad: -32.0" in own_12 and "W_new: 1.32\n" in own_12
    perceptron = next(c for c in nb.cells if c.cell_type == "code" and "target = torch.tensor(10.0" in c.source)
    assert "tensor(64., grad_fn=<PowBackward0>)" in perceptron.outputs[0]["text"]


def test_exercise_1_2_builds_its_own_loss_so_that_it_can_be_run_twice() -> None:
    """Review C6: the option "the loss of the perceptron cell" broke on a second run (the graph was freed)."""
    nb = nbformat.read(NOTEBOOK_DIR / f"{CHAPTER}.ipynb", as_version=4)
    task = next(c.source for c in nb.cells if "### Exercise 1.2" in c.source)
    assert "fresh `W = 1`" in task and "the `loss` of the perceptron cell" not in task
    cell, namespace = before("perceptron_step")
    solved = next(c.source for c in nb.cells if 'check("first_gradients.perceptron_step"' in c.source)
    for _ in range(2):
        exec(solved, namespace)


def test_one_number_with_or_without_brackets_counts_the_same() -> None:
    """The chapter says `[5.0]` and `5.0` behave the same for gradients, and that the checks accept either."""
    for exercise_id, value in [("perceptron_by_hand", -32.0), ("perceptron_step", 1.32)]:
        for form in (value, torch.tensor(value), torch.tensor([value]), [value], torch.tensor([[value]])):
            check(f"{SLUG}.{exercise_id}", form)
    check(f"{SLUG}.two_variable_grads", [torch.tensor([-4.0]), torch.tensor([7.0])])


def test_the_tangent_picture_has_the_slope_that_autograd_finds() -> None:
    from course_utils.plots import tangent
    from course_utils.plots.tangent import plot_tangent

    assert "chapter 01" in tangent.__doc__, "a plotting helper's docstring names the chapter that introduces it"
    ax = plot_tangent(lambda a: a**3 - 36, at=5.0, name="a", function_label="y = a³ − 36")
    curve, tangent = ax.lines[0], ax.lines[1]
    xs, ys = tangent.get_data()
    slope = (ys[-1] - ys[0]) / (xs[-1] - xs[0])
    assert slope == pytest.approx(75.0) and np.interp(5.0, xs, ys) == pytest.approx(89.0)
    assert np.interp(5.0, *curve.get_data()) == pytest.approx(89.0, rel=1e-3)
    assert ax.get_xlabel() == "a" and ax.get_ylabel() == "y"
    labels = [t.get_text() for t in ax.get_legend().get_texts()] + [t.get_text() for t in ax.texts]
    assert labels == ["y = a³ − 36", "tangent at a = 5: slope 75", "a grows by 1", "the line rises by 75"]
    renderer = ax.figure.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    for text in ax.texts:  # review D2: "the line rises by 75" touched the right edge of the frame
        box = text.get_window_extent(renderer)
        assert frame.x0 + 4 <= box.x0 and box.x1 <= frame.x1 - 4, text.get_text()
        assert frame.y0 + 4 <= box.y0 and box.y1 <= frame.y1 - 4, text.get_text()
    ax = plot_tangent(torch.sin, at=0.0, slope=2.0)  # a slope given by the caller is drawn as given
    xs, ys = ax.lines[1].get_data()
    assert (ys[-1] - ys[0]) / (xs[-1] - xs[0]) == pytest.approx(2.0)
