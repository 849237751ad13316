"""What is new and what changed: the watch's findings against the review's own records.

Pure functions on plain rows (dicts of CSV cells), so the rules are tested without HTTP:
- a found record is *known* when any of its identifiers (PMID, DOI, PMCID, NCT id) is in
  the screening log (its `identifier`, `registry_id` or source address), in refs.bib (`doi`,
  `pmid`, a PubMed `eprint`, an address) or is a trial of data/trials.csv;
- a trial of data/trials.csv *changed* when ClinicalTrials.gov now gives a value for one of
  TRACKED that differs from the table's (an empty cell there means "not seen", so a value the
  registry now shows is queued too, for a curator to read and accept).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..data.records import TRACKED, known_identifiers, normal  # noqa: F401 (the watch's names)
from .records import Found, RegistryState


def new_records(found: list[Found], known: dict[str, str]) -> list[Found]:
    """Records none of whose identifiers is known, once each (the first query that found a
    record names it)."""
    seen: set[str] = set()
    fresh = []
    for record in found:
        tokens = {normal(i) for i in record.identifiers}
        if tokens & seen or tokens & known.keys():
            continue
        seen |= tokens
        fresh.append(record)
    return fresh


@dataclass(frozen=True)
class Change:
    registry_id: str
    field: str
    old: str
    new: str
    registry_updated_on: str
    title: str
    url: str


def trial_changes(states: dict[str, RegistryState], trials: list[dict]) -> list[Change]:
    changes = []
    for row in trials:
        state = states.get(row["registry_id"])
        if state is None:
            continue
        for field in TRACKED:
            new = state.values.get(field, "")
            if new and new != (row.get(field) or ""):
                changes.append(Change(row["registry_id"], field, row.get(field) or "", new,
                                      state.last_update, row.get("title") or state.title,
                                      state.url))
    return changes
