"""The slides in real Chromium (Debian's, through Python playwright; see tests/browser.py).

Builds the decks of chapters 07 and 12 into a temporary folder, exactly as ``./course slides`` does (reveal.js
and MathJax copied next to them), serves the folder on localhost and checks, as a presenter would: the deck
opens on its title, the keyboard moves through it, a formula is typeset by the local MathJax, a figure is
shown with its alt text, the speaker notes hold the instructor guide and the speaker view (S) shows them, and
nothing is loaded from the network. Screenshots go to screenshots/.
"""
from __future__ import annotations

from urllib.parse import urlparse

import pytest

from coursetools.paths import NOTEBOOK_DIR
from coursetools.slides import build
from tests.browser import SCREENSHOTS, browser_page, chromium_path, serve_directory, sync_playwright

FIGURES_AND_MATH = "07_linear_regression_from_scratch"
NOTES = "12_hooks"
SIZE = (1280, 720)

READY_JS = ("() => window.Reveal && Reveal.isReady() && window.MathJax && MathJax.startup "
            "&& MathJax.startup.promise && true")
CURRENT_JS = """() => { const s = Reveal.getCurrentSlide();
  const img = s.querySelector('img');
  return {indices: Reveal.getIndices(), formulas: s.querySelectorAll('mjx-container').length,
          text: s.innerText, notes: Reveal.getSlideNotes() || '',
          image: img && {done: img.complete, natural: img.naturalWidth, shown: img.getBoundingClientRect().width,
                         alt: img.alt}}; }"""


@pytest.fixture(scope="module")
def decks(tmp_path_factory):
    chromium_path()
    sync_playwright()
    out = tmp_path_factory.mktemp("slides")
    build(out, [NOTEBOOK_DIR / f"{name}.ipynb" for name in (FIGURES_AND_MATH, NOTES)], warn=None)
    with serve_directory(out, "index.html") as base:
        yield base


def open_deck(page, url: str) -> None:
    page.goto(url, wait_until="load")
    page.wait_for_function(READY_JS)
    page.evaluate("() => MathJax.startup.promise.then(() => true)")


def current(page) -> dict:
    return page.evaluate(CURRENT_JS)


def press_until(page, key: str, wanted, limit: int = 80) -> dict:
    """Press ``key`` until the current slide satisfies ``wanted``; the slide's state."""
    for _ in range(limit):
        state = current(page)
        if wanted(state):
            return state
        page.keyboard.press(key)
    raise AssertionError(f"no slide satisfied the condition within {limit} presses of {key}")


def test_the_keyboard_moves_through_a_deck_with_formulas_and_figures(decks: str) -> None:
    with browser_page(*SIZE) as page:
        requests = []
        page.on("request", lambda request: requests.append(request.url))
        open_deck(page, decks + f"{FIGURES_AND_MATH}.html")
        start = current(page)
        assert start["indices"]["h"] == 0 and start["indices"]["v"] == 0
        assert "07 · Project: linear regression from scratch" in start["text"]
        page.keyboard.press("ArrowRight")
        assert current(page)["indices"]["h"] == 1, "→ did not move to the next slide"
        page.keyboard.press("ArrowLeft")
        assert current(page)["indices"]["h"] == 0, "← did not move back"

        seen = []
        state = press_until(page, "Space", lambda s: seen.append(s["indices"]) or s["formulas"] > 0)
        assert "\\(" not in state["text"] and "$" not in state["text"], "raw TeX on a slide: MathJax did not run"
        order = [(i["h"], i["v"], i.get("f") or -1) for i in seen]
        assert order == sorted(order) and len(set(order)) == len(order), f"space did not move forwards: {order}"
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "slides-07-formula.png"))

        state = press_until(page, "Space", lambda s: s["image"] is not None)
        image = state["image"]
        page.wait_for_function("() => [...Reveal.getCurrentSlide().querySelectorAll('img')].every(i => i.complete)")
        image = current(page)["image"]
        assert image["natural"] > 0, "the figure did not load"
        assert image["shown"] >= 300, f"the figure is shown {image['shown']:.0f} px wide"
        assert len(image["alt"].split()) >= 12 and "without a description" not in image["alt"], image["alt"]
        page.screenshot(path=str(SCREENSHOTS / "slides-07-figure.png"))

        assert page.errors == [], page.errors
        offsite = [u for u in requests if not u.startswith("data:") and urlparse(u).hostname != "127.0.0.1"]
        assert offsite == [], f"the deck loaded from the network: {offsite}"


def test_speaker_notes_hold_the_guide_and_the_speaker_view_shows_them(decks: str) -> None:
    with browser_page(*SIZE) as page:
        open_deck(page, decks + f"{NOTES}.html")
        title = current(page)
        assert "Learning objectives" in title["notes"] and "Timing plan" in title["notes"], title["notes"][:300]
        module = press_until(page, "ArrowRight", lambda s: s["text"].startswith("Module hooks"))
        assert "31-38 min" in module["notes"] and "Ask the room" in module["notes"], module["notes"][:300]
        exercise = press_until(page, "ArrowRight", lambda s: s["text"].startswith("Exercise 12.1"))
        assert "hook_modified_its_argument" in exercise["notes"], exercise["notes"][:300]
        assert "Correct: hooks.clip_hook" not in exercise["text"] or exercise["indices"].get("f", -1) >= 0, \
            "the worked solution shows before a key press"

        with page.context.expect_page(timeout=20_000) as popup:
            page.keyboard.press("s")
        view = popup.value
        view.wait_for_load_state("load")
        view.wait_for_function("() => (document.querySelector('.speaker-controls-notes') || {}).innerText?.length > 20",
                               timeout=20_000)
        shown = view.inner_text(".speaker-controls-notes")
        assert "hook_modified_its_argument" in shown, shown[:300]
        SCREENSHOTS.mkdir(exist_ok=True)
        view.screenshot(path=str(SCREENSHOTS / "slides-12-speaker-view.png"))
        assert page.errors == [], page.errors
