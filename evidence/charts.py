"""Altair charts with one colour-blind-safe palette, rendered for an offline site.

Charts are drawn as SVG at build time (evidence.chart_svg, evidence.chart_embed), so they show
without JavaScript; their vega-lite spec sits beside them for the interactive view, which the
vendored vega libraries (`_vendor/vega/`) draw only when a reader asks for it. Nothing is
fetched from a CDN. Colours come from the Okabe–Ito palette and are fixed per target code, so
CD19 has the same colour in every chart of the book.
"""
from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import pandas as pd

from . import chart_svg, html as h

# Okabe & Ito, "Color Universal Design" — distinguishable with common colour-vision deficiencies.
OKABE_ITO = ["#0072B2", "#D55E00", "#CC79A7", "#009E73", "#56B4E9", "#E69F00", "#F0E442", "#000000"]
CHART_CLASS = h.CHART_CLASS


def colour_scale(codes: list[str]) -> alt.Scale:
    """Fixed colours by vocabulary order: appending a code never recolours the others."""
    return alt.Scale(domain=list(codes), range=[OKABE_ITO[i % len(OKABE_ITO)] for i in range(len(codes))])


def _base(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    # one font and a white panel for the build-time SVG and the interactive view alike: the
    # SVG's labels are laid out with that font's widths, and its colours (black marks, dark
    # text on light cells) stay legible in dark mode on the light panel
    return (chart.configure(font=chart_svg.FONT, background=chart_svg.BACKGROUND)
            .configure_view(stroke=None).configure_axis(labelLimit=260, titleFontWeight="normal"))


# A chart with one mark per report (or trial) is drawn while a page has at most this many;
# beyond it the page shows the same quantity aggregated (by target, grade or phase), so a
# chart stays readable and its embedded data small however much evidence there is.
DETAIL_LIMIT = 60
# EVIDENCE_CHARTS=altair: charts are returned as plain altair charts and shown by altair's own
# output (which loads vega from a CDN). Only the benchmark's "default Jupyter Book" build sets
# it, to compare with an unconfigured book; the published book never does.
# EVIDENCE_CHARTS=js: the previous design (no build-time SVG, the libraries draw every chart on
# every view), built only by the reader benchmark to measure both side by side.
MODE_ENV = "EVIDENCE_CHARTS"


def render(chart: alt.TopLevelMixin, name: str, description: str,
           caption: str | None = None) -> h.Fragment:
    """The chart as a figure: drawn as SVG at build time (evidence.chart_embed), its spec
    beside it as JSON for the interactive view, and a visible caption.

    `description` is the text alternative screen readers announce (the SVG's <desc>, and the
    plain-text output); `caption` is shown under the chart (the description when not given).
    """
    import os

    from .chart_embed import figure

    mode = os.environ.get(MODE_ENV)
    if mode == "altair":
        return _base(chart)
    spec = chart_svg.fixed_widths(_base(chart).to_dict(), keep_top=True)
    spec["description"] = description
    return figure(spec, name, description, caption, build_time_svg=mode != "js")


def patients_by_report(rows: pd.DataFrame, targets: list[str]) -> alt.LayerChart:
    """Horizontal bars: patients treated per report, coloured by target; a report that gives
    no patient count has no bar but the words "no count reported", never a silent zero.

    `rows` needs columns label, n_treated, target, product, design_label, followup."""
    rows = rows.assign(shown=rows["n_treated"].map(lambda n: 0 if n is None else n),
                       missing=rows["n_treated"].map(lambda n: "no count reported" if n is None else ""))
    tooltip = [alt.Tooltip("label:N", title="Report"), alt.Tooltip("product:N", title="Product"),
               alt.Tooltip("target:N", title="Target"), alt.Tooltip("design_label:N", title="Design"),
               alt.Tooltip("n_treated:Q", title="Patients treated"),
               alt.Tooltip("followup:N", title="Follow-up")]
    base = alt.Chart(rows).encode(
        y=alt.Y("label:N", title=None, sort=alt.EncodingSortField("shown", order="descending")),
        tooltip=tooltip)
    bars = base.mark_bar().encode(
        x=alt.X("n_treated:Q", title="Patients treated", axis=alt.Axis(tickMinStep=1)),
        color=alt.Color("target:N", title="Target", scale=colour_scale(targets)))
    missing = base.mark_text(align="left", dx=4, fontStyle="italic").encode(
        x=alt.X("shown:Q"), text=alt.Text("missing:N"))
    return alt.layer(bars, missing).properties(width="container", height=alt.Step(22))


def events_by_grade(rows: pd.DataFrame, grades: list[str]) -> alt.Chart:
    """Patients with CRS or ICANS per report, stacked by grade.

    `rows` needs columns label, event_label, grade, grade_label, n_patients, n_evaluated."""
    return alt.Chart(rows).mark_bar().encode(
        x=alt.X("n_patients:Q", title="Patients with the event", axis=alt.Axis(tickMinStep=1)),
        y=alt.Y("label:N", title=None),
        row=alt.Row("event_label:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left")),
        color=alt.Color("grade_label:N", title="Grade",
                        scale=colour_scale(grades)),
        tooltip=[alt.Tooltip("label:N", title="Report"), alt.Tooltip("event_label:N", title="Event"),
                 alt.Tooltip("grade_label:N", title="Grade"),
                 alt.Tooltip("n_patients:Q", title="Patients"),
                 alt.Tooltip("n_evaluated:Q", title="Evaluated")],
    ).properties(width=420)


