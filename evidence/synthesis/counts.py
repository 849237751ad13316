"""Patients counted once, and how a count is worded so that it never undercounts silently.

A cohort whose reports give no patient count adds no patients to a total, but it is treated
patients all the same: a total is therefore a lower bound whenever such a cohort exists, and
every place that shows a total says so ("at least 31 patients in 12 cohorts; 3 further cohorts
report no patient count"). A cohort that may include patients of another (`may_overlap`, when
no source settles it) adds no patients either, and is named in the wording ("2 further cohorts
may include patients already counted"). The counting rule itself (one report per cohort) is
`summary.counted_reports`.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .summary import counted_reports


@dataclass(frozen=True)
class PatientCount:
    """Patients treated, each cohort once: `patients` from the `cohorts` whose counted report
    gives a number, `uncounted` further cohorts whose reports give none, and `overlapping`
    further cohorts that may include patients already counted (none of these add patients)."""
    patients: int
    cohorts: int
    uncounted: int
    overlapping: int = 0

    @classmethod
    def of(cls, studies: pd.DataFrame) -> "PatientCount":
        counted = counted_reports(studies)
        if counted.empty:
            return cls(0, 0, 0)
        overlapping = counted["may_overlap"].notna() if "may_overlap" in counted \
            else pd.Series(False, index=counted.index)
        given = counted["n_treated"].notna() & ~overlapping
        return cls(patients=int(counted.loc[given, "n_treated"].sum()),
                   cohorts=int(given.sum()), uncounted=int((counted["n_treated"].isna() & ~overlapping).sum()),
                   overlapping=int(overlapping.sum()))

    @property
    def is_lower_bound(self) -> bool:
        return self.uncounted > 0 or self.overlapping > 0

    @property
    def at_least(self) -> str:
        """'at least 31' when a cohort gives no count, else '31'."""
        return f"at least {self.patients}" if self.is_lower_bound else str(self.patients)

    @property
    def phrase(self) -> str:
        """The whole count in words, for prose and captions."""
        if self.cohorts == 0 and self.uncounted == 0 and self.overlapping == 0:
            return "no treated patients reported"
        if self.cohorts == 0:
            text = (f"an unknown number of patients in {_n(self.uncounted + self.overlapping, 'cohort')} "
                    "whose reports give no patient count or may overlap")
            return text
        text = f"{self.at_least} {_plural(self.patients, 'patient')} in {_n(self.cohorts, 'cohort')}"
        if self.uncounted:
            text += (f"; {self.uncounted} further {_plural(self.uncounted, 'cohort')} "
                     f"{'reports' if self.uncounted == 1 else 'report'} no patient count")
        if self.overlapping:
            text += (f"; {self.overlapping} further {_plural(self.overlapping, 'cohort')} may "
                     "include patients already counted")
        return text


def _plural(n: int, word: str) -> str:
    return word if n == 1 else word + "s"


def _n(n: int, word: str) -> str:
    return f"{n} {_plural(n, word)}"


def count_figures(studies: pd.DataFrame, by_disease: bool = False) -> dict[str, int | str]:
    """Glue figures of a count: `patients_text` (the phrase), `patients_at_least`, and with
    `by_disease` the same per disease code as `patients_text_<code>` / `patients_at_least_<code>`."""
    from .summary import disease_key

    count = PatientCount.of(studies)
    figures: dict[str, int | str] = {"patients_text": count.phrase,
                                     "patients_at_least": count.at_least,
                                     "n_cohorts_counted": count.cohorts}
    if by_disease:
        figures["n_diseases_with_reports"] = int(studies["disease"].nunique())
    if by_disease and not studies.empty:
        for disease, group in studies.groupby("disease", sort=True):
            part = PatientCount.of(group)
            stem = disease_key(disease)
            figures[f"patients_text_{stem}"] = part.phrase
            figures[f"patients_at_least_{stem}"] = part.at_least
    return figures


def by_disease(studies: pd.DataFrame) -> pd.DataFrame:
    """Per disease, most patients first, then a row `all`: reports, cohorts, patients (the
    `at_least` text), cohorts without a count and cohorts that may overlap another."""
    rows = []
    for disease, group in studies.groupby("disease", sort=True):
        count = PatientCount.of(group)
        rows.append({"disease": disease, "reports": int(len(group)),
                     "cohorts": count.cohorts + count.uncounted + count.overlapping,
                     "_n": count.patients, "patients": count.at_least,
                     "uncounted": count.uncounted, "overlapping": count.overlapping})
    rows.sort(key=lambda r: (-r["_n"], r["disease"]))
    whole = PatientCount.of(studies)
    rows.append({"disease": "all", "reports": int(len(studies)),
                 "cohorts": whole.cohorts + whole.uncounted + whole.overlapping,
                 "_n": whole.patients, "patients": whole.at_least,
                 "uncounted": whole.uncounted, "overlapping": whole.overlapping})
    return pd.DataFrame(rows).drop(columns="_n")
