"""Never stale, never wasteful: after a data or package edit, the pages that show the changed
evidence re-execute and show it; the others reuse their cached execution."""
from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

from jupyter_cache import get_cache

from conftest import STRICT, Build, jb_build

DATA_PAGES = {"ms.md", "nmosd.md", "mogad.md", "mg.md"}


def _hashes(root: Path) -> set[str]:
    return {r.hashkey for r in get_cache(root / "_build" / ".jupyter_cache").list_cache_records()}


def _executed_since(root: Path, before: set[str]) -> set[str]:
    records = get_cache(root / "_build" / ".jupyter_cache").list_cache_records()
    return {Path(r.uri).name for r in records if r.hashkey not in before}


def _pages_with(root: Path, text: str) -> set[str]:
    html = root / "_build" / "html"
    return {str(p.relative_to(html)) for p in html.rglob("*.html") if text in p.read_text("utf-8")}


def _edit_studies(root: Path, disease: str, column: str, value: str) -> str:
    path = root / "data" / "studies.csv"
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        fields, rows = reader.fieldnames, list(reader)
    row = next(r for r in rows if r["disease"] == disease)
    old, row[column] = row[column], value
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return old


def _make_build(root: Path) -> Build:
    """The README's build command, run with this test's environment instead of a new .venv."""
    prefix = Path(sys.prefix)
    proc = subprocess.run(["make", "-o", str(prefix / ".installed"), "build", f"VENV={prefix}"],
                          cwd=root, text=True, capture_output=True, timeout=900)
    return Build(root, proc.returncode, proc.stdout + proc.stderr)


def test_no_change_rebuild_executes_nothing(built_copy):
    before = _hashes(built_copy)
    build = jb_build(built_copy, *STRICT)
    assert build.returncode == 0, build.log[-3000:]
    assert _executed_since(built_copy, before) == set()
    # the data gate does not check unchanged data again
    assert "evidence: data unchanged since its last successful check" in build.log


def test_row_edit_reruns_only_the_pages_that_show_it_plain_jb_build(built_copy):
    _edit_studies(built_copy, "MG", "product", "Edited-product-7731")
    before = _hashes(built_copy)

    build = jb_build(built_copy)  # plain `jb build .`, no cache deleted
    assert build.returncode == 0, build.log[-3000:]
    assert "evidence: data package and refs.bib are valid" in build.log, "changed data is checked"

    executed = _executed_since(built_copy, before)
    assert "mg.md" in executed
    assert not executed & (DATA_PAGES - {"mg.md"}), executed
    # the pages whose tables list MG products: the MG chapter, the explorer (every report) and
    # What's new (every row changed since the last release)
    assert _pages_with(built_copy, "Edited-product-7731") == {"chapters/mg.html",
                                                               "chapters/evidence-explorer.html",
                                                               "chapters/whats-new.html"}
    # the MG charts whose tooltips name the product were drawn again; the drawings of their
    # old data were removed: the SVG cache holds one drawing per chart the site shows
    drawn = re.search(r"evidence: (\d+) chart\(s\) drawn as SVG .*?, (\d+) no longer shown removed",
                      build.log)
    assert drawn and int(drawn.group(1)) >= 1 and int(drawn.group(2)) >= 1, build.log[-2000:]
    charts = {m for p in (built_copy / "_build" / "html").rglob("*.html")
              for m in re.findall(r'id="([a-z0-9-]+)-spec"', p.read_text("utf-8"))}
    assert len(list((built_copy / "_build" / ".doctrees" / "evidence-charts").glob("*.svg"))) == len(charts)


def test_row_edit_is_shown_by_the_readme_build_command(built_copy):
    _edit_studies(built_copy, "NMOSD", "product", "Edited-product-4410")
    build = _make_build(built_copy)
    assert build.returncode == 0, build.log[-3000:]
    assert "jb build -W -n --keep-going ." in build.log
    assert "chapters/nmosd.html" in _pages_with(built_copy, "Edited-product-4410")


def test_package_code_edit_reruns_every_page_that_uses_it(built_copy):
    helper = built_copy / "evidence" / "present" / "tables.py"
    helper.write_text(helper.read_text("utf-8") + "\n# a fixed table helper\n", "utf-8")
    before = _hashes(built_copy)
    build = jb_build(built_copy, *STRICT)
    assert build.returncode == 0, build.log[-3000:]
    pages = [*(built_copy / "chapters").glob("*.md"), built_copy / "index.md"]
    uses_package = {p.name for p in pages if "evidence.chapter(" in p.read_text("utf-8")}
    assert DATA_PAGES <= uses_package
    assert _executed_since(built_copy, before) == uses_package


