"""The evidence package: everything the chapters share.

Chapters call a few functions from here; the logic (finding and loading the tables, scoping
them to a page, counting patients, rendering tables and charts) lives once in these modules:

- `paths`    — where the book being built keeps its data
- `data`     — loading the Frictionless data package into typed pandas tables
- `bib`      — reading refs.bib (labels for evidence tables)
- `scope`    — the slice of the evidence a page shows, and its digest (drives re-execution)
- `summary`  — counting rule and per-page figures for glued prose numbers
- `tables`   — escaped, stable-id HTML evidence tables
- `charts`   — altair charts with one colour-blind-safe palette, rendered offline
- `page`     — the object a chapter works with: `evidence.chapter("MG")`
- `explorer` — the evidence explorer: searchable tables of every report and trial
- `validate` — the data checks behind `python -m evidence validate` (and the build's gate)
- `csvfile`, `formatting` — reading the CSVs by line; `python -m evidence format`
- `citation` — the book's citation from CITATION.cff: version, formats, meta tags, Zenodo
- `snapshots`, `changes`, `feed` — release snapshots, What's new, its Atom feed
- `release`  — `python -m evidence release X.Y.Z`
- `export`   — the downloads (CSV, zip, JSON, BibTeX) under versioned names
- `site`     — `python -m evidence assemble`: archived versions for the published site
- `cli`      — `python -m evidence validate|format|release|export|assemble|bench`
- `bench`    — benchmarks that print figures
"""


def chapter(*args, **kwargs):
    """`evidence.chapter("MG")`: see `evidence.present.page.chapter`. Imported on first use, so the
    command line (validate, format) starts without loading pandas and altair."""
    from .present.page import chapter as make

    return make(*args, **kwargs)


__all__ = ["chapter"]