def trials_by_phase(rows: pd.DataFrame, statuses: list[str]) -> alt.Chart:
    """Registered trials per phase, stacked by recruitment status.

    `rows` needs columns registry_id, phase_label, status_label, title, target, enrollment."""
    return alt.Chart(rows).mark_bar().encode(
        x=alt.X("count():Q", title="Registered trials", axis=alt.Axis(tickMinStep=1)),
        y=alt.Y("phase_label:N", title=None),
        color=alt.Color("status_label:N", title="Status",
                        scale=colour_scale(statuses)),
        tooltip=[alt.Tooltip("registry_id:N", title="Registry id"),
                 alt.Tooltip("title:N", title="Title"), alt.Tooltip("target:N", title="Target"),
                 alt.Tooltip("status_label:N", title="Status"),
                 alt.Tooltip("enrollment:Q", title="Enrolment")],
    ).properties(width="container", height=alt.Step(28))


# -- outcomes, safety overview, timeline ---------------------------------------------------------
TIME_BASES = ["At the reported timepoint", "At the report's follow-up (no timepoint given)"]
SAFETY_CATEGORIES = ["No patient with the event", "One or more patients"]
SAFETY_COLOURS = ["#56B4E9", "#E69F00"]  # Okabe–Ito sky blue and orange: dark text stays legible


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
        color=alt.Color("measure:N", title="Measure", scale=colour_scale(measures),
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


def _safety_cells(base: alt.Chart, categories: list[str]) -> tuple[alt.Chart, alt.Chart]:
    """A safety grid's coloured cells (blue: none, orange: one or more) and their text
    (`cell_text`), on top of them so the tooltip shows over either."""
    cells = base.mark_rect(stroke="#ffffff", strokeWidth=2).encode(
        color=alt.Color("category:N", title="Reported",
                        scale=alt.Scale(domain=categories, range=SAFETY_COLOURS),
                        legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=360)))
    return cells, base.mark_text(fontSize=11, color="#000000").encode(text="cell_text:N")


