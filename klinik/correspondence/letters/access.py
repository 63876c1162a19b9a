"""The one door to a letter: organisation scope, permission, one 404, the read logged."""

from __future__ import annotations

import uuid

from django.http import Http404

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.core.policy import Actor, Perm, require
from klinik.correspondence.models import Letter


def access_letter(
    *, actor: Actor, public_id: object, channel: Channel = Channel.UI, for_update: bool = False
) -> Letter:
    require(actor, Perm.RECORD_WRITE if for_update else Perm.RECORD_READ)
    try:
        key = uuid.UUID(str(public_id))
    except ValueError as exc:
        raise Http404 from exc
    letter = (
        Letter.objects.select_related("patient", "unit", "organisation")
        .filter(public_id=key, organisation_id__in=actor.organisation_ids)
        .first()
    )
    if letter is None:
        raise Http404
    if not for_update:
        access_log_record(
            actor=actor,
            action=Action.VIEW,
            purpose=Purpose.TREATMENT,
            channel=channel,
            object_type="letter",
            object_id=letter.public_id,
            patient_id=letter.patient.public_id,
            organisation_id=letter.organisation_id,
        )
    return letter
