"""The local attempt record (course_utils.attempts), course_utils.progress() and ./course progress.

Every test writes to a temporary file through COURSE_PROGRESS_FILE: nothing here touches a home folder.
"""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest

from course_utils import attempts

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "progress" / "attempts.jsonl"
    monkeypatch.setenv(attempts.ENV_VAR, str(path))
    monkeypatch.setattr(attempts, "_warned", set())
    monkeypatch.setattr(attempts, "_last_exercise", None)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    return path


def _count(slug: str) -> int:
    return len(next(c for c in attempts.chapters() if c.slug == slug).exercises)


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_every_check_is_recorded_with_verdict_mistake_and_level(record: Path) -> None:
    from course_utils.checks import WrongAnswer, check, reset_attempts

    reset_attempts()
    for wrong in (32.0, 32.0):
        with pytest.raises(WrongAnswer):
            check("first_gradients.perceptron_by_hand", wrong)
    check("first_gradients.perceptron_by_hand", -32.0)
    lines = _lines(record)
    assert [(a["exercise"], a["verdict"], a["mistake"], a["level"]) for a in lines] == [
        ("first_gradients.perceptron_by_hand", "wrong", "sign_flipped", 1),
        ("first_gradients.perceptron_by_hand", "wrong", "sign_flipped", 2),
        ("first_gradients.perceptron_by_hand", "correct", None, 0)]
    assert all(a["time"].endswith("+00:00") and a["v"] == 1 for a in lines)


def test_off_records_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(attempts.ENV_VAR, "off")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    attempts.record_attempt("first_gradients.perceptron_by_hand", "correct", None, 0)
    assert attempts.progress_file() is None
    assert list(tmp_path.rglob("*")) == []
    assert "Recording is off" in str(attempts.show_progress("01"))


def test_the_tests_and_notebook_executions_record_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    from coursetools.notebooks import KERNEL_ENV

    monkeypatch.delenv(attempts.ENV_VAR, raising=False)
    for name, value in KERNEL_ENV.items():  # what every test kernel and ./course execute run with
        monkeypatch.setenv(name, value)
    assert attempts.progress_file() is None


