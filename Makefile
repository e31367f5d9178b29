# AI Mass: the two commands are `make demo` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_WS ?= demo-workspace
DEMO_CUSTOMERS ?= 20000
DEMO_SEED ?= 0
DEMO_API_PORT ?= 8765
export AIMASS_PORT ?= 8000

.PHONY: demo demo-batch demo-serve test lint typecheck pytest install install-dev debian-deps bench clean help

help:
	@echo "make demo        build the demo workspace, run the whole pipeline, serve dashboard + API on :$(AIMASS_PORT)"
	@echo "make demo-batch  the same without serving"
	@echo "make test        install dev dependencies, lint, type-check and run the whole test suite"
	@echo "make bench       run the side-by-side benchmarks in bench/"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamp files: reinstall only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Debian packages the tests need, installed only when running as root on Debian.
debian-deps:
	@bash scripts/install-debian-deps

demo-batch: install
	$(BIN)/aimass demo generate --path $(DEMO_WS) --customers $(DEMO_CUSTOMERS) --seed $(DEMO_SEED) --force
	@set -euo pipefail; \
	export AIMASS_DEMO_API=http://127.0.0.1:$(DEMO_API_PORT); \
	$(BIN)/aimass demo api --path $(DEMO_WS) --port $(DEMO_API_PORT) > $(DEMO_WS)/demo-api.log 2>&1 & api_pid=$$!; \
	trap 'kill $$api_pid 2>/dev/null || true' EXIT; \
	$(BIN)/python scripts/wait_http.py "$$AIMASS_DEMO_API/health" 30; \
	$(BIN)/aimass run --all --workspace $(DEMO_WS)
	$(BIN)/aimass demo check --workspace $(DEMO_WS)

demo: demo-batch demo-serve

demo-serve: install
	@$(BIN)/aimass keys create --scope admin --name demo --workspace $(DEMO_WS)
	$(BIN)/aimass serve --workspace $(DEMO_WS)

lint: install-dev
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts

typecheck: install-dev
	$(BIN)/mypy src

pytest: install-dev
	$(BIN)/python -m pytest

test: install-dev debian-deps lint typecheck pytest

bench: install-dev
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(DEMO_WS) .mypy_cache .ruff_cache .pytest_cache
