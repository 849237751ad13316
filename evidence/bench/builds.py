"""Build benchmark: the times a contributor waits, on a temporary copy of the book.

Scenarios, in this order on one copy: a cold build (empty `_build`, so an empty execution
cache) with the default workers and with one worker; a no-change rebuild; a prose edit of
one chapter; a code edit of one chapter; an edit of one study row; an edit of a vocabulary
label. Each is run `repeats` times (a new edit each time) and the best time is kept, since
other work on the machine can only make a run slower.

After every edit the benchmark checks that the pages show the new content and nowhere the
old (correct under the cache), and lists the chapters that were executed again.
"""
from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import common

JOBS_ENV = "EVIDENCE_BUILD_JOBS"
DISEASE_PAGES = ("ms", "nmosd", "mogad", "mg")


@dataclass
class Edit:
    """What an edit changed and what the pages must show afterwards."""
    marker: str                       # text that must now appear
    shown_on: set[str]                # pages (relative .html paths) that must show it
    gone: str | None = None           # text of the previous edit that must not appear anywhere
    must_run: set[str] = field(default_factory=set)      # chapters that must re-execute
    must_not_run: set[str] = field(default_factory=set)  # chapters that must not


@dataclass
class Outcome:
    scenario: str
    seconds: list[float]
    executed: list[str]
    problems: list[str]

    @property
    def best(self) -> float:
        return min(self.seconds)


def _replace_line(path: Path, prefix: str, line: str) -> None:
    text = path.read_text("utf-8")
    lines = [x for x in text.splitlines() if not x.startswith(prefix)]
    path.write_text("\n".join(lines).rstrip("\n") + f"\n\n{line}\n", "utf-8")


# -- the edits -------------------------------------------------------------------------------
def edit_prose(root: Path, n: int, previous: Edit | None) -> Edit:
    marker = f"Benchmark prose edit {n:04d}."
    _replace_line(root / "chapters" / "ms.md", "Benchmark prose edit", marker)
    return Edit(marker, {"chapters/ms.html"}, previous.marker if previous else None,
                must_not_run={"ms"})


def edit_code(root: Path, n: int, previous: Edit | None) -> Edit:
    marker = f"Benchmark caption {n:04d}"
    path = root / "chapters" / "mogad.md"
    text = re.sub(r'page\.studies_table\((caption="Benchmark caption \d+")?\)',
                  f'page.studies_table(caption="{marker}")', path.read_text("utf-8"), count=1)
    path.write_text(text, "utf-8")
    return Edit(marker, {"chapters/mogad.html"}, previous.marker if previous else None,
                must_run={"mogad"}, must_not_run={"ms", "nmosd", "mg"})


def edit_row(root: Path, n: int, previous: Edit | None) -> Edit:
    marker = f"Benchmark-product-{n:04d}"
    first = common.edit_csv(root / "data" / "studies.csv", {"disease": "MG"}, {"product": marker})
    del first
    return Edit(marker, {"chapters/mg.html", "chapters/whats-new.html"},
                previous.marker if previous else None,
                must_run={"mg"}, must_not_run={"ms", "nmosd", "mogad"})


def edit_vocab(root: Path, n: int, previous: Edit | None) -> Edit:
    marker = f"Case series (rev {n:04d})"
    common.edit_csv(root / "data" / "vocab" / "designs.csv", {"code": "case-series"},
                    {"label": marker})
    return Edit(marker, {"chapters/ms.html", "chapters/data-dictionary.html"},
                previous.marker if previous else None, must_run={"ms", "mg"})


EDITS: dict[str, Callable] = {"prose": edit_prose, "code": edit_code, "row": edit_row,
                              "vocab": edit_vocab}
LABELS = {"cold": "cold build (empty cache)", "cold-1": "cold build, one worker",
          "no-change": "no-change rebuild", "prose": "prose edit of one chapter (ms.md)",
          "code": "code edit of one chapter (mogad.md)",
          "row": "edit of one study row (an MG study's product)",
          "vocab": "edit of a vocabulary label (designs.csv)"}


def check(root: Path, edit: Edit, executed: list[str]) -> list[str]:
    problems = []
    showing = common.pages_with(root, edit.marker)
    missing = edit.shown_on - showing
    if missing:
        problems.append(f"stale: {', '.join(sorted(missing))} do not show {edit.marker!r}")
    if edit.gone:
        still = common.pages_with(root, edit.gone)
        if still:
            problems.append(f"stale: {', '.join(sorted(still))} still show {edit.gone!r}")
    ran = set(executed)
    if edit.must_run - ran:
        problems.append(f"not re-executed: {', '.join(sorted(edit.must_run - ran))}")
    if edit.must_not_run & ran:
        problems.append(f"re-executed needlessly: {', '.join(sorted(edit.must_not_run & ran))}")
    return problems


