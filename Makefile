# helin — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA_DIR ?= data
# CI sets CI=true: every test then must run (no skips for missing tools).
export HELIN_REQUIRE_ALL ?= $(if $(filter true 1,$(CI)),1,0)

.PHONY: run test lint typecheck bench bench-acd bench-media bench-sip bench-calls system-deps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/helin setup --data-dir $(DATA_DIR)
	$(BIN)/helin serve --data-dir $(DATA_DIR)

system-deps:
	sh scripts/system-deps.sh

test: system-deps $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

bench: bench-acd bench-media bench-sip bench-calls

bench-acd: $(STAMP)
	$(BIN)/python -m bench.acd

bench-media: $(STAMP)
	$(BIN)/python -m bench.media

bench-sip: $(STAMP)
	$(BIN)/python -m bench.sip

bench-calls: $(STAMP)
	$(BIN)/python -m bench.calls

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
