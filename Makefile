# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SOURCES := metadata/sources.toml
PY_OK := import sys; sys.exit(sys.version_info < (3, 11))

# The real inputs (metadata snapshots, the seed page): ../shared beside the checkout, or the
# folder named by GRAPH_MODELS_SHARED. Everything runs without them, on the embedded pages.
SHARED := $(or $(GRAPH_MODELS_SHARED),../shared)
export GRAPH_MODELS_SHARED := $(abspath $(SHARED))
SEED := $(SHARED)/seeds/000_07ddc1617f89e2b3.txt

.PHONY: run test fast lint typecheck typecheck-whole unit generate check-generated regen metadata metadata-live bench clean

# A .venv whose Python is gone or too old (an interrupted first run, a removed interpreter) is
# rebuilt, not trusted because its stamp is newer than pyproject.toml.
ifneq ($(wildcard $(STAMP)),)
ifneq ($(shell $(PY) -c '$(PY_OK)' >/dev/null 2>&1 && echo ok),ok)
$(info note: $(VENV) is broken or its Python is older than 3.11; rebuilding it)
$(shell rm -rf $(VENV))
endif
endif

$(STAMP): pyproject.toml
	@$(PYTHON) -c '$(PY_OK)' 2>/dev/null || { \
		echo "error: Python 3.11 or later is needed; '$(PYTHON)' is $$($(PYTHON) --version 2>&1)." \
		"Run e.g. 'make PYTHON=python3.12 ...'" >&2; exit 2; }
	@if [ -d $(VENV) ] && ! $(PY) -c '$(PY_OK)' >/dev/null 2>&1; then rm -rf $(VENV); fi
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The main job. With the real inputs: refuse a pinned input whose sha256 differs, regenerate
# when the pins changed, report on the seed page. Always: report on the embedded example pages
# (every documented calls scenario). A report exits 1 when a page has errors (the embedded pages
# keep a few on purpose; the seed page has two); only a failure to produce a report (exit 2 and
# up) fails the job.
run: $(STAMP)
	@if [ -d "$(SHARED)/metadata" ]; then \
		$(PY) -m codegen sources --config $(SOURCES) && \
		$(PY) -m codegen generate --config $(SOURCES) --if-changed; \
	else \
		echo "note: $(SHARED) is absent: generated/ is used as committed, not checked against" \
			"the pinned inputs (see metadata/sources.toml; GRAPH_MODELS_SHARED names another folder)"; \
	fi
	$(PY) -m runtime models
	$(PY) -m runtime examples --embedded || test $$? -eq 1
	@if [ -f "$(SEED)" ]; then \
		echo "$(PY) -m runtime examples $(SEED)"; \
		$(PY) -m runtime examples $(SEED) || test $$? -eq 1; \
	fi

test: lint typecheck unit

lint: $(STAMP)
	$(VENV)/bin/ruff check codegen runtime tests benchmarks examples setup.py
	$(VENV)/bin/ruff format --check codegen runtime tests benchmarks examples setup.py

typecheck: $(STAMP)
	$(VENV)/bin/mypy

# mypy --strict over a package generated from one whole real document (today's v1.0): too slow
# for every CI run; `make typecheck` covers the committed packages.
WHOLE ?= $(SHARED)/metadata/graph-v1.0-2026-08-03.xml
typecheck-whole: $(STAMP)
	@d=$$(mktemp -d) && trap 'rm -rf "$$d"' EXIT && \
	$(PY) -m codegen generate --metadata $(WHOLE) --out "$$d/whole" --package whole && \
	cd "$$d" && $(abspath $(VENV))/bin/mypy --strict --cache-dir "$$d/.mypy" whole

unit: $(STAMP)
	$(VENV)/bin/pytest -q

# The fast loop: everything but the tests marked slow.
fast: $(STAMP)
	$(VENV)/bin/pytest -q -m "not slow"

# Rebuild every committed package of generated/ (one per API version) from the pinned inputs;
# `make generate ONLY=v1_0` rebuilds one.
generate: $(STAMP)
	$(PY) -m codegen generate --config $(SOURCES) $(if $(ONLY),--only $(ONLY))

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
