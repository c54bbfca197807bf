"""One look for every figure: a colour-blind-safe palette and text readable on a projector.

Introduced in every chapter's setup cell (``course_utils.start_chapter`` calls it).
"""
from __future__ import annotations

# seaborn's "colorblind" palette (after Wong, Nature Methods 2011), spelled out so
# helpers can use a colour without importing seaborn.
PALETTE = ["#0173b2", "#de8f05", "#029e73", "#d55e00", "#cc78bc", "#ca9161", "#fbafe4", "#949494",
           "#ece133", "#56b4e9"]


def set_style(font_scale: float = 1.2) -> None:
    """Apply the course style to matplotlib: seaborn's whitegrid, colour-blind palette, large fonts.

    Matplotlib ships seaborn's style sheets, so this needs no ``import seaborn``
    (which pulls in SciPy and costs two seconds at the start of every chapter).

    >>> set_style()
    """
    if isinstance(font_scale, bool) or not isinstance(font_scale, (int, float)) or font_scale <= 0:
        raise ValueError(f"font_scale must be a positive number, got {font_scale!r}")
    import matplotlib as mpl
    import matplotlib.style
    from cycler import cycler

    mpl.style.use("seaborn-v0_8-whitegrid")
    base = 10.0 * font_scale
    mpl.rcParams.update({
        "axes.prop_cycle": cycler(color=PALETTE),
        "font.size": base, "axes.titlesize": base * 1.15, "axes.labelsize": base,
        "xtick.labelsize": base * 0.9, "ytick.labelsize": base * 0.9, "legend.fontsize": base * 0.9,
        "figure.figsize": (6.0, 4.0), "figure.dpi": 100, "axes.titleweight": "bold",
    })
