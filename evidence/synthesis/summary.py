"""Counting rule and the figures glued into prose.

Counting rule (Methods chapter): a patient is counted once. Reports that describe the same
patients share a `cohort_id`; per cohort, the report with the most patients treated counts (on
a tie, the most recent): a later report of some of the patients (a subgroup followed longer)
never shrinks the cohort. A cohort that may overlap another (`may_overlap`) adds no patients.
Efficacy is described per study, never pooled.
"""
from __future__ import annotations

import pandas as pd


def counted_reports(studies: pd.DataFrame) -> pd.DataFrame:
    """One row per cohort: the report whose patients are counted."""
    if studies.empty:
        return studies
    order = studies.assign(_counted=studies["n_treated"].notna(),
                           _date=studies["pub_date"].fillna(""),
                           _n=studies["n_treated"].fillna(-1))
    order = order.sort_values(["cohort_id", "_counted", "_n", "_date", "study_id"])
    return order.groupby("cohort_id", sort=True).tail(1) \
        .drop(columns=["_counted", "_date", "_n"]).sort_values("study_id").reset_index(drop=True)


def distinct(counted: pd.DataFrame) -> pd.DataFrame:
    """The counted reports of cohorts known to be distinct (no `may_overlap`)."""
    if "may_overlap" not in counted:
        return counted
    return counted[counted["may_overlap"].isna()]


def patients_treated(studies: pd.DataFrame, by: list[str] | None = None):
    """Patients treated, each cohort once; a plain int, or a frame grouped `by` columns (with
    the cohorts that give no count, which add nothing to `patients`: see `counts`). Cohorts
    that may overlap another add nothing either."""
    counted = distinct(counted_reports(studies))
    if by is None:
        return int(counted["n_treated"].fillna(0).sum())
    if counted.empty:
        return pd.DataFrame(columns=[*by, "patients", "cohorts", "cohorts_uncounted"])
    grouped = counted.groupby(by, dropna=False).agg(
        patients=("n_treated", lambda s: int(s.fillna(0).sum())),
        cohorts=("cohort_id", "nunique"),
        cohorts_uncounted=("n_treated", lambda s: int(s.isna().sum())))
    return grouped.reset_index()


SECONDARY_SOURCES = ("news", "press-release", "review")


def cohort_summary(studies: pd.DataFrame) -> pd.DataFrame:
    """One row per cohort: its counted report (`counted_study_id`), target, patients counted,
    how many reports describe it and which kinds of source they are."""
    columns = ["cohort_id", "counted_study_id", "disease", "target", "patients", "reports",
               "source_types", "secondary_only", "may_overlap"]
    if studies.empty:
        return pd.DataFrame(columns=columns)
    counted = counted_reports(studies).set_index("cohort_id")
    grouped = studies.groupby("cohort_id", sort=True)
    rows = []
    for cohort, reports in grouped:
        kinds = sorted(set(reports["source_type"].dropna()))
        head = counted.loc[cohort]
        rows.append({
            "cohort_id": cohort, "counted_study_id": head["study_id"],
            "disease": head.get("disease"), "target": head.get("target"),
            "patients": None if pd.isna(head["n_treated"]) else int(head["n_treated"]),
            "reports": int(len(reports)), "source_types": kinds,
            "secondary_only": bool(kinds) and all(k in SECONDARY_SOURCES for k in kinds),
            "may_overlap": None if pd.isna(head.get("may_overlap", pd.NA)) else head["may_overlap"],
        })
    return pd.DataFrame(rows, columns=columns)


def cohort_key(cohort_id: str) -> str:
    """The glue name stem of a cohort: `tongji-bcma-ms` -> `cohort_tongji_bcma_ms`."""
    return "cohort_" + "".join(c if c.isalnum() else "_" for c in cohort_id)


def cohort_figures(studies: pd.DataFrame) -> dict[str, int]:
    """Per cohort: `<stem>_reports` and, when a report gives a count, `<stem>_patients`."""
    figures: dict[str, int] = {}
    for row in cohort_summary(studies).itertuples(index=False):
        stem = cohort_key(row.cohort_id)
        figures[f"{stem}_reports"] = int(row.reports)
        if row.patients is not None and not pd.isna(row.patients):
            figures[f"{stem}_patients"] = int(row.patients)
    return figures


