"""Views of the adverse events: the safety table, the oncology comparators, and the CRS/ICANS
and safety overview charts."""
from __future__ import annotations

import pandas as pd

from ..data import bib as bibmod
from ..synthesis import summary
from . import html as h
from . import tables
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
    from . import charts  # altair: imported by pages that draw a chart

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
    chart = charts.events_by_grade(plain(rows[["label", "event_label", "grade", "grade_label",
                                                "n_patients", "n_evaluated"]]), grades)
    caption = ("Patients with CRS or ICANS per report, stacked by grade, as each source "
               "graded them; reports that give only 'any grade' are in the table below.")
    return charts.render(chart, f"crs-icans-{page.scope.disease or 'all'}", description, caption)


@view
def safety_overview_chart(page) -> h.Fragment:
    """CRS and ICANS by grade across diseases: one cell per report, event and grade."""
    from . import charts  # altair: imported by pages that draw a chart

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
            lambda n: charts.SAFETY_CATEGORIES[0] if n == 0 else charts.SAFETY_CATEGORIES[1]),
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
    chart = charts.safety_grid(plain(rows[keep]), columns)
    return charts.render(chart, f"safety-overview-{page.scope.disease or 'all'}", description, caption)


def _reports_by_grade_chart(page, rows: pd.DataFrame, grades: list[str]) -> h.Fragment:
    from . import charts  # altair: imported by pages that draw a chart

    counts = summary.reports_with_event(rows, ["event_label", "grade_label"])
    counts = counts[counts["reports_with_event"] > 0]
    description = (f"Bar chart of reports recording CRS or ICANS at each grade "
                   f"({page.where}); {rows['study_id'].nunique()} reports with graded "
                   f"events, summarised by grade; patients are not added up across reports.")
    chart = charts.reports_by_grade(plain(counts), grades)
    return charts.render(chart, f"crs-icans-{page.scope.disease or 'all'}", description)


def _safety_reports_chart(page, rows: pd.DataFrame, columns: list[str],
                          diseases: list[str]) -> h.Fragment:
    from . import charts  # altair: imported by pages that draw a chart

    counts = summary.reports_with_event(rows, ["disease_label", "column", "event_label", "grade_label"])
    counts = counts.assign(
        category=[charts.SAFETY_REPORT_CATEGORIES[1 if k > 0 else 0]
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
    chart = charts.safety_report_grid(plain(counts), columns,
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
