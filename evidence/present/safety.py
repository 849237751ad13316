"""Views of the adverse events: the safety table, the oncology comparators, and the CRS/ICANS
and safety overview charts."""
from __future__ import annotations

import altair as alt
import pandas as pd

from ..data import bib as bibmod
from ..synthesis import summary
from . import charts, tables
from . import html as h
from .views import note, plain, view


@view
def safety_table(page, caption: str | None = None) -> h.Fragment:
    rows = _safety_rows(page)
    cols = [
        tables.Column("Report", lambda r: h.link(r["label"], r["source_url"])),
        tables.Column("Event", lambda r: h.text(r["event_label"])),
        tables.Column("Grade", lambda r: h.text(r["grade_label"])),
        tables.Column("Scale", lambda r: h.text(r["scale"])),
        tables.Column("Patients", lambda r: h.count(r["n_patients"]), numeric=True),
        tables.Column("Evaluated", lambda r: h.count(r["n_evaluated"]), numeric=True),
        tables.Column("Where in source", lambda r: h.text(r["locator"])),
    ]
    caption = caption or "Reported adverse events by grade."
    return tables.render(rows, cols, f"safety-{page.scope.disease or 'all'}", caption)


@view
def oncology_comparators_table(page, caption: str | None = None) -> h.Fragment:
    """Adverse-event rates of licensed CAR T-cell products in cancer, one row per
    product x event x grade, with the source each was read in."""
    rows = page.table("oncology-comparators").sort_values(
        ["target", "product", "event", "grade", "comparator_id"])
    bib = bibmod.load(page.ev.root)  # one source gives several rows: labels may repeat
    rows = rows.assign(label=rows["bibkey"].map(lambda key: bibmod.short_label(bib, key)))
    label = page.ev.label

    def rate(r) -> str:
        percent = h.text(f"{float(r['percent']):g}%")
        if pd.isna(r["n_with_event"]) or pd.isna(r["n_patients"]):
            return percent
        return f"{percent} ({h.text(r['n_with_event'])}/{h.text(r['n_patients'])})"

    cols = [
        tables.Column("Product", lambda r: h.text(r["product"])),
        tables.Column("Target", lambda r: h.text(r["target"])),
        tables.Column("Cancer", lambda r: h.text(r["indication"])),
        tables.Column("Trial", lambda r: h.text(r["trial"])),
        tables.Column("Patients", lambda r: h.text(r["n_patients"]), numeric=True),
        tables.Column("Event", lambda r: h.text(label("events", r["event"]))),
        tables.Column("Grade", lambda r: h.text(label("grades", r["grade"]))),
        tables.Column("Scale", lambda r: h.text(r["scale"])),
        tables.Column("Patients with the event", rate, numeric=True),
        tables.Column("Period", lambda r: h.text(r["timeframe"])),
        tables.Column("Source", lambda r: h.link(r["label"], r["source_url"])),
        tables.Column("Source type", lambda r: h.text(label("source_types", r["source_type"]))),
        tables.Column("Where in source", lambda r: h.text(r["locator"])),
    ]
    caption = caption or ("Oncology comparators: adverse events of licensed CAR T-cell "
                          "products in cancer trials, as reported (not pooled).")
    return tables.render(rows, cols, "oncology-comparators", caption)


@view
def crs_icans_chart(page) -> h.Fragment:
    rows = _safety_rows(page)
    rows = rows[rows["event"].isin(["crs", "icans"]) & (rows["grade"] != "any")]
    if rows.empty:
        return note("No report on this page grades CRS or ICANS, so there is no chart; what "
                     "was reported is in the safety table.")
    if not (rows["n_patients"].fillna(0) > 0).any():  # all bars would have length zero
        return note("At the specific grades reported (for example grade 3 or higher), no "
                     "report on this page records a patient with CRS or ICANS, so there is no "
                     "bar to draw. Events counted at any grade, and every number with the "
                     "patients evaluated, are in the safety table.")
    grades = [page.ev.label("grades", g) for g in page.ev.vocab("grades")["code"] if g != "any"]
    if rows["study_id"].nunique() > charts.DETAIL_LIMIT:
        return _reports_by_grade_chart(page, rows, grades)
    description = (f"Stacked bar chart of patients with CRS or ICANS by grade per report "
                   f"({page.where}); {rows['study_id'].nunique()} reports with graded events.")
    chart = events_by_grade(plain(rows[["label", "event_label", "grade", "grade_label",
                                                "n_patients", "n_evaluated"]]), grades)
    caption = ("Patients with CRS or ICANS per report, stacked by grade, as each source "
               "graded them; reports that give only 'any grade' are in the table below.")
    return charts.render(chart, f"crs-icans-{page.scope.disease or 'all'}", description, caption)


