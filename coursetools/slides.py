"""Slides of every chapter, from the stored notebooks: static reveal.js decks with speaker notes.

    python -m coursetools.slides                 # = build: every chapter into docs/_build/slides
    python -m coursetools.slides build [--out DIR] [NB ...]
    python -m coursetools.slides stamp [NB ...]  # write the slide rule and the figures' alt texts into the
                                                 # notebooks, then rebuild their learner copies
    python -m coursetools.slides check [NB ...]  # exit 1, naming the cells, where a notebook does not follow the rule
    python -m coursetools.slides explain NB      # each cell's slide type and the reason
    python -m coursetools.slides notes NB        # where each item of the instructor guide goes

``./course slides`` runs this module. The decks are built without executing anything: each is the
notebook's stored cells and outputs, cut into slides by ``metadata.slideshow.slide_type`` (the slide rule
of :mod:`coursetools.slide_rule`, which ``stamp`` writes), with the instructor guide's timing plan,
questions, misconceptions and notes as speaker notes (:mod:`coursetools.speaker_notes`; press S in a deck).
They work offline: reveal.js comes from the PyPI package ``sphinx-revealjs`` (which bundles it), MathJax
from ``sphinx-mathjax-offline`` (the site's copy); both are copied next to the decks. ``./course site``
builds the same decks into the site's ``slides/`` folder (docs/conf.py), reusing the site's MathJax.
"""
from __future__ import annotations

import argparse
import copy
import html
import importlib.util
import json
import re
import shutil
import sys
from pathlib import Path

from coursetools import slide_rule, speaker_notes
from coursetools.paths import NOTEBOOK_DIR, ROOT

DEFAULT_OUT = ROOT / "docs" / "_build" / "slides"
TEMPLATE_DIR = Path(__file__).resolve().parent / "slides_template"
TEMPLATE = "course_slides"
GUIDE_DIR = NOTEBOOK_DIR / "instructor"
ALT_TEXTS = Path(__file__).resolve().parent / "figure_alt_texts.json"
STAMP_COMMAND = "python -m coursetools.slides stamp"

# What a deck needs from the reveal.js that sphinx-revealjs bundles (its dist/ and the notes plugin).
REVEAL_FILES = ["LICENSE", "dist/reveal.css", "dist/reveal.js", "dist/theme/white.css",
                "dist/theme/fonts/source-sans-pro", "plugin/notes/notes.js"]


class SlidesError(RuntimeError):
    """A deck cannot be built (a missing package, a notebook without cells): the message says what to do."""


# ---------------------------------------------------------------------------------------------------
# Where reveal.js and MathJax come from

def reveal_dir() -> Path:
    spec = importlib.util.find_spec("sphinx_revealjs")
    if spec is None or not spec.submodule_search_locations:
        raise SlidesError("reveal.js comes with the PyPI package sphinx-revealjs, which is not installed here: "
                          "./course slides installs it (it is in the site extra of pyproject.toml), or run "
                          "pip install -c requirements/constraints.txt sphinx-revealjs")
    found = Path(list(spec.submodule_search_locations)[0]) / "_static" / "revealjs"
    if not (found / "dist" / "reveal.js").is_file():
        raise SlidesError(f"sphinx-revealjs is installed but has no reveal.js at {found}")
    return found


def mathjax_dir() -> Path:
    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    if spec is None or not spec.submodule_search_locations:
        raise SlidesError("MathJax comes with the PyPI package sphinx-mathjax-offline (the site's), which is not "
                          "installed here: ./course slides installs it")
    return Path(list(spec.submodule_search_locations)[0]) / "static" / "mathjax"


def copy_assets(out: Path, with_mathjax: bool) -> None:
    source = reveal_dir()
    target = out / "_assets" / "reveal"
    for name in REVEAL_FILES:
        src, dst = source / name, target / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            shutil.copy2(src, dst)
    if with_mathjax:
        shutil.copytree(mathjax_dir(), out / "_assets" / "mathjax", dirs_exist_ok=True)


# ---------------------------------------------------------------------------------------------------
# From a stored notebook to the cells of a deck