def test_markup_like_text_is_shown_as_text(built_copy):
    """Allowed text that looks like markup reaches the reader as text: escaped in the table
    cell, and intact (with `<` escaped inside the script element) in the chart's data."""
    import html
    import json
    import re

    text = 'p<0.05 & n>3 "quoted" it\'s a<b'
    _edit_studies(built_copy, "MG", "product", text)
    build = jb_build(built_copy, *STRICT)
    assert build.returncode == 0, build.log[-3000:]
    page = (built_copy / "_build" / "html" / "chapters" / "mg.html").read_text("utf-8")
    cells = re.findall(r"<td[^>]*>(.*?)</td>", page, re.S)
    assert any(html.unescape(cell) == text and "&lt;" in cell and "&amp;" in cell
               for cell in cells), "the table cell holds the escaped text"
    specs = re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', page, re.S)
    assert specs and all("<" not in spec for spec in specs), "no raw < inside a script element"
    values = [row.get("product") for spec in specs
              for dataset in json.loads(spec).get("datasets", {}).values() for row in dataset]
    assert text in values, "the chart tooltip data holds the text unchanged"


# -- correct under the cache: each kind of edit, built incrementally, reaches the pages -------
def _glued_patients(page_html: str) -> int:
    import re

    found = re.search(r'<span class="pasted-text">(?:at least )?(\d+) patients? in \d+ cohorts?',
                      page_html)
    assert found, "the MG chapter glues its patient count as 'N patients in K cohorts'"
    return int(found.group(1))


def _rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _set_cell(path: Path, key: str, value_of_key: str, column: str, value: str) -> None:
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        fields, rows = reader.fieldnames, list(reader)
    for row in rows:
        if row[key] == value_of_key:
            row[column] = value
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def test_every_kind_of_edit_is_shown_after_an_incremental_build(built_copy):
    """Prose, code, a study's patient count and a vocabulary label, each edited and built with
    the cache in place: the pages show the new content and no longer the old."""
    html = built_copy / "_build" / "html" / "chapters"

    # prose edit: the chapter is re-read (its cached execution reused) and shows the sentence
    ms = built_copy / "chapters" / "ms.md"
    ms.write_text(ms.read_text("utf-8") + "\nA sentence added by the cache test 5521.\n", "utf-8")
    before = _hashes(built_copy)
    build = jb_build(built_copy, *STRICT)
    assert build.returncode == 0, build.log[-3000:]
    assert "A sentence added by the cache test 5521." in (html / "ms.html").read_text("utf-8")
    assert _executed_since(built_copy, before) == set()

    # code edit: only that chapter re-executes; its new caption replaces the old one
    mogad = built_copy / "chapters" / "mogad.md"
    old_caption = "Clinical reports (MOG antibody-associated disease), oldest first."
    assert old_caption in (html / "mogad.html").read_text("utf-8")
    mogad.write_text(mogad.read_text("utf-8").replace(
        "page.studies_table()", 'page.studies_table(caption="Caption from the cache test 8812")', 1),
        "utf-8")
    before = _hashes(built_copy)
    build = jb_build(built_copy, *STRICT)
    assert build.returncode == 0, build.log[-3000:]
    page = (html / "mogad.html").read_text("utf-8")
    assert "Caption from the cache test 8812" in page and old_caption not in page
    assert _executed_since(built_copy, before) == {"mogad.md"}

    # row edit of a number: the glued patient count in the MG prose follows the data
    studies = _rows(built_copy / "data" / "studies.csv")
    cohort_sizes: dict[str, int] = {}
    for row in studies:
        cohort_sizes[row["cohort_id"]] = cohort_sizes.get(row["cohort_id"], 0) + 1
    alone = next(r for r in studies if r["disease"] == "MG" and r["n_treated"]
                 and cohort_sizes[r["cohort_id"]] == 1)  # counted whatever the counting rule
    shown = _glued_patients((html / "mg.html").read_text("utf-8"))
    _set_cell(built_copy / "data" / "studies.csv", "study_id", alone["study_id"], "n_treated",
              str(int(alone["n_treated"]) + 3))
    build = jb_build(built_copy, *STRICT)
    assert build.returncode == 0, build.log[-3000:]
    assert _glued_patients((html / "mg.html").read_text("utf-8")) == shown + 3

    # vocabulary edit: every page showing the label shows the new one, none the old
    designs = {r["code"]: r["label"] for r in _rows(built_copy / "data" / "vocab" / "designs.csv")}
    used = {r["design"] for r in studies if r["disease"] == "MS"}
    code = next(c for c in designs if c in used)
    old_cell = f"<td>{designs[code]}</td>"
    assert old_cell in (html / "ms.html").read_text("utf-8")
    _set_cell(built_copy / "data" / "vocab" / "designs.csv", "code", code, "label",
              "Design label from the cache test 3307")
    build = jb_build(built_copy, *STRICT)
    assert build.returncode == 0, build.log[-3000:]
    for name in ("ms.html", "data-dictionary.html"):
        assert "Design label from the cache test 3307" in (html / name).read_text("utf-8"), name
    stale = {p.name for p in html.glob("*.html") if old_cell in p.read_text("utf-8")}
    assert not stale, f"old label still in a table cell of {stale}"


