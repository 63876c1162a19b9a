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
TEST_ENV := KLINIK_SECRET_KEY=insecure-test-only KLINIK_AUDIT_KEY=insecure-test-only-audit-key-0123456789 \
	KLINIK_DATA_DIR=$(CURDIR)/var/test KLINIK_TEST_FAST_PASSWORD_HASHING=1
PYTEST_ARGS ?=
# Some machines set PYTHONDONTWRITEBYTECODE: every test process (and every process a test
# starts) would then compile Klinik and rewrite the test modules' asserts again. Write the
# caches: the later runs of `make test` and `make test-dates` start seconds sooner each.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: install run test typecheck lint-imports test-sqlite test-postgres test-dates fuzz lint bench messages clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Klinik needs Python >= 3.11"; exit 1; }
	@echo "== Installing Klinik and the packages it uses into $(VENV) (a few minutes the first time)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	@# One line per package as it comes, instead of minutes of silence.
	set -o pipefail; $(BIN)/pip install --progress-bar off -e ".[dev]" \
		| grep --line-buffered -E "^(Collecting|Successfully installed)" | cut -c1-100
	touch $@

$(KLINIK_DATA_DIR)/secret_key:
	mkdir -p -m 700 $(KLINIK_DATA_DIR)
	umask 077 && $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > $@

# The key that encrypts TOTP secrets in the database (KLINIK_FIELD_KEY overrides it).
$(KLINIK_DATA_DIR)/field_key: | $(VENV)/.installed
	mkdir -p -m 700 $(KLINIK_DATA_DIR)
	umask 077 && $(BIN)/python -c "from cryptography.fernet import Fernet; \
		print(Fernet.generate_key().decode())" > $@

# The access log's HMAC key (KLINIK_AUDIT_KEY overrides it; docs/adr/0013). Back it up apart
# from the database: without it the log cannot be verified.
$(KLINIK_DATA_DIR)/audit_key: | $(VENV)/.installed
	mkdir -p -m 700 $(KLINIK_DATA_DIR)
	umask 077 && $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(32))" > $@

run: install $(KLINIK_DATA_DIR)/secret_key $(KLINIK_DATA_DIR)/field_key $(KLINIK_DATA_DIR)/audit_key
	@export KLINIK_DEMO=$${KLINIK_DEMO:-1}; \
	$(BIN)/klinik migrate --noinput -v0 && \
	$(BIN)/klinik terminology starter --if-changed && \
	$(BIN)/klinik createcachetable && \
	$(BIN)/klinik collectstatic --noinput -v0 && \
	if [ "$$KLINIK_DEMO" = "1" ]; then $(BIN)/klinik demo --if-empty; fi && \
	$(BIN)/klinik outbox sweep --schedule && \
	$(BIN)/klinik audit checkpoint --schedule && \
	$(BIN)/klinik lpr3 revalidate --schedule && \
	PORT=$(PORT) exec $(BIN)/klinik serve

# Both databases run even when the first fails; the result fails when either did.
test: install lint-imports typecheck
	@status=0; \
	$(MAKE) --no-print-directory test-sqlite || status=1; \
	$(MAKE) --no-print-directory test-postgres || status=1; \
	if [ $$status -ne 0 ]; then echo "== make test: FAILED (see above)"; fi; \
	exit $$status

lint-imports: install
	$(BIN)/lint-imports --no-cache

# mypy with the Django plugin imports the settings: the test keys let it.
typecheck: install
	$(TEST_ENV) $(BIN)/mypy

test-sqlite: install
	env -u DATABASE_URL $(TEST_ENV) $(BIN)/pytest -n 2 $(PYTEST_ARGS)

# Runs when DATABASE_URL points at PostgreSQL; tests create and drop their own database.
# Under CI a missing DATABASE_URL is a failure, not a skipped run.
test-postgres: install
	@if [ -n "$$DATABASE_URL" ]; then \
		echo "== PostgreSQL: $${DATABASE_URL%%\?*}" && \
		$(TEST_ENV) $(BIN)/pytest -n 2 $(PYTEST_ARGS); \
	elif [ -n "$$CI" ] && [ "$$CI" != "0" ] && [ "$$CI" != "false" ]; then \
		echo "DATABASE_URL not set under CI: the PostgreSQL run is required"; exit 1; \
	else echo "DATABASE_URL not set: PostgreSQL run skipped"; fi

# The date-sensitive tests again with the clock started on the days that break date code: a
# Saturday after New Year, 24 December just after midnight, the Tuesday before Easter, the
# night the clocks go back (SQLite; CI runs this after `make test`). Of the browser tests only
# the screens that reckon dates in the browser run again (calendar, online booking): the other
# screens' dates come from the apps whose tests are here.
TEST_DATES := 2027-01-02T10:15:00+01:00 2026-12-24T00:20:00+01:00 \
	2027-03-23T16:45:00+01:00 2026-10-25T02:30:00+02:00
DATE_SENSITIVE := klinik/scheduling klinik/correspondence klinik/api/tests/test_scheduling_api.py \
	tests/browser/test_calendar.py tests/browser/test_online_booking.py klinik/worklist \
	klinik/pathways klinik/desk/tests/test_worklist_screen.py klinik/api/tests/test_worklist_api.py \
	klinik/billing klinik/purchasing klinik/staff
test-dates: install
	@status=0; for now in $(TEST_DATES); do \
		echo "== the clock at $$now"; \
		env -u DATABASE_URL $(TEST_ENV) KLINIK_TEST_NOW=$$now $(BIN)/pytest -n 2 -q \
			$(DATE_SENSITIVE) || status=1; \
	done; exit $$status

# A bounded schemathesis run against the REST API (fixed seed; fails on a 5xx or a response
# that breaks the schema). FUZZ_SECONDS bounds it.
fuzz: install
	bash .ci/fuzz-api

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: install
	$(BIN)/python -m bench

messages: install
	cd klinik && ../$(BIN)/klinik makemessages -l da --no-obsolete --no-location && ../$(BIN)/klinik compilemessages

clean:
	rm -rf $(VENV) var/test
