# helin — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# `make run` installs what running helin needs; `make test` (and the benches) add the dev extra.
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
DATA_DIR ?= data
# CI sets CI=true: every test then must run (no skips for missing tools).
export HELIN_REQUIRE_ALL ?= $(if $(filter true 1,$(CI)),1,0)

# HELIN_BUILD picks the build helin runs (src/helin/compiled.py): auto, compiled or pure.
.PHONY: run test compile lint typecheck bench bench-acd bench-media bench-sip bench-calls bench-memory bench-stats bench-recordings bench-reports system-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[compile]'
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP) $@

# mypyc compiles the hot path where a C compiler is present; helin runs pure Python otherwise
run: $(STAMP)
	$(BIN)/python scripts/compile.py --if-possible
	$(BIN)/helin setup --data-dir $(DATA_DIR)
	$(BIN)/helin serve --data-dir $(DATA_DIR)

system-deps:
	sh scripts/system-deps.sh

test: system-deps $(DEV_STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/mypy
	$(BIN)/python scripts/compile.py
	HELIN_BUILD=pure $(BIN)/pytest -q
	HELIN_BUILD=compiled $(BIN)/pytest -q

compile: $(DEV_STAMP)
	$(BIN)/python scripts/compile.py

lint: $(DEV_STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy

bench: bench-acd bench-media bench-sip bench-calls bench-memory bench-stats bench-recordings bench-reports

bench-acd: $(DEV_STAMP)
	$(BIN)/python -m bench.acd

bench-media: $(DEV_STAMP)
	$(BIN)/python -m bench.media

bench-sip: $(DEV_STAMP)
	$(BIN)/python -m bench.sip

bench-calls: $(DEV_STAMP)
	$(BIN)/python -m bench.calls

bench-memory: $(DEV_STAMP)
	$(BIN)/python -m bench.memory

bench-stats: $(DEV_STAMP)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench.stats

bench-recordings: $(DEV_STAMP)
	$(BIN)/python -m bench.recordings

bench-reports: $(DEV_STAMP)
	$(BIN)/python -m bench.reports

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build/mypyc
	find src -name '*.so' -delete
