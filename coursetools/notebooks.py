"""Executing notebooks top to bottom in a fresh kernel, with the settings the tests use.

The stored outputs are the source of truth that nbval compares against, so they
must come from a real run made the same way every time: same environment
variables, a fresh kernel, errors allowed only in cells tagged ``raises-exception``.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
OFFLINE_GUARD = Path(__file__).resolve().parent / "offline"
LEARNER_DIR = NOTEBOOK_DIR / "learner"

# The kernel inherits these. The tests (tests/conftest.py) set the same ones.
KERNEL_ENV = {
    "IPYKERNEL_CELL_NAME": "<cell>",  # warnings name '<cell>', not a temp file that changes per run
    "COURSE_LIVE": "0",               # headless: plots draw their final frame only
    "PYTHONHASHSEED": "0",
    "PYTHONWARNINGS": "ignore::DeprecationWarning",
    "TQDM_DISABLE": "1",
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

    for path in paths:
        start = time.perf_counter()
        execute(Path(path), timeout=timeout)
        print(f"executed {Path(path).relative_to(ROOT)} in {time.perf_counter() - start:.1f} s")


def run_twice(path: Path, timeout: int = 300) -> list[str]:
    """"Run All" twice in one kernel; return the cells whose second-pass output differs.

    Errors in the second pass (outside ``raises-exception`` cells) raise
    ``CellExecutionError``, like any execution. Outputs are compared after the
    nbval sanitize rules, so an environment line or a timing cannot cause a difference.
    """
    import copy

    import nbformat
    from nbclient import NotebookClient

    from coursetools.sanitize import cell_text

    apply_kernel_env()
    nb = nbformat.read(path, as_version=4)
    count = len(nb.cells)
    doubled = copy.deepcopy(nb)
    doubled.cells = copy.deepcopy(nb.cells) + copy.deepcopy(nb.cells)
    NotebookClient(doubled, timeout=timeout, kernel_name="python3", record_timing=False,
                   extra_arguments=KERNEL_ARGS, resources={"metadata": {"path": str(path.parent)}}).execute()
    differences = []
    for index in range(count):
        first, second = doubled.cells[index], doubled.cells[index + count]
        if first.cell_type == "code" and cell_text(first) != cell_text(second):
            differences.append(f"cell {index}: first run {cell_text(first)[:120]!r}, "
                               f"second run {cell_text(second)[:120]!r}")
    return differences
