"""The keys the access log's chain is signed with. They live outside the database.

Settings give the current key (KLINIK_AUDIT_KEY) and the retired ones that older entries were
written with (KLINIK_AUDIT_RETIRED_KEYS). Each entry stores the id of its key: a fingerprint of
the key, so rotating needs no naming and an id never reveals the key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

KEY_ID_LENGTH = 16
MINIMUM_KEY_LENGTH = 32
MISSING_KEY = (
    "No access-log key: set KLINIK_AUDIT_KEY or create $KLINIK_DATA_DIR/audit_key "
    "(`make run` creates one on first start)."
)


@dataclass(frozen=True)
class AuditKey:
    id: str
    secret: bytes = field(repr=False)


@lru_cache(maxsize=16)
def _key(text: str) -> AuditKey:
    secret = text.encode()
    digest = hashlib.sha256(b"klinik-audit-key-id\0" + secret).hexdigest()
    return AuditKey(id=digest[:KEY_ID_LENGTH], secret=secret)


def audit_key_current() -> AuditKey:
    """The key new entries are signed with; refuses to go on without one."""
    text = settings.KLINIK_AUDIT_KEY
    if not text:
        raise ImproperlyConfigured(MISSING_KEY)
    return _key(text)


def audit_keys() -> dict[str, AuditKey]:
    """Every configured key (current and retired) by id: what verification can check."""
    texts = [settings.KLINIK_AUDIT_KEY, *settings.KLINIK_AUDIT_RETIRED_KEYS]
    return {key.id: key for key in (_key(text) for text in texts if text)}
