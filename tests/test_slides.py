"""The slides without a browser: the slide rule on every chapter, the speaker notes, the figures' alt texts, the build.

The rule (coursetools/slide_rule.py) is written into each notebook's ``metadata.slideshow.slide_type`` by
``python -m coursetools.slides stamp``; a chapter whose cells were added or changed since fails here, and the
message names that command. The real-browser tests of the decks are in tests/test_browser_slides.py.
"""
from __future__ import annotations

import copy
import re

import nbformat
import pytest

from coursetools import slide_rule, slides, speaker_notes
from coursetools.notebooks import ROOT, chapter_notebooks

CHAPTERS = chapter_notebooks()
IDS = [p.stem for p in CHAPTERS]
FIX = "python -m coursetools.slides stamp"


def read(path):
    return nbformat.read(path, as_version=4)


def md(source: str, **metadata):
    cell = nbformat.v4.new_markdown_cell(source)
    cell.metadata.update(metadata)
    return cell


def code(source: str, text: str = "", **metadata):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata.update(metadata)
    if text:
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
    return cell


# ---------------------------------------------------------------------------------------------------
# The rule

@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_every_chapter_follows_the_slide_rule(path) -> None:
    diffs = slide_rule.differences(read(path).cells)
    shown = "\n".join(f"  cell {i}: stored {stored!r}, the rule says {rule.slide_type!r} ({rule.why})"
                      for i, stored, rule in diffs[:8])
    assert not diffs, (f"{path.name}: {len(diffs)} cells' slide metadata does not follow the slide rule:\n{shown}\n"
                       f"Fix it with: {FIX} notebooks/{path.name}")


def small_notebook():
    return [
        md("# 99 · A chapter\n\n[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](x)"),
        code("# Setup (the same in every chapter)\nimport torch", "Python 3.11 | torch 2.13.0 | device cpu\n"),
        md("## What you will learn\n\n- one thing"),
        md("## A section\n\nA question?"),
        code("x = 1\nprint(x)", "1\n"),
        md("The output shows 1.\n\n```python\n## not a heading, a comment in a fence\n```"),
        md("### A smaller part\n\nText."),
        md("## Exercises"),
        md("### Exercise 99.1: a task\n\nDo it."),
        code("### BEGIN SOLUTION\nanswer = 1\n### END SOLUTION\ncheck('x.y', answer)", "Correct: x.y\n"),
        md("## Summary\n\n- done"),
    ]


def test_the_rule_on_a_small_notebook() -> None:
    assert slide_rule.expected_types(small_notebook()) == [
        "slide",      # the title
        "subslide",   # the setup cell, below the title
        "slide", "slide", "-",
        "-",          # a "## " inside fenced code is no heading
        "subslide",   # ###
        "slide", "slide",
        "fragment",   # the exercise's solution shows on a key press
        "slide",
    ]


def test_a_tall_slide_is_continued_on_a_subslide_with_its_question() -> None:
    long_code = "\n".join(f"y{i} = {i}" for i in range(12))
    cells = [md("# 99 · Title"), code("import torch"), md("## A long section\n\nIntro."),
             code(long_code, "\n".join(str(i) for i in range(4)) + "\n"), md("What comes next?"),
             code(long_code), md("It printed nothing.")]
    types = slide_rule.expected_types(cells)
    assert types[:4] == ["slide", "subslide", "slide", "-"]
    assert types[4] == "subslide", "the question should start the sub-slide together with its code"
    assert types[5] == "-"
    heights = [slide_rule.cell_height(c) for c in cells]
    assert sum(heights[2:5]) <= slide_rule.BUDGET < sum(heights[2:6])


def test_a_new_cell_without_metadata_is_caught_and_stamping_fixes_it() -> None:
    path = next(p for p in CHAPTERS if p.stem.startswith("12_"))
    nb = read(path)
    assert not slide_rule.differences(nb.cells), f"run {FIX} {path.name} first"
    position = next(i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and i > 5)
    nb.cells.insert(position, md("## A section someone added\n\nWith a question."))
    diffs = slide_rule.differences(nb.cells)
    assert [(i, stored) for i, stored, _ in diffs][:1] == [(position, None)]
    slide_rule.apply(nb.cells)
    assert not slide_rule.differences(nb.cells)


