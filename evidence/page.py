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
from . import counts, html as h, summary, tables
from .data import Evidence, load
from .scope import Scope, select


# The glue names the page's text uses, set by a hidden first cell that the book's Sphinx
# extension adds (_ext/evidence_book.py). None outside a book build (a console, a notebook
# opened by hand): every figure is glued then.
GLUE_NAMES: frozenset[str] | None = None


class OutOfScope(KeyError):
    pass


class Page:
    def __init__(self, scope: Scope, ev: Evidence):
        self.scope = scope
        self.ev = ev
        self._tables = select(ev, scope)

    @property
    def where(self) -> str:
        """The page's scope in a reader's words, for captions: "Myasthenia gravis" or "all diseases"."""
        if not self.scope.diseases:
            return "all diseases"
        # labels as the vocabulary spells them: eponyms (Lambert-Eaton) keep their capitals
        names = [self.ev.label("diseases", code) for code in self.scope.diseases]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]

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

    def figures(self) -> dict[str, int | str]:
        figures = summary.page_figures(self._tables)
        studies = self._tables.get("studies")
        if studies is not None and "n_treated" in studies:  # totals in words, never a silent undercount
            figures.update(counts.count_figures(studies, by_disease="disease" in studies))
        if "audit" in self._tables:
            from . import audit

            figures.update(audit.figures(self._tables["audit"]))
        return figures

    def glue_figures(self) -> dict[str, int]:
        """Glue this page's key figures (n_patients, n_reports, n_trials, ...) for the prose:
        in a book build, those the page's text uses (GLUE_NAMES); otherwise all of them."""
        from myst_nb import glue

        def put(name: str, value) -> None:
            if GLUE_NAMES is None or name in GLUE_NAMES:
                glue(name, value, display=False)

        figures = self.figures()
        for name, value in figures.items():
            put(name, value)
        if "trials" in self._tables:
            # the registry ids as text ("none" if the page has no trial), for sentences that name them
            ids = sorted(self._tables["trials"]["registry_id"])
            put("trial_ids", ", ".join(ids) if ids else "none")
        # the evidence cut-off date, from its one named place (data/datapackage.json)
        put("evidence_cutoff", self.ev.cutoff)
        if "screening" in self._tables:
            first, last = summary.search_dates(self._tables["screening"])
            put("search_first_date", first)
            put("search_last_date", last)
            put("search_dates", f"on {first}" if first == last else f"between {first} and {last}")
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
            tables.Column("Treated", lambda r: h.count(r["n_treated"]), numeric=True),
            tables.Column("Follow-up (months)", lambda r: h.text(_followup(r)), numeric=True),
            tables.Column("Registry", lambda r: h.text(r["registry_id"])),
            tables.Column("Source type", lambda r: h.text(label("source_types", r["source_type"]))),
            tables.Column("Appraisal", lambda r: h.text(label("appraisal_levels", r["appraisal"]))),
        ]
        if len(self.scope.diseases) == 1:
            cols.pop(1)
        caption = caption or f"Clinical reports ({self.where}), oldest first."
        return tables.render(studies, cols, f"studies-{self.scope.disease or 'all'}", caption)

    def appraisal_table(self) -> h.Fragment:
        """Each report's critical appraisal by domain, with the reasons (`evidence.appraisal`)."""
        from . import appraisal

        studies = self.studies.sort_values(["pub_date", "study_id"], na_position="first")
        return appraisal.table(self, self.report_labels(studies))

    def patients_by_target_table(self, caption: str | None = None) -> h.Fragment:
        """Patients treated per target, each cohort counted once (Methods: counting rule),
        with a last row for all targets together."""
        rows = summary.patients_by_target(self.studies)
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
            return h.text(self.ev.label("targets", r["target"]))

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
        caption = caption or (f"Patients treated by target ({self.where}), each "
                              "cohort counted once from its report with the most patients.")
        return tables.render(rows, cols, f"patients-by-target-{self.scope.disease or 'all'}",
                             caption)

    def patients_by_disease_table(self, caption: str | None = None) -> h.Fragment:
        """Per disease: reports, cohorts, patients (a lower bound where a cohort gives no
        count) and cohorts without a count; a last row for all diseases."""
        rows = counts.by_disease(self.studies)
        label = self.ev.label
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

    def summary_of_findings(self) -> h.Fragment:
        """What a clinician can take from the page: the evidence base, then each key outcome as
        patients with the outcome over patients with data, exact interval and certainty."""
        from . import sof

        return sof.page_summary(self)

    def summary_of_findings_by_disease(self, kind: str | None = None) -> h.Fragment:
        """The key outcomes of every disease group side by side, or only the benefits or the
        harms (`kind="benefit"` or `"harm"`; see `evidence.sof`)."""
        from . import sof

        return sof.by_disease(self, kind)

    def safety_forest_chart(self) -> h.Fragment:
        """CRS and ICANS per cohort with exact intervals over the oncology comparators."""
        from . import sof

        return sof.forest_chart(self)

    def certainty_judgements(self) -> h.Fragment:
        """The GRADE judgements behind the page's certainty ratings, with their reasons."""
        from . import sof

        return sof.judgements(self)

    def audit_summary_table(self) -> h.Fragment:
        from . import audit

        return audit.summary_table(self.ev, self.table("audit"))

    def audit_cases_table(self) -> h.Fragment:
        from . import audit

        return audit.cases_table(self.ev, self.table("audit"), self.studies)

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
            tables.Column("Patients in the cohort", lambda r: h.count(r["patients"]), numeric=True),
            tables.Column("Added to totals", lambda r: h.text(
                f"no: may include patients of {r['may_overlap']}" if pd.notna(r["may_overlap"])
                else "no: no count reported" if pd.isna(r["patients"]) else "yes")),
            tables.Column("Reports of these patients", lambda r: h.text(r["reports"]), numeric=True),
            tables.Column("Source types", lambda r: h.text(
                "; ".join(label("source_types", k) for k in r["source_types"]))),
        ]
        caption = caption or (f"Cohorts ({self.where}): reports that describe the "
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
            tables.Column("Registered", lambda r: h.text(r.get("registered_on"))),
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
                              f"({self.where}), each trial counted once.")
        return tables.render(rows, cols, f"trials-by-{column}-{self.scope.disease or 'all'}",
                             caption)

    def trials_by_year_table(self, caption: str | None = None) -> h.Fragment:
        """Registered trials per year of first registration (first posted or registered, as
        read on the registry record or a copy of it), oldest first; trials without a date read
        are counted in a last row, never guessed into a year."""
        rows, undated = summary.trials_by_year(self.trials)
        rows = rows.astype(object)
        if undated:
            rows = pd.concat([rows, pd.DataFrame([{"year": None, "trials": undated,
                                                   "registry_ids": ""}])], ignore_index=True)

        def year(r) -> str:
            return "No registration date read" if r["year"] is None else h.text(r["year"])

        cols = [tables.Column("Year registered", year),
                tables.Column("Registered trials", lambda r: h.text(r["trials"]), numeric=True),
                tables.Column("Registry ids", lambda r: h.text(r["registry_ids"]))]
        caption = caption or (f"Registered trials by year of first registration "
                              f"({self.where}), each trial counted once; the last row "
                              "counts the trials whose registration date was not read.")
        return tables.render(rows, cols, f"trials-by-year-{self.scope.disease or 'all'}", caption)

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
        caption = caption or (f"Reported efficacy results ({self.where}), as read in "
                              "each source; not pooled.")
        return tables.render(rows, cols, f"outcomes-{self.scope.disease or 'all'}", caption)

    def safety_table(self, caption: str | None = None) -> h.Fragment:
        rows = self._safety_rows()
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

    def screening_flow_by_version_table(self) -> h.Fragment:
        """The flow of records per version of the review (`evidence.lsr`)."""
        from . import lsr

        return lsr.flow_table(self)

    # -- charts -------------------------------------------------------------------------------
    def patients_chart(self) -> h.Fragment:
        from . import charts  # altair: imported by pages that draw a chart

        if self.studies.empty:
            return _note("No clinical report has been found for this page yet, so there is no chart.")
        if len(self.studies) > charts.DETAIL_LIMIT:
            return self._patients_by_target_chart()
        studies = self.studies.assign(label=self.report_labels(self.studies))
        rows = pd.DataFrame({
            "label": studies["label"], "n_treated": studies["n_treated"].astype("float"),
            "target": studies["target"], "product": studies["product"],
            "design_label": studies["design"].map(lambda c: self.ev.label("designs", c)),
            "followup": studies.apply(_followup, axis=1),
        })
        uncounted = int(rows["n_treated"].isna().sum())
        description = (f"Bar chart of patients treated per report ({self.where}); "
                       f"{len(rows)} reports, coloured by target; {uncounted} give no patient count.")
        chart = charts.patients_by_report(_plain(rows), list(self.ev.vocab("targets")["code"]))
        caption = ("Patients treated per report, coloured by CAR target. Reports of the same "
                   "patients (one cohort) appear once each, so bars are not to be added up; "
                   "a report that gives no patient count has no bar and reads \"no count "
                   "reported\". Hover a bar for product, design and follow-up. Counted once per "
                   f"cohort: {counts.PatientCount.of(self.studies).phrase}.")
        return charts.render(chart, f"patients-{self.scope.disease or 'all'}", description, caption)

    def crs_icans_chart(self) -> h.Fragment:
        from . import charts  # altair: imported by pages that draw a chart

        rows = self._safety_rows()
        rows = rows[rows["event"].isin(["crs", "icans"]) & (rows["grade"] != "any")]
        if rows.empty:
            return _note("No report on this page grades CRS or ICANS, so there is no chart; what "
                         "was reported is in the safety table.")
        if not (rows["n_patients"].fillna(0) > 0).any():  # all bars would have length zero
            return _note("At the specific grades reported (for example grade 3 or higher), no "
                         "report on this page records a patient with CRS or ICANS, so there is no "
                         "bar to draw. Events counted at any grade, and every number with the "
                         "patients evaluated, are in the safety table.")
        grades = [self.ev.label("grades", g) for g in self.ev.vocab("grades")["code"] if g != "any"]
        if rows["study_id"].nunique() > charts.DETAIL_LIMIT:
            return self._reports_by_grade_chart(rows, grades)
        description = (f"Stacked bar chart of patients with CRS or ICANS by grade per report "
                       f"({self.where}); {rows['study_id'].nunique()} reports with graded events.")
        chart = charts.events_by_grade(_plain(rows[["label", "event_label", "grade", "grade_label",
                                                    "n_patients", "n_evaluated"]]), grades)
        caption = ("Patients with CRS or ICANS per report, stacked by grade, as each source "
                   "graded them; reports that give only 'any grade' are in the table below.")
        return charts.render(chart, f"crs-icans-{self.scope.disease or 'all'}", description, caption)

    def trials_chart(self) -> h.Fragment:
        from . import charts  # altair: imported by pages that draw a chart

        trials = self.trials
        if trials.empty:
            return _note("No registered trial has been found for this page yet, so there is no chart.")
        if len(trials) > charts.DETAIL_LIMIT:
            return self._trials_by_phase_count_chart()
        rows = pd.DataFrame({
            "registry_id": trials["registry_id"], "title": trials["title"], "target": trials["target"],
            "enrollment": trials["enrollment"].astype("float"),
            "phase_label": trials["phase"].map(lambda c: self.ev.label("phases", c)),
            "status_label": trials["status"].map(lambda c: self.ev.label("statuses", c)),
        })
        statuses = [self.ev.label("statuses", c) for c in self.ev.vocab("statuses")["code"]]
        description = (f"Bar chart of {len(rows)} registered trials ({self.where}) "
                       f"by phase, coloured by recruitment status.")
        chart = charts.trials_by_phase(_plain(rows), statuses)
        caption = ("Registered trials per phase, coloured by recruitment status as shown on the "
                   "registry record on the date it was read; hover a bar for the trials.")
        return charts.render(chart, f"trials-{self.scope.disease or 'all'}", description, caption)

    def outcomes_chart(self) -> h.Fragment:
        """Outcomes against months after infusion, per report (and patient), as reported."""
        from . import charts  # altair: imported by pages that draw a chart

        scores, shares, unplotted = self._outcome_series()
        where = self.where
        if scores.empty and shares.empty:
            reason = ("No outcome has been recorded for these reports yet."
                      if self.table("outcomes").empty else
                      "No outcome of these reports has both a comparable measure (a change in a "
                      "clinical score, or a count of evaluated patients) and a time after "
                      "infusion, so there is nothing to plot; every reported outcome is in the "
                      "table below.")
            return _note(reason)
        n_reports = pd.concat([scores["study_id"], shares["study_id"]]).nunique()
        measures = [self.ev.label("outcomes", c) for c in self.ev.vocab("outcomes")["code"]]
        if n_reports > charts.DETAIL_LIMIT:
            return self._outcome_spread_chart(scores, shares, measures, n_reports, unplotted)
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
        chart = charts.outcome_trajectories(_plain(scores[columns]), _plain(shares[columns]), measures)
        return charts.render(chart, f"outcomes-{self.scope.disease or 'all'}", description, caption)

    def safety_overview_chart(self) -> h.Fragment:
        """CRS and ICANS by grade across diseases: one cell per report, event and grade."""
        from . import charts  # altair: imported by pages that draw a chart

        rows = self._safety_rows()
        rows = rows[rows["event"].isin(["crs", "icans"])].merge(
            self.studies[["study_id", "disease"]], on="study_id", how="left")
        diseases = list(self.ev.vocab("diseases")["code"])
        grades = list(self.ev.vocab("grades")["code"])
        short = {"any": "any"} | {g: g.replace(">=", "\u2265") for g in grades if g != "any"}
        rows = rows.assign(
            disease_label=rows["disease"].map(lambda c: self.ev.label("diseases", c)),
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
            labels = [self.ev.label("diseases", c) for c in diseases]
            return self._safety_reports_chart(rows, columns, labels)
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
        chart = charts.safety_grid(_plain(rows[keep]), columns)
        return charts.render(chart, f"safety-overview-{self.scope.disease or 'all'}", description, caption)

    def timeline_chart(self) -> h.Fragment:
        """Clinical reports by year of publication and trials by year of registration."""
        from . import charts  # altair: imported by pages that draw a chart

        kinds = ["Clinical reports", "Registered trials"]
        studies = self.studies.assign(label=self.report_labels(self.studies))
        items = [(kinds[0], str(d)[:4] if not pd.isna(d) else None, lab)
                 for d, lab in zip(studies["pub_date"], studies["label"])]
        trials = self.trials.drop_duplicates("registry_id")
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
        chart = charts.timeline(_plain(rows), kinds)
        return charts.render(chart, "timeline", description, caption)

    # -- explorer -----------------------------------------------------------------------------
    def explorer_studies(self) -> h.Fragment:
        """Every clinical report, to search, filter and sort; rows anchored as #study-<id>."""
        from . import explorer

        return explorer.studies(self.ev, self.studies, self.report_labels(self.studies),
                                explorer.repository_url(self.ev.root), _followup,
                                self.table("appraisal"))

    def explorer_trials(self) -> h.Fragment:
        """Every registered trial, to search, filter and sort; rows anchored as #trial-<id>."""
        from . import explorer

        return explorer.trials(self.ev, self.trials, self.table("trial-diseases"), self.studies,
                               explorer.repository_url(self.ev.root))

    # aggregated forms, for pages with more reports or trials than one bar each can show
    def _patients_by_target_chart(self) -> h.Fragment:
        from . import charts  # altair: imported by pages that draw a chart

        grouped = summary.patients_treated(self.studies, by=["target", "design"])
        rows = pd.DataFrame({
            "target": grouped["target"],
            "design_label": grouped["design"].map(lambda c: self.ev.label("designs", c)),
            "patients": grouped["patients"].astype("float"),
            "cohorts": grouped["cohorts"].astype("float"),
            "cohorts_uncounted": grouped["cohorts_uncounted"].astype("float")})
        targets = list(self.ev.vocab("targets")["code"])
        description = (f"Bar chart of patients treated (each cohort counted once) per target, "
                       f"by design ({self.where}); {len(self.studies)} reports, "
                       f"summarised by target: {counts.PatientCount.of(self.studies).phrase}.")
        designs = [self.ev.label("designs", c) for c in self.ev.vocab("designs")["code"]]
        chart = charts.patients_by_target(_plain(rows), [t for t in targets if t in set(rows["target"])],
                                          designs)
        caption = ("Patients treated per target, each cohort counted once, stacked by design: "
                   f"{counts.PatientCount.of(self.studies).phrase}; cohorts without a count add "
                   "no length to a bar (hover a bar for how many).")
        return charts.render(chart, f"patients-{self.scope.disease or 'all'}", description, caption)

    def _reports_by_grade_chart(self, rows: pd.DataFrame, grades: list[str]) -> h.Fragment:
        from . import charts  # altair: imported by pages that draw a chart

        counts = summary.reports_with_event(rows, ["event_label", "grade_label"])
        counts = counts[counts["reports_with_event"] > 0]
        description = (f"Bar chart of reports recording CRS or ICANS at each grade "
                       f"({self.where}); {rows['study_id'].nunique()} reports with graded "
                       f"events, summarised by grade; patients are not added up across reports.")
        chart = charts.reports_by_grade(_plain(counts), grades)
        return charts.render(chart, f"crs-icans-{self.scope.disease or 'all'}", description)

    def _trials_by_phase_count_chart(self) -> h.Fragment:
        from . import charts  # altair: imported by pages that draw a chart

        trials = self.trials
        rows = pd.DataFrame({
            "phase_label": trials["phase"].map(lambda c: self.ev.label("phases", c)),
            "status_label": trials["status"].map(lambda c: self.ev.label("statuses", c))})
        counts = rows.groupby(["phase_label", "status_label"], sort=True, dropna=False) \
            .size().rename("trials").astype("float").reset_index()
        statuses = [self.ev.label("statuses", c) for c in self.ev.vocab("statuses")["code"]]
        description = (f"Bar chart of {len(trials)} registered trials ({self.where}) "
                       f"by phase, coloured by recruitment status.")
        chart = charts.trials_by_phase_count(_plain(counts), statuses)
        return charts.render(chart, f"trials-{self.scope.disease or 'all'}", description)

    def _outcome_spread_chart(self, scores: pd.DataFrame, shares: pd.DataFrame, measures: list[str],
                              n_reports: int, unplotted: int) -> h.Fragment:
        from . import charts  # altair: imported by pages that draw a chart

        windows = [label for _, _, label in summary.OUTCOME_WINDOWS]
        by = ["measure", "window"]
        spreads = [summary.value_spread(frame.assign(window=frame["months"].map(summary.outcome_window)), by)
                   for frame in (scores, shares)]
        description = (f"Chart of the spread of reported outcomes by months after infusion "
                       f"({self.where}): {len(scores)} score changes and {len(shares)} "
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
        chart = charts.outcome_spreads(*(_plain(frame) for frame in spreads), measures, windows)
        return charts.render(chart, f"outcomes-{self.scope.disease or 'all'}", description, caption)

    def _safety_reports_chart(self, rows: pd.DataFrame, columns: list[str],
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
        chart = charts.safety_report_grid(_plain(counts), columns,
                                          [d for d in diseases if d in set(counts["disease_label"])])
        return charts.render(chart, f"safety-overview-{self.scope.disease or 'all'}", description, caption)

    # -- documentation ------------------------------------------------------------------------
    def data_dictionary(self, group: str) -> h.Fragment:
        """The columns of every evidence table ("tables") or the codes of every vocabulary
        ("vocabularies"), from data/datapackage.json."""
        from .dictionary import dictionary

        return dictionary(self.ev, group)

    # -- helpers ------------------------------------------------------------------------------
    OUTCOME_SCORE_STATISTICS = ("mean-change", "median-change", "change")

    def _outcome_rows(self) -> pd.DataFrame:
        outcomes = self.table("outcomes").merge(
            self.studies[["study_id", "bibkey", "source_url", "pub_date", "followup_months",
                          "followup_stat"]], on="study_id", how="left")
        outcomes = outcomes.assign(label=self.report_labels(outcomes))
        return outcomes.sort_values(["pub_date", "study_id", "outcome", "timepoint_months",
                                     "outcome_id"], na_position="first").reset_index(drop=True)

    def _outcome_series(self) -> tuple[pd.DataFrame, pd.DataFrame, int]:
        """The plottable outcome rows: score changes (points) and shares of evaluated patients,
        each with a time after infusion (the reported timepoint, else the report's follow-up),
        and how many outcome rows could not be plotted."""
        from . import charts  # altair: imported by pages that draw a chart

        rows = self._outcome_rows()
        units = dict(zip(self.ev.vocab("outcomes")["code"], self.ev.vocab("outcomes")["unit"]))
        followup_known = rows["followup_months"].notna()
        months = rows["timepoint_months"].astype("Float64").where(
            rows["timepoint_months"].notna(), rows["followup_months"].astype("Float64"))
        rows = rows.assign(
            months=months,
            time_basis=[charts.TIME_BASES[0] if t else charts.TIME_BASES[1]
                        for t in rows["timepoint_months"].notna()],
            measure=rows["outcome"].map(lambda c: self.ev.label("outcomes", c)),
            statistic_code=rows["statistic"],
            patient=rows["patient"],
            note=rows["notes"].map(lambda n: "" if pd.isna(n) else (n if len(n) <= 160 else n[:157] + "...")),
            series=rows["study_id"] + "|" + rows["patient"].fillna("") + "|" + rows["outcome"] + "|"
                   + rows["statistic"] + "|" + rows["n_evaluated"].astype("string").fillna(""),
        )
        rows = rows.assign(statistic=rows["statistic_code"].map(lambda c: self.ev.label("statistics", c)))
        timed = rows["months"].notna() & (rows["timepoint_months"].notna() | followup_known)
        coded = rows["outcome"] != "other"
        is_score = (timed & coded & rows["statistic_code"].isin(self.OUTCOME_SCORE_STATISTICS)
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


def _note(text: str) -> h.Fragment:
    """What a reader sees instead of an empty chart (an empty chart is an unlabelled image)."""
    return h.Fragment(f'<p class="evidence-note">{h.text(text)}</p>', text)


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
            columns: dict[str, tuple[str, ...]] | None = None, root: Path | None = None) -> Page:
    """The evidence a page shows: one disease (`chapter("MG")`) or several (`chapter(("IIM",
    "JDM"))`, shown as one page), some tables, or everything;
    `columns` narrows tables to the columns the page uses (see `evidence.scope.Scope`)."""
    ev = load(root)
    scope = Scope(disease=disease, tables=tables, columns=columns)
    unknown = set(scope.diseases) - set(ev.vocab("diseases")["code"])
    if unknown:
        raise ValueError(f"unknown disease code(s) {sorted(unknown)}; see data/vocab/diseases.csv")
    return Page(scope, ev)
