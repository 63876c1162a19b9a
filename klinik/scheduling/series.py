"""Series: a plan of weekly (or other) occurrences checked before booking, booking them all
or none, and cancelling the rest of a series."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from klinik.audit.choices import Channel
from klinik.core.policy import Actor, Perm, require
from klinik.patients.models import Patient
from klinik.scheduling.availability import LOCAL
from klinik.scheduling.booking import BookingRequest, booking_write
from klinik.scheduling.booking_rules import appointment_type_check, resources_choose
from klinik.scheduling.choices import AppointmentStatus, BookedVia
from klinik.scheduling.errors import BookingCode, BookingError
from klinik.scheduling.models import Appointment, AppointmentSeries, AppointmentType, Resource
from klinik.scheduling.slots import Slot, find_slots
from klinik.scheduling.transitions import appointment_cancel


@dataclass(frozen=True)
class PlannedOccurrence:
    index: int
    start: datetime
    problem: str  # empty when the time is free
    alternative: Slot | None


def series_plan(
    *,
    actor: Actor,
    patient: Patient,
    appointment_type: AppointmentType,
    first_start: datetime,
    count: int,
    interval_days: int = 7,
    practitioner: Resource | None = None,
) -> list[PlannedOccurrence]:
    """Check every occurrence before anything is booked: conflicts are listed with the
    nearest free alternative on the same day or later."""
    require(actor, Perm.SCHEDULE_BOOK)
    appointment_type_check(actor, appointment_type, patient, BookedVia.STAFF)
    plan = []
    for index in range(count):
        start = _same_local_time(first_start, index * interval_days)
        end = start + timedelta(minutes=appointment_type.duration_minutes)
        hold_end = end + timedelta(minutes=appointment_type.buffer_minutes)
        problem = ""
        try:
            if start < timezone.now():
                raise BookingError(BookingError.PAST, code=BookingCode.PAST)
            resources_choose(appointment_type, start, hold_end, practitioner, overbook=False)
        except BookingError as exc:
            problem = exc.message
        alternative = None
        if problem:
            found = find_slots(
                appointment_type=appointment_type,
                start=start,
                end=start + timedelta(days=interval_days),
                practitioner=practitioner,
                limit=1,
            )
            alternative = found[0] if found else None
        plan.append(PlannedOccurrence(index, start, problem, alternative))
    return plan


def _same_local_time(first: datetime, days: int) -> datetime:
    """The same wall-clock time `days` later (weekly sessions stay at 10:00 across DST)."""
    local = timezone.localtime(first, LOCAL)
    return (local.replace(tzinfo=None) + timedelta(days=days)).replace(tzinfo=LOCAL)


def series_book(
    *,
    actor: Actor,
    patient: Patient,
    appointment_type: AppointmentType,
    starts: list[datetime],
    practitioner: Resource | None = None,
    interval_days: int = 7,
    channel: Channel = Channel.UI,
) -> AppointmentSeries:
    """Book all occurrences (as confirmed from the plan) or none."""
    require(actor, Perm.SCHEDULE_BOOK)
    appointment_type_check(actor, appointment_type, patient, BookedVia.STAFF)
    try:
        with transaction.atomic(durable=True):
            series = AppointmentSeries.objects.create(
                organisation_id=appointment_type.organisation_id,
                unit_id=appointment_type.unit_id,
                appointment_type=appointment_type,
                patient=patient,
                interval_days=interval_days,
                count=len(starts),
                created_by=actor.user,
            )
            for index, start in enumerate(starts):
                if start < timezone.now():
                    raise BookingError(BookingError.PAST, code=BookingCode.PAST)
                booking_write(
                    actor,
                    BookingRequest(patient, appointment_type, start, practitioner),
                    via=BookedVia.STAFF,
                    channel=channel,
                    booked_by_actor=actor,
                    series=series,
                    series_index=index,
                )
    except IntegrityError as exc:
        raise BookingError(BookingError.TAKEN, code=BookingCode.TAKEN) from exc
    return series


def series_cancel_rest(
    *, actor: Actor, appointment: Appointment, reason: str, channel: Channel = Channel.UI
) -> int:
    """Cancel this occurrence and the rest of its series."""
    require(actor, Perm.SCHEDULE_BOOK)
    if appointment.series_id is None:
        appointment_cancel(actor=actor, appointment=appointment, reason=reason, channel=channel)
        return 1
    rest = Appointment.objects.filter(
        series_id=appointment.series_id,
        series_index__gte=appointment.series_index,
        status=AppointmentStatus.BOOKED,
    ).order_by("series_index")
    count = 0
    for occurrence in rest:
        appointment_cancel(actor=actor, appointment=occurrence, reason=reason, channel=channel)
        count += 1
    return count