def test_the_documented_places(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(attempts.ENV_VAR, raising=False)
    monkeypatch.delenv("IPYKERNEL_CELL_NAME", raising=False)  # as in a learner's kernel
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert attempts.progress_file() == tmp_path / "autograd-hands-on" / "attempts.jsonl"
    monkeypatch.setitem(sys.modules, "google.colab", type(sys)("google.colab"))
    assert attempts.progress_file() == Path("/content/.autograd-hands-on/attempts.jsonl")  # Colab: the session's disk


def test_two_processes_appending_at_once_lose_nothing(record: Path) -> None:
    writer = textwrap.dedent(f"""
        import importlib.util, sys
        spec = importlib.util.spec_from_file_location("attempts", {str(Path(attempts.__file__))!r})
        module = sys.modules["attempts"] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)  # the module alone: no torch to import, so both start at once
        record_attempt = module.record_attempt
        for k in range(400):
            record_attempt(f"first_gradients.perceptron_by_hand", "wrong", "m" * (k % 50) + sys.argv[1], k % 4)
    """)
    env = {**os.environ, attempts.ENV_VAR: str(record)}
    procs = [subprocess.Popen([sys.executable, "-c", writer, name], env=env) for name in ("A", "B")]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    lines = _lines(record)  # every line parses: no two writes interleaved
    assert len(lines) == 800
    assert sorted(a["mistake"][-1] for a in lines) == ["A"] * 400 + ["B"] * 400


@pytest.mark.parametrize("damage", [b"this is not json\n", b"\xff\xfe\x00garbage\n", b'{"exercise": 3}\n',
                                    b'{"v": 1, "exercise": "first_gr'])
def test_a_damaged_file_is_reported_and_set_aside_never_a_crash(record: Path, damage: bytes) -> None:
    attempts.record_attempt("first_gradients.perceptron_by_hand", "wrong", "sign_flipped", 1)
    with open(record, "ab") as handle:
        handle.write(damage)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        shown = str(attempts.show_progress("01"))
    assert any("was damaged" in str(w.message) for w in caught)
    assert "the progress file was damaged" in shown and "1 readable attempt(s) were kept" in shown
    aside = list(record.parent.glob("attempts.jsonl.damaged-*"))
    assert len(aside) == 1 and aside[0].read_bytes().endswith(damage)  # kept for inspection, as it was
    assert len(_lines(record)) == 1  # the readable record stays in a clean file
    attempts.record_attempt("first_gradients.perceptron_by_hand", "correct", None, 0)  # and recording goes on
    assert [a["verdict"] for a in attempts.read_attempts()] == ["wrong", "correct"]


def test_an_unwritable_place_warns_once_and_the_check_still_works(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from course_utils.checks import check

    blocked = tmp_path / "is_a_folder"
    blocked.mkdir()
    monkeypatch.setenv(attempts.ENV_VAR, str(blocked))
    monkeypatch.setattr(attempts, "_warned", set())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check("first_gradients.perceptron_by_hand", -32.0)
        check("first_gradients.perceptron_by_hand", -32.0)
    messages = [str(w.message) for w in caught if "could not be recorded" in str(w.message)]
    assert len(messages) == 1 and str(blocked) in messages[0] and attempts.ENV_VAR in messages[0]
    assert "is not a file" in str(attempts.show_progress("01"))


def test_progress_shows_the_chapter_with_statuses_and_how_to_reset(record: Path) -> None:
    attempts.record_attempt("first_gradients.perceptron_by_hand", "wrong", "sign_flipped", 1)
    attempts.record_attempt("first_gradients.perceptron_by_hand", "correct", None, 0)
    attempts.record_attempt("first_gradients.perceptron_step", "wrong", "step_uphill", 1)
    for name in ("01", 1, "first_gradients", "01_first_gradients.ipynb", "notebooks/01_first_gradients.ipynb"):
        text = str(attempts.show_progress(name))
        assert text.startswith("Your progress in chapter 01 · First gradients")
        assert "perceptron_by_hand: dL/dW for the one-weight perceptron: passed (on try 2)" in text
        assert "tried 1 time, not passed yet (last: step_uphill)" in text
        assert "not tried" in text and f"1 of {_count('first_gradients')} passed." in text
        assert str(record) in text and "./course progress --reset" in text and "attempts.reset()" in text
    page = attempts.show_progress("01")._repr_html_()
    assert "<table>" in page and "passed (on try 2)" in page
    with pytest.raises(ValueError, match="no chapter 'nope'"):
        attempts.show_progress("nope")


def test_without_an_argument_the_notebooks_chapter_is_shown(record: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert str(attempts.show_progress()).startswith("Your progress over the whole course")  # nothing known yet
    attempts.record_attempt("gradients_accumulate.after_zero_grad", "wrong", None, 1)
    shown = str(attempts.show_progress())
    assert "chapter 04 · Gradients accumulate (chosen from the exercise you checked last" in shown
    monkeypatch.setenv("JPY_SESSION_NAME", "/home/me/course/notebooks/learner/02_graph_behind_autograd.ipynb")
    assert "chapter 02 · The graph behind autograd (chosen from this notebook's name)" in str(attempts.show_progress())
    assert str(attempts.show_progress("all")).startswith("Your progress over the whole course")


def test_reset_forgets_one_chapter_or_everything(record: Path) -> None:
    attempts.record_attempt("first_gradients.perceptron_by_hand", "correct", None, 0)
    attempts.record_attempt("gradients_accumulate.after_zero_grad", "correct", None, 0)
    assert attempts.reset("01") == 1
    assert [a["exercise"] for a in attempts.read_attempts()] == ["gradients_accumulate.after_zero_grad"]
    assert attempts.reset() == 1
    assert attempts.read_attempts() == []


def test_course_progress_command(record: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    from coursetools.progress_cli import main

    attempts.record_attempt("first_gradients.perceptron_by_hand", "correct", None, 0)
    env = {**os.environ, attempts.ENV_VAR: str(record)}
    whole = subprocess.run([sys.executable, "-m", "coursetools.progress_cli"], cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert whole.returncode == 0 and whole.stdout.startswith("Your progress over the whole course: 1 of ")
    assert f"01 · First gradients: 1 of {_count('first_gradients')} passed" in whole.stdout
    assert "--reset" in whole.stdout

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    assert "passed" in run("--chapter", "01")[1]
    monkeypatch.setattr(sys, "stdin", io.StringIO())  # not a terminal: a reset must be confirmed with --yes
    code, _, err = run("--reset")
    assert code == 2 and "--yes" in err and len(_lines(record)) == 1
    assert run("--reset", "--yes")[1].startswith("Removed 1 recorded attempt(s)")
    assert _lines(record) == []
    assert run("--where")[1].strip() == str(record)
    assert run("--chapter", "99")[0] == 2


def test_a_home_folder_that_cannot_be_found_warns_once_and_checks_still_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """``~nobody/...`` cannot be expanded (Path.expanduser raises): no crash, one warning naming the variable."""
    from course_utils.checks import check

    monkeypatch.setenv(attempts.ENV_VAR, "~no_such_user_of_this_course/attempts.jsonl")
    monkeypatch.setattr(attempts, "_warned", set())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check("first_gradients.perceptron_by_hand", -32.0)
        check("first_gradients.perceptron_by_hand", -32.0)
        shown = str(attempts.show_progress("01"))
    messages = [str(w.message) for w in caught]
    assert len(messages) == 1 and "home folder that cannot be found" in messages[0], messages
    assert "~no_such_user_of_this_course" in messages[0] and attempts.ENV_VAR in messages[0]
    assert "could not be recorded" not in messages[0]  # not the catch-all of check(): the cause is named
    assert shown
