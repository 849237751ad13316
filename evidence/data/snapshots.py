"""Release snapshots and what changed between them.

A release records the evidence as it stood in `releases/<version>.json`: every row of the
evidence tables (not the screening log, not the vocabularies), keyed by primary key, empty cells
left out, one row per line so a release's diff is readable. What's new is computed from these
snapshots and the current data, never written by hand:

    deltas = whats_new(root)     # newest first: unreleased changes, then each release
    for delta in deltas: delta.added("studies"), delta.changed("trials"), delta.errata ...

Errata are rows of `data/errata.csv`: a correction of an earlier error is recorded there with
the field it fixed, so the change is listed as an erratum rather than as an update.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .csvfile import read_csv
from .paths import read_descriptor

RELEASES = "releases"
SNAPSHOT_TABLES = ("studies", "outcomes", "safety", "trials", "trial-diseases", "preclinical",
                   "oncology-comparators", "errata", "audit", "appraisal", "certainty")
# fields whose change alone means "read again", not "changed"
RECHECK_FIELDS = {"checked_on", "status_as_of"}
UNRELEASED = "unreleased"


class ReleaseError(ValueError):
    pass


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


# -- snapshots -------------------------------------------------------------------------------
def current_tables(root: Path) -> dict[str, dict[str, dict[str, str]]]:
    """{table: {key: {column: cell}}} of the evidence tables as they are now."""
    data = root / "data"
    descriptor = read_descriptor(data)
    tables = {}
    for resource in descriptor["resources"]:
        if resource["name"] not in SNAPSHOT_TABLES:
            continue
        key = resource["schema"]["primaryKey"]
        key = [key] if isinstance(key, str) else list(key)
        rows = {}
        for _line, record in read_csv(data / resource["path"]).records():
            rows["|".join(record[k] for k in key)] = {c: v for c, v in record.items() if v != ""}
        tables[resource["name"]] = dict(sorted(rows.items()))
    return tables


@dataclass
class Snapshot:
    version: str           # "0.2.0", or UNRELEASED for the working data
    released: str          # release date ("" for the working data)
    cutoff: str
    tables: dict[str, dict[str, dict[str, str]]]


def snapshot_now(root: Path, version: str = UNRELEASED, released: str = "") -> Snapshot:
    cutoff = read_descriptor(root / "data").get("evidence_cutoff", "")
    return Snapshot(version, released, cutoff, current_tables(root))


def dump(snapshot: Snapshot) -> str:
    """Canonical JSON: sorted, one row per line, so two snapshots diff line by line."""
    lines = ["{",
             f'  "version": {json.dumps(snapshot.version)},',
             f'  "released": {json.dumps(snapshot.released)},',
             f'  "evidence_cutoff": {json.dumps(snapshot.cutoff)},',
             '  "tables": {']
    names = sorted(snapshot.tables)
    for t, name in enumerate(names):
        rows = snapshot.tables[name]
        lines.append(f"    {json.dumps(name)}: {{")
        for r, (key, row) in enumerate(sorted(rows.items())):
            comma = "," if r < len(rows) - 1 else ""
            body = json.dumps(dict(sorted(row.items())), ensure_ascii=False, separators=(",", ":"))
            lines.append(f"      {json.dumps(key, ensure_ascii=False)}: {body}{comma}")
        lines.append("    }" + ("," if t < len(names) - 1 else ""))
    lines += ["  }", "}"]
    return "\n".join(lines) + "\n"


def load_snapshot(path: Path) -> Snapshot:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return Snapshot(raw["version"], raw["released"], raw.get("evidence_cutoff", ""),
                        raw["tables"])
    except (OSError, ValueError, KeyError) as err:
        raise ReleaseError(f"{path}: not a release snapshot ({err})") from err


def snapshots(root: Path) -> list[Snapshot]:
    """Every release snapshot, oldest first."""
    found = [load_snapshot(p) for p in sorted((root / RELEASES).glob("*.json"))]
    for snap, path in zip(found, sorted((root / RELEASES).glob("*.json"))):
        if path.stem != snap.version:
            raise ReleaseError(f"{path}: holds version {snap.version}, not {path.stem}")
    return sorted(found, key=lambda s: version_key(s.version))


# -- differences -----------------------------------------------------------------------------
@dataclass
class FieldChange:
    field: str
    old: str
    new: str


@dataclass
class RowChange:
    table: str
    key: str
    kind: str                          # added | removed | changed | re-checked
    fields: list[FieldChange] = field(default_factory=list)
    row: dict = field(default_factory=dict)   # the row as it is now (as it was, if removed)
    errata: list[dict] = field(default_factory=list)  # errata rows that explain this change


@dataclass
class Delta:
    version: str          # the release (or UNRELEASED)
    released: str
    previous: str         # the release compared against ("" for the first)
    cutoff: str
    rows: list[RowChange]

    def of(self, table: str, kind: str | None = None) -> list[RowChange]:
        return [c for c in self.rows if c.table == table and (kind is None or c.kind == kind)]

    @property
    def errata(self) -> list[dict]:
        return [c.row for c in self.of("errata", "added")]

    @property
    def empty(self) -> bool:
        return not self.rows

    @property
    def title(self) -> str:
        if self.version == UNRELEASED:
            return ("Changes since " + self.previous if self.previous else "Evidence") + \
                " (not yet released)"
        return f"Release {self.version} ({self.released})"

    @property
    def anchor(self) -> str:
        return "unreleased" if self.version == UNRELEASED else "release-" + self.version.replace(".", "-")


def diff(old: Snapshot | None, new: Snapshot) -> Delta:
    rows: list[RowChange] = []
    for table in SNAPSHOT_TABLES:
        before = (old.tables.get(table, {}) if old else {})
        after = new.tables.get(table, {})
        for key in sorted(after.keys() - before.keys()):
            rows.append(RowChange(table, key, "added", row=after[key]))
        for key in sorted(before.keys() - after.keys()):
            rows.append(RowChange(table, key, "removed", row=before[key]))
        for key in sorted(before.keys() & after.keys()):
            if before[key] == after[key]:
                continue
            names = sorted(before[key].keys() | after[key].keys())
            fields = [FieldChange(n, before[key].get(n, ""), after[key].get(n, ""))
                      for n in names if before[key].get(n, "") != after[key].get(n, "")]
            kind = "re-checked" if {f.field for f in fields} <= RECHECK_FIELDS else "changed"
            rows.append(RowChange(table, key, kind, fields, row=after[key]))
    delta = Delta(new.version, new.released, old.version if old else "", new.cutoff, rows)
    _link_errata(delta)
    return delta


def _link_errata(delta: Delta) -> None:
    for erratum in delta.errata:
        for change in delta.rows:
            if change.table == erratum.get("table") and change.key == erratum.get("record_id"):
                change.errata.append(erratum)


def whats_new(root: Path) -> list[Delta]:
    """Newest first: the changes not yet released (if any), then each release against the one
    before it."""
    snaps = snapshots(root)
    deltas = [diff(prev, snap) for prev, snap in zip([None, *snaps[:-1]], snaps)]
    pending = diff(snaps[-1] if snaps else None, snapshot_now(root))
    if not pending.empty or not snaps:
        deltas.append(pending)
    return list(reversed(deltas))


# -- the changelog entry ---------------------------------------------------------------------
TABLE_LABELS = {"studies": "Clinical reports", "trials": "Registered trials",
                "preclinical": "Preclinical studies", "outcomes": "Outcome rows",
                "safety": "Safety rows", "trial-diseases": "Trial–disease links",
                "oncology-comparators": "Oncology comparator rows",
                "audit": "Completeness-audit rows",
                "appraisal": "Appraisal judgements (report × domain)",
                "certainty": "Certainty judgements (disease × outcome)"}


def summary_lines(delta: Delta) -> list[str]:
    lines = []
    for table, label in TABLE_LABELS.items():
        parts = []
        for kind in ("added", "changed", "removed", "re-checked"):
            changes = delta.of(table, kind)
            if not changes:
                continue
            keys = [c.key for c in changes]
            shown = ", ".join(keys[:8]) + (f" and {len(keys) - 8} more" if len(keys) > 8 else "")
            parts.append(f"{len(changes)} {kind}" + (f" ({shown})" if table in ("studies", "trials")
                                                     and kind != "re-checked" else ""))
        if parts:
            lines.append(f"- {label}: " + "; ".join(parts) + ".")
    for erratum in delta.errata:
        lines.append(f"- Erratum {erratum.get('erratum_id')}: {erratum.get('table')} "
                     f"`{erratum.get('record_id')}`, {erratum.get('field')}: "
                     f"{erratum.get('description')}")
    return lines or ["- No change in the evidence tables."]


def changelog_entry(delta: Delta) -> str:
    head = f"## {delta.version} — {delta.released}\n\nEvidence up to {delta.cutoff}" + (
        f"; compared with {delta.previous}." if delta.previous else "; first release.")
    return head + "\n\n" + "\n".join(summary_lines(delta)) + "\n"
