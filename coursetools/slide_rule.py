"""The slide rule: where a chapter's slides begin, computed from the notebook itself.

Every chapter is presented from its one source notebook. The rule below decides each cell's
``metadata.slideshow.slide_type`` (the standard field that jupyterlab-rise and nbconvert's reveal.js
exporter read); ``python -m coursetools.slides stamp`` writes it into the notebooks, and
``tests/test_slides.py`` fails, naming that command, when a cell's stored type differs from the rule.

The rule, cell by cell, in order:

1. The title cell (the first cell) starts a slide.
2. The setup cell (the first code cell, the same in every chapter) starts a sub-slide below the title: live,
   the presenter runs it there first; the room sees the environment line (torch version, device).
3. A markdown cell with a ``##`` heading starts a slide, and so does one with a ``### Exercise`` heading
   (each exercise is a slide). A cell with another ``###`` heading starts a sub-slide (below the slide).
4. An exercise's code cell (the one holding ``### BEGIN SOLUTION``) is a ``fragment``: the task shows
   first, the worked solution and its check's output on the next key press.
5. Every other cell continues the current slide (``-``), unless the slide would then be taller than
   :data:`BUDGET` pixels of a 1280×720 deck: then that cell starts a sub-slide. The break moves up to the
   markdown cell that introduces an overflowing code cell, so a question and its code stay together.
   Heights are estimated from the source and the stored outputs (text lines, image sizes).

A cell's heading need not be its first line (the chapters end a section's reading text and start the next
heading in one cell). In live RISE such a cell starts its slide with that text; the static export
(``coursetools.slides``) splits the cell at its headings, so the text stays on the slide it belongs to.
"""
from __future__ import annotations

import base64
import math
import re
import struct
from dataclasses import dataclass

SLIDE, SUBSLIDE, FRAGMENT, CONTINUE, SKIP, NOTES = "slide", "subslide", "fragment", "-", "skip", "notes"
SLIDE_TYPES = (SLIDE, SUBSLIDE, FRAGMENT, CONTINUE, SKIP, NOTES)

# The deck is 1280×720 (coursetools/slides_template); its stylesheet sets the sizes these estimates use.
BUDGET = 660           # the height a (sub)slide may fill, in px, before the rule starts a sub-slide
TEXT_CHARS, TEXT_LINE = 92, 33      # prose: 24 px Source Sans, about 92 characters a line
CODE_CHARS, CODE_LINE = 104, 24     # code: 18 px monospace
OUT_CHARS, OUT_LINE = 118, 21       # text outputs: 16 px monospace
TABLE_CHARS, TABLE_LINE = 100, 27   # tables: 20 px text
IMAGE_WIDTH, IMAGE_MAX_HEIGHT = 1180, 440  # output images are scaled to fit both (CSS of the deck)
HEADING = {1: 74, 2: 62, 3: 52, 4: 44, 5: 40, 6: 40}
BLOCK_GAP = 14
CELL_GAP = 10

_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EXERCISE = re.compile(r"^###\s+Exercise\b")
BEGIN_SOLUTION = "### BEGIN SOLUTION"


