"""Chapter 11's exercises, tried the way beginners answer them.

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

CHAPTER = "11_jacobians_hessians_per_sample"
SLUG = "jacobians_hessians_per_sample"


B = "B = torch.tensor([[1.0, -1.0, 2.0], [0.0, 3.0, 1.0]], device=device)\n"
AT = "torch.tensor([0.5, -1.0, 2.0], device=device)"
CUBIC = "lambda x: x[0] ** 2 * x[1] + x[1] ** 3"
P12 = "torch.tensor([1.0, 2.0], device=device)"
PER_SAMPLE = "vmap(grad(sample_loss), in_dims=(None, 0, 0))(w8, X8, Y8)"
HVP = "def hvp_func(f, x, v):\n"

ATTEMPTS = [
    # 11.1: the Jacobian of B tanh(x)
    Attempt("tanh_jacobian", "B itself (tanh' forgotten)", "J = [[1.0, -1.0, 2.0], [0.0, 3.0, 1.0]]",
            "jacobian_without_tanh"),
    Attempt("tanh_jacobian", "at x = 0", B + "J = jacrev(lambda x: B @ torch.tanh(x))(torch.zeros(3, device=device))",
            "jacobian_without_tanh"),
    Attempt("tanh_jacobian", "a typo in the point: 5 for 0.5",
            B + "J = jacrev(lambda x: B @ torch.tanh(x))(torch.tensor([5.0, -1.0, 2.0], device=device))",
            "jacobian_at_wrong_point"),
    Attempt("tanh_jacobian", "the point in reverse order",
            B + "J = jacrev(lambda x: B @ torch.tanh(x))(torch.tensor([2.0, -1.0, 0.5], device=device))",
            "jacobian_at_wrong_point"),
    Attempt("tanh_jacobian", "transposed", B + f"J = jacrev(lambda x: B @ torch.tanh(x))({AT}).T", "transposed"),
    Attempt("tanh_jacobian", "backward() on the summed outputs", B + f"""x = {AT}.requires_grad_()
(B @ torch.tanh(x)).sum().backward()
J = x.grad""", "summed_outputs"),
    Attempt("tanh_jacobian", "tanh(B @ x)", B + f"J = jacrev(lambda x: torch.tanh(B @ x))({AT})",
            "composition_order_swapped"),
    Attempt("tanh_jacobian", "B * tanh(x), elementwise", B + f"J = jacrev(lambda x: B * torch.tanh(x))({AT})",
            "elementwise_not_matmul"),
    Attempt("tanh_jacobian", "by hand, the square missing", B + f"J = B * (1 - torch.tanh({AT}))",
            "tanh_derivative_square_missing"),
    Attempt("tanh_jacobian", "by hand, tanh instead of its derivative", B + f"J = B * torch.tanh({AT})",
            "values_not_derivative"),
    Attempt("tanh_jacobian", "the value f(x)", B + f"J = B @ torch.tanh({AT})", "value_not_jacobian"),
    Attempt("tanh_jacobian", "functional.jacobian of a function that calls .item()", f"""
def f(x):
    return torch.tensor([torch.tanh(x[0]).item() - torch.tanh(x[1]).item() + 2 * torch.tanh(x[2]).item(),
                         3 * torch.tanh(x[1]).item() + torch.tanh(x[2]).item()])
J = torch.autograd.functional.jacobian(f, {AT})""", "graph_cut_inside_function"),
    Attempt("tanh_jacobian", "the function jacrev(f), not called", B + "J = jacrev(lambda x: B @ torch.tanh(x))",
            "~not a function (call it?)"),
    Attempt("tanh_jacobian", "jacrev of f(x), a tensor: a function that fails when called",
            B + f"J = jacrev((lambda x: B @ torch.tanh(x))({AT}))", "~not a function (call it?)"),
    Attempt("tanh_jacobian", "a sign typo in the point (tanh' is even, so the Jacobian is the same)",
            B + "J = jacrev(lambda x: B @ torch.tanh(x))(torch.tensor([0.5, 1.0, -2.0], device=device))", ACCEPTED),
    Attempt("tanh_jacobian", "jacfwd", B + f"J = jacfwd(lambda x: B @ torch.tanh(x))({AT})", ACCEPTED),
    Attempt("tanh_jacobian", "by hand in NumPy", """