def safety_grid(rows: pd.DataFrame, columns: list[str]) -> alt.FacetChart:
    """CRS and ICANS across diseases: one cell per report and event-grade column (e.g.
    "CRS ≥3"), with the number of patients (of those evaluated) as reported, one block of
    rows per disease. Nothing is added up; an empty cell was not reported.

    `rows` needs columns disease, disease_label, label, column, event_label, grade_label,
    category, cell_text, n_patients, n_evaluated, scale, locator; `columns` orders the
    event-grade columns."""
    tooltip = [alt.Tooltip("disease_label:N", title="Disease"), alt.Tooltip("label:N", title="Report"),
               alt.Tooltip("event_label:N", title="Event"), alt.Tooltip("grade_label:N", title="Grade"),
               alt.Tooltip("n_patients:Q", title="Patients with the event"),
               alt.Tooltip("n_evaluated:Q", title="Evaluated"),
               alt.Tooltip("scale:N", title="Grading scale"),
               alt.Tooltip("locator:N", title="Where in source")]
    base = alt.Chart().encode(  # the tooltip on the cell and on its number, which covers it
        x=alt.X("column:N", title=None, sort=columns, scale=alt.Scale(domain=columns),
                axis=alt.Axis(orient="top", labelAngle=0, labelLimit=90)),
        y=alt.Y("label:N", title=None, axis=alt.Axis(labelLimit=230)),
        tooltip=tooltip)
    return alt.layer(*_safety_cells(base, SAFETY_CATEGORIES), data=rows).properties(width=alt.Step(62), height=alt.Step(22)).facet(
        row=alt.Row("disease:N", title=None, sort=alt.SortField("order"),
                    header=alt.Header(labelAngle=0, labelAlign="left", labelFontWeight="bold")),
        spacing=10,
    ).resolve_scale(y="independent")


def timeline(rows: pd.DataFrame, kinds: list[str]) -> alt.Chart:
    """Clinical reports by year of publication and registered trials by year of registration,
    side by side per year.

    `rows` needs columns year (text), kind, n, items (the reports or trials, for the tooltip)."""
    return alt.Chart(rows).mark_bar().encode(
        x=alt.X("year:O", title="Year", axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("kind:N", sort=kinds),
        y=alt.Y("n:Q", title="Number", axis=alt.Axis(tickMinStep=1)),
        color=alt.Color("kind:N", title=None, sort=kinds, scale=colour_scale(kinds),
                        legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("year:O", title="Year"), alt.Tooltip("kind:N", title="What"),
                 alt.Tooltip("n:Q", title="Number"), alt.Tooltip("items:N", title="Which")],
    ).properties(width="container", height=240)


# -- aggregated forms, for pages with more than DETAIL_LIMIT reports or trials ---------------
def patients_by_target(rows: pd.DataFrame, targets: list[str], designs: list[str]) -> alt.Chart:
    """Horizontal bars: patients treated per target (each cohort counted once), stacked by
    design. `rows` needs columns target, design_label, patients, cohorts, cohorts_uncounted."""
    return alt.Chart(rows).mark_bar().encode(
        x=alt.X("patients:Q", title="Patients treated (each cohort once)", stack="zero",
                axis=alt.Axis(tickMinStep=1)),
        y=alt.Y("target:N", title="Target", sort=targets),
        color=alt.Color("design_label:N", title="Design", scale=colour_scale(designs)),
        tooltip=[alt.Tooltip("target:N", title="Target"), alt.Tooltip("design_label:N", title="Design"),
                 alt.Tooltip("patients:Q", title="Patients treated (at least)"),
                 alt.Tooltip("cohorts:Q", title="Cohorts"),
                 alt.Tooltip("cohorts_uncounted:Q", title="Cohorts without a count")],
    ).properties(width="container", height=alt.Step(28))


def reports_by_grade(rows: pd.DataFrame, grades: list[str]) -> alt.Chart:
    """Reports recording CRS or ICANS at each grade (patients are not added up across
    reports). `rows` needs columns event_label, grade_label, reports_with_event, reports
    (summary.reports_with_event)."""
    return alt.Chart(rows).mark_bar().encode(
        x=alt.X("reports_with_event:Q", title="Reports recording the event", axis=alt.Axis(tickMinStep=1)),
        y=alt.Y("grade_label:N", title=None, sort=grades),
        row=alt.Row("event_label:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left")),
        color=alt.Color("grade_label:N", title="Grade", scale=colour_scale(grades)),
        tooltip=[alt.Tooltip("event_label:N", title="Event"), alt.Tooltip("grade_label:N", title="Grade"),
                 alt.Tooltip("reports_with_event:Q", title="Reports recording the event"),
                 alt.Tooltip("reports:Q", title="Reports giving a number")],
    ).properties(width=420)


