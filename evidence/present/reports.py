"""Views of the clinical reports: the reports and cohorts of a page, patients by target and by
disease, the appraisal by domain, preclinical studies, and their charts (patients per report,
the timeline of reports and trials)."""
from __future__ import annotations

import altair as alt
import pandas as pd

from ..synthesis import counts, summary
from . import charts, tables
from . import html as h
from .views import followup, note, plain, view


@view
def studies_table(page, caption: str | None = None) -> h.Fragment:
    studies = page.studies.sort_values(["pub_date", "study_id"], na_position="first")
    studies = studies.assign(label=page.report_labels(studies))
    label = page.ev.label
    cols = [
        tables.Column("Report", lambda r: h.link(r["label"], r["source_url"])),
        tables.Column("Disease", lambda r: h.text(r["disease"])),
        tables.Column("Design", lambda r: h.text(label("designs", r["design"]))),
        tables.Column("Target", lambda r: h.text(r["target"])),
        tables.Column("Product", lambda r: h.text(r["product"])),
        tables.Column("Platform", lambda r: h.text(label("platforms", r["platform"]))),
        tables.Column("Treated", lambda r: h.count(r["n_treated"]), numeric=True),
        tables.Column("Follow-up (months)", lambda r: h.text(followup(r)), numeric=True),
        tables.Column("Registry", lambda r: h.text(r["registry_id"])),
        tables.Column("Source type", lambda r: h.text(label("source_types", r["source_type"]))),
        tables.Column("Appraisal", lambda r: h.text(label("appraisal_levels", r["appraisal"]))),
    ]
    if len(page.scope.diseases) == 1:
        cols.pop(1)
    caption = caption or f"Clinical reports ({page.where}), oldest first."
    return tables.render(studies, cols, f"studies-{page.scope.disease or 'all'}", caption)


@view
def appraisal_table(page) -> h.Fragment:
    """Each report's critical appraisal by domain, with the reasons (`evidence.present.appraisal`)."""
    from . import appraisal

    studies = page.studies.sort_values(["pub_date", "study_id"], na_position="first")
    return appraisal.table(page, page.report_labels(studies))


@view
def patients_by_target_table(page, caption: str | None = None) -> h.Fragment:
    """Patients treated per target, each cohort counted once (Methods: counting rule),
    with a last row for all targets together."""
    rows = summary.patients_by_target(page.studies)
    total = pd.DataFrame([{"target": "all", "patients": int(rows["patients"].sum()),
                           "cohorts": int(rows["cohorts"].sum()),
                           "cohorts_uncounted": int(rows["cohorts_uncounted"].sum()),
                           "cohorts_overlapping": int(rows["cohorts_overlapping"].sum()),
                           "reports": int(rows["reports"].sum())}])
    rows = pd.concat([rows.astype(object), total.astype(object)], ignore_index=True)

    def target(r) -> str:
        if pd.isna(r["target"]):  # before the comparison: NA has no truth value
            return "Not reported"
        if r["target"] == "all":
            return "<strong>All targets</strong>"
        return h.text(page.ev.label("targets", r["target"]))

    cols = [
        tables.Column("Target", target),
        # a group with a cohort that adds no patients has a lower bound, and says so
        tables.Column("Patients treated", lambda r: h.text(
            f"at least {r['patients']}" if r["cohorts_uncounted"] or r["cohorts_overlapping"]
            else r["patients"]), numeric=True),
        tables.Column("Cohorts", lambda r: h.text(r["cohorts"]), numeric=True),
        tables.Column("Cohorts without a patient count",
                      lambda r: h.text(r["cohorts_uncounted"]), numeric=True),
        tables.Column("Cohorts that may overlap another",
                      lambda r: h.text(r["cohorts_overlapping"]), numeric=True),
        tables.Column("Reports", lambda r: h.text(r["reports"]), numeric=True),
    ]
    caption = caption or (f"Patients treated by target ({page.where}), each "
                          "cohort counted once from its report with the most patients.")
    return tables.render(rows, cols, f"patients-by-target-{page.scope.disease or 'all'}",
                         caption)


@view
def patients_by_disease_table(page, caption: str | None = None) -> h.Fragment:
    """Per disease: reports, cohorts, patients (a lower bound where a cohort gives no
    count) and cohorts without a count; a last row for all diseases."""
    rows = counts.by_disease(page.studies)
    label = page.ev.label
    cols = [
        tables.Column("Disease", lambda r: "<strong>All diseases</strong>" if r["disease"] == "all"
                      else h.text(label("diseases", r["disease"]))),
        tables.Column("Reports", lambda r: h.text(r["reports"]), numeric=True),
        tables.Column("Cohorts", lambda r: h.text(r["cohorts"]), numeric=True),
        tables.Column("Patients treated", lambda r: h.text(r["patients"]), numeric=True),
        tables.Column("Cohorts without a patient count", lambda r: h.text(r["uncounted"]),
                      numeric=True),
        tables.Column("Cohorts that may overlap another", lambda r: h.text(r["overlapping"]),
                      numeric=True),
    ]
    caption = caption or ("Patients treated by disease, each cohort counted once; 'at least' "
                          "where a cohort gives no patient count or may overlap another.")
    return tables.render(rows, cols, "patients-by-disease", caption)


