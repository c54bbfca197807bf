"""What the first cell of every chapter does, in one call.

Keeping it here (not in each notebook) means every chapter starts the same way and
a fix reaches all of them.
"""
from __future__ import annotations

import os
import warnings

import torch

from course_utils.device import get_device
from course_utils.environment import environment_summary
from course_utils.seeding import seed_everything


def start_chapter(seed: int = 0, style: bool = True) -> torch.device:
    """Seed everything, set the plot style, print the environment line, return the device.

    In a notebook it also installs :mod:`course_utils.cell_notes`, so that a cell that needs an
    earlier one says so when it fails.

    >>> device = start_chapter(seed=0)  # doctest: +ELLIPSIS
    Python ... | torch ... | device ... | ...
    """
    from course_utils.cell_notes import install

    install()
    _quiet_torch_internal_warnings()
    _import_dynamo_first_on_old_torch()
    seed_everything(seed)
    if style:
        from course_utils.plots.style import set_style

        set_style()
    _show_figures_in_notebooks()
    device = get_device()
    print(environment_summary(device))
    return device


def _show_figures_in_notebooks() -> None:
    """In a Jupyter kernel, refuse the silent ``MPLBACKEND=Agg``: it would hide every figure of the chapter.

    Some images and CI set ``MPLBACKEND=Agg`` for scripts; in a notebook it means that no figure
    is ever shown and nothing says why. The kernel's own inline backend is put back, with a warning.
    """
    if os.environ.get("MPLBACKEND", "").lower() != "agg":
        return
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with every notebook
        return
    shell = get_ipython()
    if shell is None or not hasattr(shell, "kernel"):
        return  # a script or a terminal: Agg is what was asked for
    import matplotlib

    matplotlib.use("module://matplotlib_inline.backend_inline")
    warnings.warn("MPLBACKEND=Agg would hide every figure in this notebook; the course switched this kernel to "
                  "the inline backend (unset MPLBACKEND to silence this)", UserWarning, stacklevel=3)


FIRST_TORCH_WITHOUT_DYNAMO_CYCLE = (2, 9)   # 2.9.1 verified; 2.4-2.8 could not be installed here to test


def _import_dynamo_first_on_old_torch(version: str = torch.__version__) -> bool:
    """On old torch, import ``torch._dynamo`` now, so that chapter 13's ``torch.func`` calls work.

    On torch 2.3 the first ``torch.func.grad``, ``vjp`` or ``jacrev`` over a custom
    ``autograd.Function`` imports ``torch._dynamo`` from inside the transform, which fails with
    "clone is not supported by NestedIntSymNode" and then "partially initialized module
    'torch._dynamo'" (a circular import in torch). Imported before any transform runs, it works.
    It costs about 1.5 s of the setup cell, so only versions before the first one verified
    fixed pay it. Returns whether it imported.

    >>> _import_dynamo_first_on_old_torch("2.13.0")
    False
    """
    release = tuple(int(part) for part in version.split("+")[0].split(".")[:2])
    if release >= FIRST_TORCH_WITHOUT_DYNAMO_CYCLE:
        return False
    import torch._dynamo  # noqa: F401

    return True


def _quiet_torch_internal_warnings() -> None:
    """Hide warnings that torch raises about its own internals, which a learner can do nothing about.

    From torch 2.14 the first forward-mode transform (``torch.func.jacfwd``, chapter 11) makes torch
    compile one of its own decompositions with ``torch.jit.script``, which warns that
    ``torch.jit.script`` is deprecated. The course never calls ``torch.jit``; the warning would only
    confuse. Every other warning, the course's own included, still shows.
    """
    warnings.filterwarnings("ignore", message=r".*torch\.jit\.script.* is deprecated", category=FutureWarning)
