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
    assert "Leaving out the 1 that make no difference (equivalent mutants" in text
    assert "3 of 4 were caught: 75.0%" in text
    assert "1 survivor is not explained" in text
    assert "| `course_utils.checks` | 1 | 2 | 0 |" in text and "| `course_utils.exercises` | 2 | 3 | 1 |" in text


def test_a_mutants_run_builds_its_exercise_module_again_and_only_that(monkeypatch) -> None:
    """What an exercise module builds at import (cases, judges) must be built under the mutant too."""
    from course_utils.checks import registry
    from coursetools.mutation_plugin import pytest_sessionstart

    registry.load_all()
    before = dict(registry.EXERCISES)
    monkeypatch.setenv("MUTANT_UNDER_TEST", "course_utils.exercises.first_gradients.x_nothing__mutmut_0")
    pytest_sessionstart(None)
    assert set(registry.EXERCISES) == set(before)
    assert all(registry.EXERCISES[k] is not v for k, v in before.items() if k.startswith("first_gradients."))
    assert all(registry.EXERCISES[k] is v for k, v in before.items() if not k.startswith("first_gradients."))
    monkeypatch.setenv("MUTANT_UNDER_TEST", "stats")
    again = dict(registry.EXERCISES)
    pytest_sessionstart(None)
    assert registry.EXERCISES == again            # outside a mutant's run, nothing is imported again


def test_a_mutant_of_code_another_chapter_imports_builds_that_chapter_again_too(monkeypatch) -> None:
    """Chapter 11 builds its judge at import with chapter 10's hvp_judge: a mutant of it must reach both."""
    from course_utils.checks import registry
    from coursetools.mutation_plugin import pytest_sessionstart

    registry.load_all()
    before = dict(registry.EXERCISES)
    monkeypatch.setenv("MUTANT_UNDER_TEST", "course_utils.exercises.higher_order_derivatives.x_hvp_judge__mutmut_1")
    pytest_sessionstart(None)
    again = ("higher_order_derivatives.", "jacobians_hessians_per_sample.")
    assert set(registry.EXERCISES) == set(before)
    assert all(registry.EXERCISES[k] is not v for k, v in before.items() if k.startswith(again))
    assert all(registry.EXERCISES[k] is v for k, v in before.items() if not k.startswith(again))


def test_code_run_at_import_gets_the_tests_of_its_chapter() -> None:
    from coursetools.mutation import widen_import_time_tests

    order = ["tests/test_checks.py::test_first", "tests/chapters/test_05_switching_tracking_off.py::test_5_3",
             "tests/test_exercises.py::test_wrong[switching_tracking_off.validation_loss]",
             "tests/test_exercises.py::test_wrong[hooks.flat]", "tests/test_checks.py::test_other"]
    widened = widen_import_time_tests({
        "course_utils.exercises.switching_tracking_off.x__validation_case": [order[0]],   # ran at import only
        "course_utils.exercises.hooks.x__judge": [order[3]],                              # ran in a test: as it was
        "course_utils.checks.kinds.x_wrong": [order[0]],
        "course_utils.checks.kinds.x_read": [order[0], order[4]],
    }, order)
    assert widened["course_utils.exercises.switching_tracking_off.x__validation_case"] == sorted(order[:3])
    assert widened["course_utils.exercises.hooks.x__judge"] == [order[3]]
    assert widened["course_utils.checks.kinds.x_wrong"] == sorted([order[0], order[2], order[3]])
    assert widened["course_utils.checks.kinds.x_read"] == sorted([order[0], order[4]])


def test_code_run_at_import_by_another_chapter_gets_that_chapters_tests_too() -> None:
    from coursetools.mutation import ROOT, widen_import_time_tests
    from coursetools.mutation_plugin import importers

    order = ["tests/test_checks.py::test_first", "tests/chapters/test_10_higher_order_derivatives.py::test_10_1",
             "tests/chapters/test_11_jacobians_hessians_per_sample.py::test_11_2", "tests/chapters/test_12_hooks.py::t"]
    users = importers(ROOT / "course_utils" / "exercises")
    assert users == {"higher_order_derivatives": ["jacobians_hessians_per_sample"]}
    widened = widen_import_time_tests({"course_utils.exercises.higher_order_derivatives.x_hvp_judge": [order[0]]},
                                      order, users)
    assert widened["course_utils.exercises.higher_order_derivatives.x_hvp_judge"] == sorted(order[:3])


