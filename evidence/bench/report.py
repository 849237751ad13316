"""One benchmark run: the parts it ran, the figures they gave, and `benchmarks/results.md`."""
from __future__ import annotations

from pathlib import Path

from . import builds as builds_mod
from . import chart_design, common

DEFAULT_FACTORS = (10, 100)


class Run:
    def __init__(self, source: Path, tmp: Path, repeats: int = 3, factors=None, scenarios=None):
        self.source, self.tmp, self.repeats = source, tmp, max(1, repeats)
        self.factors = list(factors or DEFAULT_FACTORS)
        self.scenarios = scenarios or ("cold", "no-change", "prose", "code", "row", "vocab")
        self.machine = common.machine()
        self.loads: list[str] = []
        self.ours: dict | None = None
        self.paired: dict | None = None  # cold and row-edit seconds, this book and the previous chart design
        self.default: dict | None = None
        self.reader: dict | None = None
        self.reader_previous: dict | None = None
        self.reader_default: dict | None = None
        self.scale: tuple[list[str], bool] | None = None
        self.books: dict[str, Path] = {}
        self.validation: list[str] = []  # the validator benchmark's printed lines

    # -- parts ---------------------------------------------------------------------------
    # "previous": this book with the previous chart design (charts drawn by the vendored
    # libraries on every view, no build-time SVG: EVIDENCE_CHARTS=js), measured side by side
    def _book(self, kind: str) -> Path:
        """A copy of the book (ours, previous) or its default-configuration twin."""
        if kind in self.books:
            return self.books[kind]
        if kind in ("ours", "previous"):
            root = common.copy_book(self.source, self.tmp / kind)
        else:
            from .baseline import make_default_book

            root = make_default_book(self.source, self.tmp / "default")
        self.books[kind] = root
        return root

    def _env(self, kind: str) -> dict:
        if kind == "ours":
            return {}
        if kind == "previous":
            from ..present.charts import MODE_ENV

            return {MODE_ENV: "js"}
        from .baseline import environment

        return environment(self._book(kind))

    def _flags(self, kind: str) -> tuple[str, ...]:
        return () if kind == "default" else common.STRICT

    def _ensure_built(self, kind: str) -> Path:
        root = self._book(kind)
        if not (root / "_build" / "html" / "index.html").exists():
            done = common.build(root, *self._flags(kind), env=self._env(kind))
            if done.returncode != 0:
                raise RuntimeError(f"{kind} build failed:\n{done.log[-3000:]}")
        return root

    def run_builds(self, kind: str) -> dict:
        print(f"builds ({'this book: ' + common.BUILD_COMMAND if kind == 'ours' else 'default Jupyter Book: jb build .'}); "
              f"{common.load_note()}", flush=True)
        self.loads.append(f"{kind} builds: {common.load_note()} at start")
        return builds_mod.run_scenarios(
            self._book(kind), flags=self._flags(kind), repeats=self.repeats,
            cold_repeats=min(2, self.repeats), one_worker=kind == "ours",
            scenarios=self.scenarios, env=self._env(kind),
            full_rebuild_for_data=kind == "default")

    def run_reader(self, kind: str) -> dict:
        from . import reader
        from .baseline import cdn_files

        root = self._ensure_built(kind)
        print(f"reader ({kind}): every page in headless Chromium ...", flush=True)
        if kind != "default":
            return reader.measure_site(root / "_build" / "html")
        return reader.measure_site(root / "_build" / "html", cdn=cdn_files(self.source),
                                   charts=reader.ALTAIR_CHARTS)

    def execute(self, parts: list[str]) -> bool:
        if "builds" in parts:
            self.ours = self.run_builds("ours")
            print(f"builds side by side with the previous chart design (EVIDENCE_CHARTS=js), in pairs; "
                  f"{common.load_note()}", flush=True)
            self.loads.append(f"paired builds: {common.load_note()} at start")
            self.paired = chart_design.paired_builds(
                self, rounds=max(chart_design.PAIR_ROUNDS, self.repeats))
        if "baseline" in parts:
            self.default = self.run_builds("default")
        if "reader" in parts:
            self.reader = self.run_reader("ours")
            self.reader_previous = self.run_reader("previous")
            if "baseline" in parts:
                self.reader_default = self.run_reader("default")
        if "scale" in parts:
            from .scale import run_scale

            self.scale = run_scale(self.factors, self.source)
        text = self.markdown(None)
        print("\n" + text)
        return self.ok()

    # -- verdicts ------------------------------------------------------------------------
    def verdicts(self) -> list[tuple[str, bool, str]]:
        rows = builds_mod.verdicts(self.ours) if self.ours else []
        if self.reader:
            from . import reader

            s = reader.summary(self.reader)
            rows.append((f"a chapter's first view ≤ {reader.TARGET_PAGE_KB} KB beyond the shared theme assets",
                         s["heaviest_second_gz"] <= reader.TARGET_PAGE_KB * 1024,
                         f"heaviest {s['heaviest']}: {s['heaviest_second_gz'] / 1024:,.0f} KB"))
            rows.append(("pages without charts load no chart library",
                         not s["libraries_without_charts"],
                         ", ".join(s["libraries_without_charts"]) or "none does"))
            rows.append(("no chart data table embedded twice on a page", not s["duplicate_data_pages"],
                         ", ".join(s["duplicate_data_pages"]) or "none"))
            rows.append(("every chart drawn, no request leaves the site",
                         not s["undrawn"] and not self.reader["blocked"] and not self.reader["errors"],
                         f"undrawn: {s['undrawn'] or 'none'}; blocked: {self.reader['blocked'] or 'none'}; "
                         f"page errors: {self.reader['errors'] or 'none'}"))
        rows += chart_design.verdicts(self.paired, self.reader, self.reader_previous)
        if self.scale:
            rows.append((f"builds and reads well at {'× and '.join(map(str, self.factors))}× the evidence",
                         self.scale[1], "see Scale"))
        return rows

    def ok(self) -> bool:
        return all(met for _, met, _ in self.verdicts())

    # -- the report ----------------------------------------------------------------------
    def markdown(self, date: str | None) -> str:
        m = self.machine
        out = ["# Benchmark results", ""]
        if date:
            out += [f"Written by `python -m evidence bench` (`make bench`) on {date}. "
                    "Do not edit by hand; run the benchmark again.", ""]
        out += [f"- **Machine**: {m['host']}, {m['cores']} cores ({m['cpu'] or 'cpu unknown'}), "
                f"{m['system']}, Python {m['python']}",
                f"- **Load**: other work shared the machine; {'; '.join(self.loads) or common.load_note()}. "
                "Times are the best of the repeated runs (other work only makes a run slower).",
                f"- **This book** built with `{common.BUILD_COMMAND}` (the README's `make build` "
                "command, run with the benchmark's environment); the full path every time, no "
                "short-cut: Sphinx starts, checks what changed, re-executes and re-writes what "
                "it must.",
                "- **Default Jupyter Book**: the same book with none of its extensions (plain "
                "execution cache keyed on code text, serial execution, altair's default output "
                "that loads vega from a CDN), built with `jb build .`.", ""]
        verdicts = self.verdicts()
        if verdicts:
            out += ["## Targets", "", "| target | met | measured |", "|---|---|---|"]
            out += [f"| {t} | {'yes' if met else '**no**'} | {measured} |" for t, met, measured in verdicts]
            out.append("")
        if self.ours:
            out += self._builds_table()
        if self.reader:
            out += self._reader_section()
        if self.validation:
            out += ["## Validator", "", "Synthetic studies, each with its own reference, outcomes and "
                    "safety rows, validated in a temporary folder (`evidence/bench/validation.py`).",
                    "", "```", *self.validation, "```", ""]
        if self.scale:
            out += ["## Scale", "",
                    "The evidence multiplied in a temporary copy (synthetic rows: copies of the "
                    "real rows under new ids, links kept valid; never committed), validated, then "
                    "built from an empty cache with the strict command. Gzip sizes are flattered "
                    "by the repetition of copied rows; the raw size is given too.", ""]
            out += self.scale[0] + [""]
        return "\n".join(out) + "\n"

    def _builds_table(self) -> list[str]:
        ours, default = self.ours or {}, self.default or {}
        out = ["## Build times", "",
               "| scenario | this book | re-executed | default Jupyter Book | default ÷ this book |",
               "|---|---:|---|---:|---:|"]
        for name in ("cold", "cold-1", "no-change", "prose", "code", "row", "vocab"):
            if name not in ours:
                continue
            o = ours[name]
            ran = ", ".join(o.executed) or ("all" if name.startswith("cold") else "none")
            d = default.get(name if name != "cold-1" else "", None)
            if d is not None:
                extra = " (full rebuild: a plain rebuild shows stale pages)" if name in ("row", "vocab") else ""
                dcell, ratio = f"{d.best:.2f} s{extra}", f"×{d.best / o.best:.1f}"
            else:
                dcell, ratio = "–", "–"
            out.append(f"| {builds_mod.LABELS[name]} | {o.best:.2f} s | {ran} | {dcell} | {ratio} |")
        out.append("")
        if "cold" in ours and "cold-1" in ours:
            out += [f"Cold build speed-up from pre-executing the chapters in parallel: "
                    f"×{ours['cold-1'].best / ours['cold'].best:.2f} over one worker "
                    f"(`EVIDENCE_BUILD_JOBS=1`).", ""]
        stale = {n: getattr(d, "stale", []) for n, d in default.items() if getattr(d, "stale", None)}
        if stale:
            out += ["**The default book is stale after a data edit.** A plain `jb build .` after "
                    "the edit re-executed nothing and showed the old data:", ""]
            out += [f"- {builds_mod.LABELS[n]}: " + "; ".join(p) for n, p in stale.items()]
            out += ["", "Its data-edit times above are therefore full rebuilds (`_build` removed), "
                    "the cheapest build that shows the right pages.", ""]
        all_runs = [f"- {builds_mod.LABELS[n]}: " + ", ".join(f"{s:.2f}" for s in o.seconds) + " s"
                    for n, o in ours.items()]
        out += ["All runs (this book):", "", *all_runs, ""]
        if self.paired:
            out += chart_design.paired_table(self.paired)
        if default:
            out += ["All runs (default Jupyter Book):", "",
                    *[f"- {builds_mod.LABELS[n]}: " + ", ".join(f"{s:.2f}" for s in o.seconds) + " s"
                      for n, o in default.items()], ""]
        return out

    def _reader_section(self) -> list[str]:
        from . import reader

        s = reader.summary(self.reader)
        out = ["## Reader cost", "",
               "Each page served from 127.0.0.1 and opened in headless Chromium. *First view*: "
               "every response of a visit with an empty cache, each gzip-compressed (level 6) as "
               "a static host serves it. *Beyond shared assets*: the same page opened after the "
               "home page, counting only what was not fetched before (the theme's stylesheets, "
               "fonts and scripts are then cached). *Time to charts*: navigation start until "
               "every chart holds its svg (the build-time SVG is in the page).", ""]
        if self.reader_default:
            d = reader.summary(self.reader_default)
            out += ["| measure | this book | default Jupyter Book | default ÷ this book |",
                    "|---|---:|---:|---:|"]

            def row(label, a, b, unit, scale=1.0, fmt="{:,.0f}"):
                if a is None or b is None:
                    return f"| {label} | {a} | {b} | – |"
                return (f"| {label} | {fmt.format(a / scale)} {unit} | {fmt.format(b / scale)} {unit} "
                        f"| ×{b / a:.2f} |")
            out += [row("mean first view, all pages", s["mean_first_gz"], d["mean_first_gz"], "KB", 1024),
                    row("mean beyond shared assets, all pages", s["mean_second_gz"], d["mean_second_gz"], "KB", 1024),
                    row("heaviest chapter beyond shared assets", s["heaviest_second_gz"], d["heaviest_second_gz"], "KB", 1024),
                    row("mean time to charts", s["mean_charts_ms"], d["mean_charts_ms"], "ms"),
                    row("slowest time to charts", s["slowest_charts_ms"], d["slowest_charts_ms"], "ms"),
                    f"| pages without charts that load a chart library | {len(s['libraries_without_charts'])} | "
                    f"{len(d['libraries_without_charts'])} | – |",
                    f"| requests that leave the site | {len(self.reader['blocked'])} | "
                    f"{sum(1 for v in self.reader_default['pages'].values() for lib in v['chart_libraries'] if 'vega' in lib)} "
                    "CDN script loads (answered from the vendored files) | – |", ""]
        if self.reader_previous:
            out += chart_design.reader_table(self.reader, self.reader_previous)
        out += ["### This book, per page", ""] + reader.table(self.reader) + [""]
        if self.reader_default:
            out += ["### Default Jupyter Book, per page", ""] + reader.table(self.reader_default) + [""]
        return out
