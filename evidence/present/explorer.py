"""The evidence explorer: every clinical report and every registered trial in one table each,
to search, filter and sort in the browser, with a stable anchor per row.

The rows are written into the page as plain HTML (so the tables work without JavaScript, in
the PDF and for screen readers); `_ext/assets/explorer.js` adds search, filters and sorting on
pages that hold an explorer. Row anchors never change while the key does:
`#study-<study_id>` and `#trial-<registry_id>`.

Each row has a "report an error" link. With a repository URL (`repository.url` in
`_config.yml`, or the EVIDENCE_REPOSITORY_URL environment variable) it opens the
`correction.yml` issue form with the table and the row filled in; without one it points to
the contributing guide. No URL is ever guessed.
"""
from __future__ import annotations

import html
import json
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urlencode

import pandas as pd

from ..data.paths import repository_url
from . import html as h
from .views import followup, view

EXPLORER_CLASS = "evidence-explorer"
CONTRIBUTING = "contributing.html#corrections"  # the contributing guide, from chapters/
NOT_REPORTED = "-"  # filter value of an empty cell
_NUM = ' class="num"'


def correction_link(repo: str | None, table: str, row: str) -> str:
    """The prefilled correction form for one row (field ids of .github/ISSUE_TEMPLATE/
    correction.yml), or the contributing guide when the repository is not configured."""
    name = f"Report an error in {table} row {row}"
    if repo:
        query = urlencode({"template": "correction.yml", "table": table, "row": row,
                           "title": f"Correction: {table} {row}"})
        href = f"{repo}/issues/new?{query}"
    else:
        href = CONTRIBUTING
    return (f'<a class="explorer-report" href="{html.escape(href, quote=True)}" '
            f'aria-label="{h.text(name)}">Report an error</a>')


@dataclass(frozen=True)
class Col:
    header: str
    cell: Callable[[pd.Series], str]      # HTML of the cell
    sort: Callable[[pd.Series], object] | None = None  # sort key (default: the cell's text)
    numeric: bool = False


@dataclass(frozen=True)
class Filter:
    key: str
    label: str
    values: Callable[[pd.Series], list[str]]  # codes of a row (several for basket trials)
    option_label: Callable[[str], str]


def _codes(value) -> list[str]:
    return [NOT_REPORTED] if value is None or pd.isna(value) else [str(value)]


def _filters_attr(record: pd.Series, filters: list[Filter]) -> str:
    payload = {f.key: f.values(record) for f in filters}
    return html.escape(json.dumps(payload, sort_keys=True, separators=(",", ":")), quote=True)


