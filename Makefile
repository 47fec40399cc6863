# Two commands do everything on a fresh machine: `make run` and `make test`.
# Without DATABASE_URL / REDIS_URL both start embedded PostgreSQL and Valkey (prm/embedded.py).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
EMBEDDED := $(BIN)/python prm/embedded.py exec --
WEB_BIND ?= 127.0.0.1:8000

.PHONY: help install run test bench lint format stop clean
.DEFAULT_GOAL := help

# `make help` prints the "## target: what it does" lines that stand above the targets.
## help: list the targets and what each does (what a bare `make` does)
help:
	@awk '/^## [a-z]+: / { name = substr($$2, 1, length($$2) - 1); sub(/^## [a-z]+: /, ""); \
		printf "  make %-7s  %s\n", name, $$0 }' $(firstword $(MAKEFILE_LIST))

## install: create .venv (requirements-dev.txt) and node_modules (package-lock.json)
install: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

## run: migrate, seed the demo, serve http://127.0.0.1:8000 with worker and beat (Ctrl-C stops)
run: install
	@DEBUG=$${DEBUG:-true} GUNICORN_CMD_ARGS="$${GUNICORN_CMD_ARGS:---reload}" WEB_BIND=$(WEB_BIND) $(EMBEDDED) sh -c '\
		$(BIN)/python manage.py migrate --noinput && \
		$(BIN)/python manage.py collectstatic --noinput -v0 && \
		echo "" && echo "OpenPRM is starting at http://$(WEB_BIND)/  -- demo logins:" && \
		$(BIN)/python manage.py demo_logins && \
		$(BIN)/python manage.py seed_demo --partners 500 --seed 1 --if-empty && \
		$(BIN)/python manage.py demo_logins --partner && \
		$(BIN)/python manage.py seed_demo_pipeline --if-empty && \
		$(BIN)/python manage.py seed_demo_programs --if-empty && \
		$(BIN)/python manage.py seed_demo_applications --if-empty && \
		$(BIN)/python manage.py run_strategies --if-never-run && echo "" && \
		PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start'

## test: the whole suite: unit, API, a real Celery worker and a real browser
test: install
	$(EMBEDDED) $(BIN)/pytest $(PYTEST_ARGS)

## bench: time the partner list API and a strategy run over 100,000 partners (BENCH_ARGS=...)
bench: install
	$(EMBEDDED) $(BIN)/python -m prm.bench $(BENCH_ARGS)

## lint: check the code without changing it
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

## format: format the code and apply the linter's safe fixes
format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## stop: stop the embedded engines left running by a crashed session
stop:
	$(BIN)/python prm/embedded.py stop

## clean: stop the engines; delete var/ (embedded databases, the local secret key) and staticfiles/
clean: stop
	rm -rf var staticfiles
