"""The benchmark harness works (on tiny cases, so it cannot rot), and the book stays usable at
scale. No timing is asserted here: `python -m evidence bench` measures, tests check."""
from __future__ import annotations

import json
import math
import re
import shutil
import sys

import pandas as pd
import pytest
import yaml

from conftest import REPO

sys.path.insert(0, str(REPO))

from evidence.bench import baseline, builds, chart_design, reader, scale  # noqa: E402
from evidence.release.browser import serve  # noqa: E402
from evidence.bench.report import Run  # noqa: E402


def test_build_harness_runs_a_scenario_and_reports_it(built_copy, tmp_path):
    outcomes = builds.run_scenarios(built_copy, scenarios=("no-change", "prose"), repeats=1,
                                    log=lambda _line: None)
    assert set(outcomes) == {"no-change", "prose"}
    assert outcomes["no-change"].executed == [] and outcomes["prose"].executed == []
    assert outcomes["prose"].problems == [], outcomes["prose"].problems
    assert "Benchmark prose edit 0001." in (built_copy / "_build/html/chapters/ms.html").read_text("utf-8")
    run = Run(REPO, tmp_path)
    run.ours = outcomes
    text = run.markdown("2026-01-01")
    assert "| no-change rebuild | " in text and "| prose edit of one chapter (ms.md) | " in text
    assert re.search(r"\| no-change rebuild ≤ 2 s \| (yes|\*\*no\*\*) \|", text)


def test_build_harness_reports_a_stale_page():
    """The check that makes the benchmark's 'correct under the cache' claim can fail."""
    edit = builds.Edit("marker-that-is-nowhere", {"chapters/mg.html"}, must_run={"mg"},
                       must_not_run={"ms"})
    problems = builds.check(REPO / "tests", edit, ["ms"])  # no built pages there at all
    assert any("stale" in p for p in problems)
    assert any("not re-executed: mg" in p for p in problems)
    assert any("needlessly: ms" in p for p in problems)


def test_validator_benchmark_data_is_valid(tmp_path):
    """The validator benchmark refuses to time data with problems; its generator must keep up
    with the data package (it broke silently when errata.csv was added)."""
    from evidence.bench.validation import make_synthetic_book
    from evidence.validate import validate

    assert validate(make_synthetic_book(tmp_path / "book", 40, source=REPO)) == []


def test_synthetic_evidence_is_valid_and_multiplied(data_copy):
    from evidence.validate import validate

    before = {p.name: p.read_text("utf-8").count("\n") for p in (data_copy / "data").glob("*.csv")}
    counts = scale.multiply_evidence(data_copy, 3)
    assert validate(data_copy) == []
    assert counts["studies"] == 3 * (before["studies.csv"] - 1)
    assert counts["trials"] == 3 * (before["trials.csv"] - 1)


def test_default_book_has_none_of_the_extensions(tmp_path):
    root = baseline.make_default_book(REPO, tmp_path / "default")
    config = yaml.safe_load((root / "_config.yml").read_text("utf-8"))
    assert "local_extensions" not in config["sphinx"]
    assert "templates_path" not in config["sphinx"]["config"] and not (root / "_templates").exists()
    assert config["execute"]["execute_notebooks"] == "cache"
    assert config["sphinx"]["config"]["bibtex_reference_style"] == "author_year"
    assert config["sphinx"]["config"]["bibtex_default_style"] == "plain", "the rest is kept"
    env = baseline.environment(root)
    assert env["EVIDENCE_CHARTS"] == "altair"
    assert all(path.exists() for path in baseline.cdn_files(REPO).values())


def test_chart_renders_as_plain_altair_only_when_asked(monkeypatch):
    import altair as alt
    import pandas as pd

    from evidence.present import charts

    chart = alt.Chart(pd.DataFrame({"a": [1, 2]})).mark_bar().encode(x="a:Q")
    assert 'class="evidence-chart"' in charts.render(chart, "t", "a test chart").html
    monkeypatch.setenv(charts.MODE_ENV, "altair")
    assert isinstance(charts.render(chart, "t", "a test chart"), alt.TopLevelMixin)


# -- usable at scale --------------------------------------------------------------------------
def _spec_rows(fragment_html: str) -> list[int]:
    specs = re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', fragment_html, re.S)
    return [len(rows) for spec in specs for rows in json.loads(spec).get("datasets", {}).values()]


