"""The one door to a MedCom message: organisation scope, permission, the same 404 for missing
and foreign, and the read logged (with the patient when the message has one)."""

from __future__ import annotations

import uuid

from django.http import Http404

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.core.policy import Actor, Perm, require
from klinik.correspondence.models import CareMessage


def access_care_message(
    *, actor: Actor, public_id: object, channel: Channel = Channel.UI, for_update: bool = False
) -> CareMessage:
    """The message, read and logged; `for_update`: to act on it (the service logs)."""
    require(actor, Perm.RECORD_WRITE if for_update else Perm.RECORD_READ)
    try:
        key = uuid.UUID(str(public_id))
    except ValueError as exc:
        raise Http404 from exc
    message = (
        CareMessage.objects.select_related("patient", "unit", "partner")
        .filter(public_id=key, organisation_id__in=actor.organisation_ids)
        .first()
    )
    if message is None:
        raise Http404
    if not for_update:
        access_log_record(
            actor=actor,
            action=Action.VIEW,
            purpose=Purpose.TREATMENT,
            channel=channel,
            object_type="care_message",
            object_id=message.public_id,
            patient_id=message.patient.public_id if message.patient else None,
            organisation_id=message.organisation_id,
        )
    return message
