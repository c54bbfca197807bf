"""The backward pass, step by step, drawn on the graph of ``draw_graph``.

Introduced in chapter 02 (e = (a·b)·d); used again in 03, 04 and 14. Each frame is the graph
after one step of :func:`course_utils.backward_steps`: the node that just ran has a thick orange
border, nodes still waiting are pale, every edge a gradient has already travelled carries its
value, and each leaf shows its ``.grad`` as torch holds it at that moment. In a live front end a
Play button and a slider step through the frames; headless (nbval, the site) a filmstrip of a few
frames is shown and the steps are printed as a table, so the stored output holds the numbers.
"""
from __future__ import annotations

from typing import Any, Sequence

from course_utils.environment import is_live_frontend
from course_utils.graph import GraphNode
from course_utils.plots.style import PALETTE
from course_utils.stepthrough import BackwardSteps, number_text

CURRENT = PALETTE[3]  # vermillion: the node that runs in this frame


def graph_layout(graph: Sequence[GraphNode]) -> tuple[dict[int, tuple[float, float]], int, int]:
    """Positions of walk_graph's nodes: one row per depth, centred, the root on top (as in ``draw_graph``).

    Returns ``(position, width, depth)``: x, y per node index, the widest row and the deepest row.

    >>> import torch; from course_utils.graph import walk_graph
    >>> x = torch.ones(2, requires_grad=True)
    >>> graph_layout(walk_graph((5 * x).sum(), {"x": x}))
    ({0: (0.0, 0.0), 1: (0.0, -1.0), 2: (0.0, -2.0)}, 1, 2)
    """
    layers: dict[int, list[int]] = {}
    for node in graph:
        layers.setdefault(node.depth, []).append(node.index)
    position = {index: (slot - (len(members) - 1) / 2, float(-depth))
                for depth, members in layers.items() for slot, index in enumerate(members)}
    return position, max(len(members) for members in layers.values()), max(layers)


TITLE_SPACE = 0.4  # inches above each frame for its title


