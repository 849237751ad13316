"""`python -m evidence watch`: run the saved queries, queue what is new or changed.

Everything is fetched first; only when both sources answered is anything compared and
written (the queue and the log of runs, through `store.commit`). Without network the command
stops with one line and every file stays as it was. It never edits evidence: trials.csv,
screening.csv and refs.bib are only read.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import httpx

from ..data.paths import read_descriptor
from . import queue as q
from .clients import ClinicalTrialsGov, PubMed
from .config import load_queries, load_settings
from .diff import known_identifiers, new_records, trial_changes
from .store import commit, read_rows

NCT = re.compile(r"^NCT\d{8}$")


@dataclass
class Summary:
    ran_on: str
    queries: int
    records_found: int
    new_records: int
    trials_checked: int
    trial_changes: int
    awaiting: int
    written: list[str]


def bib_fields(root: Path) -> dict[str, dict]:
    from ..data.bib import load

    return {key: {name.lower(): str(value) for name, value in entry.fields.items()}
            for key, entry in load(root).entries.items()}


def pubmed_since(root: Path, runs: list[dict], overlap_days: int) -> str:
    """The last run minus the overlap; before the first run, the evidence cut-off (the manual
    searches of the Methods protocol cover what came before it)."""
    last = q.last_run(runs)
    if last is None:
        return read_descriptor(root / "data")["evidence_cutoff"]
    return (dt.date.fromisoformat(last) - dt.timedelta(days=overlap_days)).isoformat()


def watch(root: Path, today: dt.date | None = None,
          ctgov_transport: httpx.BaseTransport | None = None) -> Summary:
    today_text = (today or dt.date.today()).isoformat()
    settings = load_settings(root)
    queries = load_queries(root)
    screening, trials = read_rows(root, "screening"), read_rows(root, "trials")
    queue, runs = read_rows(root, "queue"), read_rows(root, "watch-runs")
    since = pubmed_since(root, runs, settings.overlap_days)
    tracked = [row["registry_id"] for row in trials if NCT.match(row["registry_id"])]

    ctgov, pubmed = ClinicalTrialsGov(settings, ctgov_transport), PubMed(settings)
    try:
        found = []
        for query in queries:
            if query.source == "clinicaltrials-gov":
                found += ctgov.search(query)
            else:
                found += pubmed.search(query, since, today_text)
        states = ctgov.trials(tracked)
    finally:
        ctgov.close()

    known = known_identifiers(screening, trials, bib_fields(root))
    fresh = new_records(found, known)
    changes = trial_changes(states, trials)
    rows = q.merge(queue, fresh, changes, known, today_text)
    # counted from the queue, so a second run on the same day writes the same row again
    queued_today = sum(1 for r in rows if r["kind"] == q.NEW and r["found_on"] == today_text)
    run = {"ran_on": today_text, "queries": str(len(queries)), "records_found": str(len(found)),
           "new_records": str(queued_today),
           "trials_checked": str(len(states)), "trial_changes": str(len(changes))}
    written = commit(root, {"queue": rows, "watch-runs": q.record_run(runs, run)})
    return Summary(today_text, len(queries), len(found), int(run["new_records"]), len(states),
                   len(changes), len(rows), written)
