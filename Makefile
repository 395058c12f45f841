# Two entry points do all set-up on a fresh machine with Python 3.11:
#   make demo   — simulate, ingest and report on the embedded database
#   make test   — lint and the whole test suite (installs ngircd and chromium when root)
# Both install the exact versions in requirements.lock; `make lock` regenerates it from pyproject.toml, and
# `make test-latest` runs the suite once more on the newest versions pyproject.toml allows (CI does both).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
LATEST := .venv-latest
EXTRAS := test,web,live,scale,bench
UV_VERSION := 0.13.9

.PHONY: demo test test-latest lint bench system-deps clean docs lock screenshots

# The lock holds the build tools too, so the compiled parser is built by the locked Cython (no build isolation).
$(BIN)/.installed: pyproject.toml setup.py requirements.lock $(wildcard src/scenewatch/names/*.py src/scenewatch/names/*.pxd)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.lock 2>&1 | grep -v '^WARNING: Location' || true
	$(BIN)/pip install -q --no-deps --no-build-isolation -e . 2>&1 | grep -v '^WARNING: Location' || true
	$(BIN)/python -c 'import scenewatch, duckdb, ibis, fastapi'
	touch $@

demo: $(BIN)/.installed
	$(BIN)/scenewatch demo

system-deps:
	bash scripts/system-deps.sh

# docs/dashboard.png (the event page) and docs/report.png for the README: on the real slice when its dumps are in
# ../shared/data (or REAL_STORE=PATH names a store of it), else on the demo's simulated store.
screenshots: $(BIN)/.installed
	$(BIN)/python scripts/screenshots.py $(if $(REAL_STORE),--store $(REAL_STORE))

lint: $(BIN)/.installed
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/python scripts/cli_docs.py --check

test: $(BIN)/.installed system-deps lint
	$(BIN)/pytest

# A second environment resolved afresh to the newest releases pyproject.toml allows: a breaking release of a
# dependency shows up here as a failing run before a user meets it.
test-latest: system-deps
	rm -rf $(LATEST)
	$(PYTHON) -m venv $(LATEST)
	$(LATEST)/bin/pip install -q --upgrade pip
	$(LATEST)/bin/pip install -q --upgrade --upgrade-strategy eager -e '.[$(EXTRAS)]' 2>&1 | grep -v '^WARNING: Location' || true
	$(LATEST)/bin/python scripts/versions.py
	$(LATEST)/bin/pytest -p no:cacheprovider

# uv resolves for Python 3.11 on x86-64 Linux whatever machine runs this; it lives in a throwaway venv.
lock:
	$(PYTHON) -m venv build/lock-venv
	build/lock-venv/bin/pip install -q uv==$(UV_VERSION)
	$(PYTHON) scripts/versions.py --build-requires > build/build-requires.in
	build/lock-venv/bin/uv pip compile pyproject.toml build/build-requires.in --all-extras --python-version 3.11 \
		--python-platform x86_64-unknown-linux-gnu --annotation-style line \
		--custom-compile-command 'make lock' -o requirements.lock

bench: $(BIN)/.installed
	$(BIN)/python benchmarks/run_all.py

docs: $(BIN)/.installed
	$(BIN)/python scripts/cli_docs.py

clean:
	rm -rf $(VENV) $(LATEST) scenewatch-demo test-artifacts .pytest_cache
