"""Writing to the access log. The only code that creates AccessLogEntry rows."""

from __future__ import annotations

import uuid
from typing import Any, Protocol

from django.db import transaction
from django.utils import timezone

from klinik.audit.chain import GENESIS_HASH, entry_hash
from klinik.audit.choices import Action, Channel, Purpose, ReviewOutcome
from klinik.audit.errors import AuditError
from klinik.audit.models import AccessLogEntry, BreakGlassReview, ChainHead


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
    with transaction.atomic():
        # The head row's lock orders concurrent appends on PostgreSQL; SQLite's write lock
        # (IMMEDIATE transactions) does the same there.
        head = ChainHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            head = ChainHead.objects.create(pk=1, seq=0, last_hash=GENESIS_HASH)
        fields["seq"] = head.seq + 1
        digest = entry_hash(fields, head.last_hash)
        entry = AccessLogEntry.objects.create(prev_hash=head.last_hash, entry_hash=digest, **fields)
        ChainHead.objects.filter(pk=1).update(seq=fields["seq"], last_hash=digest)
    return entry


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
