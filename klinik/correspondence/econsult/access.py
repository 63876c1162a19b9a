"""The one door to a patient's message: organisation scope, permission, one 404, the read
logged."""

from __future__ import annotations

from klinik.audit.choices import Channel, Purpose
from klinik.core.policy import Actor, Perm
from klinik.correspondence.access import access_row
from klinik.correspondence.models import PatientMessage


def access_patient_message(
    *, actor: Actor, public_id: object, channel: Channel = Channel.UI, for_update: bool = False
) -> PatientMessage:
    return access_row(
        PatientMessage.objects.select_related("patient", "unit", "assigned_to", "answered_by"),
        actor=actor,
        public_id=public_id,
        channel=channel,
        for_update=for_update,
        perms=(Perm.RECORD_READ, Perm.RECORD_WRITE),
        purpose=Purpose.TREATMENT,
        object_type="patient_message",
    )
