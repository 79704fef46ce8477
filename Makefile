# The two set-up commands are `make run` and `make test`; everything else is a helper.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format migrate seed messages bench scale-pages compliance scale-out stop-db clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# The web server, and beside it the task queue's worker (invitation emails, periodic pruning);
# Ctrl-C, or the web server ending, stops both.
run: $(VENV)/.installed
	DEBUG=True $(PY) manage.py migrate --noinput
	DEBUG=True $(PY) manage.py seed_demo
	DEBUG=True $(PY) manage.py procrastinate worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	DEBUG=True $(PY) manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.installed
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: $(VENV)/.installed
	DEBUG=True $(PY) manage.py makemessages --no-obsolete --ignore=.venv --ignore=tests --ignore=bench \
		-l de -l fr -l es -l pt_BR -l ko -l en
	DEBUG=True $(PY) manage.py compilemessages --ignore=.venv

# scim2-tester against the app under gunicorn on 127.0.0.1 (scripts/scim_compliance.py).
compliance: $(VENV)/.installed
	$(PY) scripts/scim_compliance.py $(COMPLIANCE_ARGS)

# Two gunicorn instances against one fresh PostgreSQL database (scripts/scale_out.py): the daily
# limit, uniqueness and token resets hold across processes. SCALE_OUT_ARGS="--redis" shares Redis.
scale-out: $(VENV)/.installed
	$(PY) scripts/scale_out.py $(SCALE_OUT_ARGS)

# The embedded PostgreSQL (.pgdata/, config/database.py) keeps running between commands.
stop-db: $(VENV)/.installed
	$(PY) -c "from config.database import stop_embedded; stop_embedded()"

bench: $(VENV)/.installed
	$(PY) bench/run.py $(BENCH_ARGS)

# The settings page and the admin's lists at 1,000,000 users and 10,000,000 request-log entries
# against 10,000 of each (bench/scale_pages.py; a database of its own, dropped at the end).
scale-pages: $(VENV)/.installed
	$(PY) bench/scale_pages.py $(SCALE_PAGES_ARGS)

clean:
	rm -rf $(VENV) staticfiles test-results .pytest_cache
