"""The validator on the real data and on a corpus of broken inputs.

Each broken input is the shipped data with one defect put in (a mutation of a copy), or a
small fixture; the test states the file, line and column where a contributor must look. Line
numbers are found independently from the files (the line holding the key), not taken from
the validator's code.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from conftest import run_evidence
from evidence.validate import validate

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def book(data_copy) -> Path:
    return data_copy


def rows(root: Path, file: str) -> tuple[list[str], list[dict]]:
    with (root / file).open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames), list(reader)


def write(root: Path, file: str, header: list[str], records: list[dict]) -> None:
    with (root / file).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)


def line_of(root: Path, file: str, key: str) -> int:
    """Line number of the first line that starts with `key,` (or holds `{key,` in refs.bib)."""
    text = (root / file).read_text(encoding="utf-8", errors="replace")
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith(f"{key},") or f"{{{key}," in line:
            return number
    raise AssertionError(f"{key} not in {file}")


def set_cell(file: str, key: str, column: str, value: str) -> Callable[[Path], None]:
    def mutate(root: Path) -> None:
        header, records = rows(root, file)
        hits = [r for r in records if r[header[0]] == key]
        assert hits, f"{key} not in {file}"
        hits[0][column] = value
        write(root, file, header, records)
    return mutate


def append_row(file: str, template_key: str, **changes: str) -> Callable[[Path], None]:
    def mutate(root: Path) -> None:
        header, records = rows(root, file)
        template = next(r for r in records if r[header[0]] == template_key)
        records.append({**template, **changes})
        write(root, file, header, records)
    return mutate


def append_text(file: str, text: str) -> Callable[[Path], None]:
    def mutate(root: Path) -> None:
        with (root / file).open("a", encoding="utf-8") as handle:
            handle.write(text)
    return mutate


def last_line(root: Path, file: str) -> int:
    return len((root / file).read_text(encoding="utf-8").splitlines())


STUDY = "chahin-2025-mg"          # a peer-reviewed MG report with outcomes, 7 treated
COHORT_STUDY = "tongji-2025-ms-b"  # one of four reports of the Tongji BCMA MS cohort
SAFETY = "ean-nd-mg-s1"            # CRS grade >=3 in a report of 2 treated
TRIAL = "NCT04146051"
ARTICLE = "Qin2023AntiBCMA"


@dataclass
class Case:
    name: str
    mutate: Callable[[Path], None]
    file: str
    where: Callable[[Path], int]     # the line, found from the mutated files
    column: str
    message: str


def at(file: str, key: str) -> Callable[[Path], int]:
    return lambda root: line_of(root, file, key)


def at_last(file: str, key: str) -> Callable[[Path], int]:
    """The line of the last entry head `{key,` (a repeated key is reported where it repeats)."""
    return lambda root: max(n for n, line in enumerate(
        (root / file).read_text(encoding="utf-8").splitlines(), 1) if f"{{{key}," in line)


def at_end(file: str) -> Callable[[Path], int]:
    return lambda root: last_line(root, file)


S, O, SA, T, SC, BIB = ("data/studies.csv", "data/outcomes.csv", "data/safety.csv",
                        "data/trials.csv", "data/screening.csv", "refs.bib")
OC = "data/oncology_comparators.csv"
AU = "data/audit.csv"
ALONE = "vaisvilas-2026-gad-ataxia"          # a study alone in its cohort
AUDIT_HELD, AUDIT_UNRESOLVED = "finsterer2025car-08", "finsterer2025car-01"

ENTRY = """
@article{{Broken2025{suffix},
  author  = {{Doe, Jane and Roe, Richard}},
  title   = {{A broken entry}},
  {fields}
}}
"""


def bib_entry(suffix: str, fields: str) -> Callable[[Path], None]:
    return append_text(BIB, ENTRY.format(suffix=suffix, fields=fields))


def broken_bytes(root: Path) -> None:
    path = root / S
    lines = path.read_bytes().split(b"\n")
    number = line_of(root, S, STUDY) - 1
    lines[number] = lines[number].replace(b"Descartes-08", b"Descartes\xff08", 1)
    path.write_bytes(b"\n".join(lines))


def extra_cell(root: Path) -> None:
    path = root / S
    lines = path.read_text(encoding="utf-8").split("\n")
    number = line_of(root, S, STUDY) - 1
    lines[number] += ",surplus"
    path.write_text("\n".join(lines), encoding="utf-8")


def drop_column(column: str) -> Callable[[Path], None]:
    def mutate(root: Path) -> None:
        header, records = rows(root, S)
        header.remove(column)
        write(root, S, header, [{k: v for k, v in r.items() if k != column} for r in records])
    return mutate


def add_column(root: Path) -> None:
    header, records = rows(root, S)
    write(root, S, [*header, "colour"], [{**r, "colour": "blue"} for r in records])


def future_cutoff(root: Path) -> None:
    path = root / "data" / "datapackage.json"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"evidence_cutoff": "', '"evidence_cutoff": "2099-01-01", "was": "', 1),
                    encoding="utf-8")


def grade_above_any(root: Path) -> None:
    append_row(SA, SAFETY, safety_id="ean-nd-mg-s8", grade="any", n_patients="1")(root)
    append_row(SA, SAFETY, safety_id="ean-nd-mg-s9", grade="3", n_patients="2")(root)


def two_bib_syntax_errors(root: Path) -> None:
    append_text(BIB, "\n@article{Unclosed2025a,\n  title = {Missing brace,\n  year = {2025}\n"
                     "\n@misc{Fine2025,\n  title = {Fine},\n  year = {2025},\n  url = {https://example.org/}\n}\n")(root)


CASES = [
    Case("negative count", set_cell(S, STUDY, "n_treated", "-2"), S, at(S, STUDY), "n_treated", "below the minimum 0"),
    Case("count in words", set_cell(S, STUDY, "n_treated", "seven"), S, at(S, STUDY), "n_treated", "not a whole number"),
    Case("fractional count", set_cell(S, STUDY, "n_treated", "7.5"), S, at(S, STUDY), "n_treated", "not a whole number"),
    Case("follow-up not a number", set_cell(S, STUDY, "followup_months", "about a year"), S, at(S, STUDY), "followup_months", "not a number"),
    Case("impossible date", set_cell(S, STUDY, "checked_on", "2026-13-01"), S, at(S, STUDY), "checked_on", "not a calendar date"),
    Case("date in local form", set_cell(S, STUDY, "checked_on", "24/11/2026"), S, at(S, STUDY), "checked_on", "YYYY-MM-DD"),
    Case("checked in the future", set_cell(S, STUDY, "checked_on", "2099-01-01"), S, at(S, STUDY), "checked_on", "in the future"),
    Case("published in the future", set_cell(S, STUDY, "pub_date", "2099-02"), S, at(S, STUDY), "pub_date", "in the future"),
    Case("trial registered in the future", set_cell(T, TRIAL, "registered_on", "2099-03-01"), T, at(T, TRIAL), "registered_on", "in the future"),
    Case("registration date in local form", set_cell(T, TRIAL, "registered_on", "31/10/2019"), T, at(T, TRIAL), "registered_on", "YYYY-MM-DD"),
    Case("unknown disease code", set_cell(S, STUDY, "disease", "Myasthenia"), S, at(S, STUDY), "disease", "not in data/vocab/diseases.csv"),
    Case("unknown target code", set_cell(S, STUDY, "target", "CD22"), S, at(S, STUDY), "target", "not in data/vocab/targets.csv"),
    Case("required value missing", set_cell(S, STUDY, "source_url", ""), S, at(S, STUDY), "source_url", "required value missing"),
    Case("source url not http", set_cell(S, STUDY, "source_url", "ftp://example.org/paper"), S, at(S, STUDY), "source_url", "not an http(s) URL"),
    Case("bibkey not in refs.bib", set_cell(S, STUDY, "bibkey", "Nobody2024Nothing"), S, at(S, STUDY), "bibkey", 'no entry "Nobody2024Nothing"'),
    Case("registry id not in trials", set_cell(S, STUDY, "registry_id", "NCT09999999"), S, at(S, STUDY), "registry_id", "not in data/trials.csv"),
    Case("malformed registry id", append_row(T, TRIAL, registry_id="NCT123"), T, at(T, "NCT123"), "registry_id", "not a registration number"),
    Case("duplicate study id", append_row(S, STUDY), S, at_end(S), "study_id", "duplicate key"),
    Case("overlap with an unknown cohort", set_cell(S, ALONE, "may_overlap", "no-such-cohort"), S, at(S, ALONE), "may_overlap", 'unknown cohort "no-such-cohort"'),
    Case("overlap across diseases", set_cell(S, ALONE, "may_overlap", "tongji-ct103a-nmosd"), S, at(S, ALONE), "may_overlap", "cannot be those of another"),
    Case("audit: held without its cohort", set_cell(AU, AUDIT_HELD, "cohort_id", ""), AU, at(AU, AUDIT_HELD), "cohort_id", "names its cohort_id"),
    Case("audit: unknown cohort", set_cell(AU, AUDIT_HELD, "cohort_id", "no-such-cohort"), AU, at(AU, AUDIT_HELD), "cohort_id", "not in data/studies.csv"),
    Case("audit: unresolved names a cohort", set_cell(AU, AUDIT_UNRESOLVED, "cohort_id", "bochum-cart-cidp"), AU, at(AU, AUDIT_UNRESOLVED), "cohort_id", "names no cohort_id"),
    Case("audit: unknown status", set_cell(AU, AUDIT_HELD, "status", "probably"), AU, at(AU, AUDIT_HELD), "status", "not in data/vocab/audit_statuses.csv"),
    Case("cohort with two diseases", set_cell(S, COHORT_STUDY, "disease", "NMOSD"), S, at(S, COHORT_STUDY), "disease", "cohort"),
    Case("outcome of unknown study", append_row(O, f"{STUDY}-o1", outcome_id="orphan-o1", study_id="no-such-study"), O, at(O, "orphan-o1"), "study_id", "not in data/studies.csv"),
    Case("more evaluated than treated", set_cell(O, f"{STUDY}-o1", "n_evaluated", "8"), O, at(O, f"{STUDY}-o1"), "n_evaluated", "exceeds the 7 patients treated"),
    Case("low above high", append_row(O, f"{STUDY}-o1", outcome_id=f"{STUDY}-o9", value="5", value_low="9", value_high="3", dispersion="range"), O, at(O, f"{STUDY}-o9"), "value_low", "above value_high"),
    Case("percentage above 100", append_row(O, f"{STUDY}-o1", outcome_id=f"{STUDY}-o8", statistic="percent", value="140"), O, at(O, f"{STUDY}-o8"), "value", "not a percentage"),
    Case("more with event than treated", set_cell(SA, SAFETY, "n_patients", "3"), SA, at(SA, SAFETY), "n_patients", "exceeds the 2 patients treated"),
    Case("grade count above any grade", grade_above_any, SA, at(SA, "ean-nd-mg-s9"), "n_patients", "exceeds the 1 at grade any"),
    Case("unknown grade", set_cell(SA, SAFETY, "grade", "severe"), SA, at(SA, SAFETY), "grade", "not in data/vocab/grades.csv"),
    Case("html tag in a cell", set_cell(S, STUDY, "notes", "see <b>Table 2</b>"), S, at(S, STUDY), "notes", "HTML tag"),
    Case("script in a cell", set_cell(S, STUDY, "notes", "<script>alert(1)</script>"), S, at(S, STUDY), "notes", "script"),
    Case("javascript url", set_cell(S, STUDY, "product", "javascript:alert(1)"), S, at(S, STUDY), "product", "script"),
    Case("trailing space", set_cell(S, STUDY, "product", "Descartes-08 "), S, at(S, STUDY), "product", "trailing space"),
    Case("line break in a cell", set_cell(S, STUDY, "notes", "first line\nsecond line"), S, at(S, STUDY), "notes", "line break"),
    Case("non-breaking space", set_cell(S, STUDY, "product", "Descartes\u00a008"), S, at(S, STUDY), "product", "U+00A0"),
    Case("invalid UTF-8", broken_bytes, S, at(S, STUDY), "-", "not valid UTF-8"),
    Case("row wider than header", extra_cell, S, at(S, STUDY), "-", "the header has"),
    Case("column missing", drop_column("design"), S, lambda root: 1, "design", "column missing"),
    Case("column not in schema", add_column, S, lambda root: 1, "colour", "not in the schema"),
    Case("duplicate vocabulary code", append_text("data/vocab/targets.csv", "CD19,CD19 again,B-cell antigen,930\n"),
         "data/vocab/targets.csv", at_end("data/vocab/targets.csv"), "code", "duplicate key"),
    Case("article without journal", bib_entry("a", "year = {2025},\n  doi = {10.1000/x1}"), BIB, at(BIB, "Broken2025a"), "journal", "needs journal"),
    Case("neither doi nor url", bib_entry("b", "journal = {J},\n  year = {2025}"), BIB, at(BIB, "Broken2025b"), "doi", "neither doi nor url"),
    Case("doi given as a link", bib_entry("c", "journal = {J},\n  year = {2025},\n  doi = {https://doi.org/10.1000/x3}"), BIB, at(BIB, "Broken2025c"), "doi", "not a DOI"),
    Case("pmid with prefix", bib_entry("d", "journal = {J},\n  year = {2025},\n  doi = {10.1000/x4},\n  pmid = {PMID 123}"), BIB, at(BIB, "Broken2025d"), "pmid", "not a PubMed id"),
    Case("year in the future", bib_entry("e", "journal = {J},\n  year = {2099},\n  doi = {10.1000/x5}"), BIB, at(BIB, "Broken2025e"), "year", "in the future"),
    Case("duplicate bib key", append_text(BIB, f"\n@misc{{{ARTICLE},\n  title = {{Again}},\n  year = {{2025}},\n  url = {{https://example.org/}}\n}}\n"),
         BIB, at_last(BIB, ARTICLE), "-", "duplicate key"),
    Case("bib syntax error", two_bib_syntax_errors, BIB, at(BIB, "Unclosed2025a"), "-", "syntax error"),
    Case("unknown entry type", append_text(BIB, "\n@webpage{Odd2025,\n  title = {Odd},\n  year = {2025},\n  url = {https://example.org/}\n}\n"),
         BIB, at(BIB, "Odd2025"), "-", "@webpage"),
    Case("malformed identifier", set_cell(SC, "mg-r001", "identifier", "pmid:forty"), SC, at(SC, "mg-r001"), "identifier", "not a well-formed pmid"),
    Case("excluded without reason", append_row(SC, "mg-r001", record_id="zz-r001", decision="excluded", reason_code="", study_id=""), SC, at(SC, "zz-r001"), "reason_code", "needs a reason code"),
    Case("unknown exclusion reason", append_row(SC, "mg-r001", record_id="zz-r003", decision="excluded", reason_code="boring", study_id=""), SC, at(SC, "zz-r003"), "reason_code", "not in data/vocab/exclusion_reasons.csv"),
    Case("included without a link", append_row(SC, "mg-r001", record_id="zz-r002", study_id=""), SC, at(SC, "zz-r002"), "study_id", "names what it became"),
    Case("comparator count disagrees with its percent", set_cell(OC, "axicel-study1-crs-ge3", "n_with_event", "40"),
         OC, at(OC, "axicel-study1-crs-ge3"), "percent", "does not match 40/108"),
    Case("comparator count above its population", set_cell(OC, "axicel-study1-crs-ge3", "n_with_event", "140"),
         OC, at(OC, "axicel-study1-crs-ge3"), "n_with_event", "exceeds the 108"),
    Case("comparator grade above its any-grade rate", set_cell(OC, "pooled-tisacel-all-crs-4", "percent", "85"),
         OC, at(OC, "pooled-tisacel-all-crs-4"), "percent", "exceeds the 79% at grade any"),
    Case("comparator percent above 100", set_cell(OC, "karmma-crs-ge3", "percent", "109"),
         OC, at(OC, "karmma-crs-ge3"), "percent", "maximum"),
    Case("comparator event not in vocabulary", set_cell(OC, "karmma-crs-ge3", "event", "storm"),
         OC, at(OC, "karmma-crs-ge3"), "event", "not in data/vocab/events.csv"),
    Case("comparator bibkey not in refs.bib", set_cell(OC, "karmma-crs-ge3", "bibkey", "Nobody2020"),
         OC, at(OC, "karmma-crs-ge3"), "bibkey", 'no entry "Nobody2020"'),
    Case("cut-off in the future", future_cutoff, "data/datapackage.json", lambda root: 1, "evidence_cutoff", "in the future"),
]


def test_corpus_is_large_enough():
    assert len({case.name for case in CASES}) == len(CASES) >= 25


def test_shipped_data_is_valid():
    assert validate(REPO) == []


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_broken_input_is_rejected_where_it_is(case: Case, book: Path):
    assert validate(book) == [], "the copy must start valid"
    case.mutate(book)
    problems = validate(book)
    expected_line = case.where(book)
    hits = [p for p in problems if p.file == case.file and p.line == expected_line
            and p.column == case.column and case.message in p.message]
    assert hits, (f"expected {case.file}:{expected_line}: {case.column}: ...{case.message}...; got\n"
                  + "\n".join(map(str, problems)))


def test_every_bib_syntax_error_is_reported(book: Path):
    two_bib_syntax_errors(book)
    append_text(BIB, "\n@article{Unclosed2025b,\n  title = {Also broken,\n")(book)
    lines = sorted(p.line for p in validate(book) if p.file == BIB and "syntax error" in p.message)
    first, fine, second = (line_of(book, BIB, key) for key in ("Unclosed2025a", "Fine2025", "Unclosed2025b"))
    # each broken entry is reported at its own first line; the sound entry between is not blamed
    assert lines == [first, second], (lines, fine)


def test_future_is_relative_to_today(book: Path):
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    set_cell(S, STUDY, "checked_on", tomorrow)(book)
    assert [p.column for p in validate(book)] == ["checked_on"]
    assert validate(book, today=dt.date.today() + dt.timedelta(days=1)) == []


def test_markup_like_text_is_allowed(book: Path):
    set_cell(S, STUDY, "notes", 'p<0.05 & n>3; "quoted" and \'single\' a<b')(book)
    assert validate(book) == []


# -- the command line ------------------------------------------------------------------------
def tree_digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_cli_accepts_the_shipped_data():
    done = run_evidence(REPO, "validate")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout == ""


def test_cli_prints_every_problem_once_and_changes_nothing(book: Path):
    set_cell(S, STUDY, "n_treated", "-2")(book)
    set_cell(SA, SAFETY, "grade", "severe")(book)
    bib_entry("x", "journal = {J},\n  year = {2025}")(book)
    before = tree_digest(book)
    done = run_evidence(book, "validate")
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines == sorted(set(lines)), "one line per problem, sorted, no repeats"
    assert f"{S}:{line_of(book, S, STUDY)}: n_treated: \"-2\" is below the minimum 0" in lines
    assert any(line.startswith(f"{SA}:{line_of(book, SA, SAFETY)}: grade: ") for line in lines)
    assert any(line.startswith(f"{BIB}:{line_of(book, BIB, 'Broken2025x')}: doi: ") for line in lines)
    assert all(line.count(":") >= 3 for line in lines)
    assert "nothing was changed" in done.stderr
    assert tree_digest(book) == before


def test_frictionless_accepts_the_package():
    """The descriptor is a standard Frictionless data package: its own validator agrees."""
    from frictionless import Package

    report = Package(str(REPO / "data" / "datapackage.json")).validate()
    errors = [f"{task.name}: {err.message}" for task in report.tasks for err in task.errors]
    assert report.valid, "\n".join(errors[:20])


def test_frictionless_sees_the_foreign_keys(book: Path):
    """A broken link between tables is caught by the standard tool too, so the foreign keys
    are in the descriptor, not only in our code."""
    from frictionless import Package

    set_cell(S, STUDY, "disease", "Myasthenia")(book)
    report = Package(str(book / "data" / "datapackage.json")).validate()
    assert not report.valid
    assert any(err.type == "foreign-key" for task in report.tasks for err in task.errors)
