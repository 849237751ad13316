"""Which record is which: the identifiers (PMID, DOI, PMCID, NCT id) of a record, spelled one
way, and the records the review already holds in the screening log, refs.bib and trials.csv.
The watch uses these rules to queue only new records; the validator uses them to keep the
queue (data/queue.csv) and the screening log apart."""
from __future__ import annotations

import re

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


NEW, CHANGE = "new-record", "trial-change"


def change_id(registry_id: str, field: str) -> str:
    return f"change:{registry_id}:{field}"


def identifiers_of(row: dict) -> set[str]:
    return {normal(token) for token in (row.get("identifier") or "").split("; ") if ":" in token}
