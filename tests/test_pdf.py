"""`make pdf`: the whole book as one PDF, printed by Debian's chromium, JavaScript off, from
the single-page build, whose charts are the SVGs drawn at build time. The PDF's bookmarks (from the headings) are read here with a
minimal parser (no PDF library is installed): every chapter title must be there."""
from __future__ import annotations

import html
import re
import zlib

import yaml

from conftest import REPO

TITLE = re.compile(rb"/Title\s*(\((?:\\.|[^\\)])*\)|<[0-9A-Fa-f\s]*>)")
ALT = re.compile(rb"/Alt\s*(\((?:\\.|[^\\)])*\)|<[0-9A-Fa-f\s]*>)")  # a tagged figure's text alternative
STREAM = re.compile(rb"/FlateDecode.*?stream\r?\n(.*?)\r?\nendstream", re.S)


def _decode(token: bytes) -> str:
    if token.startswith(b"<"):
        raw = bytes.fromhex(re.sub(rb"\s", b"", token[1:-1]).decode())
    else:
        raw = re.sub(rb"\\([0-7]{1,3})", lambda m: bytes([int(m.group(1), 8)]), token[1:-1])
        raw = re.sub(rb"\\(.)", lambda m: {b"n": b"\n", b"r": b"\r", b"t": b"\t"}.get(m.group(1), m.group(1)), raw)
    return raw[2:].decode("utf-16-be") if raw.startswith(b"\xfe\xff") else raw.decode("latin-1")


def pdf_titles(data: bytes, key: re.Pattern = TITLE) -> list[str]:
    """Bookmark and structure titles (or, with key=ALT, the figures' text alternatives), from
    the file and from its compressed streams."""
    chunks = [data]
    for stream in STREAM.findall(data):
        try:
            chunks.append(zlib.decompress(stream))
        except zlib.error:
            pass
    return [_decode(t) for chunk in chunks for t in key.findall(chunk)]


def chapter_titles() -> list[str]:
    """The H1 of every page in _toc.yml, read from the sources (not from the build)."""
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    files = [toc["root"]] + [c["file"] for part in toc["parts"] for c in part["chapters"]]
    titles = []
    for name in files:
        page = REPO / f"{name}.md"
        text = page.read_text(encoding="utf-8")
        if not re.search(r"^# ", text, re.M):  # a page without its own H1 takes its included file's
            included = re.search(r"\{include\}\s+(\S+)", text).group(1)
            text = (page.parent / included).resolve().read_text("utf-8")
        titles.append(re.search(r"^# (.+)$", text, re.M).group(1).strip())
    return titles


def test_pdf_has_every_chapter_and_its_charts(book_pdf, built):
    data = book_pdf["path"].read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert len(data) > 200_000
    # Sphinx's smart quotes print "What's new" as "What’s new"
    found = "\n".join(re.sub(r"\s+", " ", t) for t in pdf_titles(data)).replace("\u2019", "'")
    wanted = chapter_titles()
    assert len(wanted) >= 15
    missing = [t for t in wanted if re.sub(r"\s+", " ", t) not in found
               and re.sub(r"\s+", "", t) not in found.replace(" ", "")]
    assert not missing, missing
    # every chart of the single page is its build-time SVG, printed as such (the script counts
    # them in the page it prints and refuses a chart without one)
    single = book_pdf["singlehtml"].read_text(encoding="utf-8")
    n_charts = single.count('class="evidence-chart"')
    svgs = re.findall(r'<div class="evidence-chart" id="[^"]+"><svg [^>]*role="img"', single)
    assert n_charts >= 8 and len(svgs) == n_charts
    assert f"{n_charts} charts" in book_pdf["log"], book_pdf["log"]
    # and printed as tagged figures whose text alternative is the SVG's title and description
    alternatives = "\n".join(pdf_titles(data, ALT))
    titles = re.findall(r'<title id="chart-[^"]+-title">([^<]+)</title>', single)
    assert len(titles) == n_charts
    missing = [t for t in titles if html.unescape(t) not in alternatives]
    assert not missing, missing
    # offered for download: the home page links to the copy in the site
    assert (built.html / "car-t-neuroimmune.pdf").read_bytes() == data
    assert 'href="car-t-neuroimmune.pdf"' in (built.html / "index.html").read_text(encoding="utf-8")