def chapter_number(path: Path) -> int:
    return int(path.name[:2])


def guide_path(notebook: Path) -> Path:
    return GUIDE_DIR / (notebook.stem + ".md")


def chapter_title(nb) -> str:
    first = slide_rule.source_of(nb.cells[0]) if nb.cells else ""
    match = re.search(r"^#\s+(.+)$", first, re.M)
    return match.group(1).strip() if match else "Slides"


def slide_types(nb, name: str = "", warn=print) -> list[str]:
    """The stored slide types where the notebook follows the rule; else the rule's own, with a warning."""
    diffs = slide_rule.differences(nb.cells)
    if diffs and warn:
        warn(f"{name}: {len(diffs)} cells' slide metadata does not follow the slide rule (first: cell {diffs[0][0]}); "
             f"the deck uses the rule. Fix the notebook with: {STAMP_COMMAND} notebooks/{name}")
    return slide_rule.expected_types(nb.cells)


_REMOTE_IMAGE_LINE = re.compile(r"!\[[^\]]*\]\(https?://")


def _title_cell(source: str) -> str:
    """The title cell without the lines of remote badges (a deck is offline, and presents the chapter)."""
    kept = [line for line in source.split("\n") if not _REMOTE_IMAGE_LINE.search(line)]
    return "\n".join(kept).strip()


def split_at_headings(cell, slide_type: str) -> list[tuple[object, str]]:
    """A markdown cell whose headings are not on its first line, as parts: the text before the first heading
    continues the slide before; each heading starts the (sub)slide its level asks for."""
    source = slide_rule.source_of(cell)
    found = slide_rule.headings(source)
    if cell.cell_type != "markdown" or slide_type not in (slide_rule.SLIDE, slide_rule.SUBSLIDE) or not found:
        return [(cell, slide_type)]
    lines = source.split("\n")
    starts = [n for n, level, text in found if slide_rule.heading_type(level, text)]
    if not starts or starts == [0]:
        return [(cell, slide_type)]
    bounds = ([0] if starts[0] > 0 else []) + starts + [len(lines)]
    parts = []
    for begin, end in zip(bounds, bounds[1:]):
        text = "\n".join(lines[begin:end]).strip("\n")
        if not text.strip():
            continue
        part = copy.deepcopy(cell)
        part.source = text
        if parts and "id" in cell:
            part["id"] = f"{cell['id']}-{len(parts)}"[:64]
        heading = next(((level, t) for n, level, t in found if n == begin), None)
        kind = slide_rule.heading_type(*heading) if heading and begin in starts else slide_rule.CONTINUE
        parts.append((part, kind))
    return parts


def _role(heading: str, index: int) -> str:
    if index == 0:
        return "title"
    if re.fullmatch(r"exercises?", heading.strip(), re.I):
        return "exercises"
    if heading.strip().lower().startswith("summary"):
        return "summary"
    return ""


def deck_cells(nb, name: str = "", warn=print) -> list[tuple[object, str]]:
    """The notebook's cells as the deck shows them, each with its slide type (skipped cells left out).

    Markdown cells are split at their headings (:func:`split_at_headings`); where the text before a heading
    would make the slide before it taller than the rule's budget, that text starts a sub-slide of its own."""
    types = slide_types(nb, name, warn)
    cells: list[tuple[object, str]] = []
    height = 0.0
    for index, (cell, kind) in enumerate(zip(nb.cells, types)):
        if kind == slide_rule.SKIP:
            continue
        cell = copy.deepcopy(cell)
        if index == 0 and cell.cell_type == "markdown":
            cell.source = _title_cell(slide_rule.source_of(cell))
        parts = split_at_headings(cell, kind)
        for n, (part, part_kind) in enumerate(parts):
            h = slide_rule.cell_height(part)
            if len(parts) > 1 and n == 0 and part_kind == slide_rule.CONTINUE and height > 0 \
                    and height + h > slide_rule.BUDGET:
                part_kind = slide_rule.SUBSLIDE
            height = h if part_kind in (slide_rule.SLIDE, slide_rule.SUBSLIDE) else height + h
            cells.append((part, part_kind))
    return cells


