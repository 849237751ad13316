"""`python -m evidence format`: every table of the data package in one canonical form.

Columns in the descriptor's order; evidence rows sorted by their primary key (vocabulary
rows keep their authored order, which is their display order); UTF-8 without byte-order
mark; `\\n` line endings; a quote only where a cell needs one. Cell text is never changed, so
formatting cannot alter a fact, and a pull request's diff is one line per changed row.
A file whose header does not match its schema, or whose rows are not as wide as its
header, is left alone and reported: formatting it could lose cells.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .csvfile import canonical_bytes, read_csv, write_atomic
from .paths import read_descriptor


@dataclass
class Outcome:
    file: str
    changed: bool
    refused: str | None = None


def _key(resource: dict):
    key = resource["schema"].get("primaryKey")
    return [key] if isinstance(key, str) else list(key or [])


def canonical(root: Path, resource: dict) -> tuple[bytes | None, bytes, str | None]:
    """(canonical content or None, current content, reason it cannot be formatted)."""
    path = root / "data" / resource["path"]
    table = read_csv(path)
    names = [f["name"] for f in resource["schema"]["fields"]]
    if table.read_problems:
        line, message = table.read_problems[0]
        return None, table.raw, f"line {line}: {message}"
    if sorted(table.header) != sorted(names):
        return None, table.raw, "header does not match the schema (run `python -m evidence validate`)"
    width = len(table.header)
    for row in table.rows:
        if len(row.cells) != width:
            return None, table.raw, f"line {row.line}: {len(row.cells)} cells, header has {width}"
    records = [dict(zip(table.header, row.cells)) for row in table.rows]
    return table_bytes(resource, records), table.raw, None


def table_bytes(resource: dict, records: list[dict]) -> bytes:
    """The canonical content of a table holding `records` (dicts by column name): the
    descriptor's column order, evidence rows sorted by primary key. Commands that write
    tables (the watch, screening) use it too, so their output needs no formatting."""
    names = [f["name"] for f in resource["schema"]["fields"]]
    rows = [[record.get(name, "") for name in names] for record in records]
    if not resource["name"].startswith("vocab-"):
        key = [names.index(column) for column in _key(resource)]
        rows.sort(key=lambda cells: [cells[i] for i in key])
    return canonical_bytes(names, rows)


def format_package(root: Path, check: bool = False) -> list[Outcome]:
    """Format every table (or, with `check`, only say which would change)."""
    descriptor = read_descriptor(root / "data")
    outcomes = []
    for resource in descriptor["resources"]:
        file = f"data/{resource['path']}"
        content, current, refused = canonical(root, resource)
        if refused:
            outcomes.append(Outcome(file, False, refused))
            continue
        changed = content != current
        if changed and not check:
            write_atomic(root / "data" / resource["path"], content)
        outcomes.append(Outcome(file, changed))
    return outcomes
