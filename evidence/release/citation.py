"""How to cite the review: everything is derived from CITATION.cff, the one place that holds
the version, the release date, the authors and the DOIs.

    cite = citation.load(root)                # the book as of this checkout
    cite.shown                                # "0.2.0", or "0.2.0+dev.1a2b3c4" between releases
    citation.bibtex(cite)                     # the book
    citation.bibtex(cite, Chapter(...))       # one chapter
    citation.zenodo(cite)                     # the .zenodo.json Zenodo reads at release time

The concept DOI (all versions) and the version DOI (this release) are kept apart: both are
`identifiers` in CITATION.cff whose `description` starts with "Concept DOI" or "Version DOI".
A build between releases never claims the last release's version DOI.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from ..data.paths import read_descriptor

CFF = "CITATION.cff"
ZENODO = ".zenodo.json"
SITE_URL_VAR = "EVIDENCE_SITE_URL"  # where this build will be published (set by the workflows)
CONCEPT, VERSION = "Concept DOI", "Version DOI"
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")


class CitationError(ValueError):
    pass


@dataclass(frozen=True)
class Chapter:
    title: str
    path: str            # page path inside the site, e.g. "chapters/ms.html"
    updated: str = ""    # the page's honest "last updated" date (ISO)


@dataclass(frozen=True)
class Citation:
    title: str
    authors: tuple[str, ...]
    version: str             # the release in CITATION.cff
    released: str            # its date
    shown: str               # what this build is: the release, or "<release>+dev.<commit>"
    commit: str
    cutoff: str              # evidence cut-off of the data package
    license: str
    abstract: str = ""
    keywords: tuple[str, ...] = ()
    concept_doi: str = ""
    version_doi: str = ""    # only when this build *is* the release
    site_url: str = ""       # absolute, ends with "/", empty when unknown
    repository: str = ""
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def is_release(self) -> bool:
        return self.shown == self.version

    @property
    def year(self) -> str:
        return self.released[:4]

    @property
    def doi(self) -> str:
        """The DOI a reader should cite: this version's, else the concept DOI."""
        return self.version_doi or self.concept_doi

    def url(self, path: str = "") -> str:
        return self.site_url + path if self.site_url else ""

    def file_version(self) -> str:
        """The version as used in download file names ("0.2.0", "0.2.0-dev.1a2b3c4")."""
        return self.shown.replace("+", "-")


# -- reading ---------------------------------------------------------------------------------
def read_cff(root: Path) -> dict:
    path = root / CFF
    try:
        cff = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise CitationError(f"{path}: cannot be read: {err}") from err
    for key in ("title", "version", "date-released", "authors"):
        if not cff.get(key):
            raise CitationError(f"{path}: `{key}` is missing")
    if not SEMVER.match(str(cff["version"])):
        raise CitationError(f"{path}: version {cff['version']!r} is not MAJOR.MINOR.PATCH")
    return cff


