"""Figures: an outcome figure per disease chapter (or a sentence saying why there is nothing to
plot), the safety overview across diseases and the timeline; every chart has a caption, a text
alternative, the colour-blind-safe palette, a build-time SVG in the page and tooltips that work
in the browser once the reader asks for the interactive view."""
from __future__ import annotations

import csv
import html
import json
import re

import pytest

from browser_support import Visit
from conftest import REPO

OKABE_ITO = {"#0072B2", "#D55E00", "#CC79A7", "#009E73", "#56B4E9", "#E69F00", "#F0E442", "#000000"}
FIGURE = re.compile(r'<figure class="evidence-figure"><div class="evidence-chart" id="([^"]+)">(<svg\b.*?</svg>)\s*'
                    r'</div><button type="button" class="evidence-chart-live" data-chart="\1"[^>]*>[^<]+</button>\s*'
                    r'<script type="application/json" id="\1-spec">(.*?)</script>'
                    r"<figcaption>([^<]+)</figcaption></figure>", re.S)
SVG_HEAD = re.compile(r'<svg [^>]*role="img" aria-labelledby="(?P<id>[^"]+)-title (?P=id)-desc"[^>]*>'
                      r'<title id="(?P=id)-title">(?P<title>[^<]+)</title><desc id="(?P=id)-desc">(?P<desc>[^<]+)</desc>')


def _figures(built, docname: str) -> dict[str, dict]:
    found = {}
    for chart_id, svg, spec, caption in FIGURE.findall(built.page(docname)):
        head = SVG_HEAD.match(svg)
        assert head and head["id"] == chart_id, (docname, chart_id, svg[:300])
        found[chart_id] = {"label": html.unescape(head["desc"]), "title": html.unescape(head["title"]),
                           "svg": svg, "spec": json.loads(spec), "caption": caption}
    return found


def _csv(name: str) -> list[dict]:
    with (REPO / "data" / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _values(spec: dict) -> list[dict]:
    found = []
    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "datasets":
                    for rows in value.values():
                        found.extend(rows)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)
    walk(spec)
    return found


def test_every_chart_has_a_caption_a_text_alternative_and_the_palette(built):
    pages = [p.relative_to(built.html).with_suffix("").as_posix() for p in built.html.rglob("*.html")
             if "_static" not in p.parts]
    n = 0
    for docname in pages:
        page = built.page(docname)
        figures = _figures(built, docname)
        assert len(figures) == page.count('class="evidence-chart"'), docname  # all are figures
        for chart_id, fig in figures.items():
            n += 1
            assert len(fig["label"]) > 40 and len(fig["caption"]) > 40, chart_id
            assert fig["label"] == fig["spec"]["description"] and len(fig["title"]) > 10, chart_id
            colours = set(re.findall(r'"(#[0-9A-Fa-f]{6})"', json.dumps(fig["spec"])))
            colours -= {"#ffffff", "#FFFFFF"}  # cell borders
            assert colours <= OKABE_ITO, (chart_id, colours - OKABE_ITO)
            assert "tooltip" in json.dumps(fig["spec"]), chart_id
    assert n >= 12


@pytest.mark.parametrize("docname, plotted", [("chapters/mg", True), ("chapters/nmosd", True),
                                               ("chapters/ms", False), ("chapters/mogad", False)])
def test_each_disease_chapter_has_an_outcome_figure_or_says_why_not(built, docname, plotted):
    page = built.page(docname)
    assert '<section id="outcomes-over-time">' in page
    outcome_charts = [f for i, f in _figures(built, docname).items() if i.startswith("chart-outcomes-")]
    assert bool(outcome_charts) == plotted
    if not plotted:
        assert '<p class="evidence-note">' in page.split('<section id="outcomes-over-time">')[1].split("</section>")[0]
    assert 'id="table-outcomes-' in page  # the data as a table: the text alternative


def test_mg_score_changes_are_the_timed_score_rows_of_the_csv(built):
    """Recounted here with the csv module: MG rows with a change in a points score at a stated
    timepoint are exactly the points of the upper panel."""
    mg = {r["study_id"] for r in _csv("studies") if r["disease"] == "MG"}
    points_scores = {r["code"] for r in _csv("vocab/outcomes") if r["unit"] == "points"}
    expected = sorted((float(r["timepoint_months"]), float(r["value"])) for r in _csv("outcomes")
                      if r["study_id"] in mg and r["outcome"] in points_scores and r["timepoint_months"]
                      and r["statistic"] in ("mean-change", "median-change", "change") and r["unit"] == "points")
    (fig,) = [f for i, f in _figures(built, "chapters/mg").items() if i.startswith("chart-outcomes-")]
    shown = sorted({(row["months"], row["value"], row["series"]) for row in _values(fig["spec"])
                    if row.get("shown", "").endswith("points")})
    assert sorted((m, v) for m, v, _ in shown) == expected


