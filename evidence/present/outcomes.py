"""Views of the efficacy outcomes: the reported results table and the outcome charts (changes
in scores and shares of patients over months after infusion, or their spread at scale)."""
from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import pandas as pd

from ..synthesis import summary
from . import charts, tables
from . import html as h
from .views import note, plain, view

OUTCOME_SCORE_STATISTICS = ("mean-change", "median-change", "change")


def outcome_result(row, label) -> str:
    """'Mean change from baseline: -5.5 points (IQR -7 to -3)' from one outcomes.csv row."""
    value = row["value"]
    if pd.isna(value):
        return ""
    number = f"{float(value):g}"
    unit = "" if pd.isna(row["unit"]) else f" {row['unit']}"
    text = f"{label('statistics', row['statistic'])}: {number}{unit}"
    if not pd.isna(row["value_low"]) and not pd.isna(row["value_high"]):
        spread = f"{float(row['value_low']):g} to {float(row['value_high']):g}"
        kind = "" if pd.isna(row["dispersion"]) else label("dispersions", row["dispersion"]) + " "
        text += f" ({kind}{spread})"
    return text


@view
def outcomes_table(page, caption: str | None = None) -> h.Fragment:
    """The reported efficacy results of this page's reports, one row per number as read,
    with where in the source it stands; described, never pooled."""
    rows = page.table("outcomes").merge(
        page.studies[["study_id", "bibkey", "source_url", "pub_date"]], on="study_id",
        how="left")
    rows = rows.sort_values(["pub_date", "study_id", "outcome", "timepoint_months",
                             "outcome_id"], na_position="first").reset_index(drop=True)
    # label each report once (a report gives several rows; the study_id is added only
    # when two different reports share a label)
    labels = dict(zip(page.studies["study_id"], page.report_labels(page.studies)))
    rows = rows.assign(label=rows["study_id"].map(labels))
    label = page.ev.label
    cols = [
        tables.Column("Report", lambda r: h.link(r["label"], r["source_url"])),
        tables.Column("Outcome", lambda r: h.text(label("outcomes", r["outcome"]))),
        tables.Column("Patient", lambda r: h.text(r["patient"])),
        tables.Column("Months after infusion", lambda r: h.text(r["timepoint_months"]),
                      numeric=True),
        tables.Column("Result", lambda r: h.text(outcome_result(r, label))),
        tables.Column("Evaluated", lambda r: h.text(r["n_evaluated"]), numeric=True),
        tables.Column("Where in source", lambda r: h.text(r["locator"])),
        tables.Column("What the source says", lambda r: h.text(r["notes"])),
    ]
    caption = caption or (f"Reported efficacy results ({page.where}), as read in "
                          "each source; not pooled.")
    return tables.render(rows, cols, f"outcomes-{page.scope.disease or 'all'}", caption)


@view
def outcomes_chart(page) -> h.Fragment:
    """Outcomes against months after infusion, per report (and patient), as reported."""
    scores, shares, unplotted = _outcome_series(page)
    where = page.where
    if scores.empty and shares.empty:
        reason = ("No outcome has been recorded for these reports yet."
                  if page.table("outcomes").empty else
                  "No outcome of these reports has both a comparable measure (a change in a "
                  "clinical score, or a count of evaluated patients) and a time after "
                  "infusion, so there is nothing to plot; every reported outcome is in the "
                  "table below.")
        return note(reason)
    n_reports = pd.concat([scores["study_id"], shares["study_id"]]).nunique()
    measures = [page.ev.label("outcomes", c) for c in page.ev.vocab("outcomes")["code"]]
    if n_reports > charts.DETAIL_LIMIT:
        return _outcome_spread_chart(page, scores, shares, measures, n_reports, unplotted)
    description = (f"Line chart of reported outcomes against months after infusion ({where}): "
                   f"{len(scores)} score changes and {len(shares)} shares of evaluated patients "
                   f"from {n_reports} reports, one line per report and patient, not pooled. "
                   f"The outcomes table below lists every value.")
    caption = ("Outcomes as reported, against months after infusion: change from baseline in "
               "clinical scores (lower is better for EDSS, MG-ADL, QMG and MGC) and the share of "
               "evaluated patients with a binary outcome. Diamonds mark values whose source "
               "gives no timepoint, placed at the report's follow-up. Results are not pooled "
               f"across reports. Not plotted: {unplotted} outcome rows without a comparable "
               "measure or time (including outcomes coded 'other'); see the table.")
    columns = ["study_id", "label", "patient", "series", "measure", "statistic", "months",
               "time_basis", "value", "shown", "n_evaluated", "locator", "note"]
    chart = outcome_trajectories(plain(scores[columns]), plain(shares[columns]), measures)
    return charts.render(chart, f"outcomes-{page.scope.disease or 'all'}", description, caption)


