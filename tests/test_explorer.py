"""The evidence explorer: one row per report and per trial with a stable anchor, filters that
match the data, sorting, correction links that fill in the issue form, and all of it by
keyboard in headless Chromium, offline."""
from __future__ import annotations

import csv
import re
from urllib.parse import parse_qs, urlparse

import pytest
import yaml

from browser_support import Visit
from conftest import REPO

PAGE = "chapters/evidence-explorer"


def _rows(name: str) -> list[dict]:
    with (REPO / "data" / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# -- the built page ---------------------------------------------------------------------------
def test_every_report_and_trial_has_its_stable_anchor(built):
    page = built.page(PAGE)
    studies, trials = _rows("studies"), _rows("trials")
    for row in studies:
        assert f'<tr id="study-{row["study_id"]}"' in page, row["study_id"]
    for row in trials:
        assert f'<tr id="trial-{row["registry_id"]}"' in page, row["registry_id"]
    assert page.count('<tr id="study-') == len(studies)
    assert page.count('<tr id="trial-') == len(trials)
    # a report from a registered trial links to the trial's row, on the same page
    linked = [r for r in studies if r["registry_id"]]
    assert linked
    for row in linked:
        assert f'href="#trial-{row["registry_id"]}"' in page
    # the explorer's script is on this page and only on pages with an explorer
    assert "_static/evidence/explorer.js" in page
    assert "explorer.js" not in built.page("chapters/mg")


def test_without_a_repository_the_correction_link_goes_to_the_contributing_guide(built):
    page = built.page(PAGE)
    links = re.findall(r'<a class="explorer-report" href="([^"]+)"', page)
    assert len(links) == len(_rows("studies")) + len(_rows("trials"))
    assert set(links) == {"contributing.html#corrections"}
    assert 'id="corrections"' in built.page("chapters/contributing")


def test_with_a_repository_the_correction_link_fills_in_the_issue_form(monkeypatch):
    import evidence
    from evidence.data import paths

    monkeypatch.setenv(paths.REPOSITORY_ENV, "https://github.com/example-org/car-t-review/")
    page = evidence.chapter(root=REPO)
    markup = page.explorer_studies().html + page.explorer_trials().html
    hrefs = [h.replace("&amp;", "&") for h in re.findall(r'class="explorer-report" href="([^"]+)"', markup)]
    assert len(hrefs) == len(_rows("studies")) + len(_rows("trials"))
    form = yaml.safe_load((REPO / ".github" / "ISSUE_TEMPLATE" / "correction.yml").read_text())
    fields = {item["id"]: item for item in form["body"] if "id" in item}
    seen = set()
    for href in hrefs:
        url = urlparse(href)
        assert (url.scheme, url.netloc, url.path) == ("https", "github.com", "/example-org/car-t-review/issues/new")
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        assert query["template"] == "correction.yml"
        assert query["table"] in fields["table"]["attributes"]["options"]
        assert set(query) - {"template", "title"} <= set(fields)
        seen.add((query["table"], query["row"]))
    assert ("studies", "qin-2023-nmosd") in seen and ("trials", "NCT04561557") in seen
    # an address that is not https is not used: back to the contributing guide
    monkeypatch.setenv(paths.REPOSITORY_ENV, "git@github.com:example-org/car-t-review.git")
    assert paths.repository_url(REPO) is None


# -- in the browser ---------------------------------------------------------------------------
def _visible_ids(page, table: str) -> list[str]:
    return page.eval_on_selector_all(
        f"#explorer-{table} tbody tr[id]", "rows => rows.filter(r => !r.hidden).map(r => r.id)")


def test_search_filter_sort_and_reset_by_keyboard(site, browser):
    base, _ = site
    studies = _rows("studies")
    visit = Visit(browser, f"{base}/{PAGE}.html", viewport={"width": 1280, "height": 900})
    page = visit.page
    page.wait_for_selector("#explorer-studies form.explorer-controls:not([hidden])")
    count = page.locator("#explorer-studies-count")
    assert count.inner_text() == f"{len(studies)} clinical reports"

    # search: type into the search box
    page.focus("#explorer-studies-q")
    page.keyboard.type("qin")
    shown = _visible_ids(page, "studies")
    assert "study-qin-2023-nmosd" in shown and len(shown) < len(studies)
    texts = page.eval_on_selector_all("#explorer-studies tbody tr[id]",
                                      "rows => rows.map(r => [r.id, r.textContent.toLowerCase()])")
    assert {i for i, text in texts if "qin" in text} == set(shown)
    assert count.inner_text() == f"{len(shown)} of {len(studies)} clinical reports shown"
    page.keyboard.press("Control+A")
    page.keyboard.press("Backspace")

    # Tab moves from the search box to the disease filter; arrow keys choose a disease
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "explorer-studies-disease"
    while page.eval_on_selector("#explorer-studies-disease", "s => s.value") != "MG":
        page.keyboard.press("ArrowDown")
    mg = {f"study-{r['study_id']}" for r in studies if r["disease"] == "MG"}
    assert set(_visible_ids(page, "studies")) == mg

    # a second filter narrows further: source type by keyboard
    page.focus("#explorer-studies-source_type")
    while page.eval_on_selector("#explorer-studies-source_type", "s => s.value") != "peer-reviewed":
        page.keyboard.press("ArrowDown")
    both = {f"study-{r['study_id']}" for r in studies
            if r["disease"] == "MG" and r["source_type"] == "peer-reviewed"}
    assert set(_visible_ids(page, "studies")) == both

    # the reset button, by keyboard, shows every row again
    page.focus("#explorer-studies .explorer-reset")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelectorAll('#explorer-studies tbody tr[hidden]').length === 0")

    # sort by patients treated: a header button, Enter for ascending, Enter again descending
    button = page.locator("#explorer-studies th button.explorer-sort", has_text="Treated")
    button.focus()
    page.keyboard.press("Enter")
    header = page.locator("#explorer-studies th", has=page.locator("button.explorer-sort", has_text="Treated"))
    assert header.get_attribute("aria-sort") == "ascending"
    order = _visible_ids(page, "studies")
    treated = {f"study-{r['study_id']}": r["n_treated"] for r in studies}
    values = [int(treated[i]) for i in order if treated[i]]
    assert values == sorted(values)
    assert all(not treated[i] for i in order[len(values):]), "empty cells sort last"
    page.keyboard.press("Enter")
    assert header.get_attribute("aria-sort") == "descending"
    values = [int(treated[i]) for i in _visible_ids(page, "studies") if treated[i]]
    assert values == sorted(values, reverse=True)
    assert not visit.errors and not visit.blocked, (visit.errors, visit.blocked)
    visit.close()


def test_trial_filter_matches_basket_trials(site, browser):
    base, _ = site
    links = _rows("trial_diseases")
    visit = Visit(browser, f"{base}/{PAGE}.html")
    page = visit.page
    page.wait_for_selector("#explorer-trials form.explorer-controls:not([hidden])")
    page.select_option("#explorer-trials-disease", "NMOSD")
    expected = {f"trial-{r['registry_id']}" for r in links if r["disease"] == "NMOSD"}
    assert expected and set(_visible_ids(page, "trials")) == expected
    assert not visit.errors and not visit.blocked, (visit.errors, visit.blocked)
    visit.close()


@pytest.mark.parametrize("anchor", ["study-qin-2023-nmosd", "trial-NCT04561557"])
def test_a_row_anchor_lands_on_a_visible_row(site, browser, anchor):
    base, _ = site
    visit = Visit(browser, f"{base}/{PAGE}.html")
    page = visit.page
    page.wait_for_selector("#explorer-studies form.explorer-controls:not([hidden])")
    page.fill("#explorer-studies-q", "no report has this text")
    page.fill("#explorer-trials-q", "no trial has this text")
    page.evaluate(f"window.location.hash = '#{anchor}'")
    page.wait_for_function(f"!document.getElementById('{anchor}').hidden")
    assert page.evaluate("document.querySelector(':target').id") == anchor
    assert page.locator(f"#{anchor}").is_visible()
    assert not visit.errors and not visit.blocked, (visit.errors, visit.blocked)
    visit.close()
