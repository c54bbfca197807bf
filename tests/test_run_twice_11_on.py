"""'Run All' twice in one kernel (chapters 11 onwards): no error in the second pass, the same outputs as the first.

The chapters are split over three files so that pytest-xdist (--dist loadfile) can share them out.
"""
from __future__ import annotations

import pytest

from coursetools.notebooks import chapter_notebooks, run_twice

CHAPTERS = [p for p in chapter_notebooks() if 11 <= int(p.name[:2]) <= 99]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_run_all_twice_gives_the_same_results(path) -> None:
    assert run_twice(path) == []
