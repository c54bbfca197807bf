"""Building the learner edition from the solution edition (the single source).

In ``notebooks/NN_*.ipynb`` an exercise cell holds its solution between
``### BEGIN SOLUTION`` and ``### END SOLUTION`` (nbgrader's markers) and ends with a
``check(...)`` call; a cell tagged ``solution`` (code or markdown) is dropped whole. The learner copy
replaces each solution with a line that fails clearly and keeps every other cell as
it is, but ships without any stored output, as nbgrader's release step does: an output
below an exercise (or two cells further down) would show its answer before the learner
has worked it out. Exercise cells are not tagged ``raises-exception``, so "Run All"
stops at the first unanswered exercise, with its message, in every front end. nbgrader
itself would pull in about 100 packages for this one transformation, so a short
nbformat script does it instead.
"""
from __future__ import annotations

import copy
import re
from pathlib import Path

from coursetools.notebooks import LEARNER_DIR, ROOT, chapter_notebooks
from coursetools.setup_cell import badges

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
# Anything that looks like a marker: any number of #, any case and spacing, words joined by space, _ or -.
MARKER_LIKE = re.compile(r"(?i)(BEGIN|END)[\s_-]*(SOLUTION|SOLUTIONS|ANSWER|HIDDEN[\s_-]*TESTS?)\b")
CHECK_CALL = re.compile(r"""\bcheck\(\s*["']([\w.]+)["']""")
LEARNER_NOTE = ("> **Learner edition.** Run the cells in order: this edition has no stored outputs, so "
                "nothing shows an answer before you work it out. Exercise cells stop with "
                "`NotImplementedError` until you replace that line with your code; `check(...)` then "
                "tells you whether it is right, and a second wrong try shows a hint.")


class BuildError(ValueError):
    """The solution notebook breaks a rule of the markers; nothing has been written."""


def _placeholder(exercise_id: str, indent: str) -> str:
    return f'{indent}raise NotImplementedError("Exercise {exercise_id}: write your code here")'


def marker_problems(source: str) -> list[str]:
    """Lines that look like a solution marker but are not exactly one: each would leak, so each is an error.

    The builder parses only ``### BEGIN SOLUTION`` and ``### END SOLUTION`` alone on a line; a
    variant (``## BEGIN SOLUTION``, ``### BEGIN SOLUTION (part 1)``, both on one line, a marker
    inside a string) would otherwise be copied into the learner edition with the solution after it.

    >>> marker_problems("### BEGIN SOLUTION (part 1)\\nx = 1")
    ["line 1: '### BEGIN SOLUTION (part 1)'"]
    >>> marker_problems("### BEGIN SOLUTION\\nx = 1\\n### END SOLUTION")
    []
    """
    problems = []
    for number, line in enumerate(source.splitlines(), start=1):
        if MARKER_LIKE.search(line) and line.strip() not in (BEGIN, END):
            problems.append(f"line {number}: {line.strip()[:80]!r}")
    return problems


def strip_solutions(source: str, where: str) -> tuple[str, list[str]]:
    """Replace each BEGIN/END region of a code cell; return the new source and the removed lines.

    >>> code = 'x = 1\\n### BEGIN SOLUTION\\ny = x + 1\\n### END SOLUTION\\ncheck("demo.y", y)'
    >>> print(strip_solutions(code, "demo")[0])
    x = 1
    raise NotImplementedError("Exercise demo.y: write your code here")
    check("demo.y", y)
    """
    match = CHECK_CALL.search(source)
    if match is None:
        raise BuildError(f"{where}: an exercise cell must call check(\"<exercise id>\", ...); none found")
    exercise_id = match.group(1)
    kept, removed, inside = [], [], False
    for line in source.splitlines():
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise BuildError(f"{where}: {BEGIN} inside another solution region")
            inside = True
            kept.append(_placeholder(exercise_id, line[: len(line) - len(line.lstrip())]))
        elif stripped == END:
            if not inside:
                raise BuildError(f"{where}: {END} without a {BEGIN} before it")
            inside = False
        elif inside:
            removed.append(line)
        else:
            kept.append(line)
    if inside:
        raise BuildError(f"{where}: {BEGIN} is never closed by {END}")
    learner_code = "\n".join(kept)
    try:
        compile("\n".join(line for line in kept if not line.lstrip().startswith(("%", "!"))), where, "exec")
    except SyntaxError as exc:
        raise BuildError(f"{where}: without its solution the cell would not be valid Python ({exc.msg}, line "
                         f"{exc.lineno}); is a marker inside a string, or in the middle of a statement?") from None
    return learner_code, removed


def _relative(path: Path) -> str:
    path = path.resolve()
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name


def learner_path(source: Path) -> Path:
    return LEARNER_DIR / source.name


def build_notebook(source: Path):
    """The learner edition of one chapter, as an in-memory notebook."""
    import nbformat

    nb = nbformat.read(source, as_version=4)
    out = copy.deepcopy(nb)
    out.cells = []
    rel_source, rel_learner = _relative(source), _relative(learner_path(source))
    for index, cell in enumerate(nb.cells):
        where = f"{rel_source}, cell {index}"
        tags = list(cell.get("metadata", {}).get("tags", []))
        odd = marker_problems(cell.source)
        if odd:
            raise BuildError(f"{where}: marker-like text the builder does not parse exactly ({'; '.join(odd)}); "
                             f"write {BEGIN!r} and {END!r}, each alone on its own line, or reword the text")
        has_marker = BEGIN in cell.source or END in cell.source
        if "solution" in tags:
            continue  # a cell (code or markdown) that only the solution edition has
        if cell.cell_type != "code":
            if has_marker:
                raise BuildError(f"{where}: solution markers are only allowed in code cells")
            new = copy.deepcopy(cell)
            if index == 0:
                new.source = new.source.replace(badges(rel_source), badges(rel_learner)) + "\n\n" + LEARNER_NOTE
            out.cells.append(new)
            continue
        new = copy.deepcopy(cell)
        new.outputs = []
        new.execution_count = None
        new.metadata.pop("execution", None)
        if has_marker:
            new.source, _ = strip_solutions(cell.source, where)
            if "raises-exception" in tags:
                new.metadata["tags"] = [tag for tag in tags if tag != "raises-exception"]
        out.cells.append(new)
    return out


def build_all(sources: list[Path] | None = None) -> dict[Path, str]:
    """Every learner notebook as the text that would be written; raises BuildError before writing."""
    import nbformat

    sources = sources if sources is not None else chapter_notebooks()
    return {learner_path(s): nbformat.writes(build_notebook(s)) + "\n" for s in sources}


def write_all(sources: list[Path] | None = None) -> list[Path]:
    """Build, then write, the learner edition; stale learner notebooks are removed."""
    built = build_all(sources)
    LEARNER_DIR.mkdir(parents=True, exist_ok=True)
    for path, text in built.items():
        path.write_text(text, encoding="utf-8")
    if sources is None:
        for stale in set(LEARNER_DIR.glob("*.ipynb")) - set(built):
            stale.unlink()
    return sorted(built)


def out_of_date() -> list[str]:
    """Learner notebooks that differ from what the builder makes now (or are missing or extra)."""
    built = build_all()
    problems = []
    for path, text in built.items():
        if not path.exists():
            problems.append(f"{path.relative_to(ROOT)} is missing")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"{path.relative_to(ROOT)} differs from its solution notebook")
    for extra in set(LEARNER_DIR.glob("*.ipynb")) - set(built):
        problems.append(f"{extra.relative_to(ROOT)} has no solution notebook")
    return sorted(problems)
