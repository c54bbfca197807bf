"""Shared fixtures of the tests (the kernel environment itself is applied by the root conftest.py)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from coursetools.notebooks import KERNEL_ENV  # noqa: E402


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
