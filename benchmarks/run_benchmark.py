"""How long the course takes: per notebook, the whole course under nbval, `import course_utils`, and
chapter 07 in a real JupyterLab.

    ./course bench                      # everything (a few minutes on 2 cores)
    ./course bench --only notebooks     # per-notebook times and memory only
    ./course bench --only browser       # chapter 07 in JupyterLab in headless Chromium, beside its headless run
    ./course bench --only stepthrough   # the backward step-through: recording 50 nodes, drawing a frame
    ./course bench --only grading       # ./course grade on 30 submissions, against its floor
    ./course bench --markdown           # also print the README's "how long it takes" tables

For each chapter: the headless execution time in a fresh kernel, the floor (a fresh
kernel running only the setup cell), their difference, and the kernel's peak
memory. Then the whole course under strict nbval, serially and with
`-n 2 --dist loadfile`, and the import overhead of course_utils over torch.

The browser timing (``--only browser``) starts `./course lab` from a copy of the notebooks (reusing
this environment, installing nothing) and drives Debian's Chromium with Playwright through
chapter 07, as a learner would use it: Run All in the opened
notebook (all outputs cleared first), then the 30-step training cell alone, from the
"run" command to its final frame decoded on screen. In the same run, alternating with
the browser, the same cells run headless (nbclient, a fresh kernel, kernel start not
counted, as in the browser where the notebook's kernel is already up). The goals of
issue #15: the training cell in at most 1.5 s, Run All within 1.3 times the headless
time, on an otherwise idle machine.

The step-through and grading parts run benchmarks/stepthrough_bench.py and benchmarks/grade_bench.py
(each also runs alone) and keep their figures in the same record.

Results go to benchmarks/results/latest.json. This is a script, not a timed test:
timings depend on the machine.
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coursetools.notebooks import apply_kernel_env, chapter_notebooks  # noqa: E402

PEAK_MEMORY_CELL = "import resource as _r; print('PEAK_RSS_KB', _r.getrusage(_r.RUSAGE_SELF).ru_maxrss)"


def run_cells(nb, path: Path) -> tuple[float, float]:
    """Execute ``nb`` in a fresh kernel; return (seconds, peak kernel memory in MiB)."""
    import nbformat
    from nbclient import NotebookClient

    nb = copy.deepcopy(nb)
    nb.cells.append(nbformat.v4.new_code_cell(PEAK_MEMORY_CELL))
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    seconds = time.perf_counter() - start
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
    peak_kb = int(text.split()[-1]) if "PEAK_RSS_KB" in text else 0
    return seconds, peak_kb / 1024


def bench_notebooks(repeat: int) -> list[dict]:
    import nbformat

    apply_kernel_env()
    rows = []
    for path in chapter_notebooks():
        nb = nbformat.read(path, as_version=4)
        first_code = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
        floor_nb = copy.deepcopy(nb)
        floor_nb.cells = nb.cells[: first_code + 1]
        runs = [run_cells(nb, path) for _ in range(repeat)]
        floors = [run_cells(floor_nb, path)[0] for _ in range(repeat)]
        seconds, floor = min(r[0] for r in runs), min(floors)
        row = {"notebook": path.name, "seconds": round(seconds, 2), "floor": round(floor, 2),
               "over_floor": round(seconds - floor, 2), "ratio": round(seconds / floor, 2),
               "peak_mib": round(max(r[1] for r in runs))}
        rows.append(row)
        print(f"{row['notebook']:<42} {row['seconds']:>6.2f} s  floor {row['floor']:>5.2f} s  "
              f"+{row['over_floor']:.2f} s  x{row['ratio']:.2f}  {row['peak_mib']} MiB", flush=True)
    return rows


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def bench_course() -> dict:
    notebooks = [str(p.relative_to(ROOT)) for p in chapter_notebooks()]
    base = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *notebooks]
    serial = timed([*base, "-p", "no:xdist"])
    parallel = timed([*base, "-n", "2", "--dist", "loadfile"])
    print(f"whole course under strict nbval: {serial:.1f} s serially, {parallel:.1f} s with -n 2 --dist loadfile")
    return {"nbval_serial_s": round(serial, 1), "nbval_parallel_s": round(parallel, 1)}


def bench_import(repeat: int = 10) -> dict:
    """Wall time of `import torch` with and without course_utils (interleaved runs, medians), and
    what `python -X importtime` attributes to course_utils itself once torch is loaded."""
    torch_only, with_course = [], []
    for _ in range(repeat):  # interleaved, so a busy moment hits both sides alike
        torch_only.append(timed([sys.executable, "-c", "import torch"]))
        with_course.append(timed([sys.executable, "-c", "import torch, course_utils"]))
    profile = subprocess.run([sys.executable, "-X", "importtime", "-c", "import torch; import course_utils"],
                             cwd=ROOT, capture_output=True, text=True, check=True).stderr
    own_us = next(int(line.split("|")[1]) for line in profile.splitlines() if line.rstrip().endswith("| course_utils"))
    overhead = statistics.median(with_course) - statistics.median(torch_only)
    print(f"import torch {statistics.median(torch_only):.2f} s; import torch, course_utils "
          f"{statistics.median(with_course):.2f} s (medians of {repeat}); difference {overhead * 1000:+.0f} ms; "
          f"-X importtime: course_utils itself {own_us / 1000:.1f} ms")
    return {"import_torch_s": round(statistics.median(torch_only), 3),
            "import_course_utils_s": round(statistics.median(with_course), 3),
            "wall_difference_ms": round(overhead * 1000), "importtime_course_utils_ms": round(own_us / 1000, 1)}


BROWSER_CHAPTER = "07_linear_regression_from_scratch.ipynb"
LIVE_CELL_MARK = "TrainingPlot("  # the 30-step training cell of chapter 07
GOAL_LIVE_CELL_S, GOAL_RUN_ALL_RATIO = 1.5, 1.3


def run_cells_headless(nb, path: Path) -> float:
    """Seconds to run every code cell of ``nb`` in a fresh kernel, not counting the kernel's start."""
    import nbformat
    from nbclient import NotebookClient

    nb = copy.deepcopy(nb)
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    with client.setup_kernel():
        start = time.perf_counter()
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        seconds = time.perf_counter() - start
    nbformat.validate(nb)
    return seconds