def _outcome_spread_chart(page, scores: pd.DataFrame, shares: pd.DataFrame, measures: list[str],
                          n_reports: int, unplotted: int) -> h.Fragment:
    windows = [label for _, _, label in summary.OUTCOME_WINDOWS]
    by = ["measure", "window"]
    spreads = [summary.value_spread(frame.assign(window=frame["months"].map(summary.outcome_window)), by)
               for frame in (scores, shares)]
    description = (f"Chart of the spread of reported outcomes by months after infusion "
                   f"({page.where}): {len(scores)} score changes and {len(shares)} "
                   f"shares of evaluated patients from {n_reports} reports, summarised per "
                   f"measure and time window; not a pooled estimate. The outcomes table below "
                   f"lists every value.")
    caption = ("Spread of the outcomes as reported, per measure and window of months after "
               "infusion: a line from the lowest to the highest reported value, a box between "
               "the quartiles and a black tick at the median. Cohort means and single "
               "patients' values are counted alike, one value each, so this describes what "
               "was reported and is not a pooled estimate. Values without a timepoint are "
               "placed at the report's follow-up. Hover for the number of values and "
               f"reports. Not plotted: {unplotted} outcome rows without a comparable measure "
               "or time; see the table.")
    chart = outcome_spreads(*(plain(frame) for frame in spreads), measures, windows)
    return charts.render(chart, f"outcomes-{page.scope.disease or 'all'}", description, caption)


def _outcome_rows(page) -> pd.DataFrame:
    outcomes = page.table("outcomes").merge(
        page.studies[["study_id", "bibkey", "source_url", "pub_date", "followup_months",
                      "followup_stat"]], on="study_id", how="left")
    outcomes = outcomes.assign(label=page.report_labels(outcomes))
    return outcomes.sort_values(["pub_date", "study_id", "outcome", "timepoint_months",
                                 "outcome_id"], na_position="first").reset_index(drop=True)


