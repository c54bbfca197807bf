"""The README lists every chapter with working links, and its commands exist."""
from __future__ import annotations

import re

from coursetools.notebooks import ROOT, chapter_notebooks
from coursetools.setup_cell import colab_url

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_chapter_has_a_row_with_both_editions_and_a_guide() -> None:
    for path in chapter_notebooks():
        stem = path.stem
        assert f"(notebooks/{stem}.ipynb)" in README, f"README's table lacks {stem}"
        assert colab_url(f"notebooks/{stem}.ipynb") in README
        assert colab_url(f"notebooks/learner/{stem}.ipynb") in README
        assert f"(notebooks/instructor/{stem}.md)" in README


def test_local_links_resolve() -> None:
    for target in re.findall(r"\]\(((?!https?://)[^)#]+)\)", README):
        assert (ROOT / target).exists(), f"README links to {target}, which does not exist"


def test_instructor_guides_exist_for_every_chapter() -> None:
    for path in chapter_notebooks():
        guide = ROOT / "notebooks" / "instructor" / f"{path.stem}.md"
        assert guide.is_file(), f"missing instructor guide {guide.relative_to(ROOT)}"
        text = guide.read_text(encoding="utf-8")
        assert "Timing plan" in text or "timing" in text.lower()


def test_two_commands_are_the_documented_ones() -> None:
    assert "./course lab" in README and "./course test" in README
    script = (ROOT / "course").read_text()
    assert "lab)" in script and "test)" in script
    ci = (ROOT / ".ci" / "run").read_text()
    assert "./course test" in ci
