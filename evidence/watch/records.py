"""What the watch found, read out of each API's documented response shape (no HTTP here).

- ClinicalTrials.gov API v2: one study of `studies[]`, with `protocolSection`'s
  identification, status and design modules.
- PubMed: one DocSum of an E-utilities esummary (version 1 XML) as `Bio.Entrez.read` returns it.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

CTGOV_RECORD = "https://clinicaltrials.gov/study/{}"
PUBMED_RECORD = "https://pubmed.ncbi.nlm.nih.gov/{}/"


@dataclass(frozen=True)
class Found:
    """A record a saved query returned."""
    source: str                    # code in data/vocab/watch_sources.csv
    identifiers: tuple[str, ...]   # scheme:value, the record's own id first (pmid:…, nct:…)
    title: str
    record_date: str               # YYYY, YYYY-MM or YYYY-MM-DD ("" if not given)
    url: str
    query_id: str


@dataclass(frozen=True)
class RegistryState:
    """What ClinicalTrials.gov says now about one trial, in data/trials.csv's terms."""
    registry_id: str
    title: str
    values: dict                   # trials.csv column -> value ("" when the registry is silent)
    last_update: str               # last update posted, YYYY-MM-DD
    url: str


def ctgov_status(value: str) -> str:
    """RECRUITING -> recruiting, ACTIVE_NOT_RECRUITING -> active-not-recruiting (the codes of
    data/vocab/statuses.csv; a status outside it stays visible and fails validation)."""
    return value.strip().lower().replace("_", "-")


def _iso(value: str) -> str:
    """The registry's dates are YYYY-MM or YYYY-MM-DD already; anything else is kept as given."""
    return value or ""


def ctgov_state(study: dict) -> RegistryState:
    protocol = study.get("protocolSection", {})
    ident = protocol.get("identificationModule", {})
    status = protocol.get("statusModule", {})
    enrollment = protocol.get("designModule", {}).get("enrollmentInfo", {})
    nct = ident["nctId"]
    count = enrollment.get("count")
    values = {
        "status": ctgov_status(status.get("overallStatus", "")),
        "enrollment": "" if count is None else str(int(count)),
        "registered_on": _iso(status.get("studyFirstPostDateStruct", {}).get("date", "")),
    }
    return RegistryState(nct, ident.get("briefTitle", ""), values,
                         status.get("lastUpdatePostDateStruct", {}).get("date", ""),
                         CTGOV_RECORD.format(nct))


def ctgov_found(study: dict, query_id: str) -> Found:
    state = ctgov_state(study)
    return Found("clinicaltrials-gov", (f"nct:{state.registry_id}",), state.title,
                 state.values["registered_on"], state.url, query_id)


MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug",
                                      "sep", "oct", "nov", "dec"), start=1)}


def pubmed_date(value: str) -> str:
    """PubMed's PubDate ('2025 Mar 14', '2025 Mar', '2025', '2024 Winter') as YYYY[-MM[-DD]]."""
    parts = str(value).split()
    if not parts or not re.fullmatch(r"\d{4}", parts[0]):
        return ""
    year = parts[0]
    month = MONTHS.get(parts[1][:3].lower()) if len(parts) > 1 else None
    if month is None:
        return year
    if len(parts) > 2 and parts[2].isdigit():
        try:
            return dt.date(int(year), month, int(parts[2])).isoformat()
        except ValueError:
            pass
    return f"{year}-{month:02d}"


def pubmed_found(docsum, query_id: str) -> Found:
    pmid = str(docsum["Id"])
    identifiers = [f"pmid:{pmid}"]
    doi = str(docsum.get("DOI", "") or docsum.get("ArticleIds", {}).get("doi", "")).strip()
    if doi:
        identifiers.append(f"doi:{doi}")
    pmc = str(docsum.get("ArticleIds", {}).get("pmc", "")).strip()
    if pmc:
        identifiers.append(f"pmcid:{pmc}")
    title = " ".join(str(docsum.get("Title", "")).split())
    return Found("pubmed", tuple(identifiers), title, pubmed_date(docsum.get("PubDate", "")),
                 PUBMED_RECORD.format(pmid), query_id)
