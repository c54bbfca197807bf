"""Chapter 03's exercises, tried the way beginners answer them.

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

CHAPTER = "03_backward_is_a_vjp"


ATTEMPTS = [
    # 3.1: x.grad after w.backward(v)
    Attempt("vjp_for_v", "v ignored: w.sum().backward()", """
x = torch.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
w = (5 * x) ** 2
w.sum().backward()
vjp = x.grad""", "v_ignored"),
    Attempt("vjp_for_v", "precedence: 5 * x ** 2", """
x = torch.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
w = 5 * x ** 2
w.backward(torch.tensor([1.0, 0.0, -1.0, 0.5]))
vjp = x.grad""", "inner_derivative_dropped"),
    Attempt("vjp_for_v", "by hand without the chain rule's 5", """
x = torch.tensor([1.0, 2.0, 3.0, 4.0])
vjp = torch.tensor([1.0, 0.0, -1.0, 0.5]) * 2 * (5 * x)""", "inner_derivative_dropped"),
    Attempt("vjp_for_v", "the chapter's random x", """
torch.manual_seed(0)
x = torch.rand(4).requires_grad_()
w = (5 * x) ** 2
w.backward(torch.tensor([1.0, 0.0, -1.0, 0.5]))
vjp = x.grad""", "chapter_x_used"),
    Attempt("vjp_for_v", "the chapter's v", """
x = torch.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
w = (5 * x) ** 2
w.backward(torch.tensor([1.0, 0.5, 0.0, -1.0]))
vjp = x.grad""", "chapter_v_used"),
    Attempt("vjp_for_v", "the Jacobian itself", """
x = torch.tensor([1.0, 2.0, 3.0, 4.0])
vjp = torch.diag(50 * x)""", "jacobian_not_vjp"),
    Attempt("vjp_for_v", "v * J, entry by entry", """
x = torch.tensor([1.0, 2.0, 3.0, 4.0])
vjp = torch.tensor([1.0, 0.0, -1.0, 0.5]) * torch.diag(50 * x)""", "v_times_j_elementwise"),
    Attempt("vjp_for_v", "backward twice into the same x.grad", """
x = torch.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
w = (5 * x) ** 2
v = torch.tensor([1.0, 0.0, -1.0, 0.5])
w.backward(v, retain_graph=True)
w.backward(v)
vjp = x.grad""", "accumulated_twice"),
    Attempt("vjp_for_v", "v times w", """
x = torch.tensor([1.0, 2.0, 3.0, 4.0])
vjp = torch.tensor([1.0, 0.0, -1.0, 0.5]) * (5 * x) ** 2""", "v_times_output"),
    Attempt("vjp_for_v", "x.grad before any backward", """
x = torch.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
w = (5 * x) ** 2
vjp = x.grad""", "grad_read_before_backward"),
    Attempt("vjp_for_v", "one number: the derivative of 5x", "vjp = 5.0", "inner_derivative_only"),
    Attempt("vjp_for_v", "one number: the total of v @ J", """
x = torch.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
(((5 * x) ** 2) * torch.tensor([1.0, 0.0, -1.0, 0.5])).sum().backward()
vjp = x.grad.sum()""", "vjp_is_one_number"),
    Attempt("vjp_for_v", "right, as a list from tolist()", """
x = torch.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
((5 * x) ** 2).backward(torch.tensor([1.0, 0.0, -1.0, 0.5]))
vjp = x.grad.tolist()""", ACCEPTED),
    Attempt("vjp_for_v", "right, v @ J (a tensor that requires grad)", """
