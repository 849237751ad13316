"""Altair charts with one colour-blind-safe palette, rendered for an offline site.

Charts are written as vega-lite specs into the page and drawn by the vendored vega libraries
(`_vendor/vega/`, added by the Sphinx extension only to pages that have charts). Nothing is
fetched from a CDN. Colours come from the Okabe–Ito palette and are fixed per target code, so
CD19 has the same colour in every chart of the book.
"""
from __future__ import annotations

import altair as alt

from . import html as h

# Okabe & Ito, "Color Universal Design" — distinguishable with common colour-vision deficiencies.
OKABE_ITO = ["#0072B2", "#D55E00", "#CC79A7", "#009E73", "#56B4E9", "#E69F00", "#F0E442", "#000000"]
CHART_CLASS = h.CHART_CLASS


def colour_scale(codes: list[str]) -> alt.Scale:
    """Fixed colours by vocabulary order: appending a code never recolours the others."""
    return alt.Scale(domain=list(codes), range=[OKABE_ITO[i % len(OKABE_ITO)] for i in range(len(codes))])


def _base(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    return chart.configure_view(stroke=None).configure_axis(labelLimit=260, titleFontWeight="normal")


# A chart with one mark per report (or trial) is drawn while a page has at most this many;
# beyond it the page shows the same quantity aggregated (by target, grade or phase), so a
# chart stays readable and its embedded data small however much evidence there is.
DETAIL_LIMIT = 60
# EVIDENCE_CHARTS=altair: charts are returned as plain altair charts and shown by altair's own
# output (which loads vega from a CDN). Only the benchmark's "default Jupyter Book" build sets
# it, to compare with an unconfigured book; the published book never does.
MODE_ENV = "EVIDENCE_CHARTS"


def render(chart: alt.TopLevelMixin, name: str, description: str,
           caption: str | None = None) -> h.Fragment:
    """The chart as a figure: a div the vendored vega-embed draws into, its spec beside it as
    JSON, and a visible caption.

    `description` is the text alternative screen readers announce (and the plain-text output);
    `caption` is shown under the chart (the description when not given).
    """
    import os

    if os.environ.get(MODE_ENV) == "altair":
        return _base(chart)
    spec = _base(chart).to_dict()
    spec["description"] = description
    chart_id = h.stable_id(f"chart-{name}", h.script_json(spec))
    markup = (f'<figure class="evidence-figure">'
              f'<div class="{CHART_CLASS}" id="{chart_id}" role="img" aria-label="{h.text(description)}">'
              f"</div>\n"
              f'<script type="application/json" id="{chart_id}-spec">{h.script_json(spec)}</script>'
              f'<figcaption>{h.text(caption or description)}</figcaption></figure>')
    return h.Fragment(markup, description)


