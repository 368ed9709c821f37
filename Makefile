# coachcare: the two commands a user needs are `make demo` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
MANAGE := $(PY) manage.py
# Python 3.12+ (.python-version pins 3.13): the first suitable interpreter on PATH.
PYTHON_BOOTSTRAP ?= $(shell for p in python3.13 python3.12 python3; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then command -v $$p; break; fi; done)
PG_URL ?= postgres://postgres@127.0.0.1:5432/coachcare
PYTEST_WORKERS ?= auto

.PHONY: help demo test lint typecheck migrations-check test-unit test-postgres test-browser check-deploy messages vendor-static clean serve-prod backup restore

help:
	@echo "make demo          create the virtualenv, migrate SQLite, load demo data, serve on http://127.0.0.1:8000"
	@echo "make test          lint, type check, migrations check and the whole test suite (SQLite)"
	@echo "make test-postgres the test suite against PostgreSQL (PG_URL=$(PG_URL))"
	@echo "make test-browser  browser tests in Debian's Chromium with axe accessibility checks"
	@echo "make check-deploy  Django's deployment checks with production settings"
	@echo "make serve-prod    gunicorn + task worker on PostgreSQL (docs/operations.md)"
	@echo "make backup        back up the database (BACKUP=file); make restore BACKUP=file [CONFIRM=yes]"
	@echo "make lint          ruff lint and format check, mypy; make typecheck: mypy only"
	@echo "make migrations-check  makemigrations --check; make test-unit: pytest only"
	@echo "make loadtest      Locust against make serve-prod on LOAD_DB (127.0.0.1, bounded; docs/performance.md)"
	@echo "make fault-test    PostgreSQL restart and killed task worker under load (restarts FAULT_PG_CLUSTER)"
	@echo "make cluster-test  two app nodes (network namespaces) behind HAProxy, one killed under load (root)"
	@echo "make footprint     memory per gunicorn/task worker under load and start-up time of make serve-prod"
	@echo "make messages      refresh and compile the Dutch and English translations"
	@echo "make vendor-static refresh the vendored NL Design System CSS and htmx (needs npm)"
	@echo "make clean         remove the virtualenv and var/ (the SQLite database and backups too)"

$(VENV)/.base-installed: requirements/base.txt
	@test -n "$(PYTHON_BOOTSTRAP)" || { echo "Python 3.12 or newer is needed (python3.13 recommended)."; exit 1; }
	test -x $(PY) || $(PYTHON_BOOTSTRAP) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements/base.txt
	touch $@

$(VENV)/.dev-installed: $(VENV)/.base-installed requirements/dev.txt
	$(PIP) install --quiet -r requirements/dev.txt
	touch $@

demo: $(VENV)/.base-installed
	mkdir -p var
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	@echo "Demo accounts: see README.md. Serving on http://127.0.0.1:8000"
	$(MANAGE) runserver 127.0.0.1:8000

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy src tests

typecheck: $(VENV)/.dev-installed
	$(VENV)/bin/mypy src tests

migrations-check: $(VENV)/.dev-installed
	DJANGO_SETTINGS_MODULE=coachcare.conf.test $(MANAGE) makemigrations --check --dry-run

test-unit: $(VENV)/.dev-installed
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS) -q

test: lint migrations-check test-unit

test-postgres: $(VENV)/.dev-installed
	DATABASE_URL=$(PG_URL) $(VENV)/bin/pytest -n $(PYTEST_WORKERS) -q

test-browser: $(VENV)/.dev-installed
	@test -x /usr/bin/chromium || { echo "Debian's Chromium is needed: apt-get install chromium"; exit 1; }
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(VENV)/bin/pytest -m browser -p no:xdist -q

check-deploy: $(VENV)/.base-installed
	DJANGO_SETTINGS_MODULE=coachcare.conf.production \
	SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))')" \
	COACHCARE_ENCRYPTION_KEYS="$$($(PY) -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
	COACHCARE_HASH_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(32))')" \
	ALLOWED_HOSTS=coachcare.example.nl \
	$(MANAGE) check --deploy --fail-level WARNING

serve-prod: $(VENV)/.base-installed
	bash scripts/serve-prod.sh

# Back up the database of DATABASE_URL (default: the SQLite file) to var/backups/ or BACKUP=file.
backup: $(VENV)/.base-installed
	$(MANAGE) backup $(if $(BACKUP),--out $(BACKUP),)

