"""Shared pieces of the real-browser tests: find Chromium and Playwright, serve on a free localhost port,
start JupyterLab and drive a notebook in it.

Debian's ``chromium`` is used through Python ``playwright`` with ``executable_path``;
no browser is ever downloaded. Where either is missing the browser tests are
skipped with that reason (``.ci/run`` installs both). ``benchmarks/run_benchmark.py``
uses the same JupyterLab helpers for its browser timings, so nothing here needs pytest
except the two ``pytest.skip`` lookups.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]

SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"


class Missing(RuntimeError):
    """Chromium or playwright is not installed (the tests skip, the benchmark says so)."""


def _skip_or_raise(reason: str):
    if "pytest" in sys.modules:
        import pytest

        pytest.skip(reason)
    raise Missing(reason)


def chromium_path() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    _skip_or_raise("Chromium is not installed (Debian: apt-get install chromium); .ci/run installs it")


def sync_playwright():
    try:
        from playwright.sync_api import sync_playwright as factory
    except ImportError:
        _skip_or_raise("Python playwright is not installed (pip install playwright); .ci/run installs it")
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


# ---------------------------------------------------------------------------------------------------
# JupyterLab

# What a test server needs on top of a learner's: no token, the app object exposed to the page.
LAB_TEST_ARGS = ["--no-browser", "--ServerApp.ip=127.0.0.1", "--IdentityProvider.token=", "--ServerApp.password=",
                 "--LabApp.expose_app_in_browser=True", "--ServerApp.disable_check_xsrf=True"]

# Variables of the test process that a learner's kernel would not have (tests/conftest.py sets them).
HEADLESS_ONLY = ("COURSE_LIVE", "TQDM_DISABLE", "IPYKERNEL_CELL_NAME", "OMP_NUM_THREADS")


def lab_env(home: Path, no_news: bool = True, **extra: str) -> dict[str, str]:
    """The environment of a learner's JupyterLab, with its settings kept in ``home`` (not ~/.jupyter).

    The headless switches of the test process are removed: the kernel must see a live front end.
    ``no_news`` switches off the "would you like news?" popup for a bare ``jupyter lab`` (``./course lab``
    does that itself, in the environment's settings). Exercise checks record their attempts in ``home``.
    """
    env = {k: v for k, v in os.environ.items() if k not in HEADLESS_ONLY}
    config = home / "config"
    (config / "labconfig").mkdir(parents=True, exist_ok=True)
    if no_news:
        (config / "labconfig" / "page_config.json").write_text(json.dumps(
            {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}))
    env.update(COURSE_PROGRESS_FILE=str(home / "attempts.jsonl"), JUPYTER_CONFIG_DIR=str(config),
               JUPYTERLAB_SETTINGS_DIR=str(home / "settings"), JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
               JUPYTER_RUNTIME_DIR=str(home / "runtime"), **extra)
    return env


@contextmanager
def jupyterlab(command: Sequence[str], env: dict[str, str], cwd: Path | None = None, log: Path | None = None,
               timeout: float = 90.0) -> Iterator[str]:
    """Run a JupyterLab ``command`` (which must include :data:`LAB_TEST_ARGS` and no ``--port``) on a
    free port; yield its base URL; stop it afterwards. Its output goes to ``log`` (shown if it fails to start)."""
    port = free_port()
    out = open(log, "wb") if log else subprocess.DEVNULL
    process = subprocess.Popen([*command, f"--port={port}"], env=env, cwd=cwd,
                               stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        try:
            wait_for_http(f"http://127.0.0.1:{port}/api/status", process, timeout=timeout)
        except (RuntimeError, TimeoutError) as exc:
            tail = log.read_text(errors="replace")[-3000:] if log else "(no log)"
            raise RuntimeError(f"{exc}\n{' '.join(map(str, command))}\n{tail}") from None
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the server and the kernels it started (its own session)
            process.wait(timeout=15)
        if log:
            out.close()


def python_lab_command(root_dir: Path, python: str = sys.executable) -> list[str]:
    """``python -m jupyter lab`` over ``root_dir`` with the test arguments."""
    return [python, "-m", "jupyter", "lab", *LAB_TEST_ARGS, "--allow-root", f"--ServerApp.root_dir={root_dir}"]


# What a learner's clone holds for `./course lab` (the environment itself is reused, see course_lab_env).
LEARNER_FILES = ["course", "pyproject.toml", "requirements/constraints.txt", "notebooks"]


def learner_clone(into: Path) -> Path:
    """Copy :data:`LEARNER_FILES` into ``into``: `./course lab` run there serves the copy, so autosave
    cannot touch the repository."""
    root = Path(__file__).resolve().parent.parent
    for name in LEARNER_FILES:
        source, target = root / name, into / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        else:
            shutil.copy2(source, target)
    return into


def course_lab_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment for `./course lab` from a :func:`learner_clone`: it reuses this interpreter's venv
    (or ``COURSE_TEST_LAB_VENV``) and must not install into it (``COURSE_REUSE_ONLY=1``). The kernels
    import this repository's ``course_utils`` whichever venv it is."""
    venv = os.environ.get("COURSE_TEST_LAB_VENV", sys.prefix)
    root = str(Path(__file__).resolve().parent.parent)
    path = os.pathsep.join(p for p in [root, os.environ.get("PYTHONPATH", "")] if p)
    return lab_env(home, no_news=False, COURSE_VENV=venv, COURSE_REUSE_ONLY="1", PYTHONPATH=path, **extra)


def course_lab_command(clone: Path, browser: bool = False) -> list[str]:
    """A learner's `./course lab`, plus what a test needs, passed on to JupyterLab as extra arguments:
    a local address without a token, the app exposed to the page (and no browser unless ``browser``)."""
    args = [a for a in LAB_TEST_ARGS if browser is False or a != "--no-browser"]
    return [str(clone / "course"), "lab", *args]


# The open notebook as JSON: kernel status, and per cell its type, tags, source, count and outputs.
STATE_JS = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  if (!panel || !panel.content || !panel.sessionContext || !panel.sessionContext.session) { return null; }
  const kernel = panel.sessionContext.session.kernel;
  const cells = panel.content.widgets.map(cell => ({
    type: cell.model.type,
    tags: cell.model.getMetadata('tags') || [],
    source: cell.model.sharedModel.getSource(),
    count: cell.model.type === 'code' ? cell.model.executionCount : null,
    outputs: cell.model.type === 'code' ? cell.model.outputs.toJSON() : [],
  }));
  return {status: kernel ? kernel.status : 'none', cells};
}"""

NOTEBOOK_READY_JS = ("() => window.jupyterapp && window.jupyterapp.shell.currentWidget "
                     "&& window.jupyterapp.shell.currentWidget.sessionContext "
                     "&& window.jupyterapp.shell.currentWidget.sessionContext.isReady "
                     "&& window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle'")

# Clear every output, then Run All; resolves with the milliseconds until every code cell has run and
# the kernel is idle again, or with -1 after `timeout` ms. Cells run after an error are not counted
# (Run All stops there): `stopAt` names the index of a cell expected to stop the run, or -1.
RUN_ALL_JS = """async ({timeout, stopAt}) => {
  const app = window.jupyterapp;
  const panel = app.shell.currentWidget;
  await app.commands.execute('notebook:clear-all-cell-outputs');
  const code = panel.content.widgets.filter(c => c.model.type === 'code');
  const last = stopAt >= 0 ? panel.content.widgets[stopAt] : code[code.length - 1];
  const kernel = () => panel.sessionContext.session.kernel;
  const t0 = performance.now();
  app.commands.execute('notebook:run-all-cells');
  while (performance.now() - t0 < timeout) {
    await new Promise(resolve => setTimeout(resolve, 10));
    const upTo = code.slice(0, code.indexOf(last) + 1);
    if (upTo.every(c => c.model.executionCount !== null) && kernel().status === 'idle') {
      return performance.now() - t0;
    }
  }
  return -1;
}"""

# Run one cell; resolve with the milliseconds from the command until the cell has finished and its
# last image output is on screen (decoded, the same bytes as the final frame in the model).
CELL_TO_FINAL_IMAGE_JS = """async ({index, timeout}) => {
  const app = window.jupyterapp;
  const panel = app.shell.currentWidget;
  const notebook = panel.content;
  const cell = notebook.widgets[index];
  notebook.deselectAll();
  notebook.activeCellIndex = index;
  cell.node.scrollIntoView({block: 'start'});
  const before = cell.model.executionCount;
  const t0 = performance.now();
  app.commands.execute('notebook:run-cell');
  while (performance.now() - t0 < timeout) {
    await new Promise(resolve => setTimeout(resolve, 5));
    const count = cell.model.executionCount;
    if (count === null || count === before) { continue; }
    const pngs = cell.model.outputs.toJSON().filter(o => o.data && o.data['image/png']);
    if (!pngs.length) { return -2; }
    const want = pngs[pngs.length - 1].data['image/png'];
    const final = (Array.isArray(want) ? want.join('') : want).replace(/\\s/g, '');
    const images = [...cell.node.querySelectorAll('.jp-OutputArea-output img')];
    const img = images[images.length - 1];
    if (img && img.complete && img.naturalWidth > 0 && img.src.replace(/\\s/g, '').endsWith(final)) {
      await img.decode();
      return performance.now() - t0;
    }
  }
  return -1;
}"""


def open_notebook(page, url: str, timeout_ms: int = 90_000) -> None:
    """Open a notebook URL and wait until its kernel is started and idle."""
    page.goto(url)
    page.wait_for_function(NOTEBOOK_READY_JS, timeout=timeout_ms)


def notebook_state(page) -> dict:
    return page.evaluate(STATE_JS)


def run_all(page, timeout: float = 150.0, stop_at: int = -1) -> float:
    """Clear outputs, Run All, and return the seconds until every code cell ran (up to ``stop_at``)."""
    ms = page.evaluate(RUN_ALL_JS, {"timeout": timeout * 1000, "stopAt": stop_at})
    if ms < 0:
        state = notebook_state(page)
        raise AssertionError(f"Run All did not finish within {timeout:.0f} s; kernel {state and state['status']}")
    return ms / 1000


def time_cell_to_final_image(page, index: int, timeout: float = 180.0) -> float:
    """Run cell ``index`` and return the seconds until it finished and its last image is shown."""
    ms = page.evaluate(CELL_TO_FINAL_IMAGE_JS, {"index": index, "timeout": timeout * 1000})
    if ms == -2:
        raise AssertionError(f"cell {index} finished without an image output")
    if ms < 0:
        raise AssertionError(f"cell {index} did not show its final image within {timeout:.0f} s")
    return ms / 1000


# ---------------------------------------------------------------------------------------------------
# Static folders (the built site, the slides) and accessibility audits

@contextmanager
def serve_directory(path: Path, probe: str = "") -> Iterator[str]:
    """Serve ``path`` with Python's http.server on a free localhost port; yield the base URL (ending in /).
    ``probe`` is a file under ``path`` to wait for."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                               "--directory", str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}/"
        wait_for_http(base + probe, server)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


