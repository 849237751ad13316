"""`python -m evidence assemble`: lay out the published site from built HTML trees.

    <site>/            the newest release (the default readers land on)
    <site>/v0.2.0/     every release, each at a stable address that citations can point to
    <site>/dev/        the development build of main (labelled `X.Y.Z+dev.<commit>`)

Every tree gets a `versions.json` listing all of them, which the version menu in each page's
banner reads (`_ext/assets/evidence-versions.js`). Release trees come from the HTML archives the
release workflow attaches to each GitHub release, so an archived version is exactly what was
released, never a rebuild with newer code.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from ..data.snapshots import version_key

VERSIONS = "versions.json"


class AssembleError(ValueError):
    pass


def _built_version(tree: Path) -> str:
    try:
        return json.loads((tree / VERSIONS).read_text(encoding="utf-8"))["current"]
    except (OSError, ValueError, KeyError) as err:
        raise AssembleError(f"{tree} is not a built site of this book (no {VERSIONS})") from err


def assemble(out: Path, releases: dict[str, Path], dev: Path | None = None) -> dict:
    if not releases and dev is None:
        raise AssembleError("nothing to publish: give --dev and/or --release VERSION=DIR")
    if out.exists() and any(out.iterdir()):
        raise AssembleError(f"{out} exists and is not empty")
    for version, tree in releases.items():
        if not (tree / "index.html").exists():
            raise AssembleError(f"release {version}: {tree} has no index.html")
        built = _built_version(tree)
        if built != version:
            raise AssembleError(f"release {version}: {tree} was built as version {built}")
    ordered = sorted(releases, key=version_key, reverse=True)
    entries = []
    if ordered:
        entries.append({"version": ordered[0], "path": "./", "label": f"{ordered[0]} (latest release)"})
        entries += [{"version": v, "path": f"v{v}/", "label": v} for v in ordered[1:]]
    if dev is not None:
        shown = _built_version(dev)
        entries.append({"version": shown, "path": "dev/", "label": f"{shown} (development)"})
    # the switcher's list, plus every release under its stable address
    trees: list[tuple[Path, str, str]] = []   # (source, target folder, version it shows)
    if ordered:
        trees.append((releases[ordered[0]], "", ordered[0]))
    trees += [(releases[v], f"v{v}", v) for v in ordered]
    if dev is not None:
        trees.append((dev, "dev" if ordered else "", _built_version(dev)))
        if not ordered:  # no release yet: the development build is the default
            entries[-1]["path"] = "./"
    out.mkdir(parents=True, exist_ok=True)
    for source, folder, version in trees:
        target = out / folder if folder else out
        shutil.copytree(source, target, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns(*(f"v{v}" for v in ordered), "dev"))
        depth = len(Path(folder).parts) if folder else 0
        listing = {"site_root": "../" * depth or "./", "current": version, "versions": entries}
        (target / VERSIONS).write_text(json.dumps(listing, indent=1) + "\n", encoding="utf-8")
    return {"versions": entries, "folders": [f or "." for _s, f, _v in trees]}
