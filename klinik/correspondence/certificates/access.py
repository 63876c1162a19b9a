"""The one door to a certificate request: organisation scope, permission, one 404, logged."""

from __future__ import annotations

from klinik.audit.choices import Channel, Purpose
from klinik.core.policy import Actor, Perm
from klinik.correspondence.access import access_row
from klinik.correspondence.models import Certificate


def access_certificate(
    *,
    actor: Actor,
    public_id: object,
    channel: Channel = Channel.UI,
    for_update: bool = False,
    perms: tuple[Perm, Perm] = (Perm.RECORD_READ, Perm.RECORD_WRITE),
) -> Certificate:
    """`perms`: (to read, to act); billing opens it with invoice permissions."""
    return access_row(
        Certificate.objects.select_related("patient", "unit", "certificate_type", "letter"),
        actor=actor,
        public_id=public_id,
        channel=channel,
        for_update=for_update,
        perms=perms,
        purpose=Purpose.TREATMENT,
        object_type="certificate",
    )
