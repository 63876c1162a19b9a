"""The hash that chains access-log entries. One definition, used to write and to verify."""

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

GENESIS_HASH = "0" * 64


def _timestamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(fields: dict[str, Any], prev_hash: str) -> str:
    """sha256 over a canonical JSON array of the entry's fields and the previous hash."""
    payload = [
        fields["seq"],
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
        prev_hash,
    ]
    encoded = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()
