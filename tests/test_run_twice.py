"""'Run All' twice in one kernel: no error in the second pass and the same outputs as the first."""
from __future__ import annotations

import pytest

from coursetools.notebooks import chapter_notebooks, run_twice


@pytest.mark.parametrize("path", chapter_notebooks(), ids=lambda p: p.name)
def test_run_all_twice_gives_the_same_results(path) -> None:
    assert run_twice(path) == []
