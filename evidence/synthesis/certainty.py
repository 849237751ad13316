"""Certainty of the evidence (GRADE), as the team judged it in `data/certainty.csv`.

One row per disease group and key outcome: the starting level, a change per GRADE domain
(0, -1 or -2 levels, each with a one-line reason), an upgrade (0 to +2, with its reason),
the resulting level and the date judged. The data hold the judgement; this module only reads
it, states it, and computes the level the changes imply (the validator checks that the
stated level is that level).
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..data.grade import DOWNGRADES, LEVELS, UPGRADE, implied_level  # noqa: F401 (read here)


def changes_of(row) -> list[tuple[str, int, str]]:
    """(domain label, change, reason) of each non-zero change of a certainty row."""
    out = []
    for column, label in (*DOWNGRADES, UPGRADE):
        value = row.get(column)
        if value is not None and not pd.isna(value) and int(value) != 0:
            reason = row.get(f"{column}_reason")
            out.append((label, int(value), "" if reason is None or pd.isna(reason) else str(reason)))
    return out


@dataclass(frozen=True)
class Rating:
    level: str          # code of data/vocab/certainty_levels.csv
    label: str          # "Very low"
    changes: tuple[tuple[str, int, str], ...]
    judged_on: str

    @property
    def short(self) -> str:
        """'Very low (risk of bias −1, imprecision −2)': the level and why, in one cell."""
        if not self.changes:
            return self.label
        parts = ", ".join(f"{label} {_signed(change)}" for label, change, _ in self.changes)
        return f"{self.label} ({parts})"


def _signed(change: int) -> str:
    return f"+{change}" if change > 0 else f"\u2212{-change}"


def ratings(certainty: pd.DataFrame, levels: pd.DataFrame) -> dict[tuple[str, str], Rating]:
    """(group, outcome) -> Rating for every row of the certainty table."""
    labels = dict(zip(levels["code"], levels["label"]))
    out = {}
    for _, row in certainty.iterrows():
        out[(row["group"], row["outcome"])] = Rating(
            level=row["certainty"], label=labels.get(row["certainty"], row["certainty"]),
            changes=tuple(changes_of(row)), judged_on=str(row["judged_on"]))
    return out


NOT_RATED = "Not rated in this version"
