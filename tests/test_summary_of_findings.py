"""The summary of findings with certainty, the appraisal by domain and the per-cohort safety
display: the rules on synthetic frames, the validator on broken copies of the real data, a
changed judgement on the real data, and the built pages against a recount from the CSVs."""
from __future__ import annotations

import csv
import html
import re
import shutil
import sys
from collections import defaultdict

import pandas as pd

from conftest import REPO, run_evidence, scope_in_words

sys.path.insert(0, str(REPO))

from evidence.synthesis import certainty as cert, findings  # noqa: E402

DATA = REPO / "data"
DISEASE_CHAPTERS = {"MS": "chapters/ms", "NMOSD": "chapters/nmosd", "MOGAD": "chapters/mogad",
                    "MG": "chapters/mg", "IIM+JDM": "chapters/myositis"}


def _rows(name: str) -> list[dict]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _text(markup: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup))).strip()


def _table(page: str, caption_start: str) -> list[list[str]]:
    """The body rows (cell texts) of the table whose caption starts with `caption_start`."""
    for match in re.finditer(r"<table.*?</table>", page, re.S):
        caption = re.search(r"<caption[^>]*>(.*?)</caption>", match.group(0), re.S)
        if caption and _text(caption.group(1)).lower().startswith(caption_start.lower()):
            body = re.search(r"<tbody>(.*?)</tbody>", match.group(0), re.S).group(1)
            return [[_text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
                    for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S)]
    raise AssertionError(f"no table captioned {caption_start!r}")


# -- the rules, on synthetic frames ------------------------------------------------------------
def _studies(rows):
    return pd.DataFrame(rows, columns=["study_id", "cohort_id", "pub_date"])


def _outcomes(rows):
    frame = pd.DataFrame(rows, columns=["outcome_id", "study_id", "arm", "outcome", "timepoint_months",
                                        "n_evaluated", "statistic", "value", "unit"])
    return frame.astype({"n_evaluated": "Int64", "value": "Float64", "timepoint_months": "Float64"})


def test_benefits_count_patients_of_the_treated_arm_once_per_cohort():
    studies = _studies([("rct", "trial", "2025"), ("interim", "series", "2024"),
                        ("final", "series", "2025"), ("means", "other", "2025")])
    outcomes = _outcomes([
        ("o1", "rct", None, "mgc", 3, 14, "count", 10, "patients"),
        ("o2", "rct", "control", "mgc", 3, 15, "count", 5, "patients"),   # never counted
        ("o3", "interim", None, "qmg", 3, 4, "count", 4, "patients"),
        ("o4", "final", None, "qmg", 6, 6, "count", 5, "patients"),       # the larger report
        ("o5", "means", None, "mg-adl", 6, 8, "mean-change", -5.5, "points"),
    ])
    p = findings.outcome_proportion(studies, outcomes, ("mgc", "qmg", "mg-adl"))
    assert (p.events, p.patients, p.cohorts, p.other_form) == (15, 20, 2, 1)


def test_certainty_follows_grade_steps_and_states_its_changes():
    assert cert.implied_level("low", [-1, 0, 0, -2, -1, 0]) == "very-low"
    assert cert.implied_level("high", [-1, 0, 0, 0, 0, 0]) == "moderate"
    assert cert.implied_level("low", [0, 0, 0, 0, 0, 1]) == "moderate"
    row = {"risk_of_bias": -1, "risk_of_bias_reason": "uncontrolled", "imprecision": -2,
           "imprecision_reason": "few", "inconsistency": 0, "upgrade": 0}
    rating = cert.Rating("very-low", "Very low", tuple(cert.changes_of(row)), "2026-12-05")
    assert rating.short == "Very low (risk of bias \u22121, imprecision \u22122)"


