"""The learner edition, run without answers (chapters 01-07): exercises stop clearly, all else prints as stored."""
from __future__ import annotations

import pytest

from coursetools.notebooks import chapter_notebooks
from tests.learner_runs import problems_running

CHAPTERS = [p for p in chapter_notebooks() if int(p.name[:2]) <= 7]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_learner_notebook_runs_like_the_solution(path) -> None:
    assert problems_running(path) == []
