# Two commands do all the set-up: `make run` and `make test`.
# The virtualenv and node_modules are (re)installed only when their inputs change.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup run test lint format openapi openapi-check demo screenshots bench clean

setup: $(VENV)/.installed node_modules/.installed

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

run: setup
	$(BIN)/ipledger serve

test: setup
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The OpenAPI document in docs/ is generated from the code; CI fails if it is stale.
openapi: setup
	$(BIN)/ipledger openapi docs/openapi.json

openapi-check: setup
	$(BIN)/ipledger openapi docs/openapi.json --check

# The Sino-German scenario end to end over the API of a fresh `ipledger serve` (docs/demo.md).
demo: setup
	$(BIN)/ipledger demo

# The audit view's screenshots in docs/img (the demo, served, photographed in /usr/bin/chromium).
screenshots: setup
	$(BIN)/python scripts/audit_screenshots.py --out docs/img

bench: setup
	$(BIN)/python scripts/bench.py compile
	$(BIN)/python scripts/bench.py replay
	$(BIN)/python scripts/bench.py gas
	$(BIN)/python scripts/bench.py engine
	$(BIN)/python scripts/bench.py snapshots
	$(BIN)/python scripts/bench.py api
	$(BIN)/python scripts/bench.py simulate

clean:
	rm -rf $(VENV) node_modules .ipledger .pytest_cache .ruff_cache
