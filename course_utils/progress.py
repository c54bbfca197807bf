"""Progress bars for loops that take more than a second, silent when nobody is watching.

A console bar prints a speed that changes every run, which breaks the stored
outputs; so when the notebook runs headless the bar is disabled entirely.
"""
from __future__ import annotations

from typing import Any, Iterable

from course_utils.environment import is_live_frontend


def progress(iterable: Iterable[Any], desc: str | None = None, total: int | None = None, **kwargs: Any) -> Any:
    """Wrap ``iterable`` in a ``tqdm.auto`` bar in a live notebook; a silent pass-through otherwise.

    >>> sum(progress(range(3), desc="demo"))
    3
    """
    from tqdm.auto import tqdm

    return tqdm(iterable, desc=desc, total=total, disable=not is_live_frontend(), **kwargs)