def test_long_tables_are_paged_and_charts_summarised_at_scale(data_copy):
    import evidence
    from evidence.present import charts, tables

    page = evidence.chapter("MG", root=data_copy)
    assert 'data-page-size' not in page.studies_table().html, "today's tables are short"
    detailed = _spec_rows(page.patients_chart().html)
    assert detailed == [len(page.studies)], "one bar per report at today's size"

    scale.multiply_evidence(data_copy, 8)
    page = evidence.chapter("MG", root=data_copy)
    assert len(page.studies) > charts.DETAIL_LIMIT
    assert f'data-page-size="{tables.PAGE_SIZE}"' in page.studies_table().html
    summary = page.patients_chart()
    rows = _spec_rows(summary.html)
    assert rows and max(rows) <= page.studies["target"].nunique() * page.studies["design"].nunique()
    assert "summarised by target" in summary.plain
    landscape = evidence.chapter(tables=("trials", "trial-diseases"), root=data_copy)
    assert len(landscape.trials) > charts.DETAIL_LIMIT
    trial_rows = _spec_rows(landscape.trials_chart().html)
    assert trial_rows and max(trial_rows) < len(landscape.trials) / 5
    safety = evidence.chapter(tables=("studies", "safety"), root=data_copy)
    assert max(_spec_rows(safety.crs_icans_chart().html)) < 20
    overview = safety.safety_overview_chart()
    cells = _spec_rows(overview.html)
    n_diseases = safety.studies["disease"].nunique()
    assert cells and max(cells) <= n_diseases * 2 * len(safety.ev.vocab("grades")), "one cell per disease and grade"
    assert "Patients are not added up" in overview.plain and "summarising" in overview.plain