x = torch.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
vjp = torch.tensor([1.0, 0.0, -1.0, 0.5]) @ torch.diag(50 * x)""", ACCEPTED),
    Attempt("vjp_for_v", "right, by hand as ints", "vjp = [50, 0, -150, 100]", ACCEPTED),
    # 3.2: the v of z = w[3] - w.mean()
    Attempt("mean_as_vjp", "the mean's v from the step-through", "v_two_terms = torch.full((4,), 0.25)",
            "only_the_mean"),
    Attempt("mean_as_vjp", "minus the mean only", "v_two_terms = torch.full((4,), -0.25)", "term_missing"),
    Attempt("mean_as_vjp", "w[3] only", "v_two_terms = torch.tensor([0.0, 0.0, 0.0, 1.0])", "term_missing"),
    Attempt("mean_as_vjp", "w[3]'s share through the mean forgotten",
            "v_two_terms = torch.tensor([-0.25, -0.25, -0.25, 1.0])",
            "share_counted_once"),
    Attempt("mean_as_vjp", "ones", "v_two_terms = torch.ones(4)", "sum_not_mean"),
    Attempt("mean_as_vjp", "one number", "v_two_terms = 0.75", "v_needs_one_entry_per_output"),
    Attempt("mean_as_vjp", "the count for its inverse", "v_two_terms = torch.tensor([-4.0, -4.0, -4.0, -3.0])",
            "count_not_its_inverse"),
    Attempt("mean_as_vjp", "signs the other way", "v_two_terms = torch.tensor([0.25, 0.25, 0.25, -0.75])",
            "sign_flipped"),
    Attempt("mean_as_vjp", "dz/dx, what lands in x.grad", """
torch.manual_seed(0)
x = torch.rand(4).requires_grad_()
w = (5 * x) ** 2
(w[3] - w.mean()).backward()
v_two_terms = x.grad""", "v_on_the_input_side"),
    Attempt("mean_as_vjp", "w[3] taken as the third entry", "v_two_terms = [-0.25, -0.25, 0.75, -0.25]",
            "index_counted_from_one"),
    Attempt("mean_as_vjp", "halves", "v_two_terms = [-0.5, -0.5, -0.5, 0.5]", "~the values differ"),
    Attempt("mean_as_vjp", "the sum's shares, not the mean's", "v_two_terms = torch.tensor([-1.0, -1.0, -1.0, 3.0])",
            "sum_for_mean"),
    Attempt("mean_as_vjp", "the mean's share only at w[3]", "v_two_terms = torch.tensor([0.0, 0.0, 0.0, 0.75])",
            "mean_share_only_at_w3"),
    Attempt("mean_as_vjp", "three entries", "v_two_terms = torch.tensor([-0.25, -0.25, 0.75])", "~the shape is wrong"),
    Attempt("mean_as_vjp", "right, a list", "v_two_terms = [-0.25, -0.25, -0.25, 0.75]", ACCEPTED),
    Attempt("mean_as_vjp", "right, a row built from one-hot and mean", """
v_two_terms = (torch.eye(4)[3] - torch.full((4,), 1 / 4)).reshape(1, 4)""", ACCEPTED),
    # 3.3: a function that builds the Jacobian row by row
    Attempt("jacobian_row_by_row", "no retain_graph", """
def jacobian_by_rows(f, x):
    out = f(x)
    rows = []
    for i in range(out.numel()):
        out.backward(torch.eye(out.numel())[i])
        rows.append(x.grad)
        x.grad = None
    return torch.stack(rows)""", "graph_freed_between_rows"),
    Attempt("jacobian_row_by_row", "no reset between rows", """
def jacobian_by_rows(f, x):
    out = f(x)
    rows = []
    for i in range(out.numel()):
        out.backward(torch.eye(out.numel())[i], retain_graph=True)
        rows.append(x.grad.clone())
    return torch.stack(rows)""", "rows_add_up"),
    Attempt("jacobian_row_by_row", "x.grad stored, then zeroed in place", """
def jacobian_by_rows(f, x):
    out = f(x)
    rows = []
    for i in range(out.numel()):
        out.backward(torch.eye(out.numel())[i], retain_graph=True)
        rows.append(x.grad)
        x.grad.zero_()
    return torch.stack(rows)""", "same_tensor_each_row"),
    Attempt("jacobian_row_by_row", "x.grad stored, never reset", """
def jacobian_by_rows(f, x):
    out = f(x)
    rows = []
    for i in range(out.numel()):
        out.backward(torch.eye(out.numel())[i], retain_graph=True)
        rows.append(x.grad)
    return torch.stack(rows)""", "same_tensor_each_row"),
    Attempt("jacobian_row_by_row", "v = ones for every row", """
