"""The one door to a MedCom message: organisation scope, permission, the same 404 for missing
and foreign, and the read logged (with the patient when the message has one)."""

from __future__ import annotations

from klinik.audit.choices import Channel, Purpose
from klinik.core.policy import Actor, Perm
from klinik.correspondence.access import access_row
from klinik.correspondence.models import CareMessage


def access_care_message(
    *, actor: Actor, public_id: object, channel: Channel = Channel.UI, for_update: bool = False
) -> CareMessage:
    """The message, read and logged; `for_update`: to act on it (the service logs)."""
    return access_row(
        CareMessage.objects.select_related("patient", "unit", "partner"),
        actor=actor,
        public_id=public_id,
        channel=channel,
        for_update=for_update,
        perms=(Perm.RECORD_READ, Perm.RECORD_WRITE),
        purpose=Purpose.TREATMENT,
        object_type="care_message",
    )
