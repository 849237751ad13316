"""The registry and literature watch on recorded responses (tests/watch_responses/, shaped as
each API documents them), through each client's own transport: httpx.MockTransport for
ClinicalTrials.gov, a urllib handler for Bio.Entrez (which opens URLs with urllib). Nothing
in the code under test is patched; expected values are read from the fixtures and data/."""
from __future__ import annotations

import csv
import datetime as dt
import email
import hashlib
import http.client
import io
import json
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import urllib.response
from pathlib import Path

import httpx
import pytest

from evidence.validate import validate
from evidence.watch.config import WatchError
from evidence.watch.run import watch
from evidence.watch.screen import accept, decide

REPO = Path(__file__).resolve().parent.parent
RECORDED = Path(__file__).resolve().parent / "watch_responses"
TODAY = dt.date(2026, 12, 7)
CONFIG = ("email: watch-tests@example.invalid\ntool: evidence-tests\ntimeout_seconds: 5\n"
          "retries: 1\nretry_wait_seconds: 0\nctgov_requests_per_minute: 100000\noverlap_days: 14\n")


@pytest.fixture
def book(data_copy) -> Path:
    (data_copy / "watch.yml").write_text(CONFIG, encoding="utf-8")
    return data_copy


def rows(root: Path, file: str) -> list[dict]:
    with (root / "data" / file).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def fingerprint(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


class CtGov:
    """The ClinicalTrials.gov API as recorded: saved-query searches page by pageToken, the
    look-up of the tracked trials (filter.ids) answers with ctgov-tracked.json."""

    def __init__(self):
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        assert request.url.host == "clinicaltrials.gov" and request.url.path == "/api/v2/studies"
        params = request.url.params
        if "filter.ids" in params:
            name = "ctgov-tracked.json"
        else:
            name = "ctgov-search-page2.json" if params.get("pageToken") == "FIXTURE_PAGE_2" \
                else "ctgov-search-page1.json"
        return httpx.Response(200, content=(RECORDED / name).read_bytes(),
                              headers={"Content-Type": "application/json"})


class RecordedEutils(urllib.request.HTTPSHandler):
    """Replaces urllib's HTTPS handler: answers E-utilities requests from the recordings, so
    no request can leave the machine. `down=True` stands for no network."""

    def __init__(self, down: bool = False):
        super().__init__()
        self.down = down
        self.urls: list[str] = []

    def https_open(self, request):
        url = request.full_url
        self.urls.append(url + ("?" + request.data.decode() if request.data else ""))
        if self.down:
            raise urllib.error.URLError("Temporary failure in name resolution")
        path = urllib.parse.urlsplit(url).path
        name = {"/entrez/eutils/esearch.fcgi": "pubmed-esearch.xml",
                "/entrez/eutils/esummary.fcgi": "pubmed-esummary.xml"}[path]
        headers = email.message_from_string("Content-Type: text/xml; charset=UTF-8\n",
                                            _class=http.client.HTTPMessage)
        response = urllib.response.addinfourl(io.BytesIO((RECORDED / name).read_bytes()),
                                              headers, url, 200)
        response.msg = "OK"   # as http.client's response has it (urllib's error check reads it)
        return response


@pytest.fixture
def eutils():
    handler = RecordedEutils()
    urllib.request.install_opener(urllib.request.build_opener(handler))
    yield handler
    urllib.request.install_opener(None)


def run(root: Path, ctgov=None, today=TODAY):
    return watch(root, today=today, ctgov_transport=httpx.MockTransport(ctgov or CtGov()))


def test_new_records_are_queued_and_known_ones_are_not(book, eutils):
    ctgov = CtGov()
    run(book, ctgov)
    queue = {row["queue_id"]: row for row in rows(book, "queue.csv")}
    # new: the fictional PMID and both fictional trials, the second from the second page
    assert {"pmid:99000001", "nct:NCT09900001", "nct:NCT09900002"} <= queue.keys()
    assert any(r.url.params.get("pageToken") == "FIXTURE_PAGE_2" for r in ctgov.requests)
    # known: PMID in screening.csv, DOI in refs.bib, a trial of trials.csv
    assert "pmid:29719400" not in queue and "pmid:99000002" not in queue
    assert "nct:NCT03605238" not in queue
    new = queue["pmid:99000001"]
    assert new["identifier"] == "pmid:99000001; doi:10.5555/fixture.2026.1"
    assert new["record_date"] == "2026-12-03" and new["found_on"] == TODAY.isoformat()
    assert new["url"] == "https://pubmed.ncbi.nlm.nih.gov/99000001/"
    queries = {row["query_id"]: row["source"] for row in rows(book, "watch_queries.csv")}
    assert queries[new["query_id"]] == "pubmed"
    assert queries[queue["nct:NCT09900001"]["query_id"]] == "clinicaltrials-gov"
    # identification and the date window were sent (PubMed from the evidence cut-off)
    cutoff = json.loads((book / "data" / "datapackage.json").read_text("utf-8"))["evidence_cutoff"]
    search = next(u for u in eutils.urls if "esearch.fcgi" in u)
    sent = urllib.parse.parse_qs(urllib.parse.urlsplit(search).query or search.split("?", 2)[-1])
    assert sent["email"] == ["watch-tests@example.invalid"] and sent["tool"] == ["evidence-tests"]
    assert sent["mindate"] == [cutoff.replace("-", "/")] and sent["usehistory"] == ["y"]
    assert "watch-tests@example.invalid" in ctgov.requests[0].headers["User-Agent"]
    assert validate(book) == []


def test_a_changed_trial_is_queued_with_old_and_new_values(book, eutils):
    run(book)
    trial = next(r for r in rows(book, "trials.csv") if r["registry_id"] == "NCT04146051")
    recorded = json.loads((RECORDED / "ctgov-tracked.json").read_text("utf-8"))["studies"][0]
    status = recorded["protocolSection"]["statusModule"]
    queue = {row["queue_id"]: row for row in rows(book, "queue.csv")}
    change = queue["change:NCT04146051:status"]
    assert (change["old_value"], change["new_value"]) == (trial["status"], "completed")
    assert change["registry_updated_on"] == status["lastUpdatePostDateStruct"]["date"]
    assert change["url"] == "https://clinicaltrials.gov/study/NCT04146051"
    assert queue["change:NCT04146051:enrollment"]["old_value"] == trial["enrollment"]
    assert queue["change:NCT04146051:enrollment"]["new_value"] == "31"
    # the unchanged trial queues nothing
    assert not [q for q in queue if "NCT03605238" in q]


def test_the_watch_edits_no_evidence_and_a_rerun_changes_nothing(book, eutils):
    before = fingerprint(book)
    run(book)
    after_first = fingerprint(book)
    changed = {name for name in after_first if after_first[name] != before.get(name)}
    assert changed == {"data/queue.csv", "data/watch_runs.csv"}
    run(book)
    assert fingerprint(book) == after_first
    assert [r["ran_on"] for r in rows(book, "watch_runs.csv")] == [TODAY.isoformat()]


def test_a_later_run_keeps_queued_rows_and_their_first_date(book, eutils):
    run(book)
    first = {row["queue_id"]: row["found_on"] for row in rows(book, "queue.csv")}
    later = TODAY + dt.timedelta(days=7)
    run(book, today=later)
    again = {row["queue_id"]: row["found_on"] for row in rows(book, "queue.csv")}
    assert again == first
    assert len(rows(book, "watch_runs.csv")) == 2
    search = [u for u in eutils.urls if "esearch.fcgi" in u][-1]
    assert f"mindate={(TODAY - dt.timedelta(days=14)).isoformat().replace('-', '%2F')}" in search


def test_no_network_fails_with_one_line_and_changes_nothing(book):
    handler = RecordedEutils(down=True)
    urllib.request.install_opener(urllib.request.build_opener(handler))
    try:
        def refuse(request):
            raise httpx.ConnectError("Temporary failure in name resolution", request=request)
        before = fingerprint(book)
        with pytest.raises(WatchError, match="ClinicalTrials.gov could not be reached"):
            watch(book, today=TODAY, ctgov_transport=httpx.MockTransport(refuse))
        assert fingerprint(book) == before
        with pytest.raises(WatchError, match="PubMed .* could not be reached"):
            watch(book, today=TODAY, ctgov_transport=httpx.MockTransport(CtGov()))
        assert fingerprint(book) == before
    finally:
        urllib.request.install_opener(None)


def test_the_command_without_network_prints_one_line(book):
    """The real command, its requests sent to a proxy that refuses every connection."""
    before = fingerprint(book)
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "HTTPS_PROXY": "http://127.0.0.1:9",
           "HTTP_PROXY": "http://127.0.0.1:9", "NO_PROXY": ""}
    done = subprocess.run([sys.executable, "-m", "evidence", "watch"], cwd=book, text=True,
                          capture_output=True, timeout=120, env=env)
    assert done.returncode != 0
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "nothing changed" in done.stderr and "could not be reached" in done.stderr
    assert fingerprint(book) == before


