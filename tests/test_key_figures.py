"""Key figures of the built book against a recount made here, straight from the CSVs.

The recount uses only the csv module — not the `evidence` package — and the counting rule as
the Methods chapter states it: reports that share a `cohort_id` describe the same patients;
per cohort, the report with the most patients treated (then the most recent) is counted; a
cohort with no count, or one that may overlap another (`may_overlap`), adds no patients. It is
compared with what a reader sees in the built HTML: the glued patient totals in the disease
chapters and the "Patients treated by target" table of every disease that has a clinical report.
"""
from __future__ import annotations

import csv
import html
import re
from collections import defaultdict
from html.parser import HTMLParser

import pytest

from conftest import REPO, STRICT, jb_build, scope_in_words

DATA = REPO / "data"
DISEASE_CHAPTERS = {"MS": "chapters/ms", "NMOSD": "chapters/nmosd", "MOGAD": "chapters/mogad",
                    "MG": "chapters/mg", "IIM+JDM": "chapters/myositis"}
CAPTION = re.compile(r"^Patients treated by target \(([^)]+)\)")


def _rows(name: str) -> list[dict]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


GROUPS = {"JDM": "IIM+JDM", "IIM": "IIM+JDM"}  # diseases shown together on one chapter


def recount() -> dict[str, dict]:
    """Per disease (or group of diseases shown on one page): total patients, cohorts counted,
    without a count and that may overlap, and per target (code, '' if not reported) a tuple
    (patients, cohorts, cohorts without a count, cohorts that may overlap, reports)."""
    reports = defaultdict(list)
    for row in _rows("studies.csv"):
        reports[(GROUPS.get(row["disease"], row["disease"]), row["cohort_id"])].append(row)
    result: dict[str, dict] = defaultdict(lambda: {"total": 0, "counted": 0, "uncounted": 0,
                                                   "overlapping": 0, "targets": {}})
    for (disease, _cohort), rows in reports.items():
        with_count = [r for r in rows if r["n_treated"].strip()]
        if with_count:
            head = max(with_count, key=lambda r: (int(r["n_treated"]), r["pub_date"], r["study_id"]))
        else:
            head = max(rows, key=lambda r: (r["pub_date"], r["study_id"]))
        overlapping = bool(head["may_overlap"].strip())
        patients = int(head["n_treated"]) if with_count and not overlapping else 0
        entry = result[disease]
        entry["total"] += patients
        kind = "overlapping" if overlapping else "counted" if with_count else "uncounted"
        entry[kind] += 1
        p, c, u, o, n = entry["targets"].get(head["target"], (0, 0, 0, 0, 0))
        entry["targets"][head["target"]] = (p + patients, c + 1, u + (kind == "uncounted"),
                                            o + overlapping, n + len(rows))
    return dict(result)


class _Tables(HTMLParser):
    """Every <table>: its caption and the text of each body row's cells."""

    def __init__(self):
        super().__init__()
        self.tables: list[dict] = []
        self._where: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"caption": "", "rows": []})
        elif tag == "caption" and self.tables:
            self._where = "caption"
        elif tag == "tr" and self.tables:
            self._row: list[str] = []
        elif tag in ("td", "th") and self.tables:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "caption":
            self._where = None
        elif tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self.tables and getattr(self, "_row", None):
            self.tables[-1]["rows"].append(self._row)
            self._row = []

    def handle_data(self, data):
        if self._where == "caption":
            self.tables[-1]["caption"] += data
        elif self._cell is not None:
            self._cell.append(data)


def shown_target_tables(built) -> dict[str, list[list[str]]]:
    """Disease code -> rows (header first) of its 'Patients treated by target' table, from
    every page of the built book; a disease shown twice is an error."""
    found: dict[str, list[list[str]]] = {}
    groups_by_words = {scope_in_words(g): g for g in {GROUPS.get(r["code"], r["code"])
                                                      for r in _rows("vocab/diseases.csv")}}
    for path in sorted((built.html / "chapters").glob("*.html")):
        parser = _Tables()
        parser.feed(path.read_text(encoding="utf-8"))
        for table in parser.tables:
            match = CAPTION.match(table["caption"].strip())
            if match and match.group(1) != "all diseases":
                group = groups_by_words[match.group(1).lower()]
                assert group not in found, f"{group} shown twice"
                found[group] = table["rows"]
    return found


