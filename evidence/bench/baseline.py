"""The same book in a default Jupyter Book configuration, for the side-by-side figures.

A temporary copy whose `_config.yml` loads none of the book's extensions (no evidence_book,
evidence_release or evidence_speed) and none of its templates (the theme as it comes): execution is Jupyter Book's plain `cache` (keyed on
the code cells' text only), the chapters are executed one after the other, and charts are
altair's own HTML output, which loads vega, vega-lite and vega-embed from a CDN at page view
(the reader benchmark answers those requests from the vendored files and counts them).

The chapters still call `evidence.chapter(...)`; the package is made importable with
PYTHONPATH, and EVIDENCE_CHARTS=altair makes `evidence.present.charts.render` return the plain altair
chart. The book's own directives (`evidence-citation`, `evidence-downloads`) are unknown there,
so the default book is built without `-W` (those two pages show an error box instead).
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

from ..present.charts import MODE_ENV
from . import common

BUILD_COMMAND = "jb build ."
CDN = {  # altair 6's default output (altair.utils.html), answered from _vendor/vega/
    "https://cdn.jsdelivr.net/npm/vega@": "vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@": "vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@": "vega-embed.min.js",
}


def make_default_book(source: Path, target: Path) -> Path:
    common.copy_book(source, target)
    config = target / "_config.yml"
    text = config.read_text("utf-8")
    # drop the `local_extensions:` block (its indented lines)
    text, n = re.subn(r"(?m)^  local_extensions:\n(?:    .*\n)+", "", text)
    if n != 1:
        raise RuntimeError("could not find sphinx.local_extensions in _config.yml")
    # and the theme as it comes (the book's template leaves out the theme's icon script)
    text = re.sub(r"(?m)^    templates_path:.*\n", "", text)
    # the citation style the book's extension registers does not exist without it: stock labels
    text = re.sub(r"(?m)^(    bibtex_reference_style:) author_year_et_al\b.*$", r"\1 author_year", text)
    text = re.sub(r"(?m)^(    bibtex_default_style:) plain_et_al\b.*$", r"\1 plain", text)
    config.write_text(text, "utf-8")
    shutil.rmtree(target / "_templates", ignore_errors=True)
    return target


def environment(root: Path) -> dict:
    return {"PYTHONPATH": str(root), "EVIDENCE_BOOK_ROOT": str(root), MODE_ENV: "altair"}


def cdn_files(source: Path) -> dict[str, Path]:
    vendor = source / "_vendor" / "vega"
    return {prefix: vendor / name for prefix, name in CDN.items()}
