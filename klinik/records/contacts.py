"""Contacts follow the reception board: arriving opens the contact, finishing closes it.

Registered with scheduling.hooks in RecordsConfig.ready(); runs inside the status change's
transaction. Reception staff move patients along the board without record rights, so this
does not ask for RECORD_WRITE; the status change itself is in the access log.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from contextlib import suppress
from typing import TYPE_CHECKING

from django.db.models import ProtectedError
from django.utils import timezone

from klinik.records.choices import ContactKind
from klinik.records.hooks import contact_closed
from klinik.records.models import Contact, ContactDiagnosis, ContactProcedure, JournalEntry

if TYPE_CHECKING:
    from klinik.core.policy import Actor
    from klinik.scheduling.models import Appointment

# Appointment statuses (scheduling.choices.AppointmentStatus values; compared as strings so
# this module needs nothing from scheduling at import time).
_ARRIVED, _IN_PROGRESS, _FINISHED = "arrived", "in_progress", "finished"


def _practitioner_user_id(appointment: Appointment) -> int | None:
    hold = (
        appointment.resource_holds.filter(
            resource__kind="practitioner", resource__user__isnull=False
        )
        .values_list("resource__user_id", flat=True)
        .first()
    )
    return hold


def contact_follow_appointment(
    appointment: Appointment, previous: str, status: str, actor: Actor | None
) -> None:
    contact = Contact.objects.filter(appointment=appointment).first()
    if status in (_ARRIVED, _IN_PROGRESS) and contact is None:
        Contact.objects.create(
            organisation_id=appointment.organisation_id,
            unit_id=appointment.unit_id,
            patient_id=appointment.patient_id,
            appointment=appointment,
            kind=ContactKind.PHYSICAL,
            reason=appointment.appointment_type.name[:200],
            started_at=appointment.arrived_at or timezone.now(),
            responsible_id=_practitioner_user_id(appointment),
            created_by=actor.user if actor is not None else None,
        )
    elif status == _FINISHED and contact is not None and contact.ended_at is None:
        contact.ended_at = max(timezone.now(), contact.started_at)
        contact.save(update_fields=["ended_at"])
        contact_closed(contact, actor)
    elif status in (_ARRIVED, _IN_PROGRESS) and contact is not None and contact.ended_at:
        # "Finished" undone: the contact is open again.
        contact.ended_at = None
        contact.save(update_fields=["ended_at"])
    elif status not in (_ARRIVED, _IN_PROGRESS, _FINISHED) and contact is not None:
        # Arrival undone (back to booked, no-show, cancelled). A contact nothing was written
        # on goes; one with entries or codes stays as it is, since the record keeps it.
        used = (
            JournalEntry.objects.filter(contact=contact).exists()
            or ContactDiagnosis.objects.filter(contact=contact).exists()
            or ContactProcedure.objects.filter(contact=contact).exists()
        )
        if not used:
            # Still referenced (a draft, a measurement, a document): it stays. Django checks
            # the references before deleting anything, so the transaction is unharmed.
            with suppress(ProtectedError):
                contact.delete()


def contact_care_relation(organisation_id: int, unit_id: int, patient_id: int) -> bool:
    """A unit that has had a contact with the patient treats them (phone and written contacts
    too, which have no appointment). Registered on patients.hooks.CARE_RELATION."""
    return Contact.objects.filter(
        organisation_id=organisation_id, patient_id=patient_id, unit_id=unit_id
    ).exists()


def contacts_by_public_ids(
    *, organisation_id: int, public_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, tuple[int, int]]:
    """The organisation's contacts among the public ids: public id → (id, unit id), for the
    DRG import (reporting) to tie a region's line to a contact."""
    wanted = list(public_ids)
    found: dict[uuid.UUID, tuple[int, int]] = {}
    for start in range(0, len(wanted), 500):
        for public_id, pk, unit_id in Contact.objects.filter(
            organisation_id=organisation_id, public_id__in=wanted[start : start + 500]
        ).values_list("public_id", "id", "unit_id"):
            found[public_id] = (pk, unit_id)
    return found
