"""The test database: migrated once and copied, and emptied quickly after a transactional test.

A migrated test database made once and copied, instead of migrating for every test process.

Migrating Klinik's schema from nothing takes about half a minute of CPU (SQLite rebuilds a
table for many schema changes; Django renders the models' state per operation). The suite runs
in two processes per database, and CI runs the date-sensitive tests four more times: migrating
in each would cost minutes. So the first process of a run migrates a *template* database under
a file lock, and every process copies it into its own test database (SQLite: the backup API;
PostgreSQL: CREATE DATABASE ... TEMPLATE). The template's name carries a digest of the code it
was made from (migrations, the data files they load, the Django version), so a change to any of
them makes a new one and a template never outlives the code that made it.

A transactional test (browser, concurrency) ends with Django's flush, which on PostgreSQL is one
TRUNCATE of all ~250 tables: each gets new files, seconds per test. `fast_flush` empties only the
tables that hold rows, with DELETE, in one round trip.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import django
from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper

KLINIK_ROOT = Path(__file__).resolve().parents[2]
_SKIPPED_DIRECTORIES = {"tests", "__pycache__", "templates", "static", "locale"}


def code_digest() -> str:
    """A digest of every file under klinik/ that can change what migrating produces."""
    digest = hashlib.sha256(django.get_version().encode())
    for path in sorted(KLINIK_ROOT.rglob("*")):
        relative = path.relative_to(KLINIK_ROOT)
        if not path.is_file() or _SKIPPED_DIRECTORIES & set(relative.parts[:-1]):
            continue
        digest.update(str(relative).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _sqlite_files(name: str) -> list[Path]:
    return [Path(name + suffix) for suffix in ("", "-wal", "-shm", "-journal")]


class _Template:
    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.connection = connection
        self.sqlite = connection.vendor == "sqlite"
        self.test_name: str = connection.creation._get_test_db_name()  # type: ignore[attr-defined]
        digest = code_digest()
        if self.sqlite:
            self.prefix = str(Path(settings.DATA_DIR) / "test_template_")
            self.name = f"{self.prefix}{digest}.sqlite3"
        else:
            base = f"test_{connection.settings_dict['NAME']}"[:40]
            self.prefix = f"{base}_tpl_"
            self.name = f"{self.prefix}{digest}"
        self.lock_path = Path(settings.DATA_DIR) / f"test_template_{connection.vendor}.lock"

    # -- existence, building, copying ------------------------------------------------------

    def exists(self) -> bool:
        if self.sqlite:
            return Path(self.name).exists()
        with self.connection._nodb_cursor() as cursor:  # type: ignore[attr-defined]
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [self.name])
            return cursor.fetchone() is not None

    def build(self) -> None:
        """Migrate a database under a temporary name, then give it the template's name, so that
        a run stopped half-way never leaves a half-migrated template behind."""
        building = f"{self.prefix}building.sqlite3" if self.sqlite else f"{self.prefix}building"
        settings_dict = self.connection.settings_dict
        old_name, old_test_name = settings_dict["NAME"], settings_dict["TEST"].get("NAME")
        settings_dict["TEST"]["NAME"] = building
        try:
            self.connection.creation.create_test_db(
                verbosity=0, autoclobber=True, serialize=False, keepdb=False
            )
        finally:
            self.connection.close()
            settings_dict["NAME"] = old_name
            settings.DATABASES[self.connection.alias]["NAME"] = old_name
            settings_dict["TEST"]["NAME"] = old_test_name
        self._drop_other_templates()
        if self.sqlite:
            with sqlite3.connect(building) as database:
                database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            database.close()
            os.replace(building, self.name)
            for stale in _sqlite_files(building)[1:]:
                stale.unlink(missing_ok=True)
        else:
            self._sql(f"ALTER DATABASE {self._quote(building)} RENAME TO {self._quote(self.name)}")

    def copy_to_test_database(self) -> None:
        if self.sqlite:
            for stale in _sqlite_files(self.test_name):
                stale.unlink(missing_ok=True)
            source = sqlite3.connect(f"file:{self.name}?mode=ro", uri=True)
            target = sqlite3.connect(self.test_name)
            try:
                source.backup(target)
            finally:
                source.close()
                target.close()
        else:
            self._sql(f"DROP DATABASE IF EXISTS {self._quote(self.test_name)} WITH (FORCE)")
            self._sql(
                f"CREATE DATABASE {self._quote(self.test_name)} TEMPLATE {self._quote(self.name)}"
            )

    def _drop_other_templates(self) -> None:
        if self.sqlite:
            for old in Path(self.prefix).parent.glob(Path(self.prefix).name + "*.sqlite3"):
                if old.name != Path(self.name).name and "building" not in old.name:
                    old.unlink(missing_ok=True)
            return
        with self.connection._nodb_cursor() as cursor:  # type: ignore[attr-defined]
            cursor.execute(
                "SELECT datname FROM pg_database WHERE starts_with(datname, %s)", [self.prefix]
            )
            names = [row[0] for row in cursor.fetchall()]
        for name in names:
            if not name.endswith("building"):
                self._sql(f"DROP DATABASE IF EXISTS {self._quote(name)} WITH (FORCE)")

    def _quote(self, name: str) -> str:
        return self.connection.ops.quote_name(name)

    def _sql(self, statement: str) -> None:
        with self.connection._nodb_cursor() as cursor:  # type: ignore[attr-defined]
            cursor.execute(statement)


def test_database_from_template(connection: BaseDatabaseWrapper) -> None:
    """Put a freshly migrated copy at this process's test database name, migrating a template
    first when none exists for the current code. Django's set-up then keeps that database."""
    template = _Template(connection)
    template.lock_path.parent.mkdir(parents=True, exist_ok=True)
    with template.lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not template.exists():
            template.build()
        template.copy_to_test_database()


_FLUSH = """
DO $flush$
DECLARE
    t text;
    present boolean;
BEGIN
    -- Superuser only, and only for this transaction: no foreign-key or append-only triggers
    -- fire, as for the TRUNCATE it replaces (which the tables' owner may run).
    PERFORM set_config('session_replication_role', 'replica', true);
    FOREACH t IN ARRAY ARRAY[{tables}]::text[] LOOP
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s)', t) INTO present;
        IF present THEN
            EXECUTE format('DELETE FROM %s', t);
        END IF;
    END LOOP;
END
$flush$
"""


def fast_flush(connection: BaseDatabaseWrapper) -> Callable[[], None] | None:
    """On PostgreSQL as a superuser, make Django's flush delete the rows of the tables that
    have any instead of truncating every table; returns the function that undoes it. Sequences
    are reset (a test asking for it) the way Django does it."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
    if not (row and row[0]):
        return None
    operations = type(connection.ops)
    truncate = operations.sql_flush

    def sql_flush(
        self: Any, style: Any, tables: Any, *, reset_sequences: bool = False, **kwargs: Any
    ) -> list[str]:
        if reset_sequences or not tables:
            return truncate(self, style, tables, reset_sequences=reset_sequences, **kwargs)
        names = ", ".join("'" + self.quote_name(table).replace("'", "''") + "'" for table in tables)
        return [_FLUSH.format(tables=names)]

    operations.sql_flush = sql_flush  # type: ignore[method-assign]

    def undo() -> None:
        operations.sql_flush = truncate  # type: ignore[method-assign]

    return undo
