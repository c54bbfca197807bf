"""Checking an answer must not change the learner's session, and must not hang it.

:func:`learner_state_kept` saves and restores every random generator a chapter uses
(Python's, NumPy's global one, torch's CPU and GPU ones) and torch's global switches
(grad mode, default dtype), so that a check in the middle of a chapter leaves the
numbers of the following cells exactly as they would have been.

:func:`time_limit` stops a learner's function that does not finish (an endless loop)
with :class:`CheckTimeout`, where the platform allows it (a POSIX main thread).

>>> import random
>>> state = random.getstate()
>>> with learner_state_kept():
...     _ = random.random()
>>> random.getstate() == state
True
"""
from __future__ import annotations

import random
import signal
import threading
from contextlib import contextmanager
from typing import Any, Iterator

import numpy as np
import torch


class CheckTimeout(BaseException):
    """The answer did not finish in time.

    A BaseException, so that ``except Exception`` in learner code cannot swallow it.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        super().__init__(f"did not finish in {seconds:g} s")


@contextmanager
def learner_state_kept() -> Iterator[None]:
    """Run the body, then put back the random states and torch's global switches as they were."""
    python_state = random.getstate()
    numpy_state = np.random.get_state()
    torch_state = torch.get_rng_state()
    cuda_states = torch.cuda.get_rng_state_all() if torch.cuda.is_available() and torch.cuda.is_initialized() else None
    mps: Any = getattr(torch, "mps", None)
    mps_state = None
    if mps is not None and getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        mps_state = mps.get_rng_state()
    grad_enabled = torch.is_grad_enabled()
    default_dtype = torch.get_default_dtype()
    try:
        yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)
        torch.set_rng_state(torch_state)
        if cuda_states is not None:
            torch.cuda.set_rng_state_all(cuda_states)
        if mps_state is not None:
            mps.set_rng_state(mps_state)
        torch.set_grad_enabled(grad_enabled)
        torch.set_default_dtype(default_dtype)


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Draw from torch's CPU generator seeded with ``seed`` in the body, and leave it as it was afterwards.

    A check's cases and references draw the numbers a chapter draws after ``torch.manual_seed(seed)``
    without changing the learner's own stream (``check`` restores it too; this also holds outside it).

    >>> with seeded(0):
    ...     a = torch.rand(1)
    >>> with seeded(0):
    ...     b = torch.rand(1)
    >>> bool(a == b)
    True
    """
    with torch.random.fork_rng(devices=[]):
        torch.default_generator.manual_seed(seed)
        yield


RETRY_AFTER_IMPORT_S = 0.05  # how soon a time limit that fell inside an import looks again


def _importing(frame: Any) -> bool:
    """Whether ``frame`` (where a signal landed) runs inside an ``import``.

    An exception raised there leaves the module's submodules in ``sys.modules`` without the
    module itself, and every later import of it fails (``partially initialized module
    'torch._dynamo'``), so :func:`time_limit` waits for the import to finish: the first
    ``torch.optim`` optimizer of a session imports ``torch._dynamo``, which takes a second or more.

    >>> import sys
    >>> _importing(sys._getframe())
    False
    """
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False


def can_time_out() -> bool:
    """True where :func:`time_limit` can interrupt code: POSIX timers, and only in the main thread."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise :class:`CheckTimeout` in the body after ``seconds`` of wall time (no limit if None or unsupported).

    >>> with time_limit(5):
    ...     total = sum(range(1000))
    """
    if not seconds or not can_time_out():
        yield
        return

    def on_alarm(signum: int, frame: Any) -> None:
        if _importing(frame):  # stopping an import half-way would break that module for the whole session
            signal.setitimer(signal.ITIMER_REAL, RETRY_AFTER_IMPORT_S)
            return
        raise CheckTimeout(seconds)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
