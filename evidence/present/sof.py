"""The summary-of-findings tables a chapter shows: its evidence base, each key outcome as
patients with the outcome over patients with data (exact interval) with its certainty, and
the certainty judgements with their reasons. Numbers come from `evidence.synthesis.findings`, ratings
from `evidence.synthesis.certainty`; this module only lays them out.

Each function takes the chapter's `Page` (its slice of the evidence) and returns a Fragment.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import altair as alt
import pandas as pd

from ..synthesis import certainty as cert
from ..synthesis import counts, findings
from . import charts, tables
from . import html as h
from .views import view

if TYPE_CHECKING:
    from .page import Page

PEER_REVIEWED = ("peer-reviewed", "letter")
SUMMED = ("Per cohort its report with the most patients evaluated; counts summed across cohorts "
          "of different designs and products: a crude total, not a meta-analysis.")


def key_outcomes(page: "Page") -> list[findings.KeyOutcome]:
    return findings.KeyOutcome.all(page.ev.vocab("sof_outcomes"))


def _ratings(page: "Page") -> dict[tuple[str, str], cert.Rating]:
    return cert.ratings(page.table("certainty"), page.ev.vocab("certainty_levels"))


def _certainty_cell(ratings: dict, group: str | None):
    def cell(r) -> str:
        if r["patients"] == 0:
            return h.text("No data to rate")
        rating = ratings.get((group if group is not None else r["group"], r["outcome"]))
        return h.text(cert.NOT_RATED if rating is None else rating.short)
    return cell


def _outcome_columns(ratings: dict, group: str | None) -> list[tables.Column]:
    return [
        tables.Column("Outcome", lambda r: h.text(r["label"])),
        tables.Column("Patients with the outcome, of patients with data (exact 95% CI)",
                      lambda r: h.text(r["result"])),
        tables.Column("Cohorts with data", lambda r: h.text(r["cohorts"]), numeric=True),
        tables.Column("Further cohorts that report it otherwise (no denominator, other form)",
                      lambda r: h.text(r["other_form"]), numeric=True),
        tables.Column("Certainty of the evidence (GRADE; changes in levels)",
                      _certainty_cell(ratings, group)),
    ]


def evidence_base(page: "Page") -> h.Fragment:
    studies = page.studies
    count = counts.PatientCount.of(studies)
    peer = int(studies["source_type"].isin(PEER_REVIEWED).sum())
    share = f" ({100 * peer / len(studies):.0f}%)" if len(studies) else ""
    months = studies["followup_months"].dropna()
    base = pd.DataFrame([
        ("Patients treated (each counted once)", count.phrase),
        ("Cohorts and reports", f"{studies['cohort_id'].nunique()} cohorts in {len(studies)} reports"),
        ("Reports read as peer-reviewed articles or letters", f"{peer} of {len(studies)}{share}"),
        ("Follow-up reported", "not reported" if months.empty else
         f"{float(months.min()):g} to {float(months.max()):g} months (as each report states it)"),
    ], columns=["what", "value"])
    name = page.scope.disease or "all"
    return tables.render(base, [tables.Column("Evidence", lambda r: h.text(r["what"])),
                                tables.Column("This page", lambda r: h.text(r["value"]))],
                         f"sof-evidence-{name}",
                         f"Summary of findings ({page.where}): the evidence.")


def outcomes(page: "Page") -> h.Fragment:
    rows = findings.summary(page.studies, page.table("outcomes"), page.table("safety"),
                            key_outcomes(page))
    name = page.scope.disease or "all"
    return tables.render(rows, _outcome_columns(_ratings(page), page.scope.disease or ""),
                         f"sof-outcomes-{name}",
                         f"Summary of findings ({page.where}): key outcomes, benefits "
                         f"then harms, with the certainty of the evidence. {SUMMED}")


@view("certainty_judgements")
def judgements(page: "Page") -> h.Fragment:
    """The certainty judgements behind the page's ratings: start, each change and its reason."""
    frame = page.table("certainty")
    if page.scope.disease:
        frame = frame[frame["group"] == page.scope.disease]
    order = {o.code: i for i, o in enumerate(key_outcomes(page))}
    if frame.empty:
        return h.Fragment('<p class="evidence-note">No outcome on this page has data to rate.</p>',
                          "No outcome on this page has data to rate.")
    frame = (frame.assign(_order=frame["outcome"].map(order)).sort_values(["group", "_order"])
             .drop(columns="_order"))
    levels = page.ev.vocab("certainty_levels")
    label = dict(zip(levels["code"], levels["label"]))

    def changes(r) -> str:
        items = [f"<li>{h.text(f'{domain} {cert._signed(change)}: {reason}')}</li>"
                 for domain, change, reason in cert.changes_of(r)]
        return f"<ul>{''.join(items)}</ul>" if items else h.text("none")

    columns = [tables.Column("Outcome", lambda r: h.text(page.ev.label("sof_outcomes", r["outcome"]))),
               tables.Column("Start", lambda r: h.text(label.get(r["start"], r["start"]))),
               tables.Column("Changes and reasons", changes),
               tables.Column("Certainty", lambda r: h.text(label.get(r["certainty"], r["certainty"]))),
               tables.Column("Judged on", lambda r: h.text(r["judged_on"]))]
    if not page.scope.disease:
        columns.insert(0, tables.Column("Disease", lambda r: h.text(group_label(page, r["group"]))))
    return tables.render(frame, columns, f"certainty-{page.scope.disease or 'all'}",
                         f"Certainty of the evidence ({page.where}): the team's GRADE "
                         "judgements, one row per outcome with data.")


