"""Running a learner notebook as a learner who answers nothing: what must happen (shared by two test files).

Every exercise cell stops with its own ``Exercise <id>: write your code here`` message, and
every other code cell prints exactly what the solution edition stored for it (after the sanitize
rules). That proves both that no cell after an exercise depends on the learner's answer and
that the learner edition teaches the same numbers; it replaces nbval on the learner edition,
which ships without outputs.
"""
from __future__ import annotations

import nbformat

from coursetools import learner
from coursetools.sanitize import cell_text


def problems_running(path) -> list[str]:
    from nbclient import NotebookClient

    from coursetools.notebooks import KERNEL_ARGS, apply_kernel_env

    apply_kernel_env()
    solution = {cell.get("id"): cell for cell in nbformat.read(path, as_version=4).cells}
    nb = nbformat.read(learner.learner_path(path), as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True, extra_arguments=KERNEL_ARGS,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    problems = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.outputs if o.output_type == "error"]
        match = learner.CHECK_CALL.search(cell.source)
        if "NotImplementedError(\"Exercise " in cell.source:
            if not (len(errors) == 1 and errors[0].ename == "NotImplementedError"
                    and f"Exercise {match.group(1)}: write your code here" in errors[0].evalue):
                problems.append(f"cell {index}: the unanswered exercise gave {cell_text(cell)[:200]!r}")
            continue
        want, got = cell_text(solution[cell.get("id")]), cell_text(cell)
        if want != got:
            problems.append(f"cell {index}: learner edition printed {got[:200]!r}, the solution edition stored "
                            f"{want[:200]!r} (does it depend on an exercise's answer?)")
    return problems
