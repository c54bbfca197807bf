"""Every chapter has the shared shape, stored outputs from an in-order run, and registered exercises."""
from __future__ import annotations

import re

import nbformat
import pytest

from course_utils.checks import EXERCISES
from coursetools.learner import BEGIN, CHECK_CALL, END
from coursetools.notebooks import LEARNER_DIR, NOTEBOOK_DIR, ROOT, chapter_notebooks
from coursetools.setup_cell import SETUP_CELL, badges

CHAPTERS = chapter_notebooks()
LEARNER = sorted(LEARNER_DIR.glob("[0-9][0-9]_*.ipynb"))


def read(path):
    return nbformat.read(path, as_version=4)


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def slug(path) -> str:
    return path.stem.split("_", 1)[1]


def test_chapters_are_numbered_from_01_without_gaps() -> None:
    numbers = [int(p.name[:2]) for p in CHAPTERS]
    assert numbers and numbers == list(range(1, len(numbers) + 1))


@pytest.mark.parametrize("path", CHAPTERS + LEARNER, ids=lambda p: p.relative_to(NOTEBOOK_DIR).as_posix())
def test_title_badge_and_setup_cell(path) -> None:
    nb = read(path)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and re.match(r"# \d\d · \S", first.source)
    assert badges(path.relative_to(ROOT).as_posix()) in first.source, "the badges must point at this very file"
    assert code_cells(nb)[0].source == SETUP_CELL, "the first code cell must be exactly the shared setup cell"
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_outputs_come_from_one_in_order_run(path) -> None:
    counts = [c.execution_count for c in code_cells(read(path))]
    assert counts == list(range(1, len(counts) + 1)), "re-execute the notebook top to bottom (./course execute)"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_errors_only_where_tagged(path) -> None:
    for index, cell in enumerate(read(path).cells):
        if cell.cell_type != "code":
            continue
        has_error = any(o.output_type == "error" for o in cell.outputs)
        tagged = "raises-exception" in tags(cell)
        assert has_error == tagged, f"cell {index}: error output {has_error}, raises-exception tag {tagged}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_chapter_shape(path) -> None:
    nb = read(path)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "## What you will learn" in markdown
    assert "## Summary" in markdown and "**Check yourself**" in markdown
    if path != CHAPTERS[-1]:
        assert "**Where next:**" in markdown
    for cell in code_cells(nb):
        assert "NBVAL_" not in cell.source, "use cell tags, not nbval comment markers"
        assert not re.search(r"\bsleep\(", cell.source), "the course never sleeps"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_exercises_are_registered_checked_and_enough(path) -> None:
    ids = []
    for cell in code_cells(read(path)):
        if BEGIN in cell.source:
            match = CHECK_CALL.search(cell.source.split(END, 1)[-1])
            assert match, f"exercise cell without a check(...) after {END}:\n{cell.source}"
            ids.append(match.group(1))
    assert len(ids) >= 3, f"{path.name} has {len(ids)} exercises; each chapter needs at least three"
    for exercise_id in ids:
        assert exercise_id in EXERCISES, f"{exercise_id} is not registered in course_utils.exercises"
        assert EXERCISES[exercise_id].chapter == slug(path), f"{exercise_id} belongs to another chapter"


def test_every_registered_exercise_is_used_by_a_chapter() -> None:
    used = set()
    for path in CHAPTERS:
        for cell in code_cells(read(path)):
            used.update(CHECK_CALL.findall(cell.source))
    assert sorted(set(EXERCISES) - used) == []


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_outputs_hold_no_machine_paths(path) -> None:
    text = nbformat.writes(read(path))
    for marker in ("/work/", "/root/", "/home/", "ipykernel_"):
        assert marker not in text, f"a stored output names {marker!r}: sanitize it or avoid printing it"
