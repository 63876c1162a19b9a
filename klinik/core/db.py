"""Database helpers shared by the apps."""

from __future__ import annotations

import contextlib
import functools
import sqlite3
from collections.abc import Iterator
from datetime import datetime, tzinfo
from typing import Any

from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from psycopg.types.datetime import TimestamptzLoader


@contextlib.contextmanager
def serial_plans() -> Iterator[None]:
    """Plan the queries inside serially on PostgreSQL.

    A query over a few thousand rows (a week's holds, a day's appointment history) gets a
    parallel worker whose start-up costs more than the query itself: 13 ms against 5.5 ms
    for the week overview's counts, 7 ms against 3 ms for the reception board's version,
    at a year of bookings. Elsewhere a no-op."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        yield


# SQLite result codes (the primary code, the low byte of the extended one) that mean the file
# cannot be used right now, as opposed to a mistake in the statement.
_SQLITE_UNAVAILABLE = {5, 6, 10, 13, 14}  # BUSY, LOCKED, IOERR, FULL, CANTOPEN
# PostgreSQL states that mean the server cannot serve us now: a connection exception (class
# 08), a server shutting down or starting (57P01-57P03), too many connections (53300).
_PG_UNAVAILABLE_PREFIXES = ("08", "57P01", "57P02", "57P03", "53300")


def database_unavailable(exc: BaseException) -> bool:
    """Whether `exc` says the database cannot be reached or used right now (a PostgreSQL that
    went away, a SQLite file locked past the busy timeout), rather than that a query is wrong.
    Such errors pass when the database is back: pages answer 503 meanwhile and the worker
    waits (klinik/core/outage.py, klinik/core/worker.py)."""
    if isinstance(exc, InterfaceError):
        return True  # a connection that is closed or broken
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__ if exc.__cause__ is not None else exc
    code = getattr(cause, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _SQLITE_UNAVAILABLE
    if isinstance(cause, sqlite3.Error):
        return "locked" in str(cause).lower()
    # psycopg: no state at all means the connection itself failed (refused, reset, closed).
    state = getattr(cause, "sqlstate", None)
    return state is None or state.startswith(_PG_UNAVAILABLE_PREFIXES)


def database_error_summary(exc: BaseException) -> str:
    """For a log line: the error's kind and first line (a connection error names the host and
    port; an unavailable database's error quotes no data)."""
    text = str(exc).strip()
    first_line = text.splitlines()[0] if text else ""
    return f"{type(exc).__name__}: {first_line[:200]}"


# PostgreSQL's times, read as Django reads them but parsed by the standard library's C parser.
# Django's loader parses each timestamptz in Python (psycopg's pure-Python loader, then a
# `replace` of its zone): ~5 µs a value, a third of the cost of fetching a day's schedule.


class IsoTimestamptzLoader(TimestamptzLoader):
    """Text in PostgreSQL's ISO style ("2026-12-03 08:00:00.5+00", in the session's zone)
    through `datetime.fromisoformat`; anything else (infinity, BC, another DateStyle) through
    psycopg's own loader. The zone is then set as Django's loader sets it."""

    timezone: tzinfo | None = None

    def load(self, data: Any) -> datetime:
        try:
            value = datetime.fromisoformat(bytes(data).decode())
        except ValueError:
            value = super().load(data)
        return value.replace(tzinfo=self.timezone)


@functools.cache
def _iso_loader_for(zone: tzinfo | None) -> type[IsoTimestamptzLoader]:
    # Django keeps the zone on the loader's class and compares it for each cursor.
    return type("IsoTimestamptzLoader", (IsoTimestamptzLoader,), {"timezone": zone})


def fast_timestamps(sender: object, connection: BaseDatabaseWrapper, **kwargs: object) -> None:
    """On each new PostgreSQL connection (the `connection_created` signal): timestamptz
    values through the C parser."""
    if connection.vendor == "postgresql":
        loader = _iso_loader_for(connection.timezone)
        connection.connection.adapters.register_loader("timestamptz", loader)
