"""The chart design side by side with the previous one (issue 17): charts drawn as SVG at
build time, libraries loaded on interaction, against charts drawn by the vendored libraries
on every view (the same book built with EVIDENCE_CHARTS=js). `report.Run` measures both in
the same run; this module times the builds in pairs and gives the verdicts and the tables of
`benchmarks/results.md`."""
from __future__ import annotations

import math
import re
import shutil
import statistics

from . import builds as builds_mod
from . import common, reader

PAIRED = ("cold", "row")  # the builds issue 17 must not slow down
# and, measured beside them, the part of a build the chart design changes: every page read and
# written and every chart drawn, with the execution cache kept (the pages' execution, the
# noisiest part of a cold build, is the same in both designs)
RENDER = "render"
RENDER_LABEL = "re-render (execution cache kept, every page written, every chart drawn)"
# a cold build less the pre-execution of its pages (the time the build's log reports for it)
AFTER_EXECUTION = "cold-rest"
AFTER_EXECUTION_LABEL = "cold build less the pages' pre-execution"
_PRE_EXECUTED = re.compile(r"evidence: pre-executed in ([0-9.]+) s")
RENDER_ROUNDS = 12  # short builds, one right after the other: more rounds, a narrower interval
PAIR_ROUNDS = 5  # at least: one cold build varies by ±20-30% from run to run on the 2-core VM

# "no slower": this book's time is at most 5% above the previous design's, as the geometric
# mean of the per-round ratios (each round builds both designs back to back, so both meet the
# same load; best-of-N alone swung by more than 5% between quiet runs of one commit)
NOISE = 1.05


def paired_builds(run, rounds: int = PAIR_ROUNDS) -> dict[str, dict[str, list[float]]]:
    """Seconds of a cold build and of a one-row edit after it, for this book and the previous
    chart design in turn, round after round: both meet the same load (other work shares the
    machine), which two runs one after the other would not. The design built first alternates
    (ABBA), so that neither gains from going first or second. Raises if an edit is not shown."""
    times = {kind: {name: [] for name in (*PAIRED, AFTER_EXECUTION, RENDER)} for kind in ("ours", "previous")}
    last: dict[str, builds_mod.Edit | None] = {"ours": None, "previous": None}
    for n in range(rounds):
        for kind in order_of_round(n):
            root, env = run._book(kind), run._env(kind)
            shutil.rmtree(root / "_build", ignore_errors=True)
            for name in PAIRED:
                if name == "row":  # markers of their own: the scenarios may have edited this copy
                    last[kind] = builds_mod.edit_row(root, 101 + n, last[kind])
                done = common.build(root, *common.STRICT, env=env)
                if done.returncode != 0:
                    raise RuntimeError(f"{kind} build failed:\n{done.log[-3000:]}")
                times[kind][name].append(done.seconds)
                executed = _PRE_EXECUTED.search(done.log)
                if name == "cold" and executed:
                    times[kind][AFTER_EXECUTION].append(done.seconds - float(executed.group(1)))
            problems = builds_mod.check(root, last[kind], ["mg"])
            if problems:
                raise RuntimeError(f"{kind}: the row edit is not shown: {problems}")
        print(f"  round {n + 1}: " + "; ".join(
            f"{kind} cold {t['cold'][-1]:.1f} s, row {t['row'][-1]:.2f} s" for kind, t in times.items()),
            flush=True)
    for n in range(RENDER_ROUNDS):  # both books now hold their executions
        for kind in order_of_round(n):
            times[kind][RENDER].append(re_render(run._book(kind), run._env(kind)))
        print(f"  re-render {n + 1}: " + "; ".join(
            f"{kind} {t[RENDER][-1]:.2f} s" for kind, t in times.items()), flush=True)
    return times


def re_render(root, env) -> float:
    """Seconds of a build that reads and writes every page and draws every chart from the
    execution cache (the site and the drawn SVGs removed, the executions kept)."""
    for folder in ("html", ".doctrees"):
        shutil.rmtree(root / "_build" / folder, ignore_errors=True)
    before = common.cache_hashes(root)
    done = common.build(root, *common.STRICT, env=env)
    executed = common.executed_since(root, before)
    if done.returncode != 0 or executed:
        raise RuntimeError(f"re-render failed or executed {executed}:\n{done.log[-3000:]}")
    return done.seconds


def order_of_round(n: int) -> tuple[str, str]:
    """ABBA: this book first in even rounds, the previous design first in odd ones."""
    return ("ours", "previous") if n % 2 == 0 else ("previous", "ours")


def paired_ratio(ours: list[float], previous: list[float]) -> tuple[float, float, float]:
    """This book's time over the previous design's: the geometric mean of the per-round ratios
    and its 95% t interval (scipy), as (estimate, low, high). One round has no interval (nan)."""
    from scipy import stats

    if len(ours) != len(previous) or not ours:
        raise ValueError("paired times need one time of each design per round")
    logs = [math.log(a / b) for a, b in zip(ours, previous)]
    mean = statistics.fmean(logs)
    if len(logs) < 2:
        return math.exp(mean), math.nan, math.nan
    spread = stats.sem(logs)
    if spread == 0:
        return (math.exp(mean),) * 3
    low, high = stats.t.interval(0.95, len(logs) - 1, loc=mean, scale=spread)
    return math.exp(mean), math.exp(low), math.exp(high)


