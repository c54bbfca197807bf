"""A small table of facts drawn as a figure: rows of cases, columns of questions, yes/no cells in colour.

Introduced in chapter 04 (what resets ``.grad``) and used again in chapter 05 (which switch
stops tracking what). Yes and no are written as words as well as shaded, so the table reads the
same in grey print and for colour-blind readers, and the shades are neutral: a "no" is not wrong.
"""
from __future__ import annotations

from typing import Any, Sequence

from course_utils.plots.style import PALETTE

# Light blue for yes, light grey for no: facts, not verdicts (green and red would read as right and wrong).
YES, NO = "#d4e6f4", "#ececec"


def plot_table(rows: Sequence[str], columns: Sequence[str], cells: Sequence[Sequence[Any]],
               title: str | None = None, ax: Any = None, width: float = 7.0) -> Any:
    """Draw ``cells`` (one row of values per entry of ``rows``) with row and column labels; return the Axes.

    A cell that is ``True`` or ``False`` shows "yes" or "no" on a light blue or grey background
    (neutral colours: a "no" is a fact, not a fault); any other value is shown as text.

    >>> ax = plot_table(["zero_()", "= None"], ["grad is None after"], [[False], [True]], title="resets")
    >>> [t.get_text() for t in ax.tables[0].get_celld().values() if t.get_text().get_text() == "yes"][:1] != []
    True
    """
    import matplotlib.pyplot as plt

    rows, columns = list(rows), list(columns)
    if len(cells) != len(rows) or any(len(row) != len(columns) for row in cells):
        raise ValueError(f"cells must have {len(rows)} rows of {len(columns)} values each, got "
                         f"{[len(row) for row in cells]}")
    if ax is None:
        _, ax = plt.subplots(figsize=(width, 0.42 * (len(rows) + 1) + (0.3 if title else 0.1)))
    text = [["yes" if v is True else "no" if v is False else str(v) for v in row] for row in cells]
    colours = [[YES if v is True else NO if v is False else "white" for v in row] for row in cells]
    table = ax.table(cellText=text, cellColours=colours, rowLabels=rows, colLabels=columns,
                     cellLoc="center", rowLoc="right", loc="center")
    table.auto_set_font_size(False)
    table.set_fontsize(11)
    table.scale(1.0, 1.6)
    for (row, col), cell in table.get_celld().items():
        cell.set_edgecolor(PALETTE[7])
        if row == 0 or col == -1:
            cell.set_text_props(fontweight="bold")
    ax.axis("off")
    if title:
        ax.set_title(title)
    return ax
