"""Summary of findings: per disease, the share of patients with each key outcome (benefits and
harms, `data/vocab/sof_outcomes.csv`), with an exact (Clopper–Pearson) 95% interval.

Per cohort one number is used for an outcome: the report row that gives both the patients with
the outcome and the patients evaluated, with the most patients evaluated (the most recent, then
the latest time point, on a tie), so a cohort's interim and final reports are never added
together. Across the cohorts of a disease the counts are summed: a crude total over small,
mostly uncontrolled cohorts of different designs and products, not a meta-analysis, and the
tables say so. Rows that give no denominator, or give the outcome in another form (a mean
change, a titre, another grade), cannot be read as proportions; their cohorts are counted apart.

Efficacy rows are read only when they count patients (`statistic` count, `unit` patients) in
the CAR T-cell arm: a randomised trial's control arm is never added to the treated patients.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

COLUMNS = ["outcome", "label", "kind", "result", "events", "patients", "cohorts", "other_form"]


@dataclass(frozen=True)
class Proportion:
    events: int
    patients: int
    cohorts: int
    other_form: int  # further cohorts that report the outcome otherwise (no denominator, other form)

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


@dataclass(frozen=True)
class KeyOutcome:
    """One row of data/vocab/sof_outcomes.csv: which table and codes an outcome is read from."""
    code: str
    label: str
    kind: str                  # benefit or harm
    table: str                 # outcomes or safety
    codes: tuple[str, ...]     # outcome codes (outcomes) or event codes (safety)
    grade: str | None          # safety only

    @classmethod
    def all(cls, vocab: pd.DataFrame) -> list["KeyOutcome"]:
        return [cls(r["code"], r["label"], r["kind"], r["source_table"],
                    tuple(str(r["source_codes"]).split()), None if pd.isna(r["grade"]) else r["grade"])
                for _, r in vocab.iterrows()]


def _best_per_cohort(rows: pd.DataFrame, studies: pd.DataFrame, events: str, order: list[str]):
    """The row per cohort with the most patients evaluated (then most recent, then `order`)."""
    rows = rows.merge(studies[["study_id", "cohort_id", "pub_date"]], on="study_id", how="inner")
    if rows.empty:
        return pd.DataFrame(columns=["cohort_id", "study_id", events, "n_evaluated"])
    rows = rows.assign(_date=rows["pub_date"].fillna(""))
    rows = rows.sort_values(["cohort_id", "n_evaluated", "_date", *order, "study_id"],
                            na_position="first")
    best = rows.groupby("cohort_id", sort=True).tail(1)
    return best[["cohort_id", "study_id", events, "n_evaluated"]].reset_index(drop=True)


def per_cohort(studies: pd.DataFrame, safety: pd.DataFrame, event: str | tuple[str, ...],
               grade: str) -> pd.DataFrame:
    """One row per cohort with a usable number for the event(s) at the grade: cohort_id,
    study_id, n_patients, n_evaluated."""
    events = (event,) if isinstance(event, str) else event
    rows = safety[safety["event"].isin(events) & (safety["grade"] == grade)
                  & safety["n_patients"].notna() & safety["n_evaluated"].notna()]
    return _best_per_cohort(rows, studies, "n_patients", ["event"])


def _cohorts_of(studies: pd.DataFrame, rows: pd.DataFrame) -> set:
    return set(studies.loc[studies["study_id"].isin(rows["study_id"]), "cohort_id"])


def proportion(studies: pd.DataFrame, safety: pd.DataFrame, event: str | tuple[str, ...],
               grade: str) -> Proportion:
    events = (event,) if isinstance(event, str) else event
    best = per_cohort(studies, safety, events, grade)
    # a cohort that gives the event only without a denominator, or only at other grades, is
    # not evidence of absence at this grade: it is counted apart, never as zero
    named = safety[safety["event"].isin(events) & safety["n_patients"].notna()]
    return Proportion(events=int(best["n_patients"].sum()), patients=int(best["n_evaluated"].sum()),
                      cohorts=int(len(best)),
                      other_form=len(_cohorts_of(studies, named) - set(best["cohort_id"])))


def treated_arm(outcomes: pd.DataFrame) -> pd.DataFrame:
    """The outcome rows of patients given CAR T cells (an empty arm is the CAR T-cell arm)."""
    if "arm" not in outcomes:
        return outcomes
    return outcomes[outcomes["arm"].isna() | (outcomes["arm"] == "car-t")]


def outcome_proportion(studies: pd.DataFrame, outcomes: pd.DataFrame,
                       codes: tuple[str, ...]) -> Proportion:
    """Patients with a favourable outcome of `codes` over patients evaluated, per cohort its
    best count row; cohorts reporting the outcome only in another form are counted apart."""
    named = treated_arm(outcomes[outcomes["outcome"].isin(codes)])
    counts = named[(named["statistic"] == "count") & (named["unit"] == "patients")
                   & named["value"].notna() & named["n_evaluated"].notna()]
    best = _best_per_cohort(counts.assign(n_events=counts["value"].astype("Int64")), studies,
                            "n_events", ["timepoint_months", "outcome_id"])
    return Proportion(events=int(best["n_events"].sum()), patients=int(best["n_evaluated"].sum()),
                      cohorts=int(len(best)),
                      other_form=len(_cohorts_of(studies, named) - set(best["cohort_id"])))


def key_outcome(outcome: KeyOutcome, studies: pd.DataFrame, outcomes: pd.DataFrame,
                safety: pd.DataFrame) -> Proportion:
    if outcome.table == "safety":
        return proportion(studies, safety, outcome.codes, outcome.grade)
    return outcome_proportion(studies, outcomes, outcome.codes)


def summary(studies: pd.DataFrame, outcomes: pd.DataFrame, safety: pd.DataFrame,
            key_outcomes: list[KeyOutcome]) -> pd.DataFrame:
    """The key outcomes of one page's reports, in vocabulary order: code, label, kind,
    the proportion's text and its parts."""
    rows = []
    for outcome in key_outcomes:
        p = key_outcome(outcome, studies, outcomes, safety)
        rows.append({"outcome": outcome.code, "label": outcome.label, "kind": outcome.kind,
                     "result": p.text, "events": p.events, "patients": p.patients,
                     "cohorts": p.cohorts, "other_form": p.other_form})
    return pd.DataFrame(rows, columns=COLUMNS)


