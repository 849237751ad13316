"""The validator's checks of the watch's tables (called from `validate`).

- data/queue.csv: a new record is well identified, names the saved query that found it and
  is not also in the screening log, refs.bib or trials.csv (no record both queued and
  screened); a trial change names a trial of data/trials.csv, one of the tracked columns, a
  new value, and an old value that is still the table's (else the queue is stale);
- data/watch_queries.csv: a PubMed query has a term and no registry parameters; a
  ClinicalTrials.gov query has at least one parameter.
"""
from __future__ import annotations

from ..data.identifiers import identifier_problems
from ..data.records import CHANGE, NEW, TRACKED, change_id, identifiers_of, known_identifiers
from .problems import Problems
from .schema import Table


def _new_record(table: Table, record, known: dict[str, str], problems: Problems) -> None:
    v = record.raw
    add = lambda column, message: problems.add(table.file, record.line, column, message)  # noqa: E731
    if not v.get("identifier"):
        add("identifier", "a new record needs its identifiers (pmid:…, nct:…)")
        return
    for message in identifier_problems(v["identifier"]):
        add("identifier", message)
    if v["queue_id"] != v["identifier"].split("; ")[0]:
        add("queue_id", f'"{v["queue_id"]}" should be the record\'s own identifier, '
                        f'"{v["identifier"].split("; ")[0]}"')
    if not v.get("query_id"):
        add("query_id", "a new record names the saved query that found it")
    for column in ("registry_id", "field", "old_value", "new_value"):
        if v.get(column):
            add(column, f"a new record has no {column} (that is for a trial change)")
    for token in sorted(identifiers_of(v) & known.keys()):
        add("identifier", f"{token} is queued and already in {known[token]}: "
                          "remove the queue row (it was screened)")


def _trial_change(table: Table, record, trials: dict[str, dict], problems: Problems) -> None:
    v = record.raw
    add = lambda column, message: problems.add(table.file, record.line, column, message)  # noqa: E731
    if not v.get("registry_id"):
        add("registry_id", "a trial change names its trial (data/trials.csv)")
        return
    if v.get("field") not in TRACKED:
        add("field", f'"{v.get("field")}" is not a tracked column ({", ".join(TRACKED)})')
        return
    if v["queue_id"] != change_id(v["registry_id"], v["field"]):
        add("queue_id", f'should be "{change_id(v["registry_id"], v["field"])}"')
    if not v.get("new_value"):
        add("new_value", "a trial change needs the registry's new value")
    trial = trials.get(v["registry_id"])
    if trial is not None and (trial.get(v["field"]) or "") != v.get("old_value", ""):
        add("old_value", f'data/trials.csv now has "{trial.get(v["field"])}" for '
                         f'{v["registry_id"]} {v["field"]}: the queue is stale, run the watch again')
    if not v.get("registry_updated_on"):
        add("registry_updated_on", "a trial change gives the registry's last update date")


def _queries(table: Table, problems: Problems) -> None:
    for record in table.records:
        v = record.raw
        registry = [c for c in ("condition", "intervention") if v.get(c)]
        if v.get("source") == "pubmed" and (registry or not v.get("term")):
            problems.add(table.file, record.line, registry[0] if registry else "term",
                         "a PubMed query has a term and no condition or intervention")
        if v.get("source") == "clinicaltrials-gov" and not (registry or v.get("term")):
            problems.add(table.file, record.line, "condition",
                         "a ClinicalTrials.gov query needs a condition, intervention or term")


def check(tables: dict[str, Table], bib_fields: dict[str, dict], problems: Problems) -> None:
    if "watch-queries" in tables:
        _queries(tables["watch-queries"], problems)
    queue = tables.get("queue")
    if queue is None or not queue.records:
        return
    raw = lambda name: [r.raw for r in tables[name].records] if name in tables else []  # noqa: E731
    known = known_identifiers(raw("screening"), raw("trials"), bib_fields)
    trials = {row["registry_id"]: row for row in raw("trials")}
    for record in queue.records:
        if record.raw.get("kind") == NEW:
            _new_record(queue, record, known, problems)
        elif record.raw.get("kind") == CHANGE:
            _trial_change(queue, record, trials, problems)
