"""The downloads: each evidence table as CSV, the whole data package as a zip, a JSON export
and the bibliography, under versioned file names.

The same bytes come out of `python -m evidence export --out DIR` (attached to a release) and
out of every site build (`_build/html/downloads/`). Builds are reproducible: zip entries are
sorted and stamped with the release date, JSON keys are sorted, nothing records the build time.
"""
from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..data.csvfile import read_csv, write_atomic
from ..data.paths import read_descriptor
from .citation import Citation

PACKAGE = "car-t-neuroimmune-evidence"
LICENCE_NOTE = ("Text and data: Creative Commons Attribution 4.0 International (CC BY 4.0), "
                "https://creativecommons.org/licenses/by/4.0/. Code: MIT licence.")
DESCRIPTIONS = {
    "zip": "The whole data package: every table, the vocabularies, datapackage.json, refs.bib "
           "and CITATION.cff (Frictionless Data package)",
    "json": "Every table in one JSON file, typed as in datapackage.json (empty cells are null)",
    "bib": "The bibliography (BibTeX)",
}


@dataclass(frozen=True)
class Download:
    name: str
    description: str
    content: bytes

    @property
    def size(self) -> int:
        return len(self.content)


def _zip_time(cite: Citation) -> tuple[int, int, int, int, int, int]:
    year, month, day = (int(x) for x in cite.released.split("-"))
    return (max(year, 1980), month, day, 0, 0, 0)


def _zip(files: dict[str, bytes], when) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=when)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])
    return buffer.getvalue()


def _typed(kind: str, text: str):
    if text == "":
        return None
    if kind == "integer":
        return int(text)
    if kind == "number":
        return float(text)
    return text


def downloads(root: Path, cite: Citation) -> list[Download]:
    data = root / "data"
    descriptor = read_descriptor(data)
    version = cite.file_version()
    stamped = {**descriptor, "version": cite.shown,
               "homepage": cite.site_url or descriptor.get("homepage", "")}
    if not stamped["homepage"]:
        stamped.pop("homepage")
    out: list[Download] = []
    package_files: dict[str, bytes] = {}
    tables_json: dict[str, list] = {}
    for resource in descriptor["resources"]:
        raw = (data / resource["path"]).read_bytes()
        package_files[f"{PACKAGE}-{version}/{resource['path']}"] = raw
        kinds = {f["name"]: f["type"] for f in resource["schema"]["fields"]}
        tables_json[resource["name"]] = [
            {column: _typed(kinds.get(column, "string"), cell) for column, cell in record.items()}
            for _line, record in read_csv(data / resource["path"]).records()]
        if not resource["name"].startswith("vocab-"):
            out.append(Download(f"{Path(resource['path']).stem}-{version}.csv",
                                f"{resource.get('title', resource['name'])} (CSV)", raw))
    bib = (root / "refs.bib").read_bytes()
    cff = (root / "CITATION.cff").read_bytes()
    prefix = f"{PACKAGE}-{version}/"
    package_files[prefix + "datapackage.json"] = (
        json.dumps(stamped, indent=2, ensure_ascii=False) + "\n").encode()
    package_files[prefix + "refs.bib"] = bib
    package_files[prefix + "CITATION.cff"] = cff
    package_files[prefix + "LICENCE.txt"] = (LICENCE_NOTE + "\n").encode()
    export = {"name": descriptor.get("name"), "title": descriptor.get("title"),
              "version": cite.shown, "released": cite.released,
              "evidence_cutoff": cite.cutoff, "licence": LICENCE_NOTE, "tables": tables_json}
    out[:0] = [
        Download(f"{PACKAGE}-{version}.zip", DESCRIPTIONS["zip"],
                 _zip(package_files, _zip_time(cite))),
        Download(f"{PACKAGE}-{version}.json", DESCRIPTIONS["json"],
                 (json.dumps(export, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
                  + "\n").encode()),
        Download(f"refs-{version}.bib", DESCRIPTIONS["bib"], bib),
    ]
    return out


def write(files: list[Download], target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for item in files:
        write_atomic(target / item.name, item.content)
