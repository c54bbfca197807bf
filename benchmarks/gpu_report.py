"""Execute every chapter on CUDA and compare its sanitized outputs with the stored CPU ones.

    python benchmarks/gpu_report.py            # all chapters; exit 1 if any output differs
    python benchmarks/gpu_report.py notebooks/07_*.ipynb

The stored outputs were produced on the CPU. On a GPU machine each notebook is run
in a fresh kernel with COURSE_DEVICE=cuda (nothing is written back), and every code
cell's output is compared after the nbval sanitize rules. Where no GPU is present
the script says so and exits 0 without running anything.
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coursetools.notebooks import chapter_notebooks, execute  # noqa: E402
from coursetools.sanitize import cell_text  # noqa: E402


def compare(path: Path) -> list[str]:
    import nbformat

    stored = nbformat.read(path, as_version=4)
    fresh = execute(path, write=False)
    differences = []
    for index, (old, new) in enumerate(zip(stored.cells, fresh.cells)):
        if old.cell_type == "code" and cell_text(old) != cell_text(new):
            differences.append(f"  cell {index}:\n    CPU : {cell_text(old)[:300]!r}\n"
                               f"    CUDA: {cell_text(new)[:300]!r}")
    return differences


def main(argv: list[str]) -> int:
    import torch

    if not torch.cuda.is_available():
        print("No GPU available on this machine (torch.cuda.is_available() is False): nothing was run.")
        return 0
    os.environ["COURSE_DEVICE"] = "cuda"
    paths = [Path(a).resolve() for a in argv] or chapter_notebooks()
    report, failed = {"device": torch.cuda.get_device_name(0), "torch": torch.__version__, "notebooks": {}}, 0
    print(f"Executing {len(paths)} notebooks on {report['device']} (torch {torch.__version__})")
    for path in paths:
        start = time.perf_counter()
        try:
            differences = compare(path)
        except Exception as exc:  # an error on CUDA is a finding, not a crash of the report
            differences = [f"  execution failed: {type(exc).__name__}: {str(exc)[:500]}"]
        seconds = time.perf_counter() - start
        status = "same as CPU" if not differences else f"{len(differences)} difference(s)"
        print(f"{path.name:<44} {seconds:6.1f} s  {status}")
        for line in differences:
            print(line)
        report["notebooks"][path.name] = {"seconds": round(seconds, 1), "differences": differences}
        failed += bool(differences)
    out = ROOT / "benchmarks" / "results" / "gpu_report.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"{len(paths) - failed} of {len(paths)} notebooks give the same outputs on CUDA as stored from the CPU")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
