"""Chapter 10's exercises, tried the way beginners answer them.

Each attempt is what a learner types in place of the exercise's ``raise NotImplementedError`` line of
the learner edition (found by working through the learner edition in a real kernel); the test runs the
whole exercise cell, its own ``check(...)`` line included, in a namespace that holds what the chapter's
other cells define, and asserts the verdict: the named mistake the check records (what the instructor's
report counts), ``~text`` for a wrong answer that is refused without a name, ``!Error`` for code that
fails on its own before the check, or ACCEPTED for a right answer in another form.
"""
from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys

import nbformat
import numpy as np
import pytest
import torch

import course_utils
from course_utils.checks import EXERCISES, WrongAnswer, check, reset_attempts
from coursetools.notebooks import NOTEBOOK_DIR, ROOT
from beginner_attempts import ACCEPTED, Attempt, typed_into  # noqa: E402

CHAPTER = "10_higher_order_derivatives"
SLUG = "higher_order_derivatives"


GRAD = "x = torch.tensor(1.0, requires_grad=True, device=device)\n"
HVP = "def hvp(f, x, v):\n"

ATTEMPTS = [
    # 10.1: f''(1) for x² sin x
    Attempt("second_derivative", "no create_graph: the second call fails on its own", GRAD + """
first, = torch.autograd.grad(x ** 2 * torch.sin(x), x)
second, = torch.autograd.grad(first, x)""", "!RuntimeError"),
    Attempt("second_derivative", "stops after the first derivative", GRAD + """
first, = torch.autograd.grad(x ** 2 * torch.sin(x), x, create_graph=True)
second = first""", "first_derivative_only"),
    Attempt("second_derivative", "backward twice: x.grad holds f' + f''", GRAD + """
(x ** 2 * torch.sin(x)).backward(create_graph=True)
x.grad.backward()
second = x.grad""", "accumulated_first_and_second"),
    Attempt("second_derivative", "reads x.grad after autograd.grad", GRAD + """
first, = torch.autograd.grad(x ** 2 * torch.sin(x), x, create_graph=True)
torch.autograd.grad(first, x)
second = x.grad""", "grad_read_from_dot_grad"),
    Attempt("second_derivative", "the value f(1)", GRAD + "second = x ** 2 * torch.sin(x)", "value_not_derivative"),
    Attempt("second_derivative", "a sign slip", "import math\nsecond = -(math.sin(1) + 4 * math.cos(1))",
            "sign_flipped"),
    Attempt("second_derivative", "a cell run twice: f'' added twice into x.grad", GRAD + """
first, = torch.autograd.grad(x ** 2 * torch.sin(x), x, create_graph=True)
first.backward(retain_graph=True)
first.backward()
second = x.grad""", "accumulated_twice"),
    Attempt("second_derivative", "an algebra slip by hand (-x² sin x forgotten)",
            "import math\nsecond = 2 * math.sin(1) + 4 * math.cos(1)", "~the values differ"),
    Attempt("second_derivative", "the tuple autograd.grad returns", GRAD + """
first, = torch.autograd.grad(x ** 2 * torch.sin(x), x, create_graph=True)
second = torch.autograd.grad(first, x)""", ACCEPTED),
    Attempt("second_derivative", "float64 and .item()", """
x = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
first, = torch.autograd.grad(x ** 2 * torch.sin(x), x, create_graph=True)
second = torch.autograd.grad(first, x)[0].item()""", ACCEPTED),
    # 10.2: x.grad after backward() on g = dy/dx
    Attempt("grad_of_grad", "the first derivative 6", "answer = 6.0", "first_derivative_not_of_g"),
    Attempt("grad_of_grad", "the value 9", "answer = 9", "value_not_derivative"),
    Attempt("grad_of_grad", "g treated as a constant", "answer = 0", "gradient_as_constant"),
    Attempt("grad_of_grad", "backward run twice", """
x = torch.tensor(3.0, requires_grad=True, device=device)
g, = torch.autograd.grad(x ** 2, x, create_graph=True)
g.backward(retain_graph=True)
g.backward()
answer = x.grad.item()""", "accumulated_twice"),
    Attempt("grad_of_grad", "x.grad read before backward", """
x = torch.tensor(3.0, requires_grad=True, device=device)
g, = torch.autograd.grad(x ** 2, x, create_graph=True)
answer = x.grad""", "grad_read_before_backward"),
    Attempt("grad_of_grad", "the number as a string", 'answer = "2"', "~without quotes"),
    Attempt("grad_of_grad", "the tensor x.grad itself", """
x = torch.tensor(3.0, requires_grad=True, device=device)
g, = torch.autograd.grad(x ** 2, x, create_graph=True)
g.backward()
answer = x.grad""", ACCEPTED),
    # 10.3: three Newton steps
    Attempt("newton_steps", "Newton for a root, x - f/f'", """
x = torch.tensor(2.0, device=device)
iterates = []
for step in range(3):
    x = x.detach().requires_grad_()
    y = newton_function(x)
    d1, = torch.autograd.grad(y, x)
    x = x - y / d1
    iterates.append(x.item())""", "newton_for_a_root"),
    Attempt("newton_steps", "the step added", """
x = torch.tensor(2.0, device=device)
iterates = []
for step in range(3):
    x = x.detach().requires_grad_()
    d1, = torch.autograd.grad(newton_function(x), x, create_graph=True)
    d2, = torch.autograd.grad(d1, x)
    x = x + d1 / d2
    iterates.append(x.item())""", "newton_step_added"),
    Attempt("newton_steps", "appended before the update", """
x = torch.tensor(2.0, device=device)
iterates = []
for step in range(3):
    x = x.detach().requires_grad_()
    iterates.append(x.item())
    d1, = torch.autograd.grad(newton_function(x), x, create_graph=True)
    d2, = torch.autograd.grad(d1, x)
    x = x - d1 / d2""", "newton_start_included"),
    Attempt("newton_steps", "only the last x", """
x = torch.tensor(2.0, device=device)
for step in range(3):
    x = x.detach().requires_grad_()
    d1, = torch.autograd.grad(newton_function(x), x, create_graph=True)
    d2, = torch.autograd.grad(d1, x)
    x = x - d1 / d2
iterates = x.item()""", "newton_last_only"),
    Attempt("newton_steps", "gradient descent", """
x = torch.tensor(2.0, device=device)
iterates = []
for step in range(3):
    x = x.detach().requires_grad_()
    d1, = torch.autograd.grad(newton_function(x), x)
    x = x - 0.01 * d1
    iterates.append(x.item())""", "gradient_descent_not_newton"),
    Attempt("newton_steps", "derivatives by backward(): x.grad holds f' + f''", """
x = torch.tensor(2.0, device=device)
iterates = []
for step in range(3):
    x = x.detach().requires_grad_()
    newton_function(x).backward(create_graph=True)
    d1 = x.grad.clone()
    x.grad.backward()
    d2 = x.grad
    x = x - d1 / d2
    iterates.append(x.item())""", "accumulated_first_and_second"),
    Attempt("newton_steps", "the ratio upside down", """
x = torch.tensor(2.0, device=device)
iterates = []
for step in range(3):
    x = x.detach().requires_grad_()
    d1, = torch.autograd.grad(newton_function(x), x, create_graph=True)
    d2, = torch.autograd.grad(d1, x)
    x = x - d2 / d1
    iterates.append(x.item())""", "newton_ratio_inverted"),
    Attempt("newton_steps", "without a fresh leaf each step (the values are right)", """
x = torch.tensor(2.0, device=device, requires_grad=True)
iterates = []
for step in range(3):
    d1, = torch.autograd.grad(newton_function(x), x, create_graph=True)
    d2, = torch.autograd.grad(d1, x)
    x = x - d1 / d2
    iterates.append(x.item())""", ACCEPTED),
    Attempt("newton_steps", "derivatives by hand (right)", """
iterates, x = [], 2.0
for step in range(3):
    x = x - (4 * x ** 3 - 6 * x + 2) / (12 * x ** 2 - 6)
    iterates.append(x)""", ACCEPTED),
    # 10.4: hvp(f, x, v)
    Attempt("hvp_function", "called instead of passed", HVP + """    x = x.detach().requires_grad_()
    g, = torch.autograd.grad(f(x), x, create_graph=True)
    return torch.autograd.grad(g @ v, x)[0]
hvp = hvp(f, x0, v)""", "~pass the function itself"),
    Attempt("hvp_function", "returns the gradient", HVP + """    x = x.detach().requires_grad_()
    g, = torch.autograd.grad(f(x), x)
    return g""", "gradient_not_hvp"),
    Attempt("hvp_function", "differentiates the untracked x", HVP + """\
    g, = torch.autograd.grad(f(x), x, create_graph=True)
    hv, = torch.autograd.grad(g @ v, x)
    return hv""", "input_not_tracked"),
    Attempt("hvp_function", "no create_graph", HVP + """    x = x.detach().requires_grad_()
    g, = torch.autograd.grad(f(x), x)
    hv, = torch.autograd.grad(g @ v, x)
    return hv""", "first_grad_not_recorded"),
    Attempt("hvp_function", "returns the tuple", HVP + """    x = x.detach().requires_grad_()
    g, = torch.autograd.grad(f(x), x, create_graph=True)
    return torch.autograd.grad(g @ v, x)""", "returned_tuple"),
    Attempt("hvp_function", "x.requires_grad_() on the caller's x", HVP + """    x.requires_grad_()
    g, = torch.autograd.grad(f(x), x, create_graph=True)
    hv, = torch.autograd.grad(g @ v, x)
    return hv""", "changed_callers_x"),
    Attempt("hvp_function", "g * v, a vector, differentiated", HVP + """    x = x.detach().requires_grad_()
    g, = torch.autograd.grad(f(x), x, create_graph=True)
    hv, = torch.autograd.grad(g * v, x)
    return hv""", "second_grad_of_vector"),
    Attempt("hvp_function", "backward() twice", HVP + """    x = x.detach().requires_grad_()
    f(x).backward(create_graph=True)
    (x.grad @ v).backward()
    return x.grad""", "accumulated_gradient_and_hvp"),
    Attempt("hvp_function", "the whole Hessian times v", HVP + "    return torch.autograd.functional.hessian(f, x) @ v",
            "built_hessian"),
    Attempt("hvp_function", "the Hessian row by row, stacked", HVP + """    x = x.detach().requires_grad_()
    g, = torch.autograd.grad(f(x), x, create_graph=True)
    rows = [torch.autograd.grad(g[i], x, retain_graph=True)[0] for i in range(len(x))]
    return torch.stack(rows) @ v""", "built_hessian"),
    Attempt("hvp_function", "the ready-made functional.hvp",
            HVP + "    return torch.autograd.functional.hvp(f, x, v)[1]", "called_ready_made_hvp"),
    Attempt("hvp_function", "g.sum() instead of g @ v", HVP + """    x = x.detach().requires_grad_()
    g, = torch.autograd.grad(f(x), x, create_graph=True)
    hv, = torch.autograd.grad(g.sum(), x)
    return hv""", "ignored_v"),
    Attempt("hvp_function", "stops at g @ v", HVP + """    x = x.detach().requires_grad_()
    g, = torch.autograd.grad(f(x), x, create_graph=True)
    return g @ v""", "directional_derivative_only"),
    Attempt("hvp_function", "the chapter's function hard-coded", HVP + """    x = x.detach().requires_grad_()
    g, = torch.autograd.grad((x ** 2).sum() ** 2 + x.prod(), x, create_graph=True)
    hv, = torch.autograd.grad(g @ v, x)
    return hv""", "ignores_given_f"),
    Attempt("hvp_function", "v returned", HVP + "    return v", "~wrong values"),
    Attempt("hvp_function", "torch.func.jvp without tuples (from the next chapter)",
            HVP + "    return torch.func.jvp(torch.func.grad(f), x, v)[1]",
            "~your code raised RuntimeError: jvp(f, primals, tangents): Expected primals to be a tuple"),
    Attempt("hvp_function", "grad_outputs=v", HVP + """    x = x.detach().requires_grad_()
    g, = torch.autograd.grad(f(x), x, create_graph=True)
    return torch.autograd.grad(g, x, grad_outputs=v)[0]""", ACCEPTED),
    Attempt("hvp_function", "a clone instead of detach", HVP + """    x = x.clone().requires_grad_()
    g, = torch.autograd.grad(f(x), x, create_graph=True)
    return torch.autograd.grad(g @ v, x)[0]""", ACCEPTED),
]


