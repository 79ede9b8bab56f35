# Circulair Noord: `make run` sets up and serves the platform; `make test` runs the tests;
# `make test-browser` clicks through the platform in Chromium (Playwright, axe-core).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed-stamp
TRANSLATIONS := circular_platform/translations
BROWSER_TESTS := tests/browser
CHROMIUM ?= /usr/bin/chromium
AXE_CORE_VERSION := 4.14.1
AXE := $(BROWSER_TESTS)/node_modules/axe-core/axe.min.js
# Playwright drives Debian's Chromium; it must never fetch a browser build of its own.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: install translations migrate demo run serve worker test test-browser lint demo-reset extract-translations
.PHONY: bench-quality bench-speed bench-search bench-notify bench-load bench-eural bench-rebuild

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(STAMP)

translations: install
	$(BIN)/pybabel compile --use-fuzzy -d $(TRANSLATIONS) -f

migrate: translations
	$(BIN)/alembic upgrade head

demo: migrate
	$(FLASK) demo load

# `flask notify run` every minute in the background (mails land in the outbox without SMTP
# settings), stopped when the development server exits.
run: demo
	$(FLASK) matching rebuild
	$(FLASK) matching learn
	$(FLASK) search rebuild
	@( while true; do $(FLASK) notify run >/dev/null; sleep 60; done ) & notifier=$$!; \
	trap 'kill $$notifier 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port 5000

# Production server: gunicorn with WEB_CONCURRENCY workers (default 2) on BIND (default
# 127.0.0.1:8000); settings in gunicorn.conf.py. Migrate first (`make migrate`).
serve: translations
	$(BIN)/gunicorn wsgi:app

# The background worker (needs REDIS_URL): matcher rebuilds, search index, mail, notifications.
worker: translations
	$(FLASK) worker

test: translations
	$(BIN)/pytest

# Journeys and accessibility in a real browser, against the app with the demo data; a failure
# leaves a screenshot in tests/browser/screenshots/.
test-browser: translations $(CHROMIUM) $(AXE)
	CHROMIUM_PATH=$(CHROMIUM) $(BIN)/pytest -o addopts=-q -p no:cacheprovider -rxX $(BROWSER_TESTS)

# Debian's Chromium (Playwright's own browser download is not used). Installing needs root, as in CI.
$(CHROMIUM):
	@if [ "$$(id -u)" != 0 ]; then echo "$@ is missing: apt-get install chromium (as root)"; exit 1; fi
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

# axe-core (MPL-2.0) from npm, kept out of git in tests/browser/node_modules/.
$(AXE):
	npm install --no-save --no-package-lock --no-audit --no-fund --prefix $(BROWSER_TESTS) axe-core@$(AXE_CORE_VERSION)

lint: install
	$(BIN)/ruff check circular_platform matching tests bench migrations
	$(BIN)/ruff format --check circular_platform matching tests bench migrations
	$(BIN)/mypy
	$(BIN)/bandit -q -r circular_platform matching

# Drops every table and loads the demo data again.
demo-reset: translations
	$(BIN)/alembic downgrade base
	$(MAKE) demo

# After changing user-facing text: refresh the catalogue, then translate the new English entries.
extract-translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 --no-location \
		--sort-output -o $(TRANSLATIONS)/messages.pot circular_platform templates
	$(BIN)/pybabel update --no-fuzzy-matching -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS)

# Indexes 100,000 synthetic documents and times queries, on Whoosh and on PostgreSQL: the one of
# DATABASE_URL (its search tables are emptied), else one started for the run (as root, like
# .ci/run). BENCH_DOCUMENTS=10000 for a quick run.
BENCH_DOCUMENTS ?= 100000
# Ranking quality of the matcher against scikit-learn's default TF-IDF and BM25 (seconds).
bench-quality: install
	$(BIN)/python bench/quality.py