def slides_of(cells: list[tuple[object, str]]) -> list[tuple[speaker_notes.SlideText, list[int]]]:
    """The horizontal slides of a deck: what the notes placement knows, and the positions of their cells."""
    found: list[tuple[speaker_notes.SlideText, list[int]]] = []
    for position, (cell, kind) in enumerate(cells):
        if kind == slide_rule.SLIDE or not found:
            source = slide_rule.source_of(cell)
            heads = slide_rule.headings(source) if cell.cell_type == "markdown" else []
            heading = heads[0][2] if heads else ""
            match = re.match(r"Exercise\s+(\d+\.\d+)", heading)
            found.append((speaker_notes.SlideText(len(found), heading, "", match.group(1) if match else None,
                                                  _role(heading, len(found))), []))
        slide, positions = found[-1]
        slide.text += "\n" + slide_rule.source_of(cell)
        positions.append(position)
    return found


def _notes_cell(markdown: str, cell_id: str):
    import nbformat

    cell = nbformat.v4.new_markdown_cell(markdown, id=cell_id[:64])
    cell.metadata["slideshow"] = {"slide_type": slide_rule.NOTES}
    return cell


def build_deck(path: Path, warn=print):
    """The in-memory notebook of one chapter's deck, speaker notes included, and the placement of the notes."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    if not nb.cells:
        raise SlidesError(f"{path.name} has no cells")
    cells = deck_cells(nb, path.name, warn)
    slides = slides_of(cells)
    placement = []
    notes_for: dict[int, list[speaker_notes.Item]] = {}
    guide = None
    if guide_path(path).is_file():
        guide = speaker_notes.parse_guide(guide_path(path), chapter_number(path))
        placement = speaker_notes.place(guide, [s for s, _ in slides])
        for item, slide, _why in placement:
            notes_for.setdefault(slide.index, []).append(item)
    elif warn:
        warn(f"{path.name}: no instructor guide at {guide_path(path).relative_to(ROOT)}: the deck has no speaker notes")
    out_cells = []
    for slide, positions in slides:
        for n, position in enumerate(positions):
            cell, kind = cells[position]
            cell.metadata["slideshow"] = {"slide_type": kind}
            out_cells.append(cell)
            if n == 0:
                if slide.index == 0:
                    out_cells.append(_deck_note_cell())
                items = notes_for.get(slide.index, [])
                if items:
                    out_cells.append(_notes_cell(speaker_notes.notes_markdown(items, guide, slide.index == 0),
                                                 f"notes-{slide.index}"))
    deck = copy.deepcopy(nb)
    deck.cells = out_cells
    deck.metadata["title"] = chapter_title(nb)
    return deck, placement


def _deck_note_cell():
    import nbformat

    cell = nbformat.v4.new_markdown_cell(id="course-deck-note", source=
        '<p class="course-deck-note">Slides of <em>Autograd, hands-on</em>, made from the chapter\'s notebook. '
        "Keys: → or space next, ← back, S speaker notes, F full screen, Esc overview.</p>")
    cell.metadata["slideshow"] = {"slide_type": slide_rule.CONTINUE}
    return cell


# ---------------------------------------------------------------------------------------------------
# HTML

def exporter():
    from nbconvert import SlidesExporter

    return SlidesExporter(template_name=TEMPLATE, extra_template_basedirs=[str(TEMPLATE_DIR)])


def render(deck, reveal_url: str, mathjax_url: str, export=None) -> str:
    export = export or exporter()
    resources = {"course": {"title": deck.metadata.get("title", "Slides"), "reveal": reveal_url,
                            "mathjax": mathjax_url}}
    body, _ = export.from_notebook_node(deck, resources=resources)
    return body


def index_page(decks: list[tuple[str, str]], site_home: str | None) -> str:
    rows = "\n".join(f'<li><a href="{html.escape(file)}">{html.escape(title)}</a></li>' for file, title in decks)
    back = f'<p><a href="{html.escape(site_home)}">Back to the course site</a></p>' if site_home else ""
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Autograd, hands-on: slides</title>
<style>body {{ font-family: system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem;
line-height: 1.5; color: #1a1a1a; }} a {{ color: #0b57a4; }} li {{ margin: 0.3rem 0; }}</style></head>
<body><main>
<h1>Autograd, hands-on: slides</h1>
<p>One deck per chapter, made from the chapter's notebook with its stored outputs. In a deck: → or space for the
next slide, ← back, <kbd>S</kbd> opens the speaker view with the instructor guide's timing, questions and
misconceptions, <kbd>F</kbd> full screen, <kbd>Esc</kbd> the overview.</p>
<ul>
{rows}
</ul>
{back}
</main></body>
</html>
"""