import numpy as np
B = np.array([[1.0, -1.0, 2.0], [0.0, 3.0, 1.0]])
J = B * (1 - np.tanh(np.array([0.5, -1.0, 2.0])) ** 2)""", ACCEPTED),
    # 11.2: the Hessian of x0² x1 + x1³ at (1, 2)
    Attempt("cubic_hessian", "the gradient", f"H = grad({CUBIC})({P12})", "gradient_not_hessian"),
    Attempt("cubic_hessian", "only the diagonal, by hand", "H = [[4.0, 0.0], [0.0, 12.0]]", "hessian_diagonal_only"),
    Attempt("cubic_hessian", "the coordinates swapped",
            f"H = hessian({CUBIC})(torch.tensor([2.0, 1.0], device=device))", "hessian_at_wrong_point"),
    Attempt("cubic_hessian", "a square for the cube", f"H = hessian(lambda x: x[0] ** 2 * x[1] + x[1] ** 2)({P12})",
            "function_typed_wrong"),
    Attempt("cubic_hessian", "indices counted from 1",
            "H = hessian(lambda x: x[1] ** 2 * x[2] + x[2] ** 3)(torch.tensor([0.0, 1.0, 2.0], device=device))",
            "indices_counted_from_one"),
    Attempt("cubic_hessian", "at (1, 1)", f"H = hessian({CUBIC})(torch.tensor([1.0, 1.0], device=device))",
            "hessian_at_wrong_point"),
    Attempt("cubic_hessian", "a typo in the point: 3 for 2",
            f"H = hessian({CUBIC})(torch.tensor([1.0, 3.0], device=device))", "hessian_at_wrong_point"),
    Attempt("cubic_hessian", "the value f(1, 2)", f"H = ({CUBIC})({P12})", "value_not_derivative"),
    Attempt("cubic_hessian", "H + H.T, as for the quadratic form", f"H = hessian({CUBIC})({P12})\nH = H + H.T",
            "hessian_doubled"),
    Attempt("cubic_hessian", "functional.hessian of a function that calls .item()", f"""
def f(x):
    return torch.tensor(x[0].item() ** 2 * x[1].item() + x[1].item() ** 3)
H = torch.autograd.functional.hessian(f, {P12})""", "graph_cut_inside_function"),
    Attempt("cubic_hessian", "torch.func.hessian of a function that calls .item()", f"""
def f(x):
    return torch.tensor(x[0].item() ** 2 * x[1].item() + x[1].item() ** 3)
H = hessian(f)({P12})""", "graph_cut_inside_function"),
    Attempt("cubic_hessian", "integers by hand", "H = torch.tensor([[4, 2], [2, 12]])", ACCEPTED),
    Attempt("cubic_hessian", "jacrev of grad", f"H = jacrev(grad({CUBIC}))({P12})", ACCEPTED),
    # 11.3: one gradient norm per sample
    Attempt("per_sample_norms", "the batch gradient's norm, repeated", """
w_leaf = w8.clone().requires_grad_()
((X8 @ w_leaf - Y8) ** 2).mean().backward()
norms = w_leaf.grad.norm().repeat(8)""", "batch_gradient_not_per_sample"),
    Attempt("per_sample_norms", "a mean inside the per-sample loss",
            "norms = vmap(grad(lambda w, x, y: (x @ w - y) ** 2 / 8), in_dims=(None, 0, 0))(w8, X8, Y8).norm(dim=1)",
            "per_sample_loss_averaged"),
    Attempt("per_sample_norms", "squared norms", f"norms = ({PER_SAMPLE} ** 2).sum(dim=1)", "squared_norms"),
    Attempt("per_sample_norms", "norms over dim 0", f"norms = {PER_SAMPLE}.norm(dim=0)", "norm_over_wrong_dimension"),
    Attempt("per_sample_norms", "one norm of everything", f"norms = {PER_SAMPLE}.norm()", "norm_over_wrong_dimension"),
    Attempt("per_sample_norms", "the gradients, not their norms", f"norms = {PER_SAMPLE}", "gradients_not_norms"),
    Attempt("per_sample_norms", "the chapter's X, Y, w",
            "norms = vmap(grad(sample_loss), in_dims=(None, 0, 0))(w, X, Y).norm(dim=1)", "wrong_data"),
    Attempt("per_sample_norms", "the chapter's w with X8, Y8",
            "norms = vmap(grad(sample_loss), in_dims=(None, 0, 0))(w, X8, Y8).norm(dim=1)", "wrong_data"),
    Attempt("per_sample_norms", "a loop that never resets .grad", """
