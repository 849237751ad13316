"""Headless Chromium on the built site, served from 127.0.0.1: one place for the browser
binary, its flags, the static server and the offline rule. Used by the PDF script
(`scripts/build_pdf.py`), the reader benchmark (`evidence.bench.reader`) and the browser tests.

The browser is Debian's `chromium` (or $CHROMIUM), driven by Playwright; nothing is downloaded.
"""
from __future__ import annotations

import contextlib
import functools
import os
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
CHART_SELECTOR = "div.evidence-chart"


def charts_drawn(selector: str = CHART_SELECTOR) -> str:
    """A JavaScript predicate: every chart holds its drawing (or its error message)."""
    return (f"() => [...document.querySelectorAll(\"{selector}\")].every("
            "el => el.querySelector('svg, canvas') || el.classList.contains('evidence-chart-error'))")


def chromium_path() -> str | None:
    """Debian's chromium ($CHROMIUM first); None where there is none (Playwright's own
    browser is then used, where it was installed, e.g. GitHub's runners)."""
    for candidate in (os.environ.get("CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def is_local(url: str) -> bool:
    """A request that stays inside the served site (or inside the page: data:, blob:)."""
    parsed = urlparse(url)
    return parsed.scheme in ("data", "blob") or parsed.hostname in LOCAL_HOSTS


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(directory: Path):
    """A static server for `directory` on 127.0.0.1; yields its base URL."""
    handler = functools.partial(_Quiet, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
