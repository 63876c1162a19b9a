"""The one door to a renewal: organisation scope, permission, one 404, the read logged."""

from __future__ import annotations

from klinik.audit.choices import Channel, Purpose
from klinik.core.policy import Actor, Perm
from klinik.correspondence.access import access_row
from klinik.correspondence.models import Renewal


def access_renewal(
    *, actor: Actor, public_id: object, channel: Channel = Channel.UI, for_update: bool = False
) -> Renewal:
    """The renewal, read and logged; `for_update`: to act on it (the service logs)."""
    return access_row(
        Renewal.objects.select_related("patient", "unit", "doctor", "decided_by"),
        actor=actor,
        public_id=public_id,
        channel=channel,
        for_update=for_update,
        perms=(Perm.RECORD_READ, Perm.RECORD_READ),
        purpose=Purpose.TREATMENT,
        object_type="renewal",
    )