w_leaf = w8.clone().requires_grad_()
norms = []
for i in range(8):
    sample_loss(w_leaf, X8[i], Y8[i]).backward()
    norms.append(w_leaf.grad.norm().item())""", "accumulated_across_samples"),
    Attempt("per_sample_norms", "a loop with a fresh leaf per sample", """
norms = []
for i in range(8):
    w_leaf = w8.clone().requires_grad_()
    sample_loss(w_leaf, X8[i], Y8[i]).backward()
    norms.append(w_leaf.grad.norm().item())""", ACCEPTED),
    Attempt("per_sample_norms", "torch.linalg.vector_norm", f"norms = torch.linalg.vector_norm({PER_SAMPLE}, dim=1)",
            ACCEPTED),
    # 11.4: how many passes each mode needs for summary, a 40 x 25 matrix to 3 numbers
    Attempt("passes_per_mode", "the counts swapped", 'passes = {"jacrev": 1000, "jacfwd": 3}', "modes_swapped"),
    Attempt("passes_per_mode", "the rows of x as inputs", 'passes = {"jacrev": 3, "jacfwd": 40}',
            "inputs_counted_by_rows"),
    Attempt("passes_per_mode", "the columns of x as inputs", 'passes = {"jacrev": 3, "jacfwd": 25}',
            "inputs_counted_by_rows"),
    Attempt("passes_per_mode", "one backward for all outputs", 'passes = {"jacrev": 1, "jacfwd": 1000}',
            "one_backward_for_all_outputs"),
    Attempt("passes_per_mode", "one forward pass", 'passes = {"jacrev": 3, "jacfwd": 1}',
            "one_forward_for_all_inputs"),
    Attempt("passes_per_mode", "the Jacobian's entries", 'passes = {"jacrev": 3000, "jacfwd": 3000}',
            "entries_not_passes"),
    Attempt("passes_per_mode", "the old question's answer", 'passes = "jacrev"', "~expected a dict"),
    Attempt("passes_per_mode", "one count only", 'passes = {"jacrev": 3}', "~missing the key"),
    Attempt("passes_per_mode", "rows + columns", 'passes = {"jacrev": 3, "jacfwd": 65}', "inputs_counted_by_rows"),
    Attempt("passes_per_mode", "the outputs for both", 'passes = {"jacrev": 3, "jacfwd": 3}', "modes_swapped"),
    Attempt("passes_per_mode", "the inputs for both", 'passes = {"jacrev": 1000, "jacfwd": 1000}', "modes_swapped"),
    Attempt("passes_per_mode", "counted from the shapes", """J = jacrev(summary)(matrix)
passes = {"jacrev": J.shape[0], "jacfwd": J[0].numel()}""", ACCEPTED),
    Attempt("passes_per_mode", "tensors", 'passes = {"jacrev": torch.tensor(3), "jacfwd": torch.tensor(40 * 25)}',
            ACCEPTED),
    # 11.5: gradients with respect to the inputs
    Attempt("input_gradients", "argnums left out: the gradient for w",
            "input_grads = vmap(grad(sample_loss), in_dims=(None, 0, 0))(w8, X8, Y8)", "gradient_wrt_first_argument"),
    Attempt("input_gradients", "argnums=(0, 1)",
            "input_grads = vmap(grad(sample_loss, argnums=(0, 1)), in_dims=(None, 0, 0))(w8, X8, Y8)",
            "gradients_for_several_arguments"),
    Attempt("input_gradients", "argnums=2, the gradient for y",
            "input_grads = vmap(grad(sample_loss, argnums=2), in_dims=(None, 0, 0))(w8, X8, Y8)",
            "gradient_wrt_wrong_argument"),
    Attempt("input_gradients", "only the first sample", "input_grads = grad(sample_loss, argnums=1)(w8, X8[0], Y8[0])",
            "one_sample_only"),
    Attempt("input_gradients", "the mean loss of the batch",
            "input_grads = grad(lambda w, X, Y: ((X @ w - Y) ** 2).mean(), argnums=1)(w8, X8, Y8)",
            "per_sample_loss_averaged"),
    Attempt("input_gradients", "in_dims splits w too",
            "input_grads = vmap(grad(sample_loss, argnums=1), in_dims=(0, 0, 0))(w8, X8, Y8)", "!ValueError"),
    Attempt("input_gradients", "by hand with the sign flipped",
            "input_grads = -2 * (X8 @ w8 - Y8).unsqueeze(1) * w8", "sign_flipped"),
    Attempt("input_gradients", "backward on the summed batch loss", """
