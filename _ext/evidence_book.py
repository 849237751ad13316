"""Sphinx extension that ties the book to its evidence data.

Loaded by `_config.yml` (sphinx.local_extensions), so plain `jb build .` gets all of it:

1. Kernels import `evidence` from the book being built and read that book's data
   (EVIDENCE_BOOK_ROOT, PYTHONPATH), so a build of a temporary copy reads the copy.
2. Never stale, never wasteful: each executable page's scope is read from its
   `evidence.chapter(...)` call; a hidden last cell carries the digest of that scope's data
   (see evidence.data.scope). jupyter-cache keys on cell text, so a new digest re-executes the page
   and an unchanged one reuses the cache; `env-get-outdated` makes Sphinx re-read exactly the
   pages whose digest changed (file mtimes say nothing about data edits). A hidden first cell
   names the glued figures the page's text uses (`{glue:text}` roles, `{glue}` directives), so
   `Page.glue_figures()` glues those and not one output per data row (thousands of outputs
   on a large table). A figure glued for another page's text (`path::key`) must therefore be
   glued explicitly there with `myst_nb.glue`.
3. Charts are drawn as SVG at build time and written into the page (evidence.present.chart_embed: a
   worker process draws them while Sphinx reads the pages). Chart pages get only the small
   script that loads the chart libraries (vendored in `_vendor/vega/`, copied into the site)
   when a reader asks for the interactive view; the long-table pager goes only to pages with
   a long table; nothing is loaded from a CDN.
4. (Version, citation, dates and downloads: see evidence_release.py.)
5. Invalid data stops the build with the validator's messages, before any page is written;
   a check whose inputs have not changed since it last passed is skipped.
"""
from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import shutil
import sys
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import SphinxError
from sphinx.util import logging

logger = logging.getLogger(__name__)

ROOT_STATIC = "evidence"  # folder under _build/html/_static/
VENDOR_SCRIPTS = ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js")
PAGED_TABLE = "data-page-size="
ASSETS = Path(__file__).resolve().parent / "assets"
CODE_CELL = re.compile(r"^(`{3,}|~{3,})\{code-cell\}[^\n]*\n(.*?)^\1[ \t]*$", re.M | re.S)
GLUE_ROLE = re.compile(r"\{glue(?::[a-z]*)?\}`([^`]+)`")
GLUE_DIRECTIVE = re.compile(r"^(?:`{3,}|~{3,}|:{3,})\{glue(?::[a-z]*)?\}[ \t]+(\S+)", re.M)
FRONT_MATTER = re.compile(r"\A---\n.*?^---[ \t]*\n", re.M | re.S)
GLUE_CELL = """
```{{code-cell}} ipython3
:tags: [remove-cell]
# the figures this page's text glues — added at build time by _ext/evidence_book.py
import evidence.present.page
evidence.present.page.GLUE_NAMES = frozenset({names!r})
```
"""
DIGEST_CELL = """

```{{code-cell}} ipython3
:tags: [remove-cell]
# evidence digest {digest} ({scope}) — added at build time by _ext/evidence_book.py
```
"""


# -- 1. kernels read the book being built ---------------------------------------------------
def _bind_book(app: Sphinx, config) -> None:
    srcdir = str(Path(app.srcdir).resolve())
    if srcdir not in sys.path:
        sys.path.insert(0, srcdir)
    os.environ["EVIDENCE_BOOK_ROOT"] = srcdir
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != srcdir]
    os.environ["PYTHONPATH"] = os.pathsep.join([srcdir, *paths])
    for name in [m for m in sys.modules if m == "evidence" or m.startswith("evidence.")]:
        del sys.modules[name]  # a previous build in this process may have imported another copy


# -- 5. no page from invalid data -----------------------------------------------------------
class InvalidEvidence(SphinxError):
    category = "Invalid evidence data (fix it, then build again; `python -m evidence validate`)"


VALIDATED_STAMP = "evidence-validated.sha256"


