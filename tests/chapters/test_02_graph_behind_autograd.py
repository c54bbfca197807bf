"""Chapter 02's exercises, tried the way beginners answer them, and the chapter's claims about the graph.

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
from course_utils.exercises import graph_behind_autograd as chapter  # noqa: E402
from coursetools.notebooks import NOTEBOOK_DIR  # noqa: E402
from beginner_attempts import ACCEPTED, Attempt, run_typed  # noqa: E402

CHAPTER = "02_graph_behind_autograd"
SLUG = "graph_behind_autograd"
WALK = "node = t.grad_fn\n    while type(node).__name__ != 'AccumulateGrad':\n"
NEXT = "        node = next(fn for fn, _ in node.next_functions if fn is not None)\n"


def names(*labels: str) -> str:
    return f"grad_fn_names = {list(labels)!r}"


ATTEMPTS = [
    # 2.1: the grad_fn of r1 = sqrt(a*a + b*b), r2 = (a + b) * 2, r3 = (a * b).exp(), r4 = a * b - b
    Attempt("name_the_grad_fn", "the old single answer", 'grad_fn_names = "SqrtBackward0"', "~a list of four names"),
    Attempt("name_the_grad_fn", "the first operation of each",
            names("MulBackward0", "AddBackward0", "MulBackward0", "MulBackward0"), "grad_fn_is_an_earlier_operation"),
    Attempt("name_the_grad_fn", "r4's first operation", names("SqrtBackward0", "MulBackward0", "ExpBackward0",
                                                             "MulBackward0"), "grad_fn_is_an_earlier_operation"),
    Attempt("name_the_grad_fn", "r1's inner addition", names("AddBackward0", "MulBackward0", "ExpBackward0",
                                                            "SubBackward0"), "grad_fn_is_an_earlier_operation"),
    Attempt("name_the_grad_fn", "r2 read inside out", names("SqrtBackward0", "AddBackward0", "ExpBackward0",
                                                           "SubBackward0"), "grad_fn_is_an_earlier_operation"),
    Attempt("name_the_grad_fn", "an operation r4 does not have", names("SqrtBackward0", "MulBackward0", "ExpBackward0",
                                                                      "AddBackward0"), "grad_fn_not_in_expression"),
    Attempt("name_the_grad_fn", "AccumulateGrad for a result",
            names("SqrtBackward0", "MulBackward0", "AccumulateGrad", "SubBackward0"),
            "result_grad_fn_is_accumulate_grad"),
    Attempt("name_the_grad_fn", "None for a result", 'grad_fn_names = ["SqrtBackward0", "MulBackward0", None, '
            '"SubBackward0"]', "result_without_grad_fn"),
    Attempt("name_the_grad_fn", "short names", names("Sqrt", "Mul", "Exp", "Sub"), "~not one of the node names"),
    Attempt("name_the_grad_fn", "three names", names("SqrtBackward0", "MulBackward0", "ExpBackward0"), "~four names"),
    Attempt("name_the_grad_fn", "right, loose spelling", names("SqrtBackward", "mulbackward0", " ExpBackward0",
                                                              "SubBackward0"), ACCEPTED),
    Attempt("name_the_grad_fn", "right, a dict", 'grad_fn_names = {"r1": "SqrtBackward0", "r2": "MulBackward0", '
            '"r3": "ExpBackward0", "r4": "SubBackward0"}', ACCEPTED),
    Attempt("name_the_grad_fn", "right, computed after all", "a = torch.tensor(3.0, requires_grad=True)\n"
            "b = torch.tensor(4.0, requires_grad=True)\ngrad_fn_names = [type(r.grad_fn).__name__ for r in "
            "(torch.sqrt(a * a + b * b), (a + b) * 2, (a * b).exp(), a * b - b)]", ACCEPTED),
    # 2.2: leaves among w, x, b (made), h = w * x, out = h + b, scale = x * 10
    Attempt("which_are_leaves", "leaf = requires_grad", 'leaf_names = {"w", "b"}', "leaf_means_requires_grad"),
    Attempt("which_are_leaves", "computed = non-leaf", 'leaf_names = {"w", "x", "b"}', "computed_means_non_leaf"),
    Attempt("which_are_leaves", "the output", 'leaf_names = {"out"}', "output_is_a_leaf"),
    Attempt("which_are_leaves", "the results", 'leaf_names = {"h", "out"}', "leaves_and_results_swapped"),
    Attempt("which_are_leaves", "everything", 'leaf_names = {"w", "x", "b", "h", "out", "scale"}',
            "everything_is_a_leaf"),
    Attempt("which_are_leaves", "scale but not x", 'leaf_names = {"w", "b", "scale"}', "~at least one option"),
    Attempt("which_are_leaves", "h, whose other input is plain data", 'leaf_names = {"w", "x", "b", "scale", "h"}',
            "one_untracked_input_makes_leaf"),
    Attempt("which_are_leaves", "right, a list", 'leaf_names = ["w", "x", "b", "scale"]', ACCEPTED),
    # 2.3: which of r1 = p*q, r2 = q*q, r3 = p*0, r4 = q + p.item(), r5 = p > 1 require grad
    Attempt("predict_requires_grad", "zero stops tracking", 'need_grad = {"r1"}', "zero_stops_tracking"),
    Attempt("predict_requires_grad", ".item() keeps history", 'need_grad = {"r1", "r3", "r4"}', "item_keeps_history"),
    Attempt("predict_requires_grad", "comparisons", 'need_grad = {"r1", "r3", "r5"}', "comparison_requires_grad"),
    Attempt("predict_requires_grad", "both", 'need_grad = {"r1", "r3", "r4", "r5"}', "item_keeps_history"),
    Attempt("predict_requires_grad", "q * q", 'need_grad = {"r1", "r2", "r3"}', "untracked_inputs_tracked"),
    Attempt("predict_requires_grad", "all", 'need_grad = {"r1", "r2", "r3", "r4", "r5"}', "everything_requires_grad"),
    Attempt("predict_requires_grad", "a mixed guess", 'need_grad = {"r1", "r4"}', "~at least one option"),
    Attempt("predict_requires_grad", "the tensors themselves", "need_grad = {r1, r3}", "~is not one of the options"),
    Attempt("predict_requires_grad", "right, a tuple", 'need_grad = ("r3", "R1")', ACCEPTED),
    # 2.4: leaf_of(t)
    Attempt("walk_to_the_leaf", "always the first pair",
            f"def leaf_of(t):\n    {WALK}        node = node.next_functions[0][0]\n    return node.variable",
            "followed_none_entry"),
    Attempt("walk_to_the_leaf", "the node, not the leaf", f"def leaf_of(t):\n    {WALK}{NEXT}    return node",
            "returned_accumulate_grad"),
    Attempt("walk_to_the_leaf", "no return", f"def leaf_of(t):\n    {WALK}{NEXT}    node.variable", "~returned None"),
    Attempt("walk_to_the_leaf", "one step", "def leaf_of(t):\n    return t.grad_fn.next_functions[0][0].variable",
            "stopped_too_early"),
    Attempt("walk_to_the_leaf", "one step, the node", "def leaf_of(t):\n    return t.grad_fn.next_functions[0][0]",
            "stopped_at_a_node"),
    Attempt("walk_to_the_leaf", "a copy", f"def leaf_of(t):\n    {WALK}{NEXT}    return node.variable.detach()",
            "returned_a_copy"),
    Attempt("walk_to_the_leaf", "the pair", "def leaf_of(t):\n    node, pair = t.grad_fn, None\n"
            "    while type(node).__name__ != 'AccumulateGrad':\n"
            "        pair = next(p for p in node.next_functions if p[0] is not None)\n        node = pair[0]\n"
            "    return pair", "returned_a_pair"),
    Attempt("walk_to_the_leaf", "the input itself", "def leaf_of(t):\n    return t", "returned_the_result"),
    Attempt("walk_to_the_leaf", "the chapter's w", "def leaf_of(t):\n    return w", "~not the leaf of this graph"),
    Attempt("walk_to_the_leaf", "called, not passed", f"def leaf_of(t):\n    {WALK}{NEXT}    return node.variable\n"
            "leaf_of = leaf_of(out)", "~pass the function itself"),
    Attempt("walk_to_the_leaf", "right, until next_functions is empty", "def leaf_of(t):\n    node = t.grad_fn\n"
            "    while node.next_functions:\n"
            "        node = [fn for fn, _ in node.next_functions if fn is not None][0]\n"
            "    return node.variable", ACCEPTED),
    Attempt("walk_to_the_leaf", "right, recursive", "def leaf_of(t, node=None):\n    node = node or t.grad_fn\n"
            "    if hasattr(node, 'variable'):\n        return node.variable\n"
            "    return leaf_of(t, next(fn for fn, _ in node.next_functions if fn is not None))", ACCEPTED),
    # 2.5: what reaches q in f = (p + q) * q
    Attempt("contributions_to_q", "q.grad", "p = torch.tensor(1.0, requires_grad=True)\n"
            "q = torch.tensor(2.0, requires_grad=True)\ncourse_utils.backward_steps((p + q) * q, {'p': p, 'q': q})\n"
            "contributions_to_q = q.grad", "total_for_contributions"),
    Attempt("contributions_to_q", "reversed", "contributions_to_q = [2.0, 3.0]", "contributions_reversed"),
    Attempt("contributions_to_q", "only the first", "contributions_to_q = [3.0]", "one_contribution_missing"),
    Attempt("contributions_to_q", "only the addition's", "contributions_to_q = 2", "one_contribution_missing"),
    Attempt("contributions_to_q", "the steps object", "p = torch.tensor(1.0, requires_grad=True)\n"
            "q = torch.tensor(2.0, requires_grad=True)\n"
            "contributions_to_q = course_utils.backward_steps((p + q) * q, {'p': p, 'q': q})",
            "~not an answer the check can read"),
    Attempt("contributions_to_q", "what the addition sends", "contributions_to_q = [2.0, 2.0]",
            "one_node_for_contributions"),
    Attempt("contributions_to_q", "the seed counted too", "contributions_to_q = [1.0, 3.0, 2.0]",
            "seed_counted_as_contribution"),
    Attempt("contributions_to_q", "a slip", "contributions_to_q = [3.0, 1.0]", "~not the contributions"),
    Attempt("contributions_to_q", "right, read from the steps", "p = torch.tensor(1.0, requires_grad=True)\n"
            "q = torch.tensor(2.0, requires_grad=True)\n"
            "steps = course_utils.backward_steps((p + q) * q, {'p': p, 'q': q})\n"
            "contributions_to_q = [g for s in steps for t, g in s.sends if steps.targets[t] == 'q']", ACCEPTED),
    Attempt("contributions_to_q", "right, a tuple of ints", "contributions_to_q = (3, 2)", ACCEPTED),
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
                check(exercise_id, 12345)
            texts.append(str(info.value))
        assert "Hint:" not in texts[0] and "Hint:" in texts[1] and "First step:" in texts[2], exercise_id


def test_no_feedback_of_the_prediction_exercises_names_an_answer() -> None:
    """Issue 13: 2.1's and 2.3's hints settled the answer after one try. No text may name a result's node."""
    answers = chapter._grad_fn_names()
    assert answers == ["SqrtBackward0", "MulBackward0", "ExpBackward0", "SubBackward0"]
    exercise = EXERCISES[f"{SLUG}.name_the_grad_fn"]
    mistakes = [chapter.EARLIER_OPERATION, chapter.NOT_IN_EXPRESSION, chapter.LEAF_NODE, chapter.NO_GRAD_FN]
    for text in [exercise.hint, exercise.first_step, *(m.says for m in mistakes)]:
        for name in answers:
            assert name not in text, f"{name!r} in {text!r}"
    for exercise_id in (f"{SLUG}.predict_requires_grad", f"{SLUG}.which_are_leaves"):
        exercise = EXERCISES[exercise_id]
        right = sorted(exercise.expected_choice())
        for text in (exercise.hint, exercise.first_step):
            assert not all(re.search(rf"\b{label}\b", text) for label in right), f"{exercise_id}: {text}"
    walk = EXERCISES[f"{SLUG}.walk_to_the_leaf"]
    assert ".variable" not in walk.hint + walk.first_step, "the attribute that holds the leaf is the exercise's to find"


