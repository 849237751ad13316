"""Reporting as a living review (PRISMA 2020 for living systematic reviews, PRISMA-LSR): the
flow of records per version of the review, counted from the screening log.

A version's records are those searched after the previous release and on or before its own
release date (`searched_on` in data/screening.csv; release dates from `releases/*.json`);
records searched after the last release belong to the version being prepared. Each column is
counted with the same rule as the whole flow (`evidence.synthesis.summary.screening_flow`).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..synthesis import summary
from . import html as h
from . import tables
from .views import view


def releases(root: Path) -> list[tuple[str, str]]:
    """(version, release date) of every release, oldest first."""
    from ..data.snapshots import snapshots

    return [(s.version, s.released) for s in snapshots(root)]


def partition(screening: pd.DataFrame, released: list[tuple[str, str]]) -> list[tuple[str, pd.DataFrame]]:
    """(column title, records) per version, then the records after the last release."""
    parts, after = [], ""
    for version, date in released:
        mask = (screening["searched_on"] > after) & (screening["searched_on"] <= date)
        parts.append((f"Version {version} (searches to {date})", screening[mask]))
        after = date
    rest = screening[screening["searched_on"] > after]
    title = f"Since version {released[-1][0]} (this version)" if released else "This version"
    parts.append((title, rest))
    return parts


STEPS = (("Records found by the searches", "n_records", 0), ("Duplicates removed", "n_duplicates", 1),
         ("Records screened", "n_screened", 0), ("Records excluded", "n_excluded", 1),
         ("Records included", "n_included", 0), ("Clinical reports (records)", "n_included_clinical", 1),
         ("Preclinical studies (records)", "n_included_preclinical", 1),
         ("Trial registry records", "n_included_trial_records", 1),
         ("Background sources", "n_included_background", 1))


def flow_by_version(screening: pd.DataFrame, studies: pd.DataFrame | None,
                    released: list[tuple[str, str]]) -> pd.DataFrame:
    """One row per flow step, one column per version and one for all versions."""
    columns = [*partition(screening, released), ("All versions", screening)]
    flows = [(title, summary.screening_flow(part, studies)) for title, part in columns]
    rows = [{"step": step, "level": level, **{title: flow[key] for title, flow in flows}}
            for step, key, level in STEPS]
    return pd.DataFrame(rows, columns=["step", "level", *[t for t, _ in flows]])


@view("screening_flow_by_version_table")
def flow_table(page) -> h.Fragment:
    frame = flow_by_version(page.table("screening"), page._tables.get("studies"),
                            releases(page.ev.root))
    titles = [c for c in frame.columns if c not in ("step", "level")]
    cols = [tables.Column("Step", lambda r: f'<span class="flow-level-{int(r["level"])}">'
                                            f'{h.text(r["step"])}</span>')]
    cols += [tables.Column(t, lambda r, t=t: h.text(r[t]), numeric=True) for t in titles]
    return tables.render(frame, cols, "screening-flow-by-version",
                         "Flow of records per version of the review (PRISMA-LSR), counted from "
                         "data/screening.csv by the date each record was searched.")


@view
def screening_flow_table(page) -> h.Fragment:
    """The PRISMA-style flow of records, counted from the screening log."""
    flow = summary.screening_flow(page.table("screening"), page.optional("studies"))
    label = page.ev.label
    steps = [("Records found by the searches", flow["n_records"], 0),
             ("Duplicates removed", flow["n_duplicates"], 1),
             ("Records screened", flow["n_screened"], 0),
             ("Records excluded", flow["n_excluded"], 1)]
    steps += [(label("exclusion_reasons", code), n, 2)
              for code, n in flow["excluded_by_reason"].items()]
    steps += [("Records included", flow["n_included"], 0),
              ("Clinical reports (records)", flow["n_included_clinical"], 1),
              ("Preclinical studies (records)", flow["n_included_preclinical"], 1),
              ("Trial registry records", flow["n_included_trial_records"], 1),
              ("Background sources", flow["n_included_background"], 1)]
    frame = pd.DataFrame(steps, columns=["step", "records", "level"])
    cols = [tables.Column("Step", lambda r: f'<span class="flow-level-{int(r["level"])}">'
                                            f'{h.text(r["step"])}</span>'),
            tables.Column("Records", lambda r: h.text(r["records"]), numeric=True)]
    return tables.render(frame, cols, "screening-flow",
                         "Flow of records through the search (PRISMA-style), from data/screening.csv.")
