"""Unit tests of the evidence package on synthetic frames and on copies of the real data."""
from __future__ import annotations

import csv
import shutil
import sys

import pandas as pd
import pytest

from conftest import REPO, copy_book

sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "_ext"))

from evidence.present import html as h  # noqa: E402
from evidence.synthesis import counts, summary  # noqa: E402
from evidence.data import paths  # noqa: E402
from evidence.present import tables  # noqa: E402
from evidence.data.load import load  # noqa: E402
from evidence.data.scope import Scope, digest, select  # noqa: E402


def _studies(rows):
    cols = ["study_id", "cohort_id", "pub_date", "n_treated", "design", "source_type", "disease", "target"]
    frame = pd.DataFrame(rows, columns=cols)
    frame["n_treated"] = frame["n_treated"].astype("Int64")
    return frame


def test_counting_rule_counts_each_cohort_once_from_its_largest_report():
    studies = _studies([
        ("a-2023-mg", "cohort-a", "2023-05", 3, "case-series", "peer-reviewed", "MG", "CD19"),
        ("a-2025-mg", "cohort-a", "2025-01", 5, "case-series", "peer-reviewed", "MG", "CD19"),
        ("b-2024-mg", "cohort-b", "2024", 1, "case-report", "letter", "MG", "BCMA"),
    ])
    counted = summary.counted_reports(studies)
    assert list(counted["study_id"]) == ["a-2025-mg", "b-2024-mg"]
    assert summary.patients_treated(studies) == 6
    by_target = summary.patients_treated(studies, by=["target"]).set_index("target")["patients"]
    assert by_target.to_dict() == {"BCMA": 1, "CD19": 5}


def test_a_later_report_of_some_patients_does_not_shrink_the_cohort():
    """A cohort's follow-up of a subgroup (fewer patients, more recent) is not the count."""
    studies = _studies([
        ("trial-2023", "cohort-a", "2023-05", 14, "single-arm-trial", "peer-reviewed", "MG", "BCMA"),
        ("followup-2025", "cohort-a", "2025-08", 7, "single-arm-trial", "peer-reviewed", "MG", "BCMA"),
    ])
    assert list(summary.counted_reports(studies)["study_id"]) == ["trial-2023"]
    assert summary.patients_treated(studies) == 14


def test_cohorts_without_a_count_or_that_may_overlap_add_nothing_and_are_worded():
    studies = _studies([
        ("a", "cohort-a", "2024", 3, "case-series", "peer-reviewed", "MG", "CD19"),
        ("b", "cohort-b", "2024", 1, "case-report", "news", "MG", "CD19"),
        ("c", "cohort-c", "2025", None, "single-arm-trial", "press-release", "MG", "CD19"),
        ("d", "cohort-d", "2025", None, "single-arm-trial", "news", "MG", "BCMA"),
    ]).assign(may_overlap=[None, "cohort-a", None, None])
    count = counts.PatientCount.of(studies)
    assert (count.patients, count.cohorts, count.uncounted, count.overlapping) == (3, 1, 2, 1)
    assert count.phrase == ("at least 3 patients in 1 cohort; 2 further cohorts report no patient "
                            "count; 1 further cohort may include patients already counted")
    assert summary.patients_treated(studies) == 3
    by_target = summary.patients_by_target(studies).set_index("target")
    assert by_target.loc["CD19", ["patients", "cohorts", "cohorts_uncounted", "cohorts_overlapping"]].tolist() == [3, 3, 1, 1]
    exact = counts.PatientCount.of(studies.iloc[:1])
    assert exact.phrase == "3 patients in 1 cohort" and exact.at_least == "3"
    nothing = counts.PatientCount.of(studies.iloc[2:3])
    assert nothing.phrase.startswith("an unknown number of patients in 1 cohort")


def test_page_figures_are_plain_ints_for_glue():
    studies = _studies([("a-2023-mg", "c", "2023", 2, "case-series", "peer-reviewed", "MG", "CD19")])
    figures = summary.page_figures({"studies": studies})
    assert figures["n_patients"] == 2 and all(type(v) is int for v in figures.values())


