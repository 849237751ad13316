"""Read refs.bib, the one bibliography of the book.

The evidence tables label each report by its reference ("Fischbach et al. 2024"), derived here
from the BibTeX entry so that a corrected author list corrects every table.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pybtex.database import BibliographyData, parse_string

from .paths import book_root

BIBFILE = "refs.bib"


@lru_cache(maxsize=8)
def _parse(text: str) -> BibliographyData:
    return parse_string(text, "bibtex")


def load(root: Path | None = None) -> BibliographyData:
    return _parse(((root or book_root()) / BIBFILE).read_text(encoding="utf-8"))


@lru_cache(maxsize=4096)
def _plain(text: str) -> str:
    """BibTeX text as plain text: braces dropped, LaTeX accents decoded ({\\"u} -> ü).

    Rendered with pybtex's plain-text backend named directly: `render_as("text")` looks the
    backend up among the installed packages' entry points on every call (about 10 ms), which
    made labelling a few thousand rows take minutes."""
    from pybtex.backends.plaintext import Backend
    from pybtex.richtext import Text

    return Text.from_latex(text).render(Backend())


def short_label(bib: BibliographyData, key: str) -> str:
    """'Surname et al. 2024', 'Surname and Other 2024', 'Surname 2024' or 'Organisation 2024'."""
    entry = bib.entries.get(key)
    if entry is None:
        return key
    people = entry.persons.get("author", [])
    year = entry.fields.get("year", "n.d.")
    if people:
        first = _plain(" ".join(people[0].last_names))
        truncated = str(people[-1]) == "others"  # "and others": the list was not seen in full
        if len(people) == 1:
            who = first
        elif len(people) == 2 and not truncated:
            who = f"{first} and {_plain(' '.join(people[1].last_names))}"
        else:
            who = f"{first} et al."
    else:
        who = _plain(entry.fields.get("author", entry.fields.get("organization", key)))
    return f"{who} {year}"


def entry_fingerprint(bib: BibliographyData, keys) -> str:
    """A stable text of the given entries, for digests: a page re-runs when one of the
    references it shows changes, not when an unrelated entry does."""
    parts = []
    for key in sorted(set(keys)):
        entry = bib.entries.get(key)
        if entry is None:
            parts.append(f"{key}: missing")
            continue
        persons = {role: [str(p) for p in people] for role, people in entry.persons.items()}
        parts.append(f"{key}: {entry.type} {sorted(entry.fields.items())} {sorted(persons.items())}")
    return "\n".join(parts)
