"""Well-formed identifiers: DOI, PMID, PMCID and trial registrations.

Only the form is checked (the validator has no network); a well-formed but wrong number is
caught by reading the source, which `source_url` and `checked_on` record.
"""
from __future__ import annotations

import re

DOI = re.compile(r"^10\.\d{4,9}/[^\s]+$")
PMID = re.compile(r"^[1-9]\d{0,8}$")
PMCID = re.compile(r"^PMC\d{5,9}$")
URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$")

# Trial registrations the review accepts as registry_id, by registry.
REGISTRIES = {
    "ClinicalTrials.gov": re.compile(r"^NCT\d{8}$"),
    "EU CT (CTIS)": re.compile(r"^\d{4}-\d{6}-\d{2}-\d{2}$"),
    "EudraCT": re.compile(r"^\d{4}-\d{6}-\d{2}$"),
    "ChiCTR": re.compile(r"^ChiCTR(\d{10}|-[A-Z]{2,4}-\d{8})$"),
}

# Schemes allowed in screening.csv `identifier` ("doi:10.1002/acn3.70167; pmid:40856088").
SCHEMES = {
    "doi": DOI,
    "pmid": PMID,
    "pmcid": PMCID,
    "nct": REGISTRIES["ClinicalTrials.gov"],
    "euct": REGISTRIES["EU CT (CTIS)"],
    "eudract": REGISTRIES["EudraCT"],
    "chictr": REGISTRIES["ChiCTR"],
    "patent": re.compile(r"^[A-Z]{2}\d{4,12}[A-Z]\d?$"),
    "nih": re.compile(r"^\d{6,9}$"),
}


def registry_problem(value: str) -> str | None:
    """None if `value` is a registration number of a known registry, else why not."""
    if any(pattern.match(value) for pattern in REGISTRIES.values()):
        return None
    return (f'"{value}" is not a registration number (NCT01234567, EU CT 2024-512345-12-00, '
            f'EudraCT 2019-001234-12, ChiCTR2100012345)')


def identifier_problems(value: str) -> list[str]:
    """Problems of a `scheme:value; scheme:value` identifier list."""
    problems = []
    for part in value.split("; "):
        scheme, sep, ident = part.partition(":")
        if not sep or scheme not in SCHEMES:
            problems.append(f'"{part}" should be scheme:value with a scheme in '
                            f'{", ".join(sorted(SCHEMES))}')
        elif not SCHEMES[scheme].match(ident):
            problems.append(f'"{ident}" is not a well-formed {scheme}')
    return problems
