"""A phone-sized screen (390 px wide): no page scrolls sideways, every chart is drawn inside
the screen, the explorer's controls fit. Screenshots go to test-output/mobile/."""
from __future__ import annotations

import pytest

from browser_support import Visit
from conftest import OUTPUT

WIDTH = 390
PAGES = ["index.html", "chapters/mg.html", "chapters/nmosd.html", "chapters/safety.html",
         "chapters/trial-landscape.html", "chapters/evidence-explorer.html"]
OVERFLOW = """(width) => {
  const out = [];
  if (document.documentElement.scrollWidth > width + 1) out.push('page ' + document.documentElement.scrollWidth);
  document.querySelectorAll('div.evidence-chart svg').forEach((svg, i) => {
    const r = svg.getBoundingClientRect();
    if (r.width < 50 || r.left < -1 || r.right > width + 1) out.push('chart ' + i + ' ' + r.left + '..' + r.right);
  });
  document.querySelectorAll('form.explorer-controls').forEach((f) => {
    const r = f.getBoundingClientRect();
    if (r.right > width + 1) out.push('explorer controls ' + r.right);
  });
  return out;
}"""


@pytest.mark.parametrize("rel", PAGES)
def test_page_and_charts_fit_a_390px_screen(site, browser, rel):
    base, _ = site
    visit = Visit(browser, f"{base}/{rel}", viewport={"width": WIDTH, "height": 844},
                  device_scale_factor=2, is_mobile=True, has_touch=True)
    page = visit.page
    visit.wait_for_charts()
    problems = page.evaluate(OVERFLOW, WIDTH)
    shots = OUTPUT / "mobile"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / rel.replace("/", "_").replace(".html", ".png")), full_page=True)
    assert not problems, problems
    assert not visit.errors and not visit.blocked, (visit.errors, visit.blocked)
    visit.close()