X_leaf = X8.clone().requires_grad_()
((X_leaf @ w8 - Y8) ** 2).sum().backward()
input_grads = X_leaf.grad""", ACCEPTED),
    Attempt("input_gradients", "by hand", "input_grads = 2 * (X8 @ w8 - Y8).unsqueeze(1) * w8", ACCEPTED),
    # 11.6: H v with torch.func, composable with vmap
    Attempt("hvp_with_func", "the pair jvp returns", HVP + "    return jvp(grad(f), (x,), (v,))", "returned_jvp_pair"),
    Attempt("hvp_with_func", "jvp of f itself", HVP + "    return jvp(f, (x,), (v,))[1]",
            "directional_derivative_only"),
    Attempt("hvp_with_func", "no tuples", HVP + "    return jvp(grad(f), x, v)[1]", "jvp_without_tuples"),
    Attempt("hvp_with_func", "the gradient", HVP + "    return grad(f)(x)", "gradient_not_hvp"),
    Attempt("hvp_with_func", "the whole Hessian", HVP + "    return hessian(f)(x) @ v", "built_hessian"),
    Attempt("hvp_with_func", "chapter 10's double backward", HVP + """    x = x.detach().requires_grad_()
    g, = torch.autograd.grad(f(x), x, create_graph=True)
    return torch.autograd.grad(g @ v, x)[0]""", "not_composable_with_vmap"),
    Attempt("hvp_with_func", "the tuple vjp's function returns", HVP + """    _, vjp_fn = vjp(grad(f), x)
    return vjp_fn(v)""", "returned_tuple"),
    Attempt("hvp_with_func", "torch.autograd.functional.hvp",
            HVP + "    return torch.autograd.functional.hvp(f, x, v)[1]",
            "called_ready_made_hvp"),
    Attempt("hvp_with_func", "v of ones", HVP + "    return jvp(grad(f), (x,), (torch.ones_like(v),))[1]", "ignored_v"),
    Attempt("hvp_with_func", "called instead of passed", HVP + """    return jvp(grad(f), (x,), (v,))[1]
