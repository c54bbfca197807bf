"""How fast ``./course grade`` grades a class, against the floor of executing one notebook in a fresh kernel.

    .venv/bin/python benchmarks/grade_bench.py                 # 30 submissions of chapter 04
    .venv/bin/python benchmarks/grade_bench.py --learners 60 --chapter 07 --repeat 3

What it measures, on this machine and as it is loaded right now (the load average is printed):

1. the floor: one submission of the class (the learner edition filled with the solutions) executed
   top to bottom in a fresh Jupyter kernel with nbclient, as ``./course execute`` runs a notebook
   (kernel start, ``import torch``, every cell), median of ``--repeat`` runs; and, for reference,
   a fresh kernel running only the setup cell;
2. the grading: ``python -m coursetools.grade FOLDER --out DIR --fresh`` as a command, from the
   interpreter's start to its exit (reading, warming up, grading in parallel, the report);

and the goal of issue #16: grading time <= 1.2 x (learners x floor / cores).

This is a script, not a timed test: timings depend on the machine and on what else runs on it.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def fresh_kernel_seconds(path: Path, only_setup: bool = False) -> float:
    """Execute ``path`` in a fresh kernel (nbclient, the course's kernel settings); return the wall time."""
    import nbformat
    from nbclient import NotebookClient

    from coursetools.notebooks import KERNEL_ARGS, apply_kernel_env

    apply_kernel_env()
    os.environ["COURSE_PROGRESS_FILE"] = "off"
    nb = nbformat.read(path, as_version=4)
    if only_setup:
        nb.cells = [c for c in nb.cells if c.cell_type == "code"][:1]
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True, extra_arguments=KERNEL_ARGS,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return time.perf_counter() - start


def load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chapter", default="04")
    parser.add_argument("--learners", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3, help="runs of the floor (median)")
    parser.add_argument("--jobs", type=int, help="passed to ./course grade (default: every core)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)

    from coursetools.grade_samples import class_of, write

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    if args.jobs:
        cores = min(cores, args.jobs)
    with tempfile.TemporaryDirectory(prefix="grade-bench-") as tmp:
        folder, out = Path(tmp) / "class", Path(tmp) / "graded"
        samples = class_of(args.chapter, args.learners)
        write(samples, folder)
        one = folder / samples[0].name
        print(f"load average before: {load()}")
        setup_only = statistics.median(fresh_kernel_seconds(one, only_setup=True) for _ in range(args.repeat))
        floor_runs = [fresh_kernel_seconds(one) for _ in range(args.repeat)]
        floor = statistics.median(floor_runs)
        command = [sys.executable, "-m", "coursetools.grade", str(folder), "--out", str(out), "--fresh"]
        if args.jobs:
            command += ["--jobs", str(args.jobs)]
        start = time.perf_counter()
        run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        grading = time.perf_counter() - start
        if run.returncode != 0:
            print(run.stdout[-3000:], run.stderr[-3000:])
            return 1
        results = [json.loads(p.read_text()) for p in (out / "results").glob("*.json")]
        graded = sum(1 for r in results if r.get("status") == "graded")
        warm = next((line for line in run.stdout.splitlines() if "warming up" in line), "")
        per_child = statistics.median(r["seconds"] for r in results if r.get("status") == "graded")
    goal = 1.2 * args.learners * floor / cores
    figures = {
        "chapter": args.chapter, "learners": args.learners, "cores": cores, "graded": graded,
        "floor_s": round(floor, 2), "floor_runs_s": [round(x, 2) for x in floor_runs],
        "setup_cell_only_s": round(setup_only, 2), "grading_s": round(grading, 2), "goal_s": round(goal, 2),
        "ratio_to_goal": round(grading / goal, 3), "median_submission_s": round(per_child, 2),
        "serial_fresh_kernels_s": round(args.learners * floor, 1), "load_after": load(), "grader_line": warm.strip(),
    }
    print(f"floor (one submission of chapter {args.chapter}, fresh kernel, median of {args.repeat}): {floor:.2f} s "
          f"(runs {', '.join(f'{x:.2f}' for x in floor_runs)}); a fresh kernel with the setup cell only: "
          f"{setup_only:.2f} s")
    print(f"./course grade, {args.learners} submissions on {cores} core(s): {grading:.2f} s, {graded} graded; "
          f"median {per_child:.2f} s per submission inside its sandbox")
    print(f"goal 1.2 x ({args.learners} x {floor:.2f} s / {cores}) = {goal:.2f} s: grading took "
          f"{grading / goal:.2f} of it "
          f"({args.learners * floor / grading:.1f}x faster than fresh kernels one after another)")
    print(f"load average after: {figures['load_after']}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
