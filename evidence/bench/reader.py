"""Reader cost: every built page in headless Chromium (Debian's chromium driven by
Playwright), served from 127.0.0.1.

Per page:
- first view: every response of a visit with an empty cache, each body gzip-compressed
  (level 6) as a static host would serve it, added up;
- second view: the same page opened after the home page in the same browser context; a URL
  fetched before is not counted (it would come from the cache). This is what the page costs
  beyond the theme's shared assets (stylesheets, fonts, scripts every page loads);
- chart libraries: whether vega, vega-lite or vega-embed were fetched (on first view: the
  book's charts are SVGs drawn at build time, the libraries load only on interaction);
- time to charts: from navigation start until every chart on the page holds an svg/canvas;
- duplicate data: data tables embedded more than once in the page's chart specs.

Requests that leave 127.0.0.1 are refused and listed, except those named in `cdn` (URL prefix
-> local file), which are answered from that file: the default Jupyter Book build's charts load
vega from a CDN, which the benchmark serves from the vendored copies (and counts).
"""
from __future__ import annotations

import gzip
import hashlib
import json
import re
from pathlib import Path
from urllib.parse import urlparse

from ..release.browser import ARGS, CHART_SELECTOR, charts_drawn, chromium_path, is_local, serve

CHROMIUM = chromium_path() or "/usr/bin/chromium"
CHART_LIBRARY = re.compile(r"vega(-lite|-embed)?(@[^/?]*)?(\.min)?(\.js)?(\?|$)")
OUR_CHARTS = CHART_SELECTOR
ALTAIR_CHARTS = "div[id^='altair-viz-']"
TARGET_PAGE_KB = 60  # a chapter's first view beyond the shared theme assets, compressed (issue 17)


def gz(body: bytes) -> int:
    return len(gzip.compress(body, compresslevel=6))


def pages(html_root: Path) -> list[str]:
    return sorted(p.relative_to(html_root).as_posix() for p in html_root.rglob("*.html")
                  if "_static" not in p.parts and "_sources" not in p.parts)


# -- data embedded in chart specs ------------------------------------------------------------
OUR_SPEC = re.compile(r'<script type="application/json" id="[^"]+-spec">(.*?)</script>', re.S)
ALTAIR_SPEC = re.compile(r'\}\)\((\{.*?\}), \{"mode": "vega-lite"\}\);', re.S)


def embedded_datasets(page_html: str) -> list[str]:
    """sha1 of every data table embedded in the page's chart specs (ours or altair's)."""
    specs = [json.loads(s) for s in OUR_SPEC.findall(page_html)]
    specs += [json.loads(s) for s in ALTAIR_SPEC.findall(page_html)]
    found = []
    for spec in specs:
        for rows in spec.get("datasets", {}).values():
            found.append(hashlib.sha1(json.dumps(rows, sort_keys=True).encode()).hexdigest())
        values = spec.get("data", {}).get("values") if isinstance(spec.get("data"), dict) else None
        if values is not None:
            found.append(hashlib.sha1(json.dumps(values, sort_keys=True).encode()).hexdigest())
    return found


# -- the browser -----------------------------------------------------------------------------
class _Visitor:
    def __init__(self, browser, base: str, cdn: dict[str, Path], charts: str):
        self.browser, self.base, self.cdn, self.charts = browser, base, cdn, charts
        self.blocked: list[str] = []
        self.errors: list[str] = []

    def _route(self, route):
        url = route.request.url
        if is_local(url):
            return route.continue_()
        for prefix, path in self.cdn.items():
            if url.startswith(prefix):
                return route.fulfill(status=200, body=path.read_bytes(),
                                     headers={"content-type": "application/javascript",
                                              "access-control-allow-origin": "*"})
        self.blocked.append(url)
        return route.abort()

    def context(self):
        ctx = self.browser.new_context(viewport={"width": 1280, "height": 900})
        ctx.route("**/*", self._route)
        return ctx

    def page(self, ctx):
        page = ctx.new_page()
        page._evidence_responses = []  # what the current visit fetched
        page.on("response", lambda r: page._evidence_responses.append(r))
        page.on("pageerror", lambda e: self.errors.append(f"{page.url}: {e}"))
        return page

    def visit(self, page, rel: str, timeout_ms: int = 30000) -> tuple[list, float | None]:
        responses = page._evidence_responses = []
        page.goto(f"{self.base}/{rel}", wait_until="load")
        n_charts = page.locator(self.charts).count()
        chart_ms = None
        if n_charts:
            page.wait_for_function(charts_drawn(self.charts), timeout=timeout_ms)
            chart_ms = page.evaluate("performance.now()")
        page.wait_for_load_state("networkidle")
        return list(responses), chart_ms


