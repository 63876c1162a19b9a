"""Writing to the access log. The only code that creates AccessLogEntry rows."""

from __future__ import annotations

import functools
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django_tasks.base import TaskResultStatus

from klinik.audit.chain import GENESIS_HASH, content_hash, link_hash
from klinik.audit.choices import Action, Channel, Purpose, ReviewOutcome
from klinik.audit.errors import AuditCode, AuditError
from klinik.audit.keys import AuditKey, audit_key_current
from klinik.audit.models import AccessLogEntry, BreakGlassReview, ChainHead
from klinik.audit.witness import Checkpoint, checkpoint_append


class AuditActor(Protocol):
    """What the access log needs to know of whoever acts (core.policy.Actor fits)."""

    @property
    def user(self) -> Any: ...
    @property
    def organisation(self) -> Any: ...
    @property
    def unit(self) -> Any: ...
    @property
    def role(self) -> str: ...


def access_log_record(
    *,
    actor: AuditActor | None,
    action: Action,
    purpose: Purpose,
    channel: Channel,
    object_type: str = "",
    object_id: str | uuid.UUID = "",
    patient_id: uuid.UUID | None = None,
    reason: str = "",
    is_break_glass: bool = False,
    user: Any = None,
    username: str = "",
    organisation_id: int | None = None,
) -> AccessLogEntry:
    """Append one entry to the chain.

    Joins the caller's transaction when there is one, so the entry commits (or rolls back)
    with the change it describes. Pass `actor`, or `user`/`username` for events outside an
    organisation (login, failed login). `organisation_id` names the data's organisation when
    the actor acts for a clinic community.
    """
    if is_break_glass and not reason.strip():
        raise AuditError(AuditCode.REASON_REQUIRED, "Break the glass requires a reason")
    if actor is not None:
        user = actor.user
    organisation = actor.organisation if actor is not None else None
    unit = actor.unit if actor is not None else None
    fields: dict[str, Any] = {
        "occurred_at": timezone.now(),
        "user_id": user.pk if user is not None else None,
        "username": user.get_username() if user is not None else username[:150],
        "organisation_id": organisation_id
        if organisation_id is not None
        else (organisation.pk if organisation is not None else None),
        "unit_id": unit.pk if unit is not None else None,
        "role": str(actor.role) if actor is not None else "",
        "action": str(action),
        "object_type": object_type,
        "object_id": str(object_id),
        "patient_id": patient_id,
        "purpose": str(purpose),
        "reason": reason.strip(),
        "is_break_glass": is_break_glass,
        "channel": str(channel),
    }
    key = audit_key_current()  # before any SQL: without a key nothing is logged
    # An entry of its own (a read: no transaction of the caller's) commits without waiting
    # for the disk on PostgreSQL; one that shares a change's transaction is as durable as the
    # change (docs/adr/0030).
    own = not connection.in_atomic_block and connection.get_autocommit()
    if connection.vendor == "postgresql":
        entry_id, seq, prev_hash, digest = _append_postgresql(fields, key, relaxed=own)
    else:
        # No savepoint when the caller has a transaction: the entry shares its fate anyway.
        with transaction.atomic(savepoint=False):
            entry_id, seq, prev_hash, digest = _append(fields, key)
    entry = AccessLogEntry(
        id=entry_id, seq=seq, prev_hash=prev_hash, entry_hash=digest, key_id=key.id, **fields
    )
    entry._state.adding = False
    return entry


