"""What the watch reads before it asks anything: watch.yml (identification, politeness,
retries), the API key from the environment, and the saved queries of data/watch_queries.csv.

A missing or invalid setting stops the watch with one line, before any request is sent.
"""
from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

import yaml

CONFIG = "watch.yml"
QUERIES = "data/watch_queries.csv"
API_KEY_VARIABLE = "NCBI_API_KEY"
EMAIL_VARIABLE = "WATCH_EMAIL"  # overrides watch.yml's email when set


class WatchError(RuntimeError):
    """Why the watch or the screening command stopped (one line; nothing was written)."""


@dataclass(frozen=True)
class Settings:
    email: str
    tool: str
    api_key: str | None
    timeout_seconds: float
    retries: int
    retry_wait_seconds: float
    ctgov_requests_per_minute: float
    overlap_days: int


@dataclass(frozen=True)
class SavedQuery:
    query_id: str
    source: str          # code in data/vocab/watch_sources.csv
    term: str
    condition: str
    intervention: str

    def text(self) -> str:
        """The query verbatim, as the screening log records it."""
        if self.source == "pubmed":
            return self.term
        parts = [("query.cond", self.condition), ("query.intr", self.intervention),
                 ("query.term", self.term)]
        return "; ".join(f"{name}={value}" for name, value in parts if value)


def load_settings(root: Path) -> Settings:
    path = root / CONFIG
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as err:
        raise WatchError(f"{CONFIG}: cannot read the watch configuration ({err})") from None
    # the address may come from the environment (a repository variable in the weekly
    # workflow), so a public repository need not commit it
    email = (os.environ.get(EMAIL_VARIABLE) or str(raw.get("email") or "")).strip()
    if "@" not in email:
        raise WatchError(f"{CONFIG}: set `email` (or {EMAIL_VARIABLE}) to the maintainers' contact "
                         "address (NCBI asks every E-utilities client for one)")
    try:
        return Settings(
            email=email, tool=str(raw.get("tool") or "evidence-watch"),
            api_key=os.environ.get(API_KEY_VARIABLE) or None,
            timeout_seconds=float(raw.get("timeout_seconds", 30)),
            retries=max(1, int(raw.get("retries", 3))),
            retry_wait_seconds=float(raw.get("retry_wait_seconds", 10)),
            ctgov_requests_per_minute=float(raw.get("ctgov_requests_per_minute", 50)),
            overlap_days=int(raw.get("overlap_days", 14)))
    except (TypeError, ValueError) as err:
        raise WatchError(f"{CONFIG}: a setting is not a number ({err})") from None


def load_queries(root: Path) -> list[SavedQuery]:
    with (root / QUERIES).open(encoding="utf-8", newline="") as handle:
        return [SavedQuery(row["query_id"], row["source"], row["term"], row["condition"],
                           row["intervention"]) for row in csv.DictReader(handle)]
