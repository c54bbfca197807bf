"""The learner edition is built from the solution edition, stays in sync, and leaks no solution."""
from __future__ import annotations

import json

import nbformat
import pytest

from coursetools import learner
from coursetools.learner import (
    BEGIN,
    END,
    MARKER_LIKE,
    BuildError,
    build_all,
    build_notebook,
    out_of_date,
    strip_solutions,
)
from coursetools.notebooks import chapter_notebooks

CHAPTERS = chapter_notebooks()


def test_committed_learner_edition_matches_the_builder() -> None:
    assert out_of_date() == [], "rebuild with ./course learner (and commit notebooks/learner/)"


def test_builder_is_deterministic() -> None:
    assert build_all() == build_all()


def _solution_lines(source: str) -> list[str]:
    """Every non-comment line inside any marker-like region (not only the exact markers the builder parses)."""
    lines, inside = [], False
    for line in source.splitlines():
        marker = MARKER_LIKE.search(line)
        if marker and marker.group(1).lower() == "begin":
            inside = True
            rest = line[marker.end():]
            if MARKER_LIKE.search(rest) is None and rest.strip():
                lines.append(rest.strip())
        elif marker and marker.group(1).lower() == "end":
            inside = False
        elif inside and line.strip() and not line.strip().startswith("#"):
            lines.append(line.strip())
    return lines


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_no_solution_line_survives(path) -> None:
    source = nbformat.read(path, as_version=4)
    built = nbformat.read(learner.learner_path(path), as_version=4)
    learner_cells = {cell.get("id"): cell for cell in built.cells}
    learner_code = "\n".join(c.source for c in built.cells if c.cell_type == "code")
    for cell in source.cells:
        if cell.cell_type != "code":
            continue
        if "solution" in cell.get("metadata", {}).get("tags", []):
            assert cell.source not in learner_code
            continue
        leaked = [line for line in _solution_lines(cell.source) if line in learner_cells[cell.id].source]
        assert not leaked, f"solution lines in the learner edition of {path.name}: {leaked}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_learner_edition_shows_no_output_and_stops_at_exercises(path) -> None:
    """No stored output can show an answer; exercise cells are not tagged, so Run All stops at the first one."""
    built = nbformat.read(learner.learner_path(path), as_version=4)
    for cell in built.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: a stored output"
    exercises = [c for c in built.cells if c.cell_type == "code" and "NotImplementedError(\"Exercise " in c.source]
    assert len(exercises) >= 3
    for cell in exercises:
        assert "raises-exception" not in cell.metadata.get("tags", [])


def _notebook(tmp_path, *cells) -> object:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# 99 · Demo")] + list(cells)
    path = tmp_path / "99_demo.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.mark.parametrize("cell, message", [
    (nbformat.v4.new_code_cell(f"{BEGIN}\nx = 1\ncheck('demo.x', x)"), "never closed"),
    (nbformat.v4.new_code_cell(f"x = 1\n{END}\ncheck('demo.x', x)"), "without a"),
    (nbformat.v4.new_code_cell(f"{BEGIN}\n{BEGIN}\nx = 1\n{END}\ncheck('demo.x', x)"), "inside another"),
    (nbformat.v4.new_markdown_cell(f"{BEGIN}\nsecret\n{END}"), "only allowed in code cells"),
    (nbformat.v4.new_code_cell(f"{BEGIN}\nx = 1\n{END}\nprint(x)"), "must call check"),
])
def test_bad_markers_are_refused_naming_notebook_and_cell(tmp_path, cell, message) -> None:
    path = _notebook(tmp_path, cell)
    with pytest.raises(BuildError, match=message) as info:
        build_notebook(path)
    assert "99_demo.ipynb, cell 1" in str(info.value)


