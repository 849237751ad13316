"""The contribution workflow works as documented: the CONTRIBUTING example passes the
validator, the GitHub workflows and issue forms match GitHub's schemas, the commands they run
exist, and the pre-commit hooks run the formatter and the validator."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from evidence.validate import validate

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
GITHUB = REPO / ".github"
WORKFLOWS = sorted((GITHUB / "workflows").glob("*.yml"))
FORMS = sorted(p for p in (GITHUB / "ISSUE_TEMPLATE").glob("*.yml") if p.name != "config.yml")


def fenced(text: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", text, re.M | re.S)


def test_contributing_example_passes_the_validator(data_copy):
    """The example a newcomer copies is valid data, not an approximation of it."""
    guide = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    bibtex, study, outcome, safety, appraisal = fenced(guide, "bibtex") + fenced(guide, "csv")[:4]
    root = data_copy
    with (root / "refs.bib").open("a", encoding="utf-8") as handle:
        handle.write("\n" + bibtex)
    for name, rows in (("studies", study), ("outcomes", outcome), ("safety", safety),
                        ("appraisal", appraisal)):
        with (root / "data" / f"{name}.csv").open("a", encoding="utf-8") as handle:
            handle.write(rows)
    assert validate(root) == []
    assert "example-2026-mg" in (root / "data" / "studies.csv").read_text("utf-8")


def check_jsonschema(schema: str, *files: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "check-jsonschema"), "--builtin-schema", schema,
                           *map(str, files)], text=True, capture_output=True, timeout=120)


def test_workflows_match_the_github_workflow_schema():
    assert {p.name for p in WORKFLOWS} >= {"pr-checks.yml", "deploy.yml", "scheduled-rebuild.yml",
                                          "watch.yml"}
    done = check_jsonschema("vendor.github-workflows", *WORKFLOWS)
    assert done.returncode == 0, done.stdout + done.stderr


def test_schema_check_rejects_a_broken_workflow(tmp_path):
    """The schema check can fail: a job without runs-on is refused."""
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  x:\n    steps:\n      - run: echo\n", encoding="utf-8")
    assert check_jsonschema("vendor.github-workflows", broken).returncode != 0


def test_issue_forms_match_the_github_schemas():
    assert {p.name for p in FORMS} == {"new-study.yml", "correction.yml"}
    done = check_jsonschema("vendor.github-issue-forms", *FORMS)
    assert done.returncode == 0, done.stdout + done.stderr
    done = check_jsonschema("vendor.github-issue-config", GITHUB / "ISSUE_TEMPLATE" / "config.yml")
    assert done.returncode == 0, done.stdout + done.stderr


def test_workflows_cover_the_required_events():
    triggers = {p.name: yaml.safe_load(p.read_text("utf-8"))[True] for p in WORKFLOWS}  # "on" → True
    assert "pull_request" in triggers["pr-checks.yml"]
    assert "schedule" in triggers["scheduled-rebuild.yml"]
    # the weekly watch proposes its queue as a pull request, with a maintained action
    assert "schedule" in triggers["watch.yml"] and "workflow_dispatch" in triggers["watch.yml"]
    watch = yaml.safe_load((GITHUB / "workflows" / "watch.yml").read_text("utf-8"))
    steps = [s for job in watch["jobs"].values() for s in job.get("steps", [])]
    assert any(s.get("run") == "make watch" for s in steps)
    assert any(s.get("uses", "").startswith("peter-evans/create-pull-request@v") for s in steps)
    deploy = yaml.safe_load((GITHUB / "workflows" / "deploy.yml").read_text("utf-8"))
    steps = [s.get("uses", "") for job in deploy["jobs"].values() for s in job.get("steps", [])]
    assert any(s.startswith("actions/deploy-pages@") for s in steps)


def test_commands_in_workflows_and_docs_exist():
    """Every `make <target>` the workflows and CONTRIBUTING.md name is a Makefile target."""
    texts = [p.read_text("utf-8") for p in WORKFLOWS] + [(REPO / "CONTRIBUTING.md").read_text("utf-8"),
                                                         (REPO / "README.md").read_text("utf-8")]
    targets = {t for text in texts for t in re.findall(r"(?:^\s*|run:\s*|`)make ([a-z][a-z-]*)", text, re.M)}
    assert {"validate", "format", "build", "test"} <= targets
    for target in sorted(targets):
        done = subprocess.run(["make", "-n", target], cwd=REPO, capture_output=True, text=True)
        assert done.returncode == 0, f"make {target}: {done.stderr}"


def test_pull_request_template_has_the_evidence_checklist():
    template = (GITHUB / "PULL_REQUEST_TEMPLATE.md").read_text("utf-8")
    for item in ("read in the source", "checked_on", "cohort_id", "appraisal", "full author list",
                 "make validate", "make format", "make build"):
        assert item in template


@pytest.fixture
def repo_copy(tmp_path) -> Path:
    """A git repository holding the book's data, refs.bib and package, for pre-commit."""
    root = tmp_path / "repo"
    root.mkdir()
    for name in ("data", "evidence"):
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("refs.bib", "_config.yml", ".pre-commit-config.yaml"):
        shutil.copy(REPO / name, root)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run([*git, "add", "-A"], cwd=root, check=True)
    subprocess.run([*git, "commit", "-qm", "start"], cwd=root, check=True)
    return root


def pre_commit(root: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
           "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "PYTHONPATH": str(root)}
    return subprocess.run([str(BIN / "pre-commit"), *args], cwd=root, text=True,
                          capture_output=True, env=env, timeout=300)


def test_pre_commit_config_is_valid():
    done = subprocess.run([str(BIN / "pre-commit"), "validate-config", ".pre-commit-config.yaml"],
                          cwd=REPO, text=True, capture_output=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_pre_commit_hooks_format_and_validate(repo_copy, tmp_path):
    assert pre_commit(repo_copy, tmp_path, "run", "--all-files").returncode == 0

    studies = repo_copy / "data" / "studies.csv"
    header, *rows = studies.read_text("utf-8").splitlines()
    index = next(i for i, row in enumerate(rows) if ",peer-reviewed," in row)
    rows[index] = rows[index].replace(",peer-reviewed,", ",peer reviewed,", 1)
    studies.write_text("\n".join([header, *reversed(rows)]) + "\n", encoding="utf-8")
    done = pre_commit(repo_copy, tmp_path, "run", "--all-files")
    assert done.returncode != 0
    assert "data/studies.csv: reformatted" in done.stdout, done.stdout
    assert re.search(r"data/studies\.csv:\d+: source_type: unknown code \"peer reviewed\"", done.stdout), \
        done.stdout
