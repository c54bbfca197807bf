"""What a learner reads after a wrong answer, word for word, for every exercise: a snapshot.

The other tests check that a message *contains* the right things (the mistake, the hint, no answer).
This one pins the whole text at each hint level, so that a change to the wording, a dropped
"Expected:" line, or a hint that appears one attempt too early is seen in review, not by a learner.
The mutation run (``./course mutate``) found such changes passing every other test.

After a deliberate change to the feedback, rewrite the snapshot and read its diff:

    COURSE_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest -p no:xdist tests/test_feedback_snapshots.py
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from course_utils.checks import EXERCISES, Wrong, WrongAnswer, check, reset_attempts
from course_utils.checks.feedback import CheckProblem

SNAPSHOT = Path(__file__).parent / "snapshots" / "feedback.json"
UPDATE = os.environ.get("COURSE_UPDATE_SNAPSHOTS") == "1"

# A few inputs that are never right, beside each exercise's own typical wrong answers.
BAD_INPUTS = {
    "None": lambda: None,
    "a string": lambda: "42",
    "NaN": lambda: float("nan"),
    "an empty list": lambda: [],
    "a dict with another key": lambda: {"not-a-key": 1.0},
    "a tensor of the wrong shape": lambda: torch.ones(7, 3),
    "a function returning None": lambda: (lambda *args, **kwargs: None),
}
ADDRESS = re.compile(r"0x[0-9a-fA-F]+")


def _render(verdict: WrongAnswer) -> list[str]:
    """The verdict as IPython shows it at the first wrong attempt, in full; for the second and third
    attempts, how many lines they show and the first and last of the lines the first did not have (the
    hint, then the first step, and what the next attempt would add). Hints repeat for every answer of
    an exercise, so storing them once per level would only make the file long."""
    def lines(level: int) -> list[str]:
        return ADDRESS.sub("0x…", "\n".join(verdict.at_level(level)._render_traceback_())).split("\n")

    first = lines(1)
    later = [lines(level) for level in (2, 3)]
    return ["\n".join(first)] + [f"{len(more)} lines; new: {more[len(first) - 1]} … {more[-1]}" for more in later]


def _feedback(exercise_id: str) -> dict[str, dict]:
    exercise = EXERCISES[exercise_id]
    answers = {f"wrong example {i}": (item if isinstance(item, Wrong) else Wrong(item)).make
               for i, item in enumerate(exercise.wrong_examples)}
    answers.update(BAD_INPUTS)
    seen = {}
    for label, make in answers.items():
        reset_attempts(exercise_id)
        try:
            check(exercise_id, make())
        except WrongAnswer as verdict:
            seen[label] = {"mistake": verdict.mistake, "levels": _render(verdict)}
        else:
            seen[label] = {"mistake": None, "levels": ["Correct"]}
    return seen


@pytest.fixture(scope="module")
def stored() -> dict:
    return json.loads(SNAPSHOT.read_text(encoding="utf-8")) if SNAPSHOT.is_file() else {}


@pytest.fixture(scope="module")
def fresh():
    found: dict = {}
    yield found
    if UPDATE:
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(json.dumps(dict(sorted(found.items())), indent=1, ensure_ascii=False) + "\n",
                            encoding="utf-8")


@pytest.fixture(autouse=True)
def _strict_and_seeded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURSE_CHECKS_STRICT", "1")
    torch.manual_seed(0)
    np.random.seed(0)


@pytest.mark.parametrize("exercise_id", sorted(EXERCISES))
def test_the_feedback_reads_as_stored(exercise_id: str, stored: dict, fresh: dict) -> None:
    now = _feedback(exercise_id)
    fresh[exercise_id] = now
    if UPDATE:
        return
    assert exercise_id in stored, f"no snapshot for {exercise_id}: run with COURSE_UPDATE_SNAPSHOTS=1 and review"
    for label, want in stored[exercise_id].items():
        got = now.get(label)
        assert got == want, (f"{exercise_id}, {label}: the feedback changed.\nstored:\n"
                             + "\n---\n".join(want["levels"]) + "\nnow:\n"
                             + ("\n---\n".join(got["levels"]) if got else "(no such answer any more)"))
    assert set(now) == set(stored[exercise_id]), f"{exercise_id}: answers added or removed; update the snapshot"


def test_a_check_that_cannot_compute_its_reference_says_so_in_full() -> None:
    problem = CheckProblem("demo.x", ValueError("the device cuda:3 is missing\nsecond line"))
    assert problem.exercise_id == "demo.x"
    assert problem._render_traceback_() == [
        "\x1b[1;31mCheckProblem\x1b[0m: Exercise demo.x: the check could not compute its own reference answer "
        "(ValueError: the device cuda:3",
        "  is missing). This is a problem with the environment (device, torch version, warning filters), not",
        "  with your answer; restart the kernel with the default settings, or report it with the setup cell's",
        "  first line.",
    ]
    bare = CheckProblem("demo.x", KeyError())
    assert "(KeyError: ). This is a problem" in str(bare)
