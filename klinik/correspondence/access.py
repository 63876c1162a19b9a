"""The one door to an outbox message: organisation scope, permission, the same 404 for missing
and foreign, and the read of its text in the access log."""

from __future__ import annotations

import uuid

from django.http import Http404

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.core.policy import Actor, Perm, require
from klinik.correspondence.models import OutboxMessage


def access_outbox_message(
    *, actor: Actor, public_id: object, channel: Channel = Channel.UI, for_update: bool = False
) -> OutboxMessage:
    """The message, its text read and logged; `for_update`: to act on it (the service logs)."""
    require(actor, Perm.SCHEDULE_BOOK if for_update else Perm.SCHEDULE_VIEW)
    try:
        key = uuid.UUID(str(public_id))
    except ValueError as exc:
        raise Http404 from exc
    message = (
        OutboxMessage.objects.select_related("patient", "unit")
        .filter(public_id=key, organisation_id__in=actor.organisation_ids)
        .first()
    )
    if message is None:
        raise Http404
    if not for_update:
        access_log_record(
            actor=actor,
            action=Action.VIEW,
            purpose=Purpose.ADMINISTRATION,
            channel=channel,
            object_type="outbox_message",
            object_id=message.public_id,
            patient_id=message.patient.public_id,
            organisation_id=message.organisation_id,
        )
    return message
