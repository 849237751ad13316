"""Summary of findings: per disease, the share of patients with each key adverse event, with
an exact (Clopper–Pearson) 95% interval.

Per cohort one number is used for an event and grade: the report row that gives both the
patients with the event and the patients evaluated, with the most patients evaluated (the
most recent on a tie), so a cohort's interim and final reports are never added together.
Across the cohorts of a disease the counts are summed: a crude total over small, mostly
uncontrolled cohorts of different designs and products, not a meta-analysis, and the tables
say so. Rows that give no denominator cannot be read as proportions; they are counted apart.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

# (label, event code, grade code) of the key safety outcomes, in reading order
KEY_EVENTS = (("CRS, any grade", "crs", "any"), ("CRS, grade 3 or higher", "crs", ">=3"),
              ("ICANS, any grade", "icans", "any"), ("ICANS, grade 3 or higher", "icans", ">=3"),
              ("Infections, grade 3 or higher", "infection", ">=3"),
              ("Deaths", "death", "any"))


@dataclass(frozen=True)
class Proportion:
    events: int
    patients: int
    cohorts: int
    other_form: int  # further cohorts that report the event otherwise: no denominator, other grades

    @property
    def interval(self) -> tuple[float, float] | None:
        """Exact (Clopper–Pearson) 95% interval, from scipy's binomial test."""
        if self.patients == 0:
            return None
        from scipy.stats import binomtest  # imported by pages that show a summary of findings

        ci = binomtest(self.events, self.patients).proportion_ci(0.95, method="exact")
        return float(ci.low), float(ci.high)

    @property
    def text(self) -> str:
        """'2 of 31 (6%; 95% CI 1 to 21%)'; 'no patient with data' when none."""
        if self.patients == 0:
            return "no patient with data"
        low, high = self.interval
        share = 100 * self.events / self.patients
        return (f"{self.events} of {self.patients} ({share:.0f}%; 95% CI {100 * low:.0f} to "
                f"{100 * high:.0f}%)")


def per_cohort(studies: pd.DataFrame, safety: pd.DataFrame, event: str, grade: str) -> pd.DataFrame:
    """One row per cohort with a usable number for the event at the grade: cohort_id,
    study_id, n_patients, n_evaluated (the row with most patients evaluated)."""
    rows = safety[(safety["event"] == event) & (safety["grade"] == grade)
                  & safety["n_patients"].notna() & safety["n_evaluated"].notna()]
    rows = rows.merge(studies[["study_id", "cohort_id", "pub_date"]], on="study_id", how="inner")
    if rows.empty:
        return pd.DataFrame(columns=["cohort_id", "study_id", "n_patients", "n_evaluated"])
    rows = rows.assign(_date=rows["pub_date"].fillna("")).sort_values(
        ["cohort_id", "n_evaluated", "_date", "study_id"])
    best = rows.groupby("cohort_id", sort=True).tail(1)
    return best[["cohort_id", "study_id", "n_patients", "n_evaluated"]].reset_index(drop=True)


def proportion(studies: pd.DataFrame, safety: pd.DataFrame, event: str, grade: str) -> Proportion:
    best = per_cohort(studies, safety, event, grade)
    # a cohort that gives the event only without a denominator, or only at other grades, is
    # not evidence of absence at this grade: it is counted apart, never as zero
    named = safety[(safety["event"] == event) & safety["n_patients"].notna()]
    cohorts_named = set(studies.loc[studies["study_id"].isin(named["study_id"]), "cohort_id"])
    return Proportion(events=int(best["n_patients"].sum()), patients=int(best["n_evaluated"].sum()),
                      cohorts=int(len(best)), other_form=len(cohorts_named - set(best["cohort_id"])))


def safety_summary(studies: pd.DataFrame, safety: pd.DataFrame) -> pd.DataFrame:
    """The key safety outcomes of one page's reports: label, proportion and its text."""
    rows = []
    for label, event, grade in KEY_EVENTS:
        p = proportion(studies, safety, event, grade)
        rows.append({"outcome": label, "result": p.text, "cohorts": p.cohorts,
                     "other_form": p.other_form, "events": p.events, "patients": p.patients})
    return pd.DataFrame(rows, columns=["outcome", "result", "cohorts", "other_form", "events",
                                       "patients"])


def by_disease(studies: pd.DataFrame, safety: pd.DataFrame, groups: dict[str, str]) -> pd.DataFrame:
    """`safety_summary` per disease (or group of codes shown on one chapter, `groups`: code ->
    group), for diseases with at least one report."""
    keyed = studies.assign(_group=studies["disease"].map(lambda c: groups.get(c, c)))
    parts = [safety_summary(members, safety[safety["study_id"].isin(members["study_id"])])
             .assign(group=group)
             for group, members in keyed.groupby("_group", sort=True)]
    columns = ["group", "outcome", "result", "cohorts", "other_form", "events", "patients"]
    return pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)
