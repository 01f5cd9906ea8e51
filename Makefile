# Minsheng: `make demo` runs the platform with the Suqian demo city; `make test` runs every test.
PYTHON ?= python3
PORT ?= 8000
# Residents in the demo city: 1.0 is about 5 million; 0.01 (about 50,000) starts in well under 2 minutes.
DEMO_SCALE ?= 0.01
# The demo's web server: gunicorn, WEB_WORKERS processes of WEB_THREADS threads each. On the SQLite default a few
# processes with threads serve a demo's users; every connection waits on SQLite's write lock (WAL mode, busy
# timeout) instead of failing, so more processes buy nothing there. On PostgreSQL raise WEB_WORKERS.
WEB_WORKERS ?= 2
WEB_THREADS ?= 4
VENV := .venv
BIN := $(VENV)/bin
export PORT

.PHONY: demo test fuzz test-celery bench loadtest lint check assets install install-dev messages schema clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit("Minsheng needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

assets: node_modules/.package-lock.json
	$(BIN)/python scripts/vendor_assets.py

demo: install assets
	$(BIN)/python scripts/demo_secrets.py var/demo.env
	$(BIN)/python manage.py migrate --no-input --verbosity 0
	$(BIN)/python manage.py load_divisions
	$(BIN)/python manage.py demo_city --scale $(DEMO_SCALE)
	$(BIN)/python manage.py demo_setup
	DEBUG=0 $(BIN)/gunicorn minsheng.wsgi:application --bind 127.0.0.1:$(PORT) --worker-class gthread \
		--workers $(WEB_WORKERS) --threads $(WEB_THREADS) --access-logfile - --log-level warning

test: install-dev assets
	MINSHENG_ENV=test $(BIN)/python -m pytest $(PYTEST_ARGS)

# The API fuzzing alone (tests/test_fuzz_api.py, marker fuzz; `make test` runs it too). FUZZ_EXAMPLES per operation.
fuzz: install-dev assets
	MINSHENG_ENV=test $(BIN)/python -m pytest -m fuzz $(PYTEST_ARGS)

# The payroll tests once more with real Celery workers: needs DATABASE_URL (PostgreSQL) and Redis; the Redis database
# (not 0) is emptied by the tests.
CELERY_TEST_BROKER ?= redis://127.0.0.1:6379/11
test-celery: install-dev assets
	CELERY_BROKER_URL=$(CELERY_TEST_BROKER) MINSHENG_ENV=test $(BIN)/python -m pytest minsheng/payments/tests $(PYTEST_ARGS)

# The load test (loadtest/locustfile.py, docs/benchmarks.md "Load test") against a running server at LOAD_HOST,
# whose database has the demo city and the accounts of `manage.py load_test_users` (same MINSHENG_VAR_DIR).
LOAD_HOST ?= http://127.0.0.1:$(PORT)
LOAD_USERS ?= 50
LOAD_TIME ?= 5m
loadtest: install-dev
	mkdir -p var/loadtest
	$(BIN)/locust -f loadtest/locustfile.py --headless --users $(LOAD_USERS) --spawn-rate 5 --run-time $(LOAD_TIME) \
		--host $(LOAD_HOST) --csv var/loadtest/result --only-summary $(LOAD_ARGS)
	$(BIN)/python loadtest/report.py var/loadtest/result

bench: install-dev
	MINSHENG_ENV=test $(BIN)/python -m benchmarks

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	MINSHENG_ENV=test $(BIN)/mypy minsheng benchmarks tests loadtest

check: install-dev
	MINSHENG_ENV=test $(BIN)/python manage.py check --fail-level WARNING
	MINSHENG_ENV=test $(BIN)/python manage.py makemigrations --check --dry-run

messages: install-dev
	cd minsheng && ../$(BIN)/django-admin makemessages --locale zh_Hans --no-obsolete --add-location file
	$(BIN)/python scripts/check_po.py; status=$$?; \
		cd minsheng && ../$(BIN)/django-admin compilemessages --locale zh_Hans && exit $$status

schema: install-dev
	MINSHENG_ENV=test $(BIN)/python manage.py spectacular --file docs/openapi.yaml --validate --fail-on-warn

clean:
	rm -rf $(VENV) node_modules minsheng/core/static/vendor
