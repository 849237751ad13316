"""Reproducible builds: two cold builds of the same sources, in different folders and at
different times, give byte-identical sites — pages, charts, search index, downloads (zip
included), feed — apart from the files listed in MAY_DIFFER."""
from __future__ import annotations

import hashlib

from conftest import SITE_URL, STRICT, copy_book, jb_build

# Files allowed to differ between two builds of one commit, and why. Nothing that `jb build`
# writes depends on the build's time, folder or machine (checked by this test).
MAY_DIFFER: dict[str, str] = {
    "car-t-neuroimmune.pdf": "added by `make pdf` after the build (tests/test_pdf.py puts it in "
                             "the shared build); Chromium stamps its creation time into the PDF",
}


def _digests(root) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_two_builds_of_one_commit_are_byte_identical(built, tmp_path):
    other = copy_book(tmp_path / "elsewhere" / "book")
    second = jb_build(other, *STRICT, env={"EVIDENCE_SITE_URL": SITE_URL})
    assert second.returncode == 0, second.log[-3000:]
    first, again = (
        {name: digest for name, digest in _digests(html).items() if name not in MAY_DIFFER}
        for html in (built.html, second.html))
    assert first.keys() == again.keys()
    assert any(name.startswith("downloads/") and name.endswith(".zip") for name in first)
    differ = sorted(name for name in first if first[name] != again[name] and name not in MAY_DIFFER)
    assert not differ, differ
