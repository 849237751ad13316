"""Where the book being built keeps its data.

The data folder is resolved from the book being built, never from this package's `__file__`:
a build of a temporary copy must read the copy's data. The Sphinx extension exports the book's
source folder as EVIDENCE_BOOK_ROOT to the kernels it starts; outside a build we walk up from
the working directory (cells run in the chapter's folder).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import yaml

ENV_VAR = "EVIDENCE_BOOK_ROOT"
REPOSITORY_ENV = "EVIDENCE_REPOSITORY_URL"
DESCRIPTOR = "datapackage.json"  # in data/: the one description of the tables
MARKERS = ("_config.yml", "data/datapackage.json")


class BookNotFound(RuntimeError):
    pass


def is_book_root(path: Path) -> bool:
    return all((path / marker).exists() for marker in MARKERS)


def book_root(start: str | os.PathLike | None = None) -> Path:
    """The root of the book: EVIDENCE_BOOK_ROOT if set, else the nearest folder upwards
    from `start` (default: the working directory) holding `_config.yml` and the data package."""
    if start is None and os.environ.get(ENV_VAR):
        root = Path(os.environ[ENV_VAR]).resolve()
        if not is_book_root(root):
            raise BookNotFound(f"{ENV_VAR}={root} is not a book root (needs {', '.join(MARKERS)})")
        return root
    here = Path(start or os.getcwd()).resolve()
    for candidate in (here, *here.parents):
        if is_book_root(candidate):
            return candidate
    raise BookNotFound(f"no book root (a folder with {', '.join(MARKERS)}) at or above {here}")


def data_dir(root: Path | None = None) -> Path:
    return (root or book_root()) / "data"


def read_descriptor(data: Path) -> dict:
    """The data package descriptor of a data folder (raises on a missing or invalid file)."""
    return json.loads((data / DESCRIPTOR).read_text(encoding="utf-8"))


def package_dir() -> Path:
    """The `evidence` package (every stage's code is an input of the pages that use it)."""
    return Path(__file__).resolve().parent.parent


def repository_url(root: Path) -> str | None:
    """The repository's web address, from one place: EVIDENCE_REPOSITORY_URL if set, else
    `repository.url` in the book's `_config.yml`. Anything but an https URL counts as unset."""
    url = os.environ.get(REPOSITORY_ENV, "").strip()
    if not url:
        config = root / "_config.yml"
        if config.exists():
            loaded = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
            url = str((loaded.get("repository") or {}).get("url") or "").strip()
    url = url.rstrip("/")
    if url.endswith(".git"):
        url = url[:-4]
    return url if url.startswith("https://") else None