def bench_browser(repeat: int) -> dict:
    """Chapter 07 in JupyterLab (headless Chromium) as `./course lab` starts it, and headless, alternately."""
    import nbformat

    from tests.browser import (Missing, browser_page, course_lab_command, course_lab_env, jupyterlab,
                               learner_clone, open_notebook, run_all, time_cell_to_final_image)

    apply_kernel_env()  # the headless side; course_lab_env() removes the headless switches for the browser side
    path = ROOT / "notebooks" / BROWSER_CHAPTER
    nb = nbformat.read(path, as_version=4)
    live_index = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and LIVE_CELL_MARK in c.source)
    headless, run_all_s, live_s = [], [], []
    try:
        with tempfile.TemporaryDirectory(prefix="course-bench-") as tmp:
            clone = learner_clone(Path(tmp) / "clone")
            env = course_lab_env(Path(tmp) / "home")
            with jupyterlab(course_lab_command(clone), env, cwd=clone, log=Path(tmp) / "lab.log") as base, \
                    browser_page() as page:
                for run in range(repeat):
                    headless.append(run_cells_headless(nb, path))
                    open_notebook(page, f"{base}/lab/workspaces/bench-{run}/tree/{BROWSER_CHAPTER}?reset")
                    run_all_s.append(run_all(page))
                    live_s.extend(time_cell_to_final_image(page, live_index) for _ in range(3))
                    page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")
    except Missing as missing:
        print(f"browser timing skipped: {missing}")
        return {"skipped": str(missing)}
    row = {"notebook": BROWSER_CHAPTER, "live_cell_s": round(min(live_s), 2),
           "live_cell_runs_s": [round(s, 2) for s in live_s],
           "run_all_browser_s": round(min(run_all_s), 2), "run_all_headless_s": round(min(headless), 2),
           "run_all_ratio": round(min(run_all_s) / min(headless), 2),
           "runs": {"browser": [round(s, 2) for s in run_all_s], "headless": [round(s, 2) for s in headless]}}
    print(f"{BROWSER_CHAPTER}: training cell to its final frame {row['live_cell_s']:.2f} s "
          f"(goal <= {GOAL_LIVE_CELL_S} s; runs {row['live_cell_runs_s']})")
    print(f"{BROWSER_CHAPTER}: Run All {row['run_all_browser_s']:.2f} s in JupyterLab, "
          f"{row['run_all_headless_s']:.2f} s headless: x{row['run_all_ratio']:.2f} (goal <= x{GOAL_RUN_ALL_RATIO})")
    return row