def _learner_cells() -> list:
    return nbformat.read(NOTEBOOK_DIR / "learner" / f"{CHAPTER}.ipynb", as_version=4).cells


def _exercise_cells() -> dict[str, str]:
    cells = {}
    for cell in _learner_cells():
        found = re.search(r'raise NotImplementedError\("Exercise ([\w.]+):', cell.source)
        if cell.cell_type == "code" and found:
            cells[found.group(1).split(".", 1)[1]] = cell.source
    return cells


@pytest.fixture(scope="module")
def cells() -> dict[str, str]:
    return _exercise_cells()


@pytest.fixture(scope="module")
def chapter_namespace() -> dict:
    """What the chapter's cells define, from running every code cell of the learner edition but the
    setup cell and the exercises (as a learner who ran the chapter up to the exercises has it)."""
    namespace = {"torch": torch, "np": np, "course_utils": course_utils, "check": check,
                 "device": torch.device("cpu")}
    with contextlib.redirect_stdout(io.StringIO()):
        for cell in [c for c in _learner_cells() if c.cell_type == "code"][1:]:
            if "raise NotImplementedError(\"Exercise " not in cell.source:
                exec(cell.source, namespace)
    return namespace


@pytest.fixture(autouse=True)
def strict_checks(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("COURSE_CHECKS_STRICT", "1")
    reset_attempts()


def run_attempt(cell: str, attempt: Attempt, namespace: dict) -> WrongAnswer | BaseException | None:
    """Run the exercise cell with the attempt typed in; the verdict, the learner code's own error, or None."""
    scope = dict(namespace)
    try:
        exec(typed_into(cell, attempt.code), scope)
    except WrongAnswer as verdict:
        return verdict
    except Exception as error:  # the learner's own code fails before check() is reached
        return error
    return None


@pytest.mark.parametrize("attempt", ATTEMPTS, ids=[f"{a.exercise}: {a.label}" for a in ATTEMPTS])
def test_a_beginners_answer_gets_the_right_verdict(cells: dict[str, str], chapter_namespace: dict,
                                                    attempt: Attempt, capsys: pytest.CaptureFixture[str]) -> None:
    verdict = run_attempt(cells[attempt.exercise], attempt, chapter_namespace)
    if attempt.verdict == ACCEPTED:
        assert verdict is None, f"a right answer was refused: {verdict}"
        assert capsys.readouterr().out.startswith(f"Correct: {SLUG}.{attempt.exercise}")
    elif attempt.verdict.startswith("!"):
        assert isinstance(verdict, Exception) and not isinstance(verdict, WrongAnswer), verdict
        assert type(verdict).__name__ == attempt.verdict[1:]
    elif attempt.verdict.startswith("~"):
        assert isinstance(verdict, WrongAnswer), f"not judged wrong: {verdict!r}"
        assert attempt.verdict[1:] in " ".join(str(verdict).split())
    else:
        assert isinstance(verdict, WrongAnswer), f"not judged wrong: {verdict!r}"
        assert verdict.mistake == attempt.verdict, f"recorded {verdict.mistake!r}:\n{verdict}"


def test_every_exercise_has_attempts_and_most_wrong_ones_are_named(cells: dict[str, str]) -> None:
    for exercise in cells:
        tried = [a for a in ATTEMPTS if a.exercise == exercise]
        judged = [a for a in tried if a.verdict != ACCEPTED and not a.verdict.startswith("!")]
        named = [a for a in judged if not a.verdict.startswith("~")]
        assert len(judged) >= 4 and len(tried) > len(judged), exercise
        assert len(named) >= 0.8 * len(judged), exercise


def test_hints_grow_then_give_a_first_step(cells: dict[str, str], chapter_namespace: dict) -> None:
    for exercise, cell in cells.items():
        wrong = next(a for a in ATTEMPTS if a.exercise == exercise and a.verdict not in (ACCEPTED,)
                     and not a.verdict.startswith("!"))
        reset_attempts()
        messages = [str(run_attempt(cell, wrong, chapter_namespace)) for _ in range(3)]
        assert "Hint:" not in messages[0] and "Hint:" in messages[1] and "First step:" in messages[2], exercise
        assert "First step:" not in messages[1]


def test_the_modules_import_in_either_order() -> None:
    """Each chapter module imported first, in a fresh interpreter (chapter 11 uses helpers of chapter 10)."""
    for module in ("higher_order_derivatives", "jacobians_hessians_per_sample"):
        done = subprocess.run([sys.executable, "-c", f"import course_utils.exercises.{module}"],
                              capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]


def test_references_raise_no_warning() -> None:
    """The checks' own computations print nothing into the learner's cell, even on torch 2.14 (whose forward
    mode warns about torch.jit.script on first use): in a fresh interpreter with every warning an error,
    each solution passes."""
    script = ("from course_utils.checks import EXERCISES, check\n"
              f"for i, e in sorted(EXERCISES.items()):\n"
              f"    if e.chapter == {SLUG!r}:\n"
              "        check(i, e.solution())\n")
    done = subprocess.run([sys.executable, "-W", "error", "-c", script], capture_output=True, text=True, cwd=ROOT,
                          timeout=300, env={**os.environ, "COURSE_PROGRESS_FILE": "off"})
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("Correct:") == sum(e.chapter == SLUG for e in EXERCISES.values())


def test_the_hvp_check_sees_a_hessian_being_built() -> None:
    """The size watch: double backward makes nothing bigger than n numbers; the Hessian makes n²."""
    from course_utils.exercises.higher_order_derivatives import HVP_CASES, _hvp_reference, observing

    f, x, v = HVP_CASES[-1].inputs()
    n = x.numel()
    assert observing(_hvp_reference)(f, x, v).largest < n * n
    assert observing(lambda f, x, v: torch.autograd.functional.hessian(f, x) @ v)(f, x, v).largest >= n * n


def test_the_ready_made_hvp_is_put_back() -> None:
    from course_utils.exercises.higher_order_derivatives import observing

    before = torch.autograd.functional.hvp
    seen = observing(lambda f, x, v: torch.autograd.functional.hvp(f, x, v)[1])(
        lambda x: (x ** 3).sum(), torch.ones(3), torch.ones(3))
    assert seen.used == ("torch.autograd.functional.hvp",)
    assert torch.autograd.functional.hvp is before


def test_functional_hvp_takes_three_backward_passes_as_the_prose_says() -> None:
    """Review A1: the chapter says the double backward gives the same H v as functional.hvp with two gradients,
    while functional.hvp itself takes a third backward pass (the "double-back trick")."""
    calls = []
    original = torch.autograd.grad

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    f = lambda x: (x ** 2).sum() ** 2 + x.prod()  # noqa: E731
    try:
        torch.autograd.grad = counting
        torch.autograd.functional.hvp(f, torch.tensor([1.0, -2.0, 0.5]), torch.tensor([1.0, 0.0, -1.0]))
    finally:
        torch.autograd.grad = original
    assert len(calls) == 3
    prose = " ".join(c.source for c in nbformat.read(NOTEBOOK_DIR / f"{CHAPTER}.ipynb", as_version=4).cells
                     if c.cell_type == "markdown")
    assert "takes a detour through a third backward pass" in " ".join(prose.split())
    assert "exactly what `functional.hvp` computes" not in prose


COMPAT = sorted((ROOT / ".compat").glob("*/bin/python"))
UNUSED_SNIPPET = """
import torch
x, z = torch.tensor(2.0, requires_grad=True), torch.tensor(5.0, requires_grad=True)
try:
    torch.autograd.grad(x ** 2, (x, z))
except RuntimeError as err:
    print(torch.__version__.split("+")[0] + "|" + str(err))
"""


@pytest.mark.skipif(not COMPAT, reason="no compatibility environments (./course compat builds them in .compat/)")
@pytest.mark.parametrize("python", COMPAT, ids=[p.parts[-3] for p in COMPAT])
def test_the_allow_unused_message_is_worded_as_the_prose_says_for_each_version(python) -> None:
    """torch 2.13 to 2.15 name the index; torch 2.3 to 2.11 say "One of the differentiated Tensors"; the tail
    is the same in all of them."""
    done = subprocess.run([str(python), "-c", UNUSED_SNIPPET], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    version, message = done.stdout.strip().split("|", 1)
    major, minor = (int(part) for part in version.split(".")[:2])
    start = ("The differentiated Tensor at index 1" if (major, minor) >= (2, 13)
             else "One of the differentiated Tensors")
    assert message == f"{start} appears to not have been used in the graph. Set allow_unused=True if this is the " \
                      "desired behavior.", version
    prose = " ".join(" ".join(c.source.split()) for c in nbformat.read(NOTEBOOK_DIR / f"{CHAPTER}.ipynb",
                                                                     as_version=4).cells if c.cell_type == "markdown")
    assert "torch 2.13 to 2.15 print it as above; torch 2.3 to 2.11 (Colab's 2.11 among them) say" in prose


def test_newton_steps_are_judged_against_the_float64_iterates_up_to_the_edge_of_the_tolerance() -> None:
    """10.3's stated tolerance (rtol 1e-4, atol 1e-6) holds around the exact iterates: answers just inside its edge
    pass on either side, answers just past it are refused."""
    from course_utils.checks.tolerance import ATOL, RTOL

    exact, x = [], 2.0
    for _ in range(3):
        x = x - (4 * x**3 - 6 * x + 2) / (12 * x**2 - 6)
        exact.append(x)
    edge = ATOL + RTOL * np.abs(np.array(exact))
    for side in (1.0, -1.0):
        assert check("higher_order_derivatives.newton_steps", (exact + side * 0.9999 * edge).tolist()) is None
        with pytest.raises(WrongAnswer):
            check("higher_order_derivatives.newton_steps", (exact + side * 1.0001 * edge).tolist())


def test_hvp_inputs_give_the_chapter_point_in_float64_and_draw_the_directions_from_a_private_generator() -> None:
    """The case named "at (1, -2, 0.5) with v = (1, 0, -1)" gets exactly those, in float64; the random
    directions of a vmap case are the same on every call and leave the learner's random state as it was."""
    from course_utils.exercises.higher_order_derivatives import hvp_inputs

    f, x, v = hvp_inputs("chapter", 3, seed=0, chapter_point=(1.0, -2.0, 0.5))()
    assert x.dtype == v.dtype == torch.float64
    assert x.tolist() == [1.0, -2.0, 0.5] and v.tolist() == [1.0, 0.0, -1.0]
    assert f(x).item() == pytest.approx((1 + 4 + 0.25) ** 2 - 1)
    torch.manual_seed(5)
    before = torch.get_rng_state()
    first, again = (hvp_inputs("sin", 5, seed=23, directions=4)()[2].rows for _ in range(2))
    assert torch.equal(torch.get_rng_state(), before)
    assert first.shape == (4, 5) and first.dtype == torch.float64 and torch.equal(first, again)


def test_each_random_hvp_case_uses_the_function_its_name_states() -> None:
    """The cases the learner is told about ("f(x) = x[0]·sum(sin(x))", "f(x) = logsumexp(3x)",
    "f(x) = logsumexp(x) + sum(x⁴)/4") hand hvp exactly those functions."""
    from course_utils.exercises.higher_order_derivatives import HVP_CASES

    stated = {"f(x) = x[0]·sum(sin(x))": lambda x: x[0] * torch.sin(x).sum(),
              "f(x) = logsumexp(3x)": lambda x: torch.logsumexp(3 * x, dim=0),
              "f(x) = logsumexp(x) + sum(x⁴)/4": lambda x: torch.logsumexp(x, dim=0) + (x ** 4).sum() / 4}
    for name, formula in stated.items():
        case = next(case for case in HVP_CASES if case.name.startswith(name + " at "))
        f, x, v = case.inputs()
        assert f(x).item() == pytest.approx(formula(x).item(), rel=1e-12), name
        assert f(2 * x).item() == pytest.approx(formula(2 * x).item(), rel=1e-12), name


def test_the_hvp_judge_names_no_mistake_that_the_case_cannot_tell_from_the_right_hvp() -> None:
    """Near a minimum the gradient is tiny, so ∇f + H·v agrees with H·v within the tolerance: a result that is
    wrong (off by 1.3e-4 everywhere) but within the tolerance of ∇f + H·v is refused for its values, not named
    as the accumulated gradient."""
    import dataclasses

    from course_utils.checks import Case
    from course_utils.exercises.higher_order_derivatives import HVP_MISTAKES, hvp_judge

    def near_a_minimum() -> tuple:
        return (lambda x: (x ** 2).sum() / 2, torch.full((3,), 5e-5, dtype=torch.float64),
                torch.tensor([1.0, -1.0, 1.0], dtype=torch.float64))

    exercise = EXERCISES[f"{SLUG}.hvp_function"]
    alone = dataclasses.replace(exercise, cases=[Case("near a minimum", near_a_minimum, hvp_judge(HVP_MISTAKES))])
    alone.validate(exercise.solution())
    with pytest.raises(WrongAnswer) as refused:
        alone.validate(lambda f, x, v: v + 1.3e-4)
    assert refused.value.mistake is None
    assert "the right shape but the wrong values" in refused.value.problem


def test_an_hvp_returned_together_with_the_gradient_is_refused_for_its_shape() -> None:
    """10.3 lists no mistake for a pair (∇f, H·v), so the pair is judged by its numbers: two rows where one is asked."""
    import dataclasses

    def hvp(f, x, v):
        x = x.detach().requires_grad_()
        (g,) = torch.autograd.grad(f(x), x, create_graph=True)
        return g, torch.autograd.grad(g @ v, x)[0]

    exercise = EXERCISES[f"{SLUG}.hvp_function"]
    with pytest.raises(WrongAnswer) as refused:
        dataclasses.replace(exercise, cases=exercise.cases[:1]).validate(hvp)
    assert refused.value.mistake is None
    assert "it returned numbers of shape (2, 3), but the result has shape (3,)" in refused.value.problem