# Replace the database's contents with BACKUP=file (asks for confirmation; CONFIRM=yes skips it).
restore: $(VENV)/.base-installed
	@test -n "$(BACKUP)" || { echo "Name the backup: make restore BACKUP=var/backups/<file>"; exit 2; }
	$(MANAGE) restore $(BACKUP) $(if $(filter yes,$(CONFIRM)),--yes,)

messages: $(VENV)/.base-installed
	cd src/coachcare && ../../$(PY) ../../manage.py makemessages -l nl -l en --no-obsolete --ignore 'static/*'
	cd src/coachcare && ../../$(PY) ../../manage.py compilemessages

vendor-static:
	bash scripts/vendor-static.sh

clean:
	rm -rf $(VENV) $(LOAD_VENV) var .pytest_cache .mypy_cache .ruff_cache

# --- Load and fault tests (docs/performance.md) ----------------------------------------------------
# Locust lives in its own virtualenv: it brings gevent, Flask and requests, which the app must not import.
LOAD_VENV ?= .venv-load
LOAD_DB ?= postgres://postgres@127.0.0.1:5432/coachcare_national
LOAD_USERS ?= 60
LOAD_SPAWN_RATE ?= 2
LOAD_TIME ?= 5m
LOAD_RPS ?= 220
LOAD_PORT ?= 8000
LOAD_WORKERS ?=
LOAD_MIX ?= day
FAULT_DB ?= postgres://postgres@127.0.0.1:5432/coachcare_fault
FAULT_PG_CLUSTER ?= 15 main

.PHONY: loadtest fault-test cluster-test footprint

$(LOAD_VENV)/.load-installed: requirements/load.txt
	@test -n "$(PYTHON_BOOTSTRAP)" || { echo "Python 3.12 or newer is needed (python3.13 recommended)."; exit 1; }
	test -x $(LOAD_VENV)/bin/python || $(PYTHON_BOOTSTRAP) -m venv $(LOAD_VENV)
	$(LOAD_VENV)/bin/pip install --quiet --upgrade pip
	$(LOAD_VENV)/bin/pip install --quiet -r requirements/load.txt
	touch $@

# Locust, headless, against `make serve-prod` on LOAD_DB (127.0.0.1 only, bounded); prints the figures.
loadtest: $(VENV)/.base-installed $(LOAD_VENV)/.load-installed
	LOAD_DB=$(LOAD_DB) LOAD_USERS=$(LOAD_USERS) LOAD_SPAWN_RATE=$(LOAD_SPAWN_RATE) LOAD_TIME=$(LOAD_TIME) \
	LOAD_RPS=$(LOAD_RPS) LOAD_PORT=$(LOAD_PORT) LOAD_WORKERS=$(LOAD_WORKERS) LOAD_VENV=$(LOAD_VENV) LOAD_MIX=$(LOAD_MIX) \
	$(PY) loadtest/run.py

# Faults: a PostgreSQL restart under load (clean 503s, no partial writes, recovery) and a task worker
# killed during the declaration run (requeued, declared once). Uses a scratch database FAULT_DB.
fault-test: $(VENV)/.dev-installed
	FAULT_DB=$(FAULT_DB) FAULT_PG_CLUSTER="$(FAULT_PG_CLUSTER)" LOAD_PORT=$(LOAD_PORT) $(PY) loadtest/faults.py

# Two app nodes, each in its own network namespace with its own gunicorn and task worker, behind
# HAProxy, sharing PostgreSQL and Redis; sessions, cache, poll and tasks across nodes, then node a is
# killed under load. Needs root; installs HAProxy with apt-get when missing. docs/operations.md.
CLUSTER_DB ?= postgres://postgres@127.0.0.1:5432/coachcare_cluster
cluster-test: $(VENV)/.base-installed $(LOAD_VENV)/.load-installed
	@command -v haproxy >/dev/null || apt-get install -y -q haproxy
	CLUSTER_DB=$(CLUSTER_DB) LOAD_VENV=$(LOAD_VENV) $(PY) loadtest/cluster.py

# Resident memory per gunicorn worker and per task worker under load, and the time from
# `scripts/serve-prod.sh` to /readyz 200: make serve-prod on a scratch database under Locust.
FOOTPRINT_DB ?= postgres://postgres@127.0.0.1:5432/coachcare_footprint
footprint: $(VENV)/.base-installed $(LOAD_VENV)/.load-installed
	FOOTPRINT_DB=$(FOOTPRINT_DB) LOAD_VENV=$(LOAD_VENV) $(PY) loadtest/footprint.py
