# The two commands of the README: `make demo` and `make test`. Each creates .venv if missing and
# installs the project into it first, so they work on a fresh machine with nothing but Python.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_WORKERS ?= 2

.PHONY: demo test lint typecheck pytest bench clean venv browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/fanbridge demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy bridge storage adapters emulators bench

# The browser tests drive Debian's chromium (never a downloaded browser): installed with apt
# when missing (as root, or through sudo).
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

browser:
	@[ -x $(CHROMIUM) ] || { echo "installing Debian's chromium for the browser tests"; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# The store, worker and PostgreSQL tests also run when a PostgreSQL answers here with a database
# `test` (as in CI); FANBRIDGE_TEST_POSTGRES_URL given (even empty) decides instead.
LOCAL_POSTGRES := postgresql://postgres@127.0.0.1:5432/test
FOUND_POSTGRES = $$(psql "$(LOCAL_POSTGRES)" -tAc 'SELECT 1' >/dev/null 2>&1 && echo $(LOCAL_POSTGRES))

pytest: $(STAMP) browser
	FANBRIDGE_TEST_POSTGRES_URL="$${FANBRIDGE_TEST_POSTGRES_URL-$(FOUND_POSTGRES)}" \
	  $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile

test: lint typecheck pytest

bench: $(STAMP)
	$(BIN)/python -m bench.relay

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache *.egg-info
