"""Versioned and citable: CITATION.cff is valid CFF and the only source of the version;
`python -m evidence release` writes a snapshot, CITATION.cff, .zenodo.json and the changelog
(or nothing); What's new and its feed follow the data; every built page carries citation
meta tags, a canonical URL, an honest last-updated date and a cite box; the downloads are the
data. Expected values are computed here from the files with plain code."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import shutil
import subprocess
import sys
import zipfile
from html import unescape
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml

from conftest import REPO, SITE_URL, run_evidence

sys.path.insert(0, str(REPO))
from evidence.release import citation
from evidence.data import snapshots  # noqa: E402

BIN = Path(sys.executable).parent
TODAY = dt.date.today().isoformat()
ATOM = "{http://www.w3.org/2005/Atom}"


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _cff() -> dict:
    return yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))


# -- CITATION.cff and Zenodo ----------------------------------------------------------------
def _check_cff(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "check-jsonschema"), "--builtin-schema",
                           "vendor.citation-file-format", str(path)],
                          capture_output=True, text=True, timeout=120)


def test_citation_cff_is_valid_cff_1_2_0(tmp_path):
    assert _cff()["cff-version"] == "1.2.0"
    done = _check_cff(REPO / "CITATION.cff")
    assert done.returncode == 0, done.stdout + done.stderr
    broken = tmp_path / "CITATION.cff"
    broken.write_text((REPO / "CITATION.cff").read_text().replace("date-released:", "released:"))
    assert _check_cff(broken).returncode != 0  # the check can fail


def test_zenodo_metadata_is_generated_from_citation_cff():
    path = REPO / ".zenodo.json"
    assert path.exists(), "run `python -m evidence release` (it writes .zenodo.json)"
    cff = _cff()
    zen = json.loads(path.read_text(encoding="utf-8"))
    expected = citation.zenodo_json(citation.from_cff(cff, ""))
    assert path.read_text(encoding="utf-8") == expected, ".zenodo.json was edited by hand"
    assert zen["version"] == str(cff["version"])
    assert zen["publication_date"] == str(cff["date-released"])
    assert zen["title"] == cff["title"]
    assert "doi" not in zen  # Zenodo mints the version DOI
    dois = {i["description"].split(" ")[0]: i["value"] for i in cff.get("identifiers", [])
            if i.get("type") == "doi"}
    if "Concept" in dois and "Version" in dois:
        assert dois["Concept"] != dois["Version"]


def test_versions_live_only_in_citation_cff():
    """No code or configuration file types the release version as a literal (prose may give
    examples)."""
    cff = _cff()
    version = str(cff["version"])
    files = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True).stdout.split()
    allowed = {"CITATION.cff", ".zenodo.json", "CHANGELOG.md", f"releases/{version}.json"}
    hits = []
    for name in files:
        if name in allowed or name.startswith(("releases/", "_vendor/", "data/")) or \
                not name.endswith((".py", ".yml", ".yaml", ".toml", ".js", ".json", ".cfg", ".ini")):
            continue
        text = (REPO / name).read_text(encoding="utf-8", errors="replace")
        if re.search(rf"(?<![\w.]){re.escape(version)}(?![\w.])", text):
            hits.append(name)
    assert not hits, f"version {version} typed outside CITATION.cff: {hits}"


# -- the release command --------------------------------------------------------------------
@pytest.fixture
def book(data_copy) -> Path:
    for name in ("CITATION.cff", "CHANGELOG.md"):
        if (REPO / name).exists():
            shutil.copy(REPO / name, data_copy)
    if (REPO / "releases").exists():
        shutil.copytree(REPO / "releases", data_copy / "releases")
    return data_copy


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _next(version: str) -> str:
    major, minor, _patch = (int(x) for x in version.split("."))
    return f"{major}.{minor + 1}.0"


def test_release_writes_snapshot_citation_zenodo_and_changelog(book):
    new = _next(str(_cff()["version"]))
    done = run_evidence(book, "release", new, "--date", TODAY)
    assert done.returncode == 0, done.stderr
    cff = yaml.safe_load((book / "CITATION.cff").read_text())
    assert str(cff["version"]) == new and str(cff["date-released"]) == TODAY
    assert _check_cff(book / "CITATION.cff").returncode == 0
    zen = json.loads((book / ".zenodo.json").read_text())
    assert zen["version"] == new and zen["publication_date"] == TODAY
    snap = json.loads((book / "releases" / f"{new}.json").read_text())
    assert snap["version"] == new and snap["released"] == TODAY
    studies = _rows(book / "data" / "studies.csv")
    assert set(snap["tables"]["studies"]) == {r["study_id"] for r in studies}
    some = studies[0]
    assert snap["tables"]["studies"][some["study_id"]] == {k: v for k, v in some.items() if v}
    log = (book / "CHANGELOG.md").read_text()
    assert log.index(f"## {new} — {TODAY}") < min([log.index(f"## {v}") for v in
                                                   re.findall(r"^## (\S+) —", log, re.M) if v != new] or [len(log)])


def test_release_refuses_and_writes_nothing(book):
    before = _tree(book)
    current = str(_cff()["version"])
    older = "0.0.1"
    cases = [("not-a-version",), ("9.9.9", "--date", "2999-01-01")]
    if (REPO / "releases" / f"{current}.json").exists():
        cases += [(current,), (older,)]
    for args in cases:
        done = run_evidence(book, "release", *args)
        assert done.returncode == 1, (args, done.stdout)
        assert "release refused" in done.stderr
        assert _tree(book) == before, args
    # invalid data: the validator's problems are shown, nothing is written
    studies = book / "data" / "studies.csv"
    studies.write_text(studies.read_text().replace(",MS,", ",XX,", 1))
    before = _tree(book)
    done = run_evidence(book, "release", _next(current), "--date", TODAY)
    assert done.returncode == 1 and "data/studies.csv:" in done.stderr
    assert _tree(book) == before


def test_whats_new_lists_changes_field_by_field_with_errata(book):
    new = _next(str(_cff()["version"]))
    assert run_evidence(book, "release", new, "--date", TODAY).returncode == 0
    path = book / "data" / "studies.csv"
    rows = _rows(path)
    target = next(r for r in rows if r["n_treated"] and r["design"] != "case-report")
    old_n = target["n_treated"]
    fixed_n = str(int(old_n) + 1)
    text = path.read_text()
    line = next(l for l in text.splitlines() if l.startswith(target["study_id"] + ","))
    cells = next(csv.reader([line]))
    cells[list(target).index("n_treated")] = fixed_n
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(cells)
    path.write_text(text.replace(line, out.getvalue()))
    (book / "data" / "errata.csv").write_text(
        "erratum_id,corrected_on,table,record_id,field,description,source_url\n"
        f"E1,{TODAY},studies,{target['study_id']},n_treated,treated count misread,"
        "https://pubmed.ncbi.nlm.nih.gov/1/\n")
    assert run_evidence(book, "validate").returncode == 0
    deltas = snapshots.whats_new(book)
    pending = deltas[0]
    assert pending.version == snapshots.UNRELEASED and pending.previous == new
    changed = pending.of("studies", "changed")
    assert [c.key for c in changed] == [target["study_id"]]
    assert [(f.field, f.old, f.new) for f in changed[0].fields] == [("n_treated", old_n, fixed_n)]
    assert [e["erratum_id"] for e in changed[0].errata] == ["E1"]
    assert [e["record_id"] for e in pending.errata] == [target["study_id"]]
    released = deltas[1]  # the release itself (against the one before) holds no part of the fix
    assert released.version == new
    assert not [f for c in released.of("studies", "changed") if c.key == target["study_id"]
                for f in c.fields if f.field == "n_treated" and f.new == fixed_n]


def test_an_erratum_must_name_a_real_row_and_column(book):
    (book / "data" / "errata.csv").write_text(
        "erratum_id,corrected_on,table,record_id,field,description,source_url\n"
        "E1,2026-01-01,studies,no-such-study,n_treated,x,https://example.org/\n"
        "E2,2026-01-01,vocab-targets,CD19,label,x,https://example.org/\n"
        "E3,2026-01-01,trials,NCT04561557,no_such_column,x,https://example.org/\n")
    done = run_evidence(book, "validate")
    assert done.returncode == 1
    for line, column in ((2, "record_id"), (3, "table"), (4, "field")):
        assert f"data/errata.csv:{line}: {column}:" in done.stdout, done.stdout


def test_export_writes_the_data_under_versioned_names(tmp_path):
    out = tmp_path / "dist"
    done = run_evidence(REPO, "export", "--out", str(out))
    assert done.returncode == 0, done.stderr
    names = sorted(p.name for p in out.iterdir())
    suffix = citation.load(REPO).file_version()
    assert all(suffix in n for n in names), names
    assert (out / f"studies-{suffix}.csv").read_bytes() == (REPO / "data" / "studies.csv").read_bytes()


# -- the built site -------------------------------------------------------------------------
def _content_pages(built) -> list[Path]:
    return sorted(p for p in built.html.rglob("*.html") if "_static" not in p.parts
                  and p.name not in ("genindex.html", "search.html")
                  and 'http-equiv="refresh"' not in p.read_text(encoding="utf-8"))


def _meta(page: str, name: str) -> list[str]:
    return [unescape(m) for m in re.findall(rf'<meta name="{name}" content="([^"]*)"', page)]


def test_every_page_has_citation_tags_canonical_url_and_cite_box(built):
    cff = _cff()
    for path in _content_pages(built):
        page = path.read_text(encoding="utf-8")
        rel = path.relative_to(built.html).as_posix()
        h1 = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S).group(1)
        h1 = re.sub(r'<a class="headerlink".*?</a>', "", h1, flags=re.S)
        title = unescape(re.sub(r"<[^>]+>", "", h1)).strip()
        # the home page is cited as the book; every other page as a chapter of it
        assert _meta(page, "citation_title") == [cff["title"] if rel == "index.html" else title], rel
        assert _meta(page, "citation_author") == [a.get("name") or
                                                  f"{a['family-names']}, {a['given-names']}"
                                                  for a in cff["authors"]], rel
        assert _meta(page, "citation_publication_date") == [str(cff["date-released"]).replace("-", "/")]
        assert f'<link rel="canonical" href="{SITE_URL}{rel}" />' in page, rel
        assert 'class="evidence-cite"' in page and "@incollection{" in page or rel == "index.html"
        assert 'type="application/atom+xml"' in page, rel


def _newest(dates) -> str:
    return max(d for d in dates if d)


def test_last_updated_is_the_newest_check_of_the_evidence_shown(built):
    studies = _rows(REPO / "data" / "studies.csv")
    trials = {r["registry_id"]: r for r in _rows(REPO / "data" / "trials.csv")}
    links = _rows(REPO / "data" / "trial_diseases.csv")
    for disease, doc in (("MS", "ms"), ("MG", "mg"), ("NMOSD", "nmosd")):
        mine = [s for s in studies if s["disease"] == disease]
        ids = {l["registry_id"] for l in links if l["disease"] == disease} | \
              {s["registry_id"] for s in mine if s["registry_id"]}
        expected = _newest([s["checked_on"] for s in mine] +
                           [trials[i]["checked_on"] for i in ids if i in trials])
        page = built.page(f"chapters/{doc}")
        shown = re.search(r'class="evidence-updated">Last updated <time datetime="([\d-]+)"', page)
        assert shown and shown.group(1) == expected, disease
    page = built.page("chapters/how-to-cite")
    shown = re.search(r'class="evidence-updated">Last updated <time datetime="([\d-]+)"', page)
    assert shown.group(1) == str(_cff()["date-released"])


def test_how_to_cite_page_gives_bibtex_ris_and_text_from_citation_cff(built):
    page = unescape(built.page("chapters/how-to-cite"))
    cff = _cff()
    assert f"title = {{{{{cff['title']}}}}}" in page
    assert re.search(r"TY  - ELEC\n", page) and re.search(r"^ER  -$", page, re.M)
    assert f"Version {cff['version']}+dev" in page  # the test copy is not the tagged release
    assert "version = {" in page and f"evidence up to {json.loads((REPO / 'data' / 'datapackage.json').read_text())['evidence_cutoff']}" in page


def test_downloads_are_the_data_and_are_linked(built):
    downloads = built.html / "downloads"
    zips = list(downloads.glob("*.zip"))
    assert len(zips) == 1
    with zipfile.ZipFile(zips[0]) as archive:
        names = archive.namelist()
        prefix = names[0].split("/")[0] + "/"
        descriptor = json.loads(archive.read(prefix + "datapackage.json"))
        for resource in descriptor["resources"]:
            assert archive.read(prefix + resource["path"]) == \
                (REPO / "data" / resource["path"]).read_bytes(), resource["path"]
        assert archive.read(prefix + "refs.bib") == (REPO / "refs.bib").read_bytes()
    export = json.loads(next(downloads.glob("*.json")).read_text())
    assert len(export["tables"]["studies"]) == len(_rows(REPO / "data" / "studies.csv"))
    page = built.page("chapters/downloads")
    for path in downloads.iterdir():
        assert f'href="../downloads/{path.name}"' in page, path.name
    assert "CC BY 4.0" in page and "MIT" in page


def test_whats_new_page_and_feed_follow_the_snapshots(built):
    deltas = snapshots.whats_new(REPO)
    page = built.page("chapters/whats-new")
    feed = ElementTree.parse(built.html / "whats-new.xml").getroot()
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == len(deltas)
    for delta, entry in zip(deltas, entries):
        anchor = "unreleased" if delta.version == snapshots.UNRELEASED else \
            "release-" + delta.version.replace(".", "-")
        assert f'id="{anchor}"' in page
        assert entry.find(f"{ATOM}link").get("href").endswith("#" + anchor)
    for release in sorted((REPO / "releases").glob("*.json")):
        assert f"Release {release.stem} (" in page


# -- citation formats (units) ---------------------------------------------------------------
def _cite(**changes) -> citation.Citation:
    cff = {"cff-version": "1.2.0", "title": "A review of 100% {things} & more", "version": "1.2.0",
           "date-released": "2026-01-02", "license": "CC-BY-4.0",
           "authors": [{"family-names": "Doe", "given-names": "Jane"}, {"name": "Team X"}],
           "identifiers": [{"type": "doi", "value": "10.5281/zenodo.111", "description": "Concept DOI"},
                           {"type": "doi", "value": "10.5281/zenodo.222", "description": "Version DOI of release 1.2.0"}]}
    cff.update(changes)
    return cff


def test_a_build_between_releases_never_claims_the_release_doi():
    released = citation.from_cff(_cite(), "2026-01-01")
    assert released.is_release and released.doi == "10.5281/zenodo.222"
    dev = citation.from_cff(_cite(), "2026-01-01", shown="1.2.0+dev.abc1234")
    assert not dev.is_release and dev.version_doi == "" and dev.doi == "10.5281/zenodo.111"
    assert "10.5281/zenodo.222" not in citation.bibtex(dev) + citation.ris(dev) + citation.text(dev)
    zen = citation.zenodo(released)
    assert {"identifier": "10.5281/zenodo.111", "relation": "isVersionOf", "scheme": "doi"} \
        in zen["related_identifiers"] and "10.5281/zenodo.222" not in json.dumps(zen)


def test_bibtex_escapes_and_keeps_entities_whole():
    cite = citation.from_cff(_cite(), "2026-01-01", site_url="https://x.invalid/r")
    entry = citation.bibtex(cite, citation.Chapter("MS & NMOSD", "chapters/ms.html", "2026-01-01"))
    assert "author = {Doe, Jane and {Team X}}" in entry
    assert r"booktitle = {{A review of 100\% \{things\} \& more}}" in entry
    assert "url = {https://x.invalid/r/chapters/ms.html}" in entry
    assert entry.startswith("@incollection{") and entry.count("{") == entry.count("}")
    no_url = citation.from_cff(_cite(), "2026-01-01")
    assert "url =" not in citation.bibtex(no_url) and "UR  -" not in citation.ris(no_url)