def group_label(page: "Page", group: str) -> str:
    return " and ".join(page.ev.label("diseases", c) for c in group.split("+"))


@view("summary_of_findings")
def page_summary(page: "Page") -> h.Fragment:
    parts = [evidence_base(page), outcomes(page)]
    return h.Fragment("".join(p.html for p in parts), "\n".join(p.plain for p in parts))


KINDS = {None: "Key outcomes", "benefit": "Benefits", "harm": "Harms"}


@view("summary_of_findings_by_disease")
def by_disease(page: "Page", kind: str | None = None) -> h.Fragment:
    """Every disease group side by side: the key outcomes with data (only benefits or harms
    when `kind` says so), each a crude total of the group's cohorts with an exact interval,
    and its certainty."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {sorted(k for k in KINDS if k)} or None, not {kind!r}")
    groups = findings.disease_groups(page.ev.vocab("diseases"))
    chosen = [o for o in key_outcomes(page) if kind is None or o.kind == kind]
    # a page that shows only harms need not declare the outcomes table
    outcomes = page.table("outcomes") if any(o.table == "outcomes" for o in chosen) \
        else page.ev.outcomes.iloc[0:0]
    safety = page.table("safety") if any(o.table == "safety" for o in chosen) \
        else page.ev.safety.iloc[0:0]
    rows = findings.by_group(page.studies, outcomes, safety, chosen, groups)
    rows = rows[rows["patients"] > 0]
    if rows.empty:
        text = ("No cohort of these diseases reports a key outcome with the number of patients "
                "evaluated, so none can be shown as a proportion; the reports are described below.")
        return h.Fragment(f'<p class="evidence-note">{h.text(text)}</p>', text)
    columns = [tables.Column("Disease", lambda r: h.text(group_label(page, r["group"]))),
               *_outcome_columns(_ratings(page), None)]
    return tables.render(rows, columns, f"sof-by-disease-{kind or 'all'}-{page.scope.disease or 'all'}",
                         f"{KINDS[kind]} by disease, where any cohort gives a number with its "
                         "denominator: crude totals of each disease's cohorts, not pooled across "
                         "diseases and not a meta-analysis, with the certainty of the evidence.")


# the harms drawn per cohort, and the oncology events that serve as their reference: the
# comparators' "neurologic-event" is the older, wider category that preceded ICANS grading
FOREST_OUTCOMES = ("crs-any", "crs-severe", "icans-any", "icans-severe")
COMPARATOR_EVENTS = {"crs": ("crs",), "icans": ("icans", "neurologic-event")}


def forest_rows(page: "Page") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per cohort and harm of FOREST_OUTCOMES: the report used, disease, events, patients,
    percent and exact interval; and the oncology comparator figures per harm."""
    studies = page.studies
    labels = dict(zip(studies["study_id"], page.report_labels(studies)))
    disease = dict(zip(studies["study_id"], studies["disease"]))
    chosen = [o for o in key_outcomes(page) if o.code in FOREST_OUTCOMES]
    comparators = page.table("oncology-comparators")
    rows, bands = [], []
    for outcome in chosen:
        for _, r in findings.per_cohort(studies, page.table("safety"), outcome.codes, outcome.grade).iterrows():
            p = findings.Proportion(int(r["n_patients"]), int(r["n_evaluated"]), 1, 0)
            low, high = p.interval
            rows.append({"outcome": outcome.label, "label": labels[r["study_id"]],
                         "disease": page.ev.label("diseases", disease[r["study_id"]]),
                         "events": p.events, "patients": p.patients,
                         "percent": 100 * p.events / p.patients, "low": 100 * low, "high": 100 * high})
        events = COMPARATOR_EVENTS.get(outcome.codes[0], outcome.codes)
        matching = comparators[comparators["event"].isin(events) & (comparators["grade"] == outcome.grade)]
        bands += [{"outcome": outcome.label, "product": m["product"], "percent": float(m["percent"])}
                  for _, m in matching.iterrows()]
    return (pd.DataFrame(rows, columns=["outcome", "label", "disease", "events", "patients",
                                        "percent", "low", "high"]),
            pd.DataFrame(bands, columns=["outcome", "product", "percent"]))


