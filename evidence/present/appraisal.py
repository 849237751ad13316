"""Critical appraisal by domain: each report's judgement in every domain of its tool
(`data/appraisal.csv`; Murad et al. 2018 for uncontrolled reports, RoB 2 for randomised
trials), laid out for a chapter and for the explorer. The judgements are the team's data; the
overall appraisal (`studies.appraisal`) is the most serious domain judgement, which the
validator checks.
"""
from __future__ import annotations

import pandas as pd

from . import html as h
from . import tables


def domain_rows(ev, appraisal: pd.DataFrame) -> dict[str, list[tuple[str, str, str]]]:
    """study_id -> [(domain label, judgement label, reason)] in the tool's domain order."""
    domains = ev.vocab("appraisal_domains")
    order = {code: i for i, code in enumerate(domains["code"])}
    rows = appraisal.assign(_order=appraisal["domain"].map(order)).sort_values(["study_id", "_order"])
    out: dict[str, list[tuple[str, str, str]]] = {}
    for _, r in rows.iterrows():
        out.setdefault(r["study_id"], []).append(
            (ev.label("appraisal_domains", r["domain"]), ev.label("appraisal_levels", r["judgement"]),
             r["reason"]))
    return out


def domain_list(items: list[tuple[str, str, str]], with_reasons: bool) -> str:
    """The domains as a list: 'Selection: High concern — reason' (the reason only if asked)."""
    if not items:
        return h.text("not appraised by domain")
    lines = [f"<li><strong>{h.text(domain)}</strong>: {h.text(level)}"
             + (f" \u2014 {h.text(reason)}" if with_reasons else "") + "</li>"
             for domain, level, reason in items]
    return f'<ul class="evidence-domains">{"".join(lines)}</ul>'


def table(page, labels: pd.Series) -> h.Fragment:
    """One row per report of the page: tool, each domain's judgement with its reason, overall."""
    ev = page.ev
    studies = page.studies.assign(label=labels).sort_values(["pub_date", "study_id"], na_position="first")
    by_study = domain_rows(ev, page.table("appraisal"))
    cols = [
        tables.Column("Report", lambda r: h.link(r["label"], r["source_url"])),
        tables.Column("Tool", lambda r: h.text(ev.label("appraisal_tools", r["appraisal_tool"]))),
        tables.Column("Judgement by domain, with its reason",
                      lambda r: domain_list(by_study.get(r["study_id"], []), with_reasons=True)),
        tables.Column("Overall (most serious domain)",
                      lambda r: h.text(ev.label("appraisal_levels", r["appraisal"]))),
    ]
    return tables.render(studies, cols, f"appraisal-{page.scope.disease or 'all'}",
                         f"Critical appraisal of each report ({page.where}), by domain "
                         "of its tool, oldest report first.")
