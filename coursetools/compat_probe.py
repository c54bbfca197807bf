"""What ``./course compat`` runs inside each throw-away environment: every chapter, both editions, every check.

It is started with the environment's own Python (the checkout on ``PYTHONPATH``) and writes one
JSON file of facts; :mod:`coursetools.compat` turns the files of all rows into the report. It
imports nothing that the environment's versions could not have: the course itself, nbformat,
nbclient and the standard library.

    python -m coursetools.compat_probe --out results.json [--chapters 01 07]
"""
from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path
from typing import Any


def versions() -> dict[str, str]:
    """The versions that decide what a learner sees."""
    import importlib.metadata as metadata

    found = {"python": platform.python_version()}
    for name in ("torch", "numpy", "matplotlib", "ipywidgets", "ipython", "ipykernel", "nbclient"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "absent"
    return found


def _first_line(text: str) -> str:
    return (text or "").strip().split("\n")[0][:200]


def run_chapter(path: Path, learner: bool) -> dict[str, Any]:
    """Execute one notebook (solution or learner edition) and compare with the stored outputs."""
    import nbformat
    from nbclient import NotebookClient

    from coursetools import learner as builder
    from coursetools.notebooks import KERNEL_ARGS
    from coursetools.sanitize import cell_text

    source = builder.learner_path(path) if learner else path
    stored = {cell.get("id"): cell for cell in nbformat.read(path, as_version=4).cells}
    nb = nbformat.read(source, as_version=4)
    start = time.perf_counter()
    result: dict[str, Any] = {"notebook": source.relative_to(path.parent.parent).as_posix(), "completed": True,
                              "first_error": None, "differing": [], "code_cells": 0}
    try:
        NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True, extra_arguments=KERNEL_ARGS,
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    except Exception as exc:  # the kernel died, a cell timed out
        result.update(completed=False, first_error=f"the run stopped: {type(exc).__name__}: {_first_line(str(exc))}")
        return result
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        result["code_cells"] += 1
        errors = [o for o in cell.outputs if o.get("output_type") == "error"]
        tags = cell.get("metadata", {}).get("tags", [])
        exercise = learner and 'NotImplementedError("Exercise ' in cell.source
        expected_error = "raises-exception" in tags or exercise
        if errors and not expected_error and result["first_error"] is None:
            result.update(completed=False,
                          first_error=f"cell {index}: {errors[0].get('ename')}: {_first_line(errors[0].get('evalue'))}")
        if exercise:
            continue
        want, got = cell_text(stored[cell.get("id")]), cell_text(cell)
        if want != got:
            result["differing"].append({"cell": index, "stored": want[:300], "got": got[:300]})
    result["seconds"] = round(time.perf_counter() - start, 1)
    return result


def run_checks() -> list[dict[str, Any]]:
    """Every exercise given its solution, its other right forms and its typical wrong answers (strict mode)."""
    import os

    os.environ["COURSE_CHECKS_STRICT"] = "1"
    from course_utils.checks import EXERCISES, Wrong, WrongAnswer, check, reset_attempts

    results = []
    for exercise_id, exercise in sorted(EXERCISES.items()):
        row: dict[str, Any] = {"id": exercise_id, "solution": "accepted", "wrong_rejected": 0, "wrong_total": 0,
                               "problems": []}
        for label, make in [("solution", exercise.solution), *[("right example", m) for m in exercise.right_examples]]:
            try:
                check(exercise_id, make())
            except Exception as exc:  # WrongAnswer for a right answer, or a crash
                row["solution"] = "rejected"
                row["problems"].append(f"{label}: {type(exc).__name__}: {_first_line(str(exc))}")
        for item in exercise.wrong_examples:
            example = item if isinstance(item, Wrong) else Wrong(item)
            row["wrong_total"] += 1
            try:
                check(exercise_id, example.make())
                row["problems"].append("a wrong example was accepted")
            except WrongAnswer:
                row["wrong_rejected"] += 1
            except Exception as exc:
                row["problems"].append("a wrong example crashed the check: "
                                       f"{type(exc).__name__}: {_first_line(str(exc))}")
        reset_attempts(exercise_id)
        results.append(row)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m coursetools.compat_probe", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--chapters", nargs="*", default=None, help="chapter numbers (default: all)")
    parser.add_argument("--editions", nargs="*", default=["solution", "learner"], choices=["solution", "learner"])
    args = parser.parse_args(argv)

    from coursetools.notebooks import apply_kernel_env, chapter_notebooks

    apply_kernel_env()
    chapters = [p for p in chapter_notebooks() if args.chapters is None or p.name[:2] in args.chapters]
    facts: dict[str, Any] = {"versions": versions(), "chapters": [], "checks": []}
    for path in chapters:
        for edition in args.editions:
            ran = run_chapter(path, edition == "learner")
            facts["chapters"].append({"chapter": path.stem, "edition": edition, **ran})
            args.out.write_text(json.dumps(facts, indent=1))  # a crash keeps what was measured
    facts["checks"] = run_checks()
    args.out.write_text(json.dumps(facts, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
