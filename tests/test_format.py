"""`python -m evidence format`: one canonical CSV form, idempotent, content-preserving; the
shipped data is in that form (so a pull request's diff is one line per changed row)."""
from __future__ import annotations

import csv
import io
import json
import random
import subprocess
from pathlib import Path

import pytest

from conftest import run_evidence

REPO = Path(__file__).resolve().parent.parent


def run_format(root: Path, *args: str) -> subprocess.CompletedProcess:
    return run_evidence(root, "format", *args)


@pytest.fixture
def book(data_copy) -> Path:
    return data_copy


def as_records(path: Path) -> list[dict]:
    """The rows as a sorted list of {column: cell}: what must survive formatting."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return sorted((dict(r) for r in csv.DictReader(handle)), key=lambda r: sorted(r.items()))


def resources(root: Path) -> list[dict]:
    return json.loads((root / "data" / "datapackage.json").read_text("utf-8"))["resources"]


def test_shipped_data_is_canonical():
    done = run_format(REPO, "--check")
    assert done.returncode == 0, f"run `python -m evidence format`:\n{done.stdout}{done.stderr}"


def scramble(path: Path, seed: int) -> None:
    """Same content, different layout: columns and rows shuffled, every cell quoted, CRLF
    line endings and a byte-order mark."""
    with path.open(encoding="utf-8", newline="") as handle:
        records = list(csv.reader(handle))
    header, body = records[0], records[1:]
    rng = random.Random(seed)
    order = list(range(len(header)))
    rng.shuffle(order)
    rng.shuffle(body)
    out = io.StringIO(newline="")
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerows([[row[i] for i in order] for row in [header, *body]])
    path.write_bytes(b"\xef\xbb\xbf" + out.getvalue().encode("utf-8"))


def test_format_restores_the_canonical_form_and_keeps_every_cell(book: Path):
    studies, screening = book / "data" / "studies.csv", book / "data" / "screening.csv"
    canonical = {p: p.read_bytes() for p in (studies, screening)}
    records = {p: as_records(p) for p in (studies, screening)}
    scramble(studies, seed=1)
    scramble(screening, seed=2)

    check = run_format(book, "--check")
    assert check.returncode == 1
    assert "data/studies.csv: would be reformatted" in check.stdout
    assert studies.read_bytes() != canonical[studies], "--check must not write"

    done = run_format(book)
    assert done.returncode == 0, done.stderr
    for path in (studies, screening):
        assert as_records(path) == records[path], "formatting changed a cell"
        assert path.read_bytes() == canonical[path]
        assert b"\r" not in path.read_bytes() and not path.read_bytes().startswith(b"\xef\xbb\xbf")


def test_format_is_idempotent(book: Path):
    scramble(book / "data" / "trials.csv", seed=3)
    run_format(book)
    first = {p.name: p.read_bytes() for p in (book / "data").rglob("*.csv")}
    again = run_format(book)
    assert again.returncode == 0 and again.stdout == ""
    assert {p.name: p.read_bytes() for p in (book / "data").rglob("*.csv")} == first


def test_rows_follow_the_primary_key_and_vocabularies_keep_their_order(book: Path):
    run_format(book)
    for res in resources(book):
        with (book / "data" / res["path"]).open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            assert reader.fieldnames == [f["name"] for f in res["schema"]["fields"]]
            body = list(reader)
        if res["name"].startswith("vocab-"):
            with (REPO / "data" / res["path"]).open(encoding="utf-8", newline="") as handle:
                assert body == list(csv.DictReader(handle)), "vocabulary order is display order"
        else:
            key = res["schema"]["primaryKey"]
            key = [key] if isinstance(key, str) else key
            keys = [[r[k] for k in key] for r in body]
            assert keys == sorted(keys), res["name"]


def test_format_refuses_a_file_it_could_damage(book: Path):
    studies = book / "data" / "studies.csv"
    lines = studies.read_text(encoding="utf-8").split("\n")
    lines[3] += ",a surplus cell"
    studies.write_text("\n".join(lines), encoding="utf-8")
    scramble(book / "data" / "trials.csv", seed=4)
    before = studies.read_bytes()
    done = run_format(book)
    assert done.returncode == 1
    assert "data/studies.csv: not formatted: line 4:" in done.stderr
    assert studies.read_bytes() == before
    assert "data/trials.csv: reformatted" in done.stdout, "other tables are still formatted"
