# The two commands a newcomer needs: `make run` and `make test`.
# Both install into .venv (in this folder) first, whenever pyproject.toml or requirements.lock
# changes: the exact versions in requirements.lock, then this project without its dependencies.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install lock run test test-faults check lint types bench clean

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# requirements.lock: every package `pip install -e '.[dev]'` brings on Python 3.11, at one
# version each, with hashes; pyproject.toml keeps the ranges, for the packages' library users.
# `make lock` writes it again after a change to the dependencies in pyproject.toml, keeping
# the versions already locked where they still fit (`make lock LOCK_FLAGS=--upgrade` takes
# the newest releases). It runs, with uv from a throwaway venv (so `make test` never needs it):
#   uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes \
#       --output-file requirements.lock
UV_VERSION := 0.13.9
LOCK_FLAGS ?=

lock:
	tool=$$(mktemp -d) && trap 'rm -rf "$$tool"' EXIT && \
	$(PYTHON) -m venv "$$tool" && \
	"$$tool/bin/python" -m pip install --quiet uv==$(UV_VERSION) && \
	"$$tool/bin/uv" pip compile --quiet pyproject.toml --extra dev --python-version 3.11 \
		--generate-hashes --custom-compile-command 'make lock' $(LOCK_FLAGS) \
		--output-file requirements.lock

run: $(STAMP)
	$(BIN)/datastore run

# The whole suite. Catalogue tests run against SQLite and against the PostgreSQL named
# here (skipped if it is not answering, except in CI, which requires it).
DATASTORE_TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
export DATASTORE_TEST_POSTGRES_URL

# The browser tests inject axe-core (an npm package, tests/browser/package-lock.json) into
# each page; without npm they are skipped with a message, as they are without Chromium.
AXE := tests/browser/node_modules/axe-core/axe.min.js

$(AXE): tests/browser/package.json tests/browser/package-lock.json
	if command -v npm >/dev/null; then npm ci --prefix tests/browser --silent --no-audit --no-fund; \
	else echo "npm not found: the browser tests will be skipped"; fi

# The suite runs in TEST_WORKERS processes (pytest-xdist; each test has its own data folder,
# PostgreSQL schema and port, so they never meet); TEST_WORKERS=0 runs it in one. A module's
# tests stay on one worker (--dist loadfile): a journey's steps carry on from each other.
TEST_WORKERS ?= 2

test: $(STAMP) $(AXE)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

# The fault tests of a scaled-out site (kill -9 an app process or a worker mid-upload,
# restart PostgreSQL), one at a time and after the suite, as they start servers of their own.
test-faults: $(STAMP)
	$(BIN)/python -m pytest -m faults

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(STAMP)
	$(BIN)/mypy

check: lint types test

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