def test_outcomes_are_summarised_per_measure_and_window_at_scale(data_copy):
    import evidence
    from evidence.present import charts, outcomes
    from evidence.synthesis import summary

    page = evidence.chapter("MG", root=data_copy)
    scores, shares, _ = outcomes._outcome_series(page)
    detailed = _spec_rows(page.outcomes_chart().html)
    assert sorted(detailed) == sorted([len(scores), len(shares)]), "one point per reported value today"
    per_copy = pd.concat([scores["study_id"], shares["study_id"]]).nunique()
    scale.multiply_evidence(data_copy, charts.DETAIL_LIMIT // per_copy + 1)
    page = evidence.chapter("MG", root=data_copy)
    chart = page.outcomes_chart()
    rows = _spec_rows(chart.html)
    bound = len(page.ev.vocab("outcomes")) * len(summary.OUTCOME_WINDOWS)
    assert rows and max(rows) <= bound, "one box per measure and time window"
    assert "not a pooled estimate" in chart.plain


# -- the reader harness and the pager, in Chromium (the session's browser: browser_support) -----

def test_reader_harness_counts_bytes_and_chart_libraries(built, browser, tmp_path):
    site = reader.measure_site(built.html, only=["chapters/mg.html", "chapters/methods.html"],
                               browser=browser)
    mg, methods = site["pages"]["chapters/mg.html"], site["pages"]["chapters/methods.html"]
    assert mg["first_gz"] > mg["second_gz"] > 0
    assert mg["chart_libraries"] == [], "charts are build-time SVGs: no library on first view"
    assert mg["charts"] >= 1 and mg["charts_drawn"] == mg["charts"] and mg["chart_ms"] > 0
    assert mg["duplicate_datasets"] == 0
    assert methods["chart_libraries"] == [] and methods["charts"] == 0
    assert site["blocked"] == [] and site["errors"] == []
    text = "\n".join(reader.table(site))
    assert "`chapters/mg.html`" in text
    # the harness does see chart libraries where a page loads them (the previous design)
    for name in ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js"):
        shutil.copy(REPO / "_vendor" / "vega" / name, tmp_path)
    (tmp_path / "index.html").write_text(
        '<!doctype html><html><head><meta charset="utf-8"><script src="vega.min.js"></script>'
        '<script src="vega-lite.min.js"></script><script src="vega-embed.min.js"></script></head>'
        '<body><p>charts drawn in the browser</p></body></html>', "utf-8")
    eager = reader.measure_site(tmp_path, only=["index.html"], browser=browser)["pages"]["index.html"]
    assert set(eager["chart_libraries"]) == {"vega.min.js", "vega-lite.min.js", "vega-embed.min.js"}
    assert eager["first_gz"] > 250 * 1024


def test_paired_rounds_alternate_and_their_ratio_decides():
    # ABBA: neither design always goes first
    assert [chart_design.order_of_round(n)[0] for n in range(4)] == ["ours", "previous"] * 2
    # 10% slower in every round: the ratio is exactly 1.1, no spread, and the target is missed
    slower = {"ours": {"cold": [11.0, 22.0, 33.0], "row": [5.0, 5.0, 5.0]},
              "previous": {"cold": [10.0, 20.0, 30.0], "row": [5.0, 5.0, 5.0]}}
    assert chart_design.paired_ratio(slower["ours"]["cold"], slower["previous"]["cold"]) \
        == pytest.approx((1.1, 1.1, 1.1))
    met = {label.split(" no slower")[0]: ok for label, ok, _ in chart_design.verdicts(slower, None, None)}
    assert met == {builds.LABELS["cold"]: False, builds.LABELS["row"]: True}
    # a noisy tie: the geometric mean of 1, 1.05 and 0.95, with the t interval worked by hand
    # (t quantile 0.975 with 2 degrees of freedom: 4.302653)
    logs = [0.0, math.log(1.05), math.log(0.95)]
    mean = sum(logs) / 3
    sem = math.sqrt(sum((x - mean) ** 2 for x in logs) / 2) / math.sqrt(3)
    expected = (math.exp(mean), math.exp(mean - 4.302653 * sem), math.exp(mean + 4.302653 * sem))
    assert chart_design.paired_ratio([10.0, 21.0, 19.0], [10.0, 20.0, 20.0]) == pytest.approx(expected, rel=1e-6)
    single = chart_design.paired_ratio([12.0], [10.0])
    assert single[0] == pytest.approx(1.2) and math.isnan(single[1]) and "CI" not in chart_design.ratio_text(single)
    with pytest.raises(ValueError):
        chart_design.paired_ratio([1.0, 2.0], [1.0])


def test_duplicate_chart_data_is_detected():
    spec = json.dumps({"datasets": {"data-1": [{"a": 1}]}})
    page = (f'<script type="application/json" id="c1-spec">{spec}</script>'
            f'<script type="application/json" id="c2-spec">{spec}</script>')
    found = reader.embedded_datasets(page)
    assert len(found) == 2 and len(set(found)) == 1


def test_long_table_pager_filters_and_pages(tmp_path, browser):
    import pandas as pd

    from evidence.present import tables

    frame = pd.DataFrame({"name": [f"row {i:03d}" for i in range(120)] + ["needle"]})
    fragment = tables.render(frame, [tables.Column("Name", lambda r: r["name"])], "pager", "A long table")
    shutil.copy(REPO / "_ext" / "assets" / "evidence-tables.js", tmp_path)
    (tmp_path / "index.html").write_text(
        f'<!doctype html><html><head><meta charset="utf-8"></head><body>{fragment.html}<script src="evidence-tables.js"></script>'
        "</body></html>", "utf-8")
    with serve(tmp_path) as base:
        page = browser.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{base}/index.html")
        visible = page.locator("table.evidence-table tbody tr:visible")
        assert visible.count() == tables.PAGE_SIZE
        assert "Rows 1–25 of 121" in page.locator(".evidence-table-status").inner_text()
        page.get_by_role("button", name="Next rows").click()
        assert visible.first.inner_text() == "row 025"
        page.get_by_label("Filter rows").fill("needle")
        assert visible.count() == 1 and visible.first.inner_text() == "needle"
        assert "filtered from 121" in page.locator(".evidence-table-status").inner_text()
        assert not errors, errors
        page.close()


def test_theme_icons_draw_from_the_web_font_without_fontawesome_js(built, browser):
    """The theme's 540 KB Font Awesome script is left out (_templates/static/webpack-macros.html):
    the header icons are still drawn, from the web font the theme's stylesheet names."""
    with serve(built.html) as base:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        requested = []
        page.on("request", lambda r: requested.append(r.url))
        page.goto(f"{base}/chapters/mg.html")
        page.wait_for_load_state("networkidle")
        assert not [u for u in requested if "fontawesome.js" in u]
        icons = page.evaluate("""() => [...document.querySelectorAll(
            '.theme-switch-button i, button.search-button__button i, .dropdown-download-buttons i')]
            .filter(el => el.getBoundingClientRect().height > 0)
            .map(el => [getComputedStyle(el, '::before').fontFamily,
                        el.getBoundingClientRect().width])""")
        assert icons, "the header shows icons"
        assert all("Font Awesome" in family and width > 0 for family, width in icons), icons
        assert page.evaluate("[...document.fonts].some(f => f.family.includes('Awesome') "
                             "&& f.status === 'loaded')")
        page.close()
