"""The chart design side by side with the previous one (issue 17): charts drawn as SVG at
build time, libraries loaded on interaction, against charts drawn by the vendored libraries
on every view (the same book built with EVIDENCE_CHARTS=js). `report.Run` measures both in
the same run; this module times the builds in pairs and gives the verdicts and the tables of
`benchmarks/results.md`."""
from __future__ import annotations

import shutil

from . import builds as builds_mod
from . import common, reader

PAIRED = ("cold", "row")  # the builds issue 17 must not slow down

NOISE = 1.05  # "no slower": within 5% of the previous design's best time (other work shares the machine)


def paired_builds(run, rounds: int = 3) -> dict[str, dict[str, list[float]]]:
    """Seconds of a cold build and of a one-row edit after it, for this book and the previous
    chart design in turn, round after round: both meet the same load (other work shares the
    machine), which two runs one after the other would not. Raises if an edit is not shown."""
    times = {kind: {name: [] for name in PAIRED} for kind in ("ours", "previous")}
    last: dict[str, builds_mod.Edit | None] = {"ours": None, "previous": None}
    for n in range(rounds):
        for kind in times:
            root, env = run._book(kind), run._env(kind)
            shutil.rmtree(root / "_build", ignore_errors=True)
            for name in PAIRED:
                if name == "row":  # markers of their own: the scenarios may have edited this copy
                    last[kind] = builds_mod.edit_row(root, 101 + n, last[kind])
                done = common.build(root, *common.STRICT, env=env)
                if done.returncode != 0:
                    raise RuntimeError(f"{kind} build failed:\n{done.log[-3000:]}")
                times[kind][name].append(done.seconds)
            problems = builds_mod.check(root, last[kind], ["mg"])
            if problems:
                raise RuntimeError(f"{kind}: the row edit is not shown: {problems}")
        print(f"  round {n + 1}: " + "; ".join(
            f"{kind} cold {t['cold'][-1]:.1f} s, row {t['row'][-1]:.2f} s" for kind, t in times.items()),
            flush=True)
    return times


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
    for name in PAIRED if paired else ():
        a, b = min(paired["ours"][name]), min(paired["previous"][name])
        rows.append((f"{builds_mod.LABELS[name]} no slower than the previous chart design (±5%, timed in pairs)",
                     a <= b * NOISE, f"best {a:.2f} s, previous design {b:.2f} s"))
    return rows


def paired_table(paired: dict) -> list[str]:
    out = ["### Builds side by side with the previous chart design", "",
           "This book and the same book built with `EVIDENCE_CHARTS=js` (no build-time SVG), "
           "timed in turn in each round (empty `_build`, then one MG row edited), so that both "
           "meet the same load.", "",
           "| build | this book (best) | previous design (best) | this book, all runs | previous design, all runs |",
           "|---|---:|---:|---|---|"]
    for name in PAIRED:
        ours, before = paired["ours"][name], paired["previous"][name]
        out.append(f"| {builds_mod.LABELS[name]} | {min(ours):.2f} s | {min(before):.2f} s | "
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
