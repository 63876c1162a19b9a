"""Reads of the schedule's setup: a unit's resources, their hours, absences and closing days,
the appointments an absence would fall on, and the resulting week of a resource."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

import holidays
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    IntegerField,
    Min,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.http import Http404
from django.utils import timezone

from klinik.audit.choices import Channel
from klinik.audit.services import patient_list_log
from klinik.core.models import Membership, Unit, User
from klinik.core.policy import Actor
from klinik.scheduling.availability import LOCAL, load_availability
from klinik.scheduling.choices import ACTIVE_STATUSES
from klinik.scheduling.models import (
    Absence,
    Appointment,
    AppointmentResource,
    Resource,
    UnitSchedule,
    WorkingHours,
)
from klinik.scheduling.selectors import holds_attach


def _uuid(value: object) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise Http404 from exc


def setup_units(*, actor: Actor) -> list[Unit]:
    """The units of the actor's organisations, active first, by name."""
    return list(
        Unit.objects.filter(organisation_id__in=actor.organisation_ids).order_by(
            "-is_active", "name"
        )
    )


def access_setup_unit(*, actor: Actor, public_id: object) -> Unit:
    """A unit of the actor's organisations; the same 404 for missing and foreign."""
    unit = Unit.objects.filter(
        public_id=_uuid(public_id), organisation_id__in=actor.organisation_ids
    ).first()
    if unit is None:
        raise Http404
    return unit


def access_setup_resource(*, actor: Actor, public_id: object) -> Resource:
    """A resource (active or not) of the actor's organisations, with its unit and user."""
    resource = (
        Resource.objects.select_related("unit", "user")
        .filter(public_id=_uuid(public_id), organisation_id__in=actor.organisation_ids)
        .first()
    )
    if resource is None:
        raise Http404
    return resource


def access_setup_absence(*, actor: Actor, public_id: object) -> Absence:
    """An absence or closing of the actor's organisations; the same 404 for missing and
    foreign."""
    absence = (
        Absence.objects.select_related("unit", "resource")
        .filter(public_id=_uuid(public_id), organisation_id__in=actor.organisation_ids)
        .first()
    )
    if absence is None:
        raise Http404
    return absence


def unit_resources(*, unit: Unit) -> list[Resource]:
    """The unit's resources, inactive ones too, in display order."""
    return list(
        Resource.objects.filter(organisation_id=unit.organisation_id, unit=unit)
        .select_related("user")
        .order_by("kind", "-is_active", "sort_order", "name")
    )


def organisation_resources(*, actor: Actor, unit: Unit | None = None) -> list[Resource]:
    """The resources of the actor's organisations (or of one unit), for the API."""
    found = Resource.objects.filter(organisation_id__in=actor.organisation_ids)
    if unit is not None:
        found = found.filter(unit=unit)
    return list(found.select_related("unit", "user").order_by("unit__name", "sort_order", "name"))


def unit_staff_users(*, unit: Unit) -> list[User]:
    """Users with an active membership of the unit: who a practitioner may be linked to."""
    user_ids = Membership.objects.filter(
        organisation_id=unit.organisation_id, unit=unit, is_active=True
    ).values_list("user_id", flat=True)
    return list(
        User.objects.filter(pk__in=user_ids, is_active=True).order_by(
            "first_name", "last_name", "username"
        )
    )


def resource_hours(*, resource: Resource) -> list[WorkingHours]:
    return list(
        WorkingHours.objects.filter(
            organisation_id=resource.organisation_id, resource=resource
        ).order_by("weekday", "start", "valid_from", "weeks")
    )


def resource_absences(*, resource: Resource, since: datetime | None = None) -> list[Absence]:
    """The resource's absences that end after `since` (default: now), soonest first."""
    return list(
        Absence.objects.filter(
            organisation_id=resource.organisation_id,
            resource=resource,
            end__gt=since or timezone.now(),
        ).order_by("start")
    )


def unit_closures(*, unit: Unit, since: datetime | None = None) -> list[Absence]:
    """Dates or periods the whole unit is closed (absences without a resource)."""
    return list(
        Absence.objects.filter(
            organisation_id=unit.organisation_id,
            unit=unit,
            resource__isnull=True,
            end__gt=since or timezone.now(),
        ).order_by("start")
    )


def unit_schedule_of(*, unit: Unit) -> UnitSchedule | None:
    return UnitSchedule.objects.filter(organisation_id=unit.organisation_id, unit=unit).first()


def appointments_inside(
    *,
    actor: Actor,
    unit: Unit,
    resource: Resource | None,
    start: datetime,
    end: datetime,
    channel: Channel = Channel.UI,
) -> list[Appointment]:
    """Active appointments that hold the resource (or, without one, any in the unit) at some
    time in [start, end), soonest first, with patient and type; one access-log entry."""
    found = Appointment.objects.filter(
        organisation_id=unit.organisation_id,
        unit=unit,
        status__in=ACTIVE_STATUSES,
        start__lt=end,
        end__gt=start,
    )
    if resource is not None:
        held = AppointmentResource.objects.filter(
            resource=resource, start__lt=end, block_end__gt=start
        ).values_list("appointment_id", flat=True)
        found = found.filter(pk__in=held)
    result = holds_attach(
        list(found.select_related("patient", "appointment_type").order_by("start", "id"))
    )
    patient_list_log(actor, "setup_absence_conflicts", len(result), channel)
    return result


