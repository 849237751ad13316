"""What a chapter works with: its slice of the evidence, tables, charts and glued figures.

    import evidence
    mg = evidence.chapter("MG")       # one disease
    mg.glue_figures()                 # numbers for {glue:text}`n_patients` etc.
    mg.studies_table()
    mg.patients_chart()

Pages that show several diseases use `evidence.chapter()` (everything) or name their tables:
`evidence.chapter(tables=("trials", "trial-diseases"))`. The Sphinx extension reads these calls
to know what each page shows (see `scope`), so a page only sees the tables it declared.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from . import bib as bibmod
from . import charts, html as h, summary, tables
from .data import Evidence, load
from .scope import Scope, select


class OutOfScope(KeyError):
    pass


class Page:
    def __init__(self, scope: Scope, ev: Evidence):
        self.scope = scope
        self.ev = ev
        self._tables = select(ev, scope)

    # -- data ---------------------------------------------------------------------------------
    def table(self, name: str) -> pd.DataFrame:
        if name not in self._tables:
            raise OutOfScope(f"this page declared {self.scope.describe()}; "
                             f"add '{name}' to evidence.chapter(tables=...) to show it")
        return self._tables[name]

    @property
    def studies(self) -> pd.DataFrame:
        return self.table("studies")

    @property
    def trials(self) -> pd.DataFrame:
        return self.table("trials")

    @property
    def safety(self) -> pd.DataFrame:
        return self.table("safety")

    def figures(self) -> dict[str, int]:
        return summary.page_figures(self._tables)

    def glue_figures(self) -> dict[str, int]:
        """Glue this page's key figures (n_patients, n_reports, n_trials, ...) for the prose."""
        from myst_nb import glue

        figures = self.figures()
        for name, value in figures.items():
            glue(name, value, display=False)
        if "trials" in self._tables:
            # the registry ids as text ("none" if the page has no trial), for sentences that name them
            ids = sorted(self._tables["trials"]["registry_id"])
            glue("trial_ids", ", ".join(ids) if ids else "none", display=False)
        # the evidence cut-off date, from its one named place (data/datapackage.json)
        glue("evidence_cutoff", self.ev.cutoff, display=False)
        if "screening" in self._tables:
            first, last = summary.search_dates(self._tables["screening"])
            glue("search_first_date", first, display=False)
            glue("search_last_date", last, display=False)
            glue("search_dates", f"on {first}" if first == last else f"between {first} and {last}",
                 display=False)
        return figures

    def report_labels(self, frame: pd.DataFrame) -> pd.Series:
        """'Fischbach et al. 2024' from refs.bib; the study_id is added when a label repeats."""
        bib = bibmod.load(self.ev.root)
        labels = frame["bibkey"].map(lambda key: bibmod.short_label(bib, key))
        repeated = labels.duplicated(keep=False)
        return labels.where(~repeated, labels + " (" + frame["study_id"] + ")")

    # -- tables -------------------------------------------------------------------------------
    def studies_table(self, caption: str | None = None) -> h.Fragment:
        studies = self.studies.sort_values(["pub_date", "study_id"], na_position="first")
        studies = studies.assign(label=self.report_labels(studies))
        label = self.ev.label
        cols = [
            tables.Column("Report", lambda r: h.link(r["label"], r["source_url"])),
            tables.Column("Disease", lambda r: h.text(r["disease"])),
            tables.Column("Design", lambda r: h.text(label("designs", r["design"]))),
            tables.Column("Target", lambda r: h.text(r["target"])),
            tables.Column("Product", lambda r: h.text(r["product"])),
            tables.Column("Platform", lambda r: h.text(label("platforms", r["platform"]))),
            tables.Column("Treated", lambda r: h.text(r["n_treated"]), numeric=True),
            tables.Column("Follow-up (months)", lambda r: h.text(_followup(r)), numeric=True),
            tables.Column("Registry", lambda r: h.text(r["registry_id"])),
            tables.Column("Source type", lambda r: h.text(label("source_types", r["source_type"]))),
            tables.Column("Appraisal", lambda r: h.text(label("appraisal_levels", r["appraisal"]))),
        ]
        if self.scope.disease:
            cols.pop(1)
        caption = caption or f"Clinical reports ({self.scope.describe()}), oldest first."
        return tables.render(studies, cols, f"studies-{self.scope.disease or 'all'}", caption)

    def patients_by_target_table(self, caption: str | None = None) -> h.Fragment:
        """Patients treated per target, each cohort counted once (Methods: counting rule),
        with a last row for all targets together."""
        rows = summary.patients_by_target(self.studies)
        total = pd.DataFrame([{"target": "all", "patients": int(rows["patients"].sum()),
                               "cohorts": int(rows["cohorts"].sum()),
                               "cohorts_uncounted": int(rows["cohorts_uncounted"].sum()),
                               "reports": int(rows["reports"].sum())}])
        rows = pd.concat([rows.astype(object), total.astype(object)], ignore_index=True)

        def target(r) -> str:
            if r["target"] == "all":
                return "<strong>All targets</strong>"
            if pd.isna(r["target"]):
                return "Not reported"
            return h.text(self.ev.label("targets", r["target"]))

        cols = [
            tables.Column("Target", target),
            tables.Column("Patients treated", lambda r: h.text(r["patients"]), numeric=True),
            tables.Column("Cohorts", lambda r: h.text(r["cohorts"]), numeric=True),
            tables.Column("Cohorts without a patient count",
                          lambda r: h.text(r["cohorts_uncounted"]), numeric=True),
            tables.Column("Reports", lambda r: h.text(r["reports"]), numeric=True),
        ]
        caption = caption or (f"Patients treated by target ({self.scope.describe()}), each "
                              "cohort counted once from its most recent report with a count.")
        return tables.render(rows, cols, f"patients-by-target-{self.scope.disease or 'all'}",
                             caption)

    def cohorts_table(self, caption: str | None = None) -> h.Fragment:
        """One row per cohort: the report whose count is used, how many reports describe the
        same patients, and what kinds of source they are."""
        cohorts = summary.cohort_summary(self.studies)
        studies = self.studies.set_index("study_id")
        counted = studies.loc[cohorts["counted_study_id"]].reset_index()
        cohorts = cohorts.assign(label=list(self.report_labels(counted)),
                                 source_url=list(counted["source_url"]))
        label = self.ev.label
        cols = [
            tables.Column("Counted report", lambda r: h.link(r["label"], r["source_url"])),
            tables.Column("Target", lambda r: h.text(r["target"])),
            tables.Column("Patients counted", lambda r: h.text(r["patients"]), numeric=True),
            tables.Column("Reports of these patients", lambda r: h.text(r["reports"]), numeric=True),
            tables.Column("Source types", lambda r: h.text(
                "; ".join(label("source_types", k) for k in r["source_types"]))),
        ]
        caption = caption or (f"Cohorts ({self.scope.describe()}): reports that describe the "
                              "same patients are counted once.")
        return tables.render(cohorts, cols, f"cohorts-{self.scope.disease or 'all'}", caption)

    def trials_table(self, caption: str | None = None) -> h.Fragment:
        trials = self.trials.sort_values("registry_id")
        diseases = self.table("trial-diseases").groupby("registry_id")["disease"] \
            .agg(lambda s: ", ".join(sorted(s)))
        trials = trials.assign(diseases=trials["registry_id"].map(diseases))
        label = self.ev.label
        cols = [
            tables.Column("Registry id", lambda r: h.link(r["registry_id"], r["source_url"])),
            tables.Column("Title", lambda r: h.text(r["title"])),
            tables.Column("Diseases", lambda r: h.text(r["diseases"])),
            tables.Column("Target", lambda r: h.text(r["target"])),
            tables.Column("Product", lambda r: h.text(r["product"])),
            tables.Column("Phase", lambda r: h.text(label("phases", r["phase"]))),
            tables.Column("Status", lambda r: h.text(label("statuses", r["status"]))),
            tables.Column("Enrolment", lambda r: h.text(r["enrollment"]), numeric=True),
            tables.Column("Status as of", lambda r: h.text(r["status_as_of"])),
        ]
        caption = caption or "Registered trials, by registry id."
        return tables.render(trials, cols, f"trials-{self.scope.disease or 'all'}", caption)

    def trials_by_disease_table(self, caption: str | None = None) -> h.Fragment:
        """Registered trials per disease: all, open to enrolment, and phase 2 or later (a
        basket trial counts in each of its diseases, so the rows do not add up)."""
        rows = summary.trials_by_disease(self.trials, self.table("trial-diseases"))
        cols = [
            tables.Column("Disease", lambda r: h.text(self.ev.label("diseases", r["disease"]))),
            tables.Column("Registered trials", lambda r: h.text(r["trials"]), numeric=True),
            tables.Column("Open to enrolment", lambda r: h.text(r["open"]), numeric=True),
            tables.Column("Phase 2 or later", lambda r: h.text(r["phase2_or_later"]), numeric=True),
        ]
        caption = caption or ("Registered trials by disease, with the status read on each "
                              "record's date; a basket trial counts once in each of its diseases.")
        return tables.render(rows, cols, f"trials-by-disease-{self.scope.disease or 'all'}", caption)

    def trials_by_table(self, column: str, caption: str | None = None) -> h.Fragment:
        """Registered trials per target, phase or status (each trial once; not reported last)."""
        vocab = {"target": "targets", "phase": "phases", "status": "statuses",
                 "platform": "platforms"}[column]
        order = list(self.ev.vocab(vocab)["code"])
        rows = summary.trials_by(self.trials, column, order)
        headers = {"target": "Target", "phase": "Phase", "status": "Recruitment status",
                   "platform": "Platform"}

        def value(r) -> str:
            if pd.isna(r[column]):
                return "Not reported in the record read"
            return h.text(self.ev.label(vocab, r[column]))

        cols = [tables.Column(headers[column], value),
                tables.Column("Registered trials", lambda r: h.text(r["trials"]), numeric=True)]
        caption = caption or (f"Registered trials by {headers[column].lower()} "
                              f"({self.scope.describe()}), each trial counted once.")
        return tables.render(rows, cols, f"trials-by-{column}-{self.scope.disease or 'all'}",
                             caption)

    def outcomes_table(self, caption: str | None = None) -> h.Fragment:
        """The reported efficacy results of this page's reports, one row per number as read,
        with where in the source it stands; described, never pooled."""
        rows = self.table("outcomes").merge(
            self.studies[["study_id", "bibkey", "source_url", "pub_date"]], on="study_id",
            how="left")
        rows = rows.sort_values(["pub_date", "study_id", "outcome", "timepoint_months",
                                 "outcome_id"], na_position="first").reset_index(drop=True)
        # label each report once (a report gives several rows; the study_id is added only
        # when two different reports share a label)
        labels = dict(zip(self.studies["study_id"], self.report_labels(self.studies)))
        rows = rows.assign(label=rows["study_id"].map(labels))
        label = self.ev.label
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
        caption = caption or (f"Reported efficacy results ({self.scope.describe()}), as read in "
                              "each source; not pooled.")
        return tables.render(rows, cols, f"outcomes-{self.scope.disease or 'all'}", caption)

    def safety_table(self, caption: str | None = None) -> h.Fragment:
        rows = self._safety_rows()
        cols = [
            tables.Column("Report", lambda r: h.link(r["label"], r["source_url"])),
            tables.Column("Event", lambda r: h.text(r["event_label"])),
            tables.Column("Grade", lambda r: h.text(r["grade_label"])),
            tables.Column("Scale", lambda r: h.text(r["scale"])),
            tables.Column("Patients", lambda r: h.text(r["n_patients"]), numeric=True),
            tables.Column("Evaluated", lambda r: h.text(r["n_evaluated"]), numeric=True),
            tables.Column("Where in source", lambda r: h.text(r["locator"])),
        ]
        caption = caption or "Reported adverse events by grade."
        return tables.render(rows, cols, f"safety-{self.scope.disease or 'all'}", caption)

    def oncology_comparators_table(self, caption: str | None = None) -> h.Fragment:
        """Adverse-event rates of licensed CAR T-cell products in cancer, one row per
        product x event x grade, with the source each was read in."""
        rows = self.table("oncology-comparators").sort_values(
            ["target", "product", "event", "grade", "comparator_id"])
        bib = bibmod.load(self.ev.root)  # one source gives several rows: labels may repeat
        rows = rows.assign(label=rows["bibkey"].map(lambda key: bibmod.short_label(bib, key)))
        label = self.ev.label

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

    def preclinical_table(self, caption: str | None = None) -> h.Fragment:
        studies = self.table("preclinical").sort_values(["construct", "study_id"])
        studies = studies.assign(label=self.report_labels(studies))
        cols = [
            tables.Column("Study", lambda r: h.link(r["label"], r["source_url"])),
            tables.Column("Construct", lambda r: h.text(self.ev.label("constructs", r["construct"]))),
            tables.Column("Target", lambda r: h.text(r["target"])),
            tables.Column("Model", lambda r: h.text(r["model"])),
            tables.Column("Species", lambda r: h.text(r["species"])),
            tables.Column("Finding", lambda r: h.text(r["finding"])),
        ]
        caption = caption or "Animal and in-vitro studies, by construct."
        return tables.render(studies, cols, "preclinical", caption)

    def screening_flow_table(self) -> h.Fragment:
        """The PRISMA-style flow of records, counted from the screening log."""
        flow = summary.screening_flow(self.table("screening"), self._tables.get("studies"))
        label = self.ev.label
        steps = [("Records found by the searches", flow["n_records"], 0),
                 ("Duplicates removed", flow["n_duplicates"], 1),
                 ("Records screened", flow["n_screened"], 0),
                 ("Records excluded", flow["n_excluded"], 1)]
        steps += [(label("exclusion_reasons", code), n, 2)
                  for code, n in flow["excluded_by_reason"].items()]
        steps += [("Records included", flow["n_included"], 0),
                  ("Clinical reports (records)", flow["n_included_clinical"], 1),
                  ("Preclinical studies (records)", flow["n_included_preclinical"], 1),
                  ("Trial registry records", flow["n_included_trial_records"], 1),
                  ("Background sources", flow["n_included_background"], 1)]
        frame = pd.DataFrame(steps, columns=["step", "records", "level"])
        cols = [tables.Column("Step", lambda r: f'<span class="flow-level-{int(r["level"])}">'
                                                f'{h.text(r["step"])}</span>'),
                tables.Column("Records", lambda r: h.text(r["records"]), numeric=True)]
        return tables.render(frame, cols, "screening-flow",
                             "Flow of records through the search (PRISMA-style), from data/screening.csv.")

    # -- charts -------------------------------------------------------------------------------
    def patients_chart(self) -> h.Fragment:
        studies = self.studies.assign(label=self.report_labels(self.studies))
        rows = pd.DataFrame({
            "label": studies["label"], "n_treated": studies["n_treated"].astype("float"),
            "target": studies["target"], "product": studies["product"],
            "design_label": studies["design"].map(lambda c: self.ev.label("designs", c)),
            "followup": studies.apply(_followup, axis=1),
        })
        description = (f"Bar chart of patients treated per report ({self.scope.describe()}); "
                       f"{len(rows)} reports, coloured by target.")
        chart = charts.patients_by_report(_plain(rows), list(self.ev.vocab("targets")["code"]))
        return charts.render(chart, f"patients-{self.scope.disease or 'all'}", description)

    def crs_icans_chart(self) -> h.Fragment:
        rows = self._safety_rows()
        rows = rows[rows["event"].isin(["crs", "icans"]) & (rows["grade"] != "any")]
        grades = [self.ev.label("grades", g) for g in self.ev.vocab("grades")["code"] if g != "any"]
        description = (f"Stacked bar chart of patients with CRS or ICANS by grade per report "
                       f"({self.scope.describe()}); {rows['study_id'].nunique()} reports with graded events.")
        chart = charts.events_by_grade(_plain(rows[["label", "event_label", "grade", "grade_label",
                                                    "n_patients", "n_evaluated"]]), grades)
        return charts.render(chart, f"crs-icans-{self.scope.disease or 'all'}", description)

    def trials_chart(self) -> h.Fragment:
        trials = self.trials
        rows = pd.DataFrame({
            "registry_id": trials["registry_id"], "title": trials["title"], "target": trials["target"],
            "enrollment": trials["enrollment"].astype("float"),
            "phase_label": trials["phase"].map(lambda c: self.ev.label("phases", c)),
            "status_label": trials["status"].map(lambda c: self.ev.label("statuses", c)),
        })
        statuses = [self.ev.label("statuses", c) for c in self.ev.vocab("statuses")["code"]]
        description = (f"Bar chart of {len(rows)} registered trials ({self.scope.describe()}) "
                       f"by phase, coloured by recruitment status.")
        chart = charts.trials_by_phase(_plain(rows), statuses)
        return charts.render(chart, f"trials-{self.scope.disease or 'all'}", description)

    # -- releases -----------------------------------------------------------------------------
    def whats_new(self) -> h.Fragment:
        """What changed in each release and since the last one, from the release snapshots
        (releases/*.json) and the current data; corrections are listed as errata."""
        from . import changes

        return changes.render(self.ev.root)

    # -- documentation ------------------------------------------------------------------------
    def data_dictionary(self, group: str) -> h.Fragment:
        """The columns of every evidence table ("tables") or the codes of every vocabulary
        ("vocabularies"), from data/datapackage.json."""
        from .dictionary import dictionary

        return dictionary(self.ev, group)

    # -- helpers ------------------------------------------------------------------------------
    def _safety_rows(self) -> pd.DataFrame:
        safety = self.safety.merge(self.studies[["study_id", "bibkey", "source_url", "pub_date"]],
                                   on="study_id", how="left")
        safety = safety.assign(
            label=self.report_labels(safety),
            event_label=safety["event"].map(lambda c: self.ev.label("events", c)),
            grade_label=safety["grade"].map(lambda c: self.ev.label("grades", c)))
        return safety.sort_values(["pub_date", "study_id", "event", "grade"]).reset_index(drop=True)


def _followup(row) -> str:
    months = row["followup_months"]
    if pd.isna(months):
        return ""
    value = f"{float(months):g}"
    return value if pd.isna(row["followup_stat"]) else f"{value} ({row['followup_stat']})"


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


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Nullable pandas dtypes as plain objects/floats, which altair serialises to JSON."""
    return frame.astype(object).map(lambda value: None if pd.isna(value) else value)


def chapter(disease: str | None = None, *, tables: tuple[str, ...] | None = None,
            root: Path | None = None) -> Page:
    """The evidence a page shows: one disease (`chapter("MG")`), some tables, or everything."""
    ev = load(root)
    if disease is not None and disease not in set(ev.vocab("diseases")["code"]):
        raise ValueError(f"unknown disease code {disease!r}; see data/vocab/diseases.csv")
    return Page(Scope(disease=disease, tables=tables), ev)
