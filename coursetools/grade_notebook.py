"""Reading a submitted notebook and comparing it with the learner edition; no learner code runs here.

``./course grade`` calls these inside each submission's sandbox (a malformed file can then only
break its own grading), before executing anything:

- :func:`read_notebook` turns bytes into a list of cells, or raises :class:`BadSubmission` with a
  sentence an instructor can act on (not JSON, JSON but not a notebook, too large, ...);
- :func:`which_chapter` finds the chapter from the exercise ids in the notebook (its title and file
  name when there are none);
- :func:`plan` matches the submission's cells with the learner edition's, as nbgrader does with its
  checksummed cells: every given code cell runs as the learner edition has it (an edit is reported
  and undone, so a learner who experimented in a demo cell loses nothing and gains nothing); an
  exercise cell must keep every given line (the code around the learner's part and the
  ``check(...)`` call), otherwise that exercise scores 0 as tampered; cells the learner added run
  where they were added;
- :func:`scan` looks at the code the learner wrote for ways of giving oneself credit (rebinding
  ``check``, reaching into the checks, imitating the ``Correct:`` line) and for constructs that a
  human should look at (ctypes, frame introspection, raw file descriptors).
"""
from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coursetools.learner import CHECK_CALL

MAX_BYTES = 50 * 2**20            # a chapter notebook is well under 1 MiB even with outputs
PLACEHOLDER = re.compile(r'^(?P<indent>\s*)raise NotImplementedError\("Exercise (?P<id>[\w.]+): '
                         r'write your code here"\)\s*$')
TITLE = re.compile(r"^#\s*(\d\d)\s*·")
CORRECT_LINE = "Correct:"


class BadSubmission(ValueError):
    """The file cannot be graded; the message is the line the report shows."""


@dataclass
class Cell:
    kind: str          # "code" or "markdown" (raw cells count as markdown)
    source: str
    id: str | None = None
    raises: bool = False   # tagged raises-exception: an error there is part of the lesson


def _text(source: Any) -> str:
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(part, str) for part in source):
        return "".join(source)
    raise BadSubmission("is a notebook whose cells are damaged (a cell's source is not text)")


def read_notebook(data: bytes) -> list[Cell]:
    """The cells of a notebook file's bytes; :class:`BadSubmission` when it is not a usable notebook.

    >>> read_notebook(b'{"cells": [{"cell_type": "code", "source": ["x = 1"]}], "nbformat": 4}')[0].source
    'x = 1'
    >>> read_notebook(b"hello")
    Traceback (most recent call last):
    ...
    coursetools.grade_notebook.BadSubmission: is not a notebook: the file is not valid JSON (line 1, column 1)
    """
    if len(data) > MAX_BYTES:
        raise BadSubmission(f"is {len(data) / 2**20:.0f} MiB, far larger than any notebook of this course "
                            f"(limit {MAX_BYTES // 2**20} MiB)")
    if not data.strip():
        raise BadSubmission("is empty")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadSubmission("is not a notebook: the file is not text (not UTF-8)") from None
    try:
        nb = json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise BadSubmission(f"is not a notebook: the file is not valid JSON ({where})") from None
    except (RecursionError, ValueError):
        raise BadSubmission("is not a notebook: the file is not valid JSON") from None
    if not isinstance(nb, dict):
        raise BadSubmission("is JSON but not a Jupyter notebook (it is not an object with 'cells')")
    if "worksheets" in nb and "cells" not in nb:  # nbformat 3: one worksheet of cells
        sheets = nb.get("worksheets")
        sheets = sheets if isinstance(sheets, list) else []
        nb = {"cells": [c for sheet in sheets if isinstance(sheet, dict) for c in sheet.get("cells", [])]}
        for cell in nb.get("cells", []):
            if isinstance(cell, dict) and cell.get("cell_type") == "code" and "input" in cell:
                cell["source"] = cell.get("input")
    cells = nb.get("cells")
    if not isinstance(cells, list):
        raise BadSubmission("is JSON but not a Jupyter notebook (it has no list of 'cells')")
    result = []
    for cell in cells:
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
            raise BadSubmission("is a notebook whose cells are damaged (a cell without a type)")
        kind = "code" if cell["cell_type"] == "code" else "markdown"
        cell_id = cell.get("id") if isinstance(cell.get("id"), str) else None
        result.append(Cell(kind, _text(cell.get("source", "")), cell_id))
    return result


