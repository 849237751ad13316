"""The real strict build of a copy of the book: zero warnings, every disease chapter shows its
evidence table and a chart, glued numbers agree with the CSVs, every page shows version and
cut-off, and no page points outside the site for scripts, styles or fonts."""
from __future__ import annotations

import csv
import json
import html
import re
from collections import defaultdict

import pytest
import yaml

from conftest import REPO, sphinx_warnings

DISEASE_CHAPTERS = {"MS": "chapters/ms", "NMOSD": "chapters/nmosd", "MOGAD": "chapters/mogad",
                    "MG": "chapters/mg"}
TOC_CHAPTERS = ["introduction", "methods", "ms", "nmosd", "mogad", "mg", "myositis",
                "other-disorders", "summary-of-findings", "safety", "trial-landscape", "preclinical", "evidence-explorer",
                "completeness-audit", "outlook",
                "glossary", "whats-new", "prisma-lsr", "how-to-cite", "downloads", "data-dictionary",
                "contributing", "references"]


def test_strict_build_has_zero_warnings(built):
    assert sphinx_warnings(built.log) == []
    assert "build succeeded" in built.log


def test_build_log_is_free_of_kernel_noise(built):
    # pages run on kernels over local sockets; over TCP ipykernel 7 warns about unencrypted
    # traffic once per page, which contributors read as a build problem
    assert "evidence: pre-executed" in built.log
    assert "[IPKernelApp] WARNING" not in built.log


def test_toc_lists_the_chapters_in_reading_order():
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    files = [c["file"] for part in toc["parts"] for c in part["chapters"]]
    assert files == [f"chapters/{name}" for name in TOC_CHAPTERS]


@pytest.mark.parametrize("disease, docname", DISEASE_CHAPTERS.items())
def test_disease_chapter_shows_its_table_chart_and_citations(built, disease, docname):
    page = built.page(docname)
    assert 'class="evidence-table"' in page
    assert 'class="evidence-chart"' in page
    # a chapter cites from refs.bib: sphinxcontrib-bibtex links citations to the references page
    assert re.search(r'href="references\.html#id\d+"', page), "no resolved citation"
    # the hidden digest cell must not leak into the page
    assert "evidence digest" not in page


def test_every_page_shows_version_and_cutoff(built):
    cff = yaml.safe_load((REPO / "CITATION.cff").read_text())
    cutoff = json.loads((REPO / "data" / "datapackage.json").read_text())["evidence_cutoff"]
    pages = sorted(p for p in built.html.rglob("*.html") if "_static" not in p.parts)
    assert len(pages) >= len(TOC_CHAPTERS) + 2
    for path in pages:
        text = path.read_text(encoding="utf-8")
        if 'http-equiv="refresh"' in text:
            continue  # JB's index redirect
        assert f"Version <strong>{cff['version']}" in text, path
        # the copy is not a tagged release: it must say so
        assert f"{cff['version']}+dev" in text, path
        assert f'datetime="{cutoff}"' in text, path
        assert f'released <time datetime="{cff["date-released"]}">' in text, path


def test_no_page_loads_anything_from_outside_the_site(built):
    # <link rel="canonical|alternate"> names an address; the browser does not fetch it
    external = re.compile(r'<(?:script|link(?![^>]*rel="(?:canonical|alternate)")|img|iframe|source)'
                          r'\b[^>]*?(?:src|href)="(https?:)?//', re.I)
    offenders = defaultdict(list)
    for path in built.html.rglob("*.html"):
        for match in external.finditer(path.read_text(encoding="utf-8")):
            offenders[str(path.relative_to(built.html))].append(match.group(0)[:120])
    assert not offenders, dict(offenders)


def test_chart_script_only_on_pages_with_charts_and_no_library_in_any_page(built):
    """Chart pages carry the small on-demand script; no page names a chart library (they are
    loaded by that script on interaction only); the libraries are in the site for it."""
    for path in built.html.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        has_chart = 'class="evidence-chart"' in text
        assert has_chart == ("_static/evidence/evidence-charts.js" in text), path
        assert not re.search(r"<script[^>]+vega[-.a-z]*\.js", text), path
    assert (built.html / "_static" / "evidence" / "vega-embed.min.js").exists()
    script = (built.html / "_static" / "evidence" / "evidence-charts.js").read_bytes()
    assert len(script) < 6000, "the on-demand script stays small"


