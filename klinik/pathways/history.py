"""What every change of a referral, pathway or task leaves behind: an entry in the access log
(in the caller's transaction) and, for referrals, an event in the referral's history."""

from __future__ import annotations

import uuid

from django.utils import timezone

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.core.models import Unit
from klinik.core.policy import Actor
from klinik.pathways.models import Referral, ReferralEvent


def pathways_access_log(
    *,
    actor: Actor | None,
    action: Action,
    object_type: str,
    object_id: uuid.UUID,
    patient_public_id: uuid.UUID | None,
    organisation_id: int,
    channel: Channel,
    reason: str = "",
) -> None:
    access_log_record(
        actor=actor,
        action=action,
        purpose=Purpose.ADMINISTRATION,
        channel=channel,
        object_type=object_type,
        object_id=object_id,
        patient_id=patient_public_id,
        organisation_id=organisation_id,
        reason=reason,
    )


def referral_event_add(
    referral: Referral,
    actor: Actor | None,
    kind: str,
    *,
    note: str = "",
    from_unit: Unit | None = None,
    to_unit: Unit | None = None,
) -> ReferralEvent:
    return ReferralEvent.objects.create(
        organisation_id=referral.organisation_id,
        referral=referral,
        at=timezone.now(),
        by=actor.user if actor is not None else None,
        kind=kind,
        note=note,
        from_unit=from_unit,
        to_unit=to_unit,
    )
