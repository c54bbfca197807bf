"""Shared pieces of the real-browser tests: find Chromium and Playwright, serve on a free localhost port.

Debian's ``chromium`` is used through Python ``playwright`` with ``executable_path``;
no browser is ever downloaded. Where either is missing the browser tests are
skipped with that reason (``.ci/run`` installs both).
"""
from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]


def chromium_path() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("Chromium is not installed (Debian: apt-get install chromium); .ci/run installs it")


def sync_playwright():
    try:
        from playwright.sync_api import sync_playwright as factory
    except ImportError:
        pytest.skip("Python playwright is not installed (pip install playwright); .ci/run installs it")
    return factory


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, process: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with code {process.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)  # polling a local server that is starting; not a delay in the course
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


@contextmanager
def browser_page(width: int = 1400, height: int = 900) -> Iterator[object]:
    """A Playwright page in headless Debian Chromium; console errors are collected on ``page.errors``."""
    executable = chromium_path()
    factory = sync_playwright()
    with factory() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.errors = []  # type: ignore[attr-defined]
            page.on("console", lambda msg: page.errors.append(msg.text) if msg.type == "error" else None)
            page.on("pageerror", lambda exc: page.errors.append(str(exc)))
            yield page
        finally:
            browser.close()


SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"
