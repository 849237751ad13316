"""Stage 3, the watch: the registry and literature watch of the living review. May import
the data and validation stages, never a later one. Its modules:

- `config`  — watch.yml (identification, politeness, retries), NCBI_API_KEY, saved queries
- `clients` — ClinicalTrials.gov API v2 (httpx) and PubMed (Bio.Entrez); the only network code
- `records` — what each API's documented response says, as found records and trial states
- `diff`    — what is new (against screening.csv, refs.bib, trials.csv) and what changed;
              which record is which lives in `evidence.data.records`
- `queue`   — rows of data/queue.csv and data/watch_runs.csv; idempotent merging
- `store`   — validated, all-or-nothing writing of the tables
- `run`     — `python -m evidence watch`
- `screen`  — `python -m evidence screen`: a curator's decision on a queued record

Elsewhere: the validator's checks of the queue are `evidence.validate.queue`; what the book
shows (the saved queries in Methods, the last run on What's new) is `evidence.present.watch`.

The watch never decides: it queues; a curator screens.
"""