def test_vendored_chart_libraries_match_their_manifest(built):
    import hashlib

    manifest = json.loads((REPO / "_vendor" / "vega" / "manifest.json").read_text())
    for name, meta in manifest.items():
        shipped = built.html / "_static" / "evidence" / f"{name}.min.js"
        assert hashlib.sha256(shipped.read_bytes()).hexdigest() == meta["sha256"], name
        assert (built.html / "_static" / "evidence" / f"{name}.LICENSE").exists()


def test_data_dictionary_documents_every_table_column_and_code(built):
    """Generated from datapackage.json: every resource, column and vocabulary code is on the
    page, and every 'code from …' link lands on that vocabulary's section."""
    import json

    page = built.page("chapters/data-dictionary")
    descriptor = json.loads((REPO / "data" / "datapackage.json").read_text("utf-8"))
    ids = set(re.findall(r'id="([^"]+)"', page))
    for resource in descriptor["resources"]:
        assert f"data-{resource['name']}" in ids, resource["name"]
        for field in resource["schema"]["fields"]:
            shown = (f">{field['name']}</th>" if resource["name"].startswith("vocab-")  # a header
                     else f"<code>{field['name']}</code>")                           # a row
            assert shown in page, (resource["name"], field["name"])
        if resource["name"].startswith("vocab-"):
            with (REPO / "data" / resource["path"]).open(encoding="utf-8") as handle:
                codes = [line.split(",")[0] for line in handle.read().splitlines()[1:]]
            for code in codes:
                assert f"<code>{html.escape(code)}</code>" in page, (resource["name"], code)
    for target in re.findall(r'href="#(data-[^"]+)"', page):
        assert target in ids, target


def test_screening_flow_matches_a_plain_recount(built):
    """The PRISMA-style flow on the Methods page, against a count of data/screening.csv made
    here with the csv module."""
    with (REPO / "data" / "screening.csv").open(encoding="utf-8", newline="") as handle:
        records = list(csv.DictReader(handle))
    excluded = [r for r in records if r["decision"] == "excluded"]
    duplicates = sum(r["reason_code"] == "duplicate" for r in excluded)
    expected = {
        "Records found by the searches": len(records),
        "Duplicates removed": duplicates,
        "Records screened": len(records) - duplicates,
        "Records excluded": len(excluded) - duplicates,
        "Records included": sum(r["decision"] == "included" for r in records),
        "Trial registry records": sum(r["decision"] == "included" and bool(r["registry_id"])
                                      for r in records),
    }
    page = built.page("chapters/methods").split("Flow of records per version")[0]  # the whole flow only
    shown = {html.unescape(step): int(n) for step, n in re.findall(
        r'<span class="flow-level-\d">([^<]+)</span></td><td class="num">(\d+)</td>', page)}
    for step, count in expected.items():
        assert shown.get(step) == count, (step, shown.get(step), count)


def test_glossary_defines_each_term_with_a_citation_and_chapters_link_to_it(built):
    page = built.page("chapters/glossary")
    entries = re.findall(r'<dt id="(term-[^"]+)">(.*?)</dd>', page, re.S)
    assert len(entries) >= 15
    for term_id, body in entries:
        assert 'href="references.html#' in body, f"{term_id} has no citation"
    ids = {term_id for term_id, _ in entries}
    for docname in list(DISEASE_CHAPTERS.values()) + ["chapters/safety", "chapters/preclinical"]:
        links = set(re.findall(r'href="glossary\.html#(term-[^"]+)"', built.page(docname)))
        assert links, f"{docname} links no glossary term"
        assert links <= ids, (docname, links - ids)


CITATION = re.compile(r'<a class="reference internal" href="[^"]*references\.html#id\d+"[^>]*>(.*?)</a>', re.S)


def test_citation_labels_read_alike(built):
    """'Chahin et al., 2025', never 'Chahin and others, 2025'; an entry without a person as
    author is labelled by its organisation, never by its title (shown in italics)."""
    labels = set()
    for path in built.html.rglob("*.html"):
        labels |= set(CITATION.findall(path.read_text(encoding="utf-8")))
    assert len(labels) > 50, "the book cites its sources"
    titles_in_italics = [label for label in labels if "<em>" in label and "et al." not in label]
    assert not titles_in_italics
    plain = {html.unescape(re.sub(r"<[^>]+>", "", label)) for label in labels}
    assert not [label for label in plain if " and others" in label]
    shape = re.compile(r"^.+?(?: et al\.)?, (?:\d{4}[a-z]?|n\.d\.)$")
    assert not [label for label in plain if not shape.match(label)]
    assert any(label.endswith("et al., 2025") for label in plain)
