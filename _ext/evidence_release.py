"""Sphinx extension: what makes each page citable, dated and versioned.

Everything is derived from CITATION.cff (version, release date, authors, DOIs), the data
package (evidence cut-off, checked_on dates) and the release snapshots in `releases/`:

1. A banner on every page: the version this build is (`0.2.0`, or `0.2.0+dev.<commit>` between
   releases), its release date, the evidence cut-off, and a version switcher (filled from the
   site's `versions.json`, written by `python -m evidence assemble` on deploy).
2. Every page: citation meta tags (Google Scholar's `citation_*`, Dublin Core), a canonical URL
   when the site's address is known (EVIDENCE_SITE_URL or `url` in CITATION.cff), an honest
   "last updated" date (the newest `checked_on` of the evidence the page shows; the release
   date for pages without data) and a "Cite this chapter" box (text, BibTeX, RIS).
3. Directives for the back matter: `{evidence-citation}` (how to cite the book),
   `{evidence-downloads}` (the download list), `{evidence-whats-new}` (the changes between
   releases, from evidence.present.changes; no kernel is started for it) and `{evidence-watch}`
   (when the registry and literature watch last ran, what awaits screening:
   evidence.present.watch). They render when pages
   are written, from this build's state, so they never show another build's version.
4. After the build: `downloads/` (evidence.release.export), the Atom feed `whats-new.xml`
   (evidence.release.feed) and `versions.json`.

The version and the site address are part of `html_context`, so a change in either makes
Sphinx rewrite every page (without re-executing any). The download list and What's new depend
on the data: a page holding one is re-read when what it shows changed (`env-get-outdated`),
and only that page, so a data edit rewrites the pages that show the data, not all.
"""
from __future__ import annotations

import hashlib
import html
import json
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import Directive
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.osutil import relative_uri

logger = logging.getLogger(__name__)

VERSIONS = "versions.json"
DOWNLOADS = "downloads"


class _State:
    """What this build knows about itself (computed once, at config-inited)."""

    def __init__(self, srcdir: Path):
        from evidence.release import citation, export

        self.srcdir = srcdir
        self.cite = citation.load(srcdir)
        self.downloads = export.downloads(srcdir, self.cite)
        digest = hashlib.sha256()
        for item in self.downloads:
            digest.update(item.name.encode() + b"\0" + item.content)
        self.downloads_digest = digest.hexdigest()[:16]
        self.changes_digest = _changes_inputs(srcdir)
        self.watch_digest = _watch_inputs(srcdir)

    def digest(self, kind: str) -> str:
        """What a generated block of this kind depends on (beyond the version, which is in
        html_context and rewrites every page anyway)."""
        return {"downloads": self.downloads_digest, "whats-new": self.changes_digest,
                "watch": self.watch_digest}.get(kind, "")


def _changes_inputs(srcdir: Path) -> str:
    """Digest of what What's new compares: the release snapshots and the evidence tables."""
    from evidence.data.paths import read_descriptor
    from evidence.data.snapshots import RELEASES, SNAPSHOT_TABLES

    h = hashlib.sha256()
    data = srcdir / "data"
    files = [data / r["path"] for r in read_descriptor(data)["resources"]
             if r["name"] in SNAPSHOT_TABLES]
    for path in [*files, *sorted((srcdir / RELEASES).glob("*.json"))]:
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def _watch_inputs(srcdir: Path) -> str:
    """Digest of what the watch's status shows: the queue and the log of runs."""
    from evidence.data.paths import read_descriptor
    from evidence.present.watch import STATUS_INPUTS

    h = hashlib.sha256()
    data = srcdir / "data"
    for resource in read_descriptor(data)["resources"]:
        if resource["name"] in STATUS_INPUTS:
            path = data / resource["path"]
            h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def _state(app: Sphinx) -> _State:
    return app._evidence_release  # type: ignore[attr-defined]


# -- 1. banner, context ---------------------------------------------------------------------
def _configure(app: Sphinx, config) -> None:
    state = _State(Path(app.srcdir))
    app._evidence_release = state  # type: ignore[attr-defined]
    cite = state.cite
    if cite.site_url:
        config.html_baseurl = cite.site_url
    e = html.escape
    if cite.is_release:
        which = f'released <time datetime="{e(cite.released)}">{e(cite.released)}</time>'
    else:
        which = (f'unreleased changes since {e(cite.version)} '
                 f'(released <time datetime="{e(cite.released)}">{e(cite.released)}</time>)')
    banner = (f'<span class="evidence-version" data-version="{e(cite.shown)}">Version '
              f'<strong>{e(cite.shown)}</strong>, {which}</span>'
              f' · <span class="evidence-cutoff">Evidence up to <time datetime="{e(cite.cutoff)}">'
              f'{e(cite.cutoff)}</time></span>'
              f'<span class="evidence-versions" hidden></span>'
              f' · <span>Not medical advice</span>')
    config.html_theme_options = {**(config.html_theme_options or {}), "announcement": banner}
    # PRISMA-LSR: a living review names itself as living and gives its version in the title
    base = config.html_title or config.project
    if cite.shown not in base:
        config.html_title = f"{base} (version {cite.shown})"
    config.html_context = {
        **(config.html_context or {}),
        "evidence_version": {"version": cite.version, "shown": cite.shown,
                             "released": cite.released, "commit": cite.commit},
        "evidence_cutoff": cite.cutoff, "evidence_site_url": cite.site_url,
        "evidence_doi": cite.doi,
    }