def test_the_watch_refuses_to_run_without_an_email(data_copy, monkeypatch):
    monkeypatch.delenv("WATCH_EMAIL", raising=False)
    (data_copy / "watch.yml").write_text("email: ''\n", encoding="utf-8")
    before = fingerprint(data_copy)
    with pytest.raises(WatchError, match="email"):
        watch(data_copy, today=TODAY, ctgov_transport=httpx.MockTransport(CtGov()))
    assert fingerprint(data_copy) == before


def test_the_contact_address_can_come_from_the_environment(data_copy, monkeypatch):
    """The weekly workflow sets WATCH_EMAIL from a repository variable; it wins over the file."""
    from evidence.watch.config import load_settings

    (data_copy / "watch.yml").write_text("email: ''\n", encoding="utf-8")
    monkeypatch.setenv("WATCH_EMAIL", "maintainers@example.invalid")
    assert load_settings(data_copy).email == "maintainers@example.invalid"
    monkeypatch.setenv("WATCH_EMAIL", "not an address")
    with pytest.raises(WatchError, match="WATCH_EMAIL"):
        load_settings(data_copy)


def test_screening_a_record_moves_it_to_the_log(book, eutils):
    run(book)
    queued = next(r for r in rows(book, "queue.csv") if r["queue_id"] == "pmid:99000001")
    query = next(r for r in rows(book, "watch_queries.csv") if r["query_id"] == queued["query_id"])
    decide(book, "99000001", "excluded", "review", "a review without new patients")
    assert "pmid:99000001" not in {r["queue_id"] for r in rows(book, "queue.csv")}
    logged = [r for r in rows(book, "screening.csv") if "pmid:99000001" in r["identifier"]]
    assert len(logged) == 1
    assert logged[0]["query"] == query["term"]
    assert (logged[0]["decision"], logged[0]["reason_code"]) == ("excluded", "review")
    assert (logged[0]["title"], logged[0]["searched_on"]) == (queued["title"], queued["found_on"])
    assert validate(book) == []
    # screened now: the next run does not queue it again
    run(book, today=TODAY + dt.timedelta(days=7))
    assert "pmid:99000001" not in {r["queue_id"] for r in rows(book, "queue.csv")}


