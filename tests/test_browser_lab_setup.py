"""A learner's first session, in real Chromium: `./course lab` opens the start page, chapter 01 of the
learner edition runs, and an exercise is answered wrong, then right.

The script runs from a temporary copy of what a learner's clone holds for it (the script, pyproject.toml,
the constraints, notebooks/), so autosave cannot touch the repository. It reuses an installed
environment and must not install: COURSE_VENV is this test's own interpreter's (or
``COURSE_TEST_LAB_VENV``, e.g. one made by `./course lab` alone, to prove the learner's set suffices) and
COURSE_REUSE_ONLY=1 makes the script fail instead of installing. The browser JupyterLab "opens" is
recorded through ``$BROWSER``, and Chromium is then pointed at exactly that address. The two tests
at the top need no browser: `./course help` lists exactly the commands, and the start page links
every chapter in its three places.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from types import SimpleNamespace

import pytest

from coursetools.notebooks import LEARNER_DIR, ROOT, chapter_notebooks
from tests.browser import (SCREENSHOTS, browser_page, chromium_path, course_lab_command, course_lab_env,
                           jupyterlab, learner_clone, notebook_state, run_all, sync_playwright)

START_PAGE = LEARNER_DIR / "START_HERE.md"
EXERCISE = "first_gradients.perceptron_by_hand"  # chapter 01's first exercise: dL/dW = -32
WRONG, RIGHT = "dL_dW = 32.0", "dL_dW = -32.0"   # a flipped sign, then the answer


def test_help_lists_exactly_the_commands() -> None:
    script = (ROOT / "course").read_text()
    dispatched = set(re.findall(r"^  ([a-z]+)(?:\|[^)]*)?\)$", script, flags=re.M))
    shown = subprocess.run([str(ROOT / "course"), "help"], capture_output=True, text=True, check=True).stdout
    lines = shown.strip().splitlines()
    listed = {line.split()[1] for line in lines if line.startswith("./course ")}
    assert listed == dispatched, f"help lists {sorted(listed)}, the script runs {sorted(dispatched)}"
    assert all(line.startswith(("./course ", " ")) for line in lines), f"help prints more than its commands:\n{shown}"


def test_start_page_links_every_chapter_in_both_editions_and_its_guide() -> None:
    text = START_PAGE.read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#]+)\)", text)
    for target in targets:
        assert (START_PAGE.parent / target).resolve().exists(), f"START_HERE.md links to {target}, which is missing"
    for path in chapter_notebooks():
        for link in (path.name, f"../{path.name}", f"../instructor/{path.stem}.md"):
            assert link in targets, f"START_HERE.md does not link {link}"
    assert "01_first_gradients.ipynb" in text.split("## ")[0], "the start page must point at chapter 01 first"


@pytest.fixture(scope="module")
def course_lab(tmp_path_factory):
    chromium_path()
    sync_playwright()
    repo = learner_clone(tmp_path_factory.mktemp("clone"))
    home = tmp_path_factory.mktemp("learner-home")
    opened = home / "opened.txt"
    recorder = home / "record_url.py"
    recorder.write_text(f"import sys\nwith open({str(opened)!r}, 'a') as f:\n    f.write(sys.argv[1] + '\\n')\n")
    env = course_lab_env(home, BROWSER=f"{sys.executable} {recorder} %s")
    log = home / "lab.log"
    # the extra arguments reach JupyterLab through ./course lab: passing them on is tested too
    with jupyterlab(course_lab_command(repo, browser=True), env, cwd=repo, log=log) as base:
        deadline = time.monotonic() + 30
        while not (opened.exists() and opened.read_text().strip()) and time.monotonic() < deadline:
            time.sleep(0.2)  # JupyterLab opens "the browser" just after it starts answering
        assert opened.exists(), f"./course lab opened no browser page; its log:\n{log.read_text()[-3000:]}"
        yield SimpleNamespace(base=base, url=opened.read_text().split()[0], log=log, repo=repo)


CHAPTER_01_READY_JS = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  return !!(w && w.context && w.context.path === 'learner/01_first_gradients.ipynb' && w.sessionContext
            && w.sessionContext.isReady && w.sessionContext.session.kernel.status === 'idle');
}"""