@view
def cohorts_table(page, caption: str | None = None) -> h.Fragment:
    """One row per cohort: the report whose count is used, how many reports describe the
    same patients, and what kinds of source they are."""
    cohorts = summary.cohort_summary(page.studies)
    studies = page.studies.set_index("study_id")
    counted = studies.loc[cohorts["counted_study_id"]].reset_index()
    cohorts = cohorts.assign(label=list(page.report_labels(counted)),
                             source_url=list(counted["source_url"]))
    label = page.ev.label
    cols = [
        tables.Column("Counted report", lambda r: h.link(r["label"], r["source_url"])),
        tables.Column("Target", lambda r: h.text(r["target"])),
        tables.Column("Patients in the cohort", lambda r: h.count(r["patients"]), numeric=True),
        tables.Column("Added to totals", lambda r: h.text(
            f"no: may include patients of {r['may_overlap']}" if pd.notna(r["may_overlap"])
            else "no: no count reported" if pd.isna(r["patients"]) else "yes")),
        tables.Column("Reports of these patients", lambda r: h.text(r["reports"]), numeric=True),
        tables.Column("Source types", lambda r: h.text(
            "; ".join(label("source_types", k) for k in r["source_types"]))),
    ]
    caption = caption or (f"Cohorts ({page.where}): reports that describe the "
                          "same patients are counted once.")
    return tables.render(cohorts, cols, f"cohorts-{page.scope.disease or 'all'}", caption)


@view
def preclinical_table(page, caption: str | None = None) -> h.Fragment:
    studies = page.table("preclinical").sort_values(["construct", "study_id"])
    studies = studies.assign(label=page.report_labels(studies))
    cols = [
        tables.Column("Study", lambda r: h.link(r["label"], r["source_url"])),
        tables.Column("Construct", lambda r: h.text(page.ev.label("constructs", r["construct"]))),
        tables.Column("Target", lambda r: h.text(r["target"])),
        tables.Column("Model", lambda r: h.text(r["model"])),
        tables.Column("Species", lambda r: h.text(r["species"])),
        tables.Column("Finding", lambda r: h.text(r["finding"])),
    ]
    caption = caption or "Animal and in-vitro studies, by construct."
    return tables.render(studies, cols, "preclinical", caption)


@view
def patients_chart(page) -> h.Fragment:
    if page.studies.empty:
        return note("No clinical report has been found for this page yet, so there is no chart.")
    if len(page.studies) > charts.DETAIL_LIMIT:
        return _patients_by_target_chart(page)
    studies = page.studies.assign(label=page.report_labels(page.studies))
    rows = pd.DataFrame({
        "label": studies["label"], "n_treated": studies["n_treated"].astype("float"),
        "target": studies["target"], "product": studies["product"],
        "design_label": studies["design"].map(lambda c: page.ev.label("designs", c)),
        "followup": studies.apply(followup, axis=1),
    })
    uncounted = int(rows["n_treated"].isna().sum())
    description = (f"Bar chart of patients treated per report ({page.where}); "
                   f"{len(rows)} reports, coloured by target; {uncounted} give no patient count.")
    chart = patients_by_report(plain(rows), list(page.ev.vocab("targets")["code"]))
    caption = ("Patients treated per report, coloured by CAR target. Reports of the same "
               "patients (one cohort) appear once each, so bars are not to be added up; "
               "a report that gives no patient count has no bar and reads \"no count "
               "reported\". Hover a bar for product, design and follow-up. Counted once per "
               f"cohort: {counts.PatientCount.of(page.studies).phrase}.")
    return charts.render(chart, f"patients-{page.scope.disease or 'all'}", description, caption)


