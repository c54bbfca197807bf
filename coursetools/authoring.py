"""Writing chapters: the cells every chapter shares, so a new one starts in the right shape.

    python -m coursetools new 16 my_topic "My topic"   # writes notebooks/16_my_topic.ipynb

A chapter is then edited in JupyterLab (or with nbformat) and re-executed with
``./course execute``; see CONTRIBUTING.md.
"""
from __future__ import annotations

from pathlib import Path

from coursetools.notebooks import NOTEBOOK_DIR, ROOT
from coursetools.setup_cell import SETUP_CELL, badges


def md(text: str):
    """A markdown cell (leading and trailing blank lines removed)."""
    import nbformat

    return nbformat.v4.new_markdown_cell(text.strip("\n"))


def code(source: str, *tags: str):
    """A code cell, optionally tagged (``raises-exception``, ``solution``, ``nbval-ignore-output``)."""
    import nbformat

    cell = nbformat.v4.new_code_cell(source.strip("\n"))
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def title_cell(number: int, title: str, path: Path):
    rel = path.resolve().relative_to(ROOT).as_posix()
    return md(f"# {number:02d} · {title}\n\n{badges(rel)}")


def chapter(number: int, slug: str, title: str, cells: list) -> Path:
    """Write ``notebooks/NN_slug.ipynb``: title and badges, the setup cell, then ``cells``.

    Cell ids are derived from the position, so rewriting a chapter does not churn them.
    """
    import nbformat

    path = NOTEBOOK_DIR / f"{number:02d}_{slug}.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [title_cell(number, title, path), code(SETUP_CELL), *cells]
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"{slug[:40]}-{index:03d}"
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nbformat.validate(nb)
    nbformat.write(nb, path)
    return path


def skeleton(number: int, slug: str, title: str) -> Path:
    """A new chapter with the template's sections (see shared CHAPTER_TEMPLATE), ready to fill in."""
    return chapter(number, slug, title, [
        md("## What you will learn\n\n- ...\n- ...\n- ..."),
        md("## A question\n\nPose it here; answer it in the next code cell."),
        code("# one idea per cell"),
        md("The output shows ..."),
        md("## Exercises\n\n### Exercise 1\n\nState the task and what to pass to `check`."),
        code("### BEGIN SOLUTION\nanswer = ...\n### END SOLUTION\n"
             f'check("{slug}.first_exercise", answer)'),
        md("## Summary\n\n- ...\n\n**Check yourself**\n\n1. ...\n2. ..."),
        md("**Where next:** ..."),
    ])


def stamp(path: Path) -> bool:
    """Rewrite a chapter's badge line and setup cell from ``coursetools.setup_cell``; True if it changed.

    Run it (``python -m coursetools stamp``) after changing the repository's name in
    ``course_utils/environment.py``, then re-execute and rebuild the learner edition.
    """
    import nbformat

    nb = nbformat.read(path, as_version=4)
    rel = path.resolve().relative_to(ROOT).as_posix()
    before = nbformat.writes(nb)
    title = nb.cells[0]
    lines = title.source.split("\n")
    title.source = "\n".join(badges(rel) if line.startswith("[![Open In Colab]") else line for line in lines)
    first_code = next(cell for cell in nb.cells if cell.cell_type == "code")
    first_code.source = SETUP_CELL
    if nbformat.writes(nb) == before:
        return False
    nbformat.write(nb, path)
    return True
