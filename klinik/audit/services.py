"""Writing to the access log. The only code that creates AccessLogEntry rows."""

from __future__ import annotations

import uuid
from typing import Any, Protocol

from django.db import connection, transaction
from django.utils import timezone

from klinik.audit.chain import GENESIS_HASH, content_hash
from klinik.audit.choices import Action, Channel, Purpose, ReviewOutcome
from klinik.audit.errors import AuditError
from klinik.audit.models import AccessLogEntry, BreakGlassReview


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
        raise AuditError("Break the glass requires a reason")
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
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # A read outside any transaction: the append is one statement, atomic by itself, so
        # autocommit saves the BEGIN and COMMIT round trips.
        entry_id, seq, prev_hash, digest = _append(fields)
    else:
        # No savepoint when the caller has a transaction: the entry shares its fate anyway.
        with transaction.atomic(savepoint=False):
            entry_id, seq, prev_hash, digest = _append(fields)
    entry = AccessLogEntry(id=entry_id, seq=seq, prev_hash=prev_hash, entry_hash=digest, **fields)
    entry._state.adding = False
    return entry


_COLUMNS = (
    "occurred_at", "user_id", "username", "organisation_id", "unit_id", "role", "action",
    "object_type", "object_id", "patient_id", "purpose", "reason", "is_break_glass", "channel",
)  # fmt: skip
# Advance the head: new number, previous hash, and the new chain hash computed in SQL.
# (SHA256(text) is Django's SQLite function; PostgreSQL has sha256(bytea).)
_ADVANCE = {
    "postgresql": (
        "UPDATE audit_chainhead SET seq = seq + 1, prev_hash = last_hash, "
        "last_hash = encode(sha256(convert_to(last_hash || %s, 'UTF8')), 'hex') "
        "WHERE id = 1 RETURNING seq, prev_hash, last_hash"
    ),
    "sqlite": (
        "UPDATE audit_chainhead SET seq = seq + 1, prev_hash = last_hash, "
        "last_hash = SHA256(last_hash || %s) WHERE id = 1 RETURNING seq, prev_hash, last_hash"
    ),
}
_INSERT = "INSERT INTO audit_accesslogentry (seq, prev_hash, entry_hash, {}) ".format(
    ", ".join(_COLUMNS)
)
_VALUES = ", ".join(["%s"] * len(_COLUMNS))
# PostgreSQL: the head and the entry in one statement (one round trip, plus the commit).
_APPEND_POSTGRESQL = (
    f"WITH head AS ({_ADVANCE['postgresql']}) "  # noqa: S608  (constant SQL, no user input)
    f"{_INSERT} SELECT head.seq, head.prev_hash, head.last_hash, {_VALUES} FROM head "
    "RETURNING id, seq, prev_hash, entry_hash"
)
_CREATE_HEAD = (
    "INSERT INTO audit_chainhead (id, seq, prev_hash, last_hash) VALUES (1, 0, %s, %s) "
    "ON CONFLICT DO NOTHING"
)


def _append(fields: dict[str, Any]) -> tuple[int, int, str, str]:
    """Append one entry: the hot path of every patient read, so plain SQL.

    Advancing the head row takes its row lock (PostgreSQL) or runs under the write lock
    (SQLite's IMMEDIATE transactions), so appends are ordered and none is lost.
    """
    content = content_hash(fields)
    params = [
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
    with connection.cursor() as cursor:
        for _attempt in range(2):
            if connection.vendor == "postgresql":
                cursor.execute(_APPEND_POSTGRESQL, [content, *params])
                row = cursor.fetchone()
            else:
                cursor.execute(_ADVANCE["sqlite"], [content])
                head = cursor.fetchone()
                row = None
                if head is not None:
                    seq, prev_hash, digest = head
                    cursor.execute(
                        f"{_INSERT} VALUES (%s, %s, %s, {_VALUES}) RETURNING id",
                        [seq, prev_hash, digest, *params],
                    )
                    row = (cursor.fetchone()[0], seq, prev_hash, digest)
            if row is not None:
                return row
            # The very first entry (or a flushed test database): create the head, try again.
            cursor.execute(_CREATE_HEAD, [GENESIS_HASH, GENESIS_HASH])
    raise AuditError("The access log's head row is missing")


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
        raise AuditError("Only break-the-glass accesses are reviewed")
    if actor.organisation is None or entry.organisation_id != actor.organisation.pk:
        raise AuditError("The entry belongs to another organisation")
    with transaction.atomic():
        if BreakGlassReview.objects.filter(entry=entry).exists():
            raise AuditError("The access has already been reviewed")
        return BreakGlassReview.objects.create(
            entry=entry,
            organisation=actor.organisation,
            reviewed_by=actor.user,
            reviewed_at=timezone.now(),
            outcome=outcome,
            comment=comment.strip(),
        )
