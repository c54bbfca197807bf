"""The grader's parts that need no sandbox: reading, matching with the learner edition, the scan for
tampering, learner ids, the gradebook layouts, the fingerprint of the checks and the audit hook.

The end-to-end runs (a folder of generated submissions through ./course grade, the report in
Chromium) are in tests/test_grade.py.
"""
from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from coursetools import grade_notebook as gn
from coursetools import grade_report
from coursetools.grade import Submission, identify, learner_of
from coursetools.grade_samples import Chapter, solution_fills
from coursetools.notebooks import ROOT, chapter_notebooks


def _nb(cells: list[tuple[str, str, str | None]]) -> bytes:
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                       "cells": [{"cell_type": kind, "source": source, "metadata": {}, **({"id": cid} if cid else {})}
                                 for kind, source, cid in cells]}).encode()


@pytest.fixture(scope="module")
def chapter() -> Chapter:
    return Chapter("01")


@pytest.fixture(scope="module")
def edition(chapter: Chapter) -> gn.Edition:
    return gn.build_edition(chapter.solution)


def _cells(nb) -> list[gn.Cell]:
    return gn.read_notebook(json.dumps(nb).encode())


# ---------------------------------------------------------------------------------- bad files

@pytest.mark.parametrize("data, says", [
    (b"", "is empty"),
    (b"this is not json", "not valid JSON (line 1, column 1)"),
    (b"\xff\xfe\x00\x01", "not text"),
    (b"[1, 2, 3]", "not a Jupyter notebook"),
    (b'{"answers": [1]}', "no list of 'cells'"),
    (b'{"cells": [{"source": "x"}]}', "a cell without a type"),
    (b'{"cells": [{"cell_type": "code", "source": 3}]}', "source is not text"),
    (b"[" * 100000, "not valid JSON"),
])
def test_a_file_that_is_not_a_notebook_gets_a_clear_reason(data: bytes, says: str) -> None:
    with pytest.raises(gn.BadSubmission, match=says.replace("(", r"\(").replace(")", r"\)")):
        gn.read_notebook(data)


def test_a_huge_file_is_refused_before_parsing() -> None:
    with pytest.raises(gn.BadSubmission, match="far larger than any notebook"):
        gn.read_notebook(b" " * (gn.MAX_BYTES + 1))


def test_an_old_format_notebook_is_read() -> None:
    old = json.dumps({"nbformat": 3, "worksheets": [{"cells": [{"cell_type": "code", "input": "x = 1"}]}]}).encode()
    assert [c.source for c in gn.read_notebook(old)] == ["x = 1"]


def test_the_chapter_comes_from_the_exercises_then_the_title_then_the_name(edition: gn.Edition) -> None:
    editions = {edition.slug: edition}
    assert gn.which_chapter(edition.cells, editions) == ("first_gradients", "its exercises")
    titled = [gn.Cell("markdown", "# 01 · First gradients\n\nmy notes"), gn.Cell("code", "x = 1")]
    assert gn.which_chapter(titled, editions) == ("first_gradients", "its title")
    assert gn.which_chapter([gn.Cell("code", "x = 1")], editions, "01_first_gradients.ipynb") == (
        "first_gradients", "its file name")
    assert gn.which_chapter([gn.Cell("code", "x = 1")], editions, "holiday.ipynb") == (None, "")


# ---------------------------------------------------------------------------------- matching with the learner edition

def test_the_learner_edition_as_given_runs_as_given(chapter: Chapter, edition: gn.Edition) -> None:
    plan = gn.plan(_cells(chapter.notebook()), edition)
    assert plan.unanswered == list(edition.exercises) and not plan.tampered and not plan.notes
    assert [c.source for c in plan.cells] == [c.source for c in edition.cells if c.kind == "code"]


def test_filled_with_the_solutions_nothing_is_flagged(chapter: Chapter, edition: gn.Edition) -> None:
    plan = gn.plan(_cells(chapter.notebook(chapter.solved())), edition)
    assert not plan.unanswered and not plan.tampered and not plan.missing and not plan.notes


