"""`python -m evidence screen`: a curator's decision on a queued record, written for them.

- A new record (`pmid:41234567`, `nct:NCT01234567`, or just the number) moves to the
  screening log with the decision, the reason and what the watch recorded (source, saved
  query verbatim, date found, title, identifiers); an included record names what it became
  (`--study-id`, `--registry-id` or `--bibkey`, added to the tables first).
- `NCT01234567 --accept` takes the registry's values for every queued change of that trial
  into data/trials.csv, with `status_as_of` (the registry's last update) and `checked_on`
  (today); the record's address is added to `notes`, so the row says where the values came from.

The result is validated in memory and written all together, or not at all (`store.commit`).
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from . import queue as q
from .config import WatchError, load_queries
from .store import commit, read_rows

SOURCE_LABELS = {"pubmed": "PubMed", "clinicaltrials-gov": "ClinicalTrials.gov"}


def queue_key(record: str) -> str:
    """What a curator types, as a queue id: 41234567 -> pmid:41234567, NCT… -> nct:NCT…"""
    record = record.strip()
    if re.fullmatch(r"\d+", record):
        return f"pmid:{record}"
    if re.fullmatch(r"(?i)nct\d{8}", record):
        return f"nct:{record.upper()}"
    return record


def screening_id(queue_id: str) -> str:
    return "watch-" + re.sub(r"[^a-z0-9]+", "-", queue_id.lower()).strip("-")


def decide(root: Path, record: str, decision: str, reason_code: str = "", note: str = "",
           study_id: str = "", registry_id: str = "", bibkey: str = "") -> list[str]:
    queue = read_rows(root, "queue")
    key = queue_key(record)
    row = next((r for r in queue if r["queue_id"] == key and r["kind"] == q.NEW), None)
    if row is None:
        raise WatchError(f"{record}: no new record with this id in data/queue.csv")
    if decision == "excluded" and not reason_code:
        raise WatchError("an excluded record needs --reason CODE (data/vocab/exclusion_reasons.csv)")
    screening = read_rows(root, "screening")
    new_id = screening_id(key)
    if any(r["record_id"] == new_id for r in screening):
        raise WatchError(f"{new_id} is already in data/screening.csv")
    texts = {query.query_id: query.text() for query in load_queries(root)}
    screening.append({
        "record_id": new_id, "source": f"{SOURCE_LABELS[row['source']]} (watch) {row['url']}",
        "query": texts.get(row["query_id"], row["query_id"]), "searched_on": row["found_on"],
        "title": row["title"], "identifier": row["identifier"], "decision": decision,
        "reason_code": reason_code, "reason": note, "study_id": study_id,
        "registry_id": registry_id, "bibkey": bibkey})
    remaining = [r for r in queue if r is not row]
    return commit(root, {"screening": screening, "queue": remaining})


def accept(root: Path, record: str, today: dt.date | None = None) -> list[str]:
    queue = read_rows(root, "queue")
    registry_id = record.strip().upper().removeprefix("NCT:").removeprefix("CHANGE:")
    registry_id = registry_id.split(":")[0]
    changes = [r for r in queue if r["kind"] == q.CHANGE and r["registry_id"] == registry_id]
    if not changes:
        raise WatchError(f"{record}: no queued change of a trial with this id in data/queue.csv")
    trials = read_rows(root, "trials")
    trial = next((t for t in trials if t["registry_id"] == registry_id), None)
    if trial is None:
        raise WatchError(f"{registry_id}: not in data/trials.csv")
    for change in changes:
        if (trial.get(change["field"]) or "") != change["old_value"]:
            raise WatchError(f"{change['queue_id']}: data/trials.csv now has "
                             f"{trial.get(change['field'])!r}, not {change['old_value']!r}; "
                             "run the watch again")
        trial[change["field"]] = change["new_value"]
    last_update = max(c["registry_updated_on"] for c in changes)
    trial["status_as_of"] = last_update
    trial["checked_on"] = (today or dt.date.today()).isoformat()
    fields = ", ".join(c["field"] for c in changes)
    trial["notes"] = " ".join(filter(None, [
        trial.get("notes", ""), f"{fields.capitalize()} from the ClinicalTrials.gov record "
        f"{changes[0]['url']} (last update posted {last_update}), accepted from the watch "
        f"queue on {trial['checked_on']}."]))
    remaining = [r for r in queue if r not in changes]
    return commit(root, {"trials": trials, "queue": remaining})