def trials_by_phase_count(rows: pd.DataFrame, statuses: list[str]) -> alt.Chart:
    """Registered trials per phase, stacked by status, from counts.
    `rows` needs columns phase_label, status_label, trials."""
    return alt.Chart(rows).mark_bar().encode(
        x=alt.X("trials:Q", title="Registered trials", stack="zero", axis=alt.Axis(tickMinStep=1)),
        y=alt.Y("phase_label:N", title=None),
        color=alt.Color("status_label:N", title="Status", scale=colour_scale(statuses)),
        tooltip=[alt.Tooltip("phase_label:N", title="Phase"),
                 alt.Tooltip("status_label:N", title="Status"),
                 alt.Tooltip("trials:Q", title="Registered trials")],
    ).properties(width="container", height=alt.Step(28))


SAFETY_REPORT_CATEGORIES = ["No report records a patient with the event",
                            "One or more reports record a patient with the event"]


def safety_report_grid(rows: pd.DataFrame, columns: list[str], diseases: list[str]) -> alt.Chart:
    """CRS and ICANS across diseases, one cell per disease and event-grade column, reading
    "reports with the event / reports giving a number". Patients are not added up.

    `rows` needs columns disease_label, column, event_label, grade_label, category, cell_text,
    reports, reports_with_event; `diseases` orders the disease labels."""
    tooltip = [alt.Tooltip("disease_label:N", title="Disease"),
               alt.Tooltip("event_label:N", title="Event"), alt.Tooltip("grade_label:N", title="Grade"),
               alt.Tooltip("reports_with_event:Q", title="Reports with one or more patients"),
               alt.Tooltip("reports:Q", title="Reports giving a number")]
    base = alt.Chart(rows).encode(
        x=alt.X("column:N", title=None, sort=columns, scale=alt.Scale(domain=columns),
                axis=alt.Axis(orient="top", labelAngle=0, labelLimit=90)),
        y=alt.Y("disease_label:N", title=None, sort=diseases, axis=alt.Axis(labelLimit=230)),
        tooltip=tooltip)
    return alt.layer(*_safety_cells(base, SAFETY_REPORT_CATEGORIES)).properties(width=alt.Step(62), height=alt.Step(26))


def _spread_panel(rows: pd.DataFrame, measures: list[str], shown: list[str], windows: list[str],
                  kind: _OutcomeKind) -> alt.LayerChart:
    base = alt.Chart(rows).encode(
        x=alt.X("window:N", title="Months after infusion", sort=windows,
                scale=alt.Scale(domain=windows), axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("measure:N", sort=measures),
        color=alt.Color("measure:N", title="Measure", scale=colour_scale(measures),
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
            x2="high:Q", color=alt.Color("disease:N", title="Disease", scale=colour_scale(diseases))))
        layers.append(base.mark_point(filled=True, size=60).encode(
            x=x, color=alt.Color("disease:N", title="Disease", scale=colour_scale(diseases)),
            tooltip=[alt.Tooltip("label:N", title="Cohort (report used)"),
                     alt.Tooltip("disease:N", title="Disease"),
                     alt.Tooltip("events:Q", title="Patients with the event"),
                     alt.Tooltip("patients:Q", title="Patients with data"),
                     alt.Tooltip("low:Q", title="95% CI from (%)", format=".0f"),
                     alt.Tooltip("high:Q", title="95% CI to (%)", format=".0f")]))
        panels.append(alt.layer(*layers).properties(
            title=str(rows["outcome"].iloc[0]), width="container", height=alt.Step(22)))
    return alt.vconcat(*panels).resolve_scale(color="shared")
