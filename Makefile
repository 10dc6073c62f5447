# Two commands on a fresh machine: `make run` and `make test`. Everything else is set up from here.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app portal
STAMP := $(VENV)/.installed

.PHONY: run test bench bench-detail bench-instructions setup tools translations messages migrate seed lint lock clean

# Installs exactly the locked versions, checked against their hashes (requirements.lock, made by `make lock`).
$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q --require-hashes -r requirements.lock
	$(BIN)/pip install -q --no-deps --no-build-isolation -e .
	touch $@

# Re-resolve the lock file from pyproject.toml (after changing dependencies), with hashes.
lock:
	$(BIN)/pip install -q uv
	$(BIN)/uv pip compile --quiet --python-version 3.11 --extra dev --generate-hashes -o requirements.lock pyproject.toml

setup: $(STAMP) translations

# Message catalogues are compiled by the build (the .mo files are not committed).
translations: $(STAMP)
	@$(BIN)/pybabel compile -q -d translations 2>/dev/null || $(BIN)/pybabel compile -d translations

# After changing UI text: extract Danish source strings and merge them into the English catalogue.
messages: $(STAMP)
	$(BIN)/pybabel extract -q -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot . 2>/dev/null || \
	  $(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations -l en --no-fuzzy-matching

migrate: setup
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) demo seed --if-empty

# Migrates, seeds demo data if the database is empty, prints the demo logins and serves on http://127.0.0.1:5000
run: seed
	PORTAL_SCHEDULER_IN_PROCESS=1 $(FLASK) run --host 127.0.0.1 --port 5000

# Debian's chromium, Java, poppler, fonts and vnu-jar for the browser, PDF and HTML tests.
tools:
	bash scripts/ensure-test-tools.sh

# Three legs. Spread over TEST_WORKERS processes (pytest-xdist; a module's tests stay in one process): the whole
# suite on SQLite; the production-path tests again on PostgreSQL (skipped loudly if none answers). Then
# the date leg: the date-sensitive tests again with the clock moved to both clock-change nights and a year ahead
# (its three moments at once, one process each: tests/run_date_leg.py).
# 3 on 2 cores: the browser, PostgreSQL and subprocess tests wait, and a third process uses that time
# (SQLite leg side by side on a quiet machine: 620 s with 2, 526 s with 3).
TEST_WORKERS ?= 3
XDIST = -n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder
test: setup tools
	@$(BIN)/pytest $(XDIST); sqlite=$$?; \
	$(BIN)/python tests/run_postgres_leg.py $(XDIST); postgres=$$?; \
	$(BIN)/python tests/run_date_leg.py; dates=$$?; \
	echo "SQLite leg exit $$sqlite, PostgreSQL leg exit $$postgres, date leg exit $$dates"; \
	[ $$sqlite -eq 0 ] && [ $$postgres -eq 0 ] && [ $$dates -eq 0 ]

bench: setup  ## every goal of issue 19 as one table (QUICK=1: smaller data, a few minutes; PG=1: on PostgreSQL); never part of `make test`
	bash scripts/ensure-bench-tools.sh
	$(BIN)/python -m bench.goals $(if $(QUICK),--quick) $(if $(PG),--pg)

bench-detail: setup  ## the older per-area benchmarks (bench/bench_*.py), JSON in bench/results/<name>.json
	$(BIN)/python -m bench

bench-instructions: setup  ## instructions a request of each goal page, counted under valgrind (BASE=<another tree>: side by side)
	$(BIN)/python -m bench.instructions $(BASE)

lint: setup
	$(BIN)/ruff check portal chatbot scheduling tests bench

clean:
	rm -rf $(VENV) instance/*.sqlite3
