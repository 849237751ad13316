"""Sphinx extension: fast builds that stay correct. Loaded by `_config.yml`, so plain
`jb build .` gets it too.

1. Parallel execution. Jupyter Book executes the chapters one after the other while Sphinx
   reads them, on one core. Before the read, this extension finds the chapters whose
   notebook (with the hidden cells evidence_book.py adds) is not in the execution cache,
   executes them side by side (EVIDENCE_BUILD_JOBS workers, default: two per core)
   with the same settings myst-nb would use (working directory, timeout, allow_errors) and
   stores them in jupyter-cache exactly as myst-nb does. Myst-nb then finds them cached.
   A chapter whose notebook myst-nb sees differently, or whose pre-execution failed, is
   simply a cache miss: myst-nb executes it itself and reports any error as usual, so this
   step can make a build faster but never changes what a page shows. When the data changed
   since the last successful build, a kernel per core is started at the very beginning of the
   build, in the background; they import the libraries the pages use while Sphinx works out
   what changed, and the first pages run in them.
2. Bibliography formatting cache. sphinxcontrib-bibtex formats every reference on every
   build, even when nothing changed. The formatted entries are kept in the environment with
   the exact inputs they were made from (the contents of the .bib files, the cited keys in
   order, the style and label settings) and reused only while all of these are equal; the
   style plugins pybtex looks up for every citation are looked up once per build.
"""
from __future__ import annotations

import atexit
import gc
import hashlib
import os
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

JOBS_ENV = "EVIDENCE_BUILD_JOBS"


def cores() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else os.cpu_count() or 1)


def build_jobs() -> int:
    """Workers for the pre-execution: EVIDENCE_BUILD_JOBS, else two per core (a kernel spends
    part of its start waiting on its sockets, so two per core keep the cores busy)."""
    value = os.environ.get(JOBS_ENV, "").strip()
    if value:
        return max(1, int(value))
    return 2 * cores()


# -- 1. parallel pre-execution --------------------------------------------------------------
def _notebook_for(app: Sphinx, docname: str):
    """The notebook myst-nb will build from this page (source-read text, myst reader),
    with its read format; None if the page is not a notebook or uses per-page settings."""
    from myst_nb.core.read import create_nb_reader

    from evidence_book import inject_build_cells  # the book's own source-read step

    path = Path(app.env.doc2path(docname))
    if path.suffix not in (".md", ".ipynb"):
        return None
    text = path.read_text(encoding=app.config.source_encoding)
    source = [text]
    inject_build_cells(app, docname, source)
    nb_config = app.env.mystnb_config
    reader = create_nb_reader(str(path), app.env.myst_config, nb_config, source[0])
    if reader is None:
        return None
    notebook = reader.read(source[0])
    if nb_config.metadata_key in notebook.metadata or "execution" in notebook.metadata \
            or nb_config.kernel_rgx_aliases:
        return None  # per-page settings: leave it to myst-nb
    return path, notebook, reader.read_fmt


# -- kernels started early ------------------------------------------------------------------
# When the data changed since the last successful build (or there was none), pages will be
# executed: a few kernels are started at config-inited, in the background, while Sphinx loads
# its environment and works out what changed. A started kernel has only imported libraries
# (WARM_IMPORTS), so a page executed in it gives what a new kernel gives; kernels not needed
# are stopped.
PREWARM_STAMP = "evidence-prewarm.sha256"


def _data_fingerprint(app: Sphinx) -> str:
    from evidence.data.scope import inputs_fingerprint

    return inputs_fingerprint(Path(app.srcdir))


def _execution_folder(srcdir: Path) -> Path | None:
    """The folder most executable pages live in (kernels run in their page's folder)."""
    from collections import Counter

    found = Counter(p.parent for p in srcdir.glob("*/*.md") if not p.parent.name.startswith(("_", "."))
                    and "{code-cell}" in p.read_text(encoding="utf-8", errors="replace"))
    return found.most_common(1)[0][0] if found else None


# What an early kernel imports while Sphinx is still working out what changed: the libraries
# every executable page imports first. Importing a module has no effect on what a page shows
# (the data is read when a page calls evidence.chapter), and the request is sent silently, so
# the page's cells keep their execution counts from 1.
WARM_IMPORTS = "import evidence.present.page, evidence.present.charts"


def _kernel_manager(kernel_name: str = "python3"):
    """A kernel manager talking over local sockets in a private temporary folder.

    nbclient's default is TCP on localhost, for which ipykernel 7 prints a warning about
    unencrypted traffic once per page. The socket path must be absolute: the kernel runs in
    the chapter's folder and the client in the build's."""
    import tempfile

    from jupyter_client.manager import AsyncKernelManager

    folder = tempfile.mkdtemp(prefix="evidence-kernel-")
    return AsyncKernelManager(kernel_name=kernel_name, transport="ipc", ip=os.path.join(folder, "kernel"))


