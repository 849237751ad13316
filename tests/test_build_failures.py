"""Broken books must fail the strict build, each with a message naming the file at fault.

Each test edits a private copy of the built book (its execution cache included, so only the
edited page runs again) and rebuilds with the README's flags."""
from __future__ import annotations

import csv

from conftest import STRICT, copy_book, jb_build, sphinx_warnings

RAISING_CELL = """
```{code-cell} ipython3
raise RuntimeError("a deliberately failing cell")
```
"""


def _append(path, text):
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_unknown_citation_key_fails_and_names_the_file(built_copy):
    _append(built_copy / "chapters" / "mg.md", "\nSee {cite}`NoSuchKey2099`.\n")
    build = jb_build(built_copy, *STRICT)
    assert build.returncode != 0
    assert any("chapters/mg.md" in w and "NoSuchKey2099" in w for w in sphinx_warnings(build.log)), \
        build.log[-3000:]


def test_raising_code_cell_fails_and_names_the_file(built_copy):
    _append(built_copy / "chapters" / "nmosd.md", RAISING_CELL)
    build = jb_build(built_copy, *STRICT)
    assert build.returncode != 0
    assert "chapters/nmosd" in build.log and "a deliberately failing cell" in build.log, build.log[-3000:]


def test_raising_code_cell_fails_plain_jb_build_too(built_copy):
    _append(built_copy / "chapters" / "nmosd.md", RAISING_CELL)
    build = jb_build(built_copy)
    assert build.returncode != 0, build.log[-3000:]
    assert "chapters/nmosd" in build.log


def test_chapter_missing_from_toc_fails_and_names_the_file(built_copy):
    (built_copy / "chapters" / "forgotten.md").write_text("# A forgotten chapter\n\nText.\n")
    build = jb_build(built_copy, *STRICT)
    assert build.returncode != 0
    assert any("chapters/forgotten.md" in w and "toctree" in w for w in sphinx_warnings(build.log)), \
        build.log[-3000:]


def test_invalid_data_stops_the_build_before_any_page(tmp_path):
    book = copy_book(tmp_path / "book")
    path = book / "data" / "studies.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, list(reader)
    line = next(n for n, row in enumerate(rows, start=2) if row["disease"] == "MG")
    next(row for row in rows if row["disease"] == "MG")["n_treated"] = "-4"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)

    build = jb_build(book)  # plain `jb build .`: the gate is in the book, not in the flags
    assert build.returncode != 0
    assert f'data/studies.csv:{line}: n_treated: "-4" is below the minimum 0' in build.log
    assert not list((book / "_build" / "html").rglob("*.html")), "no page may be written"
