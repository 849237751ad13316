"""Altair charts with one colour-blind-safe palette, rendered for an offline site.

Charts are drawn as SVG at build time (evidence.present.chart_svg, evidence.present.chart_embed), so they show
without JavaScript; their vega-lite spec sits beside them for the interactive view, which the
vendored vega libraries (`_vendor/vega/`) draw only when a reader asks for it. Nothing is
fetched from a CDN. Colours come from the Okabe–Ito palette and are fixed per target code, so
CD19 has the same colour in every chart of the book.
"""
from __future__ import annotations

import altair as alt

from . import chart_svg
from . import html as h

# Okabe & Ito, "Color Universal Design" — distinguishable with common colour-vision deficiencies.
OKABE_ITO = ["#0072B2", "#D55E00", "#CC79A7", "#009E73", "#56B4E9", "#E69F00", "#F0E442", "#000000"]
CHART_CLASS = h.CHART_CLASS


def colour_scale(codes: list[str]) -> alt.Scale:
    """Fixed colours by vocabulary order: appending a code never recolours the others."""
    return alt.Scale(domain=list(codes), range=[OKABE_ITO[i % len(OKABE_ITO)] for i in range(len(codes))])


def _base(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    # one font and a white panel for the build-time SVG and the interactive view alike: the
    # SVG's labels are laid out with that font's widths, and its colours (black marks, dark
    # text on light cells) stay legible in dark mode on the light panel
    return (chart.configure(font=chart_svg.FONT, background=chart_svg.BACKGROUND)
            .configure_view(stroke=None).configure_axis(labelLimit=260, titleFontWeight="normal"))


# A chart with one mark per report (or trial) is drawn while a page has at most this many;
# beyond it the page shows the same quantity aggregated (by target, grade or phase), so a
# chart stays readable and its embedded data small however much evidence there is.
DETAIL_LIMIT = 60
# EVIDENCE_CHARTS=altair: charts are returned as plain altair charts and shown by altair's own
# output (which loads vega from a CDN). Only the benchmark's "default Jupyter Book" build sets
# it, to compare with an unconfigured book; the published book never does.
# EVIDENCE_CHARTS=js: the previous design (no build-time SVG, the libraries draw every chart on
# every view), built only by the reader benchmark to measure both side by side.
MODE_ENV = "EVIDENCE_CHARTS"


def render(chart: alt.TopLevelMixin, name: str, description: str,
           caption: str | None = None) -> h.Fragment:
    """The chart as a figure: drawn as SVG at build time (evidence.present.chart_embed), its spec
    beside it as JSON for the interactive view, and a visible caption.

    `description` is the text alternative screen readers announce (the SVG's <desc>, and the
    plain-text output); `caption` is shown under the chart (the description when not given).
    """
    import os

    from .chart_embed import figure

    mode = os.environ.get(MODE_ENV)
    if mode == "altair":
        return _base(chart)
    spec = chart_svg.fixed_widths(_base(chart).to_dict(), keep_top=True)
    spec["description"] = description
    return figure(spec, name, description, caption, build_time_svg=mode != "js")