_COLUMNS = (
    "occurred_at", "user_id", "username", "organisation_id", "unit_id", "role", "action",
    "object_type", "object_id", "patient_id", "purpose", "reason", "is_break_glass", "channel",
)  # fmt: skip
_INSERT = "INSERT INTO audit_accesslogentry (seq, prev_hash, entry_hash, key_id, {}) ".format(
    ", ".join(_COLUMNS)
)
_VALUES = ", ".join(["%s"] * (4 + len(_COLUMNS)))
# The head row's lock serialises appends. SQLite has no row locks: Klinik's transactions there
# begin IMMEDIATE (settings), so the write lock is held from the start.
_READ_HEAD = {
    "postgresql": "SELECT seq, last_hash FROM audit_chainhead WHERE id = 1 FOR UPDATE",
    "sqlite": "SELECT seq, last_hash FROM audit_chainhead WHERE id = 1",
}
_ADVANCE_HEAD = (
    "UPDATE audit_chainhead SET seq = %s, prev_hash = last_hash, last_hash = %s WHERE id = 1"
)
# PostgreSQL, for an entry in a transaction of its own: the same read, which also lets the
# transaction commit without waiting for the WAL flush (SET LOCAL, without a round trip).
_READ_HEAD_RELAXED = (
    "SELECT seq, last_hash, set_config('synchronous_commit', 'off', true) "
    "FROM audit_chainhead WHERE id = 1 FOR UPDATE"
)
# PostgreSQL: the entry and the head's advance in one statement (one round trip).
_APPEND_POSTGRESQL = f"WITH head AS ({_ADVANCE_HEAD}) {_INSERT} VALUES ({_VALUES}) RETURNING id"
_CREATE_HEAD = (
    "INSERT INTO audit_chainhead (id, seq, prev_hash, last_hash, legacy_seq, legacy_seal) "
    "VALUES (1, 0, %s, %s, 0, '') ON CONFLICT DO NOTHING"
)
# PostgreSQL: one round trip for the whole append when the head is where this connection last
# left it (docs/adr/0039). The UPDATE takes the head's lock and moves it on only if it still
# holds the guessed number and hash, under the lock; the entry is inserted only if it did. The
# outer SELECT answers the head as the statement found it, for the next try after a miss. The
# inserted values are cast: in INSERT … SELECT nothing else gives a bound NULL its type.
_APPEND_GUESSED = (
    "WITH head AS (UPDATE audit_chainhead SET seq = %s, prev_hash = last_hash, last_hash = %s "
    "WHERE id = 1 AND seq = %s AND last_hash = %s RETURNING seq, prev_hash, last_hash), "
    "entry AS ({insert} SELECT head.seq, head.prev_hash, head.last_hash, {casts} FROM head "
    "RETURNING id) "
    "SELECT (SELECT id FROM entry), seq, last_hash{relax} FROM audit_chainhead WHERE id = 1"
)
_RELAX = ", set_config('synchronous_commit', 'off', true)"
# Tries with a guess before taking the lock first: the remembered head, then the one a miss
# found (a second miss means another connection is appending at the same moment).
_GUESSES = 2


def patient_list_log(actor: AuditActor, object_type: str, count: int, channel: Channel) -> None:
    """One entry for a list that shows patients (a queue, a board, a worklist): who looked at
    which list and how many rows it held (ADR 0015)."""
    access_log_record(
        actor=actor,
        action=Action.VIEW,
        purpose=Purpose.ADMINISTRATION,
        channel=channel,
        object_type=object_type,
        reason=f"{count} rows",
    )


def _params(fields: dict[str, Any], key: AuditKey) -> list[Any]:
    """The key's id and the entry's columns (_COLUMNS), as the database takes them."""
    return [
        key.id,
        connection.ops.adapt_datetimefield_value(fields["occurred_at"]),
        fields["user_id"],
        fields["username"],
        fields["organisation_id"],
        fields["unit_id"],
        fields["role"],
        fields["action"],
        fields["object_type"],
        fields["object_id"],
        _db_uuid(fields["patient_id"]),
        fields["purpose"],
        fields["reason"],
        fields["is_break_glass"],
        fields["channel"],
    ]


def _append(fields: dict[str, Any], key: AuditKey, *, relaxed: bool = False) -> _Appended:
    """Append one entry: the hot path of every patient read, so plain SQL.

    Reads the head under its lock, signs the entry here, in Python (the key never goes to the
    database: docs/adr/0013), then writes the entry and the head's new end. Runs inside a
    transaction, so the lock is held until the caller's commit. `relaxed`: the transaction
    is the entry's own and, on PostgreSQL, commits without waiting for the disk.
    """
    content = content_hash(fields)
    params = _params(fields, key)
    read_head = _READ_HEAD[connection.vendor]
    if relaxed and connection.vendor == "postgresql":
        read_head = _READ_HEAD_RELAXED
    with connection.cursor() as cursor:
        cursor.execute(read_head)
        head = cursor.fetchone()
        if head is None:
            # The very first entry (or a flushed test database): create the head.
            cursor.execute(_CREATE_HEAD, [GENESIS_HASH, GENESIS_HASH])
            cursor.execute(_READ_HEAD[connection.vendor])
            head = cursor.fetchone()
        if head is None:
            raise AuditError(AuditCode.HEAD_MISSING, "The access log's head row is missing")
        seq, prev_hash = head[0] + 1, head[1]
        digest = link_hash(key.secret, prev_hash, content)
        if connection.vendor == "postgresql":
            cursor.execute(_APPEND_POSTGRESQL, [seq, digest, seq, prev_hash, digest, *params])
            entry_id = cursor.fetchone()[0]
        else:
            cursor.execute(
                f"{_INSERT} VALUES ({_VALUES}) RETURNING id", [seq, prev_hash, digest, *params]
            )
            entry_id = cursor.fetchone()[0]
            cursor.execute(_ADVANCE_HEAD, [seq, digest])
    return entry_id, seq, prev_hash, digest