def patients_by_target(studies: pd.DataFrame) -> pd.DataFrame:
    """Per target (missing target as NA): patients treated (each cohort once), cohorts, cohorts
    without a patient count, cohorts that may overlap another (neither adds patients) and
    reports, largest first."""
    columns = ["target", "patients", "cohorts", "cohorts_uncounted", "cohorts_overlapping", "reports"]
    if studies.empty:
        return pd.DataFrame(columns=columns)
    cohorts = cohort_summary(studies)
    rows = []
    for target, group in cohorts.groupby(cohorts["target"].astype(object).fillna(""), sort=True):
        overlapping = group["may_overlap"].notna()
        rows.append({"target": target or pd.NA,
                     "patients": int(group.loc[~overlapping, "patients"].dropna().sum()),
                     "cohorts": int(len(group)),
                     "cohorts_uncounted": int((group["patients"].isna() & ~overlapping).sum()),
                     "cohorts_overlapping": int(overlapping.sum()),
                     "reports": int(group["reports"].sum())})
    frame = pd.DataFrame(rows, columns=columns)
    frame = frame.assign(_missing=frame["target"].isna())
    return frame.sort_values(["_missing", "patients", "target"], ascending=[True, False, True]) \
        .drop(columns="_missing").reset_index(drop=True)


def comparator_figures(comparators: pd.DataFrame) -> dict[str, int | float]:
    """Per oncology comparator row `<id>`: `onc_<id>_percent`, and `onc_<id>_n` (safety
    population) and `onc_<id>_count` when the source gives them. Whole percentages are ints."""
    figures: dict[str, int | float] = {}
    for row in comparators.itertuples(index=False):
        stem = "onc_" + "".join(c if c.isalnum() else "_" for c in row.comparator_id)
        percent = float(row.percent)
        figures[f"{stem}_percent"] = int(percent) if percent.is_integer() else percent
        if not pd.isna(row.n_patients):
            figures[f"{stem}_n"] = int(row.n_patients)
        if not pd.isna(row.n_with_event):
            figures[f"{stem}_count"] = int(row.n_with_event)
    return figures


OPEN_STATUSES = ("recruiting", "not-yet-recruiting", "enrolling-by-invitation")
LATER_PHASES = ("2", "2-3", "3")


def disease_key(code: str) -> str:
    """Glue-name stem of a disease code: `GAD-ataxia` -> `gad_ataxia`."""
    return "".join(c if c.isalnum() else "_" for c in code.lower())