def _outcome_series(page) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """The plottable outcome rows: score changes (points) and shares of evaluated patients,
    each with a time after infusion (the reported timepoint, else the report's follow-up),
    and how many outcome rows could not be plotted."""
    rows = _outcome_rows(page)
    units = dict(zip(page.ev.vocab("outcomes")["code"], page.ev.vocab("outcomes")["unit"]))
    followup_known = rows["followup_months"].notna()
    months = rows["timepoint_months"].astype("Float64").where(
        rows["timepoint_months"].notna(), rows["followup_months"].astype("Float64"))
    rows = rows.assign(
        months=months,
        time_basis=[TIME_BASES[0] if t else TIME_BASES[1]
                    for t in rows["timepoint_months"].notna()],
        measure=rows["outcome"].map(lambda c: page.ev.label("outcomes", c)),
        statistic_code=rows["statistic"],
        patient=rows["patient"],
        note=rows["notes"].map(lambda n: "" if pd.isna(n) else (n if len(n) <= 160 else n[:157] + "...")),
        series=rows["study_id"] + "|" + rows["patient"].fillna("") + "|" + rows["outcome"] + "|"
               + rows["statistic"] + "|" + rows["n_evaluated"].astype("string").fillna(""),
    )
    rows = rows.assign(statistic=rows["statistic_code"].map(lambda c: page.ev.label("statistics", c)))
    timed = rows["months"].notna() & (rows["timepoint_months"].notna() | followup_known)
    coded = rows["outcome"] != "other"
    is_score = (timed & coded & rows["statistic_code"].isin(OUTCOME_SCORE_STATISTICS)
                & (rows["unit"] == "points") & (rows["outcome"].map(units) == "points"))
    is_count = (timed & coded & (rows["statistic_code"] == "count") & (rows["unit"] == "patients")
                & rows["n_evaluated"].notna() & (rows["n_evaluated"].fillna(0) > 0))
    is_percent = (timed & coded & (rows["statistic_code"] == "percent") & (rows["unit"] == "percent"))
    scores = rows[is_score].assign(shown=lambda f: f["value"].map(lambda v: f"{float(v):+g} points"))
    counts = rows[is_count]
    counts = counts.assign(
        shown=[f"{int(v)} of {int(n)} ({100 * float(v) / float(n):.0f}%)"
               for v, n in zip(counts["value"], counts["n_evaluated"])],
        value=(100 * counts["value"].astype("Float64") / counts["n_evaluated"].astype("Float64")))
    percents = rows[is_percent].assign(shown=lambda f: f["value"].map(lambda v: f"{float(v):g}%"))
    shares = pd.concat([counts, percents])
    unplotted = len(rows) - len(scores) - len(shares)
    return scores.reset_index(drop=True), shares.reset_index(drop=True), int(unplotted)


# -- chart specifications -------------------------------------------------------------------
# -- outcomes, safety overview, timeline ---------------------------------------------------------
TIME_BASES = ["At the reported timepoint", "At the report's follow-up (no timepoint given)"]


@dataclass(frozen=True)
class _OutcomeKind:
    """One of the two outcome panels: change in a score, or share of patients."""
    title: str
    y_title: str
    value_title: str  # the value's name in a tooltip
    domain: tuple[float, float] | None = None

    def scale(self) -> alt.Scale:
        return alt.Scale(domain=list(self.domain)) if self.domain else alt.Scale(zero=True)


SCORE_CHANGES = _OutcomeKind("Change in clinical scores", "Change from baseline (points)", "Change")


SHARES = _OutcomeKind("Patients with the outcome", "Patients with the outcome (%)", "Patients", (0, 100))


def _outcome_tooltip(value_title: str) -> list[alt.Tooltip]:
    return [alt.Tooltip("label:N", title="Report"), alt.Tooltip("patient:N", title="Patient"),
            alt.Tooltip("measure:N", title="Measure"), alt.Tooltip("statistic:N", title="Statistic"),
            alt.Tooltip("months:Q", title="Months after infusion"),
            alt.Tooltip("time_basis:N", title="Time"),
            alt.Tooltip("shown:N", title=value_title),
            alt.Tooltip("n_evaluated:Q", title="Evaluated"),
            alt.Tooltip("locator:N", title="Where in source"), alt.Tooltip("note:N", title="Note")]


def _outcome_panel(rows: pd.DataFrame, measures: list[str], shown: list[str],
                   kind: _OutcomeKind) -> alt.LayerChart:
    base = alt.Chart(rows).encode(
        x=alt.X("months:Q", title="Months after infusion", scale=alt.Scale(zero=True),
                axis=alt.Axis(tickMinStep=1)),
        y=alt.Y("value:Q", title=kind.y_title, scale=kind.scale()),
        color=alt.Color("measure:N", title="Measure", scale=charts.colour_scale(measures),
                        legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=320,
                                          values=shown)),
        detail="series:N")
    lines = base.mark_line(opacity=0.5)
    points = base.mark_point(size=70, filled=True, opacity=0.9).encode(
        shape=alt.Shape("time_basis:N", title="Time", scale=alt.Scale(domain=TIME_BASES,
                        range=["circle", "diamond"]),
                        legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=320)),
        tooltip=_outcome_tooltip(kind.value_title))
    return alt.layer(lines, points).properties(title=kind.title, width=360, height=220)