@pytest.mark.parametrize("raw, shown", [
    ("p<0.05 & n>3", "p&lt;0.05 &amp; n&gt;3"),
    ('"quoted"', "&quot;quoted&quot;"),
    ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
])
def test_cell_text_is_escaped(raw, shown):
    assert h.text(raw) == shown


def test_only_http_links_become_anchors():
    assert h.link("x", "javascript:alert(1)") == "x"
    assert h.link("a<b", "https://example.org/?a=1&b=2") == \
        '<a href="https://example.org/?a=1&amp;b=2" rel="noopener">a&lt;b</a>'


def test_script_json_cannot_close_its_script_tag():
    dumped = h.script_json({"title": "</script><script>alert(1)</script>"})
    assert "</script>" not in dumped and "<" not in dumped


def test_table_renders_markup_like_text_as_text_with_a_stable_id():
    frame = pd.DataFrame({"v": ["p<0.05 & n>3"]})
    cols = [tables.Column("Value", lambda r: h.text(r["v"]))]
    first = tables.render(frame, cols, "demo", "Caption")
    again = tables.render(frame, cols, "demo", "Caption")
    assert "p&lt;0.05 &amp; n&gt;3" in first.html and "<0.05" not in first.html
    assert first.html == again.html


def test_book_root_found_from_a_chapter_folder_and_from_the_environment(tmp_path, monkeypatch):
    book = copy_book(tmp_path / "book")
    monkeypatch.delenv(paths.ENV_VAR, raising=False)
    assert paths.book_root(book / "chapters") == book
    monkeypatch.setenv(paths.ENV_VAR, str(book))
    assert paths.book_root() == book
    monkeypatch.setenv(paths.ENV_VAR, str(tmp_path))
    with pytest.raises(paths.BookNotFound):
        paths.book_root()