def test_2_1_node_names_written_with_spaces_inside_are_accepted(capsys: pytest.CaptureFixture[str]) -> None:
    check(f"{SLUG}.name_the_grad_fn", ["Sqrt Backward0", "Mul Backward 0", "Exp Backward0", "Sub Backward0"])
    assert capsys.readouterr().out.startswith(f"Correct: {SLUG}.name_the_grad_fn")


def test_2_1_an_empty_name_is_refused_as_not_a_node_name() -> None:
    for blank in ("", "   "):
        reset_attempts()
        with pytest.raises(WrongAnswer) as info:
            check(f"{SLUG}.name_the_grad_fn", [blank, "MulBackward0", "ExpBackward0", "SubBackward0"])
        assert "is not one of the node names listed in the exercise" in " ".join(str(info.value).split())


def test_2_1_a_long_item_that_is_no_node_name_is_shown_cut_to_40_characters() -> None:
    item = "the node of the exponential, the last one to run in r3"
    with pytest.raises(WrongAnswer) as info:
        check(f"{SLUG}.name_the_grad_fn", ["SqrtBackward0", "MulBackward0", item, "SubBackward0"])
    assert f"{repr(item)[:40]} is not one of the node names" in " ".join(str(info.value).split())


def test_no_stored_output_after_an_exercise_shows_its_answer() -> None:
    """Issue 13: 2.1 was followed by a cell printing 'SqrtBackward0'."""
    nb = nbformat.read(NOTEBOOK_DIR / f"{CHAPTER}.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    start = next(k for k, c in enumerate(code) if 'check("graph_behind_autograd.name_the_grad_fn"' in c.source)
    later = "\n".join(o.get("text", "") for c in code[start + 1:] for o in c.get("outputs", []))
    for name in ("SqrtBackward0", "ExpBackward0", "SubBackward0"):
        assert name not in later


def test_next_functions_holds_a_pair_per_tensor_input_as_the_chapter_says() -> None:
    """Issue 14: "one pair per input" was not exact. On the installed torch: 2 * x has a (None, 0) for the 2,
    x ** 2 has a single pair; the chapter's cell prints both, and its prose says so."""
    x = torch.tensor(2.0, requires_grad=True)
    pairs = {text: [(None if n is None else type(n).__name__, i) for n, i in r.grad_fn.next_functions]
             for text, r in [("2 * x", 2 * x), ("x ** 2", x**2), ("x * k", x * torch.tensor(3.0))]}
    assert pairs == {"2 * x": [("AccumulateGrad", 0), (None, 0)], "x ** 2": [("AccumulateGrad", 0)],
                     "x * k": [("AccumulateGrad", 0), (None, 0)]}
    prose = "\n".join(c.source for c in nbformat.read(NOTEBOOK_DIR / f"{CHAPTER}.ipynb", as_version=4).cells
                      if c.cell_type == "markdown")
    assert "one pair per input" not in prose
    assert "In `2 * u` PyTorch turns the 2 into a tensor" in prose and "its node has a single pair" in prose


def test_the_step_through_shows_12_8_and_6_arriving_in_torch_order() -> None:
    nb = nbformat.read(NOTEBOOK_DIR / f"{CHAPTER}.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "code" and "show_backward(steps)" in c.source)
    text = "".join(o.get("text", "") for o in cell.outputs)
    rows = [line.split() for line in text.strip().splitlines()[1:]]
    assert [row[-1] for row in rows if "AccumulateGrad" in row] == ["6", "12", "8"]
    assert rows[0][:3] == ["1", "MulBackward0", "(e)"], "the node that produced e runs first"
    assert "12 to a, 8 to b" in text, "what the node of c sends to a (the question before the cell)"
    assert any("image/png" in o.get("data", {}) for o in cell.outputs), "the filmstrip is stored for the site"


def _markdown(nb) -> list[tuple[int, str]]:
    return [(k, c.source) for k, c in enumerate(nb.cells) if c.cell_type == "markdown"]


def test_the_exception_to_the_requires_grad_rule_is_taught_before_exercise_2_3() -> None:
    """Review A3: the rule was taught as absolute ("any input"), and only 2.3's own text hinted at r5 = p > 1."""
    nb = nbformat.read(NOTEBOOK_DIR / f"{CHAPTER}.ipynb", as_version=4)
    exercise = next(k for k, text in _markdown(nb) if text.startswith("### Exercise 2.3"))
    taught = [k for k, text in _markdown(nb) if "never requires grad" in text and "`True`/`False`" in text]
    assert taught and taught[0] < exercise
    shown = next(c for c in nb.cells if c.cell_type == "code" and '("a < b", a < b)' in c.source)
    assert "requires_grad = False" in shown.outputs[0]["text"] and "torch.bool" in shown.outputs[0]["text"]
    assert "p > 1" not in "\n".join(c.source for c in nb.cells[:exercise] if c.cell_type == "markdown")
    assert "comparison" not in nb.cells[exercise].source, "the exercise's own text no longer points at r5"
    p = torch.tensor(2.0, requires_grad=True)
    assert not (p > 1).requires_grad and not (p * 2 < 1).requires_grad


def test_every_code_cell_with_output_is_read_by_the_next_markdown_cell() -> None:
    """Review C3: the x * x + x cell (dy/dx at 3: 7.0) was followed straight by the Exercises heading."""
    nb = nbformat.read(NOTEBOOK_DIR / f"{CHAPTER}.ipynb", as_version=4)
    for k, cell in enumerate(nb.cells[:-1]):
        if k > 1 and cell.cell_type == "code" and cell.get("outputs") and "check(" not in cell.source:  # not setup
            after = nb.cells[k + 1]
            assert after.cell_type == "markdown" and not after.source.startswith("#"), cell.source[:60]
    reused = next(k for k, c in enumerate(nb.cells) if c.cell_type == "code" and "y = x * x + x" in c.source)
    assert "7 = 3 + 3 + 1" in nb.cells[reused + 1].source


def test_the_step_through_prose_says_where_each_view_appears() -> None:
    """Review C13: "here you see a strip of frames" was ambiguous inside a live notebook."""
    nb = nbformat.read(NOTEBOOK_DIR / f"{CHAPTER}.ipynb", as_version=4)
    prose = next(text for _, text in _markdown(nb) if text.startswith("## The backward pass, step by step"))
    assert "here you see" not in prose and "Either way the steps are also printed as a table" in " ".join(prose.split())
    from course_utils.environment import is_live_frontend  # the three front ends the prose names are the live ones

    assert "Colab" in prose and "VS Code" in prose and "JupyterLab" in prose and callable(is_live_frontend)


def test_2_4_the_long_chain_case_is_as_long_as_its_name_says(capsys: pytest.CaptureFixture[str]) -> None:
    """A learner's walk that counts its steps takes 38 of them on the case named "a long chain (38 operations)"."""
    steps: list[int] = []

    def counting_walk(t):
        node, n = t.grad_fn, 0
        while type(node).__name__ != "AccumulateGrad":
            node = next(fn for fn, _ in node.next_functions if fn is not None)
            n += 1
        steps.append(n)
        return node.variable

    check(f"{SLUG}.walk_to_the_leaf", counting_walk)
    assert f"Correct: {SLUG}.walk_to_the_leaf" in capsys.readouterr().out
    cases = [case.name for case in EXERCISES[f"{SLUG}.walk_to_the_leaf"].cases]
    assert len(steps) == len(cases)
    assert steps[cases.index("a long chain (38 operations)")] == 38


def test_2_4_each_typical_wrong_walk_is_named_within_two_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    """The exercise's own wrong walks (the node returned, a None followed, ...) end on every case and get their
    mistake's message, well inside a time limit of 2 s instead of the usual 10 s."""
    exercise = EXERCISES[f"{SLUG}.walk_to_the_leaf"]
    monkeypatch.setattr(exercise, "time_limit", 2.0)
    for example in exercise.wrong_examples:
        reset_attempts()
        with pytest.raises(WrongAnswer) as info:
            check(exercise.id, example.make())
        assert example.says in " ".join(str(info.value).split())


def test_2_4_the_pair_returning_walk_skips_none_entries_so_the_pair_is_its_only_mistake() -> None:
    """The wrong example of returned_a_pair walks like the right one: on every case, the constant first input of
    (torch.tensor(3.) * x).mean() included, it reaches the leaf and is named for the pair it returns."""
    import dataclasses

    exercise = EXERCISES[f"{SLUG}.walk_to_the_leaf"]
    for case in exercise.cases:
        with pytest.raises(WrongAnswer) as info:
            dataclasses.replace(exercise, cases=[case]).validate(chapter._returns_pair)
        assert info.value.mistake == "returned_a_pair", case.name


def test_2_4_a_new_tensor_typed_with_the_leafs_numbers_is_named_a_copy() -> None:
    """The first case's leaf x holds 1, 2, 3: a tensor built anew from those numbers is a copy, not the leaf."""
    with pytest.raises(WrongAnswer) as info:
        check(f"{SLUG}.walk_to_the_leaf", lambda t: torch.tensor([1.0, 2.0, 3.0], requires_grad=True))
    assert info.value.mistake == "returned_a_copy"
    assert "on (x * 2).exp().sum(), it returned a copy of the leaf" in " ".join(str(info.value).split())


@pytest.mark.parametrize("count,says", [
    (100, "expected 2 numbers, one for each contribution that reaches q; you gave 100."),
    (101, "You gave: a list of length 101, far more numbers than this exercise asks for"),
])
def test_2_5_up_to_100_numbers_are_read_and_101_are_refused_unread(count: int, says: str) -> None:
    with pytest.raises(WrongAnswer) as info:
        check(f"{SLUG}.contributions_to_q", [3.0] * count)
    assert says in " ".join(str(info.value).split())
