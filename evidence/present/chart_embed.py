"""Charts in a page: the figure markup a chapter writes, and the build step that puts each
chart's build-time SVG into it.

A chapter's cell writes (evidence.present.charts.render → `figure`):

    <figure class="evidence-figure">
      <div class="evidence-chart" id="ID"><!--evidence-svg ID--></div>
      <button class="evidence-chart-live" data-chart="ID" hidden>…</button>
      <script type="application/json" id="ID-spec">SPEC</script>
      <figcaption>…</figcaption></figure>

The spec is kept once, as JSON beside the chart, for the interactive view built on demand. When
Sphinx writes the page, `SvgStore.fill` replaces the placeholder with the SVG drawn from that
spec (evidence.present.chart_svg). Drawing is the slow part of a build (vl-convert holds the GIL),
so it happens in one worker process, started when the first chart is seen while Sphinx reads
the pages; the writer then mostly finds the SVGs done. Drawn SVGs are kept in the build's
doctree folder under a key of the spec and the renderer's version: a page re-written after a
prose edit does not draw its unchanged charts again. After a build that drew charts, the
drawings no page of the site shows any more (a chart whose data changed, an earlier
renderer) are removed, so the folder holds one SVG per chart however long the review lives.

EVIDENCE_CHARTS=js (evidence.present.charts.MODE_ENV) writes the previous design instead, an empty
chart div the vendored libraries draw on every view; the reader benchmark builds it to measure
both side by side. The book is never built that way.
"""
from __future__ import annotations

import hashlib
import json
import re
from concurrent.futures import Future
from pathlib import Path

from . import html as h

PLACEHOLDER = "<!--evidence-svg {id}-->"
_PLACEHOLDER = re.compile(r"<!--evidence-svg ([a-z0-9-]+)-->")
_SPEC = re.compile(r'<script type="application/json" id="([a-z0-9-]+)-spec">(.*?)</script>', re.S)
LIVE_LABEL = "Interactive chart"
WORKER_NICENESS = 10  # the drawing worker's priority below the build (see _yield_to_the_build)


def figure(spec: dict, name: str, description: str, caption: str | None,
           build_time_svg: bool = True) -> h.Fragment:
    """The chart's figure: its SVG slot (or, for the previous design, an empty div the
    libraries draw into), the button to the interactive view, the spec and a caption."""
    spec_json = h.script_json(spec)
    chart_id = h.stable_id(f"chart-{name}", spec_json)
    if build_time_svg:
        chart = (f'<div class="{h.CHART_CLASS}" id="{chart_id}">{PLACEHOLDER.format(id=chart_id)}</div>'
                 f'<button type="button" class="evidence-chart-live" data-chart="{chart_id}" '
                 f'aria-describedby="{chart_id}-title" hidden>{LIVE_LABEL}</button>\n')
    else:  # JS-first: the libraries load with the page and draw into the div
        chart = (f'<div class="{h.CHART_CLASS}" id="{chart_id}" data-draw="on-load" role="img" '
                 f'aria-label="{h.text(description)}"></div>\n')
    markup = (f'<figure class="evidence-figure">{chart}'
              f'<script type="application/json" id="{chart_id}-spec">{spec_json}</script>'
              f'<figcaption>{h.text(caption or description)}</figcaption></figure>')
    return h.Fragment(markup, description)


def _yield_to_the_build() -> None:
    """In the worker process, before anything is drawn: a lower priority and one core, so that
    the drawing (vl-convert runs several threads, half of its time in the kernel opening the
    font file for every text it measures) takes only the CPU the build leaves idle and never
    slows the Sphinx process or the executing kernels."""
    import os

    try:
        os.nice(WORKER_NICENESS)
    except OSError:  # not allowed here: the drawing then shares the CPU evenly
        pass
    if hasattr(os, "sched_setaffinity"):
        usable = sorted(os.sched_getaffinity(0))
        if len(usable) > 1:
            os.sched_setaffinity(0, {usable[-1]})


def _draw(spec_text: str, chart_id: str) -> str:
    """In the worker process: one chart's SVG."""
    from .chart_svg import render

    return render(json.loads(spec_text), chart_id)


class SvgStore:
    """Build-time SVGs of the charts of one build: kept on disk, drawn in a worker process."""

    def __init__(self, folder: Path):
        from .chart_svg import renderer_version

        self.folder = folder
        self.version = renderer_version()
        self.pending: dict[str, Future] = {}
        self.drawn = self.reused = 0
        self.waited = 0.0  # seconds the page writer waited for the worker
        self._pool = None

    def _key(self, chart_id: str, spec_text: str) -> str:
        return hashlib.sha256(f"{self.version}\0{chart_id}\0{spec_text}".encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}.svg"

    def _worker(self):
        if self._pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            # spawn, not fork: the build process runs threads (kernel clients) that a fork
            # would copy mid-flight
            self._pool = ProcessPoolExecutor(max_workers=1, initializer=_yield_to_the_build,
                                             mp_context=multiprocessing.get_context("spawn"))
        return self._pool

    def charts(self, body: str) -> list[tuple[str, str]]:
        """(chart id, spec JSON) of every chart in the HTML that waits for its SVG."""
        slots = set(_PLACEHOLDER.findall(body))
        return [(chart_id, spec) for chart_id, spec in _SPEC.findall(body) if chart_id in slots]

    def prefetch(self, body: str) -> None:
        """Start drawing the charts of this HTML that are not on disk yet."""
        for chart_id, spec_text in self.charts(body):
            key = self._key(chart_id, spec_text)
            if key not in self.pending and not self._path(key).exists():
                self.pending[key] = self._worker().submit(_draw, spec_text, chart_id)

    def svg(self, chart_id: str, spec_text: str) -> str:
        import time

        key = self._key(chart_id, spec_text)
        path = self._path(key)
        if path.exists():
            self.reused += 1
            return path.read_text("utf-8")
        started = time.perf_counter()
        future = self.pending.pop(key, None)
        svg = future.result() if future is not None else _draw(spec_text, chart_id)
        self.waited += time.perf_counter() - started
        self.drawn += 1
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(svg, "utf-8")
        return svg

    def fill(self, body: str) -> str:
        """The HTML with every chart's placeholder replaced by its SVG."""
        found = self.charts(body)
        if not found:
            return body
        self.prefetch(body)  # a page read in an earlier build: draw its charts side by side
        svgs = {chart_id: self.svg(chart_id, spec_text) for chart_id, spec_text in found}
        return _PLACEHOLDER.sub(lambda m: svgs.get(m.group(1), m.group(0)), body)

    def prune(self, html_root: Path) -> int:
        """Remove the drawings no page under `html_root` shows; returns how many. Every chart
        on every built page is kept, written in this build or not."""
        shown = {self._key(chart_id, spec_text)
                 for page in html_root.rglob("*.html")
                 for chart_id, spec_text in _SPEC.findall(page.read_text("utf-8"))}
        stale = [path for path in self.folder.glob("*.svg") if path.stem not in shown]
        for path in stale:
            path.unlink()
        return len(stale)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