def jacobian_by_rows(f, x):
    out = f(x)
    rows = []
    for i in range(out.numel()):
        out.backward(torch.ones_like(out), retain_graph=True)
        rows.append(x.grad)
        x.grad = None
    return torch.stack(rows)""", "v_ones_not_one_hot"),
    Attempt("jacobian_row_by_row", "the ready-made jacobian", """
def jacobian_by_rows(f, x):
    return torch.autograd.functional.jacobian(f, x)""", "built_without_backward"),
    Attempt("jacobian_row_by_row", "one backward pass, then the ready-made jacobian", """
def jacobian_by_rows(f, x):
    out = f(x)
    out.backward(torch.eye(out.numel())[0])
    return torch.autograd.functional.jacobian(f, x)""", "~each row needs a backward pass of its own"),
    Attempt("jacobian_row_by_row", "rows stacked as columns", """
def jacobian_by_rows(f, x):
    out = f(x)
    rows = []
    for i in range(out.numel()):
        out.backward(torch.eye(out.numel())[i], retain_graph=True)
        rows.append(x.grad)
        x.grad = None
    return torch.stack(rows, dim=1)""", "transposed"),
    Attempt("jacobian_row_by_row", "the chapter's loop with its fixed 4", """
def jacobian_by_rows(f, x):
    out = f(x)
    rows = []
    for i in range(4):
        one_hot = torch.zeros(4)
        one_hot[i] = 1.0
        out.backward(one_hot, retain_graph=(i < 3))
        rows.append(x.grad)
        x.grad = None
    return torch.stack(rows)""", "v_shape_differs_from_output"),
    Attempt("jacobian_row_by_row", "one row per input, not per output", """
def jacobian_by_rows(f, x):
    out = f(x)
    rows = []
    for i in range(x.numel()):
        out.backward(torch.eye(x.numel())[i], retain_graph=True)
        rows.append(x.grad)
        x.grad = None
    return torch.stack(rows)""", "v_shape_differs_from_output"),
    Attempt("jacobian_row_by_row", "the matrix instead of the function", """
def jacobian_by_rows(f, x):
    return torch.autograd.functional.jacobian(f, x)
jacobian_by_rows = jacobian_by_rows(lambda t: t * t.sum(), torch.tensor([1.0, 2.0, 3.0]))""",
            "~pass the function itself"),
    Attempt("jacobian_row_by_row", "right: f(x) built again for each row, a list of rows", """
def jacobian_by_rows(f, x):
    rows = []
    for i in range(f(x).numel()):
        out = f(x)
        out.backward(torch.eye(out.numel())[i])
        rows.append(x.grad)
        x.grad = None
    return rows""", ACCEPTED),
    Attempt("jacobian_row_by_row", "right: torch.autograd.grad per row, clone and zero_()", """
