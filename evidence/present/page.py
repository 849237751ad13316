"""What a chapter works with: its slice of the evidence, its glued figures and its views.

    import evidence
    mg = evidence.chapter("MG")       # one disease
    mg.glue_figures()                 # numbers for {glue:text}`n_patients` etc.
    mg.studies_table()                # a view: evidence.present.reports.studies_table(mg)
    mg.patients_chart()

Pages that show several diseases use `evidence.chapter()` (everything) or name their tables:
`evidence.chapter(tables=("trials", "trial-diseases"))`. The Sphinx extension reads these calls
to know what each page shows (see `evidence.data.scope`), so a page only sees the tables it
declared. The tables and charts themselves are views in the topic modules (`views` explains
how one is added); `Page` holds only the page's data and its figures.
"""
from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd

from ..data import bib as bibmod
from ..data.load import Evidence, load
from ..data.scope import Scope, select
from ..synthesis import counts, summary
from . import views

# The glue names the page's text uses, set by a hidden first cell that the book's Sphinx
# extension adds (_ext/evidence_book.py). None outside a book build (a console, a notebook
# opened by hand): every figure is glued then.
GLUE_NAMES: frozenset[str] | None = None


class OutOfScope(KeyError):
    pass


class Page:
    """One page's evidence. Tables and charts are called as methods (`page.studies_table()`)
    and run the view of that name from the topic modules (see `evidence.present.views`)."""

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

    def optional(self, name: str) -> pd.DataFrame | None:
        """The table if the page declared it, else None (for views that use it when present)."""
        return self._tables.get(name)

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

    # -- views --------------------------------------------------------------------------------
    def __getattr__(self, name: str):
        """`page.studies_table(...)` runs the view `studies_table(page, ...)`."""
        try:
            function = views.VIEWS[name]
        except KeyError:
            raise AttributeError(f"a page has no view {name!r}; views: "
                                 f"{', '.join(sorted(views.VIEWS))}") from None
        return functools.partial(function, self)

    def __dir__(self):
        return sorted({*super().__dir__(), *views.VIEWS})


# importing the topic modules registers their views
from . import audit, dictionary, explorer, lsr, outcomes, reports, safety, sof, trials  # noqa: E402,F401


def chapter(disease: str | None = None, *, tables: tuple[str, ...] | None = None,
            columns: dict[str, tuple[str, ...]] | None = None, root: Path | None = None) -> Page:
    """The evidence a page shows: one disease (`chapter("MG")`) or several (`chapter(("IIM",
    "JDM"))`, shown as one page), some tables, or everything;
    `columns` narrows tables to the columns the page uses (see `evidence.data.scope.Scope`)."""
    ev = load(root)
    scope = Scope(disease=disease, tables=tables, columns=columns)
    unknown = set(scope.diseases) - set(ev.vocab("diseases")["code"])
    if unknown:
        raise ValueError(f"unknown disease code(s) {sorted(unknown)}; see data/vocab/diseases.csv")
    return Page(scope, ev)
