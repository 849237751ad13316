"""The chart design side by side with the previous one (issue 17): charts drawn as SVG at
build time, libraries loaded on interaction, against charts drawn by the vendored libraries
on every view (the same book built with EVIDENCE_CHARTS=js). Verdicts and table rows for
`benchmarks/results.md`; `report.Run` measures both in the same run."""
from __future__ import annotations

from . import builds as builds_mod
from . import reader

NOISE = 1.05  # "no slower": within 5% of the previous design's best time (other work shares the machine)


def verdicts(ours: dict | None, previous: dict | None, read: dict | None,
             read_previous: dict | None) -> list[tuple[str, bool, str]]:
    rows = []
    if read:
        s = reader.summary(read)
        before = (f"; previous design {reader.summary(read_previous)['heaviest_second_gz'] / 1024:,.0f} KB"
                  if read_previous else "")
        rows.append(("chart pages load no chart library on first view (only on interaction)",
                     not s["libraries_on_first_view"],
                     (", ".join(s["libraries_on_first_view"]) or "none does") + before))
    if ours and previous:
        for name in ("cold", "row"):
            if name in ours and name in previous:
                a, b = ours[name].best, previous[name].best
                rows.append((f"{builds_mod.LABELS[name]} no slower than the previous chart design (±5%)",
                             a <= b * NOISE, f"{a:.2f} s, previous design {b:.2f} s"))
    return rows


def builds_column(previous: dict | None, name: str) -> str:
    outcome = (previous or {}).get(name)
    return f"{outcome.best:.2f} s" if outcome is not None else "–"


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
