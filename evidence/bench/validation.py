"""Validator benchmark on synthetic evidence, generated in a temporary folder (never in the
repository): N study rows, each with its own BibTeX entry, plus two outcomes and two
safety rows per study and one registered trial per ten studies, next to the real
descriptor and vocabularies."""
from __future__ import annotations

import csv
import platform
import shutil
import tempfile
import time
from pathlib import Path

from ..data.csvfile import canonical_bytes
from ..data.paths import book_root, read_descriptor
from ..validate import validate

TARGET_SECONDS = 3.0
TARGET_ROWS = 10_000


def _write(path: Path, header: list[str], rows) -> None:
    path.write_bytes(canonical_bytes(header, rows))


def _header(source: Path) -> list[str]:
    with source.open(encoding="utf-8") as handle:
        return next(csv.reader(handle))


def make_synthetic_book(target: Path, n: int, source: Path | None = None) -> Path:
    """A book folder holding the real descriptor and vocabularies and `n` synthetic studies."""
    source = source or book_root()
    (target / "data").mkdir(parents=True)
    shutil.copy(source / "data" / "datapackage.json", target / "data")
    shutil.copytree(source / "data" / "vocab", target / "data" / "vocab")
    (target / "_config.yml").write_text("title: synthetic\n", encoding="utf-8")
    data = target / "data"
    diseases = ["MS", "NMOSD", "MG", "SPS"]
    trials = [f"NCT{9000000 + t:08d}" for t in range(max(1, n // 10))]
    studies, outcomes, safety, appraisal, bib = [], [], [], [], []
    with (source / "data" / "vocab" / "appraisal_domains.csv").open(encoding="utf-8") as handle:
        domains = [r["code"] for r in csv.DictReader(handle) if r["tool"] == "murad-2018"]
    cols = _header(source / "data" / "studies.csv")
    for i in range(n):
        row = dict.fromkeys(cols, "")
        row.update(study_id=f"synthetic-{i:06d}", bibkey=f"Synthetic{i:06d}",
                   cohort_id=f"cohort-{i // 2:06d}", disease=diseases[(i // 2) % 4],
                   target="CD19", product="Product X", construct="CAR-T", platform="auto-viral",
                   design="case-series", n_treated=str(3 + i % 5),
                   registry_id=trials[i % len(trials)], followup_months="12.5",
                   followup_stat="median", pub_date="2024-05", source_type="peer-reviewed",
                   source_url=f"https://pubmed.ncbi.nlm.nih.gov/{30000000 + i}/",
                   checked_on="2026-01-15", appraisal_tool="murad-2018",
                   appraisal="some-concerns", notes="Synthetic row; p<0.05 & n>3")
        studies.append(row)
        sid = row["study_id"]
        outcome = {"study_id": sid, "timepoint_months": "12", "n_evaluated": "3"}
        outcomes += [{**outcome, "outcome_id": f"{sid}-o1", "outcome": "edss", "statistic": "median",
                      "value": "4.5", "value_low": "3", "value_high": "6", "dispersion": "range",
                      "unit": "points", "locator": "Table 2"},
                     {**outcome, "outcome_id": f"{sid}-o2", "outcome": "relapse-free",
                      "statistic": "count", "value": "3", "unit": "patients", "locator": "abstract"}]
        event = {"study_id": sid, "event": "crs", "scale": "ASTCT", "n_evaluated": "3",
                 "locator": "Table 3"}
        safety += [{**event, "safety_id": f"{sid}-s1", "grade": "any", "n_patients": "2"},
                   {**event, "safety_id": f"{sid}-s2", "grade": ">=3", "n_patients": "0"}]
        appraisal += [{"study_id": sid, "domain": domain, "judgement": "some-concerns",
                       "reason": "Synthetic judgement"} for domain in domains]
        bib.append(f"@article{{Synthetic{i:06d},\n  author = {{Doe, Jane and Roe, Richard and "
                   f"Smith, Anna}},\n  title = {{Synthetic report {i}}},\n  journal = "
                   f"{{Journal of Benchmarks}},\n  year = {{2024}},\n  volume = {{1}},\n  pages = "
                   f"{{1--9}},\n  doi = {{10.5555/synthetic.{i}}},\n  pmid = {{{30000000 + i}}},\n}}\n")
    for name, rows in (("studies", studies), ("outcomes", outcomes), ("safety", safety),
                       ("appraisal", appraisal)):
        header = _header(source / "data" / f"{name}.csv")
        _write(data / f"{name}.csv", header, [[r.get(c, "") for c in header] for r in rows])
    trial_cols = _header(source / "data" / "trials.csv")
    trial = {"target": "CD19", "platform": "auto-viral", "phase": "1", "status": "recruiting",
             "enrollment": "20", "status_as_of": "2026-01-01", "checked_on": "2026-01-15"}
    _write(data / "trials.csv", trial_cols,
           [[{**trial, "registry_id": t, "source_url": f"https://clinicaltrials.gov/study/{t}"}
             .get(c, "") for c in trial_cols] for t in trials])
    _write(data / "trial_diseases.csv", ["registry_id", "disease"],
           [[t, diseases[k % 4]] for k, t in enumerate(trials)])
    # every other evidence table of the package, empty (rows are keyed by column name above,
    # so a column added to the package does not break the benchmark)
    written = {"studies.csv", "outcomes.csv", "safety.csv", "appraisal.csv", "trials.csv",
               "trial_diseases.csv"}
    for resource in read_descriptor(data)["resources"]:
        path = resource["path"]
        if path not in written and not path.startswith("vocab/"):
            _write(data / path, _header(source / "data" / path), [])
    (target / "refs.bib").write_text("\n".join(bib), encoding="utf-8")
    return target


def time_validation(n: int, repeats: int = 3) -> tuple[float, int]:
    """(best wall time in seconds of `repeats` runs, problems found) for `n` studies."""
    with tempfile.TemporaryDirectory(prefix="evidence-bench-") as tmp:
        root = make_synthetic_book(Path(tmp) / "book", n)
        best, found = float("inf"), 0
        for _ in range(repeats):
            started = time.perf_counter()
            found = len(validate(root))
            best = min(best, time.perf_counter() - started)
    return best, found


def run_validation(sizes: list[int]) -> int:
    print(f"validator benchmark — {platform.node()}, {platform.python_implementation()} "
          f"{platform.python_version()}, best of 3")
    print(f"{'studies+refs':>13} {'rows (all tables)':>18} {'seconds':>8} {'ms per 1k studies':>18}")
    results = {}
    for n in sizes:
        seconds, found = time_validation(n)
        if found:
            print(f"error: the synthetic data has {found} problems; the benchmark is broken")
            return 2
        results[n] = seconds
        total = n * 5 + n // 10 * 2
        print(f"{n:>13,} {total:>18,} {seconds:>8.2f} {seconds / n * 1e6:>18.0f}")
    if len(sizes) > 1:
        small, large = min(sizes), max(sizes)
        print(f"growth {small:,} → {large:,}: ×{results[large] / results[small]:.1f} time "
              f"for ×{large / small:.0f} rows")
    if TARGET_ROWS in results:
        ok = results[TARGET_ROWS] <= TARGET_SECONDS
        print(f"target ≤ {TARGET_SECONDS:.0f} s for {TARGET_ROWS:,} studies: "
              f"{'met' if ok else 'MISSED'} ({results[TARGET_ROWS]:.2f} s)")
        return 0 if ok else 1
    return 0