# ---------------------------------------------------------------------------------- the learner edition

@dataclass
class GivenExercise:
    """An exercise cell of the learner edition: the given lines around the placeholder."""

    exercise_id: str
    before: list[str]
    after: list[str]
    indent: str

    def given_lines(self) -> list[str]:
        return [line for line in self.before + self.after if line.strip()]


@dataclass
class Edition:
    """One chapter's learner edition, as the grader compares submissions with it."""

    number: str
    slug: str
    title: str
    cells: list[Cell]
    exercises: dict[str, GivenExercise]      # in notebook order

    def exercise_of(self, cell: Cell) -> GivenExercise | None:
        for line in cell.source.splitlines():
            match = PLACEHOLDER.match(line)
            if match and match.group("id") in self.exercises:
                return self.exercises[match.group("id")]
        return None


def lines_of(source: str) -> list[str]:
    """A cell's lines with trailing spaces and trailing blank lines removed (what edits are judged on)."""
    lines = [line.rstrip() for line in source.replace("\r\n", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def edition_from_cells(cells: list[Cell], number: str, slug: str, title: str) -> Edition:
    exercises = {}
    for cell in cells:
        if cell.kind != "code":
            continue
        lines = lines_of(cell.source)
        for k, line in enumerate(lines):
            match = PLACEHOLDER.match(line)
            if match:
                exercise_id = match.group("id")
                exercises[exercise_id] = GivenExercise(exercise_id, lines[:k], lines[k + 1:], match.group("indent"))
                break
    return Edition(number, slug, title, cells, exercises)


def build_edition(solution: Path) -> Edition:
    """The learner edition of ``solution`` (``notebooks/NN_slug.ipynb``), built now by coursetools.learner."""
    import nbformat

    from coursetools.learner import build_notebook

    nb = build_notebook(solution)
    cells = [Cell("code" if c.cell_type == "code" else "markdown", c.source, c.get("id"),
                  "raises-exception" in c.get("metadata", {}).get("tags", [])) for c in nb.cells]
    number, _, slug = solution.stem.partition("_")
    first = cells[0].source.splitlines()[0] if cells and cells[0].source else ""
    title_match = re.match(r"^#\s*\d\d\s*·\s*(.+)$", first)
    del nbformat
    return edition_from_cells(cells, number, slug, title_match.group(1).strip() if title_match else slug)


def edition_from_file(path: Path, solution_stem: str) -> Edition:
    """A learner edition read from a file (``--learner-edition``: the notebooks the class was given)."""
    cells = read_notebook(path.read_bytes())
    number, _, slug = solution_stem.partition("_")
    first = cells[0].source.splitlines()[0] if cells and cells[0].source else ""
    match = re.match(r"^#\s*\d\d\s*·\s*(.+)$", first)
    return edition_from_cells(cells, number, slug, match.group(1).strip() if match else slug)


# ---------------------------------------------------------------------------------- which chapter

def exercise_ids_in(cells: list[Cell]) -> list[str]:
    ids = []
    for cell in cells:
        if cell.kind != "code":
            continue
        ids += CHECK_CALL.findall(cell.source)
        ids += [m.group("id") for m in map(PLACEHOLDER.match, cell.source.splitlines()) if m]
    return ids


def which_chapter(cells: list[Cell], editions: dict[str, Edition], file_name: str = "") -> tuple[str | None, str]:
    """The chapter slug of a submission and what it was told by (its exercises, its title, its name).

    >>> ed = {"demo": Edition("01", "demo", "Demo", [], {"demo.x": GivenExercise("demo.x", [], [], "")})}
    >>> which_chapter([Cell("code", 'check("demo.x", 1)')], ed)
    ('demo', 'its exercises')
    """
    votes: dict[str, int] = {}
    for exercise_id in exercise_ids_in(cells):
        slug = exercise_id.partition(".")[0]
        if slug in editions:
            votes[slug] = votes.get(slug, 0) + 1
    if votes:
        return max(sorted(votes), key=lambda s: votes[s]), "its exercises"
    by_number = {e.number: slug for slug, e in editions.items()}
    for cell in cells[:3]:
        match = TITLE.match(cell.source.strip()) if cell.kind == "markdown" else None
        if match and match.group(1) in by_number:
            return by_number[match.group(1)], "its title"
    match = re.search(r"(?<!\d)(\d\d)_([a-z0-9_]+?)(?:\.ipynb)?$", file_name)
    if match and editions.get(match.group(2)) and editions[match.group(2)].number == match.group(1):
        return match.group(2), "its file name"
    return None, ""


def screen(data: bytes, editions: dict[str, Edition], file_name: str, expected: str | None
           ) -> tuple[list[Cell] | None, str | None, str, str]:
    """(cells, chapter, how it was told, why it cannot be graded or ""): what is known before anything runs."""
    try:
        cells = read_notebook(data)
    except BadSubmission as exc:
        return None, None, "", str(exc)
    slug, how = which_chapter(cells, editions, file_name)
    if slug is None:
        return cells, None, "", ("is not a notebook of this course: it holds none of the course's exercises, and "
                                 "neither its title nor its file name names a chapter")
    if expected and slug != expected:
        got, want = editions[slug], editions[expected]
        return cells, slug, how, (f"is chapter {got.number} ({got.title}), not chapter {want.number} ({want.title}) "
                                  "being graded")
    return cells, slug, how, ""


# ---------------------------------------------------------------------------------- what runs

@dataclass
class PlannedCell:
    source: str
    kind: str                      # "given", "exercise" or "added"
    where: str                     # "cell 12" (of the submission), for the report
    exercise_id: str | None = None
    learner_code: str = ""         # what the learner wrote in it (exercise part, or the added cell)
    raises: bool = False           # a given cell whose error is part of the lesson


@dataclass
class Plan:
    chapter: str
    cells: list[PlannedCell]
    exercises: list[str]
    unanswered: list[str] = field(default_factory=list)       # the placeholder is still there
    missing: list[str] = field(default_factory=list)          # no cell of the submission holds the exercise
    tampered: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    suspicious: list[str] = field(default_factory=list)
    version_mismatch: str = ""

    def tamper(self, exercise_id: str, why: str) -> None:
        reasons = self.tampered.setdefault(exercise_id, [])
        if why not in reasons:
            reasons.append(why)


def _subsequence(given: list[str], lines: list[str]) -> tuple[list[int] | None, str | None]:
    """Indices of ``given`` lines in ``lines`` in order (greedy); else None and the first line not found."""
    found, start = [], 0
    for line in given:
        try:
            k = lines.index(line, start)
        except ValueError:
            return None, line
        found.append(k)
        start = k + 1
    return found, None


def _short(line: str, limit: int = 70) -> str:
    line = line.strip()
    return line if len(line) <= limit else line[: limit - 3] + "..."


def plan(cells: list[Cell], edition: Edition) -> Plan:
    """What runs, in which order, and what the comparison with the learner edition already shows."""
    given = [(k, c) for k, c in enumerate(edition.cells) if c.kind == "code"]
    mine = [(k, c) for k, c in enumerate(cells) if c.kind == "code"]
    result = Plan(edition.slug, [], list(edition.exercises))
    match: dict[int, int] = {}              # edition cell index -> submission cell index
    used: set[int] = set()
    by_id = {}
    for k, c in mine:
        if c.id and c.id not in by_id:
            by_id[c.id] = k
    for k, c in given:                      # 1. by cell id, as JupyterLab and Colab keep them
        if c.id and c.id in by_id and by_id[c.id] not in used:
            match[k] = by_id[c.id]
            used.add(by_id[c.id])
    for k, c in given:                      # 2. by content: the exercise's id, or the same text
        if k in match:
            continue
        exercise = edition.exercise_of(c)
        for j, d in mine:
            if j in used:
                continue
            if exercise is not None:
                hit = f'"{exercise.exercise_id}"' in d.source or f"'{exercise.exercise_id}'" in d.source
            else:
                hit = lines_of(d.source) == lines_of(c.source)
            if hit:
                match[k] = j
                used.add(j)
                break
    anchor_of: dict[int, int] = {}           # submission cell index -> edition cell it follows
    inverse = {j: k for k, j in match.items()}
    last = -1
    for j, _ in mine:
        if j in inverse:
            last = inverse[j]
        else:
            anchor_of[j] = last
    added_after: dict[int, list[int]] = {}
    for j, k in anchor_of.items():
        added_after.setdefault(k, []).append(j)

    def emit_added(k: int) -> None:
        for j in added_after.get(k, []):
            source = cells[j].source
            if not source.strip():
                continue
            result.cells.append(PlannedCell(source, "added", f"cell {j + 1}", None, source))
            result.notes.append(f"cell {j + 1} was added by the learner; it ran where it was added")

    emit_added(-1)
    changed = 0
    for k, c in given:
        exercise = edition.exercise_of(c)
        j = match.get(k)
        where = f"cell {j + 1}" if j is not None else f"learner-edition cell {k + 1}"
        if exercise is None:
            if j is None:
                changed += 1
                result.notes.append(f"{where} (given code) is missing from the submission; it ran as in the "
                                    "learner edition")
            elif lines_of(cells[j].source) != lines_of(c.source):
                changed += 1
                result.notes.append(f"{where} (given code) was edited; it ran as in the learner edition")
            result.cells.append(PlannedCell(c.source, "given", where, raises=c.raises))
        else:
            _plan_exercise(result, exercise, c, cells[j] if j is not None else None, where)
        emit_added(k)
    plain = sum(1 for _, c in given if edition.exercise_of(c) is None)
    if plain and changed >= max(3, plain // 4):
        result.version_mismatch = (f"{changed} of its {plain} given code cells differ from this course's learner "
                                   "edition: "
                                   "was it started from another version of the chapter? (--learner-edition grades "
                                   "against the notebooks the class was given)")
    return result


def _plan_exercise(result: Plan, exercise: GivenExercise, given_cell: Cell, cell: Cell | None, where: str) -> None:
    exercise_id = exercise.exercise_id
    if cell is None:
        result.missing.append(exercise_id)
        return
    lines = lines_of(cell.source)
    if any(PLACEHOLDER.match(line) and PLACEHOLDER.match(line).group("id") == exercise_id for line in lines):
        result.unanswered.append(exercise_id)
    found, lost = _subsequence(exercise.given_lines(), lines)
    if found is None:
        result.tamper(exercise_id, f"the given line `{_short(lost or '')}` of its cell ({where}) was changed or "
                                   "removed")
        learner = "\n".join(lines)
    else:
        keep = set(found)
        learner = "\n".join(line for k, line in enumerate(lines) if k not in keep and not PLACEHOLDER.match(line))
    result.cells.append(PlannedCell(cell.source, "exercise", where, exercise_id, learner))


# ---------------------------------------------------------------------------------- what the learner wrote

_MACHINERY = ("course_utils.checks", "course_utils.exercises", "course_utils.attempts", "coursetools")
_ALLOWED_FROM_CHECKS = {"check", "WrongAnswer", "CheckProblem"}
_CHECKS_NAMES = {"checks", "exercises", "attempts", "_grader", "registry", "EXERCISES", "kinds", "feedback",
                 "lookup", "record_attempt", "_record"}
_SUSPICIOUS_MODULES = {"ctypes": "loads ctypes (direct memory access)",
                       "gc": "inspects the garbage collector's objects",
                       "importlib": "re-imports modules (importlib)", "builtins": "changes Python's builtins"}
_RUN_TIME_CODE = ("exec", "eval", "compile", "__import__")
_SUSPICIOUS_ATTRS = {"__code__", "__globals__", "__closure__", "f_locals", "f_globals", "f_back", "_getframe",
                     "__subclasses__", "__builtins__", "__dict__"}


CORRECT_TEXT = re.compile(r"Correct:\s*[A-Za-z_]\w*\.\w+")   # the check's line names the exercise: chapter.name


def _imitates_correct(node: ast.AST) -> bool:
    """A string that looks like the check's own line: ``Correct: <chapter>.<exercise>``, or ``Correct: {...}``.

    ``print("Correct:", x == y)`` while experimenting is not that; ``f"Correct: {exercise_id}"`` is.
    """
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return CORRECT_TEXT.search(node.value) is not None
    if isinstance(node, ast.JoinedStr):
        parts = node.values
        for k, part in enumerate(parts[:-1]):
            if isinstance(part, ast.Constant) and isinstance(part.value, str) and \
                    part.value.rstrip().endswith("Correct:") and isinstance(parts[k + 1], ast.FormattedValue):
                return True
    return False


def _root(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.value if not isinstance(node, ast.Call) else node.func
    return node.id if isinstance(node, ast.Name) else None


def _dotted(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def python_of(source: str) -> ast.Module | None:
    """The Python of a cell (IPython's ``%magic`` and ``!shell`` lines transformed), or None if it does not parse."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        source = TransformerManager().transform_cell(source)
    except Exception:  # a transformer failure is a syntax error the kernel will report itself
        pass
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def scan(source: str) -> tuple[list[str], list[str]]:
    """(ways of giving oneself credit, constructs a human should look at) in code a learner wrote.

    >>> scan("def check(*args):\\n    print('Correct: demo.x')")[0]
    ['redefines check', "prints text that imitates the check's 'Correct:' line"]
    >>> scan("grads = [w.grad.tolist() for w in ws]")
    ([], [])
    """
    tree = python_of(source)
    if tree is None:
        return [], []
    tamper: list[str] = []
    suspicious: list[str] = []
    course_names = {"course_utils", "check", "WrongAnswer", "EXERCISES"}

    def add(target: list[str], text: str) -> None:
        if text not in target:
            target.append(text)

    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == "check":
            add(tamper, "redefines check")
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)) and node.id == "check":
            add(tamper, "redefines check")
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            module = node.module or "" if isinstance(node, ast.ImportFrom) else ""
            for alias in node.names:
                full = f"{module}.{alias.name}" if module else alias.name
                bound = alias.asname or alias.name.split(".")[0]
                from_checks = isinstance(node, ast.ImportFrom) and module in ("course_utils", "course_utils.checks")
                if bound == "check" and not (from_checks and alias.name == "check"):
                    add(tamper, "redefines check")
                if any(full == m or full.startswith(m + ".") for m in _MACHINERY) and not (
                        from_checks and alias.name in _ALLOWED_FROM_CHECKS):
                    add(tamper, f"imports the course's checking machinery ({full})")
                if full.split(".")[0] in ("course_utils",):
                    course_names.add(bound)
                top = full.split(".")[0]
                if top in _SUSPICIOUS_MODULES:
                    add(suspicious, _SUSPICIOUS_MODULES[top])
        elif isinstance(node, ast.Attribute):
            dotted = _dotted(node)
            if dotted.split(".")[0] in course_names and any(part in _CHECKS_NAMES for part in dotted.split(".")[1:]):
                add(tamper, f"reaches into the course's checking machinery ({dotted})")
            if node.attr in _SUSPICIOUS_ATTRS:
                add(suspicious, f"uses {node.attr} (introspection of code or frames)")
            if dotted in ("sys.modules", "os.write", "os.fdopen", "os.dup2", "os.kill", "signal.signal"):
                add(suspicious, f"uses {dotted}")
        elif isinstance(node, ast.Name) and node.id in ("EXERCISES", "_grader", "record_attempt"):
            add(tamper, f"reaches into the course's checking machinery ({node.id})")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("setattr", "delattr"):
            if node.args and _root(node.args[0]) in course_names:
                add(tamper, f"changes the course's checks with {node.func.id}()")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _RUN_TIME_CODE:
            add(suspicious, f"runs code built at run time ({node.func.id})")
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
            for target in targets:
                if isinstance(target, (ast.Attribute, ast.Subscript)) and _root(target) in course_names:
                    add(tamper, f"changes the course's checks ({_dotted(target) or _root(target)})")
        if _imitates_correct(node):
            add(tamper, "prints text that imitates the check's 'Correct:' line")
    reaching = [t for t in tamper if t.startswith("reaches into")]  # one such line says it; more only repeat it
    stronger = any(t.startswith(("changes the course's", "imports the course's")) for t in tamper)
    if len(reaching) > 1 or (reaching and stronger):
        keep = [] if stronger else reaching[:1]
        tamper = [t for t in tamper if not t.startswith("reaches into") or t in keep]
    return tamper, suspicious
