"""Scale benchmark: the evidence multiplied 10× and 100× in a temporary copy of the book
(never in the repository), then validated and built from an empty cache.

Synthetic rows are copies of the real rows under new ids, per table, with every link kept
valid: copy k of a study gets `<study_id>-x<k>` and cohort `<cohort_id>-x<k>`, its outcomes and
safety rows point at it, its trial is copy k of the trial (a new NCT number in a range no real
trial uses), and the screening log's records point at the copied studies and trials. The
references are the real ones, so every copy still cites an entry of refs.bib.
"""
from __future__ import annotations

import gzip
import json
import re
import tempfile
import time
from pathlib import Path

from ..data.csvfile import canonical_bytes, read_csv
from ..data.paths import book_root, read_descriptor
from . import common

SYNTHETIC_NCT = 90_000_000  # NCT9xxxxxxx: not yet issued by ClinicalTrials.gov
CHART_ROWS_LIMIT = 5000  # altair's own limit for embedded data


def _rows(path: Path) -> tuple[list[str], list[dict]]:
    table = read_csv(path)
    return table.header, [record for _line, record in table.records()]


def multiply_evidence(root: Path, factor: int) -> dict[str, int]:
    """Rewrite the data tables of the book at `root` with `factor` copies of every row
    (the original plus factor-1 synthetic copies). Returns the new row count per table."""
    data = root / "data"
    descriptor = read_descriptor(data)
    paths = {r["name"]: data / r["path"] for r in descriptor["resources"]
             if not r["name"].startswith("vocab-")}
    tables = {name: _rows(path) for name, path in paths.items()}
    trial_ids = [row["registry_id"] for row in tables["trials"][1]]
    trial_copy = {}  # (k, old registry id) -> new id
    for k in range(1, factor):
        for i, old in enumerate(trial_ids):
            trial_copy[(k, old)] = f"NCT{SYNTHETIC_NCT + k * len(trial_ids) + i:08d}"

    def ident(value: str, k: int) -> str:
        return f"{value}-x{k}" if value else value

    def trial(value: str, k: int) -> str:
        return trial_copy.get((k, value), value) if value else value

    rules = {  # column -> how copy k changes it
        "studies": {"study_id": ident, "cohort_id": ident, "registry_id": trial},
        "outcomes": {"outcome_id": ident, "study_id": ident},
        "safety": {"safety_id": ident, "study_id": ident},
        "appraisal": {"study_id": ident},
        "trials": {"registry_id": trial},
        "trial-diseases": {"registry_id": trial},
        "preclinical": {"study_id": ident},
        "screening": {"record_id": ident, "study_id": ident, "registry_id": trial},
    }
    counts = {}
    for name, (header, rows) in tables.items():
        out = [dict(row) for row in rows]
        if name in rules:
            for k in range(1, factor):
                for row in rows:
                    copy = dict(row)
                    for column, change in rules[name].items():
                        copy[column] = change(row.get(column, ""), k)
                    out.append(copy)
        paths[name].write_bytes(canonical_bytes(header, [[r.get(c, "") for c in header] for r in out]))
        counts[name] = len(out)
    return counts


def page_weights(html_root: Path) -> list[tuple[str, int, int]]:
    """(page, raw bytes, gzip bytes) of every HTML page, heaviest first."""
    weights = []
    for path in html_root.rglob("*.html"):
        if "_static" in path.parts:
            continue
        raw = path.read_bytes()
        weights.append((path.relative_to(html_root).as_posix(), len(raw),
                        len(gzip.compress(raw, compresslevel=6))))
    return sorted(weights, key=lambda w: -w[2])


SPEC = re.compile(r'<script type="application/json" id="([^"]+)-spec">(.*?)</script>', re.S)


def chart_rows(html_root: Path) -> dict[str, int]:
    """Largest number of data rows embedded in one chart, per page."""
    out = {}
    for path in html_root.rglob("*.html"):
        text = path.read_text("utf-8")
        most = 0
        for _id, spec in SPEC.findall(text):
            datasets = json.loads(spec).get("datasets", {})
            most = max([most, *(len(rows) for rows in datasets.values())])
        if most:
            out[path.relative_to(html_root).as_posix()] = most
    return out


