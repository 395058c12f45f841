# Two entry points do all set-up on a fresh machine with Python 3.11:
#   make demo   — simulate, ingest and report on the embedded database
#   make test   — lint and the whole test suite (installs ngircd and chromium when root)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench system-deps clean docs

$(BIN)/.installed: pyproject.toml setup.py $(wildcard src/scenewatch/names/*.py src/scenewatch/names/*.pxd)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,web,live,scale,bench]' 2>&1 | grep -v '^WARNING: Location' || true
	$(BIN)/python -c 'import scenewatch, duckdb, ibis, fastapi'
	touch $@

demo: $(BIN)/.installed
	$(BIN)/scenewatch demo

system-deps:
	bash scripts/system-deps.sh

lint: $(BIN)/.installed
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python scripts/cli_docs.py --check

test: $(BIN)/.installed system-deps lint
	$(BIN)/pytest

bench: $(BIN)/.installed
	$(BIN)/python benchmarks/run_all.py

docs: $(BIN)/.installed
	$(BIN)/python scripts/cli_docs.py

clean:
	rm -rf $(VENV) scenewatch-demo test-artifacts .pytest_cache