def test_an_edited_demo_cell_runs_as_given_and_an_added_cell_runs_where_it_was_added(chapter: Chapter,
                                                                                      edition: gn.Edition) -> None:
    nb = chapter.notebook(chapter.solved())
    demo = next(k for k, c in enumerate(nb.cells) if c.cell_type == "code" and k > 1 and "check(" not in c.source)
    original = nb.cells[demo].source
    nb.cells[demo].source = "print('I changed this')"
    import nbformat

    nb.cells.insert(demo + 1, nbformat.v4.new_code_cell("scratch = 1"))
    plan = gn.plan(_cells(nb), edition)
    sources = [c.source for c in plan.cells]
    assert original in sources and "print('I changed this')" not in sources
    assert sources[sources.index(original) + 1] == "scratch = 1"
    assert any("was edited; it ran as in the learner edition" in n for n in plan.notes)
    assert any("was added by the learner" in n for n in plan.notes) and not plan.tampered


def test_cells_are_matched_by_content_when_their_ids_are_lost(chapter: Chapter, edition: gn.Edition) -> None:
    nb = chapter.notebook(chapter.solved())
    for cell in nb.cells:
        cell.pop("id", None)
    plan = gn.plan(_cells(nb), edition)
    assert not plan.tampered and not plan.missing and not plan.notes


def test_changing_a_given_line_of_an_exercise_cell_is_tampering(chapter: Chapter, edition: gn.Edition) -> None:
    exercise_id = chapter.exercises[0]
    nb = chapter.notebook(chapter.solved())
    cell = nb.cells[chapter.cells[exercise_id]]
    cell.source = cell.source.replace(f'check("{exercise_id}"', f'print("{exercise_id}"')
    plan = gn.plan(_cells(nb), edition)
    assert exercise_id in plan.tampered and "was changed or removed" in plan.tampered[exercise_id][0]
    assert set(plan.tampered) == {exercise_id}


def test_a_deleted_exercise_cell_is_missing(chapter: Chapter, edition: gn.Edition) -> None:
    exercise_id = chapter.exercises[-1]
    nb = chapter.notebook(chapter.solved())
    del nb.cells[chapter.cells[exercise_id]]
    assert gn.plan(_cells(nb), edition).missing == [exercise_id]


def test_many_changed_given_cells_suggest_another_version_of_the_chapter(chapter: Chapter, edition: gn.Edition) -> None:
    nb = chapter.notebook(chapter.solved())
    for cell in nb.cells[2:]:
        if cell.cell_type == "code" and "check(" not in cell.source:
            cell.source += "\n# an older version"
    assert "another version of the chapter" in gn.plan(_cells(nb), edition).version_mismatch


# ---------------------------------------------------------------------------------- the scan for tampering

@pytest.mark.parametrize("code, finding", [
    ("def check(*args):\n    pass", "redefines check"),
    ("check = print", "redefines check"),
    ("from mymodule import check", "redefines check"),
    ("import course_utils.checks as c\nc.EXERCISES['x'].validate = lambda a: None", "checking machinery"),
    ("from course_utils.checks.registry import EXERCISES", "checking machinery"),
    ("import course_utils\ncourse_utils.checks.WrongAnswer.at_level = None", "changes the course's checks"),
    ("setattr(course_utils, 'check', print)", "setattr"),
    ("from course_utils.checks import feedback", "checking machinery"),
    ("import coursetools.grade_sandbox", "checking machinery"),
    ("print('Correct: first_gradients.x (title)')", "'Correct:' line"),
    ("print(f'Correct: {name}')", "'Correct:' line"),
])
def test_each_way_of_giving_oneself_credit_is_found(code: str, finding: str) -> None:
    tamper, _ = gn.scan(code)
    assert any(finding in t for t in tamper), tamper


@pytest.mark.parametrize("code, finding", [
    ("import ctypes", "ctypes"), ("import gc\ngc.get_objects()", "garbage collector"),
    ("f.__code__", "__code__"), ("import sys\nsys.modules['x']", "sys.modules"),
    ("exec('x = 1')", "run time"), ("import os\nos.write(5, b'x')", "os.write"),
])
def test_constructs_a_forgery_needs_are_reported_for_a_human(code: str, finding: str) -> None:
    tamper, suspicious = gn.scan(code)
    assert not tamper and any(finding in s for s in suspicious), suspicious


def test_ordinary_learner_code_is_not_flagged() -> None:
    for code in ("from course_utils import check", "from course_utils.checks import check",
                 "import course_utils\ncourse_utils.show_error()", "try:\n    x = 1\nexcept Exception:\n    pass",
                 "%matplotlib inline\nx = [w.grad.tolist() for w in ws]", "def f(\n",
                 "print('Correct:', x == y)", "print('Correct: yes')"):
        assert gn.scan(code) == ([], []), code


