"""Executing notebooks top to bottom in a fresh kernel, with the settings the tests use.

The stored outputs are the source of truth that nbval compares against, so they
must come from a real run made the same way every time: same environment
variables, a fresh kernel, errors allowed only in cells tagged ``raises-exception``.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

from coursetools.paths import LEARNER_DIR, NOTEBOOK_DIR, ROOT

OFFLINE_GUARD = Path(__file__).resolve().parent / "offline"

# The kernel inherits these. The tests (tests/conftest.py) set the same ones.
KERNEL_ENV = {
    "IPYKERNEL_CELL_NAME": "<cell>",  # warnings name '<cell>', not a temp file that changes per run
    "COURSE_LIVE": "0",               # headless: plots draw their final frame only
    "PYTHONHASHSEED": "0",
    "PYTHONWARNINGS": "ignore::DeprecationWarning",
    "COURSE_PROGRESS_FILE": "off",    # executions and tests record no learner's attempts (course_utils.attempts)
    # One thread per kernel: the tests run two kernels at once on two cores, and torch's own threads
    # would then fight over them (a regression step measured 20x slower under that contention).
    "OMP_NUM_THREADS": "1",
}


# Stored error outputs show the exception line alone: frames inside torch would store this machine's
# paths (and nbval compares only the exception's name and message anyway). A live kernel is unchanged.
KERNEL_ARGS = ["--InteractiveShell.xmode=Minimal"]


def apply_kernel_env() -> None:
    """Put :data:`KERNEL_ENV` into this process's environment, for kernels started from it.

    Also puts the network guard (``coursetools/offline/sitecustomize.py``) on the
    kernels' PYTHONPATH: every execution then proves the course runs offline.
    """
    os.environ.update(KERNEL_ENV)
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if str(OFFLINE_GUARD) not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([str(OFFLINE_GUARD), *paths])


def chapter_notebooks(include_learner: bool = False) -> list[Path]:
    """The chapters in order (``notebooks/NN_*.ipynb``), and the learner copies if asked."""
    paths = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
    if include_learner:
        paths += sorted(LEARNER_DIR.glob("[0-9][0-9]_*.ipynb"))
    return paths


def execute(path: Path, timeout: int = 300, write: bool = True):
    """Run ``path`` top to bottom in a fresh kernel; store the outputs in place when ``write``.

    Raises ``nbclient.exceptions.CellExecutionError`` on an error in a cell not
    tagged ``raises-exception``, and then writes nothing.
    """
    import nbformat
    from nbclient import NotebookClient

    apply_kernel_env()
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                            extra_arguments=KERNEL_ARGS, resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = merge_streams(cell.outputs)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.metadata.get("language_info", {}).pop("version", None)  # differs between machines; nobody compares it
    if write:
        nbformat.write(nb, path)
    return nb


def merge_streams(outputs: list) -> list:
    """Join consecutive stream outputs of one name (stdout, stderr) into one, as nbval reads them.

    ipykernel flushes a cell's prints in chunks that depend on timing; without this
    a re-execution could store the same text in a different number of pieces.
    """
    merged: list = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (output.get("output_type") == "stream" and previous is not None
                and previous.get("output_type") == "stream" and previous.get("name") == output.get("name")):
            previous["text"] = previous["text"] + output["text"]
        else:
            merged.append(output)
    return merged


def execute_all(paths: Iterable[Path], timeout: int = 300) -> None:
    import time

    paths = list(paths)
    if not paths:
        raise FileNotFoundError(f"no chapter notebooks (NN_*.ipynb) found in {NOTEBOOK_DIR}; nothing was executed")
    for path in paths:
        start = time.perf_counter()
        execute(Path(path), timeout=timeout)
        print(f"executed {Path(path).relative_to(ROOT)} in {time.perf_counter() - start:.1f} s")


RERUN_DIFFERS = "rerun-differs"   # tag: running this cell again changes its output, on purpose
RERUN_EXPLAINED = "# Re-run:"      # ... and a comment in the cell that says how and why


def _errors(cell) -> list:
    return [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]


def rerun_problem(cell, first, again) -> str | None:
    """Why re-running ``cell`` right after its first run is not acceptable, or None.

    Acceptable: the same output (after the sanitize rules); or, for a cell whose first line is
    ``# Needs: ...``, an error followed by that cell's note (see ``course_utils.cell_notes``);
    or, for a cell tagged ``rerun-differs`` with a ``# Re-run:`` comment, any output.
    """
    from course_utils.cell_notes import needs_line
    from coursetools.sanitize import cell_text

    if cell_text(first) == cell_text(again):
        return None
    if needs_line(cell.source) is not None:
        if _errors(again) and "This cell needs" in cell_text(again):
            return None
        return "its first line says '# Needs:', but running it again gave a different result without failing clearly"
    if RERUN_DIFFERS in cell.get("metadata", {}).get("tags", []) and RERUN_EXPLAINED in cell.source:
        return None
    return "running it again right away gives a different output"


def run_again(path: Path, timeout: int = 300) -> list[str]:
    """Each code cell run twice in a row, then "Run All" once more, in one kernel; return what went wrong.

    The first pass runs every code cell and, right after it, the same cell again: a learner who
    re-runs a cell must see the same output, or a clear "# Needs:" failure (:func:`rerun_problem`).
    The second pass runs every cell once more and must give exactly the outputs of the first
    runs. Outputs are compared after the nbval sanitize rules, so an environment line or a timing
    cannot cause a difference. Errors outside ``raises-exception`` cells are reported too.
    """
    import copy

    import nbformat
    from nbclient import NotebookClient

    from coursetools.sanitize import cell_text

    apply_kernel_env()
    nb = nbformat.read(path, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    plan = copy.deepcopy(nb)
    plan.cells = [copy.deepcopy(c) for cell in code for c in (cell, cell)] + [copy.deepcopy(c) for c in code]
    NotebookClient(plan, timeout=timeout, kernel_name="python3", record_timing=False, allow_errors=True,
                   extra_arguments=KERNEL_ARGS, resources={"metadata": {"path": str(path.parent)}}).execute()
    problems = []
    index_of = {id(cell): nb.cells.index(cell) for cell in code}
    for k, cell in enumerate(code):
        first, again, later = plan.cells[2 * k], plan.cells[2 * k + 1], plan.cells[2 * len(code) + k]
        where = f"cell {index_of[id(cell)]}"
        expects_error = "raises-exception" in cell.get("metadata", {}).get("tags", [])
        if _errors(first) and not expects_error:
            problems.append(f"{where}: the first run failed: {cell_text(first)[-200:]!r}")
            continue
        problem = rerun_problem(cell, first, again)
        if problem:
            problems.append(f"{where}: {problem}: first {cell_text(first)[:150]!r}, again {cell_text(again)[:150]!r}")
        if cell_text(first) != cell_text(later):
            problems.append(f"{where}: Run All a second time gives {cell_text(later)[:150]!r} "
                            f"instead of {cell_text(first)[:150]!r}")
    return problems
