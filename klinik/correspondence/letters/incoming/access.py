"""The one door to an incoming letter: organisation scope, permission, one 404, the read
logged (with its patient once it has one)."""

from __future__ import annotations

from klinik.audit.choices import Channel, Purpose
from klinik.core.policy import Actor, Perm
from klinik.correspondence.access import access_row
from klinik.correspondence.models import IncomingLetter


def access_incoming_letter(
    *, actor: Actor, public_id: object, channel: Channel = Channel.UI, for_update: bool = False
) -> IncomingLetter:
    """The incoming letter, read and logged; `for_update`: to act on it (the service logs)."""
    return access_row(
        IncomingLetter.objects.select_related("patient", "unit", "registered_by"),
        actor=actor,
        public_id=public_id,
        channel=channel,
        for_update=for_update,
        perms=(Perm.RECORD_READ, Perm.RECORD_WRITE),
        purpose=Purpose.TREATMENT,
        object_type="incoming_letter",
    )