def test_the_deck_splits_a_cell_at_its_heading() -> None:
    nb = nbformat.v4.new_notebook(cells=small_notebook())
    nb.cells[5] = md("The output shows 1.\n\n## The next section\n\nMore.")
    slide_rule.apply(nb.cells)
    assert slide_rule.stored_type(nb.cells[5]) == "slide"  # live RISE starts the slide at the cell
    cells = slides.deck_cells(nb, warn=None)
    sources = [(slide_rule.source_of(c).split("\n")[0], kind) for c, kind in cells]
    assert ("The output shows 1.", "-") in sources       # the reading text stays with its output
    assert ("## The next section", "slide") in sources
    assert "colab-badge" not in slide_rule.source_of(cells[0][0])  # no remote badges in an offline deck


# ---------------------------------------------------------------------------------------------------
# Speaker notes from the instructor guides

@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_every_guide_keeps_the_headings_the_notes_need(path) -> None:
    guide_file = slides.guide_path(path)
    assert guide_file.is_file(), f"{path.name} has no instructor guide at {guide_file.relative_to(ROOT)}"
    guide = speaker_notes.parse_guide(guide_file, slides.chapter_number(path))
    kinds = {item.kind for item in guide.items}
    for kind in ("objectives", "timing", "misconception", "question", "note", "session"):
        headings = [s.pattern for k, s in speaker_notes.SECTION_KINDS]
        assert kind in kinds, (f"{guide_file.name}: no {speaker_notes.LABELS[kind]!r} section (the slides' speaker "
                               f"notes read the guide's headings: {headings})")
    assert len([i for i in guide.items if i.kind == "timing"]) >= 4, f"{guide_file.name}: the timing plan has no rows"


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_every_guide_item_lands_on_a_slide(path) -> None:
    deck, placement = slides.build_deck(path, warn=None)
    guide = speaker_notes.parse_guide(slides.guide_path(path), slides.chapter_number(path))
    assert [item for item, _, _ in placement] == guide.items, "an item of the guide was dropped"
    notes = [slide_rule.source_of(c) for c in deck.cells if slide_rule.stored_type(c) == "notes"]
    text = "\n".join(notes)
    for item in guide.items:
        assert item.text[:40] in text, f"not in the speaker notes: {item.text[:60]!r}"
    for item, slide, _ in placement:
        if item.exercises and item.kind != "timing" and slide.exercise:
            assert slide.exercise in item.exercises


def test_chapter_12s_notes_sit_on_the_slides_they_belong_to() -> None:
    path = next(p for p in CHAPTERS if p.stem.startswith("12_"))
    _, placement = slides.build_deck(path, warn=None)

    def slide_of(fragment: str) -> str:
        found = [slide.heading for item, slide, _ in placement if fragment in item.text]
        assert found, fragment
        return found[0]

    assert slide_of("Learners can") == "12 · Hooks"                     # objectives on the title slide
    assert slide_of("Module forward / backward hooks").startswith("Module hooks")
    assert slide_of("Gradient-norm logger") == "A per-layer gradient-norm logger"
    assert slide_of("a hook that zeroes NaN").startswith("Exercise 12.1")
    assert slide_of("Registering again replaces").startswith("Exercise 12.2")
    assert slide_of("grad_input` is the gradient of the layer").startswith("Module hooks")
    assert slide_of("When is a full backward hook").startswith("Module hooks")
    assert slide_of("Grade them all at once") == "Exercises"            # "In a session" with the exercises


# ---------------------------------------------------------------------------------------------------
# Alt texts of the figures (the site shows them through myst-nb, the decks through their template)

GENERIC = re.compile(r"^(a |the )?(figure|image|plot|picture|graph|chart)\.?$", re.I)


