"""The doors to correspondence: an outbox message, a letter, a MedCom message. Each is the same
door: organisation scope, permission, the same 404 for missing and foreign, and the read of the
row (with its patient, when it has one) in the access log; `for_update`: to act on it (the
service logs)."""

from __future__ import annotations

import uuid
from typing import TypeVar

from django.db.models import QuerySet
from django.http import Http404

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.core.policy import Actor, Perm, require
from klinik.correspondence.models import (
    CareMessage,
    Certificate,
    IncomingLetter,
    Letter,
    OutboxMessage,
    PatientMessage,
    Renewal,
)

Row = TypeVar(
    "Row", OutboxMessage, Letter, CareMessage, IncomingLetter, Renewal, Certificate, PatientMessage
)


def access_row(
    rows: QuerySet[Row],
    *,
    actor: Actor,
    public_id: object,
    channel: Channel,
    for_update: bool,
    perms: tuple[Perm, Perm],
    purpose: Purpose,
    object_type: str,
) -> Row:
    """One row of `rows` by public id: `perms` are (to read, to act on it)."""
    require(actor, perms[1] if for_update else perms[0])
    try:
        key = uuid.UUID(str(public_id))
    except ValueError as exc:
        raise Http404 from exc
    row = rows.filter(public_id=key, organisation_id__in=actor.organisation_ids).first()
    if row is None:
        raise Http404
    if not for_update:
        access_log_record(
            actor=actor,
            action=Action.VIEW,
            purpose=purpose,
            channel=channel,
            object_type=object_type,
            object_id=row.public_id,
            patient_id=row.patient.public_id if row.patient is not None else None,
            organisation_id=row.organisation_id,
        )
    return row


def access_outbox_message(
    *, actor: Actor, public_id: object, channel: Channel = Channel.UI, for_update: bool = False
) -> OutboxMessage:
    """The message, its text read and logged."""
    return access_row(
        OutboxMessage.objects.select_related("patient", "unit"),
        actor=actor,
        public_id=public_id,
        channel=channel,
        for_update=for_update,
        perms=(Perm.SCHEDULE_VIEW, Perm.SCHEDULE_BOOK),
        purpose=Purpose.ADMINISTRATION,
        object_type="outbox_message",
    )