def paged_tables(html_root: Path) -> tuple[int, int]:
    """(tables with a pager, longest table without one, in body rows)."""
    paged, longest = 0, 0
    for path in html_root.rglob("*.html"):
        text = path.read_text("utf-8")
        for table in re.findall(r"<table[^>]*>.*?</table>", text, re.S):
            head = table[:table.index(">")]
            if "data-page-size" in head:
                paged += 1
            else:
                body = table[table.find("<tbody>"):] if "<tbody>" in table else table
                longest = max(longest, body.count("<tr>"))
    return paged, longest


def measure(factor: int, source: Path | None = None, build: bool = True) -> dict:
    from ..validate import validate

    source = source or book_root()
    with tempfile.TemporaryDirectory(prefix=f"evidence-scale{factor}-") as tmp:
        root = common.copy_book(source, Path(tmp) / "book")
        counts = multiply_evidence(root, factor)
        started = time.perf_counter()
        problems = validate(root)
        result = {"factor": factor, "rows": counts, "validation_s": time.perf_counter() - started,
                  "problems": [str(p) for p in problems[:5]], "n_problems": len(problems)}
        if not build or problems:
            return result
        done = common.build(root, *common.STRICT)
        result.update(build_s=done.seconds, build_ok=done.returncode == 0,
                      build_tail="" if done.returncode == 0 else done.log[-3000:],
                      max_rows_error="MaxRowsError" in done.log)
        if done.returncode == 0:
            html = root / "_build" / "html"
            weights = page_weights(html)
            result.update(heaviest=weights[0], weights=weights[:5], chart_rows=chart_rows(html),
                          tables=paged_tables(html))
        return result


def report(results: list[dict]) -> list[str]:
    lines = ["| evidence | rows (all tables) | validation | full build (cold, strict) | heaviest page's HTML (gzip / raw) | largest chart data | longest unpaged table |",
             "|---|---:|---:|---:|---|---:|---:|"]
    for r in results:
        rows = sum(r["rows"].values())
        if "build_s" not in r:
            build = "not built" if not r["n_problems"] else f"{r['n_problems']} validation problems"
            lines.append(f"| {r['factor']}× | {rows:,} | {r['validation_s']:.2f} s | {build} | | | |")
            continue
        if not r["build_ok"]:
            lines.append(f"| {r['factor']}× | {rows:,} | {r['validation_s']:.2f} s | FAILED"
                         f"{' (MaxRowsError)' if r['max_rows_error'] else ''} | | | |")
            continue
        page, raw, packed = r["heaviest"]
        chart = max(r["chart_rows"].values(), default=0)
        lines.append(f"| {r['factor']}× | {rows:,} | {r['validation_s']:.2f} s | {r['build_s']:.1f} s "
                     f"| `{page}` {packed / 1024:,.0f} KB / {raw / 1024:,.0f} KB | {chart} rows "
                     f"| {r['tables'][1]} rows ({r['tables'][0]} tables paged) |")
    return lines


def run_scale(factors: list[int], source: Path | None = None) -> tuple[list[str], bool]:
    results = []
    for factor in factors:
        print(f"scale {factor}×: copying, multiplying, validating, building ...", flush=True)
        results.append(measure(factor, source))
    lines = report(results)
    ok = all(r.get("build_ok") and not r["n_problems"] and
             max(r["chart_rows"].values(), default=0) <= CHART_ROWS_LIMIT for r in results)
    for r in results:
        if r.get("build_tail"):
            lines.append(f"\nbuild at {r['factor']}× failed:\n```\n{r['build_tail']}\n```")
        if r["n_problems"]:
            lines.append(f"\nsynthetic data at {r['factor']}× has {r['n_problems']} problems: "
                         + "; ".join(r["problems"]))
    return lines, ok
