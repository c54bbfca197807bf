"""JupyterLab in a real browser: open a chapter, Run All, and look at what a learner would see.

Starts JupyterLab on a free localhost port over a temporary copy of the notebooks
(so autosave cannot touch the repository), drives headless Debian Chromium with
Playwright, and asserts that no cell shows an error it should not, that every
exercise check printed its confirmation, and (chapter 07) that the training plot
was rendered as one image, updated in place. A screenshot of each chapter is saved
in screenshots/. Timings are not tested here: ``./course bench --only browser``
measures them.
"""
from __future__ import annotations

import os
import shutil

import pytest

from coursetools.notebooks import NOTEBOOK_DIR, ROOT
from tests.browser import (SCREENSHOTS, browser_page, chromium_path, jupyterlab, lab_env, notebook_state,
                           open_notebook, python_lab_command, run_all, sync_playwright)

CHAPTERS = {
    "01_first_gradients.ipynb": {"image": False},
    "07_linear_regression_from_scratch.ipynb": {"image": True},
}


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    chromium_path()
    sync_playwright()
    workdir = tmp_path_factory.mktemp("lab")
    for name in CHAPTERS:
        shutil.copy(NOTEBOOK_DIR / name, workdir / name)
    env = lab_env(tmp_path_factory.mktemp("jupyter-home"),
                  PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    with jupyterlab(python_lab_command(workdir), env) as base:
        yield base


@pytest.mark.parametrize("name", sorted(CHAPTERS))
def test_run_all_in_jupyterlab(lab: str, name: str) -> None:
    with browser_page() as page:
        open_notebook(page, f"{lab}/lab/workspaces/test-{name[:2]}/tree/{name}?reset")
        run_all(page)
        state = notebook_state(page)
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
        images = [o for o in training[0]["outputs"] if "image/png" in o.get("data", {})]
        # one figure, updated in place (a display handle), never a new image per frame
        assert len(images) == 1, f"the training cell shows {len(images)} images, not one updated in place"
