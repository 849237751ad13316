"""Every built page in headless Chromium (Debian's chromium driven by Playwright), served from
127.0.0.1 with every other request blocked: no console error, no page error, no blocked
request, every chart drawn, every citation resolved. Screenshots go to test-output/."""
from __future__ import annotations

import functools
import os
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

import pytest

from conftest import OUTPUT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
DISEASE_PAGES = ["chapters/ms.html", "chapters/nmosd.html", "chapters/mogad.html", "chapters/mg.html"]
CHARTS_DRAWN = """() => [...document.querySelectorAll('div.evidence-chart')]
  .every(el => el.querySelector('svg, canvas') || el.classList.contains('evidence-chart-error'))"""


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def site(built):
    handler = functools.partial(QuietHandler, directory=str(built.html))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", built.html
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI=true but no Chromium at {CHROMIUM}: .ci/run must install it")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


class Visit:
    """One page in a fresh context, with its console errors and blocked requests recorded."""

    def __init__(self, browser, url: str, **context_args):
        self.errors: list[str] = []
        self.blocked: list[str] = []
        self.context = browser.new_context(**context_args)
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.goto(url, wait_until="load")

    def _route(self, route):
        url = urlparse(route.request.url)
        if url.scheme in ("data", "blob") or url.hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def close(self):
        self.context.close()


def _pages(html_root: Path) -> list[str]:
    return sorted(str(p.relative_to(html_root)) for p in html_root.rglob("*.html")
                  if "_static" not in p.parts)


def test_every_page_loads_cleanly_offline(site, browser):
    base, html_root = site
    pages = _pages(html_root)
    assert "chapters/mg.html" in pages and "search.html" in pages
    problems = {}
    for rel in pages:
        visit = Visit(browser, f"{base}/{rel}")
        visit.page.wait_for_function(CHARTS_DRAWN, timeout=15000)
        failed_charts = visit.page.locator("div.evidence-chart-error").count()
        if visit.errors or visit.blocked or failed_charts:
            problems[rel] = {"errors": visit.errors, "blocked": visit.blocked,
                             "failed_charts": failed_charts}
        visit.close()
    assert not problems, problems


@pytest.mark.parametrize("rel", DISEASE_PAGES)
def test_disease_chapter_draws_its_charts_and_resolves_citations(site, browser, rel):
    base, html_root = site
    visit = Visit(browser, f"{base}/{rel}", viewport={"width": 1280, "height": 900})
    page = visit.page
    page.wait_for_function(CHARTS_DRAWN, timeout=15000)
    charts = page.locator("div.evidence-chart")
    assert charts.count() >= 1
    assert page.locator("div.evidence-chart svg").count() == charts.count()
    # every citation link points at an entry that exists on the references page
    targets = page.eval_on_selector_all(
        "a[href*='references.html#']", "els => els.map(e => e.getAttribute('href').split('#')[1])")
    assert targets, "the chapter cites nothing"
    references = (html_root / "chapters" / "references.html").read_text(encoding="utf-8")
    missing = [t for t in targets if f'id="{t}"' not in references]
    assert not missing
    shots = OUTPUT / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / rel.replace("/", "_").replace(".html", ".png")), full_page=True)
    assert not visit.errors and not visit.blocked, (visit.errors, visit.blocked)
    visit.close()


def test_theme_switch_works_without_console_errors(site, browser):
    base, _ = site
    visit = Visit(browser, f"{base}/chapters/mg.html")
    page = visit.page
    page.wait_for_function(CHARTS_DRAWN, timeout=15000)
    assert page.evaluate("document.documentElement.dataset.theme") == "light"
    modes = []
    for _ in range(3):  # the switch cycles light -> auto -> dark -> light
        page.locator("button.theme-switch-button:visible").first.click()
        modes.append(page.evaluate("document.documentElement.dataset.mode"))
        if modes[-1] == "dark":
            break
    assert modes[-1] == "dark", modes
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    assert not visit.errors and not visit.blocked, (visit.errors, visit.blocked)
    visit.close()


def test_search_page_finds_chapters(site, browser):
    base, _ = site
    visit = Visit(browser, f"{base}/search.html?q=myasthenia")
    page = visit.page
    page.wait_for_selector("#search-results ul.search li", timeout=15000)
    found = page.locator("#search-results ul.search li a").all_inner_texts()
    assert any("Myasthenia" in text for text in found), found
    assert not visit.errors and not visit.blocked, (visit.errors, visit.blocked)
    visit.close()


def test_version_menu_opens_the_same_page_in_an_archived_release(built, browser, tmp_path):
    """A site laid out as the deploy workflow does (`python -m evidence assemble`): a release
    at the root and under /v<version>/, the build of main under /dev/. The banner's menu lists
    them and opens the same chapter in the chosen version."""
    import json
    import subprocess
    import sys

    from conftest import REPO

    release = tmp_path / "release"
    shutil.copytree(built.html, release)
    listing = json.loads((release / "versions.json").read_text())
    version = listing["current"].split("+")[0]
    listing["current"] = version  # stands for the archive the release workflow attached
    (release / "versions.json").write_text(json.dumps(listing))
    site = tmp_path / "site"
    done = subprocess.run([sys.executable, "-m", "evidence", "assemble", "--out", str(site),
                           "--dev", str(built.html), "--release", f"{version}={release}"],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (site / f"v{version}" / "chapters" / "ms.html").exists()
    handler = functools.partial(QuietHandler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        visit = Visit(browser, f"{base}/dev/chapters/ms.html")
        page = visit.page
        menu = page.locator("#evidence-version-select")
        menu.wait_for(timeout=10000)
        labels = menu.locator("option").all_inner_texts()
        assert len(labels) == 2 and "(latest release)" in labels[0] and "(development)" in labels[1]
        assert menu.evaluate("el => el.options[el.selectedIndex].text") == labels[1]
        menu.select_option(index=0)
        page.wait_for_url(f"{base}/chapters/ms.html", timeout=10000)
        assert "Multiple sclerosis" in page.title()
        assert not visit.errors and not visit.blocked, (visit.errors, visit.blocked)
        visit.close()
    finally:
        server.shutdown()