@view
def timeline_chart(page) -> h.Fragment:
    """Clinical reports by year of publication and trials by year of registration."""
    kinds = ["Clinical reports", "Registered trials"]
    studies = page.studies.assign(label=page.report_labels(page.studies))
    items = [(kinds[0], str(d)[:4] if not pd.isna(d) else None, lab)
             for d, lab in zip(studies["pub_date"], studies["label"])]
    trials = page.trials.drop_duplicates("registry_id")
    registered = trials["registered_on"] if "registered_on" in trials else pd.Series(
        pd.NA, index=trials.index)
    items += [(kinds[1], summary.registration_year(d), rid)
              for d, rid in zip(registered, trials["registry_id"])]
    frame = pd.DataFrame(items, columns=["kind", "year", "item"])
    undated = frame[frame["year"].isna()]
    dated = frame.drop(undated.index)
    rows = dated.groupby(["year", "kind"]).agg(
        n=("item", "size"), items=("item", lambda s: "; ".join(sorted(s)))).reset_index()
    per_year = "; ".join(f"{kind.lower()}: " + (", ".join(
        f"{r.year} {r.n}" for r in rows[rows["kind"] == kind].itertuples()) or "none dated")
        for kind in kinds)
    missing = {k: int((undated["kind"] == k).sum()) for k in kinds}
    totals = {k: int((frame["kind"] == k).sum()) for k in kinds}
    description = (f"Bar chart of clinical reports by year of publication and registered trials "
                   f"by year of first registration. Per year, {per_year}. Without a recorded "
                   f"date (not shown): {missing[kinds[0]]} reports and {missing[kinds[1]]} trials.")
    caption = ("Clinical reports by year of publication and registered trials by year of first "
               "registration (first posted or registered), as read in each source. Not shown, "
               f"because no date was recorded: {missing[kinds[0]]} of {totals[kinds[0]]} reports "
               f"(many news items give none) and {missing[kinds[1]]} of {totals[kinds[1]]} "
               "trials (registration date not read on the registry record or a copy of it). "
               "Hover a bar for the reports or trials it counts.")
    chart = timeline(plain(rows), kinds)
    return charts.render(chart, "timeline", description, caption)


# aggregated forms, for pages with more reports or trials than one bar each can show
def _patients_by_target_chart(page) -> h.Fragment:
    grouped = summary.patients_treated(page.studies, by=["target", "design"])
    rows = pd.DataFrame({
        "target": grouped["target"],
        "design_label": grouped["design"].map(lambda c: page.ev.label("designs", c)),
        "patients": grouped["patients"].astype("float"),
        "cohorts": grouped["cohorts"].astype("float"),
        "cohorts_uncounted": grouped["cohorts_uncounted"].astype("float")})
    targets = list(page.ev.vocab("targets")["code"])
    description = (f"Bar chart of patients treated (each cohort counted once) per target, "
                   f"by design ({page.where}); {len(page.studies)} reports, "
                   f"summarised by target: {counts.PatientCount.of(page.studies).phrase}.")
    designs = [page.ev.label("designs", c) for c in page.ev.vocab("designs")["code"]]
    chart = patients_by_target(plain(rows), [t for t in targets if t in set(rows["target"])],
                                      designs)
    caption = ("Patients treated per target, each cohort counted once, stacked by design: "
               f"{counts.PatientCount.of(page.studies).phrase}; cohorts without a count add "
               "no length to a bar (hover a bar for how many).")
    return charts.render(chart, f"patients-{page.scope.disease or 'all'}", description, caption)


# -- chart specifications -------------------------------------------------------------------
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
        color=alt.Color("target:N", title="Target", scale=charts.colour_scale(targets)))
    missing = base.mark_text(align="left", dx=4, fontStyle="italic").encode(
        x=alt.X("shown:Q"), text=alt.Text("missing:N"))
    return alt.layer(bars, missing).properties(width="container", height=alt.Step(22))


def timeline(rows: pd.DataFrame, kinds: list[str]) -> alt.Chart:
    """Clinical reports by year of publication and registered trials by year of registration,
    side by side per year.

    `rows` needs columns year (text), kind, n, items (the reports or trials, for the tooltip)."""
    return alt.Chart(rows).mark_bar().encode(
        x=alt.X("year:O", title="Year", axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("kind:N", sort=kinds),
        y=alt.Y("n:Q", title="Number", axis=alt.Axis(tickMinStep=1)),
        color=alt.Color("kind:N", title=None, sort=kinds, scale=charts.colour_scale(kinds),
                        legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("year:O", title="Year"), alt.Tooltip("kind:N", title="What"),
                 alt.Tooltip("n:Q", title="Number"), alt.Tooltip("items:N", title="Which")],
    ).properties(width="container", height=240)


# -- aggregated forms, for pages with more than charts.DETAIL_LIMIT reports or trials ---------------
def patients_by_target(rows: pd.DataFrame, targets: list[str], designs: list[str]) -> alt.Chart:
    """Horizontal bars: patients treated per target (each cohort counted once), stacked by
    design. `rows` needs columns target, design_label, patients, cohorts, cohorts_uncounted."""
    return alt.Chart(rows).mark_bar().encode(
        x=alt.X("patients:Q", title="Patients treated (each cohort once)", stack="zero",
                axis=alt.Axis(tickMinStep=1)),
        y=alt.Y("target:N", title="Target", sort=targets),
        color=alt.Color("design_label:N", title="Design", scale=charts.colour_scale(designs)),
        tooltip=[alt.Tooltip("target:N", title="Target"), alt.Tooltip("design_label:N", title="Design"),
                 alt.Tooltip("patients:Q", title="Patients treated (at least)"),
                 alt.Tooltip("cohorts:Q", title="Cohorts"),
                 alt.Tooltip("cohorts_uncounted:Q", title="Cohorts without a count")],
    ).properties(width="container", height=alt.Step(28))
