"""JupyterLab in a real browser: open a chapter, Run All, and look at what a learner would see.

Starts JupyterLab on a free localhost port over a temporary copy of the notebooks
(so autosave cannot touch the repository), drives headless Debian Chromium with
Playwright, and asserts that no cell shows an error it should not, that every
exercise check printed its confirmation, and (chapter 07) that the training plot
was rendered as an image. A screenshot of each chapter is saved in screenshots/.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

import pytest

from coursetools.notebooks import NOTEBOOK_DIR, ROOT
from tests.browser import SCREENSHOTS, browser_page, chromium_path, free_port, sync_playwright, wait_for_http

CHAPTERS = {
    "01_first_gradients.ipynb": {"image": False},
    "07_linear_regression_from_scratch.ipynb": {"image": True},
}

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


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    chromium_path()
    sync_playwright()
    workdir = tmp_path_factory.mktemp("lab")
    for name in CHAPTERS:
        shutil.copy(NOTEBOOK_DIR / name, workdir / name)
    config = workdir / ".jupyter-config"
    (config / "labconfig").mkdir(parents=True)
    # no "would you like news?" popup over the notebook
    (config / "labconfig" / "page_config.json").write_text(json.dumps(
        {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}))
    env = {k: v for k, v in os.environ.items() if k not in ("COURSE_LIVE", "TQDM_DISABLE")}  # a live front end
    env.update(JUPYTER_CONFIG_DIR=str(config), PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]))
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root", f"--port={port}",
         "--ServerApp.ip=127.0.0.1", "--IdentityProvider.token=", "--ServerApp.password=",
         "--LabApp.expose_app_in_browser=True", f"--ServerApp.root_dir={workdir}",
         "--ServerApp.disable_check_xsrf=True"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/api/status", process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def run_all(page, base: str, name: str, timeout: float = 150.0) -> dict:
    page.goto(f"{base}/lab/workspaces/test-{name[:2]}/tree/{name}?reset")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget "
                           "&& window.jupyterapp.shell.currentWidget.sessionContext "
                           "&& window.jupyterapp.shell.currentWidget.sessionContext.isReady", timeout=60_000)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    deadline = time.monotonic() + timeout
    state = None
    while time.monotonic() < deadline:
        state = page.evaluate(STATE_JS)
        code = [c for c in state["cells"] if c["type"] == "code"] if state else []
        if code and state["status"] == "idle" and all(c["count"] is not None or "raises-exception" in c["tags"]
                                                      for c in code):
            return state
        page.wait_for_timeout(250)
    raise AssertionError(f"{name} did not finish running within {timeout:.0f} s; last state: {state and state['status']}")


@pytest.mark.parametrize("name", sorted(CHAPTERS))
def test_run_all_in_jupyterlab(lab: str, name: str) -> None:
    with browser_page() as page:
        state = run_all(page, lab, name)
        if CHAPTERS[name]["image"]:  # the training plot, as the learner sees it
            cell = page.locator(".jp-CodeCell", has_text="TrainingPlot").first
            image = cell.locator(".jp-OutputArea-output img").first
            image.scroll_into_view_if_needed()
            assert image.evaluate("img => img.complete && img.naturalWidth > 0"), "the training plot image is empty"
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"jupyterlab-{name.removesuffix('.ipynb')}.png"), full_page=False)
    code = [c for c in state["cells"] if c["type"] == "code"]
    unexpected = [c["source"].splitlines()[0] for c in code if "raises-exception" not in c["tags"]
                  and any(o["output_type"] == "error" for o in c["outputs"])]
    assert not unexpected, f"error outputs in {name}: {unexpected}"
    checks = sum(c["source"].count('check("') for c in code)
    confirmations = sum(o.get("text", "").count("Correct: ") for c in code for o in c["outputs"]
                        if o["output_type"] == "stream")
    assert checks >= 3 and confirmations == checks, f"{confirmations} confirmations for {checks} checks"
    if CHAPTERS[name]["image"]:
        training = [c for c in code if "TrainingPlot" in c["source"]]
        assert training, "chapter 07 has no TrainingPlot cell"
        assert any("image/png" in o.get("data", {}) for c in training for o in c["outputs"]), \
            "the training plot was not rendered as an image"
