"""The hashes that chain access-log entries. One definition, used to write and to verify.

An entry's content hash covers its fields; its chain hash is sha256 of the previous chain hash
followed by the content hash (both as hex text). The database computes the chain hash while
advancing the head row (services._append), so appending is one statement on PostgreSQL.
"""

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

GENESIS_HASH = "0" * 64


def _timestamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def content_hash(fields: dict[str, Any]) -> str:
    """sha256 over a canonical JSON array of the entry's fields (its position is the chain's)."""
    payload = [
        _timestamp(fields["occurred_at"]),
        fields["user_id"],
        fields["username"],
        fields["organisation_id"],
        fields["unit_id"],
        fields["role"],
        fields["action"],
        fields["object_type"],
        fields["object_id"],
        str(fields["patient_id"]) if fields["patient_id"] else None,
        fields["purpose"],
        fields["reason"],
        bool(fields["is_break_glass"]),
        fields["channel"],
    ]
    encoded = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()


def link_hash(prev_hash: str, content: str) -> str:
    return hashlib.sha256((prev_hash + content).encode()).hexdigest()


def entry_hash(fields: dict[str, Any], prev_hash: str) -> str:
    return link_hash(prev_hash, content_hash(fields))
