"""Evidence tables as accessible HTML: escaped cells, links to sources, stable ids."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pandas as pd

from . import html as h


@dataclass(frozen=True)
class Column:
    header: str
    cell: Callable[[pd.Series], str]  # returns HTML made with evidence.present.html helpers
    numeric: bool = False


def _num(column: Column) -> str:
    return ' class="num"' if column.numeric else ""


# Tables longer than this get a filter box and pages of PAGE_SIZE rows in the browser
# (`_ext/assets/evidence-tables.js`, added only to pages that have such a table). Every row
# stays in the HTML, so the page works without JavaScript and the browser's find still works.
LONG_TABLE = 50
PAGE_SIZE = 25


def render(frame: pd.DataFrame, columns: list[Column], name: str, caption: str) -> h.Fragment:
    """An HTML table of `frame`, one row per record, with a caption for screen readers."""
    table_id = h.stable_id(f"table-{name}", caption, frame.to_csv(index=False))
    paged = f' data-page-size="{PAGE_SIZE}"' if len(frame) > LONG_TABLE else ""
    head = "".join(f"<th scope=\"col\"{_num(c)}>{h.text(c.header)}</th>" for c in columns)
    rows = []
    for _, record in frame.iterrows():
        cells = "".join(f"<td{_num(c)}>{c.cell(record)}</td>" for c in columns)
        rows.append(f"<tr>{cells}</tr>")
    body = "\n".join(rows) or f'<tr><td colspan="{len(columns)}">No records.</td></tr>'
    # the wrapper scrolls wide tables sideways: a named region that takes keyboard focus, so
    # keyboard users can scroll it too (axe: scrollable-region-focusable)
    markup = (f'<div class="evidence-table-wrapper" role="region" tabindex="0" '
              f'aria-labelledby="{table_id}-caption"><table class="evidence-table" id="{table_id}"{paged}>'
              f'<caption id="{table_id}-caption">{h.text(caption)}</caption><thead><tr>{head}</tr></thead>'
              f"<tbody>\n{body}\n</tbody></table></div>")
    plain = frame.to_string(index=False) if not frame.empty else "No records."
    return h.Fragment(markup, f"{caption}\n{plain}")