def test_no_solution_of_any_chapter_looks_like_tampering() -> None:
    for solution in chapter_notebooks():
        for exercise_id, lines in solution_fills(solution).items():
            tamper, _ = gn.scan("\n".join(lines))
            assert not tamper, (exercise_id, tamper)


# ---------------------------------------------------------------------------------- learner ids

@pytest.mark.parametrize("path, root, learner", [
    ("dl/doejane_12345_678_04_gradients_accumulate.ipynb", "dl", {"learner": "doejane", "ID": "12345"}),
    ("dl/doejane_late_12345_678_04_gradients_accumulate.ipynb", "dl", {"learner": "doejane", "ID": "12345"}),
    ("dl/Jane Doe_4711_assignsubmission_file_/04_gradients_accumulate.ipynb", "dl", {"learner": "Jane Doe"}),
    ("submitted/alice/ps4/04_gradients_accumulate.ipynb", "submitted", {"learner": "alice"}),
    ("s/bob-04_gradients_accumulate.ipynb", "s", {"learner": "bob"}),
    ("s/04_gradients_accumulate-carol.ipynb", "s", {"learner": "carol"}),
    ("s/dave.ipynb", "s", {"learner": "dave"}),
])
def test_the_learner_id_comes_from_the_file_name(path: str, root: str, learner: dict) -> None:
    assert learner_of(Submission(Path(path), path, Path(root))) == learner