# -- the validator, on broken copies of the real data ------------------------------------------
def _edit(path, line: int, column: str, value: str) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[line - 1][rows[0].index(column)] = value
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def test_validator_rejects_judgements_that_do_not_add_up(data_copy):
    certainty = data_copy / "data" / "certainty.csv"
    _edit(certainty, 2, "certainty", "low")           # start low, -4 levels: must be very low
    _edit(certainty, 3, "imprecision_reason", "")     # a change without its reason
    _edit(certainty, 4, "group", "IIM")               # IIM is summarised with JDM
    appraisal = data_copy / "data" / "appraisal.csv"
    rows = list(csv.reader(appraisal.open(encoding="utf-8", newline="")))
    study = rows[1][0]
    kept = [r for r in rows if not (r[0] == study and r[1] == "causality")]
    csv.writer(appraisal.open("w", encoding="utf-8", newline=""), lineterminator="\n").writerows(kept)
    result = run_evidence(data_copy, "validate")
    assert result.returncode == 1
    out = result.stdout + result.stderr
    assert 'data/certainty.csv:2: certainty: "low" does not follow' in out
    assert "data/certainty.csv:3: imprecision_reason: a change of -2" in out
    assert 'data/certainty.csv:4: group: "IIM" is not a disease group' in out
    assert re.search(r"data/studies\.csv:\d+: appraisal_tool: no judgement in data/appraisal\.csv "
                     r"for domain\(s\) causality", out)


def test_validator_requires_the_overall_appraisal_to_be_the_most_serious_domain(data_copy):
    studies = _rows("studies.csv")
    line = next(i for i, r in enumerate(studies, start=2) if r["appraisal"] == "high")
    _edit(data_copy / "data" / "studies.csv", line, "appraisal", "low")
    out = run_evidence(data_copy, "validate").stdout
    assert f'data/studies.csv:{line}: appraisal: "low" is not the most serious domain judgement' in out


def test_a_control_arm_belongs_to_a_randomised_trial(data_copy):
    studies = {r["study_id"]: r["design"] for r in _rows("studies.csv")}
    line = next(i for i, r in enumerate(_rows("outcomes.csv"), start=2)
                if studies[r["study_id"]] != "randomised-trial")
    _edit(data_copy / "data" / "outcomes.csv", line, "arm", "control")
    out = run_evidence(data_copy, "validate").stdout
    assert f"data/outcomes.csv:{line}: arm: a control arm belongs to a randomised trial" in out


# -- a judgement changed in the data changes the table -----------------------------------------
def test_changing_a_judgement_changes_the_summary_of_findings(tmp_path):
    import evidence

    root = tmp_path / "book"
    shutil.copytree(DATA, root / "data")
    shutil.copy(REPO / "refs.bib", root)
    shutil.copy(REPO / "_config.yml", root)
    rows = _rows("certainty.csv")
    line, row = next((i, r) for i, r in enumerate(rows, start=2) if r["group"] == "NMOSD"
                     and r["outcome"] == "relapse-free")
    before = evidence.chapter("NMOSD", root=root).summary_of_findings().html
    path = root / "data" / "certainty.csv"
    for column in ("risk_of_bias", "indirectness", "publication_bias", "inconsistency"):
        _edit(path, line, column, "0")
    _edit(path, line, "imprecision", "-1")
    _edit(path, line, "start", "moderate")
    _edit(path, line, "certainty", "low")
    assert run_evidence(root, "validate").returncode == 0
    after = evidence.chapter("NMOSD", root=root).summary_of_findings().html
    label = next(r["label"] for r in _rows("vocab/sof_outcomes.csv") if r["code"] == "relapse-free")
    cell = re.compile(re.escape(label) + r"</td>(?:<td[^>]*>.*?</td>){3}<td[^>]*>(.*?)</td>")
    assert _text(cell.search(before).group(1)).startswith("Very low (")
    assert _text(cell.search(after).group(1)) == "Low (imprecision \u22121)"


# -- the built pages against a recount from the CSVs -------------------------------------------
GROUPS = {"IIM": "IIM+JDM", "JDM": "IIM+JDM"}


def _recount_relapse_free() -> dict[str, tuple[int, int]]:
    """Per disease group: patients free of relapse over patients evaluated, per cohort its
    counted row with most patients evaluated, recounted with the csv module only."""
    cohort = {r["study_id"]: (GROUPS.get(r["disease"], r["disease"]), r["cohort_id"], r["pub_date"])
              for r in _rows("studies.csv")}
    best: dict[tuple, tuple] = {}
    for r in _rows("outcomes.csv"):
        if r["outcome"] != "relapse-free" or r["arm"] == "control" or r["statistic"] != "count" \
                or r["unit"] != "patients" or not r["n_evaluated"] or not r["value"]:
            continue
        group, cohort_id, date = cohort[r["study_id"]]
        key = (int(r["n_evaluated"]), date)
        if (group, cohort_id) not in best or key > best[(group, cohort_id)][0]:
            best[(group, cohort_id)] = (key, int(float(r["value"])), int(r["n_evaluated"]))
    totals: dict[str, tuple[int, int]] = defaultdict(lambda: (0, 0))
    for (group, _), (_, events, n) in best.items():
        e, p = totals[group]
        totals[group] = (e + events, p + n)
    return dict(totals)