def _sort_attr(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ' data-sort=""'  # sorts as missing, not by the words "not reported" in the cell
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f' data-sort="{h.text(value)}"'


def render(frame: pd.DataFrame, *, name: str, noun: str, key: str, anchor: str,
           caption: str, cols: list[Col], filters: list[Filter]) -> h.Fragment:
    """One explorer: controls (hidden until the script runs), a live count and the table."""
    base = f"explorer-{name}"
    controls = [f'<div class="explorer-field explorer-search"><label for="{base}-q">Search</label>'
                f'<input type="search" id="{base}-q" data-explorer-search autocomplete="off" '
                f'placeholder="words in any column"></div>']
    for flt in filters:
        present = sorted({v for _, r in frame.iterrows() for v in flt.values(r)},
                         key=lambda v: (v == NOT_REPORTED, flt.option_label(v).lower()))
        options = "".join(f'<option value="{h.text(v)}">{h.text(flt.option_label(v))}</option>'
                          for v in present)
        controls.append(f'<div class="explorer-field"><label for="{base}-{flt.key}">{h.text(flt.label)}</label>'
                        f'<select id="{base}-{flt.key}" data-explorer-filter="{flt.key}">'
                        f'<option value="">All</option>{options}</select></div>')
    controls.append('<div class="explorer-field explorer-actions">'
                    '<button type="reset" class="explorer-reset">Clear search and filters</button></div>')
    form = (f'<form class="explorer-controls" role="search" aria-label="Search and filter the {h.text(noun)}" '
            f'hidden>{"".join(controls)}</form>')
    count = (f'<p class="explorer-count" id="{base}-count" aria-live="polite">'
             f'{len(frame)} {h.text(noun)}</p>')
    head = "".join(
        f'<th scope="col"{_NUM if c.numeric else ""} data-type="{"number" if c.numeric else "text"}">'
        f'<span class="explorer-header">{h.text(c.header)}</span></th>' for c in cols)
    rows = []
    for _, record in frame.iterrows():
        cells = "".join(
            f'<td{_NUM if c.numeric else ""}{_sort_attr(c.sort(record)) if c.sort else ""}>'
            f"{c.cell(record)}</td>" for c in cols)
        rows.append(f'<tr id="{h.text(anchor + str(record[key]))}" '
                    f'data-filters="{_filters_attr(record, filters)}">{cells}</tr>')
    body = "\n".join(rows) or f'<tr><td colspan="{len(cols)}">No records.</td></tr>'
    table = (f'<div class="evidence-table-wrapper" role="region" tabindex="0" aria-labelledby="{base}-caption">'
             f'<table class="evidence-table explorer-table" id="{base}-table">'
             f'<caption id="{base}-caption">{h.text(caption)}</caption>'
             f"<thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table></div>")
    markup = (f'<div class="{EXPLORER_CLASS}" id="{base}" data-noun="{h.text(noun)}">'
              f"{form}{count}{table}</div>")
    plain = f"{caption}\n{len(frame)} {noun}: " + ", ".join(str(k) for k in frame[key])
    return h.Fragment(markup, plain)


def chapter_link(ev, disease: str) -> str:
    """The disease's code linked to the chapter that shows it (vocab diseases.csv `chapter`)."""
    chapters = dict(zip(ev.vocab("diseases")["code"], ev.vocab("diseases")["chapter"]))
    target = chapters.get(disease)
    label = ev.label("diseases", disease)
    if target is None or pd.isna(target):
        return f'<abbr title="{h.text(label)}">{h.text(disease)}</abbr>'
    return f'<a href="{h.text(target)}.html" title="{h.text(label)}">{h.text(disease)}</a>'


def studies(ev, frame: pd.DataFrame, labels: pd.Series, repo: str | None,
            followup: Callable[[pd.Series], str], appraisals: pd.DataFrame) -> h.Fragment:
    from . import appraisal

    frame = frame.assign(label=labels).sort_values(["pub_date", "study_id"], na_position="first")
    trial_ids = set(ev.trials["registry_id"])
    label = ev.label
    domains = appraisal.domain_rows(ev, appraisals)

    def appraisal_cell(r):
        # overall first (what the filter selects), then each domain; the reasons are in the
        # disease chapter's appraisal table, which is long for a table cell
        return (h.text(label("appraisal_levels", r["appraisal"]))
                + appraisal.domain_list(domains.get(r["study_id"], []), with_reasons=False))

    def registry(r):
        rid = r["registry_id"]
        if pd.isna(rid):
            return ""
        if rid in trial_ids:
            return f'<a href="#trial-{h.text(rid)}">{h.text(rid)}</a>'
        return h.text(rid)

    def vocab_filter(column, vocab):
        return Filter(column, {"source_type": "Source type"}.get(column, column.replace("_", " ").capitalize()),
                      lambda r: _codes(r[column]),
                      lambda v: "Not reported" if v == NOT_REPORTED else label(vocab, v))

    cols = [
        Col("Report", lambda r: h.link(r["label"], r["source_url"]), sort=lambda r: r["label"]),
        Col("Disease", lambda r: chapter_link(ev, r["disease"]), sort=lambda r: r["disease"]),
        Col("Target", lambda r: h.text(r["target"])),
        Col("Product", lambda r: h.text(r["product"])),
        Col("Platform", lambda r: h.text(label("platforms", r["platform"]))),
        Col("Design", lambda r: h.text(label("designs", r["design"]))),
        Col("Treated", lambda r: h.count(r["n_treated"]), sort=lambda r: r["n_treated"], numeric=True),
        Col("Follow-up (months)", lambda r: h.text(followup(r)), sort=lambda r: r["followup_months"],
            numeric=True),
        Col("Published", lambda r: h.text(r["pub_date"]), sort=lambda r: r["pub_date"]),
        Col("Registry", registry),
        Col("Source type", lambda r: h.text(label("source_types", r["source_type"]))),
        Col("Appraisal (overall, then by domain)", appraisal_cell, sort=lambda r: r["appraisal"]),
        Col("Correction", lambda r: correction_link(repo, "studies", r["study_id"])),
    ]
    filters = [
        Filter("disease", "Disease", lambda r: _codes(r["disease"]), lambda v: label("diseases", v)),
        Filter("target", "Target", lambda r: _codes(r["target"]),
               lambda v: "Not reported" if v == NOT_REPORTED else label("targets", v)),
        vocab_filter("platform", "platforms"),
        vocab_filter("design", "designs"),
        vocab_filter("source_type", "source_types"),
        Filter("appraisal", "Appraisal", lambda r: _codes(r["appraisal"]),
               lambda v: "Not reported" if v == NOT_REPORTED else label("appraisal_levels", v)),
    ]
    return render(frame, name="studies", noun="clinical reports", key="study_id", anchor="study-",
                  caption="Every clinical report in the review (one row per report and disease "
                          "cohort), oldest first; sources as read on the date in the data.",
                  cols=cols, filters=filters)


def trials(ev, frame: pd.DataFrame, diseases: pd.DataFrame, studies_frame: pd.DataFrame,
           repo: str | None) -> h.Fragment:
    frame = frame.sort_values("registry_id")
    by_trial = diseases.groupby("registry_id")["disease"].agg(lambda s: sorted(s)).to_dict()
    reports = studies_frame.dropna(subset=["registry_id"]).groupby("registry_id")["study_id"] \
        .agg(lambda s: sorted(s)).to_dict()
    label = ev.label

    def disease_cell(r):
        return ", ".join(chapter_link(ev, d) for d in by_trial.get(r["registry_id"], []))

    def report_cell(r):
        return ", ".join(f'<a href="#study-{h.text(s)}">{h.text(s)}</a>'
                         for s in reports.get(r["registry_id"], []))

    def optional(column, vocab, title):
        return Filter(column, title, lambda r: _codes(r[column]),
                      lambda v: "Not reported" if v == NOT_REPORTED else label(vocab, v))

    cols = [
        Col("Registry id", lambda r: h.link(r["registry_id"], r["source_url"]),
            sort=lambda r: r["registry_id"]),
        Col("Title", lambda r: h.text(r["title"])),
        Col("Diseases", disease_cell, sort=lambda r: " ".join(by_trial.get(r["registry_id"], []))),
        Col("Target", lambda r: h.text(r["target"])),
        Col("Product", lambda r: h.text(r["product"])),
        Col("Platform", lambda r: h.text(label("platforms", r["platform"]))),
        Col("Phase", lambda r: h.text(label("phases", r["phase"])),
            sort=lambda r: list(ev.vocab("phases")["code"]).index(r["phase"])
            if not pd.isna(r["phase"]) else None),
        Col("Status", lambda r: h.text(label("statuses", r["status"]))),
        Col("Enrolment", lambda r: h.text(r["enrollment"]), sort=lambda r: r["enrollment"], numeric=True),
        Col("Status as of", lambda r: h.text(r["status_as_of"]), sort=lambda r: r["status_as_of"]),
        Col("Registered", lambda r: h.text(r.get("registered_on")), sort=lambda r: r.get("registered_on")),
        Col("Reports", report_cell),
        Col("Correction", lambda r: correction_link(repo, "trials", r["registry_id"])),
    ]
    filters = [
        Filter("disease", "Disease", lambda r: by_trial.get(r["registry_id"], []) or [NOT_REPORTED],
               lambda v: label("diseases", v)),
        optional("target", "targets", "Target"),
        optional("platform", "platforms", "Platform"),
        optional("phase", "phases", "Phase"),
        optional("status", "statuses", "Status"),
    ]
    return render(frame, name="trials", noun="registered trials", key="registry_id", anchor="trial-",
                  caption="Every registered trial in the review, by registry id; status as shown "
                          "on the registry record on the date it was read.",
                  cols=cols, filters=filters)


@view
def explorer_studies(page) -> h.Fragment:
    """Every clinical report, to search, filter and sort; rows anchored as #study-<id>."""
    return studies(page.ev, page.studies, page.report_labels(page.studies),
                   repository_url(page.ev.root), followup, page.table("appraisal"))


@view
def explorer_trials(page) -> h.Fragment:
    """Every registered trial, to search, filter and sort; rows anchored as #trial-<id>."""
    return trials(page.ev, page.trials, page.table("trial-diseases"), page.studies,
                  repository_url(page.ev.root))
