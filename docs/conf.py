"""Sphinx configuration of the course website (built with ``./course site``).

The site is built from the stored notebooks without executing them, so it shows
exactly the outputs nbval verifies. The source directory is the repository root;
``include_patterns`` picks the pages: this folder, the solution edition and the
instructor guides. Warnings are errors (``-W``), so a broken cross-reference or a
missing image fails the build, and so does a notebook that would need executing.

After the pages, the build writes every chapter's reveal.js deck into ``slides/`` (coursetools/slides.py,
with the site's MathJax); each chapter page and instructor guide links its deck, the home page lists them.
Figures carry the alt text of their cell's ``metadata.mystnb.image.alt`` (coursetools/figure_alt_texts.json).
The theme's chrome is fixed where it failed readers: docs/_templates (landmarks, accessible names),
docs/_static/course.css and course.js (wide figures and formulas on a phone, the home page's table), and
``navbar_persistent`` below (the ☰ and contents buttons); tests/test_browser_site.py checks each in Chromium.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from course_utils.environment import REPO_BRANCH, REPO_URL  # noqa: E402

project = "Autograd, hands-on"
author = "the course authors"
copyright = "2026, the course authors"
root_doc = "docs/index"
include_patterns = ["docs/*.md", "notebooks/[0-9][0-9]_*.ipynb", "notebooks/instructor/*.md", "CONTRIBUTING.md"]
exclude_patterns = ["docs/_build/**"]

# sphinx-mathjax-offline ships MathJax 3, copies it into _static/mathjax and points mathjax_path there: formulas
# render on a site served without internet (a classroom, CI) instead of showing raw TeX.
extensions = ["myst_nb", "sphinx-mathjax-offline"]
nb_execution_mode = "off"  # never execute: show the stored, nbval-verified outputs
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
nitpicky = True
suppress_warnings = ["mystnb.unknown_mime_type"]

html_theme = "sphinx_book_theme"
html_title = project
# Absolute paths: the site is also built with another conf dir in tests (-c), and these must still resolve.
templates_path = [str(ROOT / "docs" / "_templates")]  # theme fixes: landmarks, accessible names (see the files)
html_static_path = [str(ROOT / "docs" / "_static")]
html_css_files = ["course.css"]
html_js_files = [("course.js", {"defer": "defer"})]  # wide figures and inline formulas on a phone
html_extra_path = [str(ROOT / "docs" / "_extra")]  # index.html at the site's root, forwarding to the home page
html_context = {"default_mode": "light"}  # a fresh browser otherwise logs "invalid theme mode" as an error
html_theme_options = {
    "repository_url": REPO_URL,
    "repository_branch": REPO_BRANCH,
    "path_to_docs": "",
    "use_repository_button": True,
    "launch_buttons": {"colab_url": "https://colab.research.google.com", "binderhub_url": "https://mybinder.org",
                       "notebook_interface": "jupyterlab"},
    "show_toc_level": 2,
    # No PyData header bar: sphinx-book-theme hides it anyway, but its hidden sidebar toggles came first in
    # the page, so both themes' scripts attached the ☰ and contents buttons to those and the visible ones
    # did nothing. Its search button is the sidebar's and the article header's too.
    "navbar_persistent": [],
}

SLIDES_DIR = "slides"  # ./course site builds every chapter's reveal.js deck into the site's slides/ folder


def _refuse_unexecuted_notebooks(app, config) -> None:
    """Warn (an error under -W) for each chapter holding a code cell that was never executed."""
    from sphinx.util import logging

    logger = logging.getLogger("course")
    problems = []
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for index, cell in enumerate(cells):
            if cell["cell_type"] == "code" and cell["source"] and cell.get("execution_count") is None:
                problems.append(f"{path.name} cell {index}")
    for problem in problems:
        logger.warning(f"{problem} has no stored output: this notebook would need executing "
                       "(run ./course execute, then build again)")


def _learner_links_to_colab():
    """Links to the learner edition (not part of the site) open that notebook in Colab instead."""
    from docutils import nodes
    from sphinx import addnodes
    from sphinx.transforms.post_transforms import SphinxPostTransform

    from coursetools.setup_cell import colab_url

    class LearnerLinks(SphinxPostTransform):
        default_priority = 5  # before MyST resolves (and would reject) the reference

        def run(self, **kwargs) -> None:
            for node in list(self.document.findall(addnodes.pending_xref)):
                target = node.get("reftarget", "")
                if node.get("reftype") == "myst" and target.startswith("notebooks/learner/"):
                    link = nodes.reference("", "", *node.children, refuri=colab_url(target + ".ipynb"))
                    node.replace_self(link)

    return LearnerLinks


def _slides_list(app, docname: str, source: list[str]) -> None:
    """On the home page, the marker ``<!-- slides-list -->`` becomes a list of every chapter's deck."""
    if docname != root_doc or "<!-- slides-list -->" not in source[0]:
        return
    from coursetools.notebooks import chapter_notebooks

    items = []
    for path in chapter_notebooks():
        title = json.loads(path.read_text(encoding="utf-8"))["cells"][0]["source"]
        title = ("".join(title) if isinstance(title, list) else title).split("\n")[0].lstrip("# ").strip()
        items.append(f'<li><a href="../{SLIDES_DIR}/{path.stem}.html">{title}</a></li>')
    source[0] = source[0].replace("<!-- slides-list -->", '<ul class="course-slides-list">' + "".join(items) + "</ul>")


def _link_slides(app, doctree, docname: str) -> None:
    """Each chapter page links its slides beside the learner edition; each instructor guide links them too."""
    import re

    from docutils import nodes

    chapter = re.fullmatch(r"notebooks/(\d\d_[A-Za-z0-9_]+)", docname)
    guide = re.fullmatch(r"notebooks/instructor/(\d\d_[A-Za-z0-9_]+)", docname)
    if not (chapter or guide):
        return
    stem = (chapter or guide).group(1)
    uri = ("../" if chapter else "../../") + f"{SLIDES_DIR}/{stem}.html"
    link = nodes.reference("", "slides", refuri=uri, classes=["course-slides-link"])
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None:
        return
    if chapter:
        for paragraph in section.findall(nodes.paragraph):
            if any("learner edition" in ref.astext() for ref in paragraph.findall(nodes.reference)):
                paragraph += [nodes.Text(" · "), link]
                return
        section.insert(1, nodes.paragraph("", "", nodes.Text("This chapter as "), link))
    else:
        section.insert(1, nodes.paragraph("", "", nodes.Text("Present this chapter from its "), link,
                                          nodes.Text(": this guide's timing plan, questions and misconceptions are "
                                                     "their speaker notes (press S in the slides).")))


def _build_slides(app, exception) -> None:
    """Every chapter's deck into the site's slides/ folder, reusing the site's MathJax (no second copy)."""
    if exception is not None or app.builder.format != "html":
        return
    from sphinx.util import logging

    from coursetools.slides import build

    logger = logging.getLogger("course")
    out = Path(app.outdir) / SLIDES_DIR
    decks = build(out, mathjax_url="../_static/mathjax/tex-chtml.js", site_home="../docs/index.html",
                  warn=lambda message: logger.info(message))  # the slide rule's own test names unstamped chapters
    logger.info(f"{len(decks)} slide decks in {out}")


def setup(app):
    app.connect("config-inited", _refuse_unexecuted_notebooks)
    app.connect("source-read", _slides_list)
    app.connect("doctree-resolved", _link_slides)
    app.connect("build-finished", _build_slides)
    app.add_post_transform(_learner_links_to_colab())
