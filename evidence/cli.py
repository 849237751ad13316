"""The one command line of the project: `python -m evidence <command>`.

    validate   check the data package and refs.bib; print every problem as
               file:line: column: message (exit 1 if any); writes nothing
    format     rewrite the tables in canonical form (--check: only list what would change)
    release    cut release X.Y.Z: snapshot of the evidence, CITATION.cff, .zenodo.json and
               CHANGELOG.md (refuses invalid data or a version that is not newer)
    assemble   lay out the published site: newest release at the root, every release under
               v<version>/, the development build under dev/, a versions.json in each
    export     write the downloads (tables as CSV, the data package as zip, JSON, refs.bib)
    bench      benchmarks: validator, build times, reader cost, scale, and the same book in
               a default Jupyter Book configuration; writes benchmarks/results.md
    watch      run the saved queries on ClinicalTrials.gov and PubMed; queue new records and
               changed trials in data/queue.csv (never edits the evidence)
    screen     decide on a queued record (into screening.csv) or accept a trial's changes
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .data.paths import BookNotFound, book_root


def _root(args) -> Path:
    return Path(args.root).resolve() if args.root else book_root()


def cmd_validate(args) -> int:
    from .validate import validate

    root = _root(args)
    started = time.perf_counter()
    problems = validate(root)
    for problem in problems:
        print(problem)
    seconds = time.perf_counter() - started
    if problems:
        files = len({p.file for p in problems})
        print(f"{len(problems)} problem(s) in {files} file(s); nothing was changed.",
              file=sys.stderr)
        return 1
    print(f"ok: data package and refs.bib are valid ({seconds:.2f} s)", file=sys.stderr)
    return 0


def cmd_format(args) -> int:
    from .data.formatting import format_package

    outcomes = format_package(_root(args), check=args.check)
    refused = [o for o in outcomes if o.refused]
    changed = [o for o in outcomes if o.changed]
    for outcome in refused:
        print(f"{outcome.file}: not formatted: {outcome.refused}", file=sys.stderr)
    for outcome in changed:
        print(f"{outcome.file}: {'would be reformatted' if args.check else 'reformatted'}")
    if refused or (args.check and changed):
        if args.check and changed:
            print("run `python -m evidence format` to fix the layout", file=sys.stderr)
        return 1
    if not changed:
        print(f"ok: {len(outcomes)} tables already in canonical form", file=sys.stderr)
    return 0


def cmd_release(args) -> int:
    from .release.cut import ReleaseRefused, plan, release

    root = _root(args)
    try:
        if args.dry_run:
            files = plan(root, args.version, args.date, args.version_doi)
        else:
            files = release(root, args.version, args.date, args.version_doi)
    except (ReleaseRefused, ValueError) as err:
        print(f"release refused: {err}", file=sys.stderr)
        return 1
    verb = "would write" if args.dry_run else "wrote"
    for path in files:
        print(f"{verb} {path.relative_to(root)}")
    if not args.dry_run:
        print(f"\nnext: review the diff, then\n  git add -A && git commit -m 'Release "
              f"{args.version}'\n  git tag v{args.version} && git push origin main v{args.version}\n"
              "the release workflow builds the site and attaches the downloads.", file=sys.stderr)
    return 0


def cmd_export(args) -> int:
    from .release import citation, export

    root = _root(args)
    files = export.downloads(root, citation.load(root))
    out = Path(args.out).resolve()
    export.write(files, out)
    for item in files:
        print(f"{out / item.name}  {item.size:,} bytes")
    return 0


def cmd_assemble(args) -> int:
    from .release.site import AssembleError, assemble

    releases = {}
    for item in args.release:
        version, sep, folder = item.partition("=")
        if not sep:
            print(f"error: --release {item!r}: expected VERSION=DIR", file=sys.stderr)
            return 2
        releases[version] = Path(folder).resolve()
    try:
        done = assemble(Path(args.out).resolve(), releases,
                        Path(args.dev).resolve() if args.dev else None)
    except AssembleError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    for entry in done["versions"]:
        print(f"{entry['path']:<12} {entry['label']}")
    return 0


def cmd_bench(args) -> int:
    from .bench import run

    return run(args)


def cmd_watch(args) -> int:
    from .watch.config import WatchError
    from .watch.run import watch

    try:
        done = watch(_root(args))
    except WatchError as err:
        print(f"watch failed, nothing changed: {err}", file=sys.stderr)
        return 1
    print(f"watch {done.ran_on}: {done.queries} queries, {done.records_found} records found, "
          f"{done.new_records} new; {done.trials_checked} trials checked, {done.trial_changes} "
          f"changes; {done.awaiting} queued rows await screening")
    for file in done.written:
        print(f"wrote {file}")
    return 0


def cmd_screen(args) -> int:
    from .watch.config import WatchError
    from .watch.screen import accept, decide

    try:
        if args.accept:
            written = accept(_root(args), args.record)
        elif args.decision:
            written = decide(_root(args), args.record, args.decision, args.reason or "",
                             args.note or "", args.study_id or "", args.registry_id or "",
                             args.bibkey or "")
        else:
            raise WatchError("say --decision included|excluded (a new record) or --accept "
                             "(a trial change)")
    except WatchError as err:
        print(f"screen: {err}", file=sys.stderr)
        return 1
    for file in written:
        print(f"wrote {file}")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m evidence", description=__doc__,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    top.add_argument("--root", help="book folder (default: found from the working directory)")
    sub = top.add_subparsers(dest="command", required=True, metavar="command")
    sub.add_parser("validate", help="check the data and refs.bib").set_defaults(run=cmd_validate)
    fmt = sub.add_parser("format", help="rewrite the tables in canonical form")
    fmt.add_argument("--check", action="store_true", help="only list files that would change")
    fmt.set_defaults(run=cmd_format)
    rel = sub.add_parser("release", help="cut a release (snapshot, CITATION.cff, changelog)")
    rel.add_argument("version", help="the new version, MAJOR.MINOR.PATCH")
    rel.add_argument("--date", help="release date (default: today)")
    rel.add_argument("--version-doi", help="a DOI reserved on Zenodo for this version")
    rel.add_argument("--dry-run", action="store_true", help="check and list, write nothing")
    rel.set_defaults(run=cmd_release)
    exp = sub.add_parser("export", help="write the downloads into a folder")
    exp.add_argument("--out", default="dist", help="target folder (default: dist)")
    exp.set_defaults(run=cmd_export)
    asm = sub.add_parser("assemble", help="lay out the published site with archived versions")
    asm.add_argument("--out", required=True, help="empty folder for the site")
    asm.add_argument("--dev", help="the build of main (shown under dev/)")
    asm.add_argument("--release", action="append", default=[], metavar="VERSION=DIR",
                     help="a release's built HTML (repeat for each release)")
    asm.set_defaults(run=cmd_assemble)
    bench = sub.add_parser("bench", help="benchmarks (prints figures, writes benchmarks/results.md)")
    bench.add_argument("--only", metavar="PARTS",
                       help="comma-separated parts to run: validation,builds,reader,scale,baseline "
                            "(default: all)")
    bench.add_argument("--rows", type=int, nargs="+", default=[1000, 10000],
                       help="validation: study rows (and references) to validate (default: 1000 10000)")
    bench.add_argument("--repeats", type=int, default=3,
                       help="builds: runs per scenario, the best counts (default: 3)")
    bench.add_argument("--scenarios", metavar="NAMES",
                       help="builds: comma-separated subset of cold,no-change,prose,code,row,vocab")
    bench.add_argument("--scale", type=int, nargs="+", default=[10, 100], metavar="FACTOR",
                       help="scale: evidence multipliers (default: 10 100)")
    bench.add_argument("--out", help="where to write the results (default: benchmarks/results.md)")
    bench.add_argument("--no-write", action="store_true", help="print only, write no results file")
    bench.set_defaults(run=cmd_bench)
    sub.add_parser("watch", help="queue new records and changed trials (data/queue.csv)"
                   ).set_defaults(run=cmd_watch)
    scr = sub.add_parser("screen", help="decide on a queued record, or accept a trial's changes")
    scr.add_argument("record", help="a queued record (pmid:41234567, 41234567, nct:NCT01234567) "
                                    "or, with --accept, a trial (NCT01234567)")
    scr.add_argument("--decision", choices=("included", "excluded"))
    scr.add_argument("--reason", metavar="CODE", help="exclusion reason (data/vocab/exclusion_reasons.csv)")
    scr.add_argument("--note", help="free text: details of the exclusion or what the record was used for")
    scr.add_argument("--study-id", help="included: the study it became (data/studies.csv)")
    scr.add_argument("--registry-id", help="included: the trial it became (data/trials.csv)")
    scr.add_argument("--bibkey", help="included: the refs.bib entry it is cited as")
    scr.add_argument("--accept", action="store_true",
                     help="take the registry's values of every queued change of this trial")
    scr.set_defaults(run=cmd_screen)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except BookNotFound as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
