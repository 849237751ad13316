"""The screening queue (data/queue.csv) and the log of runs (data/watch_runs.csv) as rows.

A rerun is idempotent: a record already queued keeps its row (and the date it was first
found), a record screened since leaves the queue, and the changes of registered trials are
those the registry shows now (a change accepted since is gone; one still pending keeps its
first date while its new value stays the same).
"""
from __future__ import annotations

from ..data.identifiers import identifier_problems
from ..data.records import CHANGE, NEW, change_id, identifiers_of, normal  # noqa: F401
from .diff import Change
from .records import Found


def new_record_row(found: Found, today: str) -> dict:
    # an identifier the source spells in a way the screening log would refuse is left out
    # (the record's own PMID or NCT id always stays)
    identifiers = [found.identifiers[0]] + [i for i in found.identifiers[1:]
                                            if not identifier_problems(i)]
    return {"queue_id": normal(found.identifiers[0]), "kind": NEW, "source": found.source,
            "identifier": "; ".join(identifiers), "title": found.title or "(no title given)",
            "record_date": found.record_date, "query_id": found.query_id, "url": found.url,
            "found_on": today}


def change_row(change: Change, today: str) -> dict:
    return {"queue_id": change_id(change.registry_id, change.field), "kind": CHANGE,
            "source": "clinicaltrials-gov", "registry_id": change.registry_id,
            "title": change.title or change.registry_id, "field": change.field,
            "old_value": change.old, "new_value": change.new,
            "registry_updated_on": change.registry_updated_on, "url": change.url,
            "found_on": today}


def merge(queue: list[dict], fresh: list[Found], changes: list[Change], known: dict[str, str],
          today: str) -> list[dict]:
    kept = [row for row in queue if row["kind"] == NEW and not identifiers_of(row) & known.keys()]
    queued = set().union(*(identifiers_of(row) for row in kept)) if kept else set()
    for found in fresh:
        row = new_record_row(found, today)
        if not identifiers_of(row) & queued:
            kept.append(row)
            queued |= identifiers_of(row)
    pending = {row["queue_id"]: row for row in queue if row["kind"] == CHANGE}
    for change in changes:
        row = change_row(change, today)
        before = pending.get(row["queue_id"])
        if before and before["new_value"] == row["new_value"]:
            row["found_on"] = before["found_on"]
        kept.append(row)
    return kept


def record_run(runs: list[dict], run: dict) -> list[dict]:
    """The log with `run` in it; a second run on one day replaces that day's row."""
    return [row for row in runs if row["ran_on"] != run["ran_on"]] + [run]


def last_run(runs: list[dict]) -> str | None:
    return max((row["ran_on"] for row in runs), default=None)
