"""Checks the descriptor (data/datapackage.json) states: columns, types, constraints,
primary keys and foreign keys — read from the descriptor, never restated here.

Each cell is converted once; the converted rows (`Record.value`) feed the cross-table
plausibility checks, with None for empty or invalid cells (already reported here).
"""
from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..data.csvfile import CsvFile, read_csv
from .problems import Problems
from .text import text_problems

INTEGER = re.compile(r"^-?\d+$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class Record:
    line: int
    raw: dict[str, str]
    value: dict[str, object]


@dataclass
class Table:
    name: str
    file: str                       # as printed in problems, e.g. data/studies.csv
    resource: dict
    csv: CsvFile | None = None
    records: list[Record] = field(default_factory=list)

    @property
    def fields(self) -> list[dict]:
        return self.resource["schema"]["fields"]

    def keys(self, columns: list[str]) -> set[tuple]:
        return {tuple(r.raw.get(c, "") for c in columns) for r in self.records}


def _as_list(value) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def convert(kind: str, text: str):
    """(value, problem) for one non-empty cell of a Table Schema type."""
    if kind == "integer":
        if not INTEGER.match(text):
            return None, f'"{text}" is not a whole number'
        return int(text), None
    if kind == "number":
        try:
            number = float(text)
        except ValueError:
            return None, f'"{text}" is not a number'
        if not math.isfinite(number):
            return None, f'"{text}" is not a finite number'
        return number, None
    if kind == "date":
        if not DATE.match(text):
            return None, f'"{text}" is not a date in the form YYYY-MM-DD'
        try:
            return dt.date.fromisoformat(text), None
        except ValueError:
            return None, f'"{text}" is not a calendar date'
    return text, None


def _constraint_problems(fld: dict, text: str, value) -> list[str]:
    out = []
    c = fld.get("constraints", {})
    if "pattern" in c and not re.fullmatch(c["pattern"], text):
        out.append(f'"{text}" does not match the pattern {c["pattern"]}'
                   + (f' ({fld["description"]})' if fld.get("description") else ""))
    if "enum" in c and text not in c["enum"]:
        out.append(f'"{text}" is not one of {", ".join(map(str, c["enum"]))}')
    if value is not None and "minimum" in c and value < c["minimum"]:
        out.append(f'"{text}" is below the minimum {c["minimum"]}')
    if value is not None and "maximum" in c and value > c["maximum"]:
        out.append(f'"{text}" is above the maximum {c["maximum"]}')
    if "maxLength" in c and len(text) > c["maxLength"]:
        out.append(f"is {len(text)} characters long; the maximum is {c['maxLength']}")
    return out


def load_table(root: Path, resource: dict, problems: Problems) -> Table:
    file = f"data/{resource['path']}"
    table = Table(resource["name"], file, resource)
    path = root / "data" / resource["path"]
    if not path.exists():
        problems.add(file, 1, "-", "file missing (named in data/datapackage.json)")
        return table
    table.csv = csv = read_csv(path)
    for line, message in csv.read_problems:
        problems.add(file, line, "-", message)
    if csv.has_bom:
        problems.add(file, 1, "-", "file starts with a byte-order mark; run `python -m evidence format`")
    if not csv.header:
        return table
    names = [f["name"] for f in table.fields]
    for missing in [n for n in names if n not in csv.header]:
        problems.add(file, 1, missing, "column missing from the header")
    for unknown in [n for n in csv.header if n not in names]:
        problems.add(file, 1, unknown, "column not in the schema (data/datapackage.json)")
    for name in {n for n in csv.header if csv.header.count(n) > 1}:
        problems.add(file, 1, name, "column appears twice in the header")
    if set(csv.header) == set(names) and csv.header != names:
        problems.add(file, 1, "-", "columns out of the schema's order; "
                                   "run `python -m evidence format`")
    width = len(csv.header)
    types = {f["name"]: f for f in table.fields}
    for row in csv.rows:
        if len(row.cells) != width:
            problems.add(file, row.line, "-", f"{len(row.cells)} cells; the header has {width}")
            continue
        raw = dict(zip(csv.header, row.cells))
        value: dict[str, object] = {}
        for name, text in raw.items():
            fld = types.get(name)
            for message in text_problems(text):
                problems.add(file, row.line, name, message)
            if fld is None:
                continue
            if text == "":
                value[name] = None
                if fld.get("constraints", {}).get("required"):
                    problems.add(file, row.line, name, "required value missing")
                continue
            converted, problem = convert(fld["type"], text)
            messages = [problem] if problem else _constraint_problems(fld, text, converted)
            for message in messages:
                problems.add(file, row.line, name, message)
            # an invalid value is reported once, here, and not reused by later checks
            value[name] = None if messages else converted
        table.records.append(Record(row.line, raw, value))
    return table


def check_keys(table: Table, problems: Problems) -> None:
    schema = table.resource["schema"]
    key_sets = []
    if "primaryKey" in schema:
        key_sets.append(_as_list(schema["primaryKey"]))
    key_sets += [[f["name"]] for f in table.fields if f.get("constraints", {}).get("unique")]
    for columns in key_sets:
        seen: dict[tuple, int] = {}
        for record in table.records:
            key = tuple(record.raw.get(c, "") for c in columns)
            if all(part == "" for part in key):
                continue
            if key in seen:
                problems.add(table.file, record.line, "+".join(columns),
                             f'duplicate key "{"/".join(key)}" (first on line {seen[key]})')
            else:
                seen[key] = record.line


def check_foreign_keys(table: Table, tables: dict[str, Table], problems: Problems) -> None:
    for fk in table.resource["schema"].get("foreignKeys", []):
        columns = _as_list(fk["fields"])
        target = tables.get(fk["reference"]["resource"]) or table
        target_cols = _as_list(fk["reference"]["fields"])
        allowed = target.keys(target_cols)
        for record in table.records:
            key = tuple(record.raw.get(c, "") for c in columns)
            if any(part == "" for part in key) or key in allowed:
                continue
            problems.add(table.file, record.line, "+".join(columns),
                         f'unknown {"/".join(target_cols)} "{"/".join(key)}" '
                         f"(not in {target.file})")
