"""Shared test settings: every kernel (nbval's and ours) starts with the course's kernel environment."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from coursetools.notebooks import KERNEL_ENV, apply_kernel_env  # noqa: E402

apply_kernel_env()


@pytest.fixture
def headless(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURSE_LIVE", "0")


@pytest.fixture
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any call to time.sleep fails the test: the course never waits for nothing."""
    import time

    def forbidden(seconds: float) -> None:
        raise AssertionError(f"time.sleep({seconds}) was called")

    monkeypatch.setattr(time, "sleep", forbidden)


__all__ = ["KERNEL_ENV", "ROOT"]