@view
def safety_overview_chart(page) -> h.Fragment:
    """CRS and ICANS by grade across diseases: one cell per report, event and grade."""
    rows = _safety_rows(page)
    rows = rows[rows["event"].isin(["crs", "icans"])].merge(
        page.studies[["study_id", "disease"]], on="study_id", how="left")
    diseases = list(page.ev.vocab("diseases")["code"])
    grades = list(page.ev.vocab("grades")["code"])
    short = {"any": "any"} | {g: g.replace(">=", "\u2265") for g in grades if g != "any"}
    rows = rows.assign(
        disease_label=rows["disease"].map(lambda c: page.ev.label("diseases", c)),
        order=rows["disease"].map(diseases.index),
        column=rows["event"].str.upper() + " " + rows["grade"].map(short),
        _col=rows["event"].map(["crs", "icans"].index) * 100 + rows["grade"].map(grades.index),
        category=rows["n_patients"].map(
            lambda n: SAFETY_CATEGORIES[0] if n == 0 else SAFETY_CATEGORIES[1]),
        cell_text=rows.apply(lambda r: f"{int(r['n_patients'])}" + (
            "" if pd.isna(r["n_evaluated"]) else f"/{int(r['n_evaluated'])}"), axis=1),
    ).sort_values(["order", "pub_date", "study_id"])
    columns = list(rows.sort_values("_col")["column"].drop_duplicates())
    if rows["study_id"].nunique() > charts.DETAIL_LIMIT:
        labels = [page.ev.label("diseases", c) for c in diseases]
        return _safety_reports_chart(page, rows, columns, labels)
    description = (f"Grid of cytokine release syndrome (CRS) and neurotoxicity (ICANS) by grade "
                   f"across {rows['disease'].nunique()} diseases and {rows['study_id'].nunique()} "
                   f"reports: each cell gives the patients with the event, of those evaluated "
                   f"where stated, as reported. Nothing is added up. The safety table below "
                   f"lists the same numbers.")
    caption = ("CRS and ICANS by grade, per report, grouped by disease. A cell reads 'patients with the event / patients "
               "evaluated' (only the first number when the source does not say how many were "
               "evaluated). Blue: the source reports no patient with the event at that grade; "
               "orange: one or more. Grades as each source reports them; an empty cell was "
               "not reported. Hover a cell for the grading scale and where in the source.")
    keep = ["disease", "disease_label", "order", "label", "column", "event_label", "grade_label",
            "category", "cell_text", "n_patients", "n_evaluated", "scale", "locator"]
    chart = safety_grid(plain(rows[keep]), columns)
    return charts.render(chart, f"safety-overview-{page.scope.disease or 'all'}", description, caption)


def _reports_by_grade_chart(page, rows: pd.DataFrame, grades: list[str]) -> h.Fragment:
    counts = summary.reports_with_event(rows, ["event_label", "grade_label"])
    counts = counts[counts["reports_with_event"] > 0]
    description = (f"Bar chart of reports recording CRS or ICANS at each grade "
                   f"({page.where}); {rows['study_id'].nunique()} reports with graded "
                   f"events, summarised by grade; patients are not added up across reports.")
    chart = reports_by_grade(plain(counts), grades)
    return charts.render(chart, f"crs-icans-{page.scope.disease or 'all'}", description)


