"""Displaying a figure that pyplot does not own, so that a notebook stores its picture.

Helpers that update a figure in place build a bare ``matplotlib.figure.Figure`` (pyplot never
shows it behind their back). IPython's inline backend registers its PNG formatter only once
pyplot has drawn a figure of its own, so a bare Figure displayed as a chapter's first picture is
stored as the text ``<Figure ...>`` alone. :func:`display_figure` registers the inline backend's
PNG format first (``matplotlib_inline``'s public ``set_matplotlib_formats``, with the inline
backend's own ``bbox_inches="tight"``), so the picture is the same as pyplot's would be.
"""
from __future__ import annotations

from typing import Any


def display_figure(figure: Any, **kwargs: Any) -> Any:
    """``IPython.display.display(figure)``, with pyplot's backend chosen first so the PNG is produced.

    >>> from matplotlib.figure import Figure
    >>> handle = display_figure(Figure(), display_id=True)  # doctest: +ELLIPSIS
    Figure(...)
    """
    import matplotlib.pyplot as plt
    from IPython import get_ipython
    from IPython.display import display

    if get_ipython() is not None and "inline" in plt.get_backend():
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("png", bbox_inches="tight")
    return display(figure, **kwargs)
