#!/bin/bash
export KLINIK_SECRET_KEY=insecure-test-only KLINIK_AUDIT_KEY=insecure-test-only-audit-key-0123456789 \
  KLINIK_DATA_DIR=$PWD/var/test KLINIK_TEST_FAST_PASSWORD_HASHING=1
if [ "$DB" = pg ]; then export DATABASE_URL=postgres://postgres@127.0.0.1:5432/klinik_h16; fi
exec .venv/bin/pytest -q -p no:cacheprovider "$@"