# Slightly-off markers: each would copy its solution into the learner edition if the builder let it through.
ODD_MARKERS = [
    "### BEGIN SOLUTION (part 1)\nx = 1\n### END SOLUTION",
    "### BEGIN SOLUTION x = 1 ### END SOLUTION",
    "## BEGIN SOLUTION\nx = 1\n## END SOLUTION",
    "# BEGIN SOLUTION\nx = 1\n# END SOLUTION",
    "#### BEGIN SOLUTION\nx = 1\n#### END SOLUTION",
    "###BEGIN SOLUTION\nx = 1\n###END SOLUTION",
    "### begin solution\nx = 1\n### end solution",
    "### Begin Solution\nx = 1\n### End Solution",
    "### BEGIN  SOLUTION\nx = 1\n### END  SOLUTION",
    "### BEGIN_SOLUTION\nx = 1\n### END_SOLUTION",
    "### BEGIN-SOLUTION\nx = 1\n### END-SOLUTION",
    "### BEGIN SOLUTIONS\nx = 1\n### END SOLUTIONS",
    "s = '### BEGIN SOLUTION'\nx = 1\n### END SOLUTION",
    'print("### BEGIN SOLUTION")\nx = 1',
    "x = 1  ### BEGIN SOLUTION\ny = 2\n### END SOLUTION",
    "### BEGIN SOLUTION\nx = 1\n### END SOLUTION  # done",
    "### BEGIN SOLUTION\nx = 1\n### END SOLUTION.",
    "### BEGIN SOLUTION:\nx = 1\n### END SOLUTION",
    "### BEGIN ANSWER\nx = 1\n### END ANSWER",
    "### BEGIN HIDDEN TESTS\nassert x == 1\n### END HIDDEN TESTS",
    "# ### BEGIN SOLUTION\nx = 1\n# ### END SOLUTION",
    "\"\"\"\n### BEGIN SOLUTION\n\"\"\"\nx = 1\n### END SOLUTION",
    "### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n### BEGIN SOLUTION (again)\ny = 2\n### END SOLUTION",
    "### BEGIN SOLUTION\n    x = 1\n    ## END SOLUTION",
    "### BEGIN SOLUTION\nx = 1\n### END OF SOLUTION",
    "### END SOLUTION ### BEGIN SOLUTION\nx = 1",
]


@pytest.mark.parametrize("source", ODD_MARKERS)
def test_marker_like_text_is_a_build_error(tmp_path, source) -> None:
    path = _notebook(tmp_path, nbformat.v4.new_code_cell(source + "\ncheck('demo.x', x)"))
    with pytest.raises(BuildError) as info:
        build_notebook(path)
    assert "99_demo.ipynb, cell 1" in str(info.value)


def test_marker_like_text_in_markdown_is_a_build_error(tmp_path) -> None:
    path = _notebook(tmp_path, nbformat.v4.new_markdown_cell("## BEGIN SOLUTION\nthe answer is 42"))
    with pytest.raises(BuildError, match="cell 1"):
        build_notebook(path)


def test_the_leak_test_sees_regions_of_any_marker_spelling() -> None:
    assert _solution_lines("## Begin Solution\nsecret = 42\n## end solution\nkept = 1") == ["secret = 42"]


def test_nothing_is_written_when_one_notebook_is_bad(tmp_path, monkeypatch) -> None:
    out = tmp_path / "learner"
    monkeypatch.setattr(learner, "LEARNER_DIR", out)
    good = CHAPTERS[0]
    bad = _notebook(tmp_path, nbformat.v4.new_code_cell(f"{BEGIN}\nx = 1"))
    with pytest.raises(BuildError):
        learner.write_all([good, bad])
    assert not out.exists() or list(out.iterdir()) == []


def test_placeholder_keeps_indentation_and_names_the_exercise() -> None:
    code = f"def f(x):\n    {BEGIN}\n    return 2 * x\n    {END}\ncheck('demo.f', f)"
    new, removed = strip_solutions(code, "demo")
    assert '    raise NotImplementedError("Exercise demo.f: write your code here")' in new
    assert removed == ["    return 2 * x"]
    compile(new, "demo", "exec")


def test_solution_tagged_cell_is_dropped(tmp_path) -> None:
    helper = nbformat.v4.new_code_cell("def helper():\n    return 42")
    helper.metadata["tags"] = ["solution"]
    built = build_notebook(_notebook(tmp_path, helper))
    assert all("helper" not in c.source for c in built.cells)
    assert json.dumps(built)  # still a valid notebook structure
