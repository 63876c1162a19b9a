"""Reading the access log: verification, per-patient reports, review queues."""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Max, QuerySet

from klinik.audit.chain import (
    GENESIS_HASH,
    content_hash,
    legacy_link_hash,
    legacy_seal,
    link_hash,
)
from klinik.audit.errors import AuditCode
from klinik.audit.keys import AuditKey, audit_keys
from klinik.audit.models import AccessLogEntry, ChainHead
from klinik.audit.witness import Checkpoint, WitnessError, checkpoints_read

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
    legacy: int = 0  # unkeyed entries from before the chain was keyed, accepted
    checkpoints: int = 0  # witness checkpoints the chain was held to
    last_checkpoint: Checkpoint | None = None
    witness: Path | None = None  # None: no witness file, so a cut tail would go unnoticed

    @property
    def is_intact(self) -> bool:
        return self.first_break is None


def access_log_verify(*, chunk_size: int = 5000, witness: Path | None = None) -> ChainReport:
    """Recompute every hash in order and hold the chain to the witness checkpoints; report the
    first thing that does not fit.

    The witness is read first and the head next, so checkpoints and entries written while
    verifying (a live system) are left for the next run instead of being mistaken for a break.
    """
    path = witness or settings.KLINIK_AUDIT_WITNESS
    try:
        checkpoints = checkpoints_read(path)
        witnessed = _witnessed(checkpoints or [])
    except WitnessError as exc:
        return ChainReport(0, ChainBreak(None, None, str(exc)))
    head = ChainHead.objects.filter(pk=1).first()
    walk = _ChainWalk(
        head_seq=head.seq if head else 0,
        legacy_seq=head.legacy_seq if head else 0,
        legacy_seal=head.legacy_seal if head else "",
        keys=audit_keys(),
        witnessed=witnessed,
    )
    report = walk.run(
        AccessLogEntry.objects.filter(seq__lte=walk.head_seq)
        .order_by("seq")
        .values("id", "prev_hash", "entry_hash", "key_id", *_HASHED_FIELDS)
        .iterator(chunk_size=chunk_size),
        head_hash=head.last_hash if head else GENESIS_HASH,
    )
    if report.first_break is None:
        report = _beyond_the_head(report) or report
    last = max(checkpoints, key=lambda c: c.seq) if checkpoints else None
    return ChainReport(
        checked=report.checked,
        first_break=report.first_break,
        legacy=report.legacy,
        checkpoints=len(checkpoints or []),
        last_checkpoint=last,
        witness=path if checkpoints is not None else None,
    )