def exercise_index(state: dict) -> int:
    return next(i for i, c in enumerate(state["cells"])
                if c["type"] == "code" and f'NotImplementedError("Exercise {EXERCISE}:' in c["source"])


def errors(cell: dict) -> list[dict]:
    return [o for o in cell["outputs"] if o["output_type"] == "error"]


def answer(page, index: int, code: str, expect: str, timeout: float = 60.0) -> dict:
    """Type ``code`` into cell ``index`` as a learner would, run it (Ctrl+Enter) and wait for ``expect``."""
    cell = page.locator(".jp-Notebook .jp-Cell").nth(index)
    cell.scroll_into_view_if_needed()
    cell.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Control+A")
    page.keyboard.type(code)
    before = notebook_state(page)["cells"][index]["count"]
    page.keyboard.press("Control+Enter")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = notebook_state(page)
        now = state["cells"][index]
        if state["status"] == "idle" and now["count"] not in (None, before):
            return now
        page.wait_for_timeout(100)
    raise AssertionError(f"the cell did not finish within {timeout:.0f} s (waiting for {expect!r})")


def output_text(cell: dict) -> str:
    parts = []
    for o in cell["outputs"]:
        if o["output_type"] == "stream":
            parts.append(o["text"] if isinstance(o["text"], str) else "".join(o["text"]))
        elif o["output_type"] == "error":
            parts.append(f"{o['ename']}: {o['evalue']}\n" + "\n".join(o.get("traceback", [])))
    return "\n".join(parts)


def test_a_learners_first_session(course_lab) -> None:
    if os.getuid() == 0:
        assert "--allow-root" in course_lab.log.read_text(), "as root, ./course lab must say it adds --allow-root"
    with browser_page() as page:
        # 1. the page ./course lab opened: the start page, rendered, in the learner edition
        page.goto(course_lab.url)
        page.wait_for_function("""() => {
          const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
          return w && w.context && w.context.path === 'learner/START_HERE.md'
                 && w.content && w.content.node.classList.contains('jp-MarkdownViewer')
                 && !!w.content.node.querySelector('.jp-RenderedMarkdown h1');
        }""", timeout=60_000)
        heading = page.locator(".jp-MarkdownViewer .jp-RenderedMarkdown h1").first.inner_text()
        assert "Start here" in heading
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "jupyterlab-start-page.png"))

        # 2. its first link opens chapter 01 of the learner edition, without stored outputs
        page.locator(".jp-MarkdownViewer a", has_text="chapter 01").first.click()
        page.wait_for_function(CHAPTER_01_READY_JS, timeout=90_000)
        state = notebook_state(page)
        assert not any(c["outputs"] for c in state["cells"]), "the learner edition must open without outputs"

        # 3. Run All stops at the first exercise, with its own message; everything above it ran cleanly
        index = exercise_index(state)
        run_all(page, stop_at=index)
        state = notebook_state(page)
        code = [(i, c) for i, c in enumerate(state["cells"]) if c["type"] == "code"]
        above = [c for i, c in code if i < index]
        assert above and all(c["count"] is not None and not errors(c) for c in above), \
            [c["source"].splitlines()[0] for c in above if errors(c)]
        stop = errors(state["cells"][index])
        assert stop and stop[0]["ename"] == "NotImplementedError" and EXERCISE in stop[0]["evalue"], stop
        assert all(c["count"] is None for i, c in code if i > index), "Run All went on past the unanswered exercise"

        # 4. answered wrong (a flipped sign): WrongAnswer names the mistake; then right: "Correct:"
        check_line = next(line for line in state["cells"][index]["source"].splitlines() if line.startswith("check("))
        wrong = answer(page, index, f"{WRONG}\n{check_line}", "WrongAnswer")
        text = output_text(wrong)
        assert errors(wrong) and errors(wrong)[0]["ename"] == "WrongAnswer", text
        assert "sign is flipped" in text and "32" in text, text
        right = answer(page, index, f"{RIGHT}\n{check_line}", "Correct:")
        assert not errors(right) and f"Correct: {EXERCISE}" in output_text(right), output_text(right)
        page.screenshot(path=str(SCREENSHOTS / "jupyterlab-learner-01-answered.png"))

        # 5. nothing asked the learner about news on the way
        assert page.get_by_text("Jupyter news").count() == 0, "JupyterLab asked about news (overrides.json missing?)"