def markdown(rows: list[dict]) -> str:
    lines = ["| chapter | headless run | floor (setup cell only) | over the floor | peak memory |",
             "|---|---|---|---|---|"]
    for row in rows:
        lines.append(f"| {row['notebook'].removesuffix('.ipynb')} | {row['seconds']:.1f} s | {row['floor']:.1f} s | "
                     f"+{row['over_floor']:.1f} s | {row['peak_mib']} MiB |")
    return "\n".join(lines)


def markdown_browser(row: dict) -> str:
    chapter = row["notebook"].removesuffix(".ipynb")
    return "\n".join([
        "| in JupyterLab (headless Chromium) | measured | goal |",
        "|---|---|---|",
        f"| {chapter}: the 30-step training cell, from run to its final frame | {row['live_cell_s']:.1f} s | "
        f"≤ {GOAL_LIVE_CELL_S} s |",
        f"| {chapter}: Run All, beside the same cells headless | {row['run_all_browser_s']:.1f} s against "
        f"{row['run_all_headless_s']:.1f} s (×{row['run_all_ratio']:.2f}) | ≤ ×{GOAL_RUN_ALL_RATIO} |",
    ])


PARTS = ["notebooks", "course", "import", "browser", "stepthrough", "grading"]


def bench_script(name: str, arguments: list[str], json_file: bool = False) -> dict:
    """Run one of the other benchmark scripts in benchmarks/ and keep the figures it reports as JSON.

    The step-through (issue #18) and grading (issue #16) benchmarks are scripts of their own, so each
    can be run alone; here they join the one record of ``./course bench``.
    """
    command = [sys.executable, str(ROOT / "benchmarks" / name), *arguments]
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "figures.json"
        if json_file:
            command += ["--json", str(target)]
        run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        print(run.stdout.strip(), flush=True)
        if run.returncode != 0:
            raise SystemExit(f"benchmarks/{name} failed ({run.returncode}):\n{run.stderr[-2000:]}")
        if json_file:
            return json.loads(target.read_text())
    return json.loads(run.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=PARTS, help="run one part only")
    parser.add_argument("--repeat", type=int, default=1, help="runs per notebook (the minimum is kept)")
    parser.add_argument("--markdown", action="store_true", help="print the README table")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "latest.json")
    args = parser.parse_args()
    result: dict = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                                "platform": platform.platform()}}
    if args.only in (None, "import"):
        result["import"] = bench_import()
    if args.only in (None, "notebooks"):
        result["notebooks"] = bench_notebooks(args.repeat)
    if args.only in (None, "course"):
        result["course"] = bench_course()
    if args.only in (None, "browser"):
        result["browser"] = bench_browser(args.repeat)
    if args.only in (None, "stepthrough"):
        result["stepthrough"] = bench_script("stepthrough_bench.py", ["--json"])
    if args.only in (None, "grading"):
        result["grading"] = bench_script("grade_bench.py", ["--repeat", str(max(args.repeat, 3))], json_file=True)
    # Further parts hook in here, each as `if args.only in (None, "<name>"): result["<name>"] = ...`
    # with "<name>" added to --only's choices.
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    if args.markdown and "notebooks" in result:
        print()
        print(markdown(result["notebooks"]))
    if args.markdown and "live_cell_s" in result.get("browser", {}):
        print()
        print(markdown_browser(result["browser"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
