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
from . import html as h, summary, tables
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
        from . import charts  # altair: imported by pages that draw a chart

        if len(self.studies) > charts.DETAIL_LIMIT:
            return self._patients_by_target_chart()
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
        from . import charts  # altair: imported by pages that draw a chart

        rows = self._safety_rows()
        rows = rows[rows["event"].isin(["crs", "icans"]) & (rows["grade"] != "any")]
        grades = [self.ev.label("grades", g) for g in self.ev.vocab("grades")["code"] if g != "any"]
        if rows["study_id"].nunique() > charts.DETAIL_LIMIT:
            return self._reports_by_grade_chart(rows, grades)
        description = (f"Stacked bar chart of patients with CRS or ICANS by grade per report "
                       f"({self.scope.describe()}); {rows['study_id'].nunique()} reports with graded events.")
        chart = charts.events_by_grade(_plain(rows[["label", "event_label", "grade", "grade_label",
                                                    "n_patients", "n_evaluated"]]), grades)
        return charts.render(chart, f"crs-icans-{self.scope.disease or 'all'}", description)

    def trials_chart(self) -> h.Fragment:
        from . import charts  # altair: imported by pages that draw a chart

        trials = self.trials
        if len(trials) > charts.DETAIL_LIMIT:
            return self._trials_by_phase_count_chart()
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

    # aggregated forms, for pages with more reports or trials than one bar each can show
    def _patients_by_target_chart(self) -> h.Fragment:
        from . import charts  # altair: imported by pages that draw a chart

        grouped = summary.patients_treated(self.studies, by=["target", "design"])
        rows = pd.DataFrame({
            "target": grouped["target"],
            "design_label": grouped["design"].map(lambda c: self.ev.label("designs", c)),
            "patients": grouped["patients"].astype("float"),
            "cohorts": grouped["cohorts"].astype("float")})
        targets = list(self.ev.vocab("targets")["code"])
        description = (f"Bar chart of patients treated (each cohort counted once) per target, "
                       f"by design ({self.scope.describe()}); {len(self.studies)} reports, "
                       f"summarised by target.")
        designs = [self.ev.label("designs", c) for c in self.ev.vocab("designs")["code"]]
        chart = charts.patients_by_target(_plain(rows), [t for t in targets if t in set(rows["target"])],
                                          designs)
        return charts.render(chart, f"patients-{self.scope.disease or 'all'}", description)

    def _reports_by_grade_chart(self, rows: pd.DataFrame, grades: list[str]) -> h.Fragment:
        from . import charts  # altair: imported by pages that draw a chart

        graded = rows[rows["n_patients"].fillna(0) > 0]
        counts = graded.groupby(["event_label", "grade_label"], sort=True).agg(
            reports=("study_id", "nunique")).reset_index()
        counts["reports"] = counts["reports"].astype("float")
        description = (f"Bar chart of reports recording CRS or ICANS at each grade "
                       f"({self.scope.describe()}); {rows['study_id'].nunique()} reports with graded "
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
        description = (f"Bar chart of {len(trials)} registered trials ({self.scope.describe()}) "
                       f"by phase, coloured by recruitment status.")
        chart = charts.trials_by_phase_count(_plain(counts), statuses)
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


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Nullable pandas dtypes as plain objects/floats, which altair serialises to JSON."""
    return frame.astype(object).map(lambda value: None if pd.isna(value) else value)


def chapter(disease: str | None = None, *, tables: tuple[str, ...] | None = None,
            columns: dict[str, tuple[str, ...]] | None = None, root: Path | None = None) -> Page:
    """The evidence a page shows: one disease (`chapter("MG")`), some tables, or everything;
    `columns` narrows tables to the columns the page uses (see `evidence.scope.Scope`)."""
    ev = load(root)
    if disease is not None and disease not in set(ev.vocab("diseases")["code"]):
        raise ValueError(f"unknown disease code {disease!r}; see data/vocab/diseases.csv")
    return Page(Scope(disease=disease, tables=tables, columns=columns), ev)
