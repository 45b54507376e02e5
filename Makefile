# Manage teacher CPD: `make run` serves a seeded sandbox, `make test` runs the suite.
# Every variable can be overridden, e.g. `make run PORT=9000` or `make test PYTEST_ARGS=-x`.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CPD_ENVIRONMENT ?= sandbox
HOST ?= 127.0.0.1
PORT ?= 8000
TOKENS_FILE ?= var/sandbox-tokens.json
PYTEST_ARGS ?=
FUZZ_EXAMPLES ?= 2000

# Reinstall when the dependencies change or a top-level package appears (the editable
# install only maps the packages that existed when it ran).
INSTALL_INPUTS := pyproject.toml $(wildcard */__init__.py)

.PHONY: setup run test lint fuzz browser

NODE_TOOLS := node_modules/.installed

$(NODE_TOOLS): package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

# The browser tests drive Debian's Chromium through Playwright (never `playwright install`).
# `make test` does not install it: without it those tests are skipped with a notice. `make browser`
# (and .ci/run) install it.
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

browser: $(CHROMIUM)

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium

setup: $(VENV)/.installed

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(INSTALL_INPUTS) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# The fake teacher record API (sandbox-data/teacher-records.csv) runs beside the app, on
# TEACHER_RECORDS_PORT (default 8700, where the app looks outside production), and stops with it.
run: setup $(NODE_TOOLS)
	CPD_ENVIRONMENT=$(CPD_ENVIRONMENT) $(BIN)/cpd migrate
	CPD_ENVIRONMENT=$(CPD_ENVIRONMENT) $(BIN)/cpd reference load
	CPD_ENVIRONMENT=$(CPD_ENVIRONMENT) $(BIN)/cpd seed --tokens-file $(TOKENS_FILE)
	@records_port=$${TEACHER_RECORDS_PORT:-8700}; \
	$(BIN)/cpd fakes teacher-records --host 127.0.0.1 --port $$records_port & fake=$$!; \
	trap 'kill $$fake 2>/dev/null; wait $$fake 2>/dev/null' EXIT INT TERM; \
	CPD_ENVIRONMENT=$(CPD_ENVIRONMENT) TEACHER_RECORD_API_URL=$${TEACHER_RECORD_API_URL:-http://127.0.0.1:$$records_port} \
		CPD_DEV_OUTBOX=$${CPD_DEV_OUTBOX:-1} $(BIN)/cpd serve --host $(HOST) --port $(PORT)

test: setup $(NODE_TOOLS)
	$(BIN)/pytest -q -n auto $(PYTEST_ARGS)

lint: setup $(NODE_TOOLS) check-specs
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@for spec in $(wildcard openapi/*.yaml); do \
		echo "openapi-spec-validator $$spec"; \
		$(BIN)/openapi-spec-validator "$$spec" || exit 1; \
		NO_UPDATE_NOTIFIER=1 REDOCLY_TELEMETRY=off node_modules/.bin/redocly lint --format=summary "$$spec" || exit 1; \
	done

# Published API specs may only change compatibly: compare them with the latest release recorded in
# release-notes/releases.yaml (needs that commit, so not a shallow clone). docs/versioning.md.
.PHONY: check-specs
check-specs: setup
	$(BIN)/cpd release-notes check

fuzz: setup
	CPD_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -q -m fuzz $(PYTEST_ARGS)

# The long forms of the load and crash-safety tests (docs/security.md); CI runs them bounded.
# Crash safety needs PostgreSQL: DATABASE_URL=postgresql+psycopg://… make soak
SOAK_SECONDS ?= 300
.PHONY: soak
soak: setup
	CPD_LOAD_SECONDS=$(SOAK_SECONDS) CPD_CRASH_REQUESTS=400 $(BIN)/pytest -q tests/test_load.py tests/test_crash_safety.py $(PYTEST_ARGS)

# National-scale benchmark (PostgreSQL at 127.0.0.1:5432, Redis optional): seeds 250,000
# participants once into a template database, then measures the production server against
# it and writes docs/benchmarks.md and bench/results/. `make bench BENCH_ARGS=--quick`.
BENCH_ARGS ?=
.PHONY: bench
bench: setup
	$(BIN)/python -m bench.national $(BENCH_ARGS)
