"""How long the course takes: per notebook, the whole course under nbval, and `import course_utils`.

    ./course bench                      # everything (a few minutes on 2 cores)
    ./course bench --only notebooks     # per-notebook times and memory only
    ./course bench --markdown           # also print the README's "how long it takes" table

For each chapter: the headless execution time in a fresh kernel, the floor (a fresh
kernel running only the setup cell), their difference, and the kernel's peak
memory. Then the whole course under strict nbval, serially and with
`-n 2 --dist loadfile`, and the import overhead of course_utils over torch.
Results go to benchmarks/results/latest.json. This is a script, not a timed test:
timings depend on the machine.
"""
from __future__ import annotations

import argparse
import copy
import json
import platform
import statistics
import subprocess
import sys
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


def markdown(rows: list[dict]) -> str:
    lines = ["| chapter | headless run | floor (setup cell only) | over the floor | peak memory |",
             "|---|---|---|---|---|"]
    for row in rows:
        lines.append(f"| {row['notebook'].removesuffix('.ipynb')} | {row['seconds']:.1f} s | {row['floor']:.1f} s | "
                     f"+{row['over_floor']:.1f} s | {row['peak_mib']} MiB |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["notebooks", "course", "import"], help="run one part only")
    parser.add_argument("--repeat", type=int, default=1, help="runs per notebook (the minimum is kept)")
    parser.add_argument("--markdown", action="store_true", help="print the README table")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "latest.json")
    args = parser.parse_args()
    result: dict = {"machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count(),
                                "platform": platform.platform()}}
    if args.only in (None, "import"):
        result["import"] = bench_import()
    if args.only in (None, "notebooks"):
        result["notebooks"] = bench_notebooks(args.repeat)
    if args.only in (None, "course"):
        result["course"] = bench_course()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    if args.markdown and "notebooks" in result:
        print()
        print(markdown(result["notebooks"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
