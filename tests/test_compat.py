"""The compatibility matrix: declared in one file, reported by ./course compat, and agreeing with what is declared.

The matrix itself runs as a command (`./course compat`, minutes per row); CI runs its `ci = true` rows
from .ci/run. These tests check the parts that must stay consistent on every commit.
"""
from __future__ import annotations

import re

import pytest

from coursetools import compat
from coursetools.paths import ROOT


def test_the_matrix_declares_the_versions_learners_have() -> None:
    rows = {row.name: row for row in compat.load_matrix()}
    assert {"tested", "colab", "oldest", "newest"} <= set(rows)
    assert any(row.ci for row in rows.values()), "CI needs one cheap row"
    assert "Colab" in rows["colab"].source and "August 2026" in rows["colab"].source


def test_a_malformed_matrix_is_refused(tmp_path) -> None:
    bad = tmp_path / "matrix.toml"
    bad.write_text('[[row]]\nname = "x"\npyton = "3.11"\n')
    with pytest.raises(ValueError, match="row 0"):
        compat.load_matrix(bad)


def _fake_summary(name: str, completed: bool) -> dict:
    row = compat.Row(name=name, python="3.11", source="a test")
    chapter = {"notebook": "notebooks/01_x.ipynb", "edition": "solution", "completed": completed,
               "first_error": None if completed else "cell 3: RuntimeError: boom", "code_cells": 10,
               "differing": [{"cell": 4, "stored": "[stdout] 75", "got": "[stdout] 76"}]}
    learner = dict(chapter, edition="learner", completed=True, first_error=None, differing=[])
    facts = {"versions": {"python": "3.11.7", "torch": "2.14.1", "numpy": "2.4.0"},
             "chapters": [chapter, learner],
             "checks": [{"id": "demo.x", "solution": "accepted", "wrong_rejected": 3, "wrong_total": 3,
                         "problems": []}]}
    return compat.summarise(row, facts), facts


def test_a_row_passes_only_when_everything_runs_and_every_check_judges_right() -> None:
    good, _ = _fake_summary("good", True)
    bad, _ = _fake_summary("bad", False)
    assert compat.passed(good) and not compat.passed(bad)
    assert good["differing"] == (1, 20)  # differing outputs are counted, not failed
    only_solution = dict(good, completed={"solution": (1, 1), "learner": (0, 0)})  # --editions solution
    assert compat.passed(only_solution)
    assert not compat.passed(dict(good, completed={"solution": (0, 0), "learner": (0, 0)}))  # nothing ran


def test_the_report_and_the_readme_section_show_every_row(tmp_path) -> None:
    good, facts = _fake_summary("good", True)
    text = compat.report([good], {"good": facts}, "2026-12-01")
    assert "| good | 3.11.7 | 2.14.1 | 2.4.0 |" in text and "cell 4: stored `[stdout] 75`" in text
    readme = tmp_path / "README.md"
    readme.write_text("# x\n\nbefore\n")
    compat.write_readme(compat.readme_section([good], "2026-12-01"), readme)
    compat.write_readme(compat.readme_section([good], "2026-12-02"), readme)  # replaced, not appended
    assert readme.read_text().count(compat.README_START) == 1 and "2026-12-02" in readme.read_text()


def test_the_report_can_be_rewritten_from_every_rows_last_results(tmp_path, monkeypatch) -> None:
    """After re-running only the rows that changed (--rows), --report-only joins them with the others."""
    import json

    _, facts = _fake_summary("good", True)
    matrix = tmp_path / "matrix.toml"
    matrix.write_text('[[row]]\nname = "a"\npython = "3.11"\n\n[[row]]\nname = "b"\npython = "3.11"\n')
    results = tmp_path / "results"
    results.mkdir()
    monkeypatch.setattr(compat, "RESULTS", results)
    monkeypatch.setattr(compat, "REPORT", tmp_path / "REPORT.md")
    monkeypatch.setattr(compat, "ROOT", tmp_path)
    monkeypatch.setattr(compat, "README", tmp_path / "README.md")
    original = compat.load_matrix
    monkeypatch.setattr(compat, "load_matrix", lambda: original(matrix))
    (tmp_path / "README.md").write_text("# x\n")
    (results / "a.json").write_text(json.dumps(facts))
    said: list[str] = []
    assert compat.write_report_from_results(said.append) == 2 and "['b']" in said[-1]   # b never ran
    assert not (tmp_path / "REPORT.md").exists()
    (results / "b.json").write_text(json.dumps(facts))
    assert compat.write_report_from_results(said.append) == 0
    text = (tmp_path / "REPORT.md").read_text()
    assert "| a | 3.11.7 |" in text and "| b | 3.11.7 |" in text
    assert compat.README_START in (tmp_path / "README.md").read_text()


def _floor(requirement: str) -> tuple[int, ...]:
    found = re.search(r">=\s*([\d.]+)", requirement)
    assert found, requirement
    return tuple(int(p) for p in found.group(1).split("."))


def test_declared_floors_are_the_oldest_row_that_was_run() -> None:
    """pyproject's floors, the setup cell's warning and the oldest row of the matrix say the same thing."""
    from course_utils import environment

    project = compat._toml((ROOT / "pyproject.toml").read_text())["project"]
    deps = {re.split(r"[<>=!~ \[]", d)[0].lower(): d for d in project["dependencies"]}
    oldest = {p.split("==")[0].lower(): p.split("==")[1] for p in
              next(r for r in compat.load_matrix() if r.name == "oldest").packages}
    for name in ("torch", "numpy", "matplotlib", "ipywidgets"):
        want = tuple(int(x) for x in oldest[name].split(".")[:2])
        assert _floor(deps[name])[:2] == want, f"pyproject says {deps[name]}; the oldest row runs {name} {oldest[name]}"
    assert environment.MIN_TORCH == _floor(deps["torch"])[:2]
    python = next(r for r in compat.load_matrix() if r.name == "oldest").python
    assert project["requires-python"] == f">={python}"
    assert environment.MIN_PYTHON == tuple(int(x) for x in python.split("."))


def test_the_committed_report_covers_every_row_and_every_row_passes() -> None:
    text = compat.REPORT.read_text(encoding="utf-8")
    for row in compat.load_matrix():
        assert f"## {row.name}: passes" in text, f"compat/REPORT.md: row {row.name} is missing or failing"
    section = compat.README.read_text(encoding="utf-8")
    assert compat.README_START in section, "README.md has no generated Supported versions section"
    table = [line for line in text.splitlines() if line.startswith("| ")]
    for line in table:
        assert line in section, f"README's Supported versions section is older than compat/REPORT.md: {line}"