def _validation_inputs(srcdir: Path) -> str:
    """Digest of everything the validator reads, and of the validator itself."""
    h = hashlib.sha256()
    files = [*sorted((srcdir / "data").rglob("*.csv")), srcdir / "data" / "datapackage.json",
             srcdir / "refs.bib",
             # the validator and the data stage it builds on (reading, identifiers, GRADE levels)
             *sorted((srcdir / "evidence" / "validate").glob("*.py")),
             *sorted((srcdir / "evidence" / "data").glob("*.py"))]
    for path in files:
        h.update(path.relative_to(srcdir).as_posix().encode() + b"\0")
        h.update(path.read_bytes() if path.exists() else b"<missing>")
        h.update(b"\0")
    return h.hexdigest()


def _refuse_invalid_data(app: Sphinx, config=None) -> None:
    srcdir = Path(app.srcdir)
    stamp = Path(app.doctreedir) / VALIDATED_STAMP
    inputs = _validation_inputs(srcdir)
    if stamp.exists() and stamp.read_text(encoding="utf-8").strip() == inputs:
        logger.info("evidence: data unchanged since its last successful check")
        return
    from evidence.validate import validate

    problems = validate(srcdir)
    if problems:
        stamp.unlink(missing_ok=True)
        shown = "\n".join(str(p) for p in problems[:200])
        more = f"\n... and {len(problems) - 200} more" if len(problems) > 200 else ""
        raise InvalidEvidence(f"{len(problems)} problem(s); no page was written.\n{shown}{more}")
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(inputs + "\n", encoding="utf-8")
    logger.info("evidence: data package and refs.bib are valid")


# -- 2. data-aware re-execution -------------------------------------------------------------
def page_scopes(source: str):
    """The scopes named by `evidence.chapter(...)` calls in the page's code cells."""
    from evidence.data.scope import Scope

    scopes = []
    for match in CODE_CELL.finditer(source):
        code = "\n".join(line for line in match.group(2).splitlines()
                         if not line.lstrip().startswith((":", "%", "!")))
        try:
            tree = ast.parse(code)
        except SyntaxError:
            continue  # the kernel will report it, with the page name
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "chapter" and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "evidence"):
                args = [ast.literal_eval(a) for a in node.args]
                kwargs = {k.arg: ast.literal_eval(k.value) for k in node.keywords if k.arg != "root"}
                scopes.append(Scope(*args, **kwargs))
    return scopes


def loaded_evidence(app: Sphinx):
    """The data, loaded once per build (evidence_release reads it too)."""
    if getattr(app, "_evidence_data", None) is None:
        from evidence.data.load import load

        app._evidence_data = load(Path(app.srcdir))
    return app._evidence_data


FACTS_FILE = "evidence-facts.json"


def _scope_memo(app: Sphinx) -> dict:
    """Facts about a scope's data (its digest, its newest checked_on date), kept between
    builds in `_build/.doctrees/evidence-facts.json` together with the fingerprint of every
    file they are computed from: the data folder, refs.bib, the release snapshots, the
    package's code (evidence.data.scope.inputs_fingerprint) and these extensions' code. While the
    fingerprint is unchanged a stored fact is the one the computation would give, so a
    no-change rebuild or a prose edit neither loads the data nor imports pandas. Any change
    to any of those files discards every stored fact."""
    memo = getattr(app, "_evidence_facts", None)
    if memo is None:
        from evidence.data.scope import inputs_fingerprint

        code = hashlib.sha256(b"".join(f.name.encode() + b"\0" + f.read_bytes()
                                       for f in sorted(Path(__file__).parent.glob("*.py"))))
        fingerprint = inputs_fingerprint(Path(app.srcdir)) + code.hexdigest()
        try:
            stored = json.loads((Path(app.doctreedir) / FACTS_FILE).read_text("utf-8"))
        except (OSError, ValueError):
            stored = {}
        memo = dict(stored.get("facts", {})) if stored.get("fingerprint") == fingerprint else {}
        app._evidence_facts = memo
        app._evidence_facts_stored = (fingerprint, dict(memo))
    return memo


def scope_fact(app: Sphinx, kind: str, scope, compute):
    """`compute(scope)`, or the value stored for (kind, scope) while the inputs are unchanged.
    Values are strings (or None)."""
    memo = _scope_memo(app)
    key = f"{kind} {scope!r}"
    if key not in memo:
        memo[key] = compute(scope)
    return memo[key]


