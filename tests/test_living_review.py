"""Reporting as a living review (PRISMA-LSR): the title says "living" and gives the version,
the flow of records is shown per version and matches a recount of the screening log by search
date, a new release moves records into its own column, the checklist page names every new
item, and What's new lists changed appraisal and certainty judgements."""
from __future__ import annotations

import csv
import html
import json
import re
from pathlib import Path

import yaml

from conftest import REPO, STRICT, jb_build

FLOW_CAPTION = "Flow of records per version of the review"


def _text(markup: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup))).strip()


def _flow(page: str) -> tuple[list[str], dict[str, list[str]]]:
    """(column titles, {step: cells}) of the per-version flow table."""
    for match in re.finditer(r"<table.*?</table>", page, re.S):
        table = match.group(0)
        caption = re.search(r"<caption[^>]*>(.*?)</caption>", table, re.S)
        if caption and _text(caption.group(1)).startswith(FLOW_CAPTION):
            heads = [_text(c) for c in re.findall(r"<th[^>]*>(.*?)</th>", table, re.S)]
            body = re.search(r"<tbody>(.*?)</tbody>", table, re.S).group(1)
            rows = [[_text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
                    for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S)]
            return heads[1:], {r[0]: r[1:] for r in rows}
    raise AssertionError("no per-version flow table")


def _screening(root: Path) -> list[dict]:
    with (root / "data" / "screening.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _releases(root: Path) -> list[tuple[str, str]]:
    found = [json.loads(p.read_text("utf-8")) for p in (root / "releases").glob("*.json")]
    found.sort(key=lambda r: tuple(int(x) for x in r["version"].split(".")))
    return [(r["version"], r["released"]) for r in found]


def _recount(records: list[dict]) -> dict[str, int]:
    duplicates = sum(r["decision"] == "excluded" and r["reason_code"] == "duplicate" for r in records)
    return {"Records found by the searches": len(records), "Duplicates removed": duplicates,
            "Records screened": len(records) - duplicates,
            "Records excluded": sum(r["decision"] == "excluded" for r in records) - duplicates,
            "Records included": sum(r["decision"] == "included" for r in records)}


def _expected_columns(root: Path) -> list[dict[str, int]]:
    """The recount per version: records searched after the previous release and on or before
    this one, then those after the last release, then all."""
    records, columns, after = _screening(root), [], ""
    for _version, date in _releases(root):
        columns.append(_recount([r for r in records if after < r["searched_on"] <= date]))
        after = date
    columns.append(_recount([r for r in records if r["searched_on"] > after]))
    columns.append(_recount(records))
    return columns


def _assert_flow_matches(page: str, root: Path) -> list[str]:
    titles, rows = _flow(page)
    expected = _expected_columns(root)
    assert len(titles) == len(expected), titles
    for step in expected[0]:
        assert [int(c) for c in rows[step]] == [col[step] for col in expected], step
    return titles


def test_title_is_living_and_gives_the_version(built):
    cff = yaml.safe_load((REPO / "CITATION.cff").read_text("utf-8"))
    assert "living" in cff["title"].lower()
    for docname in ("index", "chapters/methods", "chapters/prisma-lsr"):
        title = html.unescape(re.search(r"<title>(.*?)</title>", built.page(docname), re.S).group(1))
        assert "a living review" in title, title
        assert f"(version {cff['version']}" in title, title
    h1 = re.search(r"<h1[^>]*>(.*?)</h1>", built.page("index"), re.S).group(1)
    assert "living review" in _text(h1)


def test_flow_per_version_matches_a_recount_of_the_screening_log(built):
    titles = _assert_flow_matches(built.page("chapters/methods"), REPO)
    versions = [v for v, _ in _releases(REPO)]
    assert [t.split(" (")[0] for t in titles[:len(versions)]] == [f"Version {v}" for v in versions]
    assert titles[-1] == "All versions"


def test_a_new_release_takes_its_records_into_its_own_column(built_copy):
    """Releasing a version on the latest search date moves the records searched since the
    previous release into that version's column, and the next column starts empty."""
    latest = max(r["searched_on"] for r in _screening(built_copy))
    snapshot = json.loads((built_copy / "releases" / "0.1.0.json").read_text("utf-8"))
    snapshot.update(version="0.2.0", released=latest, evidence_cutoff=latest)
    (built_copy / "releases" / "0.2.0.json").write_text(json.dumps(snapshot), "utf-8")
    build = jb_build(built_copy, *STRICT)
    assert build.returncode == 0, build.log[-3000:]
    titles = _assert_flow_matches(build.page("chapters/methods"), built_copy)
    assert titles[1].startswith("Version 0.2.0") and titles[2].startswith("Since version 0.2.0")
    _, rows = _flow(build.page("chapters/methods"))
    assert rows["Records found by the searches"][2] == "0"
    assert int(rows["Records found by the searches"][1]) > 0


def test_checklist_maps_every_new_item_and_states_its_status(built):
    page = built.page("chapters/prisma-lsr")
    body = re.search(r"<tbody>(.*?)</tbody>", page, re.S).group(1)
    rows = [[_text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
            for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]
    items = " ".join(r[1] for r in rows)
    for item in ("L1.", "L2.", "L3.", "L4.", "living", "version number", "retire"):
        assert item in items, item
    assert {r[3] for r in rows} <= {"Met", "Partly met", "Not met", "Not applicable"}
    # every row that claims to be met points to where, by a link into the book
    links = [re.findall(r'href="([^"#]*)(#[^"]*)?"', tr)
             for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]
    for row, found in zip(rows, links):
        if row[3] == "Met":
            assert found, row


def test_whats_new_lists_judgements_and_the_method_changes(built):
    page = _text(built.page("chapters/whats-new"))
    assert "Appraisal judgements (report × domain)" in page
    assert "Certainty judgements (disease × outcome)" in page
    assert "Changes to the methods since the last release" in page