def draw_backward_step(steps: BackwardSteps, after: int, ax: Any = None, fontsize: float = 12) -> Any:
    """Draw the graph after the first ``after`` steps (0: before backward runs) and return the Axes.

    >>> import torch, course_utils
    >>> a, b = torch.tensor(2.0, requires_grad=True), torch.tensor(3.0, requires_grad=True)
    >>> ax = draw_backward_step(course_utils.backward_steps(a * b, {"a": a, "b": b}), after=2)
    >>> ax.get_title(loc="left")
    'step 2 of 3: AccumulateGrad → a'
    """
    from matplotlib.patches import FancyArrowPatch

    if not 0 <= after <= len(steps):
        raise ValueError(f"after must be between 0 and {len(steps)} (the number of steps), got {after}")
    position, width, depth = graph_layout(steps.graph)
    fontsize *= _font_scale(width, depth)
    if ax is None:
        from matplotlib.figure import Figure

        frame_w, frame_h = _frame_size(width, depth)
        ax = Figure(figsize=(frame_w, frame_h + TITLE_SPACE)).add_axes(
            (0.0, 0.0, 1.0, frame_h / (frame_h + TITLE_SPACE)))
    ax.set_xlim(-width / 2 - 0.1, width / 2 + 0.1)
    ax.set_ylim(-depth - 0.55, 0.5)
    box = ax.get_position()  # points per unit of x and y, to end arrows at the boxes' edges
    scale = (box.width * ax.figure.get_figwidth() * 72 / (width + 0.2),
             box.height * ax.figure.get_figheight() * 72 / (depth + 1.05))
    ran = {s.node: s for s in steps.steps[:after]}
    current = steps[after - 1].node if after else None
    grads = steps.leaf_grads(after)
    texts = {n.index: steps.labels[n.index] + (f"\ngrad = {number_text(grads[n.index])}" if n.is_leaf else "")
             for n in steps.graph}
    for node in steps.graph:
        waiting, now = node.index not in ran, node.index == current
        ax.text(*position[node.index], texts[node.index], ha="center", va="center", fontsize=fontsize, zorder=3,
                alpha=0.45 if waiting else 1.0, bbox=dict(
                    boxstyle="round,pad=0.4", facecolor=PALETTE[1] if node.is_leaf else PALETTE[9],
                    alpha=0.3 if waiting else 0.9, edgecolor=CURRENT if now else "#333333",
                    linewidth=3.0 if now else 1.0))
        sent = ran[node.index].sends if node.index in ran else ()
        for child in dict.fromkeys(node.children):  # one arrow per pair, even for a * a
            values = [number_text(g) for target, g in sent if target == child]
            (x0, y0), (x1, y1) = position[node.index], position[child]
            dx, dy = (x1 - x0) * scale[0], (y1 - y0) * scale[1]  # in points
            bend = _bend(texts, position, node.index, child, (dx * dx + dy * dy) ** 0.5, fontsize)
            # start and end on the boxes' edges, leaving towards arc3's control point, bend·(dy, −dx) off the middle
            start = _step_out(position[node.index], texts[node.index], dx / 2 + bend * dy, dy / 2 - bend * dx,
                              fontsize, scale, 0)
            end = _step_out(position[child], texts[child], -(dx / 2 - bend * dy), -(dy / 2 + bend * dx),
                            fontsize, scale, 2)
            ax.add_artist(FancyArrowPatch(  # add_artist, not add_patch: the limits are fixed, skip recomputing them
                start, end, arrowstyle="-|>", mutation_scale=fontsize * 1.2, shrinkA=0, shrinkB=0, zorder=2,
                color="#333333" if values else "#bbbbbb", lw=2.0 if values else 1.2,
                connectionstyle=f"arc3,rad={bend}"))
            if values:  # halfway along the arrow: the curve passes half the bend beside the midpoint
                sdx, sdy = (end[0] - start[0]) * scale[0], (end[1] - start[1]) * scale[1]
                ax.text((start[0] + end[0]) / 2 + (0.5 * bend * sdy + (4 if bend else 0)) / scale[0],
                        (start[1] + end[1]) / 2 - 0.5 * bend * sdx / scale[1], " + ".join(values),
                        ha="left" if bend else "center", va="center", fontsize=fontsize * 0.95, zorder=4,
                        color=CURRENT if node.index == current else "#222222",
                        bbox=dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor="none"))
    ax.axis("off")
    title = "before backward()" if not after else f"step {after} of {len(steps)}: {steps[after - 1].label}"
    ax.set_title(title, fontsize=fontsize, loc="left", pad=4)
    return ax


def _half_box(text: str, fontsize: float) -> tuple[float, float]:
    """Half the width and height of a node's box, in points (DejaVu Sans is about 0.6 em a character)."""
    lines = text.split("\n")
    pad = 0.4 * fontsize
    return max(map(len, lines)) * 0.3 * fontsize + pad, len(lines) * 0.6 * fontsize + pad


def _step_out(centre: tuple[float, float], text: str, dx: float, dy: float, fontsize: float,
              scale: tuple[float, float], margin: float) -> tuple[float, float]:
    """The point where a line from a box's centre in direction (dx, dy) points leaves the box (data units)."""
    half_w, half_h = _half_box(text, fontsize)
    length = (dx * dx + dy * dy) ** 0.5 or 1.0
    reach = min(half_w * length / (abs(dx) or 1e-9), half_h * length / (abs(dy) or 1e-9)) + margin
    return centre[0] + dx / length * reach / scale[0], centre[1] + dy / length * reach / scale[1]


def _bend(texts: dict[int, str], position: dict, start: int, end: int, chord: float, fontsize: float) -> float:
    """0 for an edge between neighbouring rows; else arc3's rad that curves it clear of the boxes between."""
    y0, y1 = position[start][1], position[end][1]
    if y0 - y1 <= 1:
        return 0.0
    between = [i for i, (x, y) in position.items() if y1 < y < y0]
    half = max(_half_box(texts[i], fontsize)[0] for i in between)
    return -min(1.2, 2 * (half + 8) / chord)


def _frame_size(width: int, depth: int) -> tuple[float, float]:
    """Inches for one frame's graph: room for the course's small graphs, capped so that a big one stays one screen."""
    return min(12.0, max(3.8, 1.9 * width)), min(9.0, 0.95 * depth + 1.1)


