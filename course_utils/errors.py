"""Showing an error on purpose, so that every front end goes on to the next cell.

A chapter often shows what PyTorch says when something is done wrong. Raising the error
in a cell tagged ``raises-exception`` works in JupyterLab and nbclient, but VS Code,
``jupyter nbconvert --execute`` and papermill ignore the tag and stop there. Instead the
cell runs the failing line inside :func:`show_error`, which prints the exception's type and
message exactly as Python would show its last line, and lets the notebook go on.

>>> with show_error():
...     int("five")
ValueError: invalid literal for int() with base 10: 'five'
"""
from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Iterator


class NoErrorRaised(AssertionError):
    """The code inside ``show_error`` was expected to fail and did not (a different torch version?)."""


@contextmanager
def show_error(*expected: type[BaseException]) -> Iterator[None]:
    """Run the body; print the error it raises as ``Type: message`` instead of stopping the notebook.

    ``expected`` restricts which exception types count (any ``Exception`` by default); another
    type propagates as usual. If the body raises nothing, :class:`NoErrorRaised` says so, so a
    demonstration can never silently stop demonstrating.

    >>> import torch
    >>> with show_error(RuntimeError):
    ...     torch.ones(2, requires_grad=True).sum().backward(); torch.ones(2).backward()
    RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn
    """
    kinds = expected or (Exception,)
    try:
        yield
    except kinds as exc:  # the point: show the error a learner would meet
        sys.stdout.flush()
        print(f"{type(exc).__name__}: {exc}", file=sys.stdout, flush=True)
        return
    raise NoErrorRaised("this cell was meant to show an error, but the code ran without one; the behaviour "
                        "of your PyTorch version may differ from the one the chapter was written for")

