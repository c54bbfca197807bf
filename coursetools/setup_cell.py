"""The first cells every chapter shares, generated from the one place that names the repository.

``course_utils.environment.REPO_SLUG`` is the only spelling of the repository; the
setup cell's install line and every badge are built from it here, and a test
checks that each notebook carries exactly these cells.
"""
from __future__ import annotations

from pathlib import PurePosixPath

from course_utils.environment import REPO_BRANCH, REPO_SLUG, release_tag

SETUP_CELL = f'''\
# Setup (the same in every chapter): in Colab, install the course helpers; then seed and pick a device.
import sys
if "google.colab" in sys.modules:
    %pip install -q --no-deps "course-utils @ git+https://github.com/{REPO_SLUG}@{release_tag()}"
import torch
import course_utils
from course_utils import check
device = course_utils.start_chapter(seed=0)'''


def colab_url(notebook: str | PurePosixPath) -> str:
    """The Colab address that opens ``notebook`` (a path relative to the repository root).

    >>> colab_url("notebooks/01_first_gradients.ipynb").endswith("/blob/main/notebooks/01_first_gradients.ipynb")
    True
    """
    return f"https://colab.research.google.com/github/{REPO_SLUG}/blob/{REPO_BRANCH}/{PurePosixPath(notebook)}"


def binder_url(notebook: str | PurePosixPath) -> str:
    """The Binder address that opens ``notebook`` in JupyterLab."""
    path = str(PurePosixPath(notebook)).replace("/", "%2F")
    return f"https://mybinder.org/v2/gh/{REPO_SLUG}/{REPO_BRANCH}?labpath={path}"


def badges(notebook: str | PurePosixPath) -> str:
    """The badge line under a chapter's title: Colab and Binder for this very file, and a link to the other edition.

    >>> "learner/01_x.ipynb" in badges("notebooks/01_x.ipynb")
    True
    """
    path = PurePosixPath(notebook)
    if path.parent.name == "learner":
        other, label = path.parent.parent / path.name, "solution edition in Colab"
    else:
        other, label = path.parent / "learner" / path.name, "learner edition in Colab"
    return (f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab_url(path)}) "
            f"[![Binder](https://mybinder.org/badge_logo.svg)]({binder_url(path)}) "
            f"· [{label}]({colab_url(other)})")