def _font_scale(width: int, depth: int) -> float:
    """Below 1 where _frame_size was capped: a big graph gets smaller text rather than a huge image."""
    return min(1.0, 12.0 / max(3.8, 1.9 * width), 9.0 / (0.95 * depth + 1.1))


LEGEND = "thick orange border: the node that runs in that step · pale: not run yet · on the arrows: the gradient sent"


def backward_filmstrip(steps: BackwardSteps, frames: Sequence[int] | None = None, columns: int | None = None) -> Any:
    """A figure of several frames, left to right and then down; by default every step (at most six).

    >>> import torch, course_utils
    >>> x = torch.tensor(3.0, requires_grad=True)
    >>> fig = backward_filmstrip(course_utils.backward_steps(x * x + x, {"x": x}))
    >>> [ax.get_title(loc="left") for ax in fig.axes]
    ['step 1 of 3: AddBackward0', 'step 2 of 3: MulBackward0', 'step 3 of 3: AccumulateGrad → x']
    """
    from matplotlib.figure import Figure

    n = len(steps)
    if frames is None:
        frames = list(range(1, n + 1)) if n <= 6 else sorted({round(1 + k * (n - 1) / 5) for k in range(6)})
    frames = list(frames)
    if not frames or any(not isinstance(k, int) or not 0 <= k <= n for k in frames):
        raise ValueError(f"frames must be step numbers between 0 and {n}, got {frames}")
    _, width, depth = graph_layout(steps.graph)
    frame_w, frame_h = _frame_size(width, depth)
    columns = columns or (2 if frame_w <= 4.2 and len(frames) > 1 else 1)
    rows = -(-len(frames) // columns)
    gap, legend = 0.25, 0.35  # inches between frames, and for the legend line at the bottom
    cell_w, cell_h = frame_w + gap, frame_h + TITLE_SPACE
    fig_w, fig_h = cell_w * columns - gap, cell_h * rows + legend
    fig = Figure(figsize=(fig_w, fig_h))
    for k, step in enumerate(frames):
        row, column = divmod(k, columns)
        left, bottom = column * cell_w, fig_h - (row + 1) * cell_h
        ax = fig.add_axes((left / fig_w, bottom / fig_h, frame_w / fig_w, frame_h / fig_h))
        draw_backward_step(steps, step, ax=ax)
    fig.text(0.5, 0.1 / fig_h, LEGEND, ha="center", va="bottom", fontsize=10, color="#444444")
    return fig


def show_backward(steps: BackwardSteps, frames: Sequence[int] | None = None, live: bool | None = None) -> None:
    """Show the backward pass: Play button and slider when someone watches, else a filmstrip and the table.

    ``frames`` chooses the steps of the filmstrip (see :func:`backward_filmstrip`); ``live``
    overrides :func:`course_utils.is_live_frontend`. Prints the steps table in both cases.
    """
    if not isinstance(steps, BackwardSteps):
        raise TypeError("show_backward expects what course_utils.backward_steps(result, names) returns, "
                        f"not a {type(steps).__name__}")
    from IPython.display import display

    from course_utils.plots._display import display_figure

    if is_live_frontend() if live is None else live:
        display(_player(steps))
    else:
        display_figure(backward_filmstrip(steps, frames))
    print(steps.table())


def _player(steps: BackwardSteps) -> Any:
    """Play + slider (ipywidgets) over one frame image, drawn on demand and kept."""
    import io

    import ipywidgets as widgets  # type: ignore[import-untyped]

    cache: dict[int, bytes] = {}

    def frame(k: int) -> bytes:
        if k not in cache:
            figure = draw_backward_step(steps, k).figure
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png", dpi=100)
            cache[k] = buffer.getvalue()
        return cache[k]

    play = widgets.Play(value=0, min=0, max=len(steps), interval=1200, description="Play")
    slider = widgets.IntSlider(value=0, min=0, max=len(steps), description="step")
    widgets.jslink((play, "value"), (slider, "value"))
    image = widgets.Image(value=frame(0), format="png")
    slider.observe(lambda change: setattr(image, "value", frame(change["new"])), names="value")
    return widgets.VBox([widgets.HBox([play, slider]), image])