def test_a_recheck_keeps_the_first_pass_score_beside_the_new_one() -> None:
    first = {"m.f__mutmut_1": "killed", "m.f__mutmut_2": "survived", "m.f__mutmut_3": "survived",
             "m.f__mutmut_4": "not checked"}
    now = {**first, "m.f__mutmut_2": "killed"}
    text = report(now, {"m.f__mutmut_3": ""}, {"m.f__mutmut_3": "no difference"}, ["course_utils/checks/"],
                  sample=(0.5, 2), first=first)
    assert ("The first pass killed 1 of 3 (33.3%); leaving out the 1 of its survivors shown below to make no "
            "difference, it caught 1 of 2 (50.0%)") in text
    assert "its 2 survivors, which were run again (`./course mutate --recheck`): 1 of them are now killed" in text
    assert "**2 of 3 mutants run were killed: 66.7%.**" in text
    assert "first pass" not in report(first, {}, {}, ["course_utils/checks/"], first=first)  # nothing rechecked


def test_a_recheck_is_refused_when_the_mutated_source_changed(tmp_path) -> None:
    from coursetools.mutation import ROOT, source_changed

    copy = tmp_path / "course_utils" / "checks"
    copy.mkdir(parents=True)
    for source in (ROOT / "course_utils" / "checks").glob("*.py"):
        (copy / source.name).write_bytes(source.read_bytes())
    assert source_changed(tmp_path, ["course_utils/checks/"]) == []
    (copy / "tolerance.py").write_text("# changed\n")
    (copy / "extra.py").write_text("")
    assert source_changed(tmp_path, ["course_utils/checks/"]) == ["course_utils/checks/extra.py",
                                                                    "course_utils/checks/tolerance.py"]


def test_a_run_whose_tests_fail_without_any_mutant_is_refused() -> None:
    """mutmut prints "failed to collect stats" and judges nothing when the clean run fails: that is no score."""
    import pytest

    from coursetools.mutation import _refuse_a_failed_clean_run

    _refuse_a_failed_clean_run("⠋ Generating mutants\ndone in 120ms\n")
    with pytest.raises(SystemExit, match="the tests fail on the unmutated code"):
        _refuse_a_failed_clean_run("FAILED tests/test_checks.py::test_x\nfailed to collect stats. runner returned 1\n")


def test_a_survivor_that_differs_only_on_a_gpu_is_not_left_out_as_equivalent() -> None:
    verdicts = {"p.m.f__mutmut_1": "killed", "p.m.f__mutmut_2": "survived", "p.m.f__mutmut_3": "survived"}
    why = {"p.m.f__mutmut_2": "Differs only on a GPU: .to(None) stays on the CPU.", "p.m.f__mutmut_3": "Same."}
    text = report(verdicts, {}, why, ["course_utils/checks/"])
    assert "Leaving out the 1 that make no difference" in text and "1 of 2 were caught: 50.0%" in text
    assert "1 survivor differs only on a GPU, which no test here runs on" in text


def test_a_mutant_that_makes_the_tests_run_forever_counts_as_caught() -> None:
    verdicts = {"p.m.f__mutmut_1": "killed", "p.m.f__mutmut_2": "timeout", "p.m.f__mutmut_3": "survived"}
    text = report(verdicts, {"p.m.f__mutmut_3": ""}, {}, ["course_utils/checks/"])
    assert "**2 of 3 mutants run were killed: 66.7%.** (1 was caught by mutmut's timeout" in text
    assert "p.m.f__mutmut_2" not in text and "### `p.m.f__mutmut_3`" in text


def test_a_survivor_killed_outside_mutmut_counts_as_caught_and_one_that_showed_a_bug_is_not_left_out() -> None:
    verdicts = {"p.m.f__mutmut_1": "killed", "p.m.f__mutmut_2": "survived", "p.m.f__mutmut_3": "survived",
                "p.m.f__mutmut_4": "survived"}
    why = {"p.m.f__mutmut_2": "Killed by a test that cannot run under mutmut: the stack is deeper there.",
           "p.m.f__mutmut_3": "Not harmless: it showed a bug, fixed since.",
           "p.m.f__mutmut_4": "The default is never used."}
    text = report(verdicts, {}, why, ["course_utils/"])
    assert ("Leaving out the 1 that make no difference (equivalent mutants, which no test can kill) and counting "
            "the 1 that a test outside mutmut kills, 2 of 3 were caught: 66.7%; 1 survivor showed a bug, since "
            "fixed; 0 survivors are not explained.") in text