hvp_func = hvp_func(quadratic, x0, v)""", "~pass the function itself"),
    Attempt("hvp_with_func", "vjp of grad (reverse over reverse)", HVP + """    _, vjp_fn = vjp(grad(f), x)
    return vjp_fn(v)[0]""", ACCEPTED),
    Attempt("hvp_with_func", "jvp, unpacked", HVP + """    _, hv = jvp(grad(f), (x,), (v,))
    return hv""", ACCEPTED),
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


def test_the_timing_comparison_names_its_winner_from_the_measurement() -> None:
    """The chapter's race prints the faster transform it measured; the stored run names both winners."""
    nb = nbformat.read(NOTEBOOK_DIR / f"{CHAPTER}.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "code" and "race(function" in c.source)
    assert "winner = min(best, key=best.get)" in cell.source and "{winner} is faster here" in cell.source
    text = "".join(o.get("text", "") for o in cell.outputs)
    assert re.search(r"wide, 1200 -> 2:  jacrev ⏱ [\d.]+ ms,  jacfwd ⏱ [\d.]+ ms  ->  jacrev is faster here", text)
    assert re.search(r"tall, 2 -> 1200:  jacrev ⏱ [\d.]+ ms,  jacfwd ⏱ [\d.]+ ms  ->  jacfwd is faster here", text)


def test_the_hvp_cases_include_one_under_vmap() -> None:
    from course_utils.exercises.higher_order_derivatives import Directions
    from course_utils.exercises.jacobians_hessians_per_sample import HVP_FUNC_CASES

    assert any(isinstance(case.inputs()[2], Directions) for case in HVP_FUNC_CASES)
    assert HVP_FUNC_CASES[-1].name.endswith("under vmap over 4 directions v")


def test_no_cell_before_exercise_11_6_runs_its_answer() -> None:
    """Review B4: the Hessian-vector section states the idea; the jvp of grad(f) is written in exercise 11.6 only."""
    nb = nbformat.read(NOTEBOOK_DIR / f"{CHAPTER}.ipynb", as_version=4)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    at = next(i for i, source in enumerate(code) if "hvp_with_func" in source)
    assert not any(re.search(r"jvp\(\s*grad\(", source) for source in code[:at])


COMPAT = sorted((ROOT / ".compat").glob("*/bin/python"))
JIT_SNIPPET = """
import course_utils, torch
from torch.func import jacfwd
device = course_utils.start_chapter(seed=0)
jacfwd(lambda x: torch.stack([x[0] * x[1], x[1] ** 2 + torch.sin(x[2])]))(torch.tensor([1.0, 2.0, 0.0]))
import warnings
warnings.warn("still shown", UserWarning)   # every other warning still shows
"""


@pytest.mark.skipif(not COMPAT, reason="no compatibility environments (./course compat builds them in .compat/)")
@pytest.mark.parametrize("python", COMPAT, ids=[p.parts[-3] for p in COMPAT])
def test_the_first_jacfwd_prints_no_warning_after_start_chapter(python) -> None:
    """The prose says start_chapter hides torch's own torch.jit.script warning (torch >= 2.14) and nothing else."""
    done = subprocess.run([str(python), "-c", JIT_SNIPPET], capture_output=True, text=True, timeout=300, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "COURSE_PROGRESS_FILE": "off"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert "jit" not in done.stderr and "still shown" in done.stderr, done.stderr


def test_a_slope_of_tanh_a_rounding_above_1_still_names_the_jacobian_at_another_point() -> None:
    """11.1: the slope of tanh is at most 1 (reached at 0); a column scaled by up to 1 + 1e-9 (rounding) still
    reads as the Jacobian at another point, here at (0, -1, 2)."""
    B = np.array([[1.0, -1.0, 2.0], [0.0, 3.0, 1.0]])
    slopes = np.array([1 + 1e-9, 1 - np.tanh(-1.0) ** 2, 1 - np.tanh(2.0) ** 2])
    with pytest.raises(WrongAnswer) as refused:
        check(f"{SLUG}.tanh_jacobian", B * slopes)
    assert refused.value.mistake == "jacobian_at_wrong_point", refused.value


def test_a_slope_of_tanh_above_1_is_not_read_as_the_jacobian_at_another_point() -> None:
    """11.1: tanh's slope never exceeds 1, so a column scaled by 1.5 is refused for its values, not named."""
    B = np.array([[1.0, -1.0, 2.0], [0.0, 3.0, 1.0]])
    slopes = np.array([1.5, 1 - np.tanh(-1.0) ** 2, 1 - np.tanh(2.0) ** 2])
    with pytest.raises(WrongAnswer) as refused:
        check(f"{SLUG}.tanh_jacobian", B * slopes)
    assert refused.value.mistake is None
    assert "the values differ from the expected ones" in " ".join(str(refused.value).split())


def test_a_wrong_hvp_under_vmap_is_refused_for_its_values() -> None:
    """11.6's case under vmap judges a wrong H·v by its numbers (the named mistakes are looked for on one v)."""
    import dataclasses

    from course_utils.exercises.jacobians_hessians_per_sample import HVP_FUNC_CASES

    exercise = EXERCISES[f"{SLUG}.hvp_with_func"]
    alone = dataclasses.replace(exercise, cases=[HVP_FUNC_CASES[-1]])
    with pytest.raises(WrongAnswer) as refused:
        alone.validate(lambda f, x, v: torch.func.grad(f)(x))
    assert refused.value.mistake is None
    assert "under vmap over 4 directions v, it returned the right shape but the wrong values" in refused.value.problem