def disease_groups(diseases: pd.DataFrame) -> dict[str, str]:
    """disease code -> the group it is summarised in: diseases that share a chapter of their
    own (IIM and JDM: myositis) form one group, named by their codes joined with '+'
    ("IIM+JDM", as `evidence.chapter(("IIM", "JDM"))` names that page); every other disease
    is its own group."""
    chapters = dict(zip(diseases["code"], diseases["chapter"].fillna("")))
    shared = {c: ch for c, ch in chapters.items()
              if ch and ch != "other-disorders" and list(chapters.values()).count(ch) > 1}
    groups = {c: "+".join(sorted(k for k, v in shared.items() if v == ch)) for c, ch in shared.items()}
    return {c: groups.get(c, c) for c in chapters}


def by_group(studies: pd.DataFrame, outcomes: pd.DataFrame, safety: pd.DataFrame,
             key_outcomes: list[KeyOutcome], groups: dict[str, str]) -> pd.DataFrame:
    """`summary` per disease group (`disease_groups`), for groups with at least one report."""
    keyed = studies.assign(_group=studies["disease"].map(lambda c: groups.get(c, c)))
    parts = []
    for group, members in keyed.groupby("_group", sort=True):
        ids = members["study_id"]
        parts.append(summary(members, outcomes[outcomes["study_id"].isin(ids)],
                             safety[safety["study_id"].isin(ids)], key_outcomes).assign(group=group))
    columns = ["group", *COLUMNS]
    return pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)
