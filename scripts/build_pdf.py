"""The whole book as one PDF, with every chart as a vector image. `make pdf` runs it.

1. Jupyter Book's `singlehtml` builder writes the book as one page (`_build/singlehtml/`),
   using the same execution cache as the HTML site. Its charts are the SVGs drawn at build
   time (evidence.present.chart_svg), already in the HTML.
2. Chromium opens that page from a server on 127.0.0.1 with every other request blocked and
   JavaScript off (nothing waits for a chart, no chart library loads, every table row is
   there), in print media, and prints it as a tagged PDF with bookmarks from the headings.
   The browser is Debian's `chromium` (or $CHROMIUM), driven by Playwright; nothing is
   downloaded. Where no such binary exists (GitHub's Ubuntu runners), Playwright's own
   browser is used if it was installed there. (Chromium stays: it lays out the theme's CSS
   exactly as the site shows it, writes the bookmarks and the tags, and the browser tests
   need it anyway; no JavaScript runs in it.)
3. The PDF is written to `_build/pdf/<name>.pdf` and copied into the HTML site as
   `_build/html/<name>.pdf`, where the home page links to it.

    python scripts/build_pdf.py [--root BOOK] [--skip-build]
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the evidence package
from evidence.release.browser import ARGS, CHART_SELECTOR, chromium_path, is_local, serve  # noqa: E402

NAME = "car-t-neuroimmune.pdf"  # the home page links to this name


def singlehtml(root: Path) -> Path:
    jb = Path(sys.executable).parent / "jb"
    done = subprocess.run([str(jb), "build", ".", "--builder", "custom", "--custom-builder",
                           "singlehtml", "-W", "-n", "--keep-going"], cwd=root, text=True,
                          capture_output=True, timeout=900)
    if done.returncode != 0:
        sys.exit(f"singlehtml build failed:\n{(done.stdout + done.stderr)[-4000:]}")
    return root / "_build" / "singlehtml"


def print_pdf(site: Path, target: Path) -> dict:
    from playwright.sync_api import sync_playwright

    problems: list[str] = []

    def route(r):
        if "vega" in r.request.url.rsplit("/", 1)[-1]:  # cannot happen with JavaScript off
            problems.append(f"chart library requested: {r.request.url}")
        if is_local(r.request.url):
            r.continue_()
        else:
            problems.append(f"blocked request: {r.request.url}")
            r.abort()

    with serve(site) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=ARGS)
        context = browser.new_context(viewport={"width": 800, "height": 1100},
                                      java_script_enabled=False)
        context.route("**/*", route)
        page = context.new_page()
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.emulate_media(media="print")
        page.goto(f"{base}/index.html", wait_until="load")
        charts = page.locator(CHART_SELECTOR).count()
        drawn = page.locator(f"{CHART_SELECTOR} > svg[role=img]").count()
        target.parent.mkdir(parents=True, exist_ok=True)
        page.pdf(path=str(target), format="A4", print_background=True, outline=True,
                 tagged=True, margin={"top": "18mm", "bottom": "18mm", "left": "14mm",
                                      "right": "14mm"})
        browser.close()
    if drawn != charts:
        problems.append(f"{charts - drawn} of {charts} chart(s) have no build-time SVG")
    return {"charts": drawn, "problems": problems}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--skip-build", action="store_true",
                        help="print the existing _build/singlehtml instead of building it")
    args = parser.parse_args()
    root = args.root.resolve()
    started = time.perf_counter()
    site = root / "_build" / "singlehtml" if args.skip_build else singlehtml(root)
    target = root / "_build" / "pdf" / NAME
    result = print_pdf(site, target)
    if result["problems"]:
        sys.exit("PDF not written cleanly:\n" + "\n".join(result["problems"]))
    html = root / "_build" / "html"
    if html.is_dir():
        shutil.copyfile(target, html / NAME)
    print(f"{target.relative_to(root)}: {target.stat().st_size:,} bytes, {result['charts']} charts, "
          f"{time.perf_counter() - started:.1f} s" + (f"; copied to _build/html/{NAME}" if html.is_dir() else ""))


if __name__ == "__main__":
    main()