# -- glued figures: the ones the text uses, and a new one as soon as the text uses it ---------
GLUE_ROLE_IN_TEXT = r"\{glue(?::\w*)?\}`([^`:]+)"  # written here, not taken from the extension


def _glued_names(root: Path, page: str) -> set[str]:
    """The glue keys stored in the page's cached notebook (myst-nb reads them from there)."""
    cache = get_cache(root / "_build" / ".jupyter_cache")
    record = next(r for r in cache.list_cache_records() if Path(r.uri).name == page)
    notebook = cache.get_cache_bundle(record.pk).nb
    return {out["metadata"]["scrapbook"]["name"] for cell in notebook.cells
            for out in cell.get("outputs", []) if "scrapbook" in out.get("metadata", {})}


def test_pages_glue_the_figures_their_text_uses_and_no_others(built):
    """One glue output per data row would grow with the evidence (thousands at 100x, which
    nbclient then dropped); a page glues what its text quotes."""
    import re

    for page in sorted(DATA_PAGES | {"methods.md", "evidence-explorer.md"}):
        text = (built.root / "chapters" / page).read_text("utf-8")
        used = set(re.findall(GLUE_ROLE_IN_TEXT, text))
        assert used, page
        assert _glued_names(built.root, page) == used, page


def test_a_figure_newly_quoted_in_the_text_is_glued_at_the_next_build(built_copy):
    """The glued names are part of what the execution cache keys on: quoting a per-row figure
    the page did not use before re-executes the page, and the figure is shown."""
    import re

    mg = built_copy / "chapters" / "mg.md"
    text = mg.read_text("utf-8")
    mg_studies = {r["study_id"] for r in _rows(built_copy / "data" / "studies.csv")
                  if r["disease"] == "MG"}
    row = next(r for r in _rows(built_copy / "data" / "outcomes.csv")
               if r["study_id"] in mg_studies and r["value"]
               and f"o_{re.sub(r'[^0-9A-Za-z]', '_', r['outcome_id'])}_value" not in text)
    name = f"o_{re.sub(r'[^0-9A-Za-z]', '_', row['outcome_id'])}_value"
    assert name not in _glued_names(built_copy, "mg.md")
    mg.write_text(text + f"\nQuoted by the cache test: {{glue:text}}`{name}` (figure 6617).\n",
                  "utf-8")
    before = _hashes(built_copy)
    build = jb_build(built_copy, *STRICT)
    assert build.returncode == 0, build.log[-3000:]
    assert _executed_since(built_copy, before) == {"mg.md"}
    page = (built_copy / "_build" / "html" / "chapters" / "mg.html").read_text("utf-8")
    shown = re.search(r'Quoted by the cache test: <span class="pasted-text">([^<]+)</span>', page)
    assert shown and float(shown.group(1)) == float(row["value"])


def test_a_watch_run_updates_whats_new_without_executing_a_page(built_copy):
    """What's new shows the watch's state from data/queue.csv and data/watch_runs.csv: after a
    run is logged and a record queued, an incremental build shows both, and no chapter is
    executed again (no chapter's data changed)."""
    shown = (built_copy / "_build/html/chapters/whats-new.html").read_text("utf-8")
    assert "has not run yet" in shown
    with (built_copy / "data/watch_runs.csv").open("a", encoding="utf-8") as handle:
        handle.write("2026-12-01,4,7,1,30,0\n")
    with (built_copy / "data/queue.csv").open("a", encoding="utf-8") as handle:
        handle.write("pmid:99000001,new-record,pubmed,pmid:99000001,,Test fixture title,2026-12,"
                     "pubmed-products,,,,,https://pubmed.ncbi.nlm.nih.gov/99000001/,2026-12-01\n")
    before = _hashes(built_copy)
    build = jb_build(built_copy, *STRICT)
    assert build.returncode == 0, build.log[-3000:]
    page = build.page("chapters/whats-new")
    assert '<time datetime="2026-12-01">2026-12-01</time>' in page
    assert "<strong>1</strong> new record and" in page
    assert _executed_since(built_copy, before) == set()
