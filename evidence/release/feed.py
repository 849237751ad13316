"""The Atom feed of What's new (`whats-new.xml` at the site root): one entry per release, and
one for the changes not yet released. Entry ids and dates come from the data, so two builds
of one commit write the same feed."""
from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from ..data.snapshots import UNRELEASED, Delta, summary_lines
from .citation import Citation

# RFC 4151 tag URIs: stable ids that do not depend on where the site is published
TAG = "tag:team@car-t-review.invalid,2026:car-t-neuroimmune-review"
PAGE = "chapters/whats-new.html"
FEED = "whats-new.xml"


def _updated(delta: Delta, cite: Citation) -> str:
    if delta.version != UNRELEASED:
        return delta.released
    dates = [row.get("checked_on", "") for change in delta.rows for row in [change.row]]
    return max([d for d in dates if d] + [cite.released])


def atom(deltas: list[Delta], cite: Citation) -> str:
    page = cite.url(PAGE) or PAGE
    entries = []
    for delta in deltas:
        summary = "\n".join(line.lstrip("- ") for line in summary_lines(delta))
        updated = _updated(delta, cite)
        entries.append(
            "  <entry>\n"
            f"    <id>{TAG}:{delta.anchor}</id>\n"
            f"    <title>{escape(delta.title)}</title>\n"
            f"    <updated>{updated}T00:00:00Z</updated>\n"
            f"    <link rel=\"alternate\" type=\"text/html\" href={quoteattr(page + '#' + delta.anchor)}/>\n"
            f"    <summary type=\"text\">{escape(summary)}</summary>\n"
            "  </entry>\n")
    newest = max([_updated(d, cite) for d in deltas] + [cite.released])
    authors = "".join(f"  <author><name>{escape(a)}</name></author>\n" for a in cite.authors)
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            '<feed xmlns="http://www.w3.org/2005/Atom">\n'
            f"  <id>{TAG}:whats-new</id>\n"
            f"  <title>{escape(cite.title)}: what's new</title>\n"
            f"  <updated>{newest}T00:00:00Z</updated>\n"
            f"{authors}"
            f"  <link rel=\"alternate\" type=\"text/html\" href={quoteattr(page)}/>\n"
            + (f"  <link rel=\"self\" type=\"application/atom+xml\" href={quoteattr(cite.url(FEED))}/>\n"
               if cite.site_url else "")
            + f"  <rights>{escape(cite.license)}</rights>\n"
            + "".join(entries) + "</feed>\n")
