"""Reads of the batch letters: the appointments of a unit's day to choose from (a patient
list, logged as one), the batches and a batch's letters."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.http import Http404

from klinik.audit.choices import Channel
from klinik.audit.services import patient_list_log
from klinik.core.models import Unit
from klinik.core.policy import Actor, Perm, require
from klinik.correspondence.models import Letter, LetterBatch
from klinik.scheduling.availability import LOCAL
from klinik.scheduling.choices import AppointmentStatus
from klinik.scheduling.models import Appointment

# A cancelled day's appointments are cancelled already, or still booked until the letters go.
BATCH_STATUSES = (AppointmentStatus.BOOKED, AppointmentStatus.CANCELLED)


def batch_appointments(
    *, actor: Actor, unit: Unit, day: date, channel: Channel = Channel.UI
) -> list[Appointment]:
    """The unit's booked and cancelled appointments on `day` (local time), by start; one
    access-log entry for the list (ADR 0015)."""
    require(actor, Perm.RECORD_WRITE)
    if unit.organisation_id not in actor.organisation_ids:
        return []
    start = datetime.combine(day, time(0), tzinfo=LOCAL)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=LOCAL)
    rows = list(
        Appointment.objects.filter(
            organisation_id=unit.organisation_id,
            unit=unit,
            start__gte=start,
            start__lt=end,
            status__in=BATCH_STATUSES,
        )
        .select_related("patient", "appointment_type")
        .order_by("start", "id")
    )
    patient_list_log(actor, "letter_batch_appointments", len(rows), channel)
    return rows


def batch_appointments_chosen(
    *, actor: Actor, public_ids: list[str], channel: Channel = Channel.UI
) -> list[Appointment]:
    """The chosen appointments (by public id) of the actor's organisations; foreign and
    unknown ids are left out."""
    require(actor, Perm.RECORD_WRITE)
    rows = list(
        Appointment.objects.filter(
            public_id__in=public_ids, organisation_id__in=actor.organisation_ids
        )
        .select_related("patient__unit", "appointment_type")
        .order_by("start", "id")
    )
    patient_list_log(actor, "letter_batch_appointments", len(rows), channel)
    return rows


def letter_batch_list(*, actor: Actor) -> QuerySet[LetterBatch]:
    require(actor, Perm.RECORD_READ)
    return (
        LetterBatch.objects.filter(organisation_id__in=actor.organisation_ids)
        .select_related("unit", "created_by")
        .order_by("-created_at", "-id")[:50]
    )


def letter_batch_letters(*, actor: Actor, batch: LetterBatch) -> list[Letter]:
    """A batch's letters with their patients (a patient list: logged as one)."""
    rows = list(
        Letter.objects.filter(batch=batch, organisation_id__in=actor.organisation_ids)
        .select_related("patient")
        .defer("pdf")
        .order_by("patient__family_name", "patient__given_name", "id")
    )
    patient_list_log(actor, "letter_batch", len(rows), Channel.UI)
    return rows


def letter_batch_get(*, actor: Actor, public_id: object) -> LetterBatch:
    """A batch of the actor's organisations, or 404 (missing and foreign alike). A batch holds
    no patient data itself; its letters are read (and logged) by letter_batch_letters."""
    require(actor, Perm.RECORD_READ)
    try:
        key = uuid.UUID(str(public_id))
    except ValueError as exc:
        raise Http404 from exc
    batch = (
        LetterBatch.objects.select_related("unit", "template", "created_by")
        .filter(public_id=key, organisation_id__in=actor.organisation_ids)
        .first()
    )
    if batch is None:
        raise Http404
    return batch
