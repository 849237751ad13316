"""The two clients of the watch, each on a kept library; everything they fetch is read by
`records`, so the diff never sees HTTP.

- ClinicalTrials.gov API v2 through httpx: `pageSize` and `pageToken` paging, a pause that
  keeps within the documented ~50 requests a minute, a timeout, and retries (with a doubling
  wait) on connection errors, 429 and 5xx. Tests pass an `httpx.MockTransport`.
- PubMed through Biopython's `Bio.Entrez`: esearch with the history server, then esummary in
  batches. Bio.Entrez spaces requests by NCBI's limit (3 a second, 10 with an API key) and
  retries (`max_tries`, `sleep_between_tries`); it sends `email`, `tool` and `api_key`.

Any failure that outlasts the retries becomes one `WatchError` naming the source.
"""
from __future__ import annotations

import contextlib
import socket
import time
import urllib.error
from http.client import HTTPException

import httpx
from Bio import Entrez

from .config import SavedQuery, Settings, WatchError
from .records import Found, RegistryState, ctgov_found, ctgov_state, pubmed_found

CTGOV_STUDIES = "https://clinicaltrials.gov/api/v2/studies"
CTGOV_FIELDS = ",".join(("protocolSection.identificationModule", "protocolSection.statusModule",
                         "protocolSection.designModule"))
CTGOV_PAGE_SIZE = 100
CTGOV_IDS_PER_REQUEST = 100     # keeps the URL short
PUBMED_BATCH = 200              # esummary records per request


class ClinicalTrialsGov:
    def __init__(self, settings: Settings, transport: httpx.BaseTransport | None = None):
        self.settings = settings
        self.interval = 60.0 / settings.ctgov_requests_per_minute
        self._last = 0.0
        self.client = httpx.Client(
            transport=transport, timeout=settings.timeout_seconds, follow_redirects=True,
            headers={"User-Agent": f"{settings.tool} (mailto:{settings.email})",
                     "Accept": "application/json"})

    def close(self) -> None:
        self.client.close()

    def _get(self, params: dict) -> dict:
        wait = self.settings.retry_wait_seconds
        for attempt in range(1, self.settings.retries + 1):
            pause = self._last + self.interval - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            self._last = time.monotonic()
            try:
                response = self.client.get(CTGOV_STUDIES, params=params)
                if response.status_code != 429 and response.status_code < 500:
                    response.raise_for_status()
                    return response.json()
                problem = f"HTTP {response.status_code}"
            except httpx.HTTPStatusError as err:   # 4xx other than 429: a bad query, no retry
                raise WatchError(f"ClinicalTrials.gov refused the request: {err}") from None
            except (httpx.TransportError, ValueError) as err:
                problem = f"{type(err).__name__}: {err}"
            if attempt < self.settings.retries:
                time.sleep(wait)
                wait *= 2
        raise WatchError(f"ClinicalTrials.gov could not be reached after "
                         f"{self.settings.retries} tries ({problem})")

    def _studies(self, params: dict):
        params = {**params, "format": "json", "fields": CTGOV_FIELDS, "pageSize": CTGOV_PAGE_SIZE}
        token = None
        while True:
            page = self._get({**params, **({"pageToken": token} if token else {})})
            yield from page.get("studies", [])
            token = page.get("nextPageToken")
            if not token:
                return

    def search(self, query: SavedQuery) -> list[Found]:
        params = {name: value for name, value in (("query.cond", query.condition),
                                                  ("query.intr", query.intervention),
                                                  ("query.term", query.term)) if value}
        return [ctgov_found(study, query.query_id) for study in self._studies(params)]

    def trials(self, registry_ids: list[str]) -> dict[str, RegistryState]:
        states = {}
        for start in range(0, len(registry_ids), CTGOV_IDS_PER_REQUEST):
            ids = ",".join(registry_ids[start:start + CTGOV_IDS_PER_REQUEST])
            for study in self._studies({"filter.ids": ids}):
                state = ctgov_state(study)
                states[state.registry_id] = state
        return states


@contextlib.contextmanager
def _socket_timeout(seconds: float):
    """Bio.Entrez opens URLs without a timeout of its own: bound every request."""
    before = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(before)


class PubMed:
    def __init__(self, settings: Settings):
        self.settings = settings
        Entrez.email = settings.email
        Entrez.tool = settings.tool
        Entrez.api_key = settings.api_key
        Entrez.max_tries = settings.retries
        Entrez.sleep_between_tries = settings.retry_wait_seconds

    def search(self, query: SavedQuery, since: str, until: str) -> list[Found]:
        """Records of `query` entered in PubMed (Entrez date) from `since` to `until`."""
        try:
            with _socket_timeout(self.settings.timeout_seconds):
                found = Entrez.read(Entrez.esearch(
                    db="pubmed", term=query.term, usehistory="y", retmax=0, datetype="edat",
                    mindate=since.replace("-", "/"), maxdate=until.replace("-", "/")))
                count = int(found["Count"])
                records = []
                for start in range(0, count, PUBMED_BATCH):
                    docsums = Entrez.read(Entrez.esummary(
                        db="pubmed", webenv=found["WebEnv"], query_key=found["QueryKey"],
                        retstart=start, retmax=PUBMED_BATCH))
                    records += [pubmed_found(docsum, query.query_id) for docsum in docsums]
                return records
        except (urllib.error.URLError, HTTPException, OSError) as err:
            reason = getattr(err, "reason", err)
            raise WatchError(f"PubMed (NCBI E-utilities) could not be reached after "
                             f"{self.settings.retries} tries ({reason})") from None
        except (RuntimeError, KeyError, ValueError) as err:   # NCBI error XML, parser errors
            raise WatchError(f"PubMed (NCBI E-utilities) answered something unexpected "
                             f"for {query.query_id}: {err}") from None