def source_of(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def headings(source: str) -> list[tuple[int, int, str]]:
    """``(line number, level, text)`` of every markdown heading outside fenced code."""
    found, fenced = [], False
    for number, line in enumerate(source.split("\n")):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        match = None if fenced else _HEADING.match(line)
        if match:
            found.append((number, len(match.group(1)), match.group(2).strip()))
    return found


def heading_type(level: int, text: str) -> str | None:
    """The slide type a heading asks for: ``##`` and ``### Exercise`` a slide, other ``###`` a sub-slide."""
    if level <= 2:
        return SLIDE
    if level == 3:
        return SLIDE if _EXERCISE.match("### " + text) else SUBSLIDE
    return None


def markdown_type(source: str) -> str | None:
    """The strongest type any heading of the cell asks for (``slide`` over ``subslide``), or None."""
    kinds = {heading_type(level, text) for _, level, text in headings(source)}
    return SLIDE if SLIDE in kinds else SUBSLIDE if SUBSLIDE in kinds else None


def is_exercise_code(cell) -> bool:
    return cell.get("cell_type") == "code" and BEGIN_SOLUTION in source_of(cell)


# ---------------------------------------------------------------------------------------------------
# Heights (estimates in px of the 1280×720 deck)

def _wrapped(text: str, chars: int) -> int:
    return max(1, math.ceil(len(text.rstrip()) / chars))


def markdown_height(source: str) -> float:
    height, paragraph, fenced, fence_lines = 0.0, "", False, 0

    def flush() -> float:
        nonlocal paragraph
        if not paragraph:
            return 0.0
        text = _LINK.sub(r"\1", paragraph)
        paragraph = ""
        return _wrapped(text, TEXT_CHARS) * TEXT_LINE + BLOCK_GAP

    for line in source.split("\n"):
        if _FENCE.match(line):
            if fenced:
                height += fence_lines * CODE_LINE + 24 + BLOCK_GAP
            else:
                height += flush()
            fenced, fence_lines = not fenced, 0
            continue
        if fenced:
            fence_lines += 1
            continue
        stripped = line.strip()
        heading = _HEADING.match(line)
        if heading:
            height += flush() + HEADING[len(heading.group(1))]
        elif not stripped:
            height += flush()
        elif stripped.startswith("|"):
            height += flush()
            if not re.fullmatch(r"\|?[\s:|-]+\|?", stripped):  # a row: its longest cell wraps in its column
                row = [_LINK.sub(r"\1", c).strip() for c in stripped.strip("|").split("|")]
                width = TABLE_CHARS / max(1, len(row))
                height += max(math.ceil(len(c) / width) for c in row) * TABLE_LINE + 12
        elif stripped.startswith("$$"):
            height += flush() + (70 if stripped.count("$$") == 2 or len(stripped) > 2 else 0)
        elif re.match(r"^([-*+]|\d+\.)\s", stripped) or stripped.startswith(">"):
            height += flush()
            paragraph = stripped + " "
        else:
            paragraph += stripped + " "
    return height + flush()


def png_size(data) -> tuple[int, int]:
    """Width and height of a base64 PNG, read from its header."""
    text = data if isinstance(data, str) else "".join(data)
    raw = base64.b64decode(re.sub(r"\s", "", text[:200])[:64])
    width, height = struct.unpack(">II", raw[16:24])
    return width, height


def output_height(output) -> float:
    kind = output.get("output_type")
    if kind == "stream":
        text = output.get("text", "")
        text = "".join(text) if isinstance(text, list) else text
        return sum(_wrapped(line, OUT_CHARS) for line in text.rstrip("\n").split("\n")) * OUT_LINE + 12
    if kind == "error":
        return (len(output.get("traceback", [])) + 1) * OUT_LINE + 12
    data = output.get("data", {})
    if "image/png" in data:
        width, height = png_size(data["image/png"])
        scale = min(1.0, IMAGE_WIDTH / width, IMAGE_MAX_HEIGHT / height)
        return height * scale + 12
    if "text/plain" in data:
        text = data["text/plain"]
        text = "".join(text) if isinstance(text, list) else text
        return sum(_wrapped(line, OUT_CHARS) for line in text.split("\n")) * OUT_LINE + 12
    return 0.0


def code_height(cell) -> float:
    lines = source_of(cell).split("\n")
    height = sum(_wrapped(line, CODE_CHARS) for line in lines) * CODE_LINE + 24
    return height + sum(output_height(o) for o in cell.get("outputs", []))


def cell_height(cell) -> float:
    if cell.get("cell_type") == "code":
        return code_height(cell) + CELL_GAP
    return markdown_height(source_of(cell)) + CELL_GAP


# ---------------------------------------------------------------------------------------------------
# The rule

@dataclass
class Decision:
    slide_type: str
    why: str


def decide(cells) -> list[Decision]:
    """The rule's slide type for every cell, each with the reason (for messages and ``slides explain``)."""
    decisions: list[Decision] = []
    first_code = next((i for i, c in enumerate(cells) if c.get("cell_type") == "code"), None)
    height = 0.0          # of the current (sub)slide so far
    for index, cell in enumerate(cells):
        h = cell_height(cell)
        kind = cell.get("cell_type")
        if index == 0:
            decisions.append(Decision(SLIDE, "the title cell"))
            height = h
            continue
        if index == first_code:
            decisions.append(Decision(SUBSLIDE, "the setup cell: run it first when presenting live"))
            height = h
            continue
        wanted = markdown_type(source_of(cell)) if kind == "markdown" else None
        if wanted == SLIDE:
            decisions.append(Decision(SLIDE, "a ## heading or an exercise heading"))
            height = h
            continue
        if wanted == SUBSLIDE:
            decisions.append(Decision(SUBSLIDE, "a ### heading"))
            height = h
            continue
        if height > 0 and height + h > BUDGET:
            # keep a question with its code: move the break up to the markdown cell just before, when the two fit
            above = cell_height(cells[index - 1])
            if (kind == "code" and cells[index - 1].get("cell_type") == "markdown"
                    and decisions[-1].slide_type == CONTINUE and height - above > 0 and above + h <= BUDGET):
                decisions[-1] = Decision(SUBSLIDE, f"the slide would be taller than {BUDGET} px (with the code "
                                                   "cell below it)")
                decisions.append(Decision(FRAGMENT, "an exercise's solution (shown on a key press)")
                                 if is_exercise_code(cell) else Decision(CONTINUE, "continues the slide"))
                height = above + h
                continue
            decisions.append(Decision(SUBSLIDE, f"the slide would be taller than {BUDGET} px"))
            height = h
            continue
        height += h
        if is_exercise_code(cell):
            decisions.append(Decision(FRAGMENT, "an exercise's solution (shown on a key press)"))
        else:
            decisions.append(Decision(CONTINUE, "continues the slide"))
    return decisions


def expected_types(cells) -> list[str]:
    return [d.slide_type for d in decide(cells)]


def stored_type(cell) -> str | None:
    """The cell's stored ``metadata.slideshow.slide_type`` (None when it has none)."""
    slideshow = cell.get("metadata", {}).get("slideshow")
    return slideshow.get("slide_type") if isinstance(slideshow, dict) else None


def differences(cells) -> list[tuple[int, str | None, Decision]]:
    """``(index, stored, rule)`` for every cell whose stored slide type is not the rule's."""
    return [(i, stored_type(c), d) for i, (c, d) in enumerate(zip(cells, decide(cells)))
            if stored_type(c) != d.slide_type]


def apply(cells) -> int:
    """Write the rule's types into the cells' metadata; the number of cells changed."""
    changed = 0
    for cell, decision in zip(cells, decide(cells)):
        if stored_type(cell) != decision.slide_type:
            cell.setdefault("metadata", {})["slideshow"] = {"slide_type": decision.slide_type}
            changed += 1
    return changed
