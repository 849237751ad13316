"""The completeness audit: for each published review that tabulates cases, which of its cases
this review holds (by cohort), which it excluded at screening and which it could not find.

Rows live in data/audit.csv, one per case or cohort as the audited review lists it; this
module counts and renders them. A case is never matched here by guesswork: the curator names
the cohort (held) or the screening record (excluded) in the row, and the validator checks both.
"""
from __future__ import annotations

import pandas as pd

from ..data import bib as bibmod
from ..data.load import Evidence
from ..synthesis.counts import PatientCount
from . import html as h
from . import tables
from .views import view

STATUSES = ("held", "excluded", "not-found", "unresolved")


def per_review(audit: pd.DataFrame) -> pd.DataFrame:
    """Per audited review: cases listed, and how many are held, excluded and not found."""
    columns = ["bibkey", "cases", *STATUSES]
    if audit.empty:
        return pd.DataFrame(columns=columns)
    counts = audit.groupby(["bibkey", "status"]).size().unstack(fill_value=0)
    counts = counts.reindex(columns=list(STATUSES), fill_value=0)
    counts.insert(0, "cases", counts.sum(axis=1))
    return counts.astype("int64").reset_index()[columns]


def figures(audit: pd.DataFrame) -> dict[str, int]:
    """Glue figures: reviews audited, cases listed, and cases held / excluded / not found."""
    by_status = audit["status"].value_counts()
    return {"n_audited_reviews": int(audit["bibkey"].nunique()), "n_audit_cases": int(len(audit)),
            **{f"n_audit_{s.replace('-', '_')}": int(by_status.get(s, 0)) for s in STATUSES}}


def summary_table(ev: Evidence, audit: pd.DataFrame) -> h.Fragment:
    bib = bibmod.load(ev.root)
    rows = per_review(audit)
    rows = rows.assign(label=rows["bibkey"].map(lambda key: bibmod.short_label(bib, key)),
                       url=rows["bibkey"].map(lambda key: _url(bib, key)))
    cols = [tables.Column("Review audited", lambda r: h.link(r["label"], r["url"])),
            tables.Column("Cases listed", lambda r: h.text(r["cases"]), numeric=True),
            *(tables.Column(ev.label("audit_statuses", s), (lambda s: lambda r: h.text(r[s]))(s),
                            numeric=True) for s in STATUSES)]
    return tables.render(rows, cols, "audit-summary",
                         "Cases listed by each audited review, and whether this review holds them.")


def cases_table(ev: Evidence, audit: pd.DataFrame, studies: pd.DataFrame) -> h.Fragment:
    """Every audited case: the review's label and count, and this review's cohort and count."""
    bib = bibmod.load(ev.root)
    held = {cohort: PatientCount.of(group) for cohort, group in studies.groupby("cohort_id")}
    rows = audit.sort_values(["bibkey", "audit_id"]).assign(
        review=lambda f: f["bibkey"].map(lambda key: bibmod.short_label(bib, key)))

    def ours(r) -> str:
        if r["status"] == "unresolved":  # what this review holds for the same disease
            return h.text("this review: " + PatientCount.of(
                studies[studies["disease"] == r["disease"]]).phrase) if not pd.isna(r["disease"]) else ""
        if pd.isna(r["cohort_id"]):
            return h.text(r["record_id"]) if not pd.isna(r["record_id"]) else ""
        count = held.get(r["cohort_id"])
        patients = count.at_least if count and (count.cohorts or count.uncounted) else ""
        if count and not count.cohorts:
            patients = "no count reported"
        return f'<code>{h.text(r["cohort_id"])}</code> ({h.text(patients)})'

    cols = [tables.Column("Review", lambda r: h.link(r["review"], r["source_url"])),
            tables.Column("Case as listed", lambda r: h.text(r["item"])),
            tables.Column("Disease", lambda r: h.text(r["disease"])),
            tables.Column("Target", lambda r: h.text(r["target"])),
            tables.Column("Patients in the review", lambda r: h.count(r["n_patients"]), numeric=True),
            tables.Column("Status", lambda r: h.text(ev.label("audit_statuses", r["status"]))),
            tables.Column("Held as cohort (patients) or excluded as record", ours),
            tables.Column("Why", lambda r: h.text(r["reason"])),
            tables.Column("Where in the review", lambda r: h.text(r["locator"]))]
    return tables.render(rows, cols, "audit-cases",
                         "Every case or cohort listed by an audited review, and where it stands here.")


def _url(bib, key: str) -> str | None:
    entry = bib.entries.get(key)
    if entry is None:
        return None
    doi = entry.fields.get("doi")
    return f"https://doi.org/{doi}" if doi else entry.fields.get("url")


@view
def audit_summary_table(page) -> h.Fragment:
    """Per audited review: how many of its neuroimmune cases this review holds, excluded or
    could not find."""
    return summary_table(page.ev, page.table("audit"))


@view
def audit_cases_table(page) -> h.Fragment:
    """Each neuroimmune case of the audited reviews and where this review stands on it."""
    return cases_table(page.ev, page.table("audit"), page.studies)
