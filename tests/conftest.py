"""Shared fixtures: a built copy of the book (built once per session, strictly), and helpers
to copy it, edit it and rebuild it. Tests never build in the working tree itself."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SKIP = {".git", ".venv", "_build", ".pytest_cache", "test-output", "__pycache__"}
STRICT = ["-W", "-n", "--keep-going"]
OUTPUT = REPO / "test-output"  # screenshots and build logs worth keeping after a run
# The address the test builds are "published" at, as the deploy workflow sets it (.invalid: a
# name that can never resolve, so nothing in a test can reach it)
SITE_URL = "https://car-t-review.invalid/dev/"


@dataclass
class Build:
    root: Path
    returncode: int
    log: str

    @property
    def html(self) -> Path:
        return self.root / "_build" / "html"

    def page(self, docname: str) -> str:
        return (self.html / f"{docname}.html").read_text(encoding="utf-8")


def scope_in_words(group: str) -> str:
    """How captions name a page's diseases ("IIM+JDM" -> the vocabulary labels listed as
    'A, B and C'), lower-cased: tests compare captions case-insensitively."""
    import csv

    with (REPO / "data" / "vocab" / "diseases.csv").open(encoding="utf-8", newline="") as handle:
        labels = {row["code"]: row["label"] for row in csv.DictReader(handle)}
    names = [labels[code] for code in group.split("+")]
    return (names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]).lower()


def copy_book(target: Path, source: Path = REPO, with_build: bool = False) -> Path:
    skip = SKIP - ({"_build"} if with_build else set())
    shutil.copytree(source, target, ignore=lambda d, names: [n for n in names if n in skip],
                    symlinks=True)
    return target


def jb_build(root: Path, *flags: str, env: dict | None = None) -> Build:
    """Run the real `jb build` on a book folder, as a maintainer would."""
    proc = subprocess.run([str(BIN / "jb"), "build", *flags, "."], cwd=root, text=True,
                          capture_output=True, env={**os.environ, **(env or {})}, timeout=900)
    return Build(root, proc.returncode, proc.stdout + proc.stderr)


def sphinx_warnings(log: str) -> list[str]:
    # Sphinx's own form, "<file>:<line>: WARNING: ..." (bare "WARNING" also appears in harmless
    # ipykernel noise); plus the summary line jb prints on failure.
    return [line for line in log.splitlines() if ": WARNING:" in line or ": ERROR:" in line]


@pytest.fixture
def data_copy(tmp_path) -> Path:
    """A minimal book for the validator and the formatter: data/, refs.bib and _config.yml."""
    root = tmp_path / "book"
    root.mkdir()
    shutil.copytree(REPO / "data", root / "data")
    for name in ("refs.bib", "_config.yml"):
        shutil.copy(REPO / name, root)
    return root


def run_evidence(root: Path, *args: str) -> subprocess.CompletedProcess:
    """`python -m evidence <args>` in `root`, as a contributor runs it (package from the repo)."""
    return subprocess.run([sys.executable, "-m", "evidence", *args], cwd=root, text=True,
                          capture_output=True, timeout=120,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Build:
    """The book, copied and built once with the README's strict flags."""
    root = copy_book(tmp_path_factory.mktemp("book") / "book")
    build = jb_build(root, *STRICT, env={"EVIDENCE_SITE_URL": SITE_URL})
    OUTPUT.mkdir(exist_ok=True)
    (OUTPUT / "build.log").write_text(build.log, encoding="utf-8")
    assert build.returncode == 0, build.log[-5000:]
    return build


@pytest.fixture
def built_copy(built, tmp_path) -> Path:
    """A private copy of the built book, execution cache included, to edit and rebuild."""
    return copy_book(tmp_path / "book", source=built.root, with_build=True)


# browser fixtures (site, browser) for every browser test module
if str(REPO) not in sys.path:  # the evidence package, for tests and browser_support
    sys.path.insert(0, str(REPO))
from browser_support import book_pdf, browser, site  # noqa: E402,F401
