"""Reading the access log: verification, per-patient reports, review queues."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from klinik.audit.chain import GENESIS_HASH, entry_hash
from klinik.audit.models import AccessLogEntry, ChainHead

_HASHED_FIELDS = (
    "seq",
    "occurred_at",
    "user_id",
    "username",
    "organisation_id",
    "unit_id",
    "role",
    "action",
    "object_type",
    "object_id",
    "patient_id",
    "purpose",
    "reason",
    "is_break_glass",
    "channel",
)


@dataclass(frozen=True)
class ChainBreak:
    seq: int | None
    entry_id: int | None
    problem: str


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_break: ChainBreak | None

    @property
    def is_intact(self) -> bool:
        return self.first_break is None


def access_log_verify(*, chunk_size: int = 5000) -> ChainReport:
    """Recompute every hash in order; report the first entry that does not fit the chain.

    The head is read first, so entries appended while verifying (a live system) are left for
    the next run instead of being mistaken for a break.
    """
    head = ChainHead.objects.filter(pk=1).first()
    head_seq, head_hash = (head.seq, head.last_hash) if head else (0, GENESIS_HASH)
    expected_prev = GENESIS_HASH
    expected_seq = 1
    rows: Iterable[dict] = (
        AccessLogEntry.objects.filter(seq__lte=head_seq)
        .order_by("seq")
        .values("id", "prev_hash", "entry_hash", *_HASHED_FIELDS)
        .iterator(chunk_size=chunk_size)
    )
    for row in rows:
        checked = expected_seq - 1
        if row["seq"] != expected_seq:
            return ChainReport(
                checked, ChainBreak(expected_seq, None, f"entry #{expected_seq} is missing")
            )
        if row["prev_hash"] != expected_prev:
            return ChainReport(
                checked, ChainBreak(row["seq"], row["id"], "does not link to the entry before it")
            )
        if entry_hash(row, row["prev_hash"]) != row["entry_hash"]:
            return ChainReport(
                checked, ChainBreak(row["seq"], row["id"], "content does not match its hash")
            )
        expected_prev = row["entry_hash"]
        expected_seq += 1
    checked = expected_seq - 1
    if checked != head_seq or expected_prev != head_hash:
        return ChainReport(
            checked,
            ChainBreak(
                checked + 1, None, f"the chain ends at #{checked} but its head says #{head_seq}"
            ),
        )
    return ChainReport(checked, None)


def access_log_for_patient(
    *, patient_id: uuid.UUID, organisation_ids: Iterable[int]
) -> QuerySet[AccessLogEntry]:
    """Who accessed this patient's data, newest first (the patient's right of insight)."""
    return (
        AccessLogEntry.objects.filter(patient_id=patient_id, organisation_id__in=organisation_ids)
        .select_related("organisation", "unit", "user")
        .order_by("-occurred_at", "-seq")
    )


def break_glass_pending(*, organisation_id: int) -> QuerySet[AccessLogEntry]:
    """Break-the-glass accesses in the organisation still waiting for review."""
    return (
        AccessLogEntry.objects.filter(
            organisation_id=organisation_id, is_break_glass=True, review__isnull=True
        )
        .select_related("user", "unit")
        .order_by("-seq")
    )


def access_log_for_user(*, user_id: int, organisation_id: int) -> QuerySet[AccessLogEntry]:
    return AccessLogEntry.objects.filter(user_id=user_id, organisation_id=organisation_id).order_by(
        "-seq"
    )
