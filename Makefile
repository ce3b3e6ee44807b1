# Welltopia Consult — the two commands are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1

.PHONY: install run test coverage typecheck bench lint migrations-check clean loadtest messages translations-check

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

# Then the translations: locale/*/LC_MESSAGES/django.po to .mo in pure Python (no GNU gettext).
install: $(VENV)/.installed
	@$(BIN)/python scripts/compile_translations.py

# Serves the site with a Celery worker and beat beside it; Ctrl-C or a TERM stops all of them
# (scripts/run_with_worker.sh).
run: export DEBUG ?= true
run: export SITE_URL ?= http://$(HOST):$(PORT)
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@scripts/run_with_worker.sh $(BIN)/celery -A welltopia worker --beat --loglevel=INFO --concurrency=2 \
		-- $(BIN)/python manage.py runserver $(HOST):$(PORT)

# COVERAGE=1 runs the suite under coverage (what CI does): `make coverage` below.
# TEST_WORKERS pytest-xdist processes share the tests, each with its own test database, Redis dbs
# (3 each from CI's: CI with 3 workers uses dbs 0-8), Celery queue and VAR_DIR (tests/conftest.py).
# Tests are handed out two at a time as workers free up (--maxschedchunk 2; plain --dist load gives
# each worker a quarter of its share at once, so all the browser tests went to one), in the order
# tests/conftest.py sets: live-server and browser tests first, short tests without a database last.
# TEST_WORKERS=0: one process.
TEST_WORKERS ?= 3
PYTEST_ARGS := $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist load --maxschedchunk 2)
test: install
	@if [ -n "$(COVERAGE)" ]; then $(MAKE) --no-print-directory coverage; else $(BIN)/pytest $(PYTEST_ARGS); fi

# The suite under coverage.py (CI: `COVERAGE=1 make test`), Celery workers and other Python
# child processes included; then the lines covered per package, which fails the target when a
# domain app is under its floor (scripts/coverage_summary.py). Settings: pyproject [tool.coverage].
coverage: install
	@rm -f .coverage .coverage.*
	$(BIN)/coverage run -m pytest $(PYTEST_ARGS); tests=$$?; \
	$(BIN)/coverage combine --quiet && $(BIN)/python scripts/coverage_summary.py; figures=$$?; \
	[ $$tests -ne 0 ] && exit $$tests; exit $$figures

# mypy over the modules listed in pyproject [tool.mypy]; the Django plugin loads the settings.
typecheck: install
	DEBUG=true $(BIN)/mypy

bench: install
	@$(BIN)/python bench/run_all.py

lint: install
	$(BIN)/ruff check .

# Rewrites locale/es/LC_MESSAGES/django.po from the code (Django's makemessages, with the one ignore
# list in scripts/check_translations.py; needs GNU gettext). Translate what it adds, then commit.
messages: install
	$(BIN)/python scripts/check_translations.py --update

# What CI checks: the catalog matches the code, nothing untranslated or fuzzy, placeholders intact.
translations-check: install
	$(BIN)/python scripts/check_translations.py

migrations-check: install
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var staticfiles

# 50 patients booking for 60 s against gunicorn + PostgreSQL + Redis on 127.0.0.1, then a trivial
# page for comparison (scripts/loadtest.py; README "Load test"). Needs both services running.
loadtest: install
	$(BIN)/python scripts/loadtest.py