def test_a_column_map_names_the_learners(tmp_path: Path) -> None:
    from coursetools.grade import read_ids

    roster = tmp_path / "roster.csv"
    roster.write_text("file,learner,email,Section\nx1.ipynb,Ada Lovelace,ada@example.org,S1\n", encoding="utf-8")
    subs = [Submission(tmp_path / f"x{k}.ipynb", f"f/x{k}.ipynb", tmp_path) for k in (1, 2)]
    identify(subs, read_ids(roster))
    assert subs[0].identity == {"learner": "Ada Lovelace", "email": "ada@example.org", "Section": "S1"}
    assert subs[1].identity == {"learner": "x2"}
    bad = tmp_path / "bad.csv"
    bad.write_text("name\nx\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="'file' and 'learner'"):
        read_ids(bad)


# ---------------------------------------------------------------------------------- gradebooks

def _results(edition: gn.Edition) -> list[dict]:
    ids = list(edition.exercises)

    def result(learner: str, scores: list, mistakes: dict | None = None, **identity: str) -> dict:
        exercises = {}
        for exercise_id, score in zip(ids, scores):
            status = "correct" if score == 1 else "problem" if score is None else "wrong"
            exercises[exercise_id] = {"score": score, "status": status, "mistake": (mistakes or {}).get(exercise_id),
                                      "message": "this looks like x." if status == "wrong" else ""}
        return {"status": "graded", "file": f"{learner}.ipynb", "learner": learner,
                "identity": {"learner": learner, **identity},
                "chapter": edition.slug, "chapter_number": edition.number, "exercises": exercises,
                "total": sum(s for s in scores if s), "max": len(ids), "problems": ["a, problem; with \"quotes\""]}

    first = ids[0]
    return [result("ada", [1] * len(ids), ID="101", **{"SIS Login ID": "ada@x.org"}),
            result("bob", [0] + [1] * (len(ids) - 1), {first: "sign_flipped"}),
            result("cy", [0] + [None] * (len(ids) - 1), {first: "sign_flipped"}),
            {"status": "not_graded", "file": "junk.ipynb", "learner": "junk", "identity": {"learner": "junk"},
             "reason": "is not a notebook", "problems": ["is not a notebook"], "total": 0, "max": 0, "exercises": {}}]


def test_the_gradebook_has_a_row_per_submission_a_column_per_exercise_total_and_problems(edition: gn.Edition) -> None:
    rows = grade_report.gradebook_rows(_results(edition), {edition.slug: edition})
    ids = list(edition.exercises)
    assert rows[0] == ["learner", "ID", "SIS Login ID", "file", "chapter", *ids, "total", "max", "problems"]
    assert len(rows) == 5
    assert rows[2][5:5 + len(ids)] == [0] + [1] * (len(ids) - 1) and rows[2][-3:-1] == [len(ids) - 1, len(ids)]
    assert rows[3][6:5 + len(ids)] == [""] * (len(ids) - 1)  # the check could not run: no grade, not a zero
    assert rows[4][0] == "junk" and rows[4][-1] == "is not a notebook"
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    again = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert again[1][-1] == 'a, problem; with "quotes"'
    # Moodle's CSV import: one header row, a column to identify users by, grades as plain numbers or empty.
    assert len(set(again[0])) == len(again[0]) and len({r[0] for r in again[1:]}) == len(again) - 1
    for row in again[1:]:
        for cell in row[5:5 + len(ids)]:
            assert cell == "" or 0 <= float(cell) <= 100


def test_the_canvas_gradebook_follows_canvas_importer_rules(edition: gn.Edition) -> None:
    """The header rules of Canvas's GradebookImporter (app/models/gradebook_importer.rb, read for this test)."""
    rows = grade_report.canvas_rows(_results(edition), {edition.slug: edition})
    header = rows[0]
    assert "Student" in header[0] and "ID" in header[1] and header[2] == "SIS User ID" and header[3] == "SIS Login ID"
    assert "Section" in header[4]                                     # the last student column must be Section
    non_assignment = ("Current Score", "Current Points", "Current Grade", "Final Score", "Final Points", "Final Grade",
                      "Override Score", "Override Grade", "Override Status")
    assert not any(n in h for h in header[5:] for n in non_assignment)   # every other column is an assignment
    assert rows[1][0] == "Points Possible" and rows[1][5:] == [1] * len(edition.exercises)
    assert [r[0] for r in rows[2:]] == ["ada", "bob", "cy"]            # graded only, one row per learner
    assert rows[2][1] == "101" and rows[2][3] == "ada@x.org"
    for row in rows[2:]:
        assert all(cell == "" or cell in (0, 1) for cell in row[5:])


def test_misconceptions_count_submissions_per_mistake(edition: gn.Edition) -> None:
    rows = grade_report.misconceptions(_results(edition), {edition.slug: edition})
    first = list(edition.exercises)[0]
    counted = [(r["exercise"], r["mistake"], r["submissions"], r["graded"]) for r in rows]
    assert counted == [(first, "sign_flipped", 2, 3)]
    assert rows[0]["told"] == "this looks like x." and rows[0]["hint"]


# ---------------------------------------------------------------------------------- the fingerprint, the hook

def test_the_fingerprint_sees_every_patch_and_puts_everything_back() -> None:
    import numpy as np
    import torch

    import course_utils
    from course_utils.checks import EXERCISES, WrongAnswer, check
    from course_utils.checks import tolerance
    from coursetools.grade_sandbox import Fingerprint

    fingerprint = Fingerprint()
    exercise = EXERCISES["first_gradients.perceptron_by_hand"]
    originals = (tolerance.close, WrongAnswer.at_level, torch.allclose, np.isclose, exercise.solution,
                 course_utils.check)
    try:
        exercise.validate = lambda answer: None
        exercise.solution = lambda: 32.0
        tolerance.close = lambda *a, **k: True
        WrongAnswer.at_level = lambda self, level: self
        torch.allclose = lambda *a, **k: True
        np.isclose = lambda *a, **k: True
        course_utils.check = print
        exercise.mistakes[0].__dict__["says"] = "changed"
        changes = fingerprint.changes()
        for part in ("EXERCISES['first_gradients.perceptron_by_hand'] got a new entry", ".solution was replaced",
                     "tolerance.close was replaced", "WrongAnswer.at_level was replaced", "torch.allclose was replaced",
                     "numpy.isclose was replaced", "course_utils.check was replaced", ".mistakes[0].says was replaced"):
            assert any(part in c for c in changes), (part, changes)
        fingerprint.restore()
        assert fingerprint.changes() == []
        assert (tolerance.close, WrongAnswer.at_level, torch.allclose, np.isclose, exercise.solution,
                course_utils.check) == originals and "validate" not in vars(exercise)
        check("first_gradients.perceptron_by_hand", -32.0)
    finally:
        fingerprint.restore()


def test_the_capture_sees_every_correct_line() -> None:
    from coursetools.grade_sandbox import Capture

    capture = Capture(limit=10)
    for piece in ("noise\n\x1b[32mCorr", "ect: a.b (x)\n", "  Correct: c.d\n", "Correct: True\n", "Correct: e.f"):
        capture.write(piece)
    capture.finish()
    assert capture.correct_lines == ["Correct: a.b (x)", "Correct: c.d", "Correct: e.f"] and len(capture.text()) == 10


def test_the_audit_hook_refuses_the_graders_files_writes_elsewhere_and_the_network(tmp_path: Path) -> None:
    """In a process of its own: an audit hook cannot be removed."""
    work, secret = tmp_path / "work", tmp_path / "grader"
    work.mkdir()
    secret.mkdir()
    (secret / "gradebook.csv").write_text("ada,1\n")
    (work / "submission.ipynb").write_text("{}")
    script = textwrap.dedent(f"""
        import json, os, socket, sys
        from coursetools.grade_sandbox import _audit_hook
        incidents, state = [], {{"armed": True, "cell": 3, "runner_pid": os.getpid()}}
        sys.addaudithook(_audit_hook({str(work)!r}, [{str(secret)!r}], [{str(work)!r}], incidents, state))
        outcomes = []
        def attempt(name, action):
            try:
                action()
                outcomes.append((name, "allowed"))
            except OSError as exc:
                outcomes.append((name, type(exc).__name__))
        attempt("read grader", lambda: open({str(secret / "gradebook.csv")!r}).read())
        attempt("list grader", lambda: os.listdir({str(secret)!r}))
        attempt("write outside", lambda: open({str(tmp_path / "outside.txt")!r}, "w"))
        attempt("write inside", lambda: open({str(work / "mine.txt")!r}, "w").close())
        attempt("delete inside", lambda: os.remove({str(work / "submission.ipynb")!r}))
        attempt("resolve", lambda: socket.getaddrinfo("example.com", 80))
        attempt("connect", lambda: socket.socket().connect(("93.184.216.34", 80)))
        attempt("loopback", lambda: socket.socket().bind(("127.0.0.1", 0)))
        print(json.dumps({{"outcomes": outcomes, "incidents": [(i["kind"], i["cell"]) for i in incidents]}}))
    """)
    env = {**os.environ, "PYTHONPATH": ""}  # without the test-time socket guard: the hook alone must refuse
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout.strip().splitlines()[-1])
    assert dict(map(tuple, data["outcomes"])) == {
        "read grader": "PermissionError", "list grader": "PermissionError", "write outside": "PermissionError",
        "write inside": "allowed", "delete inside": "allowed", "resolve": "gaierror", "connect": "OSError",
        "loopback": "allowed"}
    kinds = {kind for kind, _ in data["incidents"]}
    assert kinds == {"grader_file", "write_outside", "deleted_in_workdir", "network"}, data
    assert (secret / "gradebook.csv").read_text() == "ada,1\n" and not (tmp_path / "outside.txt").exists()


