"""Browser fixtures shared by the browser tests (imported into conftest.py): the built site
served from 127.0.0.1, Debian's chromium driven by Playwright, and `Visit`, one page in a fresh
context with every request leaving the site blocked and every console error recorded."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from evidence.release.browser import ARGS, charts_drawn, chromium_path, is_local, serve

CHROMIUM = chromium_path() or "/usr/bin/chromium"
CHARTS_DRAWN = charts_drawn()


@pytest.fixture(scope="session")
def site(built):
    with serve(built.html) as base:
        yield base, built.html


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

    def __init__(self, browser, url: str, init_script: str | None = None, **context_args):
        self.errors: list[str] = []
        self.blocked: list[str] = []
        self.requested: list[str] = []  # every URL the page asked for, in order
        self.context = browser.new_context(**context_args)
        if init_script:
            self.context.add_init_script(init_script)
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.goto(url, wait_until="load")

    def _route(self, route):
        self.requested.append(route.request.url)
        if is_local(route.request.url):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def wait_for_charts(self, timeout: int = 15000) -> None:
        self.page.wait_for_function(CHARTS_DRAWN, timeout=timeout)

    def close(self):
        self.context.close()


# the theme keeps the reader's colour mode in localStorage: set before a page loads, the page
# starts in dark mode (its charts stay white panels: evidence.present.chart_svg)
DARK_MODE = "localStorage.setItem('mode', 'dark'); localStorage.setItem('theme', 'dark');"


def site_pages(html_root: Path) -> list[str]:
    """Every HTML page of the built site, relative to its root."""
    return sorted(str(p.relative_to(html_root)) for p in html_root.rglob("*.html")
                  if "_static" not in p.parts)


@pytest.fixture(scope="session")
def book_pdf(built, tmp_path_factory):
    """`scripts/build_pdf.py` run on a private copy of the built book (the singlehtml build
    must not touch the shared build's environment); the PDF is then offered in the shared
    site as `make pdf` does, so the home page's download link resolves."""
    import shutil
    import subprocess
    import sys

    from conftest import copy_book

    if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    root = copy_book(tmp_path_factory.mktemp("pdf") / "book", source=built.root, with_build=True)
    done = subprocess.run([sys.executable, "scripts/build_pdf.py", "--root", str(root)], cwd=root,
                          text=True, capture_output=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    pdf = root / "_build" / "pdf" / "car-t-neuroimmune.pdf"
    shutil.copyfile(pdf, built.html / pdf.name)
    return {"path": pdf, "log": done.stdout, "singlehtml": root / "_build" / "singlehtml" / "index.html"}
