# Two commands do everything on a fresh machine: `make run` and `make test`.
# Without DATABASE_URL / REDIS_URL both start embedded PostgreSQL and Valkey (prm/embedded.py).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
EMBEDDED := $(BIN)/python prm/embedded.py exec --
WEB_BIND ?= 127.0.0.1:8000

.PHONY: install run test bench lint format stop clean

install: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

run: install
	@DEBUG=$${DEBUG:-true} GUNICORN_CMD_ARGS="$${GUNICORN_CMD_ARGS:---reload}" WEB_BIND=$(WEB_BIND) $(EMBEDDED) sh -c '\
		$(BIN)/python manage.py migrate --noinput && \
		$(BIN)/python manage.py collectstatic --noinput -v0 && \
		echo "" && echo "OpenPRM is starting at http://$(WEB_BIND)/  -- demo logins:" && \
		$(BIN)/python manage.py demo_logins && \
		$(BIN)/python manage.py seed_demo --partners 500 --seed 1 --if-empty && \
		$(BIN)/python manage.py demo_logins --partner && \
		$(BIN)/python manage.py run_strategies --if-never-run && echo "" && \
		PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start'

test: install
	$(EMBEDDED) $(BIN)/pytest $(PYTEST_ARGS)

bench: install
	$(EMBEDDED) $(BIN)/python -m prm.bench $(BENCH_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

stop:
	$(BIN)/python prm/embedded.py stop

clean: stop
	rm -rf var staticfiles
