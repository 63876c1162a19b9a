"""What LPR3 asks of a contact beyond Klinik's own fields (issue 18): the contact type, the
priority, the kontaktårsag and the opholdsadresser (stays). Blank type and priority mean the
defaults (Contact.lpr_contact_type, lpr_contact_priority), so only what differs is registered.

Each write checks the code against its SKS value list on the contact's start day, logs the
write in the record's access log in its transaction (record_write_begin) and tells the
CONTACT_CHANGED listeners after the commit (reporting re-validates the patient's report).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from klinik.audit.choices import Action, Channel
from klinik.core.models import Unit
from klinik.core.policy import Actor
from klinik.records.access import record_write_begin
from klinik.records.choices import LPR_PRIORITY_PREFIX, LPR_REASON_PREFIX, LPR_TYPE_PREFIX
from klinik.records.errors import RecordCode, RecordError
from klinik.records.hooks import contact_changed
from klinik.records.models import Contact, ContactStay
from klinik.terminology.selectors import code_lookup

# Formatted with the code and the list: "ALCC09 er ikke en kode fra listen ALCC…".
NOT_IN_LIST = gettext_lazy("%(code)s is not a code of the list %(prefix)s… valid on the day.")
STAY_UNIT_FOREIGN = gettext_lazy("Choose one of the clinic's units.")
STAY_ORDER = gettext_lazy("The stay cannot end before it starts.")
STAY_OUTSIDE = gettext_lazy("The stay must lie within the contact's period.")
STAY_MISSING = gettext_lazy("The stay has already been removed.")


def _listed(code: str, prefix: str, contact: Contact, field: str) -> str:
    code = code.strip().upper()
    if not code:
        return ""
    found = code_lookup(code=code, on=timezone.localdate(contact.started_at))
    if found is None or not found.code.startswith(prefix):
        raise RecordError(
            NOT_IN_LIST % {"code": code, "prefix": prefix},
            code=RecordCode.CODE_UNKNOWN,
            field=field,
        )
    return found.code


def contact_lpr_update(
    *,
    actor: Actor,
    contact: Contact,
    lpr_type: str,
    priority: str,
    reason: str,
    channel: Channel = Channel.UI,
) -> Contact:
    """Register the contact's LPR3 type, priority and kontaktårsag (blank: the default / none)."""
    values = {
        "lpr_type": _listed(lpr_type, LPR_TYPE_PREFIX, contact, "lpr_type"),
        "lpr_priority": _listed(priority, LPR_PRIORITY_PREFIX, contact, "priority"),
        "lpr_reason": _listed(reason, LPR_REASON_PREFIX, contact, "reason"),
    }
    with transaction.atomic(durable=True):
        record_write_begin(
            actor=actor,
            patient=contact.patient,
            channel=channel,
            action=Action.UPDATE,
            object_type="contact",
        )
        locked = Contact.objects.select_for_update().get(pk=contact.pk)
        for name, value in values.items():
            setattr(locked, name, value)
        locked.save(update_fields=list(values))
        contact_changed(locked, actor)
    return locked


def contact_stay_add(
    *,
    actor: Actor,
    contact: Contact,
    unit: Unit,
    started_at: datetime,
    ended_at: datetime | None,
    channel: Channel = Channel.UI,
) -> ContactStay:
    """Add an opholdsadresse: the unit where the patient stayed, from and to, inside the contact."""
    if unit.organisation_id != contact.organisation_id:
        raise RecordError(STAY_UNIT_FOREIGN, code=RecordCode.NO_UNIT, field="unit")
    if ended_at is not None and ended_at < started_at:
        raise RecordError(STAY_ORDER, code=RecordCode.TIME_INVALID, field="ended_at")
    outside = started_at < contact.started_at or (
        contact.ended_at is not None
        and (started_at > contact.ended_at or (ended_at or started_at) > contact.ended_at)
    )
    if outside:
        raise RecordError(STAY_OUTSIDE, code=RecordCode.TIME_INVALID, field="started_at")
    with transaction.atomic(durable=True):
        record_write_begin(
            actor=actor, patient=contact.patient, channel=channel, object_type="contact_stay"
        )
        stay = ContactStay.objects.create(
            organisation_id=contact.organisation_id,
            contact=contact,
            unit=unit,
            started_at=started_at,
            ended_at=ended_at,
            created_by=actor.user,
        )
        contact_changed(contact, actor)
    return stay


def contact_stay_remove(
    *, actor: Actor, contact: Contact, stay_id: int, channel: Channel = Channel.UI
) -> None:
    """Remove a stay registered by mistake (the access log keeps that it was removed)."""
    with transaction.atomic(durable=True):
        record_write_begin(
            actor=actor,
            patient=contact.patient,
            channel=channel,
            action=Action.UPDATE,
            object_type="contact_stay",
        )
        deleted, _rows = ContactStay.objects.filter(contact=contact, pk=stay_id).delete()
        if not deleted:
            raise RecordError(STAY_MISSING, code=RecordCode.ALREADY_REMOVED, field="stay")
        contact_changed(contact, actor)
