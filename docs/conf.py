"""Sphinx configuration of the course website (built with ``./course site``).

The site is built from the stored notebooks without executing them, so it shows
exactly the outputs nbval verifies. The source directory is the repository root;
``include_patterns`` picks the pages: this folder, the solution edition and the
instructor guides. Warnings are errors (``-W``), so a broken cross-reference or a
missing image fails the build, and so does a notebook that would need executing.
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
html_static_path: list[str] = []
html_extra_path = ["_extra"]  # index.html at the site's root, forwarding to the home page
html_context = {"default_mode": "light"}  # a fresh browser otherwise logs "invalid theme mode" as an error
html_theme_options = {
    "repository_url": REPO_URL,
    "repository_branch": REPO_BRANCH,
    "path_to_docs": "",
    "use_repository_button": True,
    "launch_buttons": {"colab_url": "https://colab.research.google.com", "binderhub_url": "https://mybinder.org",
                       "notebook_interface": "jupyterlab"},
    "show_toc_level": 2,
}


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


def setup(app):
    app.connect("config-inited", _refuse_unexecuted_notebooks)
    app.add_post_transform(_learner_links_to_colab())
