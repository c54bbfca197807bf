"""What the first cell of every chapter does, in one call.

Keeping it here (not in each notebook) means every chapter starts the same way and
a fix reaches all of them.
"""
from __future__ import annotations

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
    seed_everything(seed)
    if style:
        from course_utils.plots.style import set_style

        set_style()
    device = get_device()
    print(environment_summary(device))
    return device