def jacobian_by_rows(f, x):
    out = f(x)
    rows = []
    for i in range(out.numel()):
        v = torch.zeros_like(out)
        v[i] = 1
        rows.append(torch.autograd.grad(out, x, v, retain_graph=True)[0])
    return torch.stack(rows)""", ACCEPTED),
    # 3.4: which shapes allow a bare backward() (none of the options was run in the chapter)
    Attempt("bare_backward_shapes", "none, only () would", "bare_ok = set()", "counts_dimensions"),
    Attempt("bare_backward_shapes", "up to three dimensions", 'bare_ok = {"(1, 1, 1)"}', "counts_dimensions"),
    Attempt("bare_backward_shapes", "a single row too", 'bare_ok = {"(1, 1, 1)", "(1, 1, 1, 1)", "(1, 3)"}',
            "one_row_is_one_number"),
    Attempt("bare_backward_shapes", "a single column too", 'bare_ok = {"(1, 1, 1)", "(1, 1, 1, 1)", "(3, 1)"}',
            "one_row_is_one_number"),
    Attempt("bare_backward_shapes", "the empty ones too", 'bare_ok = {"(1, 1, 1)", "(1, 1, 1, 1)", "(0,)", "(1, 0)"}',
            "empty_counts_as_one"),
    Attempt("bare_backward_shapes", "every shape that starts with 1",
            'bare_ok = {"(1, 3)", "(1, 1, 1)", "(1, 1, 1, 1)", "(1, 0)"}', "leading_one_is_enough"),
    Attempt("bare_backward_shapes", "vectors too", 'bare_ok = {"(1, 1, 1)", "(1, 1, 1, 1)", "(4,)"}',
            "vectors_allowed"),
    Attempt("bare_backward_shapes", "every shape",
            'bare_ok = {"(1, 3)", "(3, 1)", "(1, 1, 1)", "(1, 1, 1, 1)", "(4,)", "(0,)", "(1, 0)"}', "every_shape"),
    Attempt("bare_backward_shapes", "the chapter's shapes", 'bare_ok = {"()", "(1,)", "(1, 1)"}',
            "~is not one of the options"),
    Attempt("bare_backward_shapes", "two slips at once", 'bare_ok = {"(1, 1, 1)", "(0,)", "(3, 1)"}',
            "~at least one option is judged wrong"),
    Attempt("bare_backward_shapes", "right, without spaces", 'bare_ok = {"(1,1,1)", "(1,1,1,1)"}', ACCEPTED),
    Attempt("bare_backward_shapes", "right, as tuples", "bare_ok = {(1, 1, 1), (1, 1, 1, 1)}", ACCEPTED),
    Attempt("bare_backward_shapes", "right, as torch.Size values",
            "bare_ok = [torch.ones(1, 1, 1).shape, torch.ones(1, 1, 1, 1).shape]", ACCEPTED),
    Attempt("bare_backward_shapes", "right, found by trying each shape", """
bare_ok = set()
for shape in [(1, 3), (3, 1), (1, 1, 1), (1, 1, 1, 1), (4,), (0,), (1, 0)]:
    s = torch.tensor(3.0, requires_grad=True)
    try:
        (s * torch.ones(shape)).backward()
        bare_ok.add(shape)
    except RuntimeError:
        pass""", ACCEPTED),
]


def _exercise_cells() -> dict[str, str]:
    nb = nbformat.read(NOTEBOOK_DIR / "learner" / f"{CHAPTER}.ipynb", as_version=4)
    cells = {}
    for cell in nb.cells:
        found = re.search(r'raise NotImplementedError\("Exercise ([\w.]+):', cell.source)
        if cell.cell_type == "code" and found:
            cells[found.group(1).split(".", 1)[1]] = cell.source
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
        assert capsys.readouterr().out.startswith(f"Correct: backward_is_a_vjp.{attempt.exercise}")
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


def test_hints_grow_and_never_name_the_shapes(cells: dict[str, str]) -> None:
    """3.4: three wrong tries in a row; neither the hint nor the first step lists the allowed shapes."""
    messages = [str(run_attempt(cells["bare_backward_shapes"], Attempt("", "", "bare_ok = set()", "")))
                for _ in range(3)]
    assert "Hint:" not in messages[0] and "Hint:" in messages[1] and "First step:" in messages[2]
    for allowed in ("(1, 1, 1)", "(1,1,1)", "(1, 1, 1, 1)", "exactly one number"):
        assert allowed not in messages[2]


def test_exercise_3_4_asks_only_about_shapes_the_chapter_did_not_run() -> None:
    """Review B8: the chapter ran (), (1,), (1, 1) and (2,) and stated the rule.

    So only two options were left to judge."""
    from course_utils.exercises.backward_is_a_vjp import SHAPES, _bare_backward_shapes

    nb = nbformat.read(NOTEBOOK_DIR / f"{CHAPTER}.ipynb", as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code" and "bare_backward_shapes" not in c.source)
    ran = {(), (1,), (1, 1), (2,)}
    assert "for shape in [(), (1,), (1, 1)]" in code and "torch.ones(2" in code
    assert not ran & set(SHAPES.values())
    allowed = _bare_backward_shapes()
    assert allowed == {"(1, 1, 1)", "(1, 1, 1, 1)"} and 0 < len(allowed) < len(SHAPES) - 1


def test_the_jacobian_check_watches_the_backward_passes() -> None:
    """The check's hook sees one arrival per row; the reference solution makes exactly that many."""
    from course_utils.exercises.backward_is_a_vjp import JACOBIAN_CASES, _jacobian_by_rows, _watched

    for case in JACOBIAN_CASES:
        f, x = case.inputs()
        seen = _watched(_jacobian_by_rows)(f, x)
        J = seen.result
        assert len(seen.arrived) == J.shape[0]
        assert torch.allclose(torch.stack(seen.arrived), J)
        assert torch.allclose(J, torch.autograd.functional.jacobian(f.rule, x.detach()))


