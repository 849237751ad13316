"""The package's layout shows the pipeline: data -> validate -> synthesis -> present ->
release -> bench. A stage may import the stages before it, never one after it (read from the
source with `ast`, so a lazy import inside a function counts too), and modules and classes
stay small enough to read in one sitting."""
from __future__ import annotations

import ast

from conftest import REPO

PACKAGE = REPO / "evidence"
STAGES = ("data", "validate", "watch", "synthesis", "present", "release", "bench")
MAX_MODULE_LINES = 400
MAX_CLASS_LINES = 250


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        yield path, ("evidence", *parts[:-1])  # the package a relative import starts from


def _imported(path, package: tuple[str, ...]) -> list[tuple[int, str]]:
    """(line, absolute module) of every import of the package from this file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[: len(package) - node.level + 1])
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names = [f"{module}.{a.name}" for a in node.names] if not node.module else [module]
            found += [(node.lineno, name) for name in names]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
    return [(line, name) for line, name in found if name.split(".")[0] == "evidence"]


def _stage(module: str) -> int | None:
    parts = module.split(".")
    return STAGES.index(parts[1]) if len(parts) > 1 and parts[1] in STAGES else None


def test_every_module_belongs_to_a_stage_or_is_an_entry_point():
    entry_points = {"__init__.py", "__main__.py", "cli.py"}
    for path in PACKAGE.glob("*.py"):
        assert path.name in entry_points, f"{path.name}: put it in one of {STAGES}"
    for stage in STAGES:
        doc = ast.get_docstring(ast.parse((PACKAGE / stage / "__init__.py").read_text("utf-8")))
        assert doc and len(doc.splitlines()) >= 2, f"evidence/{stage}/__init__.py: say what it holds"


def test_no_import_runs_back_up_a_stage():
    upward = []
    for path, package in _modules():
        mine = _stage(".".join(package))
        if mine is None:
            continue  # the entry points may import any stage
        for line, module in _imported(path, package):
            theirs = _stage(module)
            if theirs is not None and theirs > mine:
                upward.append(f"{path.relative_to(REPO)}:{line}: {STAGES[mine]} imports {module}")
    assert not upward, "\n".join(upward)


def test_the_checker_sees_an_upward_import(tmp_path):
    """The rule above can fail: a data module importing a presentation module is caught."""
    module = tmp_path / "bad.py"
    module.write_text("def f():\n    from ..present import charts\n", encoding="utf-8")
    imported = _imported(module, ("evidence", "data"))
    assert imported == [(2, "evidence.present")]
    assert _stage(imported[0][1]) > _stage("evidence.data")


def test_modules_and_classes_stay_small():
    too_long = []
    for path, _ in _modules():
        text = path.read_text(encoding="utf-8")
        if len(text.splitlines()) > MAX_MODULE_LINES:
            too_long.append(f"{path.relative_to(REPO)}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef) and node.end_lineno - node.lineno + 1 > MAX_CLASS_LINES:
                too_long.append(f"{path.relative_to(REPO)}: class {node.name} "
                                f"{node.end_lineno - node.lineno + 1} lines")
    assert not too_long, too_long


def test_every_view_is_reachable_from_a_page_and_named_once():
    import evidence
    from evidence.present import views

    page = evidence.chapter("MG", root=REPO)
    assert len(views.VIEWS) >= 25
    for name in views.VIEWS:
        assert callable(getattr(page, name)) and name in dir(page)
    try:
        page.no_such_view
    except AttributeError as err:
        assert "studies_table" in str(err)  # the message lists the views there are
    else:
        raise AssertionError("an unknown view must raise AttributeError")


def test_every_dotted_evidence_path_in_code_and_docs_exists():
    """A module path named in code, a docstring, a chapter or the guides (`evidence.data.scope`,
    `evidence.present.page.chapter`) resolves, so a move of a module leaves no stale pointer."""
    import importlib
    import re

    token = re.compile(r"(?<![\w/.-])evidence(?:\.[a-z_][a-z0-9_]*)+")
    file_types = {"css", "js", "py", "md", "csv", "json", "yml", "html", "svg"}  # evidence.css is a file
    files = [*PACKAGE.rglob("*.py"), *(REPO / "_ext").glob("*.py"), *(REPO / "scripts").glob("*.py"),
             *(REPO / "tests").glob("*.py"), *(REPO / "chapters").rglob("*.md"),
             REPO / "README.md", REPO / "CONTRIBUTING.md"]
    missing = set()
    for path in files:
        for name in set(token.findall(path.read_text(encoding="utf-8"))):
            parts = name.split(".")
            if parts[-1] in file_types:
                continue
            for cut in range(len(parts), 0, -1):  # the longest importable prefix, then attributes
                module = ".".join(parts[:cut])
                try:
                    target = importlib.import_module(module)
                except ModuleNotFoundError as err:
                    if err.name != module:
                        raise  # the module exists but cannot import what it needs
                    continue
                for attribute in parts[cut:]:
                    target = getattr(target, attribute, None)
                if target is None:
                    missing.add(f"{path.relative_to(REPO)}: {name}")
                break
    assert not missing, sorted(missing)


def test_every_file_path_of_the_package_named_in_the_guides_exists():
    """`evidence/present/chart_svg.py` in the README is a file there, not a pointer left behind."""
    import re

    named = set()
    for guide in (REPO / "README.md", REPO / "CONTRIBUTING.md", *(REPO / "chapters").rglob("*.md")):
        named |= {(guide.name, path) for path in re.findall(r"\bevidence/[\w/]+\.py\b",
                                                             guide.read_text(encoding="utf-8"))}
    assert named, "the guides name some of the package's files"
    missing = sorted(f"{guide}: {path}" for guide, path in named if not (REPO / path).is_file())
    assert not missing, missing


def test_every_import_of_the_package_names_a_module_that_exists():
    """Lazy imports inside functions run only on some paths (a benchmark, an error branch);
    each must still name a real module of the package, and each imported name must be there."""
    import importlib
    import importlib.util

    broken = []
    for path, package in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or not (node.level or (node.module or "").startswith("evidence")):
                continue
            base = list(package[: len(package) - node.level + 1]) if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            where = f"{path.relative_to(REPO)}:{node.lineno}"
            if importlib.util.find_spec(module) is None:
                broken.append(f"{where}: no module {module}")
                continue
            loaded = importlib.import_module(module)
            for alias in node.names:
                if not hasattr(loaded, alias.name) and importlib.util.find_spec(f"{module}.{alias.name}") is None:
                    broken.append(f"{where}: {module} has no {alias.name}")
    assert not broken, broken
