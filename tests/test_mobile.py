"""A phone-sized screen (390 px wide), on every page of the site: no page scrolls sideways,
every chart is drawn inside the screen, the explorer's controls fit, and every table stays
readable (it fits, or scrolls inside its own box, and no column is squeezed to a few letters).
Screenshots go to test-output/mobile/."""
from __future__ import annotations


from browser_support import Visit, site_pages
from conftest import OUTPUT

WIDTH = 390
# a column narrower than this (about four letters of table text) no longer reads as words
NARROWEST_COLUMN = 48
OVERFLOW = """([width, narrowest]) => {
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
  document.querySelectorAll('main table').forEach((table, i) => {
    const r = table.getBoundingClientRect();
    if (r.width === 0) return;  // a hidden tab or filtered-out table
    let box = table.parentElement, scrolls = false;
    while (box && box !== document.body) {
      if (['auto', 'scroll'].includes(getComputedStyle(box).overflowX)) { scrolls = true; break; }
      box = box.parentElement;
    }
    if (r.right > width + 1 && !scrolls) out.push('table ' + i + ' overflows the screen without a scroll box');
    table.querySelectorAll('th, td').forEach((cell) => {
      const w = cell.getBoundingClientRect().width, text = cell.textContent.trim();
      if (w > 0 && w < narrowest && text.length > 3) out.push('table ' + i + ' column squeezed to ' + Math.round(w) + ' px: ' + text.slice(0, 30));
    });
  });
  return out;
}"""


def test_every_page_charts_and_tables_fit_a_390px_screen(site, browser):
    base, html_root = site
    problems = {}
    for rel in site_pages(html_root):
        found = _problems_on_a_phone(browser, base, rel)
        if found:
            problems[rel] = found
    assert not problems, problems


def _problems_on_a_phone(browser, base: str, rel: str) -> list[str]:
    visit = Visit(browser, f"{base}/{rel}", viewport={"width": WIDTH, "height": 844},
                  device_scale_factor=2, is_mobile=True, has_touch=True)
    page = visit.page
    visit.wait_for_charts()
    problems = page.evaluate(OVERFLOW, [WIDTH, NARROWEST_COLUMN])
    shots = OUTPUT / "mobile"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / rel.replace("/", "_").replace(".html", ".png")), full_page=True)
    problems += visit.errors + [f"blocked: {url}" for url in visit.blocked]
    visit.close()
    return problems
