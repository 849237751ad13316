"""A chart's Vega-Lite spec drawn at build time as an accessible, deterministic SVG.

vl-convert (vl-convert-python, through the same Vega-Lite version altair 6 writes) draws the
spec without a browser. The SVG goes into the page as it is, so a chart shows without
JavaScript, in print and in the PDF; the chart libraries load only when a reader asks for the
interactive view (`_ext/assets/evidence-charts.js`).

What is changed in vl-convert's output, and why:
- `role="img"`, a `<title>` and a `<desc>` named by `aria-labelledby`: screen readers announce
  the chart's title and its text alternative. Vega's per-mark ARIA attributes are dropped: the
  children of an image are not announced, and they were a third of the SVG's weight.
- ids inside the SVG (clip paths, gradients) are renamed to the chart's id and a number
  counted within the SVG: vl-convert numbers them across its process (clip1, clip2 … in the
  order charts happen to be drawn), so two builds of one commit would differ, and two charts
  on one page could collide.
- text is measured by vl-convert with Liberation Sans and drawn in the browser with it or its
  metric twins (Arial, Helvetica): labels keep the width they were laid out with, so none
  overflows or clips whichever of these the reader's machine has.
- a chart as wide as its container (`width: "container"`) is drawn STATIC_WIDTH wide; the SVG
  keeps its viewBox, so CSS scales it down to a narrow screen. (The interactive view keeps a
  top-level container width; see `fixed_widths`.)
"""
from __future__ import annotations

import copy
import hashlib
import html
import re
from pathlib import Path

VL_VERSION = "6.4"  # altair 6.3 writes Vega-Lite 6.4.1 specs; vl-convert bundles 6.4
STATIC_WIDTH = 480  # plot width of a container-wide chart (axis labels come on top)
FONT = "Liberation Sans, Arial, Helvetica, sans-serif"  # metric-compatible faces
BACKGROUND = "#ffffff"  # the chart is a light panel in both colour modes (see evidence.css)
_ID = re.compile(r'\bid="([^"]+)"')
_REFERENCE = re.compile(r'(url\(#|href="#)([^)"]+)')
_INNER_ARIA = re.compile(r' (?:role|aria-label|aria-roledescription|aria-hidden)="[^"]*"')


def fixed_widths(spec: dict, keep_top: bool = False) -> dict:
    """A copy with every `width: "container"` set to STATIC_WIDTH (`keep_top`: but the
    top-level one). Vega-Lite sizes only a top-level view to its container; a panel of a
    concatenation asked to do so is drawn a few pixels wide."""
    fixed = copy.deepcopy(spec)

    def walk(node, top):
        if isinstance(node, dict):
            if node.get("width") == "container" and not (top and keep_top):
                node["width"] = STATIC_WIDTH
            for key, value in node.items():
                if key not in ("data", "datasets"):
                    walk(value, False)
        elif isinstance(node, list):
            for item in node:
                walk(item, False)
    walk(fixed, True)
    return fixed


def static_spec(spec: dict) -> dict:
    """The spec as drawn at build time: fixed widths, the measured font, a white panel."""
    drawn = fixed_widths(spec)
    config = drawn.setdefault("config", {})
    config.setdefault("font", FONT)
    config.setdefault("background", BACKGROUND)
    return drawn


def title_of(spec: dict) -> str:
    """The chart's title, or the first clause of its description when it has none."""
    title = spec.get("title")
    if isinstance(title, dict):
        title = title.get("text")
    if isinstance(title, list):
        title = " ".join(title)
    if title:
        return str(title)
    description = str(spec.get("description") or "Chart")
    return re.split(r"(?<=\S)(?:[;:(]|\. )", description, maxsplit=1)[0].strip()


def accessible(svg: str, chart_id: str, title: str, description: str) -> str:
    """vl-convert's SVG with stable ids, role="img", <title> and <desc>."""
    renamed: dict[str, str] = {}
    for old in _ID.findall(svg):  # in document order: the same drawing gives the same names
        kind = re.sub(r"[^a-z]+", "", old.lower()) or "id"
        renamed.setdefault(old, f"{chart_id}-{kind}{len(renamed) + 1}")
    svg = _ID.sub(lambda m: f'id="{renamed[m.group(1)]}"', svg)
    svg = _REFERENCE.sub(lambda m: m.group(1) + renamed.get(m.group(2), m.group(2)), svg)
    opening = re.match(r"<svg\b[^>]*>", svg)
    if opening is None:
        raise ValueError("vl-convert returned no <svg> element")
    tag = opening.group(0)[:-1].replace(' class="marks"', ' class="marks evidence-chart-svg"')
    labelled = f"{chart_id}-title {chart_id}-desc"
    head = (f'{tag} role="img" aria-labelledby="{labelled}" focusable="false">'
            f'<title id="{chart_id}-title">{html.escape(title)}</title>'
            f'<desc id="{chart_id}-desc">{html.escape(description)}</desc>')
    return head + _INNER_ARIA.sub("", svg[opening.end():]).rstrip() + "\n"


def render(spec: dict, chart_id: str) -> str:
    """The accessible SVG of one chart (runs vl-convert; see evidence.present.chart_embed for the
    cache and the worker process the build uses)."""
    import vl_convert

    svg = vl_convert.vegalite_to_svg(static_spec(spec), vl_version=VL_VERSION)
    return accessible(svg, chart_id, title_of(spec), str(spec.get("description") or ""))


def renderer_version() -> str:
    """Changes whenever the drawing would: vl-convert's version and this module's code."""
    from importlib.metadata import version

    code = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]
    return f"vl-convert-python {version('vl-convert-python')} {code}"
