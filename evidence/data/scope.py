"""The slice of the evidence a page shows, and a digest of it.

A chapter asks for its slice with `evidence.chapter("MG")` (one disease) or
`evidence.chapter(tables=("trials", "trial-diseases"))`. The same slice is computed by the
Sphinx extension before the page runs; its digest goes into a hidden cell, so the execution
cache re-runs a page exactly when the data it shows, the references it labels, the
vocabularies or this package's code change — and reuses it otherwise.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from . import bib as bibmod
from .paths import data_dir, package_dir

if TYPE_CHECKING:  # pandas is imported only when data are loaded: a no-change rebuild skips it
    import pandas as pd

    from .load import Evidence

EVIDENCE_TABLES = ("studies", "outcomes", "safety", "trials", "trial-diseases",
                   "preclinical", "screening", "oncology-comparators", "errata", "audit",
                   "certainty", "appraisal")
# tables a page shows only when it names them (not part of "everything"): the Methods page's
# saved queries of the watch
NAMED_ONLY_TABLES = ("watch-queries",)
# what a disease page (`evidence.chapter("MG")`) shows: its reports, their appraisal and
# trials, and the certainty of its evidence
DISEASE_TABLES = ("studies", "outcomes", "safety", "trials", "trial-diseases", "certainty",
                  "appraisal")


# kept with any column selection: the page's "last updated" date is computed from them
DATE_COLUMNS = ("checked_on", "searched_on")
# kept whenever a page shows patient counts: without them a total could count a cohort twice
# (`may_overlap`) or count the wrong report of a cohort
COUNTING_COLUMNS = {"studies": ("n_treated", "cohort_id", "pub_date", "may_overlap", "study_id")}


@dataclass(frozen=True)
class Scope:
    """What a page shows: one disease's rows or all rows, of some tables or all, and, for a
    page that shows only a few columns of a table (counts, labels), just those columns:
    `columns={"studies": ("study_id", "n_treated")}`. The page then sees only those columns
    (and the date columns), and an edit of another column does not re-execute it."""
    disease: str | None = None
    tables: tuple[str, ...] | None = None
    columns: tuple[tuple[str, tuple[str, ...]], ...] | None = None

    def __post_init__(self):
        if isinstance(self.disease, (tuple, list)):  # several codes: one page, e.g. myositis
            object.__setattr__(self, "disease", "+".join(self.disease))
        if self.tables is not None:
            object.__setattr__(self, "tables", tuple(self.tables))
            unknown = set(self.tables) - set(EVIDENCE_TABLES) - set(NAMED_ONLY_TABLES)
            if unknown:
                raise ValueError(f"unknown table(s) {sorted(unknown)}; known: "
                                 f"{EVIDENCE_TABLES + NAMED_ONLY_TABLES}")
        if self.columns is not None:
            items = self.columns.items() if isinstance(self.columns, dict) else self.columns
            normal = tuple(sorted((table, tuple(sorted(set(cols)))) for table, cols in items))
            unknown = {table for table, _ in normal} - set(self.table_names)
            if unknown:
                raise ValueError(f"columns given for table(s) {sorted(unknown)} the page does not show")
            object.__setattr__(self, "columns", normal or None)

    @property
    def diseases(self) -> tuple[str, ...]:
        """The disease codes the page shows ("IIM+JDM" names two); empty for all diseases."""
        return tuple(self.disease.split("+")) if self.disease else ()

    @property
    def table_names(self) -> tuple[str, ...]:
        if self.tables is not None:
            return self.tables
        return DISEASE_TABLES if self.disease else EVIDENCE_TABLES

    def describe(self) -> str:
        parts = [f"disease={self.disease}"] if self.disease else []
        if self.tables is not None:
            parts.append("tables=" + ",".join(self.tables))
        return "; ".join(parts) or "all evidence"  # shown to readers: columns left out


def select(ev: Evidence, scope: Scope) -> dict[str, pd.DataFrame]:
    """The rows of each evidence table the scope shows. Vocabularies are always whole."""
    tables = {name: ev[name] for name in scope.table_names}
    if scope.disease:
        studies = ev.studies[ev.studies["disease"].isin(scope.diseases)]
        ids = set(studies["study_id"])
        links = ev.trial_diseases
        trial_ids = set(links.loc[links["disease"].isin(scope.diseases), "registry_id"])
        trial_ids |= set(studies["registry_id"].dropna())
        narrowed = {
            "studies": studies,
            "outcomes": ev.outcomes[ev.outcomes["study_id"].isin(ids)],
            "safety": ev.safety[ev.safety["study_id"].isin(ids)],
            "appraisal": ev["appraisal"][ev["appraisal"]["study_id"].isin(ids)],
            "trials": ev.trials[ev.trials["registry_id"].isin(trial_ids)],
            # all diseases of the selected trials: a basket trial is shown with its whole basket
            "trial-diseases": links[links["registry_id"].isin(trial_ids)],
            # the judgements of the page's disease groups ("IIM+JDM" on the myositis page)
            "certainty": ev["certainty"][ev["certainty"]["group"].map(
                lambda g: set(g.split("+")) <= set(scope.diseases))],
        }
        tables = {name: narrowed.get(name, frame) for name, frame in tables.items()}
    for name, columns in scope.columns or ():
        frame = tables[name]
        missing = set(columns) - set(frame.columns)
        if missing:
            raise ValueError(f"table {name} has no column(s) {sorted(missing)}")
        keep = set(columns) | set(DATE_COLUMNS)
        if "n_treated" in columns:
            keep |= set(COUNTING_COLUMNS.get(name, ()))
        tables[name] = frame[[c for c in frame.columns if c in keep]]
    return {name: frame.reset_index(drop=True) for name, frame in tables.items()}


def _package_code() -> bytes:
    files = sorted(package_dir().rglob("*.py"))
    return b"".join(f.relative_to(package_dir()).as_posix().encode() + b"\0" + f.read_bytes()
                    for f in files)


def digest(scope: Scope, ev: Evidence | None = None, root: Path | None = None) -> str:
    """sha256 of everything a page in this scope can show: its rows, the BibTeX entries they
    name, every vocabulary, the package descriptor and the package's code."""
    if ev is None:
        from .load import load

        ev = load(root)
    h = hashlib.sha256()
    h.update(repr(scope).encode())
    keys: set[str] = set()
    for name, frame in sorted(select(ev, scope).items()):
        h.update(f"\0table {name}\0".encode())
        h.update(frame.to_csv(index=False).encode())
        if "bibkey" in frame:
            keys |= set(frame["bibkey"].dropna())
    if keys:
        h.update(bibmod.entry_fingerprint(bibmod.load(ev.root), keys).encode())
    h.update(_shared_part(ev))
    return h.hexdigest()


