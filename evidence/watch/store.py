"""Reading the tables the watch and the screening command touch, and writing them all or not
at all.

`commit` validates the changed tables in memory first: it lays the new contents over a
temporary copy of the data and runs the full validator on it. Only a change that leaves the
data valid is written, each file in canonical form (the format command's writer) and replaced
in one step, so a refused or failed command leaves every byte as it was.
"""
from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
from pathlib import Path

from ..data.formatting import table_bytes
from ..data.paths import read_descriptor
from .config import WatchError


def resource(root: Path, name: str) -> dict:
    for item in read_descriptor(root / "data")["resources"]:
        if item["name"] == name:
            return item
    raise WatchError(f"data/datapackage.json has no table {name!r}")


def read_rows(root: Path, name: str) -> list[dict]:
    path = root / "data" / resource(root, name)["path"]
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def rows_from_bytes(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"), newline="")))


def commit(root: Path, tables: dict[str, list[dict]]) -> list[str]:
    """Write `tables` (name -> all its rows) if the data stays valid; returns the files that
    changed. Raises WatchError (nothing written) with the first problem otherwise."""
    from ..validate import validate

    contents = {}
    for name, rows in tables.items():
        item = resource(root, name)
        path = root / "data" / item["path"]
        content = table_bytes(item, rows)
        if not path.exists() or path.read_bytes() != content:
            contents[path] = content
    if not contents:
        return []
    with tempfile.TemporaryDirectory(prefix="evidence-watch-") as tmp:
        copy = Path(tmp)
        shutil.copytree(root / "data", copy / "data")
        for name in ("refs.bib", "_config.yml"):
            if (root / name).exists():
                shutil.copy2(root / name, copy / name)
        for path, content in contents.items():
            (copy / path.relative_to(root)).write_bytes(content)
        problems = validate(copy)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise WatchError(f"refused, nothing written: {problems[0]}{more}")
    _replace_all(contents)
    return [str(path.relative_to(root)) for path in contents]


def _replace_all(contents: dict[Path, bytes]) -> None:
    """Every new file is written beside its target first; only then are they swapped in."""
    staged = []
    try:
        for path, content in contents.items():
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
            os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
            staged.append((tmp, path))
        for tmp, path in staged:
            os.replace(tmp, path)
    finally:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