@view("safety_forest_chart")
def forest_chart(page: "Page") -> h.Fragment:
    rows, bands = forest_rows(page)
    if rows.empty:
        text = "No cohort reports CRS or ICANS with the number of patients evaluated."
        return h.Fragment(f'<p class="evidence-note">{h.text(text)}</p>', text)
    diseases = [page.ev.label("diseases", c) for c in page.ev.vocab("diseases")["code"]]
    cohorts = rows["label"].nunique()
    description = (f"Forest plot of CRS and ICANS, any grade and grade 3 or higher: one line per "
                   f"cohort ({cohorts} cohorts in all), the point its share of patients with the "
                   "event and the line its exact 95% interval, coloured by disease; the shaded band "
                   "spans the oncology comparators and each dashed line is one licensed product.")
    caption = (description + " ICANS is compared with the oncology trials' neurological events, "
               "a wider category. Each cohort stands alone: the cohorts are not pooled.")
    return charts.render(forest(rows, bands, diseases), "safety-forest", description, caption)


# -- chart specifications -------------------------------------------------------------------
# -- summary of findings: per-cohort proportions -------------------------------------------------
def forest(cohorts: pd.DataFrame, bands: pd.DataFrame, diseases: list[str]) -> alt.VConcatChart:
    """One panel per adverse event: a point and its exact 95% interval per cohort, coloured by
    disease, over the range of the oncology comparators (shaded band, a rule per product).

    `cohorts` needs outcome, label, disease, events, patients, percent, low, high;
    `bands` needs outcome, product, percent (the comparator figures of that outcome)."""
    panels = []
    x = alt.X("percent:Q", title="Patients with the event (%)", scale=alt.Scale(domain=[0, 100]))
    for outcome, rows in cohorts.groupby("outcome", sort=False):
        reference = bands[bands["outcome"] == outcome]
        layers = []
        if not reference.empty:
            span = pd.DataFrame([{"low": reference["percent"].min(), "high": reference["percent"].max()}])
            layers.append(alt.Chart(span).mark_rect(opacity=0.12, color="#000000").encode(
                x=alt.X("low:Q", scale=alt.Scale(domain=[0, 100])), x2="high:Q"))
            layers.append(alt.Chart(reference).mark_rule(strokeDash=[4, 3], opacity=0.6, color="#000000").encode(
                x=alt.X("percent:Q", scale=alt.Scale(domain=[0, 100])),
                tooltip=[alt.Tooltip("product:N", title="Oncology comparator"),
                         alt.Tooltip("percent:Q", title="Patients with the event (%)")]))
        base = alt.Chart(rows).encode(y=alt.Y("label:N", title=None, sort=None))
        layers.append(base.mark_rule().encode(
            x=alt.X("low:Q", scale=alt.Scale(domain=[0, 100]), title="Patients with the event (%)"),
            x2="high:Q", color=alt.Color("disease:N", title="Disease", scale=charts.colour_scale(diseases))))
        layers.append(base.mark_point(filled=True, size=60).encode(
            x=x, color=alt.Color("disease:N", title="Disease", scale=charts.colour_scale(diseases)),
            tooltip=[alt.Tooltip("label:N", title="Cohort (report used)"),
                     alt.Tooltip("disease:N", title="Disease"),
                     alt.Tooltip("events:Q", title="Patients with the event"),
                     alt.Tooltip("patients:Q", title="Patients with data"),
                     alt.Tooltip("low:Q", title="95% CI from (%)", format=".0f"),
                     alt.Tooltip("high:Q", title="95% CI to (%)", format=".0f")]))
        panels.append(alt.layer(*layers).properties(
            title=str(rows["outcome"].iloc[0]), width="container", height=alt.Step(22)))
    return alt.vconcat(*panels).resolve_scale(color="shared")
