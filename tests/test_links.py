"""Internal link check of the built site: every page and every anchor that a page of the site
links to (href, src) exists. External links are not followed here (no network); they are
listed in test-output/external-links.txt for an occasional check by a person."""
from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

from conftest import OUTPUT

SKIP_SCHEMES = {"http", "https", "mailto", "data", "javascript", "tel"}


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name") if tag in ("a", "map") else ("id",):
            if attrs.get(key):
                self.ids.add(attrs[key])
        for key in ("href", "src"):
            value = attrs.get(key)
            if value is not None and not (tag == "link" and attrs.get("rel") in ("preconnect", "dns-prefetch")):
                self.links.append(value)


def _parse(path: Path, cache: dict) -> _Page:
    if path not in cache:
        page = _Page()
        page.feed(path.read_text(encoding="utf-8", errors="replace"))
        cache[path] = page
    return cache[path]


def check_site(html_root: Path) -> tuple[list[str], set[str], int]:
    """(broken links as 'page -> link: why', external links, internal links checked)."""
    cache: dict[Path, _Page] = {}
    broken, external, checked = [], set(), 0
    pages = sorted(p for p in html_root.rglob("*.html") if "_static" not in p.parts)
    for page_path in pages:
        page = _parse(page_path, cache)
        for link in page.links:
            if not link or link.startswith("{"):
                continue
            scheme = urlparse(link).scheme
            if scheme in SKIP_SCHEMES or link.startswith("//"):
                if scheme in ("http", "https") or link.startswith("//"):
                    external.add(link)
                continue
            url, fragment = urldefrag(link)
            path = urlparse(url).path
            target = page_path if not path else (page_path.parent / unquote(path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            checked += 1
            rel = page_path.relative_to(html_root)
            if not target.exists() or html_root.resolve() not in target.resolve().parents:
                broken.append(f"{rel} -> {link}: no such file")
                continue
            if fragment and target.suffix == ".html":
                if unquote(fragment) not in _parse(target, cache).ids:
                    broken.append(f"{rel} -> {link}: no element with id {unquote(fragment)!r}")
    return broken, external, checked


def test_every_internal_link_and_anchor_resolves(built, book_pdf):
    broken, external, checked = check_site(built.html)
    OUTPUT.mkdir(exist_ok=True)
    (OUTPUT / "external-links.txt").write_text("\n".join(sorted(external)) + "\n", encoding="utf-8")
    assert checked > 1000, checked   # the explorer alone links every row to its chapter
    assert not broken, "\n".join(broken[:50])


def test_the_link_check_catches_a_broken_page_and_a_broken_anchor(tmp_path):
    (tmp_path / "a.html").write_text('<a id="top" href="b.html#missing">x</a><a href="c.html">y</a>'
                                     '<a href="#top">z</a><img src="_static/x.png">', "utf-8")
    (tmp_path / "b.html").write_text('<h1 id="present">b</h1>', "utf-8")
    broken, _, checked = check_site(tmp_path)
    assert checked == 4
    assert sorted(broken) == ["a.html -> _static/x.png: no such file",
                              "a.html -> b.html#missing: no element with id 'missing'",
                              "a.html -> c.html: no such file"]
