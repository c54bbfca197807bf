"""How fast the backward step-through records and draws (issue #18's goals: 50 nodes in < 50 ms, a frame in < 200 ms).

    .venv/bin/python benchmarks/stepthrough_bench.py            # prints the figures
    .venv/bin/python benchmarks/stepthrough_bench.py --json     # one JSON line, for ./course bench

A graph of exactly 50 nodes (3 leaves used, 47 operations, reused values) is rebuilt for every run;
only ``backward_steps`` is timed. A frame is ``draw_backward_step`` on a fresh figure, rendered
by Agg (what the Play button shows), and the same frame encoded as PNG. Medians of several runs.
This is a script, not a timed test: timings depend on the machine and on what else runs on it.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def graph_of_50_nodes():
    import torch

    leaves = {name: torch.tensor(value, requires_grad=True) for name, value in
              zip("abcd", (0.5, -1.0, 2.0, 0.25))}
    a, b, c, d = leaves.values()
    values = [a, b, c, d]
    for k in range(47):  # c stays unused; each operation reuses the latest value and one earlier value
        latest, earlier = values[-1], values[k % len(values)]
        values.append([lambda: latest * earlier, lambda: latest + earlier, lambda: torch.tanh(latest)][k % 3]())
    return values[-1], leaves


def median_ms(function, runs: int, clock=time.perf_counter) -> float:
    times = []
    for _ in range(runs):
        start = clock()
        function()
        times.append((clock() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON line instead of text")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    import io

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    import course_utils
    from course_utils.graph import walk_graph
    from course_utils.plots.backward import draw_backward_step

    course_utils.plots.set_style()
    output, leaves = graph_of_50_nodes()
    nodes = len(walk_graph(output, leaves))
    assert nodes == 50, nodes

    def record():
        out, names = graph_of_50_nodes()
        start = time.perf_counter()
        course_utils.backward_steps(out, names)
        return time.perf_counter() - start

    record()  # the first call pays for imports
    record_ms = statistics.median(record() * 1000 for _ in range(args.runs))
    steps = course_utils.backward_steps(*graph_of_50_nodes())
    middle = len(steps) // 2

    def draw():  # build the frame's artists and render them (what a figure on screen costs)
        FigureCanvasAgg(draw_backward_step(steps, middle).figure).draw()

    def png():  # the same, encoded as the PNG that the Play button's image shows
        draw_backward_step(steps, middle).figure.savefig(io.BytesIO(), format="png", dpi=100)

    draw()
    runs = max(3, args.runs // 3)
    result = {"nodes": nodes, "steps": len(steps), "record_ms": round(record_ms, 1),
              "frame_draw_ms": round(median_ms(draw, runs), 1), "frame_png_ms": round(median_ms(png, runs), 1),
              "frame_draw_cpu_ms": round(median_ms(draw, runs, time.process_time), 1),
              "goals": {"record_ms": 50, "frame_ms": 200}}
    if args.json:
        print(json.dumps(result))
        return
    print(f"backward_steps on a graph of {nodes} nodes: {record_ms:.1f} ms (goal < 50 ms)")
    print(f"one frame of it drawn (Agg): {result['frame_draw_ms']:.1f} ms wall, {result['frame_draw_cpu_ms']:.1f} ms "
          f"CPU; drawn and encoded as PNG: {result['frame_png_ms']:.1f} ms (goal < 200 ms)")


if __name__ == "__main__":
    main()