def _safety_reports_chart(page, rows: pd.DataFrame, columns: list[str],
                          diseases: list[str]) -> h.Fragment:
    counts = summary.reports_with_event(rows, ["disease_label", "column", "event_label", "grade_label"])
    counts = counts.assign(
        category=[SAFETY_REPORT_CATEGORIES[1 if k > 0 else 0]
                  for k in counts["reports_with_event"]],
        cell_text=[f"{k}/{m}" for k, m in zip(counts["reports_with_event"], counts["reports"])])
    description = (f"Grid of cytokine release syndrome (CRS) and neurotoxicity (ICANS) by grade "
                   f"across {rows['disease'].nunique()} diseases, summarising "
                   f"{rows['study_id'].nunique()} reports: each cell gives the reports recording "
                   f"one or more patients with the event, of the reports giving a number for it. "
                   f"Patients are not added up. The safety table below lists every report.")
    caption = ("CRS and ICANS by grade, per disease. A cell reads 'reports recording one or more "
               "patients with the event / reports giving a number for it'; patients are not "
               "added up across reports, which may describe the same patients. Blue: no report "
               "records a patient with the event at that grade; orange: one or more do. An "
               "empty cell: no report gives that grade. The safety table below has every "
               "report's numbers.")
    chart = safety_report_grid(plain(counts), columns,
                                      [d for d in diseases if d in set(counts["disease_label"])])
    return charts.render(chart, f"safety-overview-{page.scope.disease or 'all'}", description, caption)


def _safety_rows(page) -> pd.DataFrame:
    safety = page.safety.merge(page.studies[["study_id", "bibkey", "source_url", "pub_date"]],
                               on="study_id", how="left")
    safety = safety.assign(
        label=page.report_labels(safety),
        event_label=safety["event"].map(lambda c: page.ev.label("events", c)),
        grade_label=safety["grade"].map(lambda c: page.ev.label("grades", c)))
    return safety.sort_values(["pub_date", "study_id", "event", "grade"]).reset_index(drop=True)


# -- chart specifications -------------------------------------------------------------------
def events_by_grade(rows: pd.DataFrame, grades: list[str]) -> alt.Chart:
    """Patients with CRS or ICANS per report, stacked by grade.

    `rows` needs columns label, event_label, grade, grade_label, n_patients, n_evaluated."""
    return alt.Chart(rows).mark_bar().encode(
        x=alt.X("n_patients:Q", title="Patients with the event", axis=alt.Axis(tickMinStep=1)),
        y=alt.Y("label:N", title=None),
        row=alt.Row("event_label:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left")),
        color=alt.Color("grade_label:N", title="Grade",
                        scale=charts.colour_scale(grades)),
        tooltip=[alt.Tooltip("label:N", title="Report"), alt.Tooltip("event_label:N", title="Event"),
                 alt.Tooltip("grade_label:N", title="Grade"),
                 alt.Tooltip("n_patients:Q", title="Patients"),
                 alt.Tooltip("n_evaluated:Q", title="Evaluated")],
    ).properties(width=420)


SAFETY_CATEGORIES = ["No patient with the event", "One or more patients"]


SAFETY_COLOURS = ["#56B4E9", "#E69F00"]  # Okabe–Ito sky blue and orange: dark text stays legible


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


def reports_by_grade(rows: pd.DataFrame, grades: list[str]) -> alt.Chart:
    """Reports recording CRS or ICANS at each grade (patients are not added up across
    reports). `rows` needs columns event_label, grade_label, reports_with_event, reports
    (summary.reports_with_event)."""
    return alt.Chart(rows).mark_bar().encode(
        x=alt.X("reports_with_event:Q", title="Reports recording the event", axis=alt.Axis(tickMinStep=1)),
        y=alt.Y("grade_label:N", title=None, sort=grades),
        row=alt.Row("event_label:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left")),
        color=alt.Color("grade_label:N", title="Grade", scale=charts.colour_scale(grades)),
        tooltip=[alt.Tooltip("event_label:N", title="Event"), alt.Tooltip("grade_label:N", title="Grade"),
                 alt.Tooltip("reports_with_event:Q", title="Reports recording the event"),
                 alt.Tooltip("reports:Q", title="Reports giving a number")],
    ).properties(width=420)


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
