"""Stage 2, the validation: the data checks behind `python -m evidence validate` and the
build's gate. May import `evidence.data` only.

`validate(root)` reads the data package and refs.bib of the book at `root` and returns every
problem found, sorted by file and line; it never writes. The checks, by module:

- `schema`       — what data/datapackage.json states: columns, types, constraints, keys,
                   foreign keys (codes from the vocabularies, links between tables)
- `text`         — plain one-line text in every cell: no markup, script or stray whitespace
- `references`   — refs.bib parses with pybtex and each entry has its type's fields
- `plausibility` — counts, cohorts, identifiers, dates and the screening log's links
- `judgements`   — certainty ratings follow from their changes, key outcomes name real codes
- `queue`        — the watch's queue agrees with the screening log and trials.csv
"""
from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from ..data import paths
from . import judgements, plausibility, queue
from .problems import Problem, Problems
from .references import check_bibliography
from .schema import Table, check_foreign_keys, check_keys, load_table

DESCRIPTOR = f"data/{paths.DESCRIPTOR}"  # as named in problems
BIBKEY_TABLES = ("studies", "preclinical", "screening", "oncology-comparators", "audit")
# Above this size refs.bib is checked in a second process while the tables are checked here:
# pybtex dominates the time on large bibliographies, and the machine has two cores. Small
# bibliographies (the real one) are quicker to check than a process is to start.
PARALLEL_BIB_BYTES = 256 * 1024

__all__ = ["Problem", "validate", "load_tables"]


def load_tables(root: Path, problems: Problems) -> tuple[dict | None, dict[str, Table]]:
    try:
        descriptor = paths.read_descriptor(root / "data")
    except FileNotFoundError:
        problems.add(DESCRIPTOR, 1, "-", "file missing")
        return None, {}
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        line = getattr(err, "lineno", 1)
        problems.add(DESCRIPTOR, line, "-", f"not valid JSON: {err}")
        return None, {}
    tables = {res["name"]: load_table(root, res, problems) for res in descriptor["resources"]}
    return descriptor, tables


def _check_cutoff(descriptor: dict, today: dt.date, problems: Problems) -> None:
    cutoff = descriptor.get("evidence_cutoff")
    try:
        when = dt.date.fromisoformat(str(cutoff))
    except ValueError:
        problems.add(DESCRIPTOR, 1, "evidence_cutoff", f'"{cutoff}" is not a date (YYYY-MM-DD)')
        return
    if when > today:
        problems.add(DESCRIPTOR, 1, "evidence_cutoff", f"{when} is in the future")


def _bibliography_job(root: Path):
    problems = Problems()
    return check_bibliography(root, problems), problems


def _start_bibliography_check(root: Path):
    path = root / "refs.bib"
    if (os.cpu_count() or 1) < 2 or not path.exists() or path.stat().st_size < PARALLEL_BIB_BYTES \
            or "fork" not in multiprocessing.get_all_start_methods():
        return None
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))
    future = pool.submit(_bibliography_job, root)
    pool.shutdown(wait=False)
    return future


def validate(root: Path, today: dt.date | None = None) -> list[Problem]:
    """Every problem in the book's data and bibliography, sorted; empty when all is well."""
    root = Path(root)
    today = today or dt.date.today()
    problems = Problems()
    bib_job = _start_bibliography_check(root)
    descriptor, tables = load_tables(root, problems)
    if descriptor is not None:
        _check_cutoff(descriptor, today, problems)
    for table in tables.values():
        check_keys(table, problems)
        check_foreign_keys(table, tables, problems)
    if bib_job is None:
        bib = check_bibliography(root, problems)
    else:
        bib, bib_problems = bib_job.result()
        problems.items.extend(bib_problems.items)
    for name in BIBKEY_TABLES:
        if name not in tables:
            continue
        for record in tables[name].records:
            key = record.raw.get("bibkey", "")
            if key and key not in bib.keys:
                problems.add(tables[name].file, record.line, "bibkey",
                             f'no entry "{key}" in refs.bib')
    if tables:
        plausibility.check(tables, today, problems)
        judgements.check(tables, problems)
        queue.check(tables, bib.identifiers, problems)
    return problems.sorted()