def _save_facts(app: Sphinx, exception) -> None:
    memo = getattr(app, "_evidence_facts", None)
    if memo is None:
        return
    fingerprint, stored = app._evidence_facts_stored
    if memo != stored:
        path = Path(app.doctreedir) / FACTS_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"fingerprint": fingerprint, "facts": memo}, sort_keys=True),
                        "utf-8")


def _digest(app: Sphinx, scopes) -> str:
    def compute(scope):
        from evidence.data.scope import digest

        return digest(scope, loaded_evidence(app))
    return "+".join(scope_fact(app, "digest", scope, compute)[:16] for scope in scopes)


def glue_names(source: str) -> list[str]:
    """The glue keys the page's text refers to (not those of other pages, `path::key`)."""
    text = CODE_CELL.sub("", source)
    found = {role.split(":", 1)[0].strip() for role in GLUE_ROLE.findall(text) if "::" not in role}
    found |= {name for name in GLUE_DIRECTIVE.findall(text) if "::" not in name}
    return sorted(found)


def inject_build_cells(app: Sphinx, docname: str, source: list[str]) -> None:
    """source-read: add the hidden glue-names cell first and the digest cell last (also used
    by evidence_speed's pre-execution, which must see the notebook myst-nb will see)."""
    scopes = page_scopes(source[0])
    store = app.env.__dict__.setdefault("evidence_pages", {})
    if not scopes:
        store.pop(docname, None)
        return
    value = _digest(app, scopes)
    store[docname] = (scopes, value)
    described = "; ".join(s.describe() for s in scopes)
    text = source[0]
    front = FRONT_MATTER.match(text)
    if front:  # a notebook page always has its front matter (kernelspec)
        cell = GLUE_CELL.format(names=glue_names(text))
        text = text[:front.end()] + cell + text[front.end():]
    source[0] = text.rstrip("\n") + DIGEST_CELL.format(digest=value, scope=described)


def _outdated_by_data(app: Sphinx, env, added, changed, removed):
    stale = []
    for docname, (scopes, old) in getattr(env, "evidence_pages", {}).items():
        if docname in removed or docname in changed:
            continue
        if _digest(app, scopes) != old:
            stale.append(docname)
    if stale:
        logger.info("evidence: data changed for %s", ", ".join(sorted(stale)))
    return stale


def _purge(app: Sphinx, env, docname: str) -> None:
    getattr(env, "evidence_pages", {}).pop(docname, None)


def _merge(app: Sphinx, env, docnames, other) -> None:
    store = env.__dict__.setdefault("evidence_pages", {})
    for docname in docnames:
        if docname in getattr(other, "evidence_pages", {}):
            store[docname] = other.evidence_pages[docname]


# -- 3. charts drawn at build time; chart libraries only on demand ---------------------------
def _svg_store(app: Sphinx):
    if getattr(app, "_evidence_svgs", None) is None:
        from evidence.present.chart_embed import SvgStore

        app._evidence_svgs = SvgStore(Path(app.doctreedir) / "evidence-charts")
    return app._evidence_svgs


def _draw_charts_early(app: Sphinx, doctree) -> None:
    """doctree-read: start drawing the page's charts while Sphinx reads the other pages."""
    from docutils import nodes

    for node in doctree.findall(nodes.raw):
        if "<!--evidence-svg " in node.astext():
            _svg_store(app).prefetch(node.astext())


def _close_svg_store(app: Sphinx, exception) -> None:
    store = getattr(app, "_evidence_svgs", None)
    if store is not None:
        store.close()
        # only a build that drew something can have left a drawing no page shows
        removed = store.prune(Path(app.outdir)) if exception is None and store.drawn else 0
        logger.info("evidence: %d chart(s) drawn as SVG (%.1f s waited for), %d unchanged reused, "
                    "%d no longer shown removed", store.drawn, store.waited, store.reused, removed)
        app._evidence_svgs = None


