"""The CSV files of the data package, read with their line numbers and written in one
canonical form.

Both the validator and the formatter read through `read_csv`, so a problem is reported at the
physical line a contributor sees in their editor (a quoted cell may span lines; the row's
first line is reported). `write_csv` is the canonical form: UTF-8 without byte-order mark,
`\\n` line endings, a quote only where a cell needs one, columns in the descriptor's order.
It writes to a temporary file and renames it, so an interrupted write loses nothing.
"""
from __future__ import annotations

import csv
import io
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

BOM = b"\xef\xbb\xbf"


@dataclass
class Row:
    line: int               # physical line where the row starts (header is line 1)
    cells: list[str]


@dataclass
class CsvFile:
    path: Path
    header: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    # (line, message) problems met while reading: bad bytes, blank lines, CSV syntax
    read_problems: list[tuple[int, str]] = field(default_factory=list)
    raw: bytes = b""
    has_bom: bool = False   # a layout matter: the formatter drops it, the validator reports it

    def records(self):
        """(line, {column: cell}) for rows as wide as the header."""
        width = len(self.header)
        for row in self.rows:
            if len(row.cells) == width:
                yield row.line, dict(zip(self.header, row.cells))


def decode_utf8(raw: bytes, problems: list[tuple[int, str]]) -> str:
    """The text of `raw`; each line that is not valid UTF-8 is added to `problems` as
    (line, message) and decoded with replacement characters, so checking can go on."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        for number, line in enumerate(raw.split(b"\n"), start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as err:
                problems.append((number, f"not valid UTF-8 (byte {line[err.start]:#04x} at "
                                         f"character {err.start + 1}); save the file as UTF-8"))
        return raw.decode("utf-8", errors="replace")


def read_csv(path: Path) -> CsvFile:
    raw = path.read_bytes()
    table = CsvFile(path=path, raw=raw)
    if raw.startswith(BOM):
        table.has_bom = True
        raw = raw[len(BOM):]
    text = decode_utf8(raw, table.read_problems)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    try:
        for cells in reader:
            if not cells:
                table.read_problems.append((start, "blank line"))
            elif not table.header and start == 1:
                table.header = cells
            else:
                table.rows.append(Row(start, cells))
            start = reader.line_num + 1
    except csv.Error as err:
        table.read_problems.append((start, f"CSV syntax error: {err}"))
    if not table.header:
        table.read_problems.append((1, "no header row"))
    return table


def canonical_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def write_atomic(path: Path, content: bytes) -> None:
    """Replace `path` by `content` in one step (a crash leaves the old file whole)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
