"""The course website: built from the stored notebooks, then read in headless Chromium.

Builds the site into a temporary folder (Sphinx + myst-nb, no execution, warnings
are errors), serves it on a free localhost port and checks, as a reader would:
the home page and two chapters load without console errors, every chapter link on
the home page resolves, the figures of the linear-regression chapter are
displayed, its formulas are typeset by the MathJax shipped with the site (no
internet here), and pages fit a phone's width and a projector's. Screenshots go to
screenshots/.
"""
from __future__ import annotations

import subprocess
import sys
import urllib.request
from urllib.parse import urljoin, urlparse

import pytest

from coursetools.notebooks import ROOT, chapter_notebooks
from tests.browser import SCREENSHOTS, browser_page, chromium_path, free_port, sync_playwright, wait_for_http

PHONE = (390, 844)
PROJECTOR = (1920, 1080)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    chromium_path()
    sync_playwright()
    out = tmp_path_factory.mktemp("site")
    build = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-c", "docs", "-b", "html",
                            ".", str(out)], cwd=ROOT, capture_output=True, text=True)
    assert build.returncode == 0, f"the site build failed:\n{build.stdout[-3000:]}\n{build.stderr[-3000:]}"
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                               "--directory", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}/"
        wait_for_http(base + "docs/index.html", server)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


def local_errors(page) -> list[str]:
    """Console errors, less failed loads of off-site images (badges): this machine has no internet."""
    return [e for e in page.errors if "net::ERR_" not in e and "Failed to load resource" not in e]


def open_page(page, url: str, name: str, size: tuple[int, int]) -> None:
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(url, wait_until="load")
    # MathJax typesets after the load event; wait for it (pages without formulas have no MathJax)
    page.evaluate("() => window.MathJax?.startup?.promise ? MathJax.startup.promise.then(() => true) : false")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"site-{name}-{size[0]}px.png"))


def fits_width(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_home_page_lists_every_chapter_and_links_resolve(site: str) -> None:
    with browser_page() as page:
        page.goto(site, wait_until="load")  # the site's root forwards to the home page
        page.wait_for_url("**/docs/index.html")
        open_page(page, site + "docs/index.html", "home", PROJECTOR)
        assert "Autograd, hands-on" in page.title()
        hrefs = page.eval_on_selector_all("a", "els => els.map(e => e.getAttribute('href'))")
        chapter_links = sorted({h.split("#")[0] for h in hrefs if h and "notebooks/" in h and h.endswith(".html")
                                and "/instructor/" not in h})
        expected = {p.stem for p in chapter_notebooks()}
        assert {link.rsplit("/", 1)[-1].removesuffix(".html") for link in chapter_links} >= expected
        for link in chapter_links:
            url = urljoin(site + "docs/index.html", link)
            assert urlparse(url).hostname == "127.0.0.1"
            with urllib.request.urlopen(url) as response:
                assert response.status == 200, url
        assert local_errors(page) == []


@pytest.mark.parametrize("chapter", ["01_first_gradients", "07_linear_regression_from_scratch"])
def test_chapter_pages_load_with_outputs_and_launch_links(site: str, chapter: str) -> None:
    with browser_page() as page:
        open_page(page, site + f"notebooks/{chapter}.html", chapter, PROJECTOR)
        assert local_errors(page) == []
        html = page.content()
        assert "colab.research.google.com" in html and "mybinder.org" in html
        assert "learner edition in Colab" in html
        assert page.locator(".cell_output").count() > 5  # stored outputs are shown
        if chapter.startswith("07"):
            sizes = page.eval_on_selector_all(".cell_output img", "els => els.map(e => [e.complete, e.naturalWidth])")
            assert len(sizes) >= 3 and all(done and width > 0 for done, width in sizes), sizes


def test_formulas_are_typeset_without_internet(site: str) -> None:
    with browser_page() as page:
        open_page(page, site + "notebooks/07_linear_regression_from_scratch.html", "07-math", PROJECTOR)
        assert page.locator("article mjx-container").count() >= 5, "MathJax typeset no formula"
        text = page.inner_text("article")
        assert "\\(" not in text and "\\hat" not in text, "raw TeX is showing: MathJax did not run"
        assert local_errors(page) == []


@pytest.mark.parametrize("size", [PHONE, PROJECTOR], ids=["phone", "projector"])
def test_readable_at_phone_and_projector_width(site: str, size: tuple[int, int]) -> None:
    with browser_page() as page:
        for name, path in (("home", "docs/index.html"), ("07", "notebooks/07_linear_regression_from_scratch.html")):
            open_page(page, site + path, f"{name}-fit", size)
            assert fits_width(page), f"{path} scrolls sideways at {size[0]} px"
            font = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('article p')).fontSize)")
            assert font >= 14, f"body text is {font}px at {size[0]} px"