# -- running ---------------------------------------------------------------------------------
def run_scenarios(root: Path, flags: tuple[str, ...] = common.STRICT, repeats: int = 3,
                  cold_repeats: int = 2, one_worker: bool = True,
                  scenarios: tuple[str, ...] = ("cold", "no-change", "prose", "code", "row", "vocab"),
                  env: dict | None = None, full_rebuild_for_data: bool = False,
                  log: Callable[[str], None] = print) -> dict[str, Outcome]:
    """Run the scenarios on the book at `root` (a copy: it is edited and rebuilt).

    `full_rebuild_for_data`: for a book whose cache ignores data (the default Jupyter Book),
    a data edit is first built plainly (and checked for staleness), then rebuilt from scratch
    (`_build` removed) — the time that counts is the one that shows the right pages."""
    out: dict[str, Outcome] = {}

    def build(extra_env=None) -> common.Timed:
        done = common.build(root, *flags, env={**(env or {}), **(extra_env or {})})
        if done.returncode != 0:
            raise RuntimeError(f"build failed in {root}:\n{done.log[-3000:]}")
        return done

    def cold(extra_env=None) -> float:
        shutil.rmtree(root / "_build", ignore_errors=True)
        return build(extra_env).seconds

    if "cold" in scenarios:
        if one_worker:
            seconds = [cold({JOBS_ENV: "1"})]
            out["cold-1"] = Outcome("cold-1", seconds, [], [])
            log(f"  cold, one worker: {seconds[0]:.1f} s")
        seconds = [cold() for _ in range(cold_repeats)]
        out["cold"] = Outcome("cold", seconds, [], [])
        log(f"  cold: {', '.join(f'{s:.1f}' for s in seconds)} s")
    elif not (root / "_build").exists():
        build()
    if "no-change" in scenarios:
        before = common.cache_hashes(root)
        seconds = [build().seconds for _ in range(repeats)]
        executed = common.executed_since(root, before)
        out["no-change"] = Outcome("no-change", seconds, executed,
                                   [f"executed {executed}"] if executed else [])
        log(f"  no-change: {', '.join(f'{s:.2f}' for s in seconds)} s")
    for name in ("prose", "code", "row", "vocab"):
        if name not in scenarios:
            continue
        previous, seconds, executed, problems, stale = None, [], set(), [], []
        for n in range(repeats):
            edit = EDITS[name](root, n + 1, previous)
            before = common.cache_hashes(root)
            done = build()
            ran = common.executed_since(root, before)
            found = check(root, edit, ran)
            if full_rebuild_for_data and name in ("row", "vocab"):
                stale.extend(found)  # what a plain rebuild shows
                done.seconds = cold()
                found = check(root, Edit(edit.marker, edit.shown_on, edit.gone), [])
                ran = sorted(p.stem for p in (root / "chapters").glob("*.md"))
            seconds.append(done.seconds)
            executed |= set(ran)
            problems += found
            previous = edit
        out[name] = Outcome(name, seconds, sorted(executed), problems)
        if stale:
            out[name].stale = sorted(set(stale))  # type: ignore[attr-defined]
        log(f"  {name}: {', '.join(f'{s:.2f}' for s in seconds)} s; executed: "
            f"{', '.join(sorted(executed)) or 'none'}" + (f"; PROBLEMS: {problems}" if problems else ""))
    return out


TARGETS = {"no-change": 2.0, "prose": 3.0}
ROW_SHARE = 0.40


def verdicts(ours: dict[str, Outcome]) -> list[tuple[str, bool, str]]:
    """(target, met, measured) for the build targets of issue 6."""
    rows = []
    for name, limit in TARGETS.items():
        if name in ours:
            rows.append((f"{LABELS[name]} ≤ {limit:.0f} s", ours[name].best <= limit,
                         f"{ours[name].best:.2f} s"))
    if "row" in ours and "cold" in ours:
        share = ours["row"].best / ours["cold"].best
        rows.append((f"one-row edit ≤ {ROW_SHARE:.0%} of a cold build", share <= ROW_SHARE,
                     f"{share:.0%} ({ours['row'].best:.1f} s of {ours['cold'].best:.1f} s)"))
        ran = set(ours["row"].executed)
        rows.append(("an MG row edit re-runs no MS, NMOSD or MOGAD chapter",
                     not ran & {"ms", "nmosd", "mogad"}, "re-ran: " + ", ".join(sorted(ran))))
    if "cold" in ours and "cold-1" in ours:
        rows.append(("cold build uses both cores (faster than one worker)",
                     ours["cold"].best < ours["cold-1"].best,
                     f"×{ours['cold-1'].best / ours['cold'].best:.2f} speed-up"))
    for name, outcome in ours.items():
        if name in EDITS:
            rows.append((f"pages correct after the {name} edit", not outcome.problems,
                         "; ".join(outcome.problems) or "new content shown, old gone"))
    return rows
