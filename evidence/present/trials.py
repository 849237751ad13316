"""Views of the registered trials: tables by disease, phase, status and year, and the trials
chart."""
from __future__ import annotations

import altair as alt
import pandas as pd

from ..synthesis import summary
from . import charts, tables
from . import html as h
from .views import note, plain, view


@view
def trials_table(page, caption: str | None = None) -> h.Fragment:
    trials = page.trials.sort_values("registry_id")
    diseases = page.table("trial-diseases").groupby("registry_id")["disease"] \
        .agg(lambda s: ", ".join(sorted(s)))
    trials = trials.assign(diseases=trials["registry_id"].map(diseases))
    label = page.ev.label
    cols = [
        tables.Column("Registry id", lambda r: h.link(r["registry_id"], r["source_url"])),
        tables.Column("Title", lambda r: h.text(r["title"])),
        tables.Column("Diseases", lambda r: h.text(r["diseases"])),
        tables.Column("Target", lambda r: h.text(r["target"])),
        tables.Column("Product", lambda r: h.text(r["product"])),
        tables.Column("Phase", lambda r: h.text(label("phases", r["phase"]))),
        tables.Column("Status", lambda r: h.text(label("statuses", r["status"]))),
        tables.Column("Enrolment", lambda r: h.text(r["enrollment"]), numeric=True),
        tables.Column("Status as of", lambda r: h.text(r["status_as_of"])),
        tables.Column("Registered", lambda r: h.text(r.get("registered_on"))),
    ]
    caption = caption or "Registered trials, by registry id."
    return tables.render(trials, cols, f"trials-{page.scope.disease or 'all'}", caption)


@view
def trials_by_disease_table(page, caption: str | None = None) -> h.Fragment:
    """Registered trials per disease: all, open to enrolment, and phase 2 or later (a
    basket trial counts in each of its diseases, so the rows do not add up)."""
    rows = summary.trials_by_disease(page.trials, page.table("trial-diseases"))
    cols = [
        tables.Column("Disease", lambda r: h.text(page.ev.label("diseases", r["disease"]))),
        tables.Column("Registered trials", lambda r: h.text(r["trials"]), numeric=True),
        tables.Column("Open to enrolment", lambda r: h.text(r["open"]), numeric=True),
        tables.Column("Phase 2 or later", lambda r: h.text(r["phase2_or_later"]), numeric=True),
    ]
    caption = caption or ("Registered trials by disease, with the status read on each "
                          "record's date; a basket trial counts once in each of its diseases.")
    return tables.render(rows, cols, f"trials-by-disease-{page.scope.disease or 'all'}", caption)


@view
def trials_by_table(page, column: str, caption: str | None = None) -> h.Fragment:
    """Registered trials per target, phase or status (each trial once; not reported last)."""
    vocab = {"target": "targets", "phase": "phases", "status": "statuses",
             "platform": "platforms"}[column]
    order = list(page.ev.vocab(vocab)["code"])
    rows = summary.trials_by(page.trials, column, order)
    headers = {"target": "Target", "phase": "Phase", "status": "Recruitment status",
               "platform": "Platform"}

    def value(r) -> str:
        if pd.isna(r[column]):
            return "Not reported in the record read"
        return h.text(page.ev.label(vocab, r[column]))

    cols = [tables.Column(headers[column], value),
            tables.Column("Registered trials", lambda r: h.text(r["trials"]), numeric=True)]
    caption = caption or (f"Registered trials by {headers[column].lower()} "
                          f"({page.where}), each trial counted once.")
    return tables.render(rows, cols, f"trials-by-{column}-{page.scope.disease or 'all'}",
                         caption)


@view
def trials_by_year_table(page, caption: str | None = None) -> h.Fragment:
    """Registered trials per year of first registration (first posted or registered, as
    read on the registry record or a copy of it), oldest first; trials without a date read
    are counted in a last row, never guessed into a year."""
    rows, undated = summary.trials_by_year(page.trials)
    rows = rows.astype(object)
    if undated:
        rows = pd.concat([rows, pd.DataFrame([{"year": None, "trials": undated,
                                               "registry_ids": ""}])], ignore_index=True)

    def year(r) -> str:
        return "No registration date read" if r["year"] is None else h.text(r["year"])

    cols = [tables.Column("Year registered", year),
            tables.Column("Registered trials", lambda r: h.text(r["trials"]), numeric=True),
            tables.Column("Registry ids", lambda r: h.text(r["registry_ids"]))]
    caption = caption or (f"Registered trials by year of first registration "
                          f"({page.where}), each trial counted once; the last row "
                          "counts the trials whose registration date was not read.")
    return tables.render(rows, cols, f"trials-by-year-{page.scope.disease or 'all'}", caption)


