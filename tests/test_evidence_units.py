"""Unit tests of the evidence package on synthetic frames and on copies of the real data."""
from __future__ import annotations

import csv
import sys

import pandas as pd
import pytest

from conftest import REPO, copy_book

sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "_ext"))

from evidence import html as h  # noqa: E402
from evidence import paths, summary, tables  # noqa: E402
from evidence.data import load  # noqa: E402
from evidence.scope import Scope, digest, select  # noqa: E402


def _studies(rows):
    cols = ["study_id", "cohort_id", "pub_date", "n_treated", "design", "source_type", "disease", "target"]
    frame = pd.DataFrame(rows, columns=cols)
    frame["n_treated"] = frame["n_treated"].astype("Int64")
    return frame


def test_counting_rule_counts_each_cohort_once_from_its_latest_report():
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
    assert list(chosen["studies"].columns) == ["study_id", "n_treated", "checked_on"]
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
    import evidence.scope as scope_mod

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
