"""The one door to appointments: organisation scope, permission, same 404 for missing and
foreign. `appointment_detail` is the read that shows an appointment with its patient, and
writes that read to the access log; `access_appointment` finds one to act on (the service
that then changes it logs the change)."""

from __future__ import annotations

import uuid

from django.http import Http404

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.core import rows
from klinik.core.models import Unit
from klinik.core.policy import Actor, Perm, require
from klinik.scheduling.choices import AppointmentStatus
from klinik.scheduling.models import Appointment, AppointmentType, Resource


def _uuid(value: object) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise Http404 from exc


def access_appointment(*, actor: Actor, public_id: object, for_update: bool = False) -> Appointment:
    require(actor, Perm.SCHEDULE_BOOK if for_update else Perm.SCHEDULE_VIEW)
    appointment = (
        Appointment.objects.select_related("patient", "appointment_type", "unit")
        .filter(public_id=_uuid(public_id), organisation_id__in=actor.organisation_ids)
        .first()
    )
    if appointment is None:
        raise Http404
    return appointment


def appointment_detail(
    *,
    actor: Actor,
    public_id: object,
    channel: Channel = Channel.UI,
    purpose: Purpose = Purpose.ADMINISTRATION,
) -> Appointment:
    """One appointment to show, with its patient, type, unit and held resources; the read is
    written to the access log (about the patient, under the appointment's organisation).
    The same 404 for missing and foreign, and nothing logged then."""
    require(actor, Perm.SCHEDULE_VIEW)
    appointment = (
        Appointment.objects.select_related("patient", "appointment_type", "unit")
        .filter(public_id=_uuid(public_id), organisation_id__in=actor.organisation_ids)
        .first()
    )
    if appointment is None:
        raise Http404
    access_log_record(
        actor=actor,
        action=Action.VIEW,
        purpose=purpose,
        channel=channel,
        object_type="appointment",
        object_id=appointment.public_id,
        patient_id=appointment.patient.public_id,
        organisation_id=appointment.organisation_id,
    )
    return appointment


def access_appointment_type(*, actor: Actor, public_id: object) -> AppointmentType:
    require(actor, Perm.SCHEDULE_VIEW)
    found = rows.by_public_id(
        AppointmentType, _uuid(public_id), actor.organisation_ids, related="unit"
    )
    if found is None or not found.is_active:
        raise Http404
    return found


def access_resource(*, actor: Actor, public_id: object) -> Resource:
    require(actor, Perm.SCHEDULE_VIEW)
    found = rows.by_public_id(Resource, _uuid(public_id), actor.organisation_ids)
    if found is None:
        raise Http404
    return found


def appointment_care_relation(organisation_id: int, unit_id: int, patient_id: int) -> bool:
    """A unit treats a patient it has booked (and not cancelled): registered with
    patients.hooks.CARE_RELATION, asked when someone in the unit opens the patient."""
    return (
        Appointment.objects.filter(
            organisation_id=organisation_id, patient_id=patient_id, unit_id=unit_id
        )
        .exclude(status=AppointmentStatus.CANCELLED)
        .exists()
    )


def schedule_units(*, actor: Actor) -> list[Unit]:
    """The active units whose schedule the actor works (reception, waiting list): every
    active unit of the actor's organisations (for a community receptionist, all the
    community's clinics)."""
    require(actor, Perm.SCHEDULE_VIEW)
    return list(
        Unit.objects.filter(
            organisation_id__in=actor.organisation_ids,
            is_active=True,
            organisation__is_active=True,
        )
        .select_related("organisation")
        .order_by("organisation__name", "name")
    )


def access_schedule_unit(*, actor: Actor, public_id: object) -> Unit:
    """One active unit of the actor's organisations; the same 404 for missing and foreign."""
    require(actor, Perm.SCHEDULE_VIEW)
    try:
        key = uuid.UUID(str(public_id))
    except ValueError as exc:
        raise Http404 from exc
    unit = (
        Unit.objects.select_related("organisation")
        .filter(
            public_id=key,
            organisation_id__in=actor.organisation_ids,
            is_active=True,
            organisation__is_active=True,
        )
        .first()
    )
    if unit is None:
        raise Http404
    return unit