def _start_kernel(cwd: Path):
    from jupyter_client import BlockingKernelClient
    from jupyter_core.utils import run_sync

    km = _kernel_manager()
    run_sync(km.start_kernel)(cwd=str(cwd))
    client = BlockingKernelClient()
    client.load_connection_info(km.get_connection_info())
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        msg_id = client.execute(WARM_IMPORTS, silent=True, store_history=False)
        while True:  # an import that fails is left to the page, which reports it with its name
            reply = client.get_shell_msg(timeout=60)
            if reply["parent_header"].get("msg_id") == msg_id:
                break
    finally:
        client.stop_channels()
    return km


def _stop_kernel(km) -> None:
    from jupyter_core.utils import run_sync

    try:
        run_sync(km.shutdown_kernel)(now=True)
    except Exception:  # already gone
        pass
    if km.transport == "ipc":
        shutil.rmtree(Path(km.ip).parent, ignore_errors=True)


def _prewarm(app: Sphinx, config) -> None:
    import queue

    app._evidence_kernels = queue.Queue()  # type: ignore[attr-defined]
    app._evidence_kernel_pool = None  # type: ignore[attr-defined]
    if getattr(config, "nb_execution_mode", None) != "cache" or getattr(config, "nb_execution_in_temp", False):
        return
    stamp = Path(app.doctreedir) / PREWARM_STAMP
    app._evidence_fingerprint = _data_fingerprint(app)  # type: ignore[attr-defined]
    if stamp.exists() and stamp.read_text(encoding="utf-8").strip() == app._evidence_fingerprint:
        return  # data as at the last successful build: no page runs because of data
    folder = _execution_folder(Path(app.srcdir))
    if folder is None:
        return
    pool = ThreadPoolExecutor(max_workers=cores())
    app._evidence_kernel_pool = pool  # type: ignore[attr-defined]
    app._evidence_kernel_folder = folder  # type: ignore[attr-defined]
    app._evidence_kernel_futures = [pool.submit(_start_kernel, folder) for _ in range(cores())]
    # a build that stops before build-finished (invalid data is refused during config-inited)
    # still stops its kernels and removes their socket folders
    atexit.register(_stop_early_kernels, app)


def _early_kernel(app: Sphinx, path: Path, notebook):
    """A kernel started early, if one fits this page (same folder, python3), else None."""
    futures = getattr(app, "_evidence_kernel_futures", [])
    if (not futures or path.parent != getattr(app, "_evidence_kernel_folder", None)
            or notebook.metadata.get("kernelspec", {}).get("name") != "python3"):
        return None
    while futures:
        future = futures.pop()
        try:
            return future.result()
        except Exception:
            continue
    return None


def _stop_early_kernels(app: Sphinx) -> None:
    for future in getattr(app, "_evidence_kernel_futures", []):
        try:
            _stop_kernel(future.result())
        except Exception:
            pass
    app._evidence_kernel_futures = []  # type: ignore[attr-defined]
    if getattr(app, "_evidence_kernel_pool", None) is not None:
        app._evidence_kernel_pool.shutdown(wait=True)
        app._evidence_kernel_pool = None  # type: ignore[attr-defined]


def _finished(app: Sphinx, exception) -> None:
    _stop_early_kernels(app)
    if Path(sys.argv[0]).name in ("jb", "jupyter-book", "sphinx-build"):
        # a command-line build ends here; CPython's collections at exit then walk every object
        # of the build (about 0.3 s). Frozen objects are left to the process's end instead.
        gc.freeze()
    fingerprint = getattr(app, "_evidence_fingerprint", None)
    if exception is None and fingerprint:
        stamp = Path(app.doctreedir) / PREWARM_STAMP
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.write_text(fingerprint + "\n", encoding="utf-8")


def _execute(path: Path, notebook, nb_config, km=None):
    from jupyter_cache.executors.utils import single_nb_execution

    # the outputs are complete when the last cell has run: the kernel is then stopped at
    # once instead of being asked to shut down and waited for (about 0.2 s per page).
    # nbclient waits only 4 s (iopub_timeout) for a cell's outputs after the cell has
    # finished and then drops the rest without an error; on a loaded machine a cell with many
    # outputs lost its last glued figures that way. Here the wait is as long as a cell may
    # run, and a timeout is an error (the page is then left to myst-nb), never a page
    # stored with outputs missing.
    if km is None:
        km = _kernel_manager(notebook.metadata.get("kernelspec", {}).get("name", "python3"))
    try:
        return single_nb_execution(notebook, cwd=str(path.parent),
                                   allow_errors=nb_config.execution_allow_errors,
                                   timeout=nb_config.execution_timeout, meta_override=True,
                                   shutdown_kernel="immediate",
                                   iopub_timeout=max(4, nb_config.execution_timeout or 0),
                                   raise_on_iopub_timeout=True, km=km)
    finally:
        _stop_kernel(km)  # nbclient does not stop a kernel it was handed


