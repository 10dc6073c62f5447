# Two commands on a fresh machine: `make run` and `make test`. Everything else is set up from here.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app portal
STAMP := $(VENV)/.installed

.PHONY: run test bench setup translations migrate seed lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

setup: $(STAMP) translations

# Message catalogues are compiled by the build (the .mo files are not committed).
translations: $(STAMP)
	@$(BIN)/pybabel compile -q -d translations 2>/dev/null || $(BIN)/pybabel compile -d translations

migrate: setup
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) demo seed --if-empty

# Migrates, seeds demo data if the database is empty, prints the demo logins and serves on http://127.0.0.1:5000
run: seed
	PORTAL_SCHEDULER_IN_PROCESS=1 $(FLASK) run --host 127.0.0.1 --port 5000

test: setup
	$(BIN)/pytest

bench: setup
	$(BIN)/python -m bench

lint: setup
	$(BIN)/ruff check portal chatbot scheduling tests bench

clean:
	rm -rf $(VENV) instance/*.sqlite3
