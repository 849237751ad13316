"""Stage 7, the benchmarks: `python -m evidence bench`, figures printed (never timed tests).
May import every other stage.

- `validation` — the validator on synthetic data (target: 10,000 studies with their 10,000
  references in at most 3 s on the project's 2-core machine)
- `builds`     — cold, no-change, prose, code, row and vocabulary edits, on a copy of the book
- `reader`     — bytes and time to charts per page in headless Chromium
- `scale`      — the evidence multiplied 10× and 100× (validation, build, heaviest page)
- `baseline`   — the same book in a default Jupyter Book configuration, side by side

`--only` picks parts; everything but `validation` runs on temporary copies. The figures are
printed and written, with the machine and the date, to `benchmarks/results.md`.
"""
from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from ..data.paths import book_root
from .validation import run_validation

PARTS = ("validation", "builds", "reader", "scale", "baseline")


def run(args) -> int:
    only = [p.strip() for p in (args.only or ",".join(PARTS)).split(",") if p.strip()]
    unknown = set(only) - set(PARTS)
    if unknown:
        print(f"error: unknown part(s) {sorted(unknown)}; choose from {', '.join(PARTS)}")
        return 2
    source = Path(args.root).resolve() if getattr(args, "root", None) else book_root()
    status = 0
    printed: list[str] = []
    if "validation" in only:
        import contextlib
        import io

        captured = io.StringIO()
        with contextlib.redirect_stdout(captured):
            status |= run_validation(args.rows)
        print(captured.getvalue(), end="")
        printed = captured.getvalue().splitlines()
    rest = [p for p in only if p != "validation"]
    if rest:
        from .report import Run

        with tempfile.TemporaryDirectory(prefix="evidence-bench-") as tmp:
            bench = Run(source, Path(tmp), repeats=args.repeats, factors=args.scale,
                        scenarios=tuple(args.scenarios.split(",")) if args.scenarios else None)
            bench.validation = printed
            ok = bench.execute(rest)
        out = Path(args.out) if args.out else source / "benchmarks" / "results.md"
        if not args.no_write:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(bench.markdown(dt.date.today().isoformat()), "utf-8")
            print(f"\nwrote {out}")
        status |= 0 if ok else 1
    return status