def test_disease_chapters_show_every_key_outcome_with_a_rated_certainty(built):
    outcomes = [r["label"] for r in _rows("vocab/sof_outcomes.csv")]
    rated = {(r["group"], r["outcome"]) for r in _rows("certainty.csv")}
    codes = {r["label"]: r["code"] for r in _rows("vocab/sof_outcomes.csv")}
    for group, docname in DISEASE_CHAPTERS.items():
        rows = _table(built.page(docname), f"Summary of findings ({scope_in_words(group)}): key outcomes")
        assert [r[0] for r in rows] == outcomes, docname
        for label, result, _cohorts, _other, certainty in rows:
            if result == "no patient with data":
                assert certainty == "No data to rate"
            else:
                assert (group, codes[label]) in rated, f"{docname}: {label} has data but no rating"
                assert certainty.split(" (")[0] in {"High", "Moderate", "Low", "Very low"}


def test_relapse_free_cells_match_a_recount(built):
    recount = _recount_relapse_free()
    assert recount, "some cohort counts patients free of relapse"
    label = next(r["label"] for r in _rows("vocab/sof_outcomes.csv") if r["code"] == "relapse-free")
    for group, (events, patients) in recount.items():
        rows = _table(built.page(DISEASE_CHAPTERS[group]), f"Summary of findings ({scope_in_words(group)}): key")
        cell = next(r[1] for r in rows if r[0] == label)
        assert cell.startswith(f"{events} of {patients} ("), (group, cell)


def test_certainty_judgements_are_shown_with_their_reasons(built):
    page = built.page("chapters/summary-of-findings")
    rows = _table(page, "Certainty of the evidence (")
    assert len(rows) == len(_rows("certainty.csv"))
    reasons = {r["imprecision_reason"] for r in _rows("certainty.csv") if r["imprecision_reason"]}
    assert all(any(reason in " ".join(row) for row in rows) for reason in reasons)
    assert "Balshem" in _text(built.page("chapters/methods"))


def test_each_disease_chapter_shows_the_appraisal_of_every_report_by_domain(built):
    domains = {r["code"]: r["label"] for r in _rows("vocab/appraisal_domains.csv")}
    by_study = defaultdict(list)
    for r in _rows("appraisal.csv"):
        by_study[r["study_id"]].append(r)
    studies = _rows("studies.csv")
    for group, docname in DISEASE_CHAPTERS.items():
        mine = [s for s in studies if GROUPS.get(s["disease"], s["disease"]) == group]
        if not mine:
            continue
        rows = _table(built.page(docname), f"Critical appraisal of each report ({scope_in_words(group)})")
        assert len(rows) == len(mine), docname
        text = re.sub(r" :", ":", " ".join(" ".join(r) for r in rows))
        for study in mine:
            for judgement in by_study[study["study_id"]]:
                assert f"{domains[judgement['domain']]}:" in text
                assert judgement["reason"] in text, (docname, study["study_id"])
    explorer = built.page("chapters/evidence-explorer")
    assert explorer.count('class="evidence-domains"') == len(studies)


def test_safety_chapter_draws_every_cohort_with_its_interval_over_the_comparators(built):
    page = built.page("chapters/safety")
    specs = [html.unescape(s) for s in re.findall(
        r'<script type="application/json" id="chart-safety-forest[^"]*-spec">(.*?)</script>', page, re.S)]
    assert len(specs) == 1, "one forest chart"
    spec = specs[0]
    cohorts = {(r["study_id"]) for r in _rows("safety.csv")
               if r["event"] in ("crs", "icans") and r["grade"] in ("any", ">=3")
               and r["n_patients"] and r["n_evaluated"]}
    assert cohorts, "some cohort reports CRS or ICANS with a denominator"
    assert '"low"' in spec and '"high"' in spec
    for product in {r["product"] for r in _rows("oncology_comparators.csv")
                    if r["event"] in ("crs", "icans", "neurologic-event") and r["grade"] in ("any", ">=3")}:
        assert product in spec


def test_no_page_lists_authors_as_and_others(built):
    for path in built.html.rglob("*.html"):
        text = _text(path.read_text(encoding="utf-8"))
        assert " and others" not in text, path.name