def build(out: Path = DEFAULT_OUT, notebooks: list[Path] | None = None, mathjax_url: str | None = None,
          site_home: str | None = None, warn=print) -> list[Path]:
    """Write one deck per chapter into ``out`` (plus an index.html and the assets); the decks' paths.

    ``mathjax_url`` (relative to ``out``) reuses a MathJax that is already there, as the site's; without it
    MathJax is copied into ``out/_assets/mathjax``.
    """
    from coursetools.notebooks import chapter_notebooks

    notebooks = notebooks or chapter_notebooks()
    out.mkdir(parents=True, exist_ok=True)
    copy_assets(out, with_mathjax=mathjax_url is None)
    mathjax_url = mathjax_url or "_assets/mathjax/tex-chtml.js"
    export = exporter()
    written, listed = [], []
    for path in notebooks:
        deck, _ = build_deck(path, warn)
        target = out / (path.stem + ".html")
        target.write_text(render(deck, "_assets/reveal", mathjax_url, export), encoding="utf-8")
        written.append(target)
        listed.append((target.name, deck.metadata["title"]))
    (out / "index.html").write_text(index_page(listed, site_home), encoding="utf-8")
    return written


# ---------------------------------------------------------------------------------------------------
# Stamping the notebooks

def figure_hash(output) -> str:
    """A short hash of an image output's pixels (not of its PNG bytes, which carry the matplotlib version)."""
    import base64
    import hashlib
    import io

    import matplotlib.image

    data = output["data"]["image/png"]
    data = "".join(data) if isinstance(data, list) else data
    pixels = matplotlib.image.imread(io.BytesIO(base64.b64decode(data)), format="png")
    return hashlib.sha256(pixels.tobytes() + str(pixels.shape).encode()).hexdigest()[:16]


def alt_texts() -> dict:
    """The figures' alt texts, written by looking at each figure: chapter -> cell id -> {figure, alt}.
    ``figure`` is :func:`figure_hash` of the figure the text describes; ``stamp`` copies the text into the cell's
    ``metadata.mystnb.image.alt`` (read by myst-nb for the site and by the slides) while the figure is unchanged."""
    return json.loads(ALT_TEXTS.read_text(encoding="utf-8")) if ALT_TEXTS.is_file() else {}


def image_outputs(cell) -> list:
    return [o for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]


