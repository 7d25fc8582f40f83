# eventhub: the everyday commands. `make run` serves the site with demo data,
# `make test` runs the suite on SQLite and, when DATABASE_URL names
# PostgreSQL, again on PostgreSQL.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SQLITE_URL := sqlite:///$(CURDIR)/db.sqlite3
PYTEST_ARGS ?=
BENCH_ARGS ?=

.PHONY: run worker test test-sqlite test-postgres test-replica lint format check bench bench-smoke mutation lock-mutants clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): $(PY) requirements/base.txt requirements/prod.txt requirements/dev.txt
	$(PY) -m pip install --quiet -r requirements/dev.txt
	touch $(STAMP)

run: $(STAMP)
	DEBUG=1 $(PY) manage.py migrate --no-input
	DEBUG=1 $(PY) manage.py seed_demo
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:8000

# The background worker with the periodic jobs (Celery beat) in the same process: emails,
# reminders, releasing unpaid holds. Needs a broker, e.g.
#   CELERY_BROKER_URL=redis://127.0.0.1:6379/0 make worker   (and the same variable for make run)
# Without one, `make run` sends everything itself and no worker is needed.
worker: $(STAMP)
	@test -n "$$CELERY_BROKER_URL" || { echo "Set CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/0) to run a worker; without it, tasks run inside the site."; exit 1; }
	DEBUG=1 $(VENV)/bin/celery -A eventhub worker --beat --loglevel INFO --concurrency 2

test: $(STAMP)
	$(MAKE) --no-print-directory test-sqlite
	@case "$$DATABASE_URL" in \
	  postgres://*|postgresql://*|pgsql://*) $(MAKE) --no-print-directory test-postgres ;; \
	  *) echo "DATABASE_URL does not name PostgreSQL: the PostgreSQL pass is skipped." ;; \
	esac

test-sqlite: $(STAMP)
	@echo "== tests on SQLite =="
	DATABASE_URL=$(SQLITE_URL) $(PY) -m pytest -m "not postgres" $(PYTEST_ARGS)

test-postgres: $(STAMP)
	@echo "== tests on PostgreSQL =="
	$(PY) -m pytest $(PYTEST_ARGS)

# The browsing and booking tests again with a read replica (DATABASE_REPLICA_URL; .ci/replica starts one).
# Not the browser tests: a fresh browser reading right after the test's own write may rightly see the
# replica's state from just before it (replication lag).
test-replica: $(STAMP)
	@echo "== browsing and booking tests with a read replica =="
	$(PY) -m pytest -m "not browser" eventhub/tests/test_replica_real.py eventhub/tests/test_replica_router.py \
	  events/tests/test_pages*.py events/tests/test_api_events.py bookings/tests/test_concurrency.py $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check: $(STAMP) lint
	DATABASE_URL=$(SQLITE_URL) DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

# Benchmarks: gunicorn and PostgreSQL (BENCH_DATABASE_URL, default eventhub_bench on
# 127.0.0.1); see bench/README.md.
bench: $(STAMP)
	$(PY) -m pip install --quiet -r requirements/bench.txt
	$(PY) -m bench.run $(BENCH_ARGS)

bench-smoke: $(STAMP)
	$(PY) -m pip install --quiet -r requirements/bench.txt
	$(PY) -m bench.run --smoke $(BENCH_ARGS)

# Mutation report (slow; not part of CI): mutmut over the services, locks and models of
# accounts, events and bookings against the fast tests, then every row lock taken away in
# turn against the PostgreSQL race tests. Results: docs/testing.md.
mutation: $(STAMP)
	$(PY) -m pip install --quiet -r requirements/mutation.txt
	DATABASE_URL=$(SQLITE_URL) $(VENV)/bin/mutmut run --max-children 2; \
	  $(VENV)/bin/mutmut results
	$(MAKE) --no-print-directory lock-mutants

lock-mutants: $(STAMP)
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/eventhub} bash .ci/lock-mutants

clean:
	rm -rf $(VENV) staticfiles .test-db.sqlite3* mutants
