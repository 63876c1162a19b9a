# Klinik: `make run` sets up and serves; `make test` runs the whole suite.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
KLINIK_DATA_DIR ?= $(CURDIR)/var
export KLINIK_DATA_DIR
# The first Python >= 3.11 on the PATH.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	2>/dev/null && { echo $$p; break; }; done)
TEST_ENV := KLINIK_SECRET_KEY=insecure-test-only KLINIK_DATA_DIR=$(CURDIR)/var/test KLINIK_TEST_FAST_PASSWORD_HASHING=1
PYTEST_ARGS ?=

.PHONY: install run test lint-imports test-sqlite test-postgres lint bench messages clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Klinik needs Python >= 3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

$(KLINIK_DATA_DIR)/secret_key:
	mkdir -p $(KLINIK_DATA_DIR)
	umask 077 && $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > $@

run: install $(KLINIK_DATA_DIR)/secret_key
	@export KLINIK_DEMO=$${KLINIK_DEMO:-1}; \
	$(BIN)/klinik migrate --noinput -v0 && \
	$(BIN)/klinik terminology starter --if-changed && \
	$(BIN)/klinik createcachetable && \
	$(BIN)/klinik collectstatic --noinput -v0 && \
	if [ "$$KLINIK_DEMO" = "1" ]; then $(BIN)/klinik demo --if-empty; fi && \
	$(BIN)/klinik outbox sweep --schedule && \
	PORT=$(PORT) exec $(BIN)/klinik serve

test: install lint-imports test-sqlite test-postgres

lint-imports: install
	$(BIN)/lint-imports --no-cache

test-sqlite: install
	env -u DATABASE_URL $(TEST_ENV) $(BIN)/pytest -n 2 $(PYTEST_ARGS)

# Runs only when DATABASE_URL points at PostgreSQL; tests create and drop their own database.
test-postgres: install
	@if [ -n "$$DATABASE_URL" ]; then \
		echo "== PostgreSQL: $${DATABASE_URL%%\?*}" && \
		$(TEST_ENV) $(BIN)/pytest -n 2 $(PYTEST_ARGS); \
	else echo "DATABASE_URL not set: PostgreSQL run skipped"; fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: install
	$(BIN)/python -m bench

messages: install
	cd klinik && ../$(BIN)/klinik makemessages -l da --no-obsolete --no-location && ../$(BIN)/klinik compilemessages

clean:
	rm -rf $(VENV) var/test
