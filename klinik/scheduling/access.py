"""The one door to appointments: organisation scope, permission, same 404 for missing and
foreign."""

from __future__ import annotations

import uuid

from django.http import Http404

from klinik.core.policy import Actor, Perm, require
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


def access_appointment_type(*, actor: Actor, public_id: object) -> AppointmentType:
    require(actor, Perm.SCHEDULE_VIEW)
    found = AppointmentType.objects.filter(
        public_id=_uuid(public_id), organisation_id__in=actor.organisation_ids, is_active=True
    ).first()
    if found is None:
        raise Http404
    return found


def access_resource(*, actor: Actor, public_id: object) -> Resource:
    require(actor, Perm.SCHEDULE_VIEW)
    found = Resource.objects.filter(
        public_id=_uuid(public_id), organisation_id__in=actor.organisation_ids
    ).first()
    if found is None:
        raise Http404
    return found
