"""What every change of an appointment leaves behind: an event in the appointment's history
and an entry in the access log."""

from __future__ import annotations

from django.utils import timezone

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.core.policy import Actor
from klinik.scheduling.models import Appointment, AppointmentEvent


def appointment_access_log(
    actor: Actor, action: Action, appointment: Appointment, channel: Channel, reason: str = ""
) -> None:
    access_log_record(
        actor=actor,
        action=action,
        purpose=Purpose.ADMINISTRATION,
        channel=channel,
        object_type="appointment",
        object_id=appointment.public_id,
        patient_id=appointment.patient.public_id,
        organisation_id=appointment.organisation_id,
        reason=reason,
    )


def appointment_event_add(
    appointment: Appointment, actor: Actor | None, kind: str, **fields: object
) -> None:
    AppointmentEvent.objects.create(
        organisation_id=appointment.organisation_id,
        appointment=appointment,
        at=timezone.now(),
        by=actor.user if actor is not None else None,
        kind=kind,
        **fields,
    )