# -- 2. per page ----------------------------------------------------------------------------
def page_updated(app: Sphinx, docname: str) -> tuple[str, bool]:
    """(date, from data): the newest date on which the evidence this page shows was checked,
    or the release date for a page that shows no data."""
    from evidence_book import scope_fact

    cite = _state(app).cite
    scopes = getattr(app.env, "evidence_pages", {}).get(docname, ((), ""))[0]
    dates = [date for scope in scopes
             for date in [scope_fact(app, "newest-date", scope, lambda s: _newest_date(app, s))]
             if date]
    return (max(dates), True) if dates else (cite.released, False)


def _newest_date(app: Sphinx, scope) -> str | None:
    from evidence.data.scope import DATE_COLUMNS, select
    from evidence_book import loaded_evidence

    dates = []
    for frame in select(loaded_evidence(app), scope).values():
        for column in DATE_COLUMNS:
            if column in frame and frame[column].notna().any():
                dates.append(str(frame[column].dropna().astype(str).max()))
    return max(dates) if dates else None


def _page(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    from evidence.release import citation
    from evidence.release.feed import FEED

    if pagename not in app.env.all_docs:
        return  # genindex, search
    cite = _state(app).cite
    title = app.env.titles[pagename].astext() if pagename in app.env.titles else cite.title
    updated, from_data = page_updated(app, pagename)
    chapter = citation.Chapter(title, pagename + app.builder.out_suffix, updated) \
        if pagename != app.config.root_doc else None
    tags = citation.meta_tags(cite, chapter)
    context["metatags"] = context.get("metatags", "") + "".join(
        f'\n    <meta name="{html.escape(name)}" content="{html.escape(value)}" />'
        for name, value in tags)
    root = context.get("pathto")(FEED, 1) if context.get("pathto") else FEED
    context["metatags"] += (f'\n    <link rel="alternate" type="application/atom+xml" '
                            f'title="What\'s new" href="{html.escape(root)}" />')
    body = context.get("body", "")
    stamp = (f'<p class="evidence-updated">Last updated <time datetime="{updated}">{updated}'
             f'</time> <span class="evidence-updated-why">('
             + ("newest date on which the evidence shown here was checked" if from_data
                else "release date of this version; the page shows no dated evidence")
             + ")</span></p>")
    head_end = body.find("</h1>")
    if head_end >= 0:
        body = body[:head_end + 5] + stamp + body[head_end + 5:]
    context["body"] = body + _cite_box(cite, chapter)
    app.add_js_file("evidence/evidence-versions.js", loading_method="defer")


def _cite_box(cite, chapter) -> str:
    from evidence.release import citation

    what = "chapter" if chapter else "review"
    e = html.escape
    return (f'<aside class="evidence-cite" aria-labelledby="cite-this-{what}">'
            f'<h2 id="cite-this-{what}">Cite this {what}</h2>'
            f'<p class="evidence-cite-text">{e(citation.text(cite, chapter))}</p>'
            f'<details><summary>BibTeX</summary><pre>{e(citation.bibtex(cite, chapter))}</pre></details>'
            f'<details><summary>RIS</summary><pre>{e(citation.ris(cite, chapter))}</pre></details>'
            "</aside>")


# -- 3. directives --------------------------------------------------------------------------
class evidence_generated(nodes.General, nodes.Element):
    """Placeholder filled when the page is written (see _visit)."""


class _Generated(Directive):
    kind = ""
    has_content = False

    def run(self):
        return [evidence_generated(kind=self.kind)]


class CitationDirective(_Generated):
    kind = "citation"


class DownloadsDirective(_Generated):
    kind = "downloads"


class WhatsNewDirective(_Generated):
    kind = "whats-new"


class WatchDirective(_Generated):
    kind = "watch"


# A page holding a data-dependent block is read again when what the block shows changed (and
# only that page): the digest each block saw when its page was read is kept in the environment.
GENERATED = "evidence_generated_pages"


def _record(app: Sphinx, doctree) -> None:
    env = app.env
    kinds = {node["kind"] for node in doctree.findall(evidence_generated)}
    pages = env.__dict__.setdefault(GENERATED, {})
    seen = {kind: _state(app).digest(kind) for kind in kinds if _state(app).digest(kind)}
    if seen:
        pages[env.docname] = seen
    else:
        pages.pop(env.docname, None)


def _outdated_generated(app: Sphinx, env, added, changed, removed) -> list[str]:
    """Pages whose downloads or What's new changed since they were read."""
    state = _state(app)
    return [doc for doc, seen in getattr(env, GENERATED, {}).items()
            if doc not in removed and doc not in changed
            and any(state.digest(kind) != digest for kind, digest in seen.items())]


def _purge_generated(app: Sphinx, env, docname: str) -> None:
    getattr(env, GENERATED, {}).pop(docname, None)


def _merge_generated(app: Sphinx, env, docnames, other) -> None:
    pages = env.__dict__.setdefault(GENERATED, {})
    for doc, seen in getattr(other, GENERATED, {}).items():
        if doc in docnames:
            pages[doc] = seen


def _citation_html(app: Sphinx) -> str:
    from evidence.release import citation

    cite = _state(app).cite
    e = html.escape
    doi = (f"<p>DOI of this version: <a href=\"https://doi.org/{e(cite.version_doi)}\">"
           f"{e(cite.version_doi)}</a>.</p>" if cite.version_doi else
           "<p>This build has no version DOI of its own"
           + ("" if cite.is_release else " (it is not a release)") + ".</p>")
    concept = (f"<p>DOI for all versions (concept DOI): <a href=\"https://doi.org/"
               f"{e(cite.concept_doi)}\">{e(cite.concept_doi)}</a>.</p>" if cite.concept_doi else
               "<p>No DOI has been minted for the review yet; cite the version and the address "
               "where you read it.</p>")
    return ('<div class="evidence-citation">'
            f'<p class="evidence-cite-text">{e(citation.text(cite))}</p>'
            f"{doi}{concept}"
            f'<h3>BibTeX</h3><pre>{e(citation.bibtex(cite))}</pre>'
            f'<h3>RIS</h3><pre>{e(citation.ris(cite))}</pre>'
            "</div>")


def _downloads_html(app: Sphinx, pathto) -> str:
    e = html.escape
    rows = "".join(
        f'<tr><td><a href="{e(pathto(f"{DOWNLOADS}/{item.name}"))}" download>{e(item.name)}</a></td>'
        f"<td>{e(item.description)}</td><td class=\"num\">{item.size / 1024:,.1f} KB</td></tr>"
        for item in _state(app).downloads)
    return ('<div class="evidence-table-wrapper"><table class="evidence-table evidence-downloads">'
            f"<caption>Downloads of version {e(_state(app).cite.shown)}</caption>"
            "<thead><tr><th>File</th><th>Contents</th><th class=\"num\">Size</th></tr></thead>"
            f"<tbody>{rows}</tbody></table></div>")


def _visit(self, node) -> None:
    app = self.builder.app
    if node["kind"] == "citation":
        self.body.append(_citation_html(app))
    elif node["kind"] == "whats-new":
        from evidence.present import changes

        self.body.append(changes.render(_state(app).srcdir).html)
    elif node["kind"] == "watch":
        from evidence.present.watch import status_html

        self.body.append(status_html(_state(app).srcdir))
    else:
        here = self.builder.get_target_uri(self.builder.current_docname)
        self.body.append(_downloads_html(app, lambda target: relative_uri(here, target)))
    raise nodes.SkipNode


def _skip(self, node) -> None:
    raise nodes.SkipNode


# -- 4. after the build ---------------------------------------------------------------------
def _write_outputs(app: Sphinx, exception) -> None:
    if exception or app.builder.format != "html":
        return
    from evidence.release import export, feed
    from evidence.data import snapshots

    state = _state(app)
    out = Path(app.outdir)
    export.write(state.downloads, out / DOWNLOADS)
    (out / feed.FEED).write_text(feed.atom(snapshots.whats_new(state.srcdir), state.cite), "utf-8")
    versions = {"site_root": "./", "current": state.cite.shown,
                "versions": [{"version": state.cite.shown, "path": "./", "label": state.cite.shown}]}
    (out / VERSIONS).write_text(json.dumps(versions, indent=1) + "\n", "utf-8")


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", _configure, priority=600)  # after evidence_book binds the book
    app.connect("html-page-context", _page)
    app.connect("build-finished", _write_outputs)
    app.connect("doctree-read", _record)
    app.connect("env-get-outdated", _outdated_generated)
    app.connect("env-purge-doc", _purge_generated)
    app.connect("env-merge-info", _merge_generated)
    app.add_node(evidence_generated, html=(_visit, None), latex=(_skip, None),
                 text=(_skip, None), man=(_skip, None), texinfo=(_skip, None))
    app.add_directive("evidence-citation", CitationDirective)
    app.add_directive("evidence-downloads", DownloadsDirective)
    app.add_directive("evidence-whats-new", WhatsNewDirective)
    app.add_directive("evidence-watch", WatchDirective)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
