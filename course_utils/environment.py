"""Where the course is running: versions, Colab or not, a live notebook or a headless run.

The setup cell prints :func:`environment_summary` so that a bug report or a
question in a live session starts from the same facts. :func:`is_live_frontend`
tells the plots whether someone is watching (animate) or not (draw once).
"""
from __future__ import annotations

import os
import platform
import sys
import warnings

# The one place that names the course's public repository. The setup cell of every
# notebook and every Colab badge are generated from these (see coursetools.setup_cell).
REPO_SLUG = "autograd-hands-on/autograd-hands-on"
REPO_BRANCH = "main"                      # what the badges open: the newest notebooks
REPO_URL = f"https://github.com/{REPO_SLUG}"


def release_tag() -> str:
    """The git tag of this version of the course: the setup cell installs the helpers from it.

    A notebook downloaded last term installs the helpers it was written with, not today's ``main``.

    >>> release_tag().startswith("v")
    True
    """
    from course_utils._version import __version__

    return f"v{__version__}"

MIN_PYTHON = (3, 10)
MIN_TORCH = (2, 3)   # torch 2.2 cannot use NumPy 2, which pip installs beside it (see numpy_problem)
TESTED_TORCH = "2.13.0"

LIVE_ENV_VAR = "COURSE_LIVE"


def is_colab() -> bool:
    """True inside Google Colab (its runtime always imports ``google.colab``).

    >>> is_colab()
    False
    """
    return "google.colab" in sys.modules


def is_live_frontend() -> bool:
    """True when a person is looking at the notebook as it runs.

    Headless runs (nbval, ``jupyter nbconvert --execute``, nbclient) have no
    front end, so animations there would only store frames nobody sees. The
    ``COURSE_LIVE`` variable (``1``/``0``) overrides the guess, which looks for
    Colab, a Jupyter server session (``JPY_SESSION_NAME``) or VS Code.

    >>> is_live_frontend() in (True, False)
    True
    """
    forced = os.environ.get(LIVE_ENV_VAR, "").strip().lower()
    if forced in {"1", "true", "yes"}:
        return True
    if forced in {"0", "false", "no"}:
        return False
    return is_colab() or bool(os.environ.get("JPY_SESSION_NAME")) or "VSCODE_PID" in os.environ


def _writable(folder: str) -> bool:
    """True if ``folder`` exists (or can be made) and a file can be written in it; root included."""
    try:
        os.makedirs(folder, exist_ok=True)
        probe = os.path.join(folder, f".course-write-test-{os.getpid()}")
        with open(probe, "w"):
            pass
        os.remove(probe)
        return True
    except OSError:
        return False


def ensure_matplotlib_dirs() -> str | None:
    """Give matplotlib a writable config and cache folder when the default one is not (a read-only HOME).

    Otherwise matplotlib prints a warning about a temporary cache into the first cell of every
    chapter (a classroom account, a container). Sets ``MPLCONFIGDIR`` to a per-user folder in
    the system's temporary directory, before matplotlib is imported; returns it, or None when
    nothing had to change. Does nothing if ``MPLCONFIGDIR`` is already set.

    >>> ensure_matplotlib_dirs() is None or os.environ["MPLCONFIGDIR"].endswith("matplotlib")
    True
    """
    if os.environ.get("MPLCONFIGDIR"):
        return None
    home = os.path.expanduser("~")
    config = os.path.join(os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config"), "matplotlib")
    cache = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.join(home, ".cache"), "matplotlib")
    if _writable(config) and _writable(cache):
        return None
    import tempfile

    user = str(os.getuid()) if hasattr(os, "getuid") else os.environ.get("USERNAME", "user")
    folder = os.path.join(tempfile.gettempdir(), f"course-utils-{user}", "matplotlib")
    if not _writable(folder):
        return None
    os.environ["MPLCONFIGDIR"] = folder
    return folder


def _version_tuple(version: str) -> tuple[int, ...]:
    parts = []
    for piece in version.split("+")[0].split(".")[:2]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def numpy_problem() -> str | None:
    """Why torch and NumPy cannot exchange arrays here, or None when they can.

    torch 2.2 and older were built against NumPy 1 and fail to use NumPy 2 ("Numpy is not
    available"); pip installs the pair without complaint. Every chapter that converts data
    between the two (and several checks) would then fail with messages that blame the learner.

    >>> numpy_problem() is None
    True
    """
    import numpy as np
    import torch

    try:
        back = torch.from_numpy(np.arange(3.0)).numpy()
        if back.tolist() != [0.0, 1.0, 2.0]:
            return "torch and NumPy exchange arrays but the numbers come back different"
    except Exception as exc:  # RuntimeError "Numpy is not available", or an ABI mismatch
        return (f"torch {torch.__version__} cannot use NumPy {np.__version__} ({type(exc).__name__}: "
                f"{str(exc).splitlines()[0] if str(exc) else ''}); install a matching pair, e.g. "
                "pip install 'numpy<2' for torch older than 2.3, or a newer torch")
    return None


def environment_summary(device: object | None = None, warn: bool = True) -> str:
    """One line with Python, torch, device and where the notebook runs.

    Warns (once, as a ``UserWarning``) when Python or torch is older than the
    course supports, since old versions print different numbers or lack APIs, and
    when torch and NumPy cannot exchange arrays (:func:`numpy_problem`).

    >>> environment_summary("cpu").startswith("Python ")
    True
    """
    import torch

    if device is None:
        from course_utils.device import get_device

        device = get_device()
    where = "Colab" if is_colab() else "local"
    line = (f"Python {platform.python_version()} | torch {torch.__version__} | "
            f"device {device} | {where}")
    if warn:
        if sys.version_info[:2] < MIN_PYTHON:
            warnings.warn(f"this course needs Python {'.'.join(map(str, MIN_PYTHON))}+; "
                          f"you have {platform.python_version()}", UserWarning, stacklevel=2)
        if _version_tuple(torch.__version__) < MIN_TORCH:
            warnings.warn(f"this course needs torch {'.'.join(map(str, MIN_TORCH))}+ (tested on "
                          f"{TESTED_TORCH}); you have {torch.__version__}: some outputs will differ",
                          UserWarning, stacklevel=2)
        problem = numpy_problem()
        if problem:
            warnings.warn(f"this chapter will fail: {problem}", UserWarning, stacklevel=2)
    return line
