"""Tampering as someone with the database's credentials would: raw SQL, and the chain's public
algorithm (klinik/audit/chain.py) without the key, which lives outside the database.

`owner` is the role the tests connect as, like Klinik connects unless deployed as
docs/deployment.md says: it owns the tables and may switch their triggers off.
`application_role` is the role the deployment guide creates: not the owner.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection

from klinik.audit.chain import GENESIS_HASH, content_hash, legacy_link_hash
from klinik.audit.models import AccessLogEntry

_FIELDS = (
    "id", "seq", "prev_hash", "entry_hash", "key_id", "occurred_at", "user_id", "username",
    "organisation_id", "unit_id", "role", "action", "object_type", "object_id", "patient_id",
    "purpose", "reason", "is_break_glass", "channel",
)  # fmt: skip


def _execute(sql: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def guards_off() -> None:
    """The owner's first step: the triggers that refuse changes go."""
    if connection.vendor == "postgresql":
        # The test's own inserts left foreign-key checks pending, which ALTER TABLE refuses.
        _execute("SET CONSTRAINTS ALL IMMEDIATE")
        _execute("ALTER TABLE audit_accesslogentry DISABLE TRIGGER USER")
        _execute("ALTER TABLE audit_chainhead DISABLE TRIGGER USER")
    else:
        _execute("DROP TRIGGER audit_entry_no_update")
        _execute("DROP TRIGGER audit_head_forward")


def entries() -> list[dict[str, Any]]:
    return list(AccessLogEntry.objects.order_by("seq").values(*_FIELDS))


def edit(entry_id: int, **columns: Any) -> None:
    for column, value in columns.items():
        # Column names come from the test, values go as parameters.
        _execute(
            f"UPDATE audit_accesslogentry SET {column} = %s WHERE id = %s",  # noqa: S608
            [value, entry_id],
        )


def head_set(**columns: Any) -> None:
    for column, value in columns.items():
        _execute(f"UPDATE audit_chainhead SET {column} = %s WHERE id = 1", [value])  # noqa: S608


def rechain(*, from_seq: int = 1, unkeyed: bool = False) -> None:
    """Recompute the hashes from entry `from_seq` on with the public algorithm (sha256, no
    key), as if nothing had been changed, and move the head to match. `unkeyed` also passes
    those entries off as written before the chain was keyed."""
    prev_hash = GENESIS_HASH
    for row in entries():
        if row["seq"] >= from_seq:
            digest = legacy_link_hash(prev_hash, content_hash(row))
            edit(row["id"], prev_hash=prev_hash, entry_hash=digest)
            if unkeyed:
                edit(row["id"], key_id="")
            row["entry_hash"] = digest
        prev_hash = row["entry_hash"]
    head_set(last_hash=prev_hash)


def delete_newest(count: int) -> None:
    """Remove the newest entries and wind the head back to the one before them."""
    rows = entries()
    kept, removed = rows[:-count], rows[-count:]
    for row in removed:
        _execute("DELETE FROM audit_accesslogentry WHERE id = %s", [row["id"]])
    newest = kept[-1] if kept else None
    head_set(
        seq=newest["seq"] if newest else 0,
        last_hash=newest["entry_hash"] if newest else GENESIS_HASH,
    )


def truncate() -> None:
    """Empty the log and wind the head back to the start."""
    if connection.vendor == "postgresql":
        _execute("TRUNCATE audit_accesslogentry CASCADE")
    else:
        _execute("DELETE FROM audit_breakglassreview")
        _execute("DELETE FROM audit_accesslogentry")
    head_set(seq=0, prev_hash=GENESIS_HASH, last_hash=GENESIS_HASH)


@contextmanager
def application_role() -> Iterator[str]:
    """PostgreSQL: act as a role like the deployment guide's application role: granted what
    Klinik needs (and, carelessly, TRUNCATE too), owning nothing. Created inside the test's
    transaction, so it is gone with the rollback."""
    name = f"klinik_test_app_{uuid.uuid4().hex[:12]}"
    _execute(f"CREATE ROLE {name} NOLOGIN")
    _execute(f"GRANT USAGE ON SCHEMA public TO {name}")
    _execute(
        f"GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public TO {name}"
    )
    _execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {name}")
    _execute("SET CONSTRAINTS ALL IMMEDIATE")  # else TRUNCATE stops at the pending checks
    _execute(f"SET ROLE {name}")
    try:
        yield name
    finally:
        _execute("RESET ROLE")