def stamp(path: Path, rebuild_learner: bool = True) -> list[str]:
    """Write the slide rule's types, and the alt texts of :data:`ALT_TEXTS` whose figure is unchanged, into a notebook;
    rebuild its learner copy when it changed. Returns what was done (one line each)."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    before = nbformat.writes(nb)
    done = []
    changed = slide_rule.apply(nb.cells)
    if changed:
        done.append(f"{path.name}: slide types of {changed} cells")
    waiting = alt_texts().get(path.stem, {})
    for cell in nb.cells:
        entry = waiting.get(cell.get("id", ""))
        if not entry or not image_outputs(cell):
            continue
        figure = figure_hash(image_outputs(cell)[0])
        if figure != entry["figure"]:
            done.append(f"{path.name}: cell {cell['id']}: the figure changed since its alt text was written "
                        f"(figure {figure}, text written for {entry['figure']}): look at it, then write what it "
                        f"shows, with the new figure hash, in {ALT_TEXTS.relative_to(ROOT)}")
            continue
        image = cell.metadata.setdefault("mystnb", {}).setdefault("image", {})
        if image.get("alt") != entry["alt"]:
            image["alt"] = entry["alt"]
            done.append(f"{path.name}: cell {cell['id']}: alt text")
    if nbformat.writes(nb) != before:
        nbformat.write(nb, path)
        if rebuild_learner and path.parent == NOTEBOOK_DIR:
            from coursetools.learner import write_all

            write_all([path])
            done.append(f"{path.name}: learner copy rebuilt")
    return done


# ---------------------------------------------------------------------------------------------------
# Command line

def _paths(given: list[Path]) -> list[Path]:
    from coursetools.notebooks import chapter_notebooks

    paths = [p.resolve() for p in given] or chapter_notebooks()
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise SlidesError(f"no such notebook: {', '.join(missing)}")
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m coursetools.slides", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command")
    build_cmd = sub.add_parser("build", help="build the decks (the default)")
    build_cmd.add_argument("--out", type=Path, default=DEFAULT_OUT)
    build_cmd.add_argument("paths", nargs="*", type=Path)
    for name, text in (("stamp", "write the slide rule and the figures' alt texts into notebooks"),
                       ("check", "fail where a notebook's slide metadata does not follow the rule")):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("paths", nargs="*", type=Path)
    for name, text in (("explain", "each cell's slide type and why"), ("notes", "where the guide's items go"),
                       ("figures", "each figure's cell id, hash and alt text (to write new alt texts)")):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("path", type=Path)
    args = parser.parse_args(argv)
    try:
        if args.command in (None, "build"):
            out = Path(getattr(args, "out", DEFAULT_OUT)).resolve()
            written = build(out, _paths(getattr(args, "paths", [])),
                            warn=lambda message: print(f"warning: {message}", file=sys.stderr))
            shown = out.relative_to(ROOT) if out.is_relative_to(ROOT) else out
            print(f"{len(written)} decks in {shown}: open {shown}/index.html in a browser; S opens the speaker "
                  f"notes (if a browser blocks that for a file, serve the folder: python3 -m http.server -d {shown})")
            return 0
        if args.command == "stamp":
            for path in _paths(args.paths):
                lines = stamp(path)
                print("\n".join(lines) if lines else f"{path.name}: unchanged")
            return 0
        if args.command == "check":
            import nbformat

            bad = 0
            for path in _paths(args.paths):
                diffs = slide_rule.differences(nbformat.read(path, as_version=4).cells)
                for index, stored, rule in diffs[:5]:
                    print(f"{path.name} cell {index}: slide_type {stored!r}, the rule says {rule.slide_type!r} "
                          f"({rule.why})")
                bad += bool(diffs)
            if bad:
                print(f"{bad} notebooks do not follow the slide rule; fix them with: {STAMP_COMMAND}")
            return 1 if bad else 0
        if args.command == "explain":
            import nbformat

            nb = nbformat.read(args.path, as_version=4)
            for index, (cell, rule) in enumerate(zip(nb.cells, slide_rule.decide(nb.cells))):
                first = slide_rule.source_of(cell).strip().split("\n")[0][:60]
                print(f"{index:3} {cell.cell_type:8} {rule.slide_type:9} {slide_rule.cell_height(cell):5.0f} px  "
                      f"{rule.why:44.44}  {first}")
            return 0
        if args.command == "figures":
            import nbformat

            nb = nbformat.read(args.path, as_version=4)
            for cell in nb.cells:
                for output in image_outputs(cell):
                    alt = (cell.metadata.get("mystnb", {}).get("image", {}) or {}).get("alt", "(no alt text)")
                    print(f"{cell.get('id')}  figure {figure_hash(output)}  {alt[:90]}")
            return 0
        if args.command == "notes":
            _, placement = build_deck(args.path.resolve(), warn=None)
            for item, slide, why in placement:
                text = item.text.replace("\n", " ")[:70]
                print(f"slide {slide.index:2} {slide.heading[:34]:34}  {item.kind:13} {text}  [{why}]")
            return 0
    except SlidesError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 2


if __name__ == "__main__":
    sys.exit(main())