def absence_bookings(
    *, actor: Actor, absence: Absence, channel: Channel = Channel.UI
) -> list[Appointment]:
    """The booked appointments still to come inside an absence or closing: what the desk
    moves or cancels (one access-log entry)."""
    return appointments_inside(
        actor=actor,
        unit=absence.unit,
        resource=absence.resource,
        start=max(absence.start, timezone.now()),
        end=absence.end,
        channel=channel,
    )


def absence_label(absence: Absence) -> str:
    """How an absence or closing is named: the resource and the reason, or the closing's
    note."""
    if absence.resource is not None:
        return f"{absence.resource.name} ({absence.get_kind_display()})"
    return absence.note or str(absence.get_kind_display())


@dataclass(frozen=True)
class AbsenceWithBookings:
    absence: Absence
    count: int  # appointments still to come inside it
    first: datetime  # the soonest of them


def absences_with_bookings(
    *, organisation_ids: frozenset[int], unit_ids: frozenset[int], now: datetime
) -> list[AbsenceWithBookings]:
    """Absences and closings not yet over with appointments still booked inside them, the
    soonest first, in one query: a closing counts the unit's appointments inside it, an
    absence its resource's holds (each a subquery the database runs only for its own rows).
    No patient is read. The absences not yet over are read first, plainly: most days there are
    none, and then the bookings query (the costliest of the work queue's reads to build) is
    never built."""
    current = list(
        Absence.objects.filter(
            organisation_id__in=organisation_ids, unit_id__in=unit_ids, end__gt=now
        ).values_list("pk", flat=True)
    )
    if not current:
        return []
    in_unit = Appointment.objects.filter(
        unit_id=OuterRef("unit_id"),
        status__in=ACTIVE_STATUSES,
        start__lt=OuterRef("end"),
        end__gt=OuterRef("start"),
        start__gt=now,
    )
    held = AppointmentResource.objects.filter(
        resource_id=OuterRef("resource_id"),
        holds_time=True,
        start__lt=OuterRef("end"),
        block_end__gt=OuterRef("start"),
        start__gt=now,
        appointment__status__in=ACTIVE_STATUSES,
    )

    def per_absence(aggregate: Count | Min, field: Any) -> Case:
        def inside(bookings: QuerySet[Any]) -> Subquery:
            grouped = bookings.order_by().annotate(one=Value(1)).values("one")
            return Subquery(grouped.annotate(x=aggregate).values("x"), output_field=field)

        return Case(
            When(resource__isnull=True, then=inside(in_unit)),
            default=inside(held),
            output_field=field,
        )

    rows = (
        Absence.objects.filter(pk__in=current)
        .select_related("resource")
        .annotate(
            bookings=per_absence(Count("pk"), IntegerField()),
            first_booking=per_absence(Min("start"), DateTimeField()),
        )
        .filter(bookings__gt=0)
    )
    found = [AbsenceWithBookings(a, a.bookings, a.first_booking) for a in rows]
    return sorted(found, key=lambda row: (row.first, row.absence.pk))


def resource_future_appointments(
    *, actor: Actor, resource: Resource, channel: Channel = Channel.UI
) -> list[Appointment]:
    """The resource's active appointments from now on (a warning before deactivating it)."""
    now = timezone.now()
    return appointments_inside(
        actor=actor,
        unit=resource.unit,
        resource=resource,
        start=now,
        end=now + timedelta(days=3660),
        channel=channel,
    )


@lru_cache(maxsize=8)
def _optional_names(year: int) -> tuple[str, ...]:
    days = holidays.country_holidays("DK", years=[year], categories=("optional",), language="da")
    return tuple(name for _day, name in sorted(days.items()))


def optional_day_names(*, today: date | None = None) -> list[str]:
    """The Danish optional days off a unit may close on (names as the holidays package gives
    them in Danish, as UnitSchedule.closed_optional_days stores them)."""
    year = (today or timezone.localdate()).year
    names: list[str] = []
    for name in _optional_names(year) + _optional_names(year + 1):
        if name not in names:
            names.append(name)
    return names


@dataclass(frozen=True)
class PreviewDay:
    day: date
    closed: str  # the holiday's name when the unit is closed, else ""
    spans: list[tuple[time, time]]  # open time (local), breaks and absences taken out

    @property
    def minutes(self) -> int:
        return sum(
            (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
            for start, end in self.spans
        )


def week_preview(*, resource: Resource, monday: date) -> list[PreviewDay]:
    """The resource's open time on each day of the week starting `monday`, as the slot
    search sees it: hours valid that day and in that week's parity, less closing days and
    absences (bookings are not taken out)."""
    schedule = unit_schedule_of(unit=resource.unit)
    sunday = monday + timedelta(days=6)
    availability = load_availability(
        resources=[resource], schedule=schedule, first=monday, last=sunday
    )
    by_day: dict[date, list[tuple[time, time]]] = {}
    for start, end in availability.open_spans.get(resource.pk, []):
        local_start, local_end = start.astimezone(LOCAL), end.astimezone(LOCAL)
        closes = local_end.time() if local_end.date() == local_start.date() else time.max
        by_day.setdefault(local_start.date(), []).append((local_start.time(), closes))
    return [
        PreviewDay(
            day=monday + timedelta(days=i),
            closed=availability.closed.get(monday + timedelta(days=i), ""),
            spans=by_day.get(monday + timedelta(days=i), []),
        )
        for i in range(7)
    ]