def _edit_first_row(csv_path, where, column, value):
    with open(csv_path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    row = next(r for r in rows if all(r[k] == v for k, v in where.items()))
    row[column] = value
    with open(csv_path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_digest_follows_the_rows_a_scope_shows_and_nothing_else(tmp_path):
    book = copy_book(tmp_path / "book")
    before = {d: digest(Scope(disease=d), root=book) for d in ("MS", "MG")}
    trials_before = digest(Scope(tables=("trials", "trial-diseases")), root=book)
    _edit_first_row(book / "data" / "studies.csv", {"disease": "MG"}, "notes", "edited for a test")
    after = {d: digest(Scope(disease=d), root=book) for d in ("MS", "MG")}
    assert after["MG"] != before["MG"]
    assert after["MS"] == before["MS"]
    assert digest(Scope(tables=("trials", "trial-diseases")), root=book) == trials_before


def test_column_scope_shows_and_digests_only_its_columns(tmp_path):
    """A page that declares the columns it uses sees only those (and the date columns), and
    its digest ignores an edit of another column but follows an edit of a declared one."""
    book = copy_book(tmp_path / "book")
    narrow = Scope(tables=("studies", "safety"), columns={"studies": ("study_id", "n_treated")})
    assert narrow == Scope(tables=("studies", "safety"), columns=[("studies", ("n_treated", "study_id"))])
    chosen = select(load(book), narrow)
    # a page that shows patient counts also gets what counting needs (cohort, overlap, date)
    assert list(chosen["studies"].columns) == ["study_id", "cohort_id", "may_overlap", "n_treated",
                                               "pub_date", "checked_on"]
    assert len(chosen["safety"].columns) > 3, "tables without a column list are whole"
    before = digest(narrow, root=book)
    _edit_first_row(book / "data" / "studies.csv", {"disease": "MG"}, "product", "edited for a test")
    assert digest(narrow, root=book) == before
    _edit_first_row(book / "data" / "studies.csv", {"disease": "MG"}, "n_treated", "99")
    assert digest(narrow, root=book) != before
    with pytest.raises(ValueError, match="does not show"):
        Scope(tables=("safety",), columns={"studies": ("study_id",)})
    with pytest.raises(ValueError, match="no column"):
        select(load(book), Scope(tables=("studies",), columns={"studies": ("no_such_column",)}))


def test_digest_follows_the_package_code(tmp_path, monkeypatch):
    import evidence.data.scope as scope_mod

    book = copy_book(tmp_path / "book")
    base = digest(Scope(disease="MS"), root=book)
    monkeypatch.setattr(scope_mod, "_package_code", lambda: b"a changed chart helper")
    assert digest(Scope(disease="MS"), root=book) != base


def test_disease_scope_keeps_whole_baskets_and_only_its_reports():
    ev = load(REPO)
    chosen = select(ev, Scope(disease="NMOSD"))
    assert set(chosen["studies"]["disease"]) == {"NMOSD"}
    assert set(chosen["safety"]["study_id"]) <= set(chosen["studies"]["study_id"])
    linked = set(ev.trial_diseases.loc[ev.trial_diseases["disease"] == "NMOSD", "registry_id"])
    assert linked <= set(chosen["trials"]["registry_id"])
    assert set(chosen["trial-diseases"]["registry_id"]) == set(chosen["trials"]["registry_id"])


def test_unknown_table_in_a_scope_is_refused():
    with pytest.raises(ValueError, match="unknown table"):
        Scope(tables=("studies", "stuff"))


def test_extension_reads_page_scopes_from_code_cells():
    import evidence_book

    source = """
```{code-cell} ipython3
:tags: [remove-cell]
import evidence
mg = evidence.chapter("MG")
```
text
````{code-cell} ipython3
trials = evidence.chapter(tables=("trials", "trial-diseases"))
````
```python
evidence.chapter("MS")  # a plain code block is not executed
```
"""
    assert evidence_book.page_scopes(source) == [
        Scope(disease="MG"), Scope(tables=("trials", "trial-diseases"))]


def test_extension_finds_the_glue_names_a_page_quotes():
    import evidence_book

    source = """---
kernelspec: {name: python3}
---
We treated {glue:text}`n_patients` patients ({glue:text}`o_a_1_value:.1f`), see
{glue:}`n_reports` and {glue:text}`methods::n_records` (another page's figure).

```{glue:figure} fig_one
caption
```
```{code-cell} ipython3
# {glue:text}`in_code` is code, not text
```
"""
    assert evidence_book.glue_names(source) == ["fig_one", "n_patients", "n_reports", "o_a_1_value"]


def test_page_figures_count_screening_decisions():
    na = pd.NA
    screening = pd.DataFrame({
        "decision": ["included", "included", "included", "excluded", "excluded", "excluded"],
        "reason_code": [na, na, na, "duplicate", "review", "review"],
        "study_id": ["a-2024-ms", "a-2024-ms", na, na, na, na],
        "registry_id": [na, na, "NCT00000001", na, na, na],
        "bibkey": [na, na, na, na, na, na],
    })
    studies = pd.DataFrame({"study_id": ["a-2024-ms"], "cohort_id": ["a"], "n_treated": [2],
                            "pub_date": ["2024"], "design": ["case-series"],
                            "source_type": ["peer-reviewed"]})
    figures = summary.page_figures({"screening": screening, "studies": studies})
    assert figures["n_records"] == 6 and figures["n_included"] == 3
    assert figures["n_duplicates"] == 1 and figures["n_screened"] == 5 and figures["n_excluded"] == 2
    assert figures["n_included_clinical"] == 2 and figures["n_reports_from_search"] == 1
    assert figures["n_included_trial_records"] == 1 and figures["n_included_preclinical"] == 0
    flow = summary.screening_flow(screening, studies)
    assert flow["excluded_by_reason"] == {"review": 2}


def test_cohort_summary_and_patients_by_target_count_each_cohort_once():
    studies = _studies([
        ("a-2023-ms", "cohort-a", "2023-05", 3, "case-series", "news", "MS", "CD19"),
        ("a-2025-ms", "cohort-a", "2025-01", 5, "case-series", "press-release", "MS", "CD19"),
        ("b-2024-ms", "cohort-b", "2024", 1, "case-report", "letter", "MS", "CD19"),
        ("c-2024-ms", "cohort-c", "2024", None, "single-arm-trial", "news", "MS", "BCMA"),
        ("d-2024-ms", "cohort-d", "2024", 2, "case-series", "news", "MS", None),
    ])
    cohorts = summary.cohort_summary(studies).set_index("cohort_id")
    assert cohorts.loc["cohort-a", "counted_study_id"] == "a-2025-ms"
    assert cohorts.loc["cohort-a", "reports"] == 2
    assert cohorts.loc["cohort-a", "source_types"] == ["news", "press-release"]
    assert bool(cohorts.loc["cohort-a", "secondary_only"])
    assert not bool(cohorts.loc["cohort-b", "secondary_only"])
    assert pd.isna(cohorts.loc["cohort-c", "patients"])
    by_target = summary.patients_by_target(studies)
    rows = {(None if pd.isna(t) else t): (p, c, u, o, r) for t, p, c, u, o, r in by_target.itertuples(index=False)}
    assert rows == {"CD19": (6, 2, 0, 0, 3), "BCMA": (0, 1, 1, 0, 1), None: (2, 1, 0, 0, 1)}
    assert list(by_target["target"].fillna("-")) == ["CD19", "BCMA", "-"]  # largest first, missing last
    figures = summary.page_figures({"studies": studies})
    assert figures["n_secondary"] == 4 and figures["n_cohorts_secondary_only"] == 3


def test_report_labels_decode_latex_and_truncated_author_lists():
    from pybtex.database import parse_string

    from evidence.data import bib as bibmod

    bib = parse_string(r"""
@misc{A, author = {{LMU Klinikum M{\"u}nchen}}, title = {t}, url = {https://x.org}}
@article{B, author = {Chahin, Nizar and others}, title = {t}, year = {2025}}
@article{C, author = {Roe, Ann and Doe, Bo}, title = {t}, year = {2024}}
""", "bibtex")
    assert bibmod.short_label(bib, "A") == "LMU Klinikum München n.d."
    assert bibmod.short_label(bib, "B") == "Chahin et al. 2025"
    assert bibmod.short_label(bib, "C") == "Roe and Doe 2024"


def test_report_labels_need_no_plugin_lookup(monkeypatch):
    """pybtex's render_as() searches the installed packages' entry points on every call
    (about 10 ms); labelling thousands of rows that way took minutes. Labels are rendered
    with the plain-text backend named directly."""
    import pybtex.plugin
    from pybtex.database import parse_string

    from evidence.data import bib as bibmod

    def refuse(*args, **kwargs):
        raise AssertionError("plugin lookup while labelling a report")

    monkeypatch.setattr(pybtex.plugin, "find_plugin", refuse)
    bibmod._plain.cache_clear()
    bib = parse_string(r"@article{D, author = {G{\'o}mez, Ana and Li, Bo and Wu, C}, year = {2023}}",
                       "bibtex")
    assert bibmod.short_label(bib, "D") == "Gómez et al. 2023"


def test_comparator_figures_are_named_by_row_and_whole_percents_are_ints():
    frame = pd.DataFrame({"comparator_id": ["trial-a-crs-ge3", "trial-a-neuro-any"],
                          "percent": [9.0, 12.5],
                          "n_patients": pd.array([127, None], dtype="Int64"),
                          "n_with_event": pd.array([None, None], dtype="Int64")})
    figures = summary.page_figures({"oncology-comparators": frame})
    assert figures == {"onc_trial_a_crs_ge3_percent": 9, "onc_trial_a_crs_ge3_n": 127,
                       "onc_trial_a_neuro_any_percent": 12.5}
    assert type(figures["onc_trial_a_crs_ge3_percent"]) is int


def test_trials_by_disease_counts_a_basket_trial_in_each_disease():
    trials = pd.DataFrame({"registry_id": ["NCT1", "NCT2", "NCT3"],
                           "status": ["recruiting", "completed", "not-yet-recruiting"],
                           "phase": ["1", "2", "3"]})
    links = pd.DataFrame({"registry_id": ["NCT1", "NCT1", "NCT2", "NCT3", "NCT9"],
                          "disease": ["MG", "MOGAD", "MG", "GAD-ataxia", "MS"]})
    rows = summary.trials_by_disease(trials, links).set_index("disease")
    assert rows.loc["MG"].tolist() == [2, 1, 1]
    assert rows.loc["MOGAD"].tolist() == [1, 1, 0]
    assert "MS" not in rows.index  # a link to an unlisted trial is not counted
    figures = summary.page_figures({"trials": trials, "trial-diseases": links})
    assert figures["trials_gad_ataxia"] == 1 and figures["later_trials_gad_ataxia"] == 1
    assert figures["n_trials_recruiting"] == 2 and figures["n_trials_phase2_or_later"] == 2


def test_trials_by_counts_each_trial_once_in_vocabulary_order_missing_last():
    trials = pd.DataFrame({"registry_id": ["NCT1", "NCT2", "NCT3", "NCT3", "NCT4"],
                           "phase": ["2", "1", None, None, "1"]})
    rows = summary.trials_by(trials, "phase", order=["early-1", "1", "2"])
    assert rows["phase"].fillna("-").tolist() == ["1", "2", "-"]
    assert rows["trials"].tolist() == [2, 1, 1]  # NCT3 listed twice, counted once
    assert summary.trials_by(trials.iloc[0:0], "phase").empty


def test_trials_by_year_counts_each_trial_once_and_leaves_undated_trials_out():
    trials = pd.DataFrame({"registry_id": ["NCT1", "NCT2", "NCT3", "NCT3", "NCT4", "NCT5"],
                           "registered_on": ["2024-09-27", "2019-10-31", "2024-01-02",
                                             "2024-01-02", None, pd.NA]})
    rows, undated = summary.trials_by_year(trials)
    assert rows["year"].tolist() == ["2019", "2024"]  # oldest first
    assert rows["trials"].tolist() == [1, 2]  # NCT3 listed twice, counted once
    assert rows["registry_ids"].tolist() == ["NCT2", "NCT1, NCT3"]
    assert undated == 2
    figures = summary.page_figures({"trials": trials.assign(status="recruiting", phase="1")})
    assert (figures["n_trials_dated"], figures["n_trials_undated"]) == (3, 2)
    # dates parsed as timestamps count the same
    parsed = trials.assign(registered_on=pd.to_datetime(trials["registered_on"]))
    assert summary.trials_by_year(parsed)[0]["trials"].tolist() == [1, 2]
    # a trials table without the column: every trial is undated
    rows, undated = summary.trials_by_year(trials.drop(columns="registered_on"))
    assert rows.empty and undated == 5


def test_trials_by_year_table_matches_a_recount_of_trials_csv():
    import evidence

    page = evidence.chapter(tables=("trials", "trial-diseases"), root=REPO)
    with (REPO / "data" / "trials.csv").open(encoding="utf-8", newline="") as handle:
        dates = [r["registered_on"] for r in csv.DictReader(handle)]
    years: dict[str, int] = {}
    for date in dates:
        if date:
            years[date[:4]] = years.get(date[:4], 0) + 1
    html = page.trials_by_year_table().html
    assert html.count("<tr>") == 1 + len(years) + (1 if "" in dates else 0)
    for year, n in years.items():
        assert f"<td>{year}</td><td class=\"num\">{n}</td>" in html
    if "" in dates:
        assert "No registration date read" in html


def test_reports_with_event_counts_reports_never_patients():
    safety = pd.DataFrame({
        "study_id": ["a", "a", "b", "c", "d"],
        "grade": ["1", "1", "1", "1", "1"],   # report a gives two rows for one grade (two arms)
        "n_patients": [0, 3, 0, 5, None],     # d gives no number: it is not counted
    })
    counts = summary.reports_with_event(safety, ["grade"])
    assert counts.to_dict("records") == [{"grade": "1", "reports": 3, "reports_with_event": 2}]
    assert summary.reports_with_event(safety.iloc[:0], ["grade"]).empty


def test_crs_icans_chart_is_a_note_when_no_graded_report_has_a_patient(tmp_path):
    import evidence

    root = copy_book(tmp_path / "book")
    safety = pd.read_csv(root / "data/safety.csv", dtype=str, keep_default_na=False)
    graded = safety["event"].isin(["crs", "icans"]) & (safety["grade"] != "any")
    assert (safety.loc[graded, "n_patients"].replace("", "0").astype(int) > 0).any(), "today some do"
    assert 'class="evidence-chart"' in evidence.chapter(tables=("studies", "safety"), root=root) \
        .crs_icans_chart().html
    safety.loc[graded, "n_patients"] = "0"
    safety.to_csv(root / "data/safety.csv", index=False)
    shown = evidence.chapter(tables=("studies", "safety"), root=root).crs_icans_chart()
    assert 'class="evidence-chart"' not in shown.html and "records a patient" in shown.plain


@pytest.mark.parametrize("months, window", [(0, "0 to <3"), (2.9, "0 to <3"), (3, "3 to <6"),
                                            (12, "12 to <24"), (24, "24 or more"), (60, "24 or more"),
                                            (None, None)])
def test_outcome_windows_are_half_open(months, window):
    assert summary.outcome_window(months) == window


def test_value_spread_describes_reported_values_per_group():
    rows = pd.DataFrame({"study_id": ["a", "a", "b", "c", "d", "e"],
                         "measure": ["x", "x", "x", "x", "x", "y"],
                         "value": [1, 2, 3, 4, 5, None]})
    spread = summary.value_spread(rows, ["measure"])
    assert spread.to_dict("records") == [{"measure": "x", "low": 1.0, "q1": 2.0, "median": 3.0,
                                          "q3": 4.0, "high": 5.0, "values": 5, "reports": 4}]


def test_outcome_result_states_statistic_value_unit_and_dispersion():
    from evidence.present.outcomes import outcome_result

    labels = {"statistics": {"mean-change": "Mean change from baseline", "count": "Count"},
              "dispersions": {"IQR": "Interquartile range"}}

    def label(vocab, code):
        return labels[vocab].get(code, code)

    na = pd.NA
    row = {"value": -5.5, "unit": "points", "statistic": "mean-change", "value_low": -7.0,
           "value_high": -3.0, "dispersion": "IQR"}
    assert outcome_result(row, label) == \
        "Mean change from baseline: -5.5 points (Interquartile range -7 to -3)"
    row = {"value": 11.0, "unit": "patients", "statistic": "count", "value_low": na,
           "value_high": na, "dispersion": na}
    assert outcome_result(row, label) == "Count: 11 patients"
    assert outcome_result({**row, "value": na}, label) == ""


def test_outcomes_table_shows_every_outcome_row_of_the_disease_with_its_locator():
    import evidence

    page = evidence.chapter("NMOSD", root=REPO)
    with (REPO / "data" / "outcomes.csv").open(encoding="utf-8", newline="") as handle:
        outcomes = list(csv.DictReader(handle))
    with (REPO / "data" / "studies.csv").open(encoding="utf-8", newline="") as handle:
        nmosd = {r["study_id"] for r in csv.DictReader(handle) if r["disease"] == "NMOSD"}
    expected = [r for r in outcomes if r["study_id"] in nmosd]
    html = page.outcomes_table().html
    assert html.count("<tr>") == len(expected) + 1  # header row + one row per outcome
    for row in expected:
        assert h.text(row["locator"]) in html


def test_result_figures_name_each_reported_number_by_its_row():
    outcomes = pd.DataFrame({"outcome_id": ["qin-2023-nmosd-o1", "x-o2"],
                             "value": [11.0, -5.5],
                             "n_evaluated": pd.array([12, None], dtype="Int64")})
    safety = pd.DataFrame({"safety_id": ["qin-2023-nmosd-s1"],
                           "n_patients": pd.array([12], dtype="Int64"),
                           "n_evaluated": pd.array([None], dtype="Int64")})
    figures = summary.page_figures({"outcomes": outcomes, "safety": safety})
    assert figures["o_qin_2023_nmosd_o1_value"] == 11 and type(figures["o_qin_2023_nmosd_o1_value"]) is int
    assert figures["o_qin_2023_nmosd_o1_n"] == 12
    assert figures["o_x_o2_value"] == -5.5 and "o_x_o2_n" not in figures  # not reported: not glued
    assert figures["s_qin_2023_nmosd_s1_n"] == 12 and "s_qin_2023_nmosd_s1_of" not in figures
    assert figures["n_outcome_results"] == 2 and figures["n_safety_results"] == 1


def test_search_dates_and_query_count_come_from_the_screening_log():
    na = pd.NA
    screening = pd.DataFrame({
        "record_id": ["r1", "r2", "r3"], "query": ["q a", "q a", "q b"],
        "searched_on": ["2026-03-01", "2026-11-24", na],
        "decision": ["excluded", "excluded", "excluded"],
        "reason_code": ["review", "duplicate", "review"],
        "study_id": [na, na, na], "registry_id": [na, na, na], "bibkey": [na, na, na]})
    assert summary.search_dates(screening) == ("2026-03-01", "2026-11-24")
    assert summary.screening_flow(screening)["n_queries"] == 2


def _safety(rows):
    frame = pd.DataFrame(rows, columns=["safety_id", "study_id", "event", "grade", "n_patients", "n_evaluated"])
    return frame.astype({"n_patients": "Int64", "n_evaluated": "Int64"})


def test_summary_of_findings_uses_one_number_per_cohort_and_exact_intervals():
    from evidence.synthesis import findings

    studies = _studies([
        ("interim", "cohort-a", "2024", 5, "single-arm-trial", "peer-reviewed", "MG", "CD19"),
        ("final", "cohort-a", "2025", 10, "single-arm-trial", "peer-reviewed", "MG", "CD19"),
        ("case", "cohort-b", "2025", 1, "case-report", "letter", "MG", "CD19"),
        ("news", "cohort-c", "2025", 6, "case-series", "news", "MG", "BCMA"),
    ])
    safety = _safety([
        ("s1", "interim", "crs", "any", 1, 5), ("s2", "final", "crs", "any", 2, 10),
        ("s3", "case", "crs", "any", 0, 1),
        ("s4", "news", "crs", "1", 2, 6),       # only a grade, never an any-grade total
    ])
    crs = findings.proportion(studies, safety, "crs", "any")
    # the final report of cohort a (2 of 10), not interim + final; the grade-only cohort apart
    assert (crs.events, crs.patients, crs.cohorts, crs.other_form) == (2, 11, 2, 1)
    # Clopper-Pearson limits in closed form where they have one: no event in n, all n with it
    none = findings.Proportion(0, 16, 1, 0)
    assert none.interval[0] == 0 and abs(none.interval[1] - (1 - 0.025 ** (1 / 16))) < 1e-9
    every = findings.Proportion(4, 4, 1, 0)
    assert abs(every.interval[0] - 0.025 ** (1 / 4)) < 1e-9 and every.interval[1] == 1
    assert none.text == "0 of 16 (0%; 95% CI 0 to 21%)"
    assert findings.Proportion(0, 0, 0, 0).text == "no patient with data"


def test_an_edit_to_the_validator_or_the_data_stage_validates_the_data_again(tmp_path):
    """The build validates again when anything the validator runs on changes: the data, its
    own modules, or the data stage it builds on (identifier rules, CSV reading)."""
    import evidence_book

    book = tmp_path / "book"
    for folder in ("data", "evidence"):
        shutil.copytree(REPO / folder, book / folder,
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "refs.bib", book)
    before = evidence_book._validation_inputs(book)
    for module in ("validate/schema.py", "data/identifiers.py", "data/csvfile.py"):
        path = book / "evidence" / module
        original = path.read_text(encoding="utf-8")
        path.write_text(original + "\n# edited\n", encoding="utf-8")
        assert evidence_book._validation_inputs(book) != before, module
        path.write_text(original, encoding="utf-8")
    assert evidence_book._validation_inputs(book) == before
