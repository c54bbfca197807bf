"""The course website: built from the stored notebooks, then read in headless Chromium.

Builds the site into a temporary folder (Sphinx + myst-nb, no execution, warnings
are errors), serves it on a free localhost port and checks, as a reader would:
the home page and two chapters load without console errors, every chapter link on
the home page resolves, the figures of the linear-regression chapter are
displayed, its formulas are typeset by the MathJax shipped with the site (no
internet here), and pages fit a phone's width and a projector's. Also: the ☰ and
contents menus open and close by click at 1440 and 390 px, figures stay readable on
a phone (a wide figure scrolls, it is not shrunk), the home page's chapter table is
not clipped, every chapter's slides are linked, and axe-core finds no serious or
critical violation on any page at either width (the counts by rule are printed and
written to screenshots/site-accessibility.txt). Screenshots go to screenshots/.
COURSE_TEST_SITE=DIR checks a site built already instead of building one.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest

from coursetools.notebooks import ROOT, chapter_notebooks
from tests.browser import (SCREENSHOTS, axe_script, axe_violations, browser_page, chromium_path, free_port,
                           sync_playwright, wait_for_http)

PHONE = (390, 844)
DESKTOP = (1440, 900)
PROJECTOR = (1920, 1080)
READABLE_SCALE = 0.7  # on a phone a figure is shown at no less than 70% of its natural size (10 pt text >= 9 px)
BLOCKING = ("serious", "critical")

BUILT: dict[str, Path] = {}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    chromium_path()
    sync_playwright()
    prebuilt = os.environ.get("COURSE_TEST_SITE")  # a site built already (to check one, or to iterate quickly)
    out = Path(prebuilt) if prebuilt else tmp_path_factory.mktemp("site")
    BUILT["site"] = out
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-c", "docs", "-b", "html", ".", str(out)]
    build = (subprocess.CompletedProcess(command, 0, "", "") if prebuilt
             else subprocess.run(command, cwd=ROOT, capture_output=True, text=True))
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


# ---------------------------------------------------------------------------------------------------
# The theme's menus, figures on a phone, the home page's table, the slides' links

VISIBLE_JS = """(sel) => { const e = document.querySelector(sel); if (!e) return false;
  const r = e.getBoundingClientRect(), s = getComputedStyle(e);
  return r.width > 0 && r.height > 0 && r.right > 0 && r.left < innerWidth && s.visibility !== 'hidden'; }"""


def _visible_in_viewport(page, selector: str, wanted: bool = True, timeout_ms: int = 5000) -> bool:
    """Whether ``selector`` is on screen, waiting up to ``timeout_ms`` for it to become ``wanted`` (the theme
    animates its sidebars)."""
    try:
        page.wait_for_function(f"(sel) => ({VISIBLE_JS})(sel) === {str(wanted).lower()}", arg=selector,
                               timeout=timeout_ms)
    except Exception:  # playwright's TimeoutError: report the state as it is
        pass
    return page.evaluate(VISIBLE_JS, selector)


def _dialog_open(page, selector: str, wanted: bool, timeout_ms: int = 5000) -> bool:
    try:
        page.wait_for_function(f"(sel) => document.querySelector(sel).open === {str(wanted).lower()}", arg=selector,
                               timeout=timeout_ms)
    except Exception:
        pass
    return page.evaluate("(sel) => document.querySelector(sel).open", selector)


def test_menus_open_and_close_by_click_on_a_desktop(site: str) -> None:
    with browser_page(*DESKTOP) as page:
        open_page(page, site + "notebooks/12_hooks.html", "menus-12", DESKTOP)
        toggle = page.locator(".bd-header-article .primary-toggle")
        assert toggle.is_visible(), "no visible ☰ button in the article header"
        assert _visible_in_viewport(page, "#pst-primary-sidebar .bd-docs-nav"), "the chapter list is not shown"
        toggle.click()
        assert not _visible_in_viewport(page, "#pst-primary-sidebar .bd-docs-nav", wanted=False), \
            "☰ did not hide the chapter list"
        toggle.click()
        assert _visible_in_viewport(page, "#pst-primary-sidebar .bd-docs-nav"), "☰ did not bring the chapter list back"
        # At this width the contents are a column of their own, always shown (the theme hides their button).
        assert _visible_in_viewport(page, "#pst-secondary-sidebar nav.page-toc"), "the page's contents are not shown"
        assert local_errors(page) == []


@pytest.mark.parametrize("which, outside_x", [("primary", PHONE[0] - 5), ("secondary", 5)])
def test_menus_open_and_close_by_click_on_a_phone(site: str, which: str, outside_x: int) -> None:
    with browser_page(*PHONE) as page:
        open_page(page, site + "notebooks/12_hooks.html", f"menus-{which}", PHONE)
        toggle = page.locator(f".bd-header-article .{which}-toggle")
        dialog = f"#pst-{which}-sidebar-modal"
        assert toggle.is_visible(), f"no visible {which} menu button at {PHONE[0]} px"
        toggle.click()
        assert _dialog_open(page, dialog, True), f"the {which} menu did not open"
        content = ".bd-docs-nav a" if which == "primary" else "nav.page-toc a"
        assert page.locator(f"{dialog} {content}").first.is_visible(), f"the open {which} menu shows no links"
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"site-menu-{which}-{PHONE[0]}px.png"))
        page.mouse.click(outside_x, PHONE[1] // 2)  # on the backdrop, beside the menu
        assert not _dialog_open(page, dialog, False), f"a click beside the {which} menu did not close it"
        assert local_errors(page) == []


def _chapters_with_figures() -> list[str]:
    found = []
    for path in chapter_notebooks():
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        if any("image/png" in o.get("data", {}) for c in cells for o in c.get("outputs", [])):
            found.append(path.stem)
    return found


def test_figures_stay_readable_on_a_phone(site: str) -> None:
    shrunk, sideways = [], []
    with browser_page(*PHONE) as page:
        for stem in _chapters_with_figures():
            open_page(page, site + f"notebooks/{stem}.html", f"{stem[:2]}-figures", PHONE)
            # course.js gives each figure its natural width once it has loaded
            page.wait_for_function("() => [...document.querySelectorAll('.cell_output img')].every(i => i.complete "
                                   "&& i.style.getPropertyValue('--course-natural-width'))")
            figures = page.evaluate("""() => [...document.querySelectorAll('.cell_output img')].map(i => {
                const area = i.closest('.cell_output');
                return {src: i.getAttribute('src'), natural: i.naturalWidth, shown: i.getBoundingClientRect().width,
                        scrolls: area.scrollWidth > area.clientWidth + 1, focusable: area.tabIndex >= 0}; })""")
            assert figures, f"{stem}: no figure on the page"
            for f in figures:
                assert f["natural"] > 0, f"{stem}: a figure did not load: {f['src']}"
                if f["shown"] < min(f["natural"], READABLE_SCALE * f["natural"]) - 1:
                    shrunk.append(f"{stem}: {f['src'].rsplit('/', 1)[-1][:12]} shown {f['shown']:.0f} px wide of "
                                  f"{f['natural']} ({f['shown'] / f['natural']:.0%})")
                if f["scrolls"]:
                    assert f["focusable"], f"{stem}: a figure scrolls sideways but a keyboard cannot reach it"
            if not fits_width(page):
                sideways.append(stem)
    assert not shrunk, (f"figures shrunk below {READABLE_SCALE:.0%} of their size at {PHONE[0]} px:\n"
                        + "\n".join(shrunk))
    assert not sideways, f"pages that scroll sideways at {PHONE[0]} px (only a figure's own box may): {sideways}"


@pytest.mark.parametrize("size", [DESKTOP, PROJECTOR], ids=["desktop", "projector"])
def test_home_page_table_is_not_clipped(site: str, size: tuple[int, int]) -> None:
    with browser_page(*size) as page:
        open_page(page, site + "docs/index.html", "home-table", size)
        tables = page.evaluate("""() => [...document.querySelectorAll('article table')].map(t => {
            const box = t.closest('.pst-scrollable-table-container') || t.parentElement;
            return [box.scrollWidth, box.clientWidth, t.getBoundingClientRect().right, innerWidth]; })""")
        assert tables, "the home page has no table"
        for scroll_width, client_width, right, width in tables:
            assert scroll_width <= client_width + 1, \
                f"the chapter table is clipped: {scroll_width} px in {client_width}"
            assert right <= width, "the chapter table runs past the window"


def test_every_chapter_links_its_slides(site: str) -> None:
    stems = [p.stem for p in chapter_notebooks()]
    with browser_page(*DESKTOP) as page:
        open_page(page, site + "docs/index.html", "home-slides", DESKTOP)
        listed = page.eval_on_selector_all(".course-slides-list a", "els => els.map(e => e.href)")
        assert sorted(u.rsplit("/", 1)[-1] for u in listed) == sorted(f"{s}.html" for s in stems)
        links = list(listed)
        for stem in (stems[0], stems[-1]):
            for page_path in (f"notebooks/{stem}.html", f"notebooks/instructor/{stem}.html"):
                page.goto(site + page_path, wait_until="load")
                href = page.eval_on_selector("a.course-slides-link", "e => e.href")
                assert href.endswith(f"/slides/{stem}.html"), f"{page_path} links {href}"
                links.append(href)
    for url in links:
        assert urlparse(url).hostname == "127.0.0.1"
        with urllib.request.urlopen(url) as response:
            assert response.status == 200, url
            assert b"Reveal.initialize" in response.read(), f"{url} is not a slide deck"


# ---------------------------------------------------------------------------------------------------
# Accessibility: axe-core over every page of the built site

def site_pages(out: Path) -> list[str]:
    """Every HTML page of the built site (the decks included), less the root index.html, which only forwards
    to docs/index.html (a meta refresh of 0 s), and the theme's and reveal.js's assets."""
    pages = []
    for path in sorted(out.rglob("*.html")):
        rel = path.relative_to(out).as_posix()
        if rel == "index.html" or rel.startswith(("_static/", "_sources/", "slides/_assets/", "_images/")):
            continue
        pages.append(rel)
    return pages


def audit(page, base: str, pages: list[str], size: tuple[int, int], skip_rules=()) -> tuple[Counter, Counter, list]:
    """Run axe-core on every page at one size: node counts by (rule, impact), page counts, blocking findings
    (a page that scrolls sideways is one too)."""
    nodes, on_pages, blocking = Counter(), Counter(), []
    page.set_viewport_size({"width": size[0], "height": size[1]})
    for rel in pages:
        page.goto(base + rel, wait_until="load")
        page.evaluate("() => window.MathJax?.startup?.promise ? MathJax.startup.promise.then(() => true) : false")
        if not rel.startswith("slides/") and not fits_width(page):
            blocking.append(f"{rel} at {size[0]} px: the page scrolls sideways")
        for violation in axe_violations(page, skip_rules):
            key = (violation["id"], violation["impact"])
            nodes[key] += len(violation["nodes"])
            on_pages[key] += 1
            if violation["impact"] in BLOCKING:
                blocking += [f"{rel} at {size[0]} px: {violation['id']} ({violation['impact']}): {n['target']}: "
                             f"{n['html'][:120]}" for n in violation["nodes"][:3]]
    return nodes, on_pages, blocking


def report(counts: dict[int, tuple[Counter, Counter]], pages: int) -> str:
    lines = [f"axe-core over {pages} pages of the built site (every rule but the AAA and deprecated ones):"]
    for width, (nodes, on_pages) in counts.items():
        lines.append(f"  at {width} px:" + ("" if nodes else " no violations"))
        for (rule, impact), n in sorted(nodes.items(), key=lambda kv: (BLOCKING.count(kv[0][1]) == 0, kv[0])):
            lines.append(f"    {rule} ({impact}): {n} nodes on {on_pages[(rule, impact)]} pages")
    return "\n".join(lines)


def test_accessibility_audit_of_every_page(site: str, capsys) -> None:
    axe_script()
    pages = site_pages(BUILT["site"])
    assert len(pages) > 40, pages
    counts, blocking = {}, []
    with browser_page(*DESKTOP) as page:
        nodes, on_pages, found = audit(page, site, pages, DESKTOP)
        counts[DESKTOP[0]] = (nodes, on_pages)
        blocking += found
        # colours do not change with the width: colour contrast is measured once, at the desktop width
        nodes, on_pages, found = audit(page, site, pages, PHONE, skip_rules=["color-contrast"])
        counts[PHONE[0]] = (nodes, on_pages)
        blocking += found
    text = report(counts, len(pages))
    SCREENSHOTS.mkdir(exist_ok=True)
    (SCREENSHOTS / "site-accessibility.txt").write_text(text + "\n", encoding="utf-8")
    with capsys.disabled():
        print("\n" + text)
    assert not blocking, "serious or critical accessibility violations:\n" + "\n".join(blocking) + "\n" + text