def trials_by_disease(trials: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    """Per disease (a basket trial counts once in each of its diseases): registered trials,
    trials open to enrolment (recruiting, not yet recruiting, by invitation) and trials in
    phase 2 or later; most trials first."""
    columns = ["disease", "trials", "open", "phase2_or_later"]
    if trials.empty or links.empty:
        return pd.DataFrame(columns=columns)
    joined = links.merge(trials[["registry_id", "status", "phase"]], on="registry_id", how="inner")
    rows = []
    for disease, group in joined.groupby("disease", sort=True):
        rows.append({"disease": disease, "trials": int(group["registry_id"].nunique()),
                     "open": int(group.loc[group["status"].isin(OPEN_STATUSES), "registry_id"].nunique()),
                     "phase2_or_later": int(group.loc[group["phase"].isin(LATER_PHASES), "registry_id"].nunique())})
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(["trials", "disease"], ascending=[False, True]).reset_index(drop=True)


def trials_by(trials: pd.DataFrame, column: str, order: list[str] | None = None) -> pd.DataFrame:
    """Registered trials per value of one column (target, phase, status, ...): each trial once,
    a missing value counted as NA (shown last). `order` lists the codes in reading order (a
    vocabulary); codes not in it follow in alphabetical order."""
    columns = [column, "trials"]
    if trials.empty:
        return pd.DataFrame(columns=columns)
    values = trials.drop_duplicates("registry_id")[column].astype(object)
    counts = values.fillna("").value_counts()
    rank = {code: i for i, code in enumerate(order or [])}
    keys = sorted(counts.index, key=lambda code: (code == "", rank.get(code, len(rank)), code))
    return pd.DataFrame({column: [code or pd.NA for code in keys],
                         "trials": [int(counts[code]) for code in keys]}, columns=columns)


def registration_year(value) -> str | None:
    """The year ("2024") of a registered_on value (date, timestamp or ISO text); None if empty."""
    if value is None or pd.isna(value):
        return None
    return str(value)[:4]


def trials_by_year(trials: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Registered trials per year of first registration (`registered_on`), oldest first, each
    trial once, with the registry ids of each year; and the number of trials without a
    registration date read (not counted in any year)."""
    columns = ["year", "trials", "registry_ids"]
    unique = trials.drop_duplicates("registry_id")
    if "registered_on" not in unique:
        return pd.DataFrame(columns=columns), int(len(unique))
    years = unique["registered_on"].map(registration_year)
    dated = unique.assign(year=years)[years.notna()]
    rows = [{"year": year, "trials": int(len(group)),
             "registry_ids": ", ".join(sorted(group["registry_id"]))}
            for year, group in dated.groupby("year", sort=True)]
    return pd.DataFrame(rows, columns=columns), int(years.isna().sum())


def _plain_number(value) -> int | float:
    number = float(value)
    return int(number) if number.is_integer() else number


def row_key(prefix: str, row_id: str) -> str:
    """Glue-name stem of one outcome or safety row: `qin-2023-nmosd-o1` -> `o_qin_2023_nmosd_o1`."""
    return prefix + "_" + "".join(c if c.isalnum() else "_" for c in row_id)


def result_figures(outcomes: pd.DataFrame | None, safety: pd.DataFrame | None) -> dict:
    """Per outcome row: `o_<id>_value` and `o_<id>_n` (patients evaluated); per safety row:
    `s_<id>_n` (patients with the event) and `s_<id>_of` (patients evaluated) — each only when
    the source gave it, so prose can quote one reported number without typing it."""
    figures: dict[str, int | float] = {}
    if outcomes is not None:
        for row in outcomes.itertuples(index=False):
            stem = row_key("o", row.outcome_id)
            if not pd.isna(row.value):
                figures[f"{stem}_value"] = _plain_number(row.value)
            if not pd.isna(row.n_evaluated):
                figures[f"{stem}_n"] = int(row.n_evaluated)
    if safety is not None:
        for row in safety.itertuples(index=False):
            stem = row_key("s", row.safety_id)
            if not pd.isna(row.n_patients):
                figures[f"{stem}_n"] = int(row.n_patients)
            if not pd.isna(row.n_evaluated):
                figures[f"{stem}_of"] = int(row.n_evaluated)
    return figures


def page_figures(tables: dict[str, pd.DataFrame]) -> dict[str, int | float]:
    """Plain Python ints for `{glue:text}` (NumPy scalars break glue format specs)."""
    figures: dict[str, int] = {}
    studies = tables.get("studies")
    if studies is not None:
        figures.update(
            n_reports=int(len(studies)),
            n_cohorts=int(studies["cohort_id"].nunique()),
            n_patients=patients_treated(studies),
            n_cohorts_uncounted=int(distinct(counted_reports(studies))["n_treated"].isna().sum()),
            n_case_reports=int((counted_reports(studies)["design"] == "case-report").sum()),
            n_peer_reviewed=int(studies["source_type"].isin(["peer-reviewed", "letter"]).sum()),
            n_secondary=int(studies["source_type"].isin(SECONDARY_SOURCES).sum()),
            n_cohorts_secondary_only=int(cohort_summary(studies)["secondary_only"].sum()),
        )
        figures.update(cohort_figures(studies))
    for name, key in (("outcomes", "n_outcome_results"), ("safety", "n_safety_results")):
        if tables.get(name) is not None:
            figures[key] = int(len(tables[name]))
    safety = tables.get("safety")
    if safety is not None and {"study_id", "n_evaluated"} <= set(safety):  # denominators at all
        figures.update(n_reports_with_safety=int(safety["study_id"].nunique()),
                       n_safety_without_denominator=int(safety["n_evaluated"].isna().sum()))
    if tables.get("outcomes") is not None or tables.get("safety") is not None:
        figures.update(result_figures(tables.get("outcomes"), tables.get("safety")))
    comparators = tables.get("oncology-comparators")
    if comparators is not None:
        figures.update(comparator_figures(comparators))
    screening = tables.get("screening")
    if screening is not None:
        flow = screening_flow(screening, tables.get("studies"))
        figures.update({k: v for k, v in flow.items() if isinstance(v, int)})
    trials = tables.get("trials")
    if trials is not None:
        figures.update(
            n_trials=int(len(trials)),
            n_trials_recruiting=int(trials["status"].isin(OPEN_STATUSES).sum()),
            n_trials_phase2_or_later=int(trials["phase"].isin(LATER_PHASES).sum()),
        )
        by_year, undated = trials_by_year(trials)
        figures.update(n_trials_dated=int(by_year["trials"].sum()), n_trials_undated=undated)
        links = tables.get("trial-diseases")
        if links is not None:
            for row in trials_by_disease(trials, links).itertuples(index=False):
                stem = disease_key(row.disease)
                figures[f"trials_{stem}"] = int(row.trials)
                figures[f"open_trials_{stem}"] = int(row.open)
                figures[f"later_trials_{stem}"] = int(row.phase2_or_later)
    return figures


def search_dates(screening: pd.DataFrame) -> tuple[str, str]:
    """First and last date on which a logged search was run (ISO dates, as logged)."""
    dates = screening["searched_on"].dropna().astype(str)
    return (dates.min(), dates.max()) if not dates.empty else ("", "")


def screening_flow(screening: pd.DataFrame, studies: pd.DataFrame | None = None) -> dict:
    """PRISMA-style counts from the screening log: records found, duplicates removed,
    records screened, exclusions by reason code, and what the included records became."""
    excluded = screening[screening["decision"] == "excluded"]
    included = screening[screening["decision"] == "included"]
    duplicates = int((excluded["reason_code"] == "duplicate").sum())
    clinical = set(studies["study_id"]) if studies is not None else set()
    became = included["study_id"].dropna()
    return {
        "n_records": int(len(screening)),
        "n_duplicates": duplicates,
        "n_screened": int(len(screening)) - duplicates,
        "n_excluded": int(len(excluded)) - duplicates,
        "excluded_by_reason": {code: int(n) for code, n in excluded.loc[
            excluded["reason_code"] != "duplicate", "reason_code"].value_counts().items()},
        "n_included": int(len(included)),
        "n_included_clinical": int(became.isin(clinical).sum()),
        "n_included_preclinical": int((became.notna() & ~became.isin(clinical)).sum()),
        "n_included_trial_records": int(included["registry_id"].notna().sum()),
        "n_included_background": int((included["bibkey"].notna() & included["study_id"].isna()
                                      & included["registry_id"].isna()).sum()),
        "n_reports_from_search": int(became[became.isin(clinical)].nunique()),
        "n_queries": int(screening["query"].dropna().nunique()) if "query" in screening else 0,
    }


# -- aggregated chart data, for pages with more reports than one mark each can show ----------
def reports_with_event(safety: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Per group: how many reports give a number for the event (`reports`) and how many of
    them record at least one patient with it (`reports_with_event`). Patients are never added
    up across reports: the same patients may appear in several, and denominators differ.

    `safety` needs study_id, n_patients and the `by` columns."""
    if safety.empty:
        return pd.DataFrame(columns=[*by, "reports", "reports_with_event"])
    given = safety[safety["n_patients"].notna()]
    marked = given.assign(_with=given["n_patients"] > 0)
    per_report = marked.groupby([*by, "study_id"], sort=True)["_with"].any().reset_index()
    grouped = per_report.groupby(by, sort=True).agg(
        reports=("study_id", "nunique"), reports_with_event=("_with", "sum"))
    return grouped.astype("int64").reset_index()


# Months after infusion, as half-open windows [start, end); the last is open-ended.
OUTCOME_WINDOWS = ((0, 3, "0 to <3"), (3, 6, "3 to <6"), (6, 12, "6 to <12"),
                   (12, 24, "12 to <24"), (24, None, "24 or more"))


def outcome_window(months) -> str | None:
    """The label of the window of OUTCOME_WINDOWS that `months` falls in."""
    if months is None or pd.isna(months):
        return None
    for start, end, label in OUTCOME_WINDOWS:
        if months >= start and (end is None or months < end):
            return label
    return None


def value_spread(rows: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """The spread of reported values per group: lowest, quartiles, median and highest, with
    how many values and reports it describes. A description of what was reported, not a
    pooled estimate: cohort means and single patients' values sit side by side.

    `rows` needs study_id, value and the `by` columns."""
    columns = [*by, "low", "q1", "median", "q3", "high", "values", "reports"]
    rows = rows[rows["value"].notna()]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    values = rows.assign(value=rows["value"].astype("float64")).groupby(by, sort=True)
    spread = values["value"].describe()[["min", "25%", "50%", "75%", "max", "count"]]
    spread.columns = ["low", "q1", "median", "q3", "high", "values"]
    spread["values"] = spread["values"].astype("int64")
    spread["reports"] = values["study_id"].nunique()
    return spread.reset_index()[columns]