@pytest.fixture(scope="module")
def expected():
    return recount()


@pytest.fixture(scope="module")
def shown(built):
    return shown_target_tables(built)


def test_recount_is_not_trivial(expected):
    """Guards the recount itself: cohorts are merged, so reports outnumber cohorts."""
    assert sum(e["total"] for e in expected.values()) > 0
    reports = sum(n for e in expected.values() for *_, n in e["targets"].values())
    cohorts = sum(c for e in expected.values() for _, c, _, _, _ in e["targets"].values())
    assert reports > cohorts


def test_every_disease_with_reports_shows_patients_by_target(expected, shown):
    assert set(expected) <= set(shown), sorted(set(expected) - set(shown))


def test_patients_by_target_match_the_recount(expected, shown):
    labels = {r["code"]: r["label"] for r in _rows("vocab/targets.csv")}
    for disease, entry in expected.items():
        header, *body = shown[disease]
        assert header[:2] == ["Target", "Patients treated"], header
        table = {row[0]: (_patients_cell(row[1]), *(int(x) for x in row[2:6])) for row in body}
        # a group with a cohort that adds no patients shows a lower bound ("at least 13")
        want = {(labels[t] if t else "Not reported"): ((p, bool(u or o)), c, u, o, n)
                for t, (p, c, u, o, n) in entry["targets"].items()}
        p, c, u, o, n = map(sum, zip(*entry["targets"].values()))
        assert table.pop("All targets") == ((p, bool(u or o)), c, u, o, n), disease
        assert table == want, disease
        assert p == entry["total"]


def _patients_cell(text: str) -> tuple[int, bool]:
    """'at least 13' -> (13, True); '13' -> (13, False)."""
    found = re.fullmatch(r"(at least )?(\d+)", text.strip())
    assert found, f"patients cell {text!r} is neither a number nor 'at least N'"
    return int(found.group(2)), bool(found.group(1))


# The wording the review promises wherever a total is shown (issue: honest totals)
PHRASE = re.compile(r'<span class="pasted-text">(at least )?(\d+) patients? in (\d+) cohorts?'
                    r'(?:; (\d+) further cohorts? reports? no patient count)?'
                    r'(?:; (\d+) further cohorts? may include patients already counted)?</span>')


def glued_totals(page: str) -> list[tuple[int, int, int, int, bool]]:
    """Every glued total on a page: (patients, cohorts counted, cohorts without a count,
    cohorts that may overlap, 'at least')."""
    return [(int(p), int(c), int(u or 0), int(o or 0), bool(least))
            for least, p, c, u, o in PHRASE.findall(re.sub(r"\s+", " ", page))]


@pytest.mark.parametrize("disease, docname", DISEASE_CHAPTERS.items())
def test_glued_totals_in_disease_chapters_match_the_recount(built, expected, disease, docname):
    entry = expected.get(disease)
    totals = glued_totals(built.page(docname))
    if entry is None or not entry["counted"]:
        assert not totals
        return
    assert totals, "the chapter must state its patient count from glue"
    assert set(totals) == {(entry["total"], entry["counted"], entry["uncounted"],
                            entry["overlapping"], entry["uncounted"] + entry["overlapping"] > 0)}


def test_a_cohort_without_a_count_is_shown_as_such(built_copy):
    """A new MS cohort whose report gives no count: the total stays, the page says one more
    cohort reports no count and that the total is a lower bound; the tables say 'not reported'."""
    path = built_copy / "data" / "studies.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, list(reader)
    template = next(r for r in rows if r["disease"] == "MS" and r["n_treated"])
    rows.append({**template, "study_id": "zz-uncounted-ms", "cohort_id": "zz-uncounted-ms",
                 "n_treated": "", "may_overlap": "", "pub_date": "2026-01-01"})
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    appraisal = built_copy / "data" / "appraisal.csv"
    with appraisal.open(encoding="utf-8", newline="") as handle:
        judged = [r for r in csv.DictReader(handle) if r["study_id"] == template["study_id"]]
    with appraisal.open("a", encoding="utf-8", newline="") as handle:
        csv.DictWriter(handle, fieldnames=list(judged[0]), lineterminator="\n").writerows(
            {**r, "study_id": "zz-uncounted-ms"} for r in judged)
    before = recount()["MS"]
    build = jb_build(built_copy, *STRICT)
    assert build.returncode == 0, build.log[-3000:]
    page = build.page("chapters/ms")
    assert set(glued_totals(page)) == {(before["total"], before["counted"], before["uncounted"] + 1,
                                        before["overlapping"], True)}
    assert f"at least {before['total']} patients" in page
    parser = _Tables()
    parser.feed(page)
    by_target = next(t for t in parser.tables if CAPTION.match(t["caption"].strip()))
    total_row = next(r for r in by_target["rows"] if r[0] == "All targets")
    assert total_row[1] == f"at least {before['total']}"
    explorer = build.page("chapters/evidence-explorer")
    row = re.search(r'id="study-zz-uncounted-ms".*?</tr>', explorer, re.S)
    assert row and "not reported" in row.group(0)