def _bodies(responses) -> dict[str, bytes]:
    out = {}
    for response in responses:
        try:
            out[response.url] = response.body()
        except Exception:  # redirects and aborted requests have no body
            out.setdefault(response.url, b"")
    return out


def measure_site(html_root: Path, cdn: dict[str, Path] | None = None, charts: str = OUR_CHARTS,
                 home: str = "index.html", only: list[str] | None = None, browser=None) -> dict:
    """Reader cost of every page (or `only` these). `browser`: a running Playwright browser
    to use (the tests pass theirs: one sync Playwright per thread); else one is launched."""
    if browser is None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            launched = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                return measure_site(html_root, cdn, charts, home, only, browser=launched)
            finally:
                launched.close()
    results: dict[str, dict] = {}
    with serve(html_root) as base:
        visitor = _Visitor(browser, base, cdn or {}, charts)
        for rel in only or pages(html_root):
            # first view, empty cache
            ctx = visitor.context()
            page = visitor.page(ctx)
            responses, chart_ms = visitor.visit(page, rel)
            first = _bodies(responses)
            n_charts = page.locator(charts).count()
            drawn = page.evaluate(f"() => [...document.querySelectorAll(\"{charts}\")]"
                                  ".filter(el => el.querySelector('svg, canvas')).length")
            ctx.close()
            # second view: after the home page, in the same context
            ctx = visitor.context()
            page = visitor.page(ctx)
            seen = set(_bodies(visitor.visit(page, home)[0]))
            again = {u: b for u, b in _bodies(visitor.visit(page, rel)[0]).items()
                     if u not in seen}
            ctx.close()
            datasets = embedded_datasets((html_root / rel).read_text("utf-8"))
            results[rel] = {
                "first_gz": sum(gz(b) for b in first.values()),
                "first_raw": sum(len(b) for b in first.values()),
                "requests": len(first),
                "second_gz": sum(gz(b) for b in again.values()),
                "chart_libraries": sorted({Path(urlparse(u).path).name for u in first
                                           if CHART_LIBRARY.search(urlparse(u).path.rsplit("/", 1)[-1])
                                           or "cdn.jsdelivr.net/npm/vega" in u}),
                "charts": n_charts, "charts_drawn": drawn, "chart_ms": chart_ms,
                "datasets": len(datasets), "duplicate_datasets": len(datasets) - len(set(datasets)),
            }
        return {"pages": results, "blocked": visitor.blocked, "errors": visitor.errors}


def summary(site: dict) -> dict:
    pages_ = site["pages"]
    chapters = {k: v for k, v in pages_.items() if k.startswith("chapters/")}
    with_charts = {k: v for k, v in pages_.items() if v["charts"]}
    heaviest = max(chapters or pages_, key=lambda k: (chapters or pages_)[k]["second_gz"])
    times = [v["chart_ms"] for v in with_charts.values() if v["chart_ms"] is not None]
    return {
        "pages": len(pages_),
        "heaviest": heaviest,
        "heaviest_second_gz": (chapters or pages_)[heaviest]["second_gz"],
        "mean_first_gz": sum(v["first_gz"] for v in pages_.values()) / max(1, len(pages_)),
        "mean_second_gz": sum(v["second_gz"] for v in pages_.values()) / max(1, len(pages_)),
        "chart_pages": len(with_charts),
        "slowest_charts_ms": max(times, default=None),
        "mean_charts_ms": sum(times) / len(times) if times else None,
        "libraries_without_charts": sorted(k for k, v in pages_.items()
                                           if not v["charts"] and v["chart_libraries"]),
        "libraries_on_first_view": sorted(k for k, v in pages_.items() if v["chart_libraries"]),
        "duplicate_data_pages": sorted(k for k, v in pages_.items() if v["duplicate_datasets"]),
        "undrawn": sorted(k for k, v in pages_.items() if v["charts_drawn"] < v["charts"]),
    }


def table(site: dict) -> list[str]:
    lines = ["| page | first view (gzip) | requests | beyond shared assets (2nd view, gzip) | chart libraries | charts | time to charts | duplicate data tables |",
             "|---|---:|---:|---:|---|---:|---:|---:|"]
    for rel, v in site["pages"].items():
        libs = ", ".join(v["chart_libraries"]) or "none"
        ms = f"{v['chart_ms']:.0f} ms" if v["chart_ms"] is not None else "–"
        lines.append(f"| `{rel}` | {v['first_gz'] / 1024:,.0f} KB | {v['requests']} | "
                     f"{v['second_gz'] / 1024:,.0f} KB | {libs} | {v['charts_drawn']}/{v['charts']} | {ms} | "
                     f"{v['duplicate_datasets']} |")
    return lines
