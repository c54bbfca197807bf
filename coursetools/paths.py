"""Where the checkout keeps things; every maintainer tool imports its paths from here (and nothing else)."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
LEARNER_DIR = NOTEBOOK_DIR / "learner"
SANITIZE_FILE = ROOT / "tests" / "nbval_sanitize.cfg"