def test_safety_overview_and_timeline_match_the_data(built):
    studies = {r["study_id"]: r for r in _csv("studies")}
    graded = [r for r in _csv("safety") if r["event"] in ("crs", "icans")]
    (grid,) = [f for i, f in _figures(built, "chapters/safety").items() if i.startswith("chart-safety-overview")]
    cells = _values(grid["spec"])
    assert len(cells) == len(graded)
    assert {c["disease"] for c in cells} == {studies[r["study_id"]]["disease"] for r in graded}
    (timeline,) = _figures(built, "chapters/evidence-explorer").values()
    years = {}
    for row in studies.values():
        if row["pub_date"]:
            years[row["pub_date"][:4]] = years.get(row["pub_date"][:4], 0) + 1
    bars = {r["year"]: r["n"] for r in _values(timeline["spec"]) if r["kind"] == "Clinical reports"}
    assert bars == years
    trials = _csv("trials")
    registered = {}
    for row in trials:
        if row["registered_on"]:
            registered[row["registered_on"][:4]] = registered.get(row["registered_on"][:4], 0) + 1
    bars = {r["year"]: r["n"] for r in _values(timeline["spec"]) if r["kind"] == "Registered trials"}
    assert bars == registered
    undated = sum(1 for row in trials if not row["registered_on"])
    assert f"and {undated} of {len(trials)} trials (registration date not read" in timeline["caption"]


@pytest.mark.parametrize("docname, chart, how", [("chapters/mg", "chart-outcomes-", "pointer"),
                                                 ("chapters/safety", "chart-safety-overview-", "keyboard"),
                                                 ("chapters/evidence-explorer", "chart-timeline-", "button")])
def test_tooltips_show_the_source_of_a_mark_once_the_chart_is_interactive(site, browser, docname, chart, how):
    """The chart libraries load only when the reader asks (pointer on the chart, or the
    'Interactive chart' button by keyboard or click); the live chart then replaces the
    build-time SVG and its tooltips name the source of a mark."""
    base, _ = site
    visit = Visit(browser, f"{base}/{docname}.html", viewport={"width": 1280, "height": 900})
    page = visit.page
    page.wait_for_load_state("networkidle")
    assert not [u for u in visit.requested if "vega" in u.rsplit("/", 1)[-1]], "libraries on first view"
    chart_div = page.locator(f"div.evidence-chart[id^='{chart}']")
    assert chart_div.locator("svg[role=img]").count() == 1 and chart_div.get_attribute("data-state") is None
    button = page.locator(f"button.evidence-chart-live[data-chart^='{chart}']")
    chart_div.scroll_into_view_if_needed()
    if how == "pointer":
        chart_div.hover()
    elif how == "keyboard":
        button.focus()
        page.keyboard.press("Enter")
    else:
        button.click()
    page.wait_for_selector(f"div.evidence-chart[id^='{chart}'][data-state=live] .vega-embed svg", timeout=15000)
    assert chart_div.locator("svg[role=img]").count() == 0, "the build-time SVG is replaced"
    assert not button.is_visible()
    loaded = {u.rsplit("/", 1)[-1].split("?")[0] for u in visit.requested if "vega" in u.rsplit("/", 1)[-1]}
    assert loaded == {"vega.min.js", "vega-lite.min.js", "vega-embed.min.js"}, loaded
    target = page.locator(f"div.evidence-chart[id^='{chart}'] svg g.mark-symbol path, "
                          f"div.evidence-chart[id^='{chart}'] svg g.mark-rect path").first
    target.scroll_into_view_if_needed()
    target.hover(force=True)
    tooltip = page.locator("#vg-tooltip-element")
    tooltip.wait_for(state="visible", timeout=5000)
    text = tooltip.inner_text()
    assert ("Report" in text or "Which" in text), text
    assert not visit.errors and not visit.blocked, (visit.errors, visit.blocked)
    visit.close()
