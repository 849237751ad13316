"""`python -m evidence bench`: benchmarks that print figures (never timed tests).

- `validation` — the validator on synthetic data (target: 10,000 studies with their 10,000
  references in at most 3 s on the project's 2-core machine)
"""
from __future__ import annotations

from .validation import run_validation


def run(args) -> int:
    return run_validation(args.rows)