# Speed and memory of the matcher at 1k/10k/100k synthetic documents, PASS/FAIL per target (minutes).
bench-speed: install
	$(BIN)/python bench/speed.py

# Eural code suggestion: top-1 and top-5 on the list's own descriptions, Dutch and English (seconds).
bench-eural: install
	$(BIN)/python bench/eural.py

bench-search: install
	$(BIN)/python bench/search.py --documents $(BENCH_DOCUMENTS) --backend whoosh
	@if [ -n "$$DATABASE_URL" ]; then $(BIN)/python bench/search.py --documents $(BENCH_DOCUMENTS) --backend postgres; \
	elif [ "$$(id -u)" = 0 ]; then .ci/with-postgres $(BIN)/python bench/search.py --documents $(BENCH_DOCUMENTS) --backend postgres; \
	else echo "postgres: skipped (set DATABASE_URL to an empty PostgreSQL database, or run as root)"; fi

# One Monday `flask notify run` for 5,000 users in 2,000 organisations, 20,000 new matches and
# 500 saved searches (and once at a tenth of that): time, peak memory, SQL statements.
bench-notify: install
	$(BIN)/python bench/notify.py

# Pages under load: gunicorn (2 sync workers) on PostgreSQL with 10,000 questions, 100,000
# solutions and 1,000,000 matches, driven by wrk at 1, 20 and 50 concurrent users; a table of
# requests/s, p50/p95/p99, errors and SQL statements per page (about 25 minutes, most of it
# generating the data). DATABASE_URL: an empty PostgreSQL database, else one started for the run
# (as root). A quick run: BENCH_QUESTIONS=1000 BENCH_SOLUTIONS=5000 BENCH_MATCHES=50000.
# Served as deploy/ serves it, from a virtualenv of the system's python3 (README, "How many
# workers": a pyenv build with its defaults runs plain Python about 30 % slower); BENCH_PYTHON
# names another interpreter (3.11 or later).
BENCH_PYTHON ?= $(firstword $(wildcard /usr/bin/python3) $(PYTHON))
BENCH_VENV := .venv-bench
$(BENCH_VENV)/.installed-stamp: requirements.txt
	$(BENCH_PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "BENCH_PYTHON=$(BENCH_PYTHON) is older than 3.11"; exit 1; }
	$(BENCH_PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet -r requirements.txt
	touch $@

bench-load: $(BENCH_VENV)/.installed-stamp translations /usr/bin/wrk
	@if [ -n "$$DATABASE_URL" ]; then $(BENCH_VENV)/bin/python bench/load.py; \
	elif [ "$$(id -u)" = 0 ]; then .ci/with-postgres $(BENCH_VENV)/bin/python bench/load.py; \
	else echo "bench-load: set DATABASE_URL to an empty PostgreSQL database, or run as root"; exit 1; fi

/usr/bin/wrk:
	@if [ "$$(id -u)" != 0 ]; then echo "$@ is missing: apt-get install wrk (as root)"; exit 1; fi
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk

# `flask matching rebuild` over 10,000 questions and 100,000 solutions, twice (the second finds
# every proposal stored): wall time, CPU time and peak memory, PASS/FAIL against 90 s and 1.5 GB.
# On SQLite, then on the PostgreSQL of DATABASE_URL (emptied), else one started for the run (as
# root, like .ci/run). BENCH_REBUILD="--questions 2000 --solutions 20000" for a quick run.
BENCH_REBUILD ?=
bench-rebuild: install
	env -u DATABASE_URL $(BIN)/python bench/rebuild.py $(BENCH_REBUILD)
	@if [ -n "$$DATABASE_URL" ]; then $(BIN)/python bench/rebuild.py $(BENCH_REBUILD); \
	elif [ "$$(id -u)" = 0 ]; then .ci/with-postgres $(BIN)/python bench/rebuild.py $(BENCH_REBUILD); \
	else echo "postgres: skipped (set DATABASE_URL to an empty PostgreSQL database, or run as root)"; fi