def test_a_process_that_is_ending_is_not_left_running_and_one_that_stays_is_named() -> None:
    """Chapter 15's DDP workers may still be exiting when the last cell ends: that is no problem of the
    learner's. A process that stays (a fork that loops) is reported by its command line."""
    import threading

    from coursetools.grade_sandbox import Sandbox, _descendants, _threads_left

    sandbox = Sandbox("process", False)
    ending = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(0.3)"])
    staying = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)  # stays"])
    try:
        reaper = threading.Thread(target=ending.wait)  # as the fork server reaps its workers
        reaper.start()
        left = _descendants(sandbox, grace_s=2.0)
        reaper.join()
        assert len(left) == 1 and "stays" in left[0], left
    finally:
        staying.kill()
        staying.wait()
    assert _descendants(sandbox, grace_s=0.2) == []

    stop = threading.Event()
    short = threading.Thread(target=lambda: stop.wait(0.3), name="ends-soon")
    long = threading.Thread(target=lambda: stop.wait(30), name="spins")
    short.start()
    long.start()
    try:
        assert _threads_left(threading.main_thread(), grace_s=1.5) == ["spins"]
    finally:
        stop.set()
        long.join()


def test_the_fork_server_is_not_left_running_however_deep_the_checkout() -> None:
    """CI's checkout is deep (/check/work/main/.venv/bin/python -B -W...): chapter 15's fork server
    has its module name past the 100th character of its command line, and was once named as left
    running. Padding the flags here puts it there on any checkout."""
    from coursetools.grade_sandbox import Sandbox, _descendants

    flags = ["-W", "ignore::DeprecationWarning"] * 4
    code = "from multiprocessing.forkserver import main; import time; time.sleep(30)"
    server = subprocess.Popen([sys.executable, "-B", *flags, "-c", code])
    try:
        assert len(" ".join([sys.executable, "-B", *flags, "-c"])) > 100
        assert _descendants(Sandbox("process", False), grace_s=0.2) == []
    finally:
        server.kill()
        server.wait()


def test_the_problem_line_names_what_was_left_running() -> None:
    from coursetools.grade import _names

    assert _names(["python -c loop"]) == "'python -c loop'"
    assert _names(["a", "b", "c", "d", "e"]) == "'a', 'b', 'c' and 2 more"
