"""Every built page in headless Chromium (Debian's chromium driven by Playwright), served from
127.0.0.1 with every other request blocked: no console error, no page error, no blocked
request, every chart drawn (its build-time SVG), no chart library on first view, every
citation resolved. Screenshots go to test-output/."""
from __future__ import annotations

import pytest

from browser_support import CHARTS_DRAWN, Visit, serve, site_pages as _pages
from conftest import OUTPUT

DISEASE_PAGES = ["chapters/ms.html", "chapters/nmosd.html", "chapters/mogad.html", "chapters/mg.html"]


def test_every_page_loads_cleanly_offline(site, browser):
    base, html_root = site
    pages = _pages(html_root)
    assert "chapters/mg.html" in pages and "search.html" in pages
    problems = {}
    for rel in pages:
        visit = Visit(browser, f"{base}/{rel}")
        visit.page.wait_for_function(CHARTS_DRAWN, timeout=15000)
        visit.page.wait_for_load_state("networkidle")
        failed_charts = visit.page.locator("div.evidence-chart-error").count()
        # the chart libraries load on demand only (evidence-charts.js), never on first view
        libraries = [u for u in visit.requested if "vega" in u.rsplit("/", 1)[-1]]
        if visit.errors or visit.blocked or failed_charts or libraries:
            problems[rel] = {"errors": visit.errors, "blocked": visit.blocked,
                             "failed_charts": failed_charts, "chart libraries": libraries}
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
    assert page.locator("div.evidence-chart > svg[role=img]").count() == charts.count()  # build-time SVGs
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
    import shutil
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
    with serve(site) as base:
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
