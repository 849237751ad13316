"""Checks of refs.bib, the one bibliography: every entry parses with pybtex (the parser the
build uses), has the fields its type requires, and can be found again (a DOI or a URL).

Entries are located by line for the messages; pybtex keeps no line numbers, so the entry
heads are found with a scan of the text first.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from pybtex.database import BibliographyData, parse_string
from pybtex.scanner import PybtexSyntaxError

from ..data.csvfile import decode_utf8
from ..data.identifiers import DOI, PMID, URL
from .problems import Problems
from .text import ACTIVE

FILE = "refs.bib"
HEAD = re.compile(r"^[ \t]*@[ \t]*(\w+)[ \t]*[{(][ \t]*([^,\s]*)", re.M)
NOT_ENTRIES = {"comment", "string", "preamble"}

# Required fields by entry type ("a|b" = either). BibTeX's classic requirements, plus what
# this review needs to find a source again; @misc/@online must at least say what and when.
REQUIRED = {
    "article": ["author", "title", "journal", "year"],
    "book": ["author|editor", "title", "publisher", "year"],
    "inproceedings": ["author", "title", "booktitle", "year"],
    "incollection": ["author", "title", "booktitle", "publisher", "year"],
    "phdthesis": ["author", "title", "school", "year"],
    "techreport": ["author", "title", "institution", "year"],
    "misc": ["title", "year|date|urldate"],  # undated web page: urldate = when it was read
    "online": ["title", "year|date", "url"],
    "unpublished": ["author", "title", "note"],
}


IDENTIFIER_FIELDS = ("doi", "pmid", "eprint", "eprinttype", "url")


@dataclass
class Bibliography:
    keys: set[str] = field(default_factory=set)
    lines: dict[str, int] = field(default_factory=dict)
    # identifiers of each entry (doi, pmid, eprint, url): the watch's queue check reads them
    identifiers: dict[str, dict[str, str]] = field(default_factory=dict)


def _error_line(err: Exception, offset: int) -> int:
    match = re.search(r"line (\d+)", str(err))
    return offset + (int(match.group(1)) - 1 if match else 0)


def _parse(text: str, heads: list[tuple[int, int, str, str]], problems: Problems,
           whole: bool = True) -> BibliographyData:
    """Parse the whole file; if that fails (or `whole` is False: pybtex refuses a whole file
    over a duplicate key), parse entry by entry so that every broken entry is reported and a
    syntax error in one entry does not hide the others."""
    if whole:
        try:
            return parse_string(text, "bibtex")
        except Exception:  # noqa: BLE001 - any parser error: located entry by entry below
            pass
    data = BibliographyData()
    starts = [h[0] for h in heads] + [len(text)]
    seen: set[str] = set()
    for (start, line, _kind, key), end in zip(heads, starts[1:]):
        try:
            chunk = parse_string(text[start:end], "bibtex")
        except PybtexSyntaxError as err:
            # reported at the entry's first line, where a contributor starts looking
            detail = re.sub(r"^syntax error in line \d+: ", "", str(err))
            problems.add(FILE, line, "-", f"BibTeX syntax error in entry {key or '(no key)'}: "
                                          f"{detail} (noticed on line {_error_line(err, line)})")
            continue
        except Exception as err:  # noqa: BLE001 - pybtex raises several types
            problems.add(FILE, line, "-", f"cannot be parsed: {err}")
            continue
        for k, entry in chunk.entries.items():
            if k.lower() not in seen:
                seen.add(k.lower())
                data.entries[k] = entry
    return data


def _check_entry(key: str, entry, line: int, problems: Problems) -> None:
    kind = entry.type.lower()
    fields = {name.lower(): value for name, value in entry.fields.items()}
    people = {role.lower() for role, persons in entry.persons.items() if persons}
    present = set(fields) | people
    if kind not in REQUIRED:
        problems.add(FILE, line, "-", f'entry type @{kind} is not used in this review '
                                      f'(use one of {", ".join("@" + t for t in REQUIRED)})')
    for need in REQUIRED.get(kind, []):
        options = need.split("|")
        if not any(option in present and (option in people or fields[option].strip())
                   for option in options):
            problems.add(FILE, line, need.replace("|", " or "),
                         f"@{kind} {key} needs {' or '.join(options)}")
    if not fields.get("doi") and not fields.get("url"):
        problems.add(FILE, line, "doi", f"{key} has neither doi nor url; a reader must be able "
                                        "to find the source")
    if fields.get("doi") and not DOI.match(fields["doi"]):
        problems.add(FILE, line, "doi", f'"{fields["doi"]}" is not a DOI (10.prefix/suffix, '
                                        'without https://doi.org/)')
    if fields.get("pmid") and not PMID.match(fields["pmid"]):
        problems.add(FILE, line, "pmid", f'"{fields["pmid"]}" is not a PubMed id (digits only)')
    if fields.get("url") and not URL.match(fields["url"]):
        problems.add(FILE, line, "url", f'"{fields["url"]}" is not an http(s) URL')
    year = fields.get("year")
    if year is not None:
        if not re.fullmatch(r"\d{4}", year):
            problems.add(FILE, line, "year", f'"{year}" is not a four-digit year')
        elif int(year) > dt.date.today().year:
            problems.add(FILE, line, "year", f"{year} is in the future")
    for name, value in fields.items():
        if ACTIVE.search(value):
            problems.add(FILE, line, name, "contains script or active content")


def check_bibliography(root: Path, problems: Problems) -> Bibliography:
    bib = Bibliography()
    path = root / FILE
    if not path.exists():
        problems.add(FILE, 1, "-", "file missing")
        return bib
    bad_lines: list[tuple[int, str]] = []
    text = decode_utf8(path.read_bytes(), bad_lines)
    for number, message in bad_lines:
        problems.add(FILE, number, "-", message)
    heads = []
    first_seen: dict[str, int] = {}
    for match in HEAD.finditer(text):
        kind, key = match.group(1).lower(), match.group(2)
        if kind in NOT_ENTRIES:
            continue
        # count line breaks since the previous head only: linear in the file's size
        since, base = (heads[-1][0], heads[-1][1]) if heads else (0, 1)
        line = base + text.count("\n", since, match.start())
        heads.append((match.start(), line, kind, key))
        if not key:
            problems.add(FILE, line, "-", "entry without a key")
        elif key.lower() in first_seen:
            problems.add(FILE, line, "-", f'duplicate key "{key}" (first on line '
                                          f'{first_seen[key.lower()]}; keys ignore case)')
        else:
            first_seen[key.lower()] = line
            bib.lines[key] = line
    data = _parse(text, heads, problems, whole=len(first_seen) == len(heads))
    for key, entry in data.entries.items():
        line = bib.lines.get(key, 1)
        _check_entry(key, entry, line, problems)
        bib.keys.add(key)
        bib.identifiers[key] = {name.lower(): str(value) for name, value in entry.fields.items()
                                if name.lower() in IDENTIFIER_FIELDS}
    return bib

