"""GRADE as `data/certainty.csv` encodes it: the domains that move a rating and the levels
they move it between. Part of the data model, so the validator (which checks that a stated
level follows from its changes) and the summaries (which state it) share one definition."""
from __future__ import annotations

# (column, label) of the GRADE domains that can lower the certainty, in GRADE's order
DOWNGRADES = (("risk_of_bias", "risk of bias"), ("inconsistency", "inconsistency"),
              ("indirectness", "indirectness"), ("imprecision", "imprecision"),
              ("publication_bias", "publication bias"))
UPGRADE = ("upgrade", "upgrade")
LEVELS = ("very-low", "low", "moderate", "high")  # by rank, lowest first


def implied_level(start: str, changes: list[int]) -> str:
    """The level after the changes: GRADE moves one level per step, never below very low
    nor above high."""
    rank = LEVELS.index(start) + sum(changes)
    return LEVELS[max(0, min(len(LEVELS) - 1, rank))]