def outcome_trajectories(scores: pd.DataFrame, shares: pd.DataFrame,
                         measures: list[str]) -> alt.TopLevelMixin:
    """Outcomes against time after infusion, one line per report (and patient, where the
    source reports patients), as reported — never pooled.

    Top: change from baseline of a clinical score (EDSS, MG-ADL, QMG, MGC …; lower is better
    for all of them). Bottom: share of the evaluated patients with a binary outcome
    (relapse-free, drug-free remission, responders …). Both frames need columns label,
    patient, series, measure, statistic, months, time_basis, value, shown, n_evaluated,
    locator, note; either may be empty (its panel is left out)."""
    return _stack_outcome_panels(
        scores, shares, measures, lambda rows, shown, kind: _outcome_panel(rows, measures, shown, kind))


def _stack_outcome_panels(scores: pd.DataFrame, shares: pd.DataFrame, measures: list[str],
                          panel) -> alt.TopLevelMixin:
    """The score panel above the share panel (an empty frame's panel is left out), one
    legend listing the measures that appear; `panel(rows, shown, kind)` draws one."""
    shown = [m for m in measures if m in set(scores.get("measure", [])) | set(shares.get("measure", []))]
    panels = [panel(rows, shown, kind) for rows, kind in ((scores, SCORE_CHANGES), (shares, SHARES))
              if not rows.empty]
    if not panels:
        raise ValueError("no outcome rows to plot")
    return panels[0] if len(panels) == 1 else alt.vconcat(*panels).resolve_scale(color="shared")


def _spread_panel(rows: pd.DataFrame, measures: list[str], shown: list[str], windows: list[str],
                  kind: _OutcomeKind) -> alt.LayerChart:
    base = alt.Chart(rows).encode(
        x=alt.X("window:N", title="Months after infusion", sort=windows,
                scale=alt.Scale(domain=windows), axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("measure:N", sort=measures),
        color=alt.Color("measure:N", title="Measure", scale=charts.colour_scale(measures),
                        legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=320,
                                          values=shown)),
        tooltip=[alt.Tooltip("measure:N", title="Measure"),
                 alt.Tooltip("window:N", title="Months after infusion"),
                 alt.Tooltip("low:Q", title="Lowest", format=".3~g"),
                 alt.Tooltip("q1:Q", title="Lower quartile", format=".3~g"),
                 alt.Tooltip("median:Q", title="Median", format=".3~g"),
                 alt.Tooltip("q3:Q", title="Upper quartile", format=".3~g"),
                 alt.Tooltip("high:Q", title="Highest", format=".3~g"),
                 alt.Tooltip("values:Q", title="Reported values"),
                 alt.Tooltip("reports:Q", title="Reports")])
    whiskers = base.mark_rule().encode(y=alt.Y("low:Q", title=kind.y_title, scale=kind.scale()),
                                       y2="high:Q")
    boxes = base.mark_bar(size=9, opacity=0.6).encode(y="q1:Q", y2="q3:Q")
    medians = base.mark_tick(thickness=2, size=12, color="#000000").encode(y="median:Q")
    return alt.layer(whiskers, boxes, medians).properties(title=kind.title, width=360, height=220)


def outcome_spreads(scores: pd.DataFrame, shares: pd.DataFrame, measures: list[str],
                    windows: list[str]) -> alt.TopLevelMixin:
    """The spread of reported outcomes per measure and window of months after infusion:
    a line from the lowest to the highest value, a box between the quartiles, a black tick at
    the median. Describes what was reported; not a pooled estimate.

    Both frames need columns measure, window, low, q1, median, q3, high, values, reports;
    either may be empty (its panel is left out)."""
    return _stack_outcome_panels(
        scores, shares, measures,
        lambda rows, shown, kind: _spread_panel(rows, measures, shown, windows, kind))