def _page_assets(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    from evidence.present.explorer import EXPLORER_CLASS
    from evidence.present.html import CHART_CLASS

    if "<!--evidence-svg " in context.get("body", ""):
        context["body"] = _svg_store(app).fill(context["body"])
    body = context.get("body", "")
    if f'class="{CHART_CLASS}"' in body:
        # the previous design (EVIDENCE_CHARTS=js, benchmark only) loads the libraries with
        # the page; the book's charts are SVG and evidence-charts.js loads them on demand
        eager = VENDOR_SCRIPTS if 'data-draw="on-load"' in body else ()
        for script in (*eager, "evidence-charts.js"):
            app.add_js_file(f"{ROOT_STATIC}/{script}", loading_method="defer")
    if f'class="{EXPLORER_CLASS}"' in body:
        app.add_js_file(f"{ROOT_STATIC}/explorer.js", loading_method="defer")
    if PAGED_TABLE in body:  # long tables: filter and pages (evidence.present.tables)
        app.add_js_file(f"{ROOT_STATIC}/evidence-tables.js", loading_method="defer")
    _drop_thebe(context)
    _accessible_body(context)


CITATION_LIST = re.compile(r'<div role="list" class="citation-list">')
BIBLIOENTRY = re.compile(r'(<div class="citation" id="[^"]+") role="doc-biblioentry"')


def _accessible_body(context: dict) -> None:
    """docutils writes the reference list as role="list" holding role="doc-biblioentry"
    items (a deprecated role, not a list item): axe reports it as a critical violation. The
    list is plain markup without those roles."""
    if "body" in context and "citation-list" in context["body"]:
        body = CITATION_LIST.sub('<div class="citation-list">', context["body"])
        context["body"] = BIBLIOENTRY.sub(r"\1", body)


def _drop_thebe(context: dict) -> None:
    """sphinx-thebe is loaded by Jupyter Book even with `launch_buttons.thebe: false`. On
    Sphinx 7 it adds its inline config twice (a console SyntaxError) and names a CDN URL; the
    book has no live code, so its scripts and styles are dropped from every page. So is any
    script or style from outside the site (the singlehtml builder adds MathJax from a CDN)."""
    def keep(asset) -> bool:
        name = str(getattr(asset, "filename", None) or "")
        body = str(getattr(asset, "attributes", {}).get("body", ""))
        external = name.startswith(("http://", "https://", "//"))  # e.g. MathJax in singlehtml
        return "thebe" not in name.lower() and "THEBE" not in body and not external
    for key in ("script_files", "css_files"):
        if key in context:
            context[key][:] = [asset for asset in context[key] if keep(asset)]


def _copy_assets(app: Sphinx, exception) -> None:
    if exception or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / ROOT_STATIC
    target.mkdir(parents=True, exist_ok=True)
    vendor = Path(app.srcdir) / "_vendor" / "vega"
    for path in [*sorted(vendor.glob("*.min.js")), *sorted(vendor.glob("*.LICENSE")),
                 vendor / "manifest.json", *sorted(ASSETS.iterdir())]:
        shutil.copyfile(path, target / path.name)


TEMPLATES = Path(__file__).resolve().parent / "templates"


def _templates(app: Sphinx, config) -> None:
    """Theme components overridden for accessibility (see _ext/templates/). The path is given
    relative to the configuration folder: an absolute one would enter the config hash in
    `.buildinfo`, and two builds of one commit in different folders would differ."""
    relative = os.path.relpath(TEMPLATES, app.confdir)
    if relative not in [str(p) for p in config.templates_path]:
        config.templates_path = [relative, *config.templates_path]


def setup(app: Sphinx) -> dict:
    from pygments.lexers.special import TextLexer

    app.add_lexer("csv", TextLexer)  # CSV examples in the contributing guide, shown as written
    app.connect("config-inited", _templates)
    app.connect("config-inited", _bind_book, priority=400)
    # after evidence_speed has started its kernels (550): they start while the data is checked
    app.connect("config-inited", _refuse_invalid_data, priority=560)
    app.connect("source-read", inject_build_cells)
    app.connect("env-get-outdated", _outdated_by_data)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("doctree-read", _draw_charts_early)
    app.connect("html-page-context", _page_assets, priority=900)  # after the others add theirs
    app.connect("build-finished", _close_svg_store)
    app.connect("build-finished", _copy_assets)
    app.connect("build-finished", _save_facts)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