def test_mogad_chapter_says_what_is_and_is_not_reported(built, expected, shown):
    """Glued counts for MOGAD against the CSVs; the registered trials named are those that
    trial_diseases.csv links to MOGAD; the 'no patient reported' sentence must go once a
    report exists."""
    text = re.sub(r"\s+", " ", html.unescape(built.page("chapters/mogad")))
    glued = lambda value, after: f'<span class="pasted-text">{value}</span>{after}' in text  # noqa: E731
    studies = {r["study_id"] for r in _rows("studies.csv") if r["disease"] == "MOGAD"}
    trials = sorted(r["registry_id"] for r in _rows("trial_diseases.csv") if r["disease"] == "MOGAD")
    outcomes = sum(r["study_id"] in studies for r in _rows("outcomes.csv"))
    safety = sum(r["study_id"] in studies for r in _rows("safety.csv"))
    assert glued(len(studies), "; patients with MOGAD treated:")
    assert glued(expected.get("MOGAD", {"total": 0})["total"], ";")
    assert glued(outcomes, "; safety results in MOGAD:")
    assert glued(safety, ";")
    assert glued(len(trials), f' (<span class="pasted-text">{", ".join(trials) or "none"}</span>)')
    if "MOGAD" in expected:
        assert "No patient with MOGAD treated with CAR T cells had been reported" not in text
    else:
        header, *body = shown["MOGAD"]
        assert body == [["All targets", "0", "0", "0", "0", "0"]]
        assert "No patient with MOGAD treated with CAR T cells had been reported" in text


SECONDARY = {"news", "press-release", "review"}


def test_ms_chapter_counts_the_tongji_cohort_once_and_says_its_sources_are_secondary(built):
    rows = [r for r in _rows("studies.csv") if r["disease"] == "MS"]
    tongji = [r for r in rows if r["cohort_id"] == "tongji-bcma-ms"]
    assert len({r["source_url"] for r in tongji}) == len(tongji), "a source is listed twice"
    assert len({r["bibkey"] for r in tongji}) == len(tongji), "a reference is listed twice"
    newest = max((r for r in tongji if r["n_treated"]),
                 key=lambda r: (r["pub_date"], int(r["n_treated"]), r["study_id"]))
    cohorts = defaultdict(set)
    for r in rows:
        cohorts[r["cohort_id"]].add(r["source_type"])
    text = re.sub(r"\s+", " ", built.page("chapters/ms"))
    glued = lambda n, after: re.search(  # noqa: E731
        rf'<span class="pasted-text">{n}</span> {after}', text)
    assert glued(newest["n_treated"], "patients with progressive MS received the")
    assert glued(len(tongji), "rows of this cohort in the table below are all secondary sources")
    assert all(r["source_type"] in SECONDARY for r in tongji)
    n_secondary = sum(r["source_type"] in SECONDARY for r in rows)
    assert glued(n_secondary, rf'of the <span class="pasted-text">{len(rows)}</span> reports')
    only = sum(kinds <= SECONDARY for kinds in cohorts.values())
    assert glued(only, rf'of the <span class="pasted-text">{len(cohorts)}</span> cohorts only secondary')


