"""Each cell run twice in a row, then 'Run All' again, in one kernel (chapters in this file's range).

The chapters are split over three files so that pytest-xdist (--dist loadfile) can share them out.
"""
from __future__ import annotations

import pytest

from coursetools.notebooks import chapter_notebooks, run_again

CHAPTERS = [p for p in chapter_notebooks() if 11 <= int(p.name[:2]) <= 99]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_each_cell_twice_then_run_all_again(path) -> None:
    assert run_again(path) == []