def alt_of(cell) -> str:
    return ((cell.metadata.get("mystnb", {}) or {}).get("image", {}) or {}).get("alt", "")


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_every_figure_has_an_alt_text_that_says_what_it_shows(path) -> None:
    problems = []
    for cell in read(path).cells:
        if not slides.image_outputs(cell):
            continue
        alt = alt_of(cell).strip()
        if len(alt.split()) < 12 or GENERIC.match(alt) or alt.startswith("<Figure") or alt.endswith(".png"):
            problems.append(f"cell {cell.get('id')}: alt text {alt[:60]!r}")
    assert not problems, (f"{path.name}: figures without an alt text that says what they show:\n  "
                          + "\n  ".join(problems) + f"\nLook at each figure (python -m coursetools.slides figures "
                          f"notebooks/{path.name} gives its cell id and hash), write what it shows in "
                          f"{slides.ALT_TEXTS.relative_to(ROOT)}, then run {FIX} notebooks/{path.name}")


def test_alt_texts_describe_the_figures_as_they_are_now() -> None:
    texts = slides.alt_texts()
    assert texts, f"{slides.ALT_TEXTS.relative_to(ROOT)} is empty"
    stale, missing = [], []
    by_stem = {p.stem: p for p in CHAPTERS}
    for stem, cells in texts.items():
        assert stem in by_stem, f"{slides.ALT_TEXTS.name} names a chapter that does not exist: {stem}"
        nb_cells = {c.get("id"): c for c in read(by_stem[stem]).cells}
        for cell_id, entry in cells.items():
            cell = nb_cells.get(cell_id)
            if cell is None or not slides.image_outputs(cell):
                missing.append(f"{stem} {cell_id}")
            elif slides.figure_hash(slides.image_outputs(cell)[0]) != entry["figure"]:
                stale.append(f"{stem} {cell_id}")
            elif alt_of(cell) != entry["alt"]:
                stale.append(f"{stem} {cell_id} (alt text not stamped)")
    assert not missing, f"alt texts for cells that no longer have a figure: {missing}"
    assert not stale, (f"figures changed since their alt text was written, or texts not stamped: {stale}. Look at "
                       f"each figure, update {slides.ALT_TEXTS.name} (python -m coursetools.slides figures NB prints "
                       f"the new hash), then run {FIX}")


# ---------------------------------------------------------------------------------------------------
# The build

def test_a_built_deck_is_offline_and_has_its_speaker_notes(tmp_path) -> None:
    path = next(p for p in CHAPTERS if p.stem.startswith("12_"))
    assert slides.main(["build", "--out", str(tmp_path), str(path)]) == 0
    html = (tmp_path / f"{path.stem}.html").read_text(encoding="utf-8")
    loaded = re.findall(r'<(?:script|link|img)\b[^>]*\b(?:src|href)="([^"]+)"', html)
    assert loaded and not [u for u in loaded if re.match(r"(https?:)?//", u)], \
        f"a deck loads from the network: {[u for u in loaded if '//' in u]}"
    for asset in ("_assets/reveal/dist/reveal.js", "_assets/reveal/plugin/notes/notes.js",
                  "_assets/reveal/dist/theme/white.css", "_assets/mathjax/tex-chtml.js"):
        assert (tmp_path / asset).is_file(), asset
    assets = ("_assets/reveal/dist/reveal.js", "_assets/reveal/plugin/notes/notes.js", "_assets/mathjax/tex-chtml.js")
    for used in assets:
        assert f'"{used}"' in html, f"the deck does not load {used}"
    assert html.count('<aside class="notes">') >= 8
    assert "Timing plan" in html and "Ask the room" in html and "Misconception" in html
    assert "$\\partial z/\\partial y = 3$" in html  # formulas left for MathJax to typeset
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert f'href="{path.stem}.html"' in index


def test_a_missing_reveal_package_is_named(monkeypatch) -> None:
    real = slides.importlib.util.find_spec
    monkeypatch.setattr(slides.importlib.util, "find_spec",
                        lambda name, *a: None if name == "sphinx_revealjs" else real(name, *a))
    with pytest.raises(slides.SlidesError, match="sphinx-revealjs"):
        slides.reveal_dir()


def test_an_unstamped_notebook_still_gives_a_deck_and_a_warning() -> None:
    path = next(p for p in CHAPTERS if p.stem.startswith("12_"))
    nb = read(path)
    for cell in nb.cells:
        cell.metadata.pop("slideshow", None)
    warnings = []
    types = slides.slide_types(copy.deepcopy(nb), path.name, warn=warnings.append)
    assert types == slide_rule.expected_types(nb.cells)
    assert warnings and FIX in warnings[0]
