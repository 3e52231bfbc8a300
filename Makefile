# Two commands for a fresh machine: `make run` and `make test` (see README.md).
PY      ?= python3.11
VENV    ?= .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 120

.PHONY: setup run test lint bench clean

setup: $(STAMP)

# constraints.txt is the lock: every install goes through it, so nothing can bump numpy past hazm's pin.
$(STAMP): pyproject.toml constraints.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip>=24"
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

run: setup
	$(BIN)/akhbar run data/samples
	$(BIN)/akhbar sql "SELECT agency, count(*) AS articles, count(*) FILTER (WHERE NOT is_canonical) AS duplicates FROM articles GROUP BY agency ORDER BY articles DESC"

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check akhbar flows tests bench scripts

bench: setup
	$(BIN)/python bench/run_bench.py

clean:
	rm -rf warehouse/news.duckdb* warehouse/lake warehouse/reports
