"""The hashes that chain access-log entries. One definition, used to write and to verify.

An entry's content hash is sha256 over its fields; its chain hash is HMAC-SHA256, with a key
kept outside the database (klinik.audit.keys), of the previous chain hash followed by the
content hash (both as hex text). Without the key nobody can recompute the chain after changing
an entry. Entries written before the chain was keyed (key id "") used plain sha256 instead;
verification accepts those only up to the head's `legacy_seq`, sealed with the key
(docs/adr/0013).
"""

import hashlib
import hmac
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


def link_hash(secret: bytes, prev_hash: str, content: str) -> str:
    """The chain hash: HMAC-SHA256 of the previous chain hash and the content hash."""
    return hmac.new(secret, (prev_hash + content).encode(), hashlib.sha256).hexdigest()


def legacy_link_hash(prev_hash: str, content: str) -> str:
    """The unkeyed chain hash of entries written before the key (verification only)."""
    return hashlib.sha256((prev_hash + content).encode()).hexdigest()


def entry_hash(fields: dict[str, Any], prev_hash: str, secret: bytes) -> str:
    return link_hash(secret, prev_hash, content_hash(fields))


def legacy_seal(secret: bytes, legacy_seq: int, last_legacy_hash: str) -> str:
    """The HMAC that fixes where the unkeyed prefix ends and what it holds (migration 0007
    writes it with the same formula)."""
    message = f"klinik-audit-legacy:{legacy_seq}:{last_legacy_hash}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()