class _ChainWalk:
    def __init__(
        self,
        *,
        head_seq: int,
        legacy_seq: int,
        legacy_seal: str,
        keys: dict[str, AuditKey],
        witnessed: dict[int, Checkpoint],
    ) -> None:
        self.head_seq = head_seq
        self.legacy_seq = legacy_seq
        self.legacy_seal = legacy_seal
        self.keys = keys
        self.witnessed = witnessed

    def run(self, rows: Iterable[dict[str, Any]], *, head_hash: str) -> ChainReport:
        expected_prev, expected_seq = GENESIS_HASH, 1
        for row in rows:
            checked = expected_seq - 1
            problem = self._problem(row, expected_seq, expected_prev)
            if problem is not None:
                return ChainReport(checked, problem, legacy=min(checked, self.legacy_seq))
            expected_prev = row["entry_hash"]
            expected_seq += 1
        checked = expected_seq - 1
        problem = self._head_problem(checked, expected_prev, head_hash)
        return ChainReport(checked, problem, legacy=min(checked, self.legacy_seq))

    def _problem(
        self, row: dict[str, Any], expected_seq: int, expected_prev: str
    ) -> ChainBreak | None:
        seq, entry_id = row["seq"], row["id"]
        if seq != expected_seq:
            return ChainBreak(expected_seq, None, f"entry #{expected_seq} is missing")
        if row["prev_hash"] != expected_prev:
            return ChainBreak(seq, entry_id, "does not link to the entry before it")
        content = content_hash(row)
        if not row["key_id"]:
            if seq > self.legacy_seq:
                return ChainBreak(
                    seq,
                    entry_id,
                    "has no key, but only the entries written before the log was keyed "
                    f"(up to #{self.legacy_seq}) may lack one",
                )
            digest = legacy_link_hash(row["prev_hash"], content)
        else:
            key = self.keys.get(row["key_id"])
            if key is None:
                return ChainBreak(
                    seq,
                    entry_id,
                    f"was signed with key {row['key_id']}, which is not configured "
                    "(KLINIK_AUDIT_KEY, KLINIK_AUDIT_RETIRED_KEYS)",
                )
            digest = link_hash(key.secret, row["prev_hash"], content)
        if not hmac.compare_digest(digest, row["entry_hash"]):
            return ChainBreak(seq, entry_id, "content does not match its hash")
        if seq == self.legacy_seq and not self._seals_the_legacy_prefix(row["entry_hash"]):
            return ChainBreak(
                seq,
                entry_id,
                "ends the entries from before the log was keyed, but the head's seal for them "
                "does not match (or its key is not configured)",
            )
        checkpoint = self.witnessed.get(seq)
        if checkpoint is not None and checkpoint.hash != row["entry_hash"]:
            return ChainBreak(
                seq, entry_id, f"differs from the witness checkpoint of {_when(checkpoint)}"
            )
        return None

    def _seals_the_legacy_prefix(self, last_legacy_hash: str) -> bool:
        key_id, _, seal = self.legacy_seal.partition(":")
        key = self.keys.get(key_id)
        if key is None:
            return False
        expected = legacy_seal(key.secret, self.legacy_seq, last_legacy_hash)
        return hmac.compare_digest(expected, seal)

    def _head_problem(self, checked: int, last_hash: str, head_hash: str) -> ChainBreak | None:
        if checked != self.head_seq or last_hash != head_hash:
            return ChainBreak(
                checked + 1,
                None,
                f"the chain ends at #{checked} but its head says #{self.head_seq}",
            )
        if self.legacy_seq > checked:
            # The seal is checked at entry #legacy_seq: a boundary past the end escapes it.
            return ChainBreak(
                None,
                None,
                f"the head says entries up to #{self.legacy_seq} were written before the log "
                f"was keyed, but the chain ends at #{checked}",
            )
        beyond = [c for c in self.witnessed.values() if c.seq > self.head_seq]
        if beyond:
            last = max(beyond, key=lambda c: c.seq)
            return ChainBreak(
                self.head_seq + 1,
                None,
                f"the head is at #{self.head_seq}, below the witness checkpoint #{last.seq} of "
                f"{_when(last)}: the newest entries were removed",
            )
        return None


def _witnessed(checkpoints: list[Checkpoint]) -> dict[int, Checkpoint]:
    """The checkpoints by sequence number (the empty chain's left out)."""
    by_seq: dict[int, Checkpoint] = {}
    for checkpoint in checkpoints:
        earlier = by_seq.setdefault(checkpoint.seq, checkpoint)
        if earlier.hash != checkpoint.hash:
            raise WitnessError(
                AuditCode.WITNESS_CONFLICT,
                f"The witness checkpoints of {_when(earlier)} and {_when(checkpoint)} name "
                f"different hashes for entry #{checkpoint.seq}",
            )
    by_seq.pop(0, None)
    return by_seq


def _beyond_the_head(report: ChainReport) -> ChainReport | None:
    """Entries numbered past the head: the head was wound back (or deleted) over them.

    The highest number is read before the head again: an append commits its entry and the head
    together, so on an honest log the head read second is never below it.
    """
    highest = AccessLogEntry.objects.aggregate(highest=Max("seq"))["highest"] or 0
    head_seq = ChainHead.objects.filter(pk=1).values_list("seq", flat=True).first() or 0
    if highest <= head_seq:
        return None
    return ChainReport(
        report.checked,
        ChainBreak(
            head_seq + 1,
            None,
            f"entries up to #{highest} exist, but the head says #{head_seq}",
        ),
        legacy=report.legacy,
    )


def _when(checkpoint: Checkpoint) -> str:
    return checkpoint.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


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
