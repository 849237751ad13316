"""`python -m evidence release X.Y.Z`: cut a release.

It refuses invalid data, a version that is not newer than the last release, and a date in the
future or before the last release. Then it writes, each file whole or not at all:

- `releases/X.Y.Z.json`  the evidence as it stands (see `snapshots`)
- `CITATION.cff`         version and date-released (and a reserved version DOI, if given)
- `.zenodo.json`         regenerated from CITATION.cff (never edited by hand)
- `CHANGELOG.md`         a new entry computed from the snapshot against the previous release

and prints the git commands that publish it (commit, tag `vX.Y.Z`, push; the release workflow
builds the site and attaches the downloads and the HTML archive).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from ..data import snapshots
from ..data.csvfile import write_atomic
from . import citation

CHANGELOG = "CHANGELOG.md"
CHANGELOG_HEAD = """# Changelog

Each release of the living review, newest first. Entries are written by
`python -m evidence release`, computed from the release snapshots in `releases/`; the book's
*What's new* page lists the same changes field by field.
"""


class ReleaseRefused(ValueError):
    pass


def _updated_cff(cff: dict, version: str, date: str, version_doi: str | None) -> str:
    cff = dict(cff)
    cff["version"] = version
    cff["date-released"] = date
    idents = [i for i in cff.get("identifiers") or []
              if not str(i.get("description", "")).startswith(citation.VERSION)]
    if version_doi:
        idents.append({"type": "doi", "value": version_doi,
                       "description": f"{citation.VERSION} of release {version}"})
    if idents:
        cff["identifiers"] = idents
    else:
        cff.pop("identifiers", None)
    return yaml.safe_dump(cff, sort_keys=False, allow_unicode=True, width=100)


def _changelog(root: Path, entry: str) -> str:
    path = root / CHANGELOG
    old = path.read_text(encoding="utf-8") if path.exists() else CHANGELOG_HEAD
    head, sep, rest = old.partition("\n## ")
    return head.rstrip("\n") + "\n\n" + entry + ("\n## " + rest if sep else "")


def plan(root: Path, version: str, date: str | None = None, version_doi: str | None = None,
         today: dt.date | None = None) -> dict[Path, str]:
    """The files a release writes, with their new contents; raises ReleaseRefused."""
    from ..validate import validate

    today = today or dt.date.today()
    if not citation.SEMVER.match(version):
        raise ReleaseRefused(f"{version!r} is not a version of the form MAJOR.MINOR.PATCH")
    date = date or today.isoformat()
    try:
        when = dt.date.fromisoformat(date)
    except ValueError as err:
        raise ReleaseRefused(f"release date {date!r}: {err}") from err
    if when > today:
        raise ReleaseRefused(f"release date {date} is in the future")
    problems = validate(root, today=today)
    if problems:
        shown = "\n".join(str(p) for p in problems[:20])
        raise ReleaseRefused(f"the data are not valid ({len(problems)} problem(s)); "
                             f"nothing was written:\n{shown}")
    past = snapshots.snapshots(root)
    if past:
        last = past[-1]
        if snapshots.version_key(version) <= snapshots.version_key(last.version):
            raise ReleaseRefused(f"{version} is not newer than the last release {last.version}")
        if date < last.released:
            raise ReleaseRefused(f"release date {date} is before the last release "
                                 f"({last.version}, {last.released})")
    cff = citation.read_cff(root)
    snap = snapshots.snapshot_now(root, version, date)
    delta = snapshots.diff(past[-1] if past else None, snap)
    cff_text = _updated_cff(cff, version, date, version_doi)
    files = {
        root / snapshots.RELEASES / f"{version}.json": snapshots.dump(snap),
        root / citation.CFF: cff_text,
        root / CHANGELOG: _changelog(root, snapshots.changelog_entry(delta)),
    }
    # .zenodo.json from the CITATION.cff just planned, as the release build will read it
    cite = citation.from_cff(yaml.safe_load(cff_text), snap.cutoff)
    files[root / citation.ZENODO] = citation.zenodo_json(cite)
    return files


def release(root: Path, version: str, date: str | None = None,
            version_doi: str | None = None) -> list[Path]:
    files = plan(root, version, date, version_doi)
    (root / snapshots.RELEASES).mkdir(exist_ok=True)
    for path, content in files.items():  # everything was computed first: no half release
        write_atomic(path, content.encode("utf-8"))
    return list(files)
