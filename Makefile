# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SOURCES := metadata/sources.toml

.PHONY: run test lint typecheck unit generate check-generated regen metadata metadata-live bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

SEED := ../shared/seeds/000_07ddc1617f89e2b3.txt

# The main job: regenerate when the pinned inputs changed, then report on every documented example.
# The report exits 1 when the page has errors (it does: that is what it is for); only a failure
# to produce the report (exit 2 and up) fails the job.
run: $(STAMP)
	$(PY) -m codegen generate --config $(SOURCES) --if-changed
	$(PY) -m runtime examples $(SEED) || test $$? -eq 1

test: lint typecheck unit

lint: $(STAMP)
	$(VENV)/bin/ruff check codegen runtime tests benchmarks examples
	$(VENV)/bin/ruff format --check codegen runtime tests benchmarks examples

typecheck: $(STAMP)
	$(VENV)/bin/mypy

unit: $(STAMP)
	$(VENV)/bin/pytest -q

# Rebuild the committed generated/ from the pinned inputs.
generate: $(STAMP)
	$(PY) -m codegen generate --config $(SOURCES)

check-generated: $(STAMP)
	$(PY) -m codegen generate --config $(SOURCES) --check

# Rewrite the golden tree of the generator's tests on purpose (review the diff!).
regen: $(STAMP)
	$(PY) -m tests.golden.regen

# Verify the pinned inputs' sha256; downloads nothing.
metadata: $(STAMP)
	$(PY) -m codegen sources --config $(SOURCES)

# Download today's live $metadata into metadata/live/ (only when asked; needs network).
metadata-live: $(STAMP)
	$(PY) -m codegen sources --config $(SOURCES) --download-live metadata/live

bench: $(STAMP)
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) .venv-bench .pytest_cache .mypy_cache .ruff_cache
