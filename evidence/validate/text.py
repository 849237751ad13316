"""Text-cell hygiene: what a cell may not contain, whatever its column.

Cells are shown in HTML tables and chart tooltips (escaped there), and a pull-request diff
should be one line per row. So: no markup, no script, no control characters or line breaks,
no stray or invisible whitespace. Text that merely looks like markup is allowed —
`p<0.05 & n>3` is a comparison, not a tag, and is escaped when shown.
"""
from __future__ import annotations

import re

# Element names of HTML (and SVG/MathML roots); a `<` followed by one of these and a closing
# `>` is a tag. `<` followed by a digit, space or `=` is a comparison.
_ELEMENTS = (
    "a abbr address area article aside audio b base bdi bdo blockquote body br button canvas "
    "caption cite code col colgroup data datalist dd del details dfn dialog div dl dt em embed "
    "fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 head header hr html i iframe img "
    "input ins kbd label legend li link main map mark math menu meta meter nav noscript object "
    "ol optgroup option output p param picture pre progress q rp rt ruby s samp script section "
    "select slot small source span strong style sub summary sup svg table tbody td template "
    "textarea tfoot th thead time title tr track u ul var video wbr font center marquee frame "
    "frameset applet base"
).split()
TAG = re.compile(r"<\s*/?\s*(?:%s)\b[^<>]*>" % "|".join(sorted(set(_ELEMENTS), key=len, reverse=True)),
                 re.IGNORECASE)
ACTIVE = re.compile(r"<\s*(script|style|iframe|object|embed)\b|<!--|javascript\s*:|vbscript\s*:"
                    r"|data\s*:\s*text/html", re.IGNORECASE)
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
INVISIBLE = re.compile(r"[\u00a0\u2000-\u200f\u2028\u2029\u202f\u205f\u2060\u3000\ufeff]")
SPACE_RUN = re.compile(r"  +")
NAMES = {"\t": "a tab", "\n": "a line break", "\r": "a carriage return"}
# One quick look per cell; only a cell that might have a problem gets the detailed checks
# (keeps 10,000-row tables well inside the validator's time budget).
SUSPECT = re.compile(r"^ | $|  |[\x00-\x1f\x7f\u00a0\u2000-\u200f\u2028\u2029\u202f\u205f"
                     r"\u2060\u3000\ufeff\ufffd<]|(?i:javascript|vbscript|data)\s*:")


def text_problems(text: str) -> list[str]:
    if not text or not SUSPECT.search(text):
        return []
    out = []
    if text != text.strip(" "):
        out.append("leading or trailing space")
    if SPACE_RUN.search(text):
        out.append("two or more spaces in a row")
    control = CONTROL.search(text)
    if control:
        char = control.group()
        out.append(f"contains {NAMES.get(char, f'the control character U+{ord(char):04X}')}"
                   " (cells are one line of plain text)")
    invisible = INVISIBLE.search(text)
    if invisible:
        out.append(f"contains the invisible space U+{ord(invisible.group()):04X}; "
                   "use a plain space")
    if "\ufffd" in text:
        out.append("contains U+FFFD (text damaged by a wrong encoding)")
    if ACTIVE.search(text):
        out.append("contains script or active content")
    elif TAG.search(text):
        out.append(f'contains the HTML tag "{TAG.search(text).group()}"; cells are plain text')
    return out
