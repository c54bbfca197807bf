"""One call that makes every random source in a chapter repeatable.

Stored notebook outputs are compared number by number in CI, so each cell that
draws random numbers calls :func:`seed_everything` first; running the cell again
then gives the same numbers.
"""
from __future__ import annotations

import os
import random

import numpy as np
import torch


def seed_everything(seed: int = 0, deterministic: bool = True) -> int:
    """Seed Python's ``random``, NumPy and torch (CPU and every CUDA device).

    With ``deterministic=True`` and a GPU present, torch is also asked to use
    deterministic algorithms where it has them (``warn_only``, so an op without one
    still runs). On the CPU the ops this course uses are deterministic already, and
    the switch would cost a second of imports in every chapter.
    Returns the seed, so a cell can print what it used.

    >>> seed_everything(4)
    4
    >>> torch.rand(1).item() == (seed_everything(4), torch.rand(1).item())[1]
    True
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed_everything expected an int seed, got {seed!r} ({type(seed).__name__})")
    if not 0 <= int(seed) < 2**32:
        raise ValueError(f"seed_everything expected a seed in [0, 2**32), got {seed}")
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
    if deterministic and torch.cuda.is_available():
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True, warn_only=True)
        if hasattr(torch.backends, "cudnn"):
            torch.backends.cudnn.benchmark = False
    return seed
