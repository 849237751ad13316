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

import re
from dataclasses import dataclass

from .records import Found, RegistryState

TRACKED = ("status", "enrollment", "registered_on")   # columns of data/trials.csv
ADDRESSES = (  # identifiers written in an address: (pattern, scheme)
    (re.compile(r"pubmed\.ncbi\.nlm\.nih\.gov/(\d+)"), "pmid"),
    (re.compile(r"ncbi\.nlm\.nih\.gov/pmc/articles/(PMC\d+)|pmc\.ncbi\.nlm\.nih\.gov/articles/(PMC\d+)",
                re.I), "pmcid"),
    (re.compile(r"\b(NCT\d{8})\b"), "nct"),
    (re.compile(r"doi\.org/(10\.\d{4,9}/\S+)"), "doi"),
)


def normal(identifier: str) -> str:
    """One spelling per identifier: scheme in lower case, DOIs in lower case (they are case
    insensitive), NCT ids and PMCIDs in upper case."""
    scheme, _, value = identifier.strip().partition(":")
    scheme = scheme.strip().lower()
    value = value.strip()
    if scheme == "doi":
        value = value.lower().rstrip(".")
    elif scheme in ("nct", "pmcid"):
        value = value.upper()
    return f"{scheme}:{value}"


def in_text(text: str) -> set[str]:
    """Identifiers written as addresses in free text (a source URL, a BibTeX url)."""
    found = set()
    for pattern, scheme in ADDRESSES:
        for match in pattern.finditer(text or ""):
            value = next(group for group in match.groups() if group)
            found.add(normal(f"{scheme}:{value}"))
    return found


def known_identifiers(screening: list[dict], trials: list[dict], bib_fields: dict[str, dict]
                      ) -> dict[str, str]:
    """identifier -> where the review already holds it (for messages)."""
    known: dict[str, str] = {}
    for row in screening:
        where = f"data/screening.csv record {row['record_id']}"
        tokens = {normal(t) for t in (row.get("identifier") or "").split("; ") if ":" in t}
        if row.get("registry_id"):
            tokens.add(normal(f"nct:{row['registry_id']}"))
        for token in tokens | in_text(row.get("source", "")):
            known.setdefault(token, where)
    for row in trials:
        known.setdefault(normal(f"nct:{row['registry_id']}"), f"data/trials.csv {row['registry_id']}")
    for key, fields in bib_fields.items():
        where = f"refs.bib {key}"
        tokens = in_text(fields.get("url", ""))
        if fields.get("doi"):
            tokens.add(normal(f"doi:{fields['doi']}"))
        if fields.get("pmid"):
            tokens.add(normal(f"pmid:{fields['pmid']}"))
        if fields.get("eprint") and fields.get("eprinttype", "").lower() == "pubmed":
            tokens.add(normal(f"pmid:{fields['eprint']}"))
        for token in tokens:
            known.setdefault(token, where)
    return known


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
