# The two commands of the README, and the few steps they share.
# Each target makes its own virtual environment in .venv and installs what it needs.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app app
# pytest-xdist: one worker per core, a module's tests on one worker (module fixtures start once)
PYTEST := $(BIN)/pytest -rs -n $${TEST_WORKERS:-auto} --dist loadscope

.PHONY: run test test-fast test-postgres lint translations seed clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

translations: $(VENV)/.runtime
	$(BIN)/pybabel compile -d ila_sme/translations 2>&1 | grep -v "^compiling" || true

seed: $(VENV)/.runtime translations
	$(FLASK) db upgrade
	$(FLASK) demo seed

## run: the app on http://127.0.0.1:5000 with SQLite (instance/), demo data, the development register
## (the separate program devregister/, on http://127.0.0.1:5055) and the scheduler (its own process), both stopped with the app
run: seed
	@mkdir -p instance
	$(BIN)/python -m devregister --port 5055 --store $${ILA_INSTANCE_PATH:-instance}/dev-register.sqlite3 & register=$$!; \
	LEDGER_TOKEN=$${LEDGER_TOKEN:-demo-platform-token} $(FLASK) scheduler run & scheduler=$$!; \
	trap 'kill $$register $$scheduler 2>/dev/null' EXIT INT TERM; \
	LEDGER_TOKEN=$${LEDGER_TOKEN:-demo-platform-token} $(FLASK) run --host 127.0.0.1 --port 5000

## test: every test on SQLite; the browser tests run when Chromium is installed (else they are skipped, with the reason)
test: $(VENV)/.dev translations
	$(PYTEST)

## test-fast: the edit loop — everything but the browser tests and the minute-long (slow) ones
test-fast: $(VENV)/.dev translations
	$(PYTEST) -q -m "not slow and not browser"

## test-postgres: the same suite against PostgreSQL (TEST_DATABASE_URL, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test),
## but the browser tests: their live server always serves a SQLite file of its own, so they would only run twice
test-postgres: $(VENV)/.dev translations
	$(BIN)/python scripts/with_fresh_postgres.py $(PYTEST) -m "not browser"

lint: $(VENV)/.dev
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
