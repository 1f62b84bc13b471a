# ISCM Profiles — the two commands: `make run` and `make test`. See README.md.
SHELL := /bin/sh
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

# Quick start runs with DEBUG on; tests run with production-like settings.
RUN_ENV := DEBUG=$${DEBUG:-1}
TEST_ENV := DEBUG=0 SECRET_KEY=$${SECRET_KEY:-test-only-secret-key-not-for-production-0123456789} \
	SECURE_SSL_REDIRECT=0 ALLOWED_HOSTS=testserver,localhost,127.0.0.1 DJANGO_ALLOW_ASYNC_UNSAFE=1

.PHONY: run test install lint format bench clean

$(STAMP): pyproject.toml
	@if [ ! -x $(PY) ]; then \
		python=$$(scripts/find-python) || exit 1; \
		echo "Creating $(VENV) with $$python"; \
		"$$python" -m venv $(VENV) || exit 1; \
	fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# DEBUG=1 and a generated SECRET_KEY for manage.py commands in this checkout (git-ignored;
# read by iscm_site/settings.py unless the environment sets DEBUG off). Never deployed.
local.env:
	@umask 077; key=$$(LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c 50); \
	if [ $${#key} -ne 50 ]; then echo "make: could not generate a SECRET_KEY" >&2; exit 1; fi; \
	printf '%s\n' "# Written by make run for local development only; never deploy it." \
		"# manage.py reads it unless the environment sets DEBUG off (real variables win)." \
		"DEBUG=1" "SECRET_KEY=$$key" > $@.tmp && mv $@.tmp $@
	@echo "Wrote local.env (DEBUG=1, a new SECRET_KEY) for manage.py commands in this checkout."

run: $(STAMP) local.env
	@$(RUN_ENV) $(PY) scripts/ensure-database
	@$(RUN_ENV) $(PY) manage.py migrate --noinput
	@$(RUN_ENV) $(PY) manage.py load_demo
	@$(RUN_ENV) $(PY) manage.py ensure_local_admin
	@echo "Serving ISCM Profiles on http://127.0.0.1:8000/ (Ctrl-C stops it)"
	@$(RUN_ENV) $(PY) manage.py runserver 127.0.0.1:8000

test: $(STAMP)
	$(TEST_ENV) $(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: $(STAMP)
	$(TEST_ENV) $(PY) bench/pages.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
