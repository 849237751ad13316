"""What the book shows of the watch: its saved queries (Methods) and its state (What's new).

Both are read from the data each time the book is built, never typed: the queries from
data/watch_queries.csv, the last run from data/watch_runs.csv (empty: the watch has not run)
and the records awaiting screening from data/queue.csv.
"""
from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from ..data.records import CHANGE, NEW
from ..watch.config import SavedQuery
from ..watch.queue import last_run
from ..watch.store import read_rows
from . import html as h
from .tables import Column, render

STATUS_INPUTS = ("queue", "watch-runs")   # the tables What's new reads for the watch's state


def saved_queries_table(queries: pd.DataFrame, sources: pd.DataFrame) -> h.Fragment:
    labels = dict(zip(sources["code"], sources["label"]))

    def verbatim(row) -> str:
        query = SavedQuery(row["query_id"], row["source"], row["term"] or "",
                           row["condition"] or "", row["intervention"] or "")
        return f"<code>{h.text(query.text())}</code>"

    columns = [Column("Query", lambda r: h.text(r["query_id"])),
               Column("Source", lambda r: h.text(labels.get(r["source"], r["source"]))),
               Column("Query as run", verbatim),
               Column("Meant to find", lambda r: h.text(r["purpose"]))]
    return render(queries.fillna(""), columns, "watch-queries",
                  "Saved queries of the weekly watch (data/watch_queries.csv)")


def status_html(root: Path) -> str:
    """One paragraph: when the watch last ran and what awaits screening."""
    queue, runs = read_rows(root, "queue"), read_rows(root, "watch-runs")
    new = sum(1 for row in queue if row["kind"] == NEW)
    changes = sum(1 for row in queue if row["kind"] == CHANGE)
    trials = len({row["registry_id"] for row in queue if row["kind"] == CHANGE})
    last = last_run(runs)
    if last is None:
        when = ("The weekly registry and literature watch (ClinicalTrials.gov and PubMed) "
                "<strong>has not run yet</strong>.")
    else:
        when = (f'The weekly registry and literature watch last ran on '
                f'<time datetime="{html.escape(last)}">{html.escape(last)}</time>.')
    waiting = (f" Awaiting screening: <strong>{new}</strong> new "
               f"record{'' if new == 1 else 's'} and <strong>{changes}</strong> registry "
               f"change{'' if changes == 1 else 's'} of {trials} registered "
               f"trial{'' if trials == 1 else 's'}.")
    return f'<p class="evidence-watch-status">{when}{waiting}</p>'
