"""Checks across rows and tables that a schema cannot express: counts that cannot exceed
each other, reports of one cohort that must agree, well-formed identifiers, dates that have
not happened yet, and the screening log's links.

Rows with an invalid or empty value are skipped here (the schema checks reported them).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from ..data.identifiers import URL, identifier_problems, registry_problem
from .problems import Problems
from .schema import Table

# Grades that count a subset of the patients counted at another grade (same study, event, scale).
GRADE_WITHIN = {
    "1": ["any"], "2": ["any", ">=2"], ">=2": ["any"], "3": ["any", ">=2", ">=3"],
    ">=3": ["any", ">=2"], "4": ["any", ">=2", ">=3"], "5": ["any", ">=2", ">=3"],
}
DATE_COLUMNS = {"checked_on", "searched_on", "status_as_of", "registered_on", "corrected_on"}
IN_AGREEMENT = ("disease", "target", "may_overlap")  # reports of one cohort describe the same patients
SCREENING_LINKS = ("study_id", "registry_id", "bibkey")  # what an included record became


def _future_dates(table: Table, today: dt.date, problems: Problems) -> None:
    for record in table.records:
        for column in DATE_COLUMNS & record.value.keys():
            when = record.value[column]
            if isinstance(when, dt.date) and when > today:
                problems.add(table.file, record.line, column, f"{when} is in the future")
        pub = record.value.get("pub_date")
        if isinstance(pub, str) and pub > today.isoformat()[:len(pub)]:
            problems.add(table.file, record.line, "pub_date", f"{pub} is in the future")


def _urls(table: Table, problems: Problems) -> None:
    for record in table.records:
        url = record.value.get("source_url")
        if isinstance(url, str) and not URL.match(url):
            problems.add(table.file, record.line, "source_url", f'"{url}" is not an http(s) URL')


def _registry_ids(table: Table, problems: Problems) -> None:
    for record in table.records:
        value = record.value.get("registry_id")
        if isinstance(value, str):
            problem = registry_problem(value)
            if problem:
                problems.add(table.file, record.line, "registry_id", problem)


def _studies(studies: Table, problems: Problems) -> dict[str, dict]:
    by_id = {}
    cohorts: dict[str, list] = defaultdict(list)
    for record in studies.records:
        v = record.value
        by_id[record.raw["study_id"]] = v
        cohorts[record.raw["cohort_id"]].append(record)
        if v.get("followup_months") is not None and not v.get("followup_stat"):
            problems.add(studies.file, record.line, "followup_stat",
                         "followup_months is given; say what it is (median, mean, max, ...)")
        if v.get("followup_stat") and v.get("followup_months") is None:
            problems.add(studies.file, record.line, "followup_months",
                         "followup_stat is given without followup_months")
        if bool(v.get("appraisal")) != bool(v.get("appraisal_tool")):
            problems.add(studies.file, record.line, "appraisal",
                         "appraisal and appraisal_tool go together (the judgement and its tool)")
        if v.get("design") == "case-report" and v.get("n_treated") not in (None, 1):
            problems.add(studies.file, record.line, "n_treated",
                         f"a case report describes one patient, not {v['n_treated']}")
    diseases = {cohort: records[0].raw["disease"] for cohort, records in cohorts.items()}
    for cohort, records in cohorts.items():
        first = records[0]
        other = first.raw.get("may_overlap", "")
        if other and other not in cohorts:
            problems.add(studies.file, first.line, "may_overlap",
                         f'unknown cohort "{other}" (no row of data/studies.csv has this cohort_id)')
        elif other == cohort:
            problems.add(studies.file, first.line, "may_overlap", "a cohort cannot overlap itself")
        elif other and diseases[other] != first.raw["disease"]:
            problems.add(studies.file, first.line, "may_overlap",
                         f'cohort "{other}" is {diseases[other]}, this one {first.raw["disease"]}: '
                         "patients of one disease cannot be those of another")
        for record in records[1:]:
            for column in IN_AGREEMENT:
                if record.raw[column] != first.raw[column]:
                    problems.add(studies.file, record.line, column,
                                 f'cohort "{cohort}" is {column} "{first.raw[column]}" on line '
                                 f'{first.line} but "{record.raw[column]}" here; reports of one '
                                 "cohort describe the same patients")
    return by_id


def _not_more_than_treated(table: Table, column: str, studies: dict, problems: Problems,
                           what: str) -> None:
    for record in table.records:
        n = record.value.get(column)
        study = studies.get(record.raw.get("study_id", ""))
        if n is None or study is None or study.get("n_treated") is None:
            continue
        if n > study["n_treated"]:
            problems.add(table.file, record.line, column,
                         f"{what} {n} exceeds the {study['n_treated']} patients treated in "
                         f"{record.raw['study_id']}")


def _outcomes(outcomes: Table, studies: dict, problems: Problems) -> None:
    _not_more_than_treated(outcomes, "n_evaluated", studies, problems, "evaluated")
    for record in outcomes.records:
        v = record.value
        low, high, value = v.get("value_low"), v.get("value_high"), v.get("value")
        if low is not None and high is not None and low > high:
            problems.add(outcomes.file, record.line, "value_low",
                         f"value_low {low:g} is above value_high {high:g}")
        if (low is not None or high is not None) and not v.get("dispersion"):
            problems.add(outcomes.file, record.line, "dispersion",
                         "value_low/value_high given; say what they are (IQR, range, 95% CI, SD)")
        if v.get("dispersion") in ("IQR", "range", "95% CI") and value is not None and (
                (low is not None and value < low) or (high is not None and value > high)):
            problems.add(outcomes.file, record.line, "value",
                         f"value {value:g} lies outside its {v['dispersion']} "
                         f"{low if low is not None else ''}–{high if high is not None else ''}")
        if v.get("statistic") == "percent" and value is not None and not 0 <= value <= 100:
            problems.add(outcomes.file, record.line, "value", f"{value:g} is not a percentage")
        if v.get("statistic") == "count" and value is not None:
            if value < 0 or value != int(value):
                problems.add(outcomes.file, record.line, "value",
                             f"{value:g} is not a count of patients")
            elif v.get("n_evaluated") is not None and value > v["n_evaluated"]:
                problems.add(outcomes.file, record.line, "value",
                             f"count {value:g} exceeds the {v['n_evaluated']} patients evaluated")


def _safety(safety: Table, studies: dict, problems: Problems) -> None:
    _not_more_than_treated(safety, "n_patients", studies, problems, "patients with the event")
    _not_more_than_treated(safety, "n_evaluated", studies, problems, "evaluated")
    counts: dict[tuple, dict[str, tuple[int, int]]] = defaultdict(dict)
    for record in safety.records:
        v = record.value
        if v.get("n_patients") is not None and v.get("n_evaluated") is not None \
                and v["n_patients"] > v["n_evaluated"]:
            problems.add(safety.file, record.line, "n_patients",
                         f"{v['n_patients']} patients with the event exceeds the "
                         f"{v['n_evaluated']} evaluated")
        if v.get("n_patients") is not None and v.get("grade"):
            key = (record.raw["study_id"], record.raw["event"], record.raw.get("scale", ""))
            counts[key][v["grade"]] = (v["n_patients"], record.line)
    for (study, event, _scale), by_grade in counts.items():
        for grade, line, wider, n, bound, bound_line in _grade_excesses(by_grade):
            problems.add(safety.file, line, "n_patients",
                         f"{n} patients with {event} grade {grade} exceeds the "
                         f"{bound} at grade {wider} (line {bound_line}) in {study}")


def _grade_excesses(by_grade: dict[str, tuple[float, int]]):
    """(grade, line, wider grade, value, wider value, its line) wherever a grade counts more
    than a grade that includes it ({grade: (value, line)} of one study, event and scale)."""
    for grade, (value, line) in by_grade.items():
        for wider in GRADE_WITHIN.get(grade, []):
            if wider in by_grade and value > by_grade[wider][0]:
                yield grade, line, wider, value, *by_grade[wider]


PERCENT_ROUNDING = 1.0  # percentages are reported rounded; allow one point either way


def _comparators(table: Table, problems: Problems) -> None:
    """Oncology comparator rates: a count agrees with its percentage and population, and a
    narrower grade is not more frequent than a wider one of the same product, trial and event."""
    groups: dict[tuple, dict[str, tuple[float, int]]] = defaultdict(dict)
    for record in table.records:
        v = record.value
        n, count, percent = v.get("n_patients"), v.get("n_with_event"), v.get("percent")
        if n is not None and count is not None:
            if count > n:
                problems.add(table.file, record.line, "n_with_event",
                             f"{count} patients with the event exceeds the {n} in the population")
            elif percent is not None and abs(100 * count / n - percent) > PERCENT_ROUNDING:
                problems.add(table.file, record.line, "percent",
                             f"{percent:g}% does not match {count}/{n} "
                             f"({100 * count / n:.1f}%)")
        if percent is not None and v.get("grade"):
            key = tuple(record.raw.get(c, "") for c in ("bibkey", "product", "trial", "event", "scale"))
            groups[key][v["grade"]] = (percent, record.line)
    for key, by_grade in groups.items():
        for grade, line, wider, percent, bound, bound_line in _grade_excesses(by_grade):
            problems.add(table.file, line, "percent",
                         f"{percent:g}% with {key[3]} grade {grade} exceeds the "
                         f"{bound:g}% at grade {wider} (line {bound_line})")


def _screening(screening: Table, studies: dict, preclinical: set[str], problems: Problems) -> None:
    for record in screening.records:
        v = record.value
        identifier = v.get("identifier")
        if isinstance(identifier, str):
            for message in identifier_problems(identifier):
                problems.add(screening.file, record.line, "identifier", message)
        study_id = v.get("study_id")
        if study_id and study_id not in studies and study_id not in preclinical:
            problems.add(screening.file, record.line, "study_id",
                         f'unknown study_id "{study_id}" (not in data/studies.csv or '
                         "data/preclinical.csv)")
        links = [column for column in SCREENING_LINKS if v.get(column)]
        if v.get("decision") == "excluded":
            if not v.get("reason_code"):
                problems.add(screening.file, record.line, "reason_code",
                             "an excluded record needs a reason code (vocab/exclusion_reasons.csv)")
            for column in links:
                problems.add(screening.file, record.line, column,
                             f"an excluded record names a {column}")
        if v.get("decision") == "included" and v.get("reason_code"):
            problems.add(screening.file, record.line, "reason_code",
                         "an included record has no exclusion reason")
        if v.get("decision") == "included" and not links:
            problems.add(screening.file, record.line, "study_id",
                         "an included record names what it became: a study_id, a registry_id "
                         "(trial record) or a bibkey (background source)")


def _audit(audit: Table, studies: Table, screening: Table | None, problems: Problems) -> None:
    """A held case names the cohort that holds it, an excluded one the screening record that
    excluded its report, a case not found neither; each says why."""
    cohorts = {r.raw["cohort_id"] for r in studies.records}
    excluded = {r.raw["record_id"] for r in screening.records
                if r.raw.get("decision") == "excluded"} if screening is not None else set()
    needs = {"held": "cohort_id", "excluded": "record_id", "not-found": None, "unresolved": None}
    for record in audit.records:
        v, status = record.value, record.value.get("status")
        if status not in needs:
            continue  # an unknown code is a foreign-key problem, reported there
        for column in ("cohort_id", "record_id"):
            if column == needs[status] and not v.get(column):
                problems.add(audit.file, record.line, column, f"a case {status} names its {column}")
            elif column != needs[status] and v.get(column):
                problems.add(audit.file, record.line, column,
                             f"a case {status} names no {column} (only "
                             f"{needs[status] or 'a reason'})")
        if v.get("cohort_id") and v["cohort_id"] not in cohorts:
            problems.add(audit.file, record.line, "cohort_id",
                         f'unknown cohort_id "{v["cohort_id"]}" (not in data/studies.csv)')
        if status == "excluded" and v.get("record_id") and v["record_id"] not in excluded \
                and screening is not None and v["record_id"] in {r.raw["record_id"] for r in screening.records}:
            problems.add(audit.file, record.line, "record_id",
                         f'screening record "{v["record_id"]}" was not excluded')
        if not v.get("reason"):
            problems.add(audit.file, record.line, "reason", "say why the case is held, excluded or not found")


def _errata(errata: Table, tables: dict[str, Table], problems: Problems) -> None:
    """An erratum names a row that exists and a column of its table (a correction of a row
    that was later removed is a removal, not an erratum)."""
    correctable = {name: table for name, table in tables.items()
                   if name not in ("errata", "screening") and not name.startswith("vocab-")}
    for record in errata.records:
        name, key, column = (record.value.get(c) for c in ("table", "record_id", "field"))
        table = correctable.get(name)
        if table is None:
            problems.add(errata.file, record.line, "table",
                         f'"{name}" is not an evidence table ({", ".join(sorted(correctable))})')
            continue
        primary = table.resource["schema"]["primaryKey"]
        primary = [primary] if isinstance(primary, str) else list(primary)
        keys = {"|".join(r.raw[k] for k in primary) for r in table.records}
        if key not in keys:
            problems.add(errata.file, record.line, "record_id",
                         f'no row "{key}" in {table.file} (key: {"|".join(primary)})')
        columns = [f["name"] for f in table.fields]
        if column not in columns:
            problems.add(errata.file, record.line, "field",
                         f'{table.file} has no column "{column}"')


def check(tables: dict[str, Table], today: dt.date, problems: Problems) -> None:
    for table in tables.values():
        _future_dates(table, today, problems)
        _urls(table, problems)
    for name in ("studies", "trials", "trial-diseases"):
        if name in tables:
            _registry_ids(tables[name], problems)
    studies = _studies(tables["studies"], problems) if "studies" in tables else {}
    if "outcomes" in tables:
        _outcomes(tables["outcomes"], studies, problems)
    if "safety" in tables:
        _safety(tables["safety"], studies, problems)
    if "oncology-comparators" in tables:
        _comparators(tables["oncology-comparators"], problems)
    if "screening" in tables:
        preclinical = {r.raw["study_id"] for r in tables["preclinical"].records} \
            if "preclinical" in tables else set()
        _screening(tables["screening"], studies, preclinical, problems)
    if "errata" in tables:
        _errata(tables["errata"], tables, problems)
    if "audit" in tables and "studies" in tables:
        _audit(tables["audit"], tables["studies"], tables.get("screening"), problems)