def _append_postgresql(fields: dict[str, Any], key: AuditKey, *, relaxed: bool) -> _Appended:
    """Append one entry on PostgreSQL in one round trip when this connection's last append
    left the head where it still is (the usual case: the statement needs no transaction of
    its own, so no BEGIN and COMMIT either); else take the head's lock first, as `_append`
    does. The chain, the lock and the durability are those of `_append` (docs/adr/0039)."""
    content = content_hash(fields)
    guess: tuple[int, str] | None = getattr(connection, _HEAD_GUESS, None)
    statement = _append_guessed_sql(relaxed)
    for _try in range(_GUESSES):
        if guess is None:
            break
        seq, prev_hash = guess[0] + 1, guess[1]
        digest = link_hash(key.secret, prev_hash, content)
        with connection.cursor() as cursor:
            cursor.execute(statement, [seq, digest, guess[0], prev_hash, *_params(fields, key)])
            row = cursor.fetchone()
        if row is not None and row[0] is not None:
            setattr(connection, _HEAD_GUESS, (seq, digest))
            return row[0], seq, prev_hash, digest
        found = None if row is None else (row[1], row[2])
        # The same head again: another connection holds the lock or just moved it.
        guess = found if found != guess else None
    with transaction.atomic(savepoint=False):
        appended = _append(fields, key, relaxed=relaxed)
    setattr(connection, _HEAD_GUESS, (appended[1], appended[3]))
    return appended


# Where this connection's last append left the head (number, hash): the next append's guess.
# A wrong guess (another connection appended since, a rolled-back transaction, a flushed test
# database) costs one statement that changes nothing.
_HEAD_GUESS = "klinik_audit_head"
_Appended = tuple[int, int, str, str]  # entry id, seq, prev_hash, entry_hash


@functools.cache
def _append_guessed_sql(relaxed: bool) -> str:
    entry = {f.attname: f for f in AccessLogEntry._meta.concrete_fields}
    casts = ", ".join(
        f"CAST(%s AS {entry[name].cast_db_type(connection)})" for name in ("key_id", *_COLUMNS)
    )
    return _APPEND_GUESSED.format(insert=_INSERT, casts=casts, relax=_RELAX if relaxed else "")


def _db_uuid(value: uuid.UUID | None) -> Any:
    if value is None or connection.features.has_native_uuid_field:
        return value
    return value.hex


def break_glass_review(
    *,
    actor: AuditActor,
    entry: AccessLogEntry,
    outcome: ReviewOutcome,
    comment: str = "",
) -> BreakGlassReview:
    if not entry.is_break_glass:
        raise AuditError(AuditCode.NOT_BREAK_GLASS, "Only break-the-glass accesses are reviewed")
    if actor.organisation is None or entry.organisation_id != actor.organisation.pk:
        raise AuditError(AuditCode.OTHER_ORGANISATION, "The entry belongs to another organisation")
    with transaction.atomic():
        if BreakGlassReview.objects.filter(entry=entry).exists():
            raise AuditError(AuditCode.ALREADY_REVIEWED, "The access has already been reviewed")
        return BreakGlassReview.objects.create(
            entry=entry,
            organisation=actor.organisation,
            reviewed_by=actor.user,
            reviewed_at=timezone.now(),
            outcome=outcome,
            comment=comment.strip(),
        )


CHECKPOINT_EVERY = timedelta(hours=1)


def access_log_checkpoint(*, witness: Path | None = None) -> Checkpoint:
    """Append the chain's head (number, hash, time) to the witness file outside the database.

    Reads the committed head: its number and hash always change together. The head is read
    under its lock, so that on PostgreSQL this transaction's commit waits for the WAL flush,
    which makes every entry up to the head durable before the witness names it (reads'
    entries commit without waiting: docs/adr/0030).
    """
    with transaction.atomic():
        head = ChainHead.objects.select_for_update().filter(pk=1).first()
    checkpoint = Checkpoint(
        seq=head.seq if head else 0,
        hash=head.last_hash if head else GENESIS_HASH,
        at=timezone.now(),
    )
    checkpoint_append(witness or settings.KLINIK_AUDIT_WITNESS, checkpoint)
    return checkpoint


def access_log_checkpoint_schedule(*, after: timedelta = CHECKPOINT_EVERY) -> bool:
    """Queue the next periodic checkpoint `after` from now, unless one is queued already (so
    starting the server again never doubles the chain of tasks). Returns whether one was
    queued."""
    from django_tasks_db.models import DBTaskResult

    from klinik.audit.tasks import checkpoint_access_log

    waiting = DBTaskResult.objects.filter(
        task_path=checkpoint_access_log.module_path, status=TaskResultStatus.READY
    )
    if waiting.exists():
        return False
    checkpoint_access_log.using(run_after=timezone.now() + after).enqueue()
    return True
