"""The registry and literature watch of the living review, in one sub-package:

- `config`  — watch.yml (identification, politeness, retries), NCBI_API_KEY, saved queries
- `clients` — ClinicalTrials.gov API v2 (httpx) and PubMed (Bio.Entrez); the only network code
- `records` — what each API's documented response says, as found records and trial states
- `diff`    — what is new (against screening.csv, refs.bib, trials.csv) and what changed
- `queue`   — rows of data/queue.csv and data/watch_runs.csv; idempotent merging
- `store`   — validated, all-or-nothing writing of the tables
- `run`     — `python -m evidence watch`
- `screen`  — `python -m evidence screen`: a curator's decision on a queued record
- `checks`  — the validator's checks of the queue and the saved queries
- `status`  — what the book shows: the saved queries (Methods), the last run (What's new)

The watch never decides: it queues; a curator screens.
"""