def ratio_text(ratio: tuple[float, float, float]) -> str:
    estimate, low, high = ratio
    interval = "" if math.isnan(low) else f" (95% CI ×{low:.2f}–×{high:.2f})"
    return f"×{estimate:.2f}{interval}"


def verdicts(paired: dict | None, read: dict | None,
             read_previous: dict | None) -> list[tuple[str, bool, str]]:
    rows = []
    if read:
        s = reader.summary(read)
        before = (f"; previous design {reader.summary(read_previous)['heaviest_second_gz'] / 1024:,.0f} KB"
                  if read_previous else "")
        rows.append(("chart pages load no chart library on first view (only on interaction)",
                     not s["libraries_on_first_view"],
                     (", ".join(s["libraries_on_first_view"]) or "none does") + before))
    for name in (*PAIRED, RENDER) if paired else ():
        ours, before = paired["ours"].get(name), paired["previous"].get(name)
        if not ours:
            continue
        ratio = paired_ratio(ours, before)
        rows.append((f"{_label(name)} no slower than the previous chart design "
                     f"(≤ ×{NOISE:.2f}, paired rounds)",
                     ratio[0] <= NOISE,
                     f"{ratio_text(ratio)} over {len(ours)} rounds; best {min(ours):.2f} s, "
                     f"previous design {min(before):.2f} s"))
    return rows


def _label(name: str) -> str:
    return {AFTER_EXECUTION: AFTER_EXECUTION_LABEL,
            RENDER: f"{RENDER_LABEL}, the part of a build the chart design changes,"}.get(
                name, builds_mod.LABELS.get(name, name))


def paired_table(paired: dict) -> list[str]:
    out = ["### Builds side by side with the previous chart design", "",
           "This book and the same book built with `EVIDENCE_CHARTS=js` (no build-time SVG), "
           "built back to back in each round (empty `_build`, then one MG row edited), so that "
           "both meet the same load; the design built first alternates from round to round. "
           "The ratio is this book's time over the previous design's, the geometric mean of the "
           "rounds' ratios with its 95% t interval; the target is a ratio of at most "
           f"×{NOISE:.2f}. Then both sites are built again from their execution caches "
           f"(`_build/html` and `_build/.doctrees` removed), in turn, {RENDER_ROUNDS} times: every "
           "page read and written and every chart drawn, without the pages' execution, which is "
           "the same work in both designs and the part of a cold build that varies most from "
           "run to run. The cold build less the pre-execution its log reports is shown too.", "",
           "| build | this book ÷ previous design | this book (best) | previous design (best) "
           "| this book, all runs | previous design, all runs |",
           "|---|---:|---:|---:|---|---|"]
    for name in ("cold", AFTER_EXECUTION, "row", RENDER):
        ours, before = paired["ours"].get(name), paired["previous"].get(name)
        if not ours or not before or len(ours) != len(before):
            continue
        label = RENDER_LABEL if name == RENDER else _label(name)
        out.append(f"| {label} | {ratio_text(paired_ratio(ours, before))} | "
                   f"{min(ours):.2f} s | {min(before):.2f} s | "
                   f"{', '.join(f'{s:.2f}' for s in ours)} s | {', '.join(f'{s:.2f}' for s in before)} s |")
    return out + [""]


def reader_table(read: dict, read_previous: dict) -> list[str]:
    s, p = reader.summary(read), reader.summary(read_previous)

    def kb(value):
        return f"{value / 1024:,.0f} KB"
    rows = [("heaviest chapter beyond shared assets (first view)",
             f"{kb(s['heaviest_second_gz'])} (`{s['heaviest']}`)",
             f"{kb(p['heaviest_second_gz'])} (`{p['heaviest']}`)"),
            ("mean first view, all pages", kb(s["mean_first_gz"]), kb(p["mean_first_gz"])),
            ("mean beyond shared assets, all pages", kb(s["mean_second_gz"]), kb(p["mean_second_gz"])),
            ("chart pages loading chart libraries on first view",
             f"{len(s['libraries_on_first_view'])} of {s['chart_pages']}",
             f"{len(p['libraries_on_first_view'])} of {p['chart_pages']}"),
            ("mean time to charts", _ms(s["mean_charts_ms"]), _ms(p["mean_charts_ms"])),
            ("slowest time to charts", _ms(s["slowest_charts_ms"]), _ms(p["slowest_charts_ms"]))]
    return (["### Charts drawn at build time, side by side with the previous design", "",
             "The previous design is the same book built with `EVIDENCE_CHARTS=js`: no "
             "build-time SVG, vega, vega-lite and vega-embed load with every chart page and draw "
             "its charts. Both measured in this run.", "",
             "| measure | this book (SVG at build time) | previous design (charts drawn in the browser) |",
             "|---|---:|---:|"]
            + [f"| {label} | {a} | {b} |" for label, a, b in rows] + [""])


def _ms(value) -> str:
    return "–" if value is None else f"{value:,.0f} ms"