def _git(root: Path, *args: str) -> str | None:
    if not (root / ".git").exists():
        return None
    try:
        done = subprocess.run(["git", *args], cwd=root, text=True, capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def build_identity(root: Path, version: str) -> tuple[str, str]:
    """(shown version, commit). Only a checkout of the commit tagged `v<version>` is the
    release; anything else is `<version>+dev.<commit>` (or `+dev` outside git)."""
    sha = _git(root, "rev-parse", "--short=7", "HEAD") or ""
    tags = (_git(root, "tag", "--points-at", "HEAD") or "").split() if sha else []
    if f"v{version}" in tags:
        return version, sha
    return f"{version}+dev" + (f".{sha}" if sha else ""), sha


def _author_name(person: dict) -> str:
    if "name" in person:
        return str(person["name"])
    given, family = person.get("given-names", ""), person.get("family-names", "")
    return f"{family}, {given}".strip(", ")


def _doi(cff: dict, kind: str) -> str:
    for ident in cff.get("identifiers") or []:
        if ident.get("type") == "doi" and str(ident.get("description", "")).startswith(kind):
            return str(ident["value"])
    return ""


def from_cff(cff: dict, cutoff: str, shown: str | None = None, commit: str = "",
             site_url: str = "") -> Citation:
    """The citation a CITATION.cff describes; `shown` is what the build is (default: the
    release itself)."""
    version = str(cff["version"])
    licence = cff.get("license", "")
    cite = Citation(
        title=str(cff["title"]), authors=tuple(_author_name(a) for a in cff["authors"]),
        version=version, released=str(cff["date-released"]), shown=shown or version,
        commit=commit, cutoff=cutoff,
        license=licence if isinstance(licence, str) else ", ".join(licence),
        abstract=" ".join(str(cff.get("abstract", "")).split()),
        keywords=tuple(cff.get("keywords") or ()), concept_doi=_doi(cff, CONCEPT),
        version_doi=_doi(cff, VERSION), site_url=(site_url.rstrip("/") + "/") if site_url else "",
        repository=str(cff.get("repository-code", "")), extra=cff)
    if not cite.is_release:
        cite = replace(cite, version_doi="")  # the DOI of a release is not this build's
    return cite


def load(root: Path, site_url: str | None = None) -> Citation:
    """The citation of the book in `root` as this checkout builds it."""
    cff = read_cff(root)
    shown, commit = build_identity(root, str(cff["version"]))
    url = site_url if site_url is not None else os.environ.get(SITE_URL_VAR, "") or cff.get("url", "")
    return from_cff(cff, read_descriptor(root / "data").get("evidence_cutoff", ""), shown,
                    commit, url)


# -- formats ---------------------------------------------------------------------------------
def _bib_escape(text: str) -> str:
    return re.sub(r"([&%$#_{}])", r"\\\1", text)


def _entity(name: str) -> bool:
    return "," not in name  # CFF entities have `name`; persons become "Family, Given"


def bibtex_key(cite: Citation, chapter: Chapter | None = None) -> str:
    base = "CARTNeuroimmuneReview" + cite.file_version().replace(".", "_").replace("-", "_")
    if chapter:
        base += "_" + re.sub(r"[^A-Za-z0-9]", "", Path(chapter.path).stem.title())
    return base


def bibtex(cite: Citation, chapter: Chapter | None = None) -> str:
    authors = " and ".join("{" + _bib_escape(a) + "}" if _entity(a) else _bib_escape(a)
                           for a in cite.authors)
    fields = [("author", authors)]
    if chapter:
        fields += [("title", "{" + _bib_escape(chapter.title) + "}"),
                   ("booktitle", "{" + _bib_escape(cite.title) + "}")]
    else:
        fields += [("title", "{" + _bib_escape(cite.title) + "}")]
    fields += [("year", cite.year), ("date", cite.released), ("version", cite.shown)]
    if cite.doi:
        fields.append(("doi", cite.doi))
    if cite.url(chapter.path if chapter else ""):
        fields.append(("url", cite.url(chapter.path if chapter else "")))
    note = f"Version {cite.shown}; evidence up to {cite.cutoff}"
    if chapter and chapter.updated:
        note += f"; chapter last updated {chapter.updated}"
    fields.append(("note", note))
    kind = "incollection" if chapter else "misc"
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{kind}{{{bibtex_key(cite, chapter)},\n{body}\n}}\n"


def ris(cite: Citation, chapter: Chapter | None = None) -> str:
    lines = [("TY", "CHAP" if chapter else "ELEC")]
    lines += [("AU", a) for a in cite.authors]
    if chapter:
        lines += [("TI", chapter.title), ("T2", cite.title)]
    else:
        lines += [("TI", cite.title)]
    lines += [("PY", cite.year), ("DA", cite.released.replace("-", "/")), ("ET", cite.shown)]
    if cite.doi:
        lines.append(("DO", cite.doi))
    if cite.url(chapter.path if chapter else ""):
        lines.append(("UR", cite.url(chapter.path if chapter else "")))
    lines.append(("N1", f"Evidence up to {cite.cutoff}"
                  + (f"; chapter last updated {chapter.updated}" if chapter and chapter.updated else "")))
    lines.append(("ER", ""))
    return "".join(f"{tag}  - {value}".rstrip() + "\n" for tag, value in lines)


def text(cite: Citation, chapter: Chapter | None = None) -> str:
    """A formatted reference (author, year, title, version, date, DOI or URL)."""
    authors = "; ".join(cite.authors)
    parts = [f"{authors} ({cite.year})."]
    if chapter:
        parts.append(f"{chapter.title}. In: {cite.title}.")
    else:
        parts.append(f"{cite.title}.")
    parts.append(f"Version {cite.shown}, released {cite.released}; evidence up to {cite.cutoff}"
                 + (f"; chapter last updated {chapter.updated}." if chapter and chapter.updated else "."))
    if cite.doi:
        parts.append(f"https://doi.org/{cite.doi}")
    elif cite.url(chapter.path if chapter else ""):
        parts.append(cite.url(chapter.path if chapter else ""))
    return " ".join(parts)


def meta_tags(cite: Citation, chapter: Chapter | None = None) -> list[tuple[str, str]]:
    """The tags Google Scholar (Highwire Press `citation_*`) and reference managers read."""
    date = cite.released.replace("-", "/")
    tags = [("citation_title", chapter.title if chapter else cite.title)]
    tags += [("citation_author", a) for a in cite.authors]
    tags += [("citation_publication_date", date), ("citation_date", date),
             ("citation_online_date", (chapter.updated if chapter and chapter.updated
                                       else cite.released).replace("-", "/"))]
    if chapter:
        tags.append(("citation_inbook_title", cite.title))
    tags.append(("citation_version", cite.shown))
    if cite.doi:
        tags.append(("citation_doi", cite.doi))
    if cite.url(chapter.path if chapter else ""):
        tags.append(("citation_public_url", cite.url(chapter.path if chapter else "")))
    tags += [("dc.title", chapter.title if chapter else cite.title),
             ("dc.date", chapter.updated if chapter and chapter.updated else cite.released),
             ("dc.rights", cite.license)]
    if cite.keywords:
        tags.append(("citation_keywords", "; ".join(cite.keywords)))
    return tags


# -- Zenodo ----------------------------------------------------------------------------------
LICENCE_IDS = {"CC-BY-4.0": "cc-by-4.0", "MIT": "mit"}


def zenodo(cite: Citation) -> dict:
    """Zenodo's deposit metadata for the release in CITATION.cff. The version DOI is minted by
    Zenodo, so it is never written here; the concept DOI links the release to all versions."""
    cff = cite.extra
    creators = []
    for person in cff["authors"]:
        entry = {"name": _author_name(person)}
        if person.get("affiliation"):
            entry["affiliation"] = person["affiliation"]
        if person.get("orcid"):
            entry["orcid"] = str(person["orcid"]).rsplit("/", 1)[-1]
        creators.append(entry)
    meta = {
        "title": cite.title,
        "upload_type": "publication",
        "publication_type": "other",
        "description": cite.abstract or cite.title,
        "creators": creators,
        "version": cite.version,
        "publication_date": cite.released,
        "license": LICENCE_IDS.get(cite.license, cite.license.lower()),
        "access_right": "open",
        "keywords": list(cite.keywords),
    }
    related = []
    if cite.concept_doi:
        related.append({"identifier": cite.concept_doi, "relation": "isVersionOf", "scheme": "doi"})
    if cite.repository:
        related.append({"identifier": cite.repository, "relation": "isSupplementedBy",
                        "scheme": "url"})
    if related:
        meta["related_identifiers"] = related
    return meta


def zenodo_json(cite: Citation) -> str:
    return json.dumps(zenodo(cite), indent=2, ensure_ascii=False) + "\n"
