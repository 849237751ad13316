"""Automated accessibility checks: axe-core (vendored from npm in `_vendor/axe/`, tests only)
is injected into every page of the built site, in light and dark mode, after its charts are
drawn; no violation of serious or critical impact is allowed. Less severe findings are written
to test-output/accessibility.json for a person to review."""
from __future__ import annotations

import hashlib
import json

import pytest

from browser_support import DARK_MODE, Visit, site_pages
from conftest import OUTPUT, REPO

AXE = REPO / "_vendor" / "axe" / "axe-core.min.js"
BLOCKING = {"serious", "critical"}
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + n.failureSummary)}));
}"""


def test_vendored_axe_matches_its_manifest_and_is_not_shipped(built):
    manifest = json.loads((REPO / "_vendor" / "axe" / "manifest.json").read_text())
    assert hashlib.sha256(AXE.read_bytes()).hexdigest() == manifest["axe-core"]["sha256"]
    assert not list(built.html.rglob("axe*.js")), "axe-core is for tests, not for readers"


def _audit(browser, url: str, dark: bool = False) -> list[dict]:
    visit = Visit(browser, url, init_script=DARK_MODE if dark else None,
                  viewport={"width": 1280, "height": 900})
    try:
        theme = visit.page.evaluate("document.documentElement.dataset.theme")
        assert theme == ("dark" if dark else "light"), (url, theme)
        visit.wait_for_charts()
        visit.page.add_script_tag(path=str(AXE))
        return visit.page.evaluate(RUN_AXE)
    finally:
        visit.close()


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_every_page_has_no_serious_or_critical_axe_violation(site, browser, mode):
    base, html_root = site
    pages = site_pages(html_root)
    report, blocking = {}, {}
    for rel in pages:
        violations = _audit(browser, f"{base}/{rel}", dark=mode == "dark")
        report[rel] = violations
        serious = [v for v in violations if v["impact"] in BLOCKING]
        if serious:
            blocking[rel] = serious
    OUTPUT.mkdir(exist_ok=True)
    (OUTPUT / f"accessibility-{mode}.json").write_text(json.dumps(report, indent=1), "utf-8")
    assert not blocking, json.dumps(blocking, indent=1)
