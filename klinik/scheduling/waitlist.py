"""The waitlist: patients waiting for a type of appointment, offered a time when one is
cancelled."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.core.policy import Actor, Perm, require
from klinik.patients.models import Patient
from klinik.scheduling.availability import LOCAL
from klinik.scheduling.booking_rules import appointment_type_check
from klinik.scheduling.choices import BookedVia, ResourceKind, WaitlistStatus
from klinik.scheduling.models import (
    Appointment,
    AppointmentResource,
    AppointmentType,
    Resource,
    WaitlistEntry,
)


def waitlist_add(
    *,
    actor: Actor,
    patient: Patient,
    appointment_type: AppointmentType,
    practitioner: Resource | None = None,
    earliest: date | None = None,
    latest: date | None = None,
    note: str = "",
) -> WaitlistEntry:
    require(actor, Perm.SCHEDULE_BOOK)
    appointment_type_check(actor, appointment_type, patient, BookedVia.STAFF)
    with transaction.atomic(durable=True):
        entry = WaitlistEntry.objects.create(
            organisation_id=appointment_type.organisation_id,
            unit_id=appointment_type.unit_id,
            patient=patient,
            appointment_type=appointment_type,
            practitioner=practitioner,
            earliest=earliest,
            latest=latest,
            note=note[:300],
        )
        access_log_record(
            actor=actor,
            action=Action.CREATE,
            purpose=Purpose.ADMINISTRATION,
            channel=Channel.UI,
            object_type="waitlist_entry",
            object_id=entry.public_id,
            patient_id=patient.public_id,
            organisation_id=patient.organisation_id,
        )
    return entry


def waitlist_offer(cancelled: Appointment) -> WaitlistEntry | None:
    """Offer a freed time to the first patient waiting for that type (and practitioner)."""
    day = timezone.localtime(cancelled.start, LOCAL).date()
    practitioner_ids = list(
        AppointmentResource.objects.filter(
            appointment=cancelled, resource__kind=ResourceKind.PRACTITIONER
        ).values_list("resource_id", flat=True)
    )
    candidates = (
        WaitlistEntry.objects.select_for_update()
        .filter(
            unit_id=cancelled.unit_id,
            appointment_type_id=cancelled.appointment_type_id,
            status=WaitlistStatus.WAITING,
        )
        .exclude(patient_id=cancelled.patient_id)
        .order_by("created_at")
    )
    for entry in candidates:
        if entry.earliest and day < entry.earliest:
            continue
        if entry.latest and day > entry.latest:
            continue
        if entry.practitioner_id and entry.practitioner_id not in practitioner_ids:
            continue
        entry.status = WaitlistStatus.OFFERED
        entry.offered_appointment = cancelled
        entry.save(update_fields=["status", "offered_appointment"])
        return entry
    return None