@view
def trials_chart(page) -> h.Fragment:
    trials = page.trials
    if trials.empty:
        return note("No registered trial has been found for this page yet, so there is no chart.")
    if len(trials) > charts.DETAIL_LIMIT:
        return _trials_by_phase_count_chart(page)
    rows = pd.DataFrame({
        "registry_id": trials["registry_id"], "title": trials["title"], "target": trials["target"],
        "enrollment": trials["enrollment"].astype("float"),
        "phase_label": trials["phase"].map(lambda c: page.ev.label("phases", c)),
        "status_label": trials["status"].map(lambda c: page.ev.label("statuses", c)),
    })
    statuses = [page.ev.label("statuses", c) for c in page.ev.vocab("statuses")["code"]]
    description = (f"Bar chart of {len(rows)} registered trials ({page.where}) "
                   f"by phase, coloured by recruitment status.")
    chart = trials_by_phase(plain(rows), statuses)
    caption = ("Registered trials per phase, coloured by recruitment status as shown on the "
               "registry record on the date it was read; hover a bar for the trials.")
    return charts.render(chart, f"trials-{page.scope.disease or 'all'}", description, caption)


def _trials_by_phase_count_chart(page) -> h.Fragment:
    trials = page.trials
    rows = pd.DataFrame({
        "phase_label": trials["phase"].map(lambda c: page.ev.label("phases", c)),
        "status_label": trials["status"].map(lambda c: page.ev.label("statuses", c))})
    counts = rows.groupby(["phase_label", "status_label"], sort=True, dropna=False) \
        .size().rename("trials").astype("float").reset_index()
    statuses = [page.ev.label("statuses", c) for c in page.ev.vocab("statuses")["code"]]
    description = (f"Bar chart of {len(trials)} registered trials ({page.where}) "
                   f"by phase, coloured by recruitment status.")
    chart = trials_by_phase_count(plain(counts), statuses)
    return charts.render(chart, f"trials-{page.scope.disease or 'all'}", description)


# -- chart specifications -------------------------------------------------------------------
def trials_by_phase(rows: pd.DataFrame, statuses: list[str]) -> alt.Chart:
    """Registered trials per phase, stacked by recruitment status.

    `rows` needs columns registry_id, phase_label, status_label, title, target, enrollment."""
    return alt.Chart(rows).mark_bar().encode(
        x=alt.X("count():Q", title="Registered trials", axis=alt.Axis(tickMinStep=1)),
        y=alt.Y("phase_label:N", title=None),
        color=alt.Color("status_label:N", title="Status",
                        scale=charts.colour_scale(statuses)),
        tooltip=[alt.Tooltip("registry_id:N", title="Registry id"),
                 alt.Tooltip("title:N", title="Title"), alt.Tooltip("target:N", title="Target"),
                 alt.Tooltip("status_label:N", title="Status"),
                 alt.Tooltip("enrollment:Q", title="Enrolment")],
    ).properties(width="container", height=alt.Step(28))


def trials_by_phase_count(rows: pd.DataFrame, statuses: list[str]) -> alt.Chart:
    """Registered trials per phase, stacked by status, from counts.
    `rows` needs columns phase_label, status_label, trials."""
    return alt.Chart(rows).mark_bar().encode(
        x=alt.X("trials:Q", title="Registered trials", stack="zero", axis=alt.Axis(tickMinStep=1)),
        y=alt.Y("phase_label:N", title=None),
        color=alt.Color("status_label:N", title="Status", scale=charts.colour_scale(statuses)),
        tooltip=[alt.Tooltip("phase_label:N", title="Phase"),
                 alt.Tooltip("status_label:N", title="Status"),
                 alt.Tooltip("trials:Q", title="Registered trials")],
    ).properties(width="container", height=alt.Step(28))
