"""HTML fragments for cell outputs: escaped text, safe links, stable ids.

Every cell value reaches the page through `text()` or `link()`, so text that looks like markup
(`p<0.05 & n>3`, quotes) is shown as written and can never become a tag or a script.
"""
from __future__ import annotations

import hashlib
import html
import json
import re

CHART_CLASS = "evidence-chart"  # the div a chart is drawn into (pages with one load the chart scripts)
_ID_UNSAFE = re.compile(r"[^a-z0-9-]+")


def text(value) -> str:
    import pandas as pd  # here, not at the top: the Sphinx extension imports this module

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return html.escape(str(value), quote=True)


NOT_REPORTED = '<span class="evidence-missing">not reported</span>'


def count(value) -> str:
    """A number of patients; 'not reported' when the source gave none (never blank, never 0)."""
    import pandas as pd

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return NOT_REPORTED
    return text(value)


def link(label, url) -> str:
    """An external link that opens the source; a non-http(s) URL is shown as plain text."""
    if isinstance(url, str) and url.startswith(("https://", "http://")):
        return f'<a href="{html.escape(url, quote=True)}" rel="noopener">{text(label)}</a>'
    return text(label)


def stable_id(*parts: str) -> str:
    """An id derived from names and content, so two builds of one commit give the same HTML."""
    readable = _ID_UNSAFE.sub("-", "-".join(parts[:1]).lower()).strip("-")[:40]
    digest = hashlib.sha1("\0".join(parts).encode()).hexdigest()[:10]
    return f"{readable}-{digest}" if readable else f"id-{digest}"


def script_json(payload) -> str:
    """JSON that is safe inside <script type="application/json"> (no '</script>' breakout)."""
    # allow_nan=False: NaN is not JSON, and a chart spec holding one fails in the browser
    dumped = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                        allow_nan=False)
    return dumped.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


class Fragment:
    """A cell output: HTML for the book, plain text for anyone running the chapter in a console."""

    def __init__(self, html_text: str, plain: str):
        self.html = html_text
        self.plain = plain

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/html": self.html, "text/plain": self.plain}

    def __repr__(self) -> str:
        return self.plain
