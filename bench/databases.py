"""The databases a benchmark runs on: each run gets its own, freshly made.

SQLite lives in var/bench/sqlite (wiped before every run); PostgreSQL uses the database
`klinik_bench` (or `klinik_bench_<suffix>` with KLINIK_BENCH_DATABASE_SUFFIX, so that two
checkouts can bench side by side), dropped and recreated before every run. The PostgreSQL
server comes from KLINIK_BENCH_POSTGRES_URL, else DATABASE_URL when it points at PostgreSQL,
else the local default. Only a database named so is ever dropped.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
BENCH_DATA_DIR = REPO_ROOT / "var" / "bench"
_SUFFIX = os.environ.get("KLINIK_BENCH_DATABASE_SUFFIX", "")
BENCH_DATABASE = f"klinik_bench_{_SUFFIX}" if _SUFFIX.isidentifier() else "klinik_bench"
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres"

Database = Literal["sqlite", "postgresql"]
DATABASES: tuple[Database, ...] = ("sqlite", "postgresql")


def _postgres_server_url() -> str:
    explicit = os.environ.get("KLINIK_BENCH_POSTGRES_URL", "")
    if explicit:
        return explicit
    configured = os.environ.get("DATABASE_URL", "")
    if configured.startswith(("postgres://", "postgresql://")):
        return configured
    return DEFAULT_POSTGRES_URL


def postgres_url(database: str) -> str:
    """The server's URL with its database name replaced by `database`."""
    parts = urlsplit(_postgres_server_url())
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, ""))


def postgres_display() -> str:
    """The server's address without credentials, for messages."""
    parts = urlsplit(_postgres_server_url())
    return f"{parts.hostname or 'localhost'}:{parts.port or 5432}"


def postgres_version() -> str | None:
    """The server's version, or None when no server answers."""
    import psycopg

    try:
        with psycopg.connect(_libpq_url("postgres"), connect_timeout=3) as connection:
            row = connection.execute("SHOW server_version").fetchone()
    except psycopg.OperationalError:
        return None
    return str(row[0]).split(" ")[0] if row else None


def _libpq_url(database: str) -> str:
    # libpq knows postgresql://, not dj-database-url's scheme variants.
    return "postgresql://" + postgres_url(database).split("://", 1)[1]


def postgres_recreate() -> None:
    """Drop and create the benchmark database, ending any session still connected to it."""
    import psycopg
    from psycopg import sql

    name = sql.Identifier(BENCH_DATABASE)
    with psycopg.connect(_libpq_url("postgres"), autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))


def sqlite_recreate() -> Path:
    """An empty data directory for SQLite; returns it."""
    directory = BENCH_DATA_DIR / "sqlite"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    return directory


def environment_for(database: Database) -> dict[str, str]:
    """Environment variables the settings read, for a run on `database`.

    The caller makes the database itself (sqlite_recreate / postgres_recreate).
    """
    env = {
        # A bench-only key when none is given: the data is synthetic and thrown away.
        "KLINIK_SECRET_KEY": os.environ.get("KLINIK_SECRET_KEY") or "bench-only-not-a-secret",
        "KLINIK_AUDIT_KEY": os.environ.get("KLINIK_AUDIT_KEY")
        or "bench-only-audit-key-not-a-secret",
        "KLINIK_ALLOWED_HOSTS": "testserver",
        "KLINIK_DEBUG": "0",  # DEBUG keeps every query in memory and slows everything
        "KLINIK_DEMO": "0",
        # Benchmarks log in with a password only: no session waits at the two-factor step.
        "KLINIK_REQUIRE_2FA": "0",
    }
    if database == "sqlite":
        env["KLINIK_DATA_DIR"] = str(BENCH_DATA_DIR / "sqlite")
        env["DATABASE_URL"] = ""
    else:
        env["KLINIK_DATA_DIR"] = str(BENCH_DATA_DIR / "postgresql")
        env["DATABASE_URL"] = postgres_url(BENCH_DATABASE)
    return env