def axe_script() -> str:
    """axe-core's source, as the PyPI package axe-playwright-python bundles it (skips where it is missing)."""
    try:
        from axe_playwright_python.base import AXE_SCRIPT
    except ImportError:
        _skip_or_raise("axe-playwright-python is not installed (pip install axe-playwright-python); "
                       "it is in the dev extra")
    return AXE_SCRIPT


# Every axe-core rule except the WCAG AAA ones (color-contrast-enhanced, identical-links-same-purpose,
# meta-refresh-no-exceptions) and the deprecated ones; the experimental rules are included on purpose
# (label-content-name-mismatch, WCAG 2.5.3, is one of them).
AXE_RUN_JS = """async (skip) => {
  const rules = axe.getRules()
    .filter(r => !r.tags.includes('wcag2aaa') && !r.tags.includes('deprecated') && !skip.includes(r.ruleId))
    .map(r => r.ruleId);
  const result = await axe.run(document, {runOnly: {type: 'rule', values: rules}, resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 200)})),
  }));
}"""


def axe_violations(page, skip_rules: Sequence[str] = ()) -> list[dict]:
    """axe-core's violations on the page as it is now: ``[{id, impact, help, nodes: [{target, html}]}]``."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_script())
    return page.evaluate(AXE_RUN_JS, list(skip_rules))