def test_safety_chapter_shows_every_oncology_comparator_from_the_csv(built):
    comparators = _rows("oncology_comparators.csv")
    parser = _Tables()
    parser.feed(built.page("chapters/safety"))
    table = next(t for t in parser.tables if t["caption"].startswith("Oncology comparators"))
    header, *body = table["rows"]
    assert len(body) == len(comparators)
    product, rate = header.index("Product"), header.index("Patients with the event")
    shown = sorted((row[product], row[rate]) for row in body)
    expected = []
    for row in comparators:
        text = f"{float(row['percent']):g}%"
        if row["n_with_event"] and row["n_patients"]:
            text += f" ({row['n_with_event']}/{row['n_patients']})"
        expected.append((row["product"], text))
    assert shown == sorted(expected)
    # the prose figures are glued from the same rows, not typed
    by_id = {row["comparator_id"]: row for row in comparators}
    prose = re.sub(r"\s+", " ", built.page("chapters/safety"))
    glued = lambda value, after: f'<span class="pasted-text">{value}</span>{after}' in prose  # noqa: E731
    karmma = by_id["karmma-crs-ge3"]
    assert glued(f"{float(karmma['percent']):g}", "% and grade 3 or higher neurological toxicity")
    assert glued(karmma["n_patients"], " patients with multiple myeloma")
    assert glued(f"{float(by_id['pooled-tisacel-all-crs-any']['percent']):g}", "% (grade 4 in")


def test_outlook_trial_counts_match_a_recount_of_the_trial_tables(built):
    """Trials per disease and those open to enrolment, recounted from trials.csv and
    trial_diseases.csv, against the Outlook table and its glued sentence."""
    status = {r["registry_id"]: r["status"] for r in _rows("trials.csv")}
    open_codes = {"recruiting", "not-yet-recruiting", "enrolling-by-invitation"}
    per_disease = defaultdict(set)
    for link in _rows("trial_diseases.csv"):
        if link["registry_id"] in status:
            per_disease[link["disease"]].add(link["registry_id"])
    labels = {r["code"]: r["label"] for r in _rows("vocab/diseases.csv")}
    parser = _Tables()
    parser.feed(built.page("chapters/outlook"))
    table = next(t for t in parser.tables if t["caption"].startswith("Registered trials by disease"))
    shown = {row[0]: (int(row[1]), int(row[2])) for row in table["rows"][1:]}
    expected = {labels[d]: (len(ids), sum(status[i] in open_codes for i in ids))
                for d, ids in per_disease.items()}
    assert shown == expected
    text = re.sub(r"\s+", " ", built.page("chapters/outlook"))
    n_ms, open_ms = expected[labels["MS"]]
    assert (f'multiple sclerosis <span class="pasted-text">{n_ms}</span> '
            f'(<span class="pasted-text">{open_ms}</span> open)') in text
    n_open = sum(s in open_codes for s in status.values())
    assert (f'<span class="pasted-text">{len(status)}</span> registered trials in neuroimmune '
            f'disorders, of which <span class="pasted-text">{n_open}</span>') in text


def _glued_names(docname: str) -> list[str]:
    """The glue names a chapter's prose uses, read from its MyST source."""
    source = (REPO / f"{docname}.md").read_text(encoding="utf-8")
    return re.findall(r"\{glue:text\}`([^`]+)`", source)


def _number(text: str) -> str:
    return f"{float(text):g}"


@pytest.mark.parametrize("docname", DISEASE_CHAPTERS.values())
def test_reported_numbers_quoted_in_prose_are_the_csv_values_of_their_rows(built, docname):
    """Every per-row glue in a disease chapter (o_<outcome_id>_value/_n, s_<safety_id>_n/_of)
    is recomputed here from outcomes.csv/safety.csv and must appear, as that value, in the page;
    a name the data does not give would fail the strict build, a wrong value fails here."""
    values = {}
    for row in _rows("outcomes.csv"):
        stem = "o_" + re.sub(r"[^0-9A-Za-z]", "_", row["outcome_id"])
        if row["value"]:
            values[f"{stem}_value"] = _number(row["value"])
        if row["n_evaluated"]:
            values[f"{stem}_n"] = row["n_evaluated"]
    for row in _rows("safety.csv"):
        stem = "s_" + re.sub(r"[^0-9A-Za-z]", "_", row["safety_id"])
        if row["n_patients"]:
            values[f"{stem}_n"] = row["n_patients"]
        if row["n_evaluated"]:
            values[f"{stem}_of"] = row["n_evaluated"]
    names = [n for n in _glued_names(docname) if re.match(r"[os]_.+_(value|n|of)$", n)]
    assert names or docname == "chapters/mogad", "the chapter should quote reported numbers"
    page = built.page(docname)
    shown = re.findall(r'<span class="pasted-text">([^<]*)</span>', page)
    for name in names:
        assert name in values, f"{docname}: {name} names no reported number"
        assert values[name] in shown, f"{docname}: {name} should show {values[name]}"