def test_accepting_a_change_updates_the_trial(book, eutils):
    run(book)
    changes = {r["field"]: r for r in rows(book, "queue.csv") if r["registry_id"] == "NCT04146051"}
    accept(book, "NCT04146051", today=TODAY)
    trial = next(r for r in rows(book, "trials.csv") if r["registry_id"] == "NCT04146051")
    for field, change in changes.items():
        assert trial[field] == change["new_value"]
    assert trial["status_as_of"] == changes["status"]["registry_updated_on"]
    assert trial["checked_on"] == TODAY.isoformat()
    assert "https://clinicaltrials.gov/study/NCT04146051" in trial["notes"]
    assert not [r for r in rows(book, "queue.csv") if r["registry_id"] == "NCT04146051"]
    assert validate(book) == []


@pytest.mark.parametrize("args", [
    ("pmid:99000001", "--decision", "included"),                       # included names nothing
    ("pmid:99000001", "--decision", "excluded", "--reason", "no-such-reason"),
    ("pmid:99000001", "--decision", "excluded"),                       # no reason
    ("pmid:12345", "--decision", "excluded", "--reason", "review"),    # not queued
    ("NCT03605238", "--accept"),                                       # no queued change
])
def test_bad_screening_input_writes_nothing(book, eutils, args):
    run(book)
    before = fingerprint(book)
    done = subprocess.run([sys.executable, "-m", "evidence", "screen", *args], cwd=book,
                          text=True, capture_output=True, timeout=120,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 1
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert fingerprint(book) == before


def append_queue(root: Path, **cells) -> int:
    path = root / "data" / "queue.csv"
    header = path.read_text("utf-8").splitlines()[0].split(",")
    with path.open("a", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerow([cells.get(c, "") for c in header])
    return len(path.read_text("utf-8").splitlines())


def test_validator_refuses_a_record_both_queued_and_screened(book):
    line = append_queue(book, queue_id="pmid:29719400", kind="new-record", source="pubmed",
                        identifier="pmid:29719400", title="t", query_id="pubmed-products",
                        url="https://pubmed.ncbi.nlm.nih.gov/29719400/", found_on="2026-12-01")
    problems = [str(p) for p in validate(book)]
    assert any(p.startswith(f"data/queue.csv:{line}: identifier: pmid:29719400 is queued and "
                            "already in data/screening.csv") for p in problems), problems


def test_validator_refuses_stale_or_unknown_trial_changes(book):
    trial = next(r for r in rows(book, "trials.csv") if r["registry_id"] == "NCT04146051")
    stale = append_queue(book, queue_id="change:NCT04146051:status", kind="trial-change",
                         source="clinicaltrials-gov", registry_id="NCT04146051", title="t",
                         field="status", old_value="not-" + trial["status"], new_value="completed",
                         registry_updated_on="2026-11-20",
                         url="https://clinicaltrials.gov/study/NCT04146051", found_on="2026-12-01")
    unknown = append_queue(book, queue_id="change:NCT09900009:status", kind="trial-change",
                           source="clinicaltrials-gov", registry_id="NCT09900009", title="t",
                           field="status", new_value="completed", registry_updated_on="2026-11-20",
                           url="https://clinicaltrials.gov/study/NCT09900009", found_on="2026-12-01")
    problems = [(p.line, p.column) for p in validate(book)]
    assert (stale, "old_value") in problems
    assert (unknown, "registry_id") in problems
