"""Checks of the team's judgements and the summary-of-findings vocabulary that a schema cannot
express: a certainty level must be the start moved by the stated changes, every change needs
its reason, a group must be a group the summary shows, a key outcome must name codes that
exist, a control arm belongs to a randomised trial only, and each report is appraised in every
domain of its tool, with its overall appraisal the most serious domain judgement.
"""
from __future__ import annotations

from ..data.grade import DOWNGRADES, LEVELS, UPGRADE, implied_level
from .problems import Problems
from .schema import Table


def _codes(table: Table | None) -> set[str]:
    return {r.raw.get("code", "") for r in table.records} if table else set()


def _disease_groups(diseases: Table) -> dict[str, str]:
    """As `evidence.synthesis.findings.disease_groups`, on raw rows (the validator does not load pandas)."""
    chapters = {r.raw["code"]: r.raw.get("chapter", "") for r in diseases.records}
    shared = [c for c, ch in chapters.items()
              if ch and ch != "other-disorders" and list(chapters.values()).count(ch) > 1]
    return {c: "+".join(sorted(k for k in shared if chapters[k] == chapters[c])) if c in shared else c
            for c in chapters}


def _certainty(certainty: Table, tables: dict[str, Table], problems: Problems) -> None:
    groups = set(_disease_groups(tables["vocab-diseases"]).values()) if "vocab-diseases" in tables else None
    for record in certainty.records:
        v = record.value
        group = record.raw.get("group", "")
        if groups is not None and group and group not in groups:
            problems.add(certainty.file, record.line, "group",
                         f'"{group}" is not a disease group of the summary of findings '
                         f"(one of: {', '.join(sorted(groups))})")
        changes = []
        for column, label in (*DOWNGRADES, UPGRADE):
            change = v.get(column)
            if change is None:
                continue  # missing or invalid: reported by the schema check
            changes.append(change)
            if change != 0 and not record.raw.get(f"{column}_reason", "").strip():
                problems.add(certainty.file, record.line, f"{column}_reason",
                             f"a change of {change} for {label} needs its reason")
        start, stated = v.get("start"), v.get("certainty")
        if start in LEVELS and stated in LEVELS and len(changes) == len(DOWNGRADES) + 1:
            implied = implied_level(start, changes)
            if stated != implied:
                problems.add(certainty.file, record.line, "certainty",
                             f'"{stated}" does not follow from start "{start}" and the changes '
                             f"({sum(changes):+d} levels): expected \"{implied}\"")


def _sof_outcomes(vocab: Table, tables: dict[str, Table], problems: Problems) -> None:
    known = {"outcomes": _codes(tables.get("vocab-outcomes")), "safety": _codes(tables.get("vocab-events"))}
    grades = _codes(tables.get("vocab-grades"))
    for record in vocab.records:
        raw = record.raw
        source = raw.get("source_table", "")
        for code in raw.get("source_codes", "").split():
            if source in known and code not in known[source]:
                vocab_file = "vocab/outcomes.csv" if source == "outcomes" else "vocab/events.csv"
                problems.add(vocab.file, record.line, "source_codes",
                             f'"{code}" is not a code of data/{vocab_file}')
        grade = raw.get("grade", "")
        if source == "safety" and grade not in grades:
            problems.add(vocab.file, record.line, "grade",
                         f'a harm read from safety needs a grade of data/vocab/grades.csv, not "{grade}"')
        if source == "outcomes" and grade:
            problems.add(vocab.file, record.line, "grade", "only harms read from safety have a grade")


def _arms(outcomes: Table, studies: Table, problems: Problems) -> None:
    design = {r.raw["study_id"]: r.raw.get("design", "") for r in studies.records}
    for record in outcomes.records:
        if record.raw.get("arm") == "control" and design.get(record.raw.get("study_id")) != "randomised-trial":
            problems.add(outcomes.file, record.line, "arm",
                         "a control arm belongs to a randomised trial; this report's design is "
                         f'"{design.get(record.raw.get("study_id"), "")}"')


SERIOUSNESS = ("low", "some-concerns", "high")  # vocab/appraisal_levels.csv, least serious first


def _appraisal(appraisal: Table, tables: dict[str, Table], problems: Problems) -> None:
    studies = tables["studies"]
    tool_of_domain = {r.raw["code"]: r.raw.get("tool", "")
                      for r in tables["vocab-appraisal-domains"].records} \
        if "vocab-appraisal-domains" in tables else {}
    domains_of: dict[str, list[str]] = {}
    for domain, tool in tool_of_domain.items():
        domains_of.setdefault(tool, []).append(domain)
    judged: dict[str, dict[str, str]] = {}
    tool_of_study = {r.raw["study_id"]: r.raw.get("appraisal_tool", "") for r in studies.records}
    for record in appraisal.records:
        study, domain = record.raw.get("study_id", ""), record.raw.get("domain", "")
        judged.setdefault(study, {})[domain] = record.raw.get("judgement", "")
        tool = tool_of_study.get(study)
        if tool and domain in tool_of_domain and tool_of_domain[domain] != tool:
            problems.add(appraisal.file, record.line, "domain",
                         f'"{domain}" is a domain of {tool_of_domain[domain]}, but {study} is '
                         f"appraised with {tool}")
    for record in studies.records:
        study, tool = record.raw["study_id"], record.raw.get("appraisal_tool", "")
        if tool not in domains_of:
            continue  # a tool without domains in the vocabulary: nothing to check against
        missing = [d for d in domains_of[tool] if d not in judged.get(study, {})]
        if missing:
            problems.add(studies.file, record.line, "appraisal_tool",
                         f"no judgement in data/appraisal.csv for domain(s) {', '.join(missing)} "
                         f"of {tool}")
            continue
        levels = [judged[study][d] for d in domains_of[tool] if judged[study][d] in SERIOUSNESS]
        overall = record.raw.get("appraisal", "")
        if levels and overall in SERIOUSNESS:
            worst = max(levels, key=SERIOUSNESS.index)
            if overall != worst:
                problems.add(studies.file, record.line, "appraisal",
                             f'"{overall}" is not the most serious domain judgement in '
                             f'data/appraisal.csv ("{worst}")')


def check(tables: dict[str, Table], problems: Problems) -> None:
    if "certainty" in tables:
        _certainty(tables["certainty"], tables, problems)
    if "vocab-sof-outcomes" in tables:
        _sof_outcomes(tables["vocab-sof-outcomes"], tables, problems)
    if "outcomes" in tables and "studies" in tables:
        _arms(tables["outcomes"], tables["studies"], problems)
    if "appraisal" in tables and "studies" in tables:
        _appraisal(tables["appraisal"], tables, problems)
