# One entry point. `make build` and `make test` create the isolated environment (.venv) and
# install the pinned requirements first when needed.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.PHONY: build test install validate format release export bench serve clean lock pdf watch screen

build: $(STAMP)  ## strict build of the site into _build/html
	$(BIN)/jb build -W -n --keep-going .

pdf: build       ## the whole book as one PDF (charts drawn as images), also offered in _build/html
	$(BIN)/python scripts/build_pdf.py

test: $(STAMP)   ## the whole test suite (real builds, validator, headless Chromium)
	$(BIN)/python -m pytest

install: $(STAMP) ## create .venv with the pinned requirements (the other targets do it when needed)

validate: $(STAMP) ## check data/ and refs.bib: every problem as file:line: column: message
	$(BIN)/python -m evidence validate

format: $(STAMP)  ## rewrite the evidence tables in canonical form (one line per row in diffs)
	$(BIN)/python -m evidence format

release: $(STAMP) ## cut a release: make release VERSION=X.Y.Z (snapshot, CITATION.cff, changelog)
	@test -n "$(VERSION)" || { echo "usage: make release VERSION=X.Y.Z" >&2; exit 2; }
	$(BIN)/python -m evidence release $(VERSION)

export: $(STAMP)  ## write the downloads into dist/
	$(BIN)/python -m evidence export --out dist

watch: $(STAMP)   ## run the saved queries (ClinicalTrials.gov, PubMed); queue what is new in data/queue.csv
	$(BIN)/python -m evidence watch

screen: $(STAMP)  ## decide on a queued record: make screen ARGS="pmid:41234567 --decision excluded --reason review"
	@test -n "$(ARGS)" || { echo 'usage: make screen ARGS="RECORD --decision included|excluded [--reason CODE] | NCT... --accept"' >&2; exit 2; }
	$(BIN)/python -m evidence screen $(ARGS)

bench: $(STAMP)   ## all benchmarks; prints the figures, writes benchmarks/results.md (BENCH="--only builds" for a part)
	$(BIN)/python -m evidence bench $(BENCH)

serve:           ## view the built site at http://127.0.0.1:8000
	$(PYTHON) -m http.server --directory _build/html --bind 127.0.0.1 8000

clean:           ## remove the built site and the execution cache
	rm -rf _build

lock: $(STAMP)   ## re-pin constraints.txt after editing requirements.txt
	{ sed -n '1,2p' constraints.txt; $(BIN)/pip freeze --exclude-editable; } > constraints.txt.new
	mv constraints.txt.new constraints.txt

$(STAMP): requirements.txt constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip check
	touch $(STAMP)