def _shared_part(ev: Evidence) -> bytes:
    """What every scope's digest includes: every vocabulary, the descriptor, the package's
    code and the repository address. Computed once per loaded Evidence (a build loads once)."""
    cached = ev.__dict__.get("_digest_shared")
    if cached is None:
        h = hashlib.sha256()
        for name in sorted(ev.tables):
            if name.startswith("vocab-"):
                h.update(f"\0vocab {name}\0".encode() + ev[name].to_csv(index=False).encode())
        h.update(json.dumps(ev.descriptor, sort_keys=True).encode())
        h.update(_package_code())
        # the flow per version reads the release dates (a snapshot is never rewritten: its
        # name stands for its content)
        if ev.root is not None:
            for path in sorted((ev.root / "releases").glob("*.json")):
                h.update(f"\0release {path.name}".encode())
        # the explorer's correction links name the repository (_config.yml or the environment)
        h.update(f"\0repository {_repository(ev.root)}".encode())
        cached = ev.__dict__["_digest_shared"] = h.digest()
    return cached


def _repository(root: Path | None) -> str:
    if root is None:
        return ""
    from .paths import repository_url

    return repository_url(root) or ""


def inputs_fingerprint(root: Path) -> str:
    """sha256 of every file a digest can read: the data folder (tables, vocabularies,
    descriptor), refs.bib and this package's code. Equal fingerprints
    mean equal digests for every scope, so a build may reuse the digests it stored."""
    h = hashlib.sha256()
    data = data_dir(root)
    files = [*sorted(p for p in data.rglob("*") if p.is_file()), root / bibmod.BIBFILE,
             *sorted((root / "releases").glob("*.json")),
             *sorted(package_dir().rglob("*.py"))]
    for path in files:
        h.update(str(path).encode() + b"\0")
        h.update(path.read_bytes() if path.exists() else b"<missing>")
        h.update(b"\0")
    # where the explorer's correction links point: _config.yml (also read by Sphinx) or the
    # environment, which no file records
    h.update((root / "_config.yml").read_bytes() if (root / "_config.yml").exists() else b"")
    h.update(os.environ.get("EVIDENCE_REPOSITORY_URL", "").encode())
    return h.hexdigest()
