"""The evidence package: everything the chapters share, grouped by the stage of the pipeline
each module serves. Data flows one way, and a stage imports only the stages before it:

    data ──► validate ──► watch ──► synthesis ──► present ──► release        (bench: all)

- `data`      — where the book is, reading and writing the tables and refs.bib, identifiers,
                GRADE levels, the slice of data a page declares and its digest, snapshots
- `validate`  — `python -m evidence validate` and the build's gate
- `watch`     — `python -m evidence watch|screen`: the registry and literature watch
- `synthesis` — counting patients once per cohort, summaries, exact intervals, certainty
- `present`   — the `Page` a chapter works with (`evidence.chapter("MG")`) and its views:
                tables and charts in topic modules (reports, outcomes, safety, trials, ...)
- `release`   — citation, releases, downloads, feed, the multi-version site, the PDF browser
- `bench`     — benchmarks that print figures
- `cli`       — `python -m evidence <command>`
"""


def chapter(*args, **kwargs):
    """`evidence.chapter("MG")`: see `evidence.present.page.chapter`. Imported on first use, so the
    command line (validate, format) starts without loading pandas and altair."""
    from .present.page import chapter as make

    return make(*args, **kwargs)


__all__ = ["chapter"]
