"""Fast bulk inserts for generated data: executemany of ready-made tuples, ids reserved first,
written in turns so that the running clinic can write meanwhile.

Django's bulk_create spends most of its time preparing each value; for millions of generated
rows the generator builds tuples in column order with values already in the driver's form.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
import uuid
from collections.abc import Sequence
from types import TracebackType
from typing import Any

from django.db import DatabaseError, connection, models, transaction

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record

# Turn-taking with the running clinic (docs/adr/0014). SQLite has one writer at a time: a bulk
# job holds the write lock for at least HOLD_SECONDS, commits, and then leaves the lock free
# for RELEASE_SECONDS, longer than the 100 ms between the tries of a writer that has waited a
# while (SQLite's busy handler), so that every writer waiting gets in. A turn lasts at least
# WORK_SHARE times what its hand-over cost (committing, checkpointing, the pause), so that
# turn-taking costs about 1/WORK_SHARE of a run as the tables grow, but at most
# MAX_HOLD_SECONDS: a quarter of the 20 s other writers wait before they give up.
HOLD_SECONDS = 1.0
MAX_HOLD_SECONDS = 5.0
RELEASE_SECONDS = 0.12
WORK_SHARE = 12


class Turns:
    """Bulk writes in turns: transactions of a second or a few, with a pause between them.

        with Turns() as turns:
            for rows in batches:
                insert(rows)
                turns.take_turn()  # commits and pauses when the turn is over

    One transaction for a whole run held SQLite's write lock for minutes: every other writer
    waited out its busy timeout and failed with "database is locked" (issue 10). On SQLite the
    write-ahead log is checkpointed during the pause, when others may write, instead of inside
    the commit. PostgreSQL's writers do not wait for each other: there a turn only commits.
    Inside an outer transaction (a test, the demo) nothing can commit early and `take_turn`
    does nothing. `committed` counts the turns committed so far.
    """

    def __init__(self, *, hold: float | None = None, release: float | None = None) -> None:
        self.hold = HOLD_SECONDS if hold is None else hold
        self.release = RELEASE_SECONDS if release is None else release
        self.committed = 0
        self.longest_hold = 0.0
        self.last_commit = 0.0
        self._turn = self.hold
        self._atomic: Any = None
        self._started = 0.0
        self._sqlite = connection.vendor == "sqlite"
        self._autocheckpoint: int | None = None

    def __enter__(self) -> Turns:
        self._nested = connection.in_atomic_block
        if self._sqlite and not self._nested:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA wal_autocheckpoint")
                self._autocheckpoint = int(cursor.fetchone()[0])
                cursor.execute("PRAGMA wal_autocheckpoint=0")
        self._begin()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            self._end(exc_type, exc, traceback)
        finally:
            if self._autocheckpoint is not None:
                # Not worth hiding an error of the run's for.
                with contextlib.suppress(DatabaseError):
                    self._checkpoint()
                    with connection.cursor() as cursor:
                        cursor.execute(f"PRAGMA wal_autocheckpoint={self._autocheckpoint}")
        if exc_type is None:
            self.committed += 1

    def take_turn(self) -> bool:
        """Commit and pause once this turn has lasted long enough; True when it did."""
        if self._nested or time.monotonic() - self._started < self._turn:
            return False
        handing_over = time.monotonic()
        self._end(None, None, None)
        self.committed += 1
        free = time.monotonic()
        self.last_commit = free - handing_over
        if self._sqlite:
            self._checkpoint()  # others may write meanwhile
            time.sleep(max(0.0, self.release - (time.monotonic() - free)))
        spent = time.monotonic() - handing_over
        self._turn = min(max(self.hold, WORK_SHARE * spent), MAX_HOLD_SECONDS)
        self._begin()
        return True

    def _begin(self) -> None:
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self._started = time.monotonic()

    def _end(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        atomic, self._atomic = self._atomic, None
        atomic.__exit__(exc_type, exc, traceback)
        self.longest_hold = max(self.longest_hold, time.monotonic() - self._started)

    def _checkpoint(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")


def bulk_log(*, object_type: str, organisation_id: int, reason: str) -> None:
    """The access-log entry of one generator run."""
    access_log_record(
        actor=None,
        username="klinik generate",
        action=Action.CREATE,
        purpose=Purpose.ADMINISTRATION,
        channel=Channel.CLI,
        object_type=object_type,
        organisation_id=organisation_id,
        reason=reason,
    )


def bulk_log_interrupted(*, object_type: str, organisation_id: int, reason: str) -> None:
    """After an interruption the turns committed so far stay: log them (outside any
    transaction; inside one, everything rolls back and there is nothing to log)."""
    if not connection.in_atomic_block:
        bulk_log(object_type=object_type, organisation_id=organisation_id, reason=reason)


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """Primary keys for `count` new rows. Call inside the transaction that inserts them: on
    SQLite the write lock keeps the range free; PostgreSQL hands them out from the sequence."""
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        quoted = connection.ops.quote_name(table)
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {quoted}")  # noqa: S608
        start = cursor.fetchone()[0] + 1
    return list(range(start, start + count))


def db_uuid(value: uuid.UUID) -> Any:
    return value if connection.features.has_native_uuid_field else value.hex


def db_date(value: dt.date | None) -> Any:
    if value is None or connection.vendor != "sqlite":
        return value
    return value.isoformat()


def db_datetime(value: dt.datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field) and field.column is not None  # a concrete field
    return field.column


def bulk_insert(
    model: type[models.Model], attnames: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert tuples whose values follow `attnames` and are already in the driver's form.

    PostgreSQL gets COPY (several times faster than executemany through psycopg); SQLite gets
    executemany, which its driver runs as one prepared statement.
    """
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(_column(model, name)) for name in attnames)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        placeholders = ", ".join(["%s"] * len(attnames))
        cursor.executemany(
            f"INSERT INTO {table} ({columns}) VALUES ({placeholders})",  # noqa: S608
            rows,
        )
