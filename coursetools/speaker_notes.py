"""Speaker notes from the instructor guides, placed on the slides they belong to.

A guide (``notebooks/instructor/NN_slug.md``) keeps its headings: Learning objectives, Timing plan,
Misconceptions..., Questions for the room, Notes (or "... notes"), and "In a session: collect, grade, read
the report". :func:`parse_guide` cuts it into items (a timing row, a misconception, a question, a note) and
:func:`place` puts each item on one slide of the deck:

- the title slide gets the guide's opening lines, the learning objectives and the whole timing plan;
- an item that names an exercise of the chapter ("Exercise 12.1", "**12.3**") goes to that exercise's slide;
- any other item goes to the slide whose words it shares most (words weighted by how rare they are in the
  deck, headings and backticked names counting more); timing rows, being in the chapter's order, break ties
  towards the slide after the previous row;
- an item that shares too little with every slide goes to a fixed home: questions to the summary slide,
  misconceptions to the first exercise, notes to the title slide;
- "In a session" goes to the exercises' slide (where a session collects and grades).

Nothing is dropped: :func:`place` returns every item with its slide (``python -m coursetools.slides notes NN``
prints the placement for review).
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

SECTION_KINDS = (  # (kind, how the guide's heading starts or ends), first match wins
    ("objectives", re.compile(r"^learning objectives", re.I)),
    ("timing", re.compile(r"^timing", re.I)),
    ("misconception", re.compile(r"^misconception", re.I)),
    ("question", re.compile(r"^questions", re.I)),
    ("session", re.compile(r"^in a session", re.I)),
    ("note", re.compile(r"(^notes\b|notes$)", re.I)),
)
LABELS = {"timing": "Timing", "misconception": "Misconception", "question": "Ask the room", "note": "Note",
          "session": "In a session: collect, grade, read the report", "objectives": "Learning objectives",
          "intro": "This chapter", "other": "From the guide"}

MIN_SCORE = 3.0   # below this an item has no slide of its own and goes to its kind's fixed home

STOP = set("""a an and are as at be been but by can do does each for from has have how if in into is it its
itself of on one or so than that the their them then there these they this those to two was what when where
which who why will with without you your first second next same only also more most not no yes all any both
here just like make makes made show shows shown run runs ask asks live min minutes about after before
between again once every other another them our out over under up very while within would should could
chapter cell cells exercise exercises learner learners""".split())

_WORD = re.compile(r"[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*|\d+(?:\.\d+)?|[a-z]?[²³]")
_CODE = re.compile(r"`([^`]+)`")


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            word = word[: -len(suffix)]
            if suffix in ("ing", "ed") and len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiouls":
                word = word[:-1]  # clipping -> clip, stopped -> stop
            return word
    return word


def words(text: str) -> Counter:
    """Content words of a text (lower case, crude stems); names in backticks count three times."""
    counts: Counter = Counter()
    for name in _CODE.findall(text):
        for w in _WORD.findall(name.lower()):
            counts[w] += 2  # plus the ordinary count below
    for w in _WORD.findall(text.lower()):
        w = w.strip(".")
        if len(w) < 2 or w in STOP:
            continue
        counts[_stem(w)] += 1
    return counts


@dataclass
class Item:
    kind: str          # objectives, timing, misconception, question, note, session, intro, other
    text: str          # markdown, as the guide has it (a timing row is rewritten as a sentence)
    heading: str = ""  # the guide's section heading
    exercises: list[str] = field(default_factory=list)  # "12.1", ... named by the item
    lead: bool = False  # the paragraphs before a section's list: they go where the section's kind lives


@dataclass
class Guide:
    title: str
    items: list[Item]
    timing_table: str = ""
    timing_heading: str = ""


def _sections(text: str) -> list[tuple[str, str]]:
    parts, heading, lines = [], "", []
    for line in text.split("\n"):
        if line.startswith("## "):
            parts.append((heading, "\n".join(lines).strip()))
            heading, lines = line[3:].strip(), []
        else:
            lines.append(line)
    parts.append((heading, "\n".join(lines).strip()))
    return parts


def _list_items(body: str) -> tuple[str, list[str]]:
    """The paragraphs before the first list item, and each top-level list item with its continuation lines."""
    lead, items, current = [], [], None
    for line in body.split("\n"):
        if re.match(r"^(?:[-*+]|\d+\.)\s", line):
            if current is not None:
                items.append(current.strip())
            current = re.sub(r"^(?:[-*+]|\d+\.)\s+", "", line)
        elif current is None:
            lead.append(line)
        elif line.strip():
            current += "\n" + line.strip()
    if current is not None:
        items.append(current.strip())
    return "\n".join(lead).strip(), items


def _exercises(text: str, chapter: int) -> list[str]:
    """Exercise numbers of this chapter that an item names ("Exercise 12.1", "Exercises 15.4 ... and 15.5")."""
    if not re.search(r"exercise", text, re.I):
        return []
    found = []
    for major, minor in re.findall(r"(?<![\d.])(\d{1,2})\.(\d{1,2})(?![\d.])", text):
        if int(major) == chapter:
            label = f"{int(major)}.{int(minor)}"
            if label not in found:
                found.append(label)
    return found


def parse_guide(path: Path, chapter: int) -> Guide:
    text = path.read_text(encoding="utf-8")
    sections = _sections(text)
    title_block = sections[0][1]
    title = next((line[2:].strip() for line in title_block.split("\n") if line.startswith("# ")), path.stem)
    intro = "\n".join(line for line in title_block.split("\n") if not line.startswith("# ")).strip()
    guide = Guide(title=title, items=[])
    if intro:
        guide.items.append(Item("intro", intro))
    for heading, body in sections[1:]:
        kind = next((k for k, pattern in SECTION_KINDS if pattern.search(heading)), "other")
        if kind in ("objectives", "session", "other") or not body:
            guide.items.append(Item(kind, body, heading, _exercises(body, chapter) if kind == "other" else []))
            continue
        if kind == "timing":
            guide.timing_heading = heading
            table = [line for line in body.split("\n") if line.strip().startswith("|")]
            guide.timing_table = "\n".join(table)
            rest = "\n".join(line for line in body.split("\n") if not line.strip().startswith("|")).strip()
            for row in table[2:]:
                cells = [c.strip() for c in row.strip().strip("|").split("|")]
                if len(cells) < 2:
                    continue
                minutes, what, how = cells[0], cells[1], cells[2] if len(cells) > 2 else ""
                sentence = f"**{minutes} min**: {what}" + (f". {how}" if how else "")
                guide.items.append(Item("timing", sentence, heading, _exercises(what, chapter)))
            if rest:
                guide.items.append(Item("note", rest, heading))
            continue
        lead, entries = _list_items(body)
        if lead:
            guide.items.append(Item(kind, lead, heading, lead=True))
        for entry in entries:
            guide.items.append(Item(kind, entry, heading, _exercises(entry, chapter)))
    return guide


# ---------------------------------------------------------------------------------------------------
# Placement

@dataclass
class SlideText:
    """What the placement knows about one (horizontal) slide of the deck."""
    index: int                   # the slide's position in the deck (0 = title)
    heading: str
    text: str
    exercise: str | None = None  # "12.1" for an exercise's slide
    role: str = ""               # title, exercises, summary, or ""


def _idf(slides: list[SlideText]) -> dict[str, float]:
    df: Counter = Counter()
    for slide in slides:
        df.update(set(words(slide.heading + "\n" + slide.text)))
    n = len(slides)
    return {w: math.log((n + 1) / (count + 0.5)) for w, count in df.items()}


def _score(item_words: Counter, slide_words: Counter, heading_words: Counter, idf: dict[str, float]) -> float:
    score = 0.0
    for w, count in item_words.items():
        if w in slide_words:
            score += idf.get(w, 0.0) * min(count, 3) * (2.0 if w in heading_words else 1.0)
    return score


def place(guide: Guide, slides: list[SlideText]) -> list[tuple[Item, SlideText, str]]:
    """Every item of the guide with the slide it goes to and why."""
    idf = _idf(slides)
    bags = [(words(s.heading + "\n" + s.heading + "\n" + s.text), words(s.heading)) for s in slides]
    by_exercise = {s.exercise: s for s in slides if s.exercise}
    title = slides[0]
    first_exercise = next((s for s in slides if s.exercise), None)
    exercises = next((s for s in slides if s.role == "exercises"), first_exercise) or slides[-1]
    summary = next((s for s in slides if s.role == "summary"), slides[-1])
    home = {"question": summary, "misconception": first_exercise or summary, "note": title, "other": title,
            "timing": title}
    placed: list[tuple[Item, SlideText, str]] = []
    last_timing = 0
    for item in guide.items:
        if item.kind in ("intro", "objectives"):
            placed.append((item, title, "the title slide"))
            continue
        if item.kind == "session" or (item.lead and item.kind == "misconception"):
            placed.append((item, exercises, "the exercises' slide"))
            continue
        if item.lead:
            target = home.get(item.kind, title)
            placed.append((item, target, "the opening of its section: the section's home"))
            continue
        named = [by_exercise[e] for e in item.exercises if e in by_exercise]
        if named:
            placed.append((item, named[0], f"names Exercise {named[0].exercise}"))
            continue  # the exercises sit at the chapter's end: they do not move the timing plan's place
        item_words = words(item.text)
        scores = [_score(item_words, bag, heads, idf) for bag, heads in bags]
        if item.kind == "timing":  # in the chapter's order: prefer slides from the previous row on
            scores = [s * (1.0 if slide.index >= last_timing else 0.6) for s, slide in zip(scores, slides)]
        best = max(range(len(slides)), key=lambda i: (scores[i], -abs(slides[i].index - last_timing)))
        if scores[best] < MIN_SCORE:
            target = home.get(item.kind, title)
            if item.kind == "timing":
                target = next((s for s in slides if s.index > last_timing), slides[-1])
            placed.append((item, target, f"no slide shares enough words (best {scores[best]:.1f}): its home"))
        else:
            target = slides[best]
            placed.append((item, target, f"shares the most words ({scores[best]:.1f})"))
        if item.kind == "timing":
            last_timing = target.index
    return placed


def notes_markdown(items: list[Item], guide: Guide | None = None, with_plan: bool = False) -> str:
    """The speaker notes of one slide, as markdown, grouped by kind in a fixed order."""
    order = ["intro", "objectives", "timing", "misconception", "question", "note", "other", "session"]
    parts = []
    if with_plan and guide is not None and guide.timing_table:
        parts.append(f"**{guide.timing_heading}**\n\n{guide.timing_table}")
    for kind in order:
        chosen = [i for i in items if i.kind == kind]
        if not chosen:
            continue
        if kind in ("intro",):
            parts.extend(i.text for i in chosen)
        elif kind in ("objectives", "session", "other"):
            parts.extend(f"**{i.heading or LABELS[kind]}**\n\n{i.text}" for i in chosen)
        elif kind == "timing":
            parts.append(f"**{LABELS[kind]}**: " + " ".join(i.text for i in chosen))
        else:
            parts.append(f"**{LABELS[kind]}**\n\n" + "\n".join(f"- {i.text}".replace("\n", "\n  ") for i in chosen))
    return "\n\n".join(parts)
