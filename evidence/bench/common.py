"""What the build benchmarks share: a temporary copy of the book, a timed `jb build`, the
pages an execution ran, and the machine the figures were measured on."""
from __future__ import annotations

import csv
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

# never copied into a benchmark's book: version control, environments, build output
SKIP = {".git", ".venv", "_build", ".pytest_cache", "test-output", "__pycache__", "dist",
        ".jupyter_cache"}
STRICT = ("-W", "-n", "--keep-going")  # the README's build command (`make build`)
BUILD_COMMAND = "jb build -W -n --keep-going ."


def copy_book(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, symlinks=True,
                    ignore=lambda _dir, names: [n for n in names if n in SKIP])
    return target


def jb() -> str:
    here = Path(sys.executable).parent / "jb"
    return str(here) if here.exists() else "jb"


@dataclass
class Timed:
    seconds: float
    returncode: int
    log: str


def build(root: Path, *flags: str, env: dict | None = None, prefix: tuple[str, ...] = (),
          timeout: int = 3600) -> Timed:
    """One `jb build` of `root` in a fresh process, timed from start to exit."""
    started = time.perf_counter()
    proc = subprocess.run([*prefix, jb(), "build", *flags, "."], cwd=root, text=True,
                          capture_output=True, env={**os.environ, **(env or {})}, timeout=timeout)
    return Timed(time.perf_counter() - started, proc.returncode, proc.stdout + proc.stderr)


def cache_hashes(root: Path) -> set[str]:
    from jupyter_cache import get_cache

    path = root / "_build" / ".jupyter_cache"
    if not path.exists():
        return set()
    return {r.hashkey for r in get_cache(path).list_cache_records()}


def executed_since(root: Path, before: set[str]) -> list[str]:
    """Chapters whose execution was added to the cache since `before` (page file names)."""
    from jupyter_cache import get_cache

    records = get_cache(root / "_build" / ".jupyter_cache").list_cache_records()
    return sorted({Path(r.uri).stem for r in records if r.hashkey not in before})


def pages_with(root: Path, text: str) -> set[str]:
    html = root / "_build" / "html"
    return {p.relative_to(html).as_posix() for p in html.rglob("*.html")
            if "_static" not in p.parts and text in p.read_text("utf-8")}


def edit_csv(path: Path, match: dict, changes: dict) -> dict:
    """Change the first row whose columns equal `match`; returns its old values."""
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        fields, rows = list(reader.fieldnames or []), list(reader)
    row = next(r for r in rows if all(r[k] == v for k, v in match.items()))
    old = {k: row[k] for k in changes}
    row.update(changes)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return old


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {"host": platform.node(), "cores": os.cpu_count() or 1, "cpu": cpu,
            "python": platform.python_version(), "system": f"{platform.system()} {platform.release()}",
            "load": load}


def load_note() -> str:
    one, five, _ = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min)"