def _pre_execute(app: Sphinx, env, docnames: list[str]) -> None:
    nb_config = getattr(env, "mystnb_config", None)
    if nb_config is None or nb_config.execution_mode != "cache" or nb_config.execution_in_temp:
        return
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn
    from jupyter_cache.cache.db import NbProjectRecord

    cache = get_cache(nb_config.execution_cache_path or ".jupyter_cache")
    pending = []
    for docname in sorted(docnames):
        try:
            found = _notebook_for(app, docname)
        except Exception as err:  # myst-nb reads the page itself and reports what is wrong
            logger.info("evidence: %s not pre-executed (%s)", docname, err)
            continue
        if found is None:
            continue
        try:
            cache.match_cache_notebook(found[1])
        except KeyError:
            pending.append((docname, *found))
    app._evidence_pre_executed = []  # type: ignore[attr-defined]
    if not pending:
        _stop_early_kernels(app)
        return
    jobs = min(build_jobs(), len(pending))
    logger.info("evidence: executing %d page(s) with %d worker(s): %s", len(pending), jobs,
                ", ".join(d for d, *_ in pending))
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [(item, pool.submit(_execute, item[1], item[2], nb_config,
                                      _early_kernel(app, item[1], item[2]) if n < jobs else None))
                   for n, item in enumerate(pending)]
        for (docname, path, notebook, read_fmt), future in futures:
            result = future.result()
            if result.err is not None:  # myst-nb runs it again and reports the error
                logger.info("evidence: %s failed in pre-execution; myst-nb will report it", docname)
                continue
            # stored as myst-nb stores an executed notebook (myst_nb.core.execute.cache)
            record = cache.add_nb_to_project(str(path), read_data=read_fmt)
            NbProjectRecord.remove_tracebacks([record.pk], cache.db)
            cache.cache_notebook_bundle(
                CacheBundleIn(notebook, record.uri, data={"execution_seconds": result.time}),
                check_validity=False, overwrite=True)
            app._evidence_pre_executed.append(docname)  # type: ignore[attr-defined]
    _stop_early_kernels(app)
    logger.info("evidence: pre-executed in %.1f s", time.perf_counter() - started)


# -- 2. bibliography formatting cache -------------------------------------------------------
def _bib_files_digest(domain) -> str:
    h = hashlib.sha256()
    for path in sorted(domain.bibdata.bibfiles):
        h.update(str(path).encode() + b"\0" + Path(path).read_bytes() + b"\0")
    return h.hexdigest()


def _cache_bibtex_formatting() -> None:
    from pybtex.richtext import Tag
    from sphinxcontrib.bibtex.domain import BibtexDomain

    if getattr(BibtexDomain, "_evidence_cached", False):
        return
    original = BibtexDomain.get_formatted_entries

    def get_formatted_entries(self, bibliography_key, docnames, tooltips, tooltips_style):
        bibliography = self.bibliographies[bibliography_key]
        entries = dict(self.get_sorted_entries(bibliography_key, docnames))
        inputs = (_bib_files_digest(self), tuple(entries), bibliography.style,
                  bibliography.labelprefix, bibliography.keyprefix, tooltips, tooltips_style)
        store = self.env.__dict__.setdefault("evidence_bibtex_formatted", {})
        hit = store.get(bibliography_key)
        if hit is not None and hit[0] == inputs:
            for key, formatted, tooltip in hit[1]:
                yield entries[key], formatted, tooltip
            return
        made = []
        for entry, formatted, tooltip in original(self, bibliography_key, docnames, tooltips,
                                                  tooltips_style):
            made.append((entry.key, formatted, tooltip))
            yield entry, formatted, tooltip
        failed = any(isinstance(f.text, Tag) and f.text.name == "b" and t is None
                     for _, f, t in made)  # a missing-field warning: never skip it next time
        if failed:
            store.pop(bibliography_key, None)
        else:
            store[bibliography_key] = (inputs, made)

    BibtexDomain.get_formatted_entries = get_formatted_entries
    BibtexDomain._evidence_cached = True


def _cache_plugin_lookups() -> None:
    """pybtex looks its style plugins up in the installed packages' entry points on every
    citation it resolves (about 10 ms each); the installed packages do not change during a
    build, so each lookup is made once per process. Plugins registered at run time are
    still found first (pybtex checks them before the entry points)."""
    import functools

    import pybtex.plugin

    if getattr(pybtex.plugin, "_evidence_cached", False):
        return
    lookup = pybtex.plugin.entry_points

    @functools.lru_cache(maxsize=None)
    def entry_points(group, name):
        return tuple(lookup(group=group, name=name))

    pybtex.plugin.entry_points = lambda group, name: entry_points(group, name)
    pybtex.plugin._evidence_cached = True


def setup(app: Sphinx) -> dict:
    app.setup_extension("evidence_book")
    # after evidence_book binds the book (400), before it checks the data (560): the kernels
    # start on the other core meanwhile; a refused build exits and they stop with it
    app.connect("config-inited", _prewarm, priority=550)
    app.connect("env-before-read-docs", _pre_execute, priority=900)  # after the others
    app.connect("build-finished", _finished)
    _cache_bibtex_formatting()
    _cache_plugin_lookups()
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