def test_the_loop_with_the_chapters_fixed_4_is_right_for_four_outputs_and_refused_for_other_sizes() -> None:
    """3.3's wrong example of the chapter's loop copied with its fixed 4 models a loop that works: alone on the
    case of (5x)² (4 outputs) it passes, and on each case of another size it is refused for v's shape, so the
    check refuses it for the size of the output, not for a slip of its own."""
    import dataclasses

    from course_utils.checks import EXERCISES

    exercise = EXERCISES["backward_is_a_vjp.jacobian_row_by_row"]
    fixed_four = next(example for example in exercise.wrong_examples
                      if getattr(example, "says", "") == "one entry per entry of f(x)").make()
    sizes = []
    for case in exercise.cases:
        f, x = case.inputs()
        sizes.append(f(x).numel())
        alone = dataclasses.replace(exercise, cases=[case])
        if sizes[-1] == 4:
            alone.validate(fixed_four)
        else:
            with pytest.raises(WrongAnswer) as refused:
                alone.validate(fixed_four)
            assert refused.value.mistake == "v_shape_differs_from_output", refused.value
    assert 4 in sizes and len(set(sizes)) > 1


@pytest.mark.parametrize("formula, rule", [
    ("x · x.sum()", lambda x: x * x.sum()),
    ("(5x)²", lambda x: (5 * x) ** 2),
    ("[x0·x1, (x0 + x1 + x2)²]", lambda x: torch.stack([x[0] * x[1], x.sum() ** 2])),
    ("[x0, x0·x1, x1³]", lambda x: torch.stack([x[0], x[0] * x[1], x[1] ** 3])),
], ids=["x times its sum", "(5x) squared", "2 outputs of 3 inputs", "3 outputs of 2 inputs"])
def test_each_jacobian_case_computes_the_formula_its_verdict_and_its_f_show(formula, rule) -> None:
    """3.3's verdicts name the case ("on g(x) = x · x.sum() at x = [1, 2, 3]") and f prints as its formula: a
    learner who works that formula out by hand finds the Jacobian the check expects."""
    from course_utils.exercises.backward_is_a_vjp import JACOBIAN_CASES, _jacobian_by_rows

    case = next(c for c in JACOBIAN_CASES if formula in c.name)
    f, x = case.inputs()
    assert repr(f) == f"f(x) = {formula}"
    assert torch.allclose(_jacobian_by_rows(f, x), torch.autograd.functional.jacobian(rule, x.detach()))


def test_rows_stacked_as_columns_are_named_transposed_on_every_case_square_or_not() -> None:
    """A Jacobian returned as its transpose is named for its columns on every case where the two differ, the
    non-square ones (3 x 2 for 2 outputs of 3 inputs) as well as the square ones."""
    import dataclasses

    from course_utils.checks import EXERCISES

    typed = next(a for a in ATTEMPTS if a.label == "rows stacked as columns")
    namespace: dict = {"torch": torch}
    exec(typed.code, namespace)
    columns = namespace["jacobian_by_rows"]
    exercise = EXERCISES["backward_is_a_vjp.jacobian_row_by_row"]
    non_square = 0
    for case in exercise.cases:
        f, x = case.inputs()
        J = torch.autograd.functional.jacobian(f.rule, x.detach())
        if torch.equal(J, J.T):
            continue
        non_square += J.shape[0] != J.shape[1]
        with pytest.raises(WrongAnswer) as refused:
            dataclasses.replace(exercise, cases=[case]).validate(columns)
        assert refused.value.mistake == "transposed", (case.name, refused.value)
    assert non_square == 2