def test_nmosd_relapse_sentence_states_the_reported_fraction(built):
    row = next(r for r in _rows("outcomes.csv")
               if r["study_id"] == "qin-2023-nmosd" and r["outcome"] == "relapse-free")
    text = re.sub(r"\s+", " ", built.page("chapters/nmosd"))
    assert (f'<span class="pasted-text">{_number(row["value"])}</span> of '
            f'<span class="pasted-text">{row["n_evaluated"]}</span> patients had no relapse') in text


@pytest.mark.parametrize("docname", DISEASE_CHAPTERS.values())
def test_efficacy_table_lists_every_outcome_row_of_the_disease(built, docname):
    disease = next(d for d, doc in DISEASE_CHAPTERS.items() if doc == docname)
    studies = {r["study_id"] for r in _rows("studies.csv") if r["disease"] in disease.split("+")}
    expected = [r for r in _rows("outcomes.csv") if r["study_id"] in studies]
    parser = _Tables()
    parser.feed(built.page(docname))
    tables = [t for t in parser.tables if t["caption"].startswith("Reported efficacy results")]
    if not expected and not tables:
        return  # MOGAD: nothing reported, and the chapter says so in prose
    header, *body = tables[0]["rows"]
    if not expected:
        assert body == [["No records."]]
        return
    assert len(body) == len(expected)
    where = header.index("Where in source")
    assert sorted(row[where] for row in body) == sorted(r["locator"] for r in expected)


def test_trial_landscape_breakdowns_match_a_recount(built):
    """Trials by target, phase and status, each trial once, recounted from trials.csv and
    compared with the tables of the Trial landscape chapter, and trials per year of first
    registration recounted from the registered_on column (trials without a date in a last
    row, and the numbers of the sentence that says how many have none)."""
    trials = {r["registry_id"]: r for r in _rows("trials.csv")}
    parser = _Tables()
    parser.feed(built.page("chapters/trial-landscape"))
    for column, vocab in (("target", "targets"), ("phase", "phases"), ("status", "statuses")):
        labels = {r["code"]: r["label"] for r in _rows(f"vocab/{vocab}.csv")}
        want = defaultdict(int)
        for row in trials.values():
            want[labels[row[column]] if row[column] else "Not reported in the record read"] += 1
        table = next(t for t in parser.tables
                     if re.match(rf"Registered trials by [a-z ]*{column}\b", t["caption"]))
        shown = {row[0]: int(row[1]) for row in table["rows"][1:]}
        assert shown == dict(want), column
        assert sum(shown.values()) == len(trials)
    # trials per year of first registration, recounted from registered_on; undated trials last
    years: dict[str, int] = defaultdict(int)
    undated = 0
    for row in trials.values():
        if row["registered_on"]:
            years[row["registered_on"][:4]] += 1
        else:
            undated += 1
    table = next(t for t in parser.tables if t["caption"].startswith("Registered trials by year"))
    body = table["rows"][1:]
    shown = {row[0]: int(row[1]) for row in body if row[0] != "No registration date read"}
    assert shown == dict(years)
    assert [row[0] for row in body if row[0] != "No registration date read"] == sorted(years)
    assert ({row[0]: int(row[1]) for row in body}.get("No registration date read", 0)) == undated
    text = re.sub(r"\s+", " ", built.page("chapters/trial-landscape"))
    assert "not recorded" not in text
    assert (f'covers <span class="pasted-text">{sum(years.values())}</span> of the '
            f'<span class="pasted-text">{len(trials)}</span> trials; the other '
            f'<span class="pasted-text">{undated}</span> have no registration date read') in text


def test_methods_states_the_cutoff_from_the_data_package(built):
    import json

    cutoff = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))["evidence_cutoff"]
    text = re.sub(r"\s+", " ", built.page("chapters/methods"))
    assert (f'cut-off date of this version is <span class="pasted-text">{cutoff}</span>') in text
