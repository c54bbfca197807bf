"""The mutation report (``./course mutate``) counts only the mutants that were run.

A run stopped part-way leaves mutmut's verdict "not checked" on the rest; the score must not treat them
as killed or survived, and the report must say the run was partial.
"""
from __future__ import annotations

from coursetools.mutation import report


def test_a_partial_run_is_scored_over_the_mutants_run_and_says_so() -> None:
    verdicts = {"m.f__mutmut_1": "killed", "m.f__mutmut_2": "killed", "m.f__mutmut_3": "survived",
                "m.f__mutmut_4": "not checked", "m.f__mutmut_5": "no tests"}
    text = report(verdicts, {"m.f__mutmut_3": "- a\n+ b", "m.f__mutmut_5": ""}, {"m.f__mutmut_3": "harmless: x"},
                  ["course_utils/checks/"])
    assert "**2 of 4 mutants run were killed: 50.0%.**" in text
    assert "stopped after 4 of 5 mutants; 1 were not run yet" in text
    assert "m.f__mutmut_4" not in text                      # a mutant not run is neither a survivor nor killed
    assert "harmless: x" in text and "**Not explained yet.**" in text   # mutmut_5 (no tests) has no reason


def test_a_complete_run_claims_no_partial_score() -> None:
    text = report({"m.f__mutmut_1": "killed"}, {}, {}, ["course_utils/checks/"])
    assert "**1 of 1 mutants run were killed: 100.0%.**" in text and "partial" not in text


def test_a_sampled_run_says_it_is_a_sample() -> None:
    verdicts = {"m.f__mutmut_1": "killed", "m.f__mutmut_2": "not checked", "m.f__mutmut_3": "not checked"}
    text = report(verdicts, {}, {}, ["course_utils/checks/"], sample=(0.25, 0))
    assert "**1 of 1 mutants run were killed: 100.0%.**" in text
    assert "a random sample of 1 of the 3 mutants (`--sample 0.25 --seed 0`)" in text and "stopped" not in text


def test_explained_survivors_are_left_out_of_the_second_score_and_each_part_is_counted() -> None:
    verdicts = {"course_utils.checks.a.f__mutmut_1": "killed", "course_utils.checks.a.f__mutmut_2": "survived",
                "course_utils.exercises.b.g__mutmut_1": "killed", "course_utils.exercises.b.g__mutmut_2": "survived",
                "course_utils.exercises.b.g__mutmut_3": "killed"}
    why = {"course_utils.exercises.b.g__mutmut_2": "the value is normalised away on the next line"}
    text = report(verdicts, {}, why, ["course_utils/"])
    assert "**3 of 5 mutants run were killed: 60.0%.**" in text
    assert "Leaving out the 1 shown to make no difference" in text and "3 of 4 were killed: 75.0%" in text
    assert "1 survivors are not explained" in text
    assert "| `course_utils.checks` | 1 | 2 | 0 |" in text and "| `course_utils.exercises` | 2 | 3 | 1 |" in text
