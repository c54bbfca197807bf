"""The Jacobian as a heat-map, next to the rows that one backward pass each delivered.

Introduced in chapter 03 (backward() is a vector-Jacobian product): ``backward(v)`` with a
one-hot ``v = e_i`` gives row ``i`` of the Jacobian, so stacking one vector-Jacobian product
per output entry rebuilds the whole matrix. The left panel shows those rows apart, each labelled
with the backward pass that produced it; the right panel shows the assembled matrix. Both use
one diverging colour scale centred on 0, and every cell also prints its value, so the picture
reads the same in grey print and for colour-blind readers.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

CMAP = "RdBu_r"  # blue for negative, white for 0, red for positive; a colour-blind-safe diverging map


def _matrix(values: Any, name: str) -> np.ndarray:
    try:
        import torch

        if isinstance(values, torch.Tensor):
            values = values.detach().to("cpu").double().numpy()
        elif isinstance(values, (list, tuple)) and values and isinstance(values[0], torch.Tensor):
            values = [v.detach().to("cpu").double().numpy() for v in values]
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be numbers (a tensor, an array or a list), got {type(values).__name__}: "
                        f"{exc}") from None
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2 or array.size == 0:
        raise ValueError(f"{name} must be a matrix (one row per output entry), got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} holds NaN or infinity")
    return array


def _label(value: float) -> str:
    return "0" if value == 0 else f"{value:.4g}"


def _annotate(ax: Any, values: np.ndarray, rows: Sequence[float], limit: float) -> None:
    for i, y in enumerate(rows):
        for j, value in enumerate(values[i]):
            strong = abs(value) > 0.6 * limit
            ax.text(j, y, _label(value), ha="center", va="center", fontsize=10,
                    color="white" if strong else "black")


def plot_jacobian(jacobian: Any, rows: Any = None, input_name: str = "x", output_name: str = "y",
                  title: str | None = None) -> Any:
    """Draw ``jacobian`` (m × n) as a heat-map; with ``rows``, also the m backward passes that built it.

    ``rows`` holds what each ``backward(e_i)`` left in ``x.grad`` (a list of tensors, or a matrix),
    one per output entry. Returns the matplotlib Figure: its last axes is the Jacobian, the one
    before it (when ``rows`` is given) the rows, and the colour bar comes last.

    >>> fig = plot_jacobian([[2.0, 0.0], [0.0, 4.0]], rows=[[2.0, 0.0], [0.0, 4.0]], input_name="x", output_name="w")
    >>> [ax.get_title() for ax in fig.axes[:2]]
    ['one backward pass per row', 'the Jacobian J = dw/dx']
    """
    import matplotlib.pyplot as plt

    J = _matrix(jacobian, "jacobian")
    m, n = J.shape
    built = None if rows is None else _matrix(rows, "rows")
    if built is not None and built.shape != J.shape:
        raise ValueError(f"rows has shape {built.shape}, but the Jacobian has shape {J.shape}: one row of "
                         f"{n} numbers per output entry")
    limit = float(max(np.abs(J).max(), 0.0 if built is None else np.abs(built).max())) or 1.0
    style = dict(cmap=CMAP, vmin=-limit, vmax=limit)
    panels = 1 if built is None else 2
    size = (1.6 + 0.75 * n) * panels + 1.2, 1.4 + 0.62 * m + (0.45 if built is not None else 0)
    fig, axes = plt.subplots(1, panels, figsize=size, squeeze=False,
                             gridspec_kw={"wspace": 0.55} if panels == 2 else None)
    columns = [f"{input_name}[{j}]" for j in range(n)]

    if built is not None:
        ax = axes[0, 0]
        gap = 0.25  # white space between the rows: each one is a backward pass of its own
        centres = [i * (1 + gap) for i in range(m)]
        for i, y in enumerate(centres):
            image = ax.imshow(built[i:i + 1], extent=(-0.5, n - 0.5, y + 0.5, y - 0.5), **style)
        ax.set_xlim(-0.5, n - 0.5)
        ax.set_ylim(centres[-1] + 0.5, -0.5)
        ax.set_aspect("auto")
        _annotate(ax, built, centres, limit)
        ax.set_yticks(centres, [f"backward(e{i}) → row {i}" for i in range(m)])
        ax.set_xticks(range(n), columns)
        ax.set_xlabel(f"{input_name}.grad after each pass")
        ax.set_title("one backward pass per row")
        ax.grid(False)

    ax = axes[0, -1]
    image = ax.imshow(J, aspect="auto", **style)
    _annotate(ax, J, range(m), limit)
    ax.set_xticks(range(n), columns)
    ax.set_yticks(range(m), [f"{output_name}[{i}]" for i in range(m)])
    ax.set_xlabel(f"input {input_name}[j] (column)")
    ax.set_ylabel(f"output {output_name}[i] (row)")
    ax.set_title(f"the Jacobian J = d{output_name}/d{input_name}")
    ax.grid(False)
    fig.colorbar(image, ax=list(axes[0]), shrink=0.8, label="derivative")
    if title:
        fig.suptitle(title)
    return fig
