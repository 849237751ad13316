"""The views a chapter can call on its page, and the small helpers they share.

A view is a function `name(page, ...)` that returns what a chapter shows (an HTML table, a
chart, a note). Decorating it with `@view` makes it callable as `page.name(...)` on every
`Page`, so adding a table or a chart touches its topic module and the chapter that shows it:

    @view
    def trials_table(page, caption=None) -> h.Fragment: ...

The topic modules (`reports`, `outcomes`, `safety`, `trials`, `sof`, `lsr`, `audit`,
`explorer`, `dictionary`) are imported by `page`, which is what registers their views.
"""
from __future__ import annotations

from typing import Callable

import pandas as pd

from . import html as h

VIEWS: dict[str, Callable] = {}


def view(name_or_function=None):
    """Register a view under its own name (`@view`) or another (`@view("certainty_judgements")`)."""
    def register(function: Callable, name: str | None = None) -> Callable:
        name = name or function.__name__
        if name in VIEWS and VIEWS[name] is not function:
            raise ValueError(f"two views are called {name!r}: "
                             f"{VIEWS[name].__module__} and {function.__module__}")
        VIEWS[name] = function
        return function

    if callable(name_or_function):
        return register(name_or_function)
    return lambda function: register(function, name_or_function)


def followup(row) -> str:
    """'12 (median)' from a study row's follow-up columns; empty when not reported."""
    months = row["followup_months"]
    if pd.isna(months):
        return ""
    value = f"{float(months):g}"
    return value if pd.isna(row["followup_stat"]) else f"{value} ({row['followup_stat']})"


def note(text: str) -> h.Fragment:
    """What a reader sees instead of an empty chart (an empty chart is an unlabelled image)."""
    return h.Fragment(f'<p class="evidence-note">{h.text(text)}</p>', text)


def plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Nullable pandas dtypes as plain objects/floats, which altair serialises to JSON."""
    return frame.astype(object).map(lambda value: None if pd.isna(value) else value)
