"""A bookable unit: practitioners and rooms with hours, and appointment types."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import holidays

from klinik.core.models import Unit
from klinik.scheduling.availability import LOCAL
from klinik.scheduling.choices import ResourceKind
from klinik.scheduling.models import (
    AppointmentType,
    Resource,
    TypeRequirement,
    UnitSchedule,
    WorkingHours,
)


def workday_from(day: date, *, weekday: int | None = None, backwards: bool = False) -> date:
    """`day` itself, or the nearest weekday after it (before it when `backwards`) that is no
    Danish holiday, public or optional; with `weekday`, only that weekday."""
    step = timedelta(days=-1 if backwards else 1)
    closed = holidays.country_holidays(
        "DK", years=[day.year - 1, day.year, day.year + 1], categories=("public", "optional")
    )
    while day.weekday() >= 5 or day in closed or (weekday is not None and day.weekday() != weekday):
        day += step
    return day


def next_workday(
    days_ahead: int = 7, weekday: int | None = None, *, also_open: Iterable[int] = ()
) -> date:
    """A working day at least `days_ahead` days after today on the suite's clock (conftest);
    with `also_open`, the days that many days after it are working days too."""
    later = tuple(also_open)
    day = workday_from(date.today() + timedelta(days=days_ahead), weekday=weekday)  # noqa: DTZ011
    while any(workday_from(day + timedelta(days=n)) != day + timedelta(days=n) for n in later):
        day = workday_from(day + timedelta(days=1), weekday=weekday)
    return day


def workday_after(day: date) -> date:
    """The first working day after `day`."""
    return workday_from(day + timedelta(days=1))


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL)


@dataclass
class Clinic:
    unit: Unit
    doctors: list[Resource]
    rooms: list[Resource]
    consultation: AppointmentType  # doctor + room, 15 min + 5 min buffer
    phone: AppointmentType  # doctor only, 10 min
    group: AppointmentType  # group session, capacity 3


def clinic_create(unit: Unit, *, doctors: int = 2, rooms: int = 1) -> Clinic:
    org_id = unit.organisation_id
    UnitSchedule.objects.get_or_create(unit=unit, defaults={"organisation_id": org_id})
    made_doctors = [
        Resource.objects.create(
            organisation_id=org_id,
            unit=unit,
            kind=ResourceKind.PRACTITIONER,
            name=f"Læge {i + 1}",
            sort_order=i,
        )
        for i in range(doctors)
    ]
    made_rooms = [
        Resource.objects.create(
            organisation_id=org_id,
            unit=unit,
            kind=ResourceKind.ROOM,
            name=f"Konsultation {i + 1}",
            sort_order=i,
        )
        for i in range(rooms)
    ]
    for resource in made_doctors + made_rooms:
        for weekday in range(5):
            WorkingHours.objects.create(
                organisation_id=org_id,
                resource=resource,
                weekday=weekday,
                start=time(8),
                end=time(12),
            )
            WorkingHours.objects.create(
                organisation_id=org_id,
                resource=resource,
                weekday=weekday,
                start=time(12, 30),
                end=time(16),
            )
    consultation = AppointmentType.objects.create(
        organisation_id=org_id,
        unit=unit,
        name="Konsultation",
        duration_minutes=15,
        buffer_minutes=5,
        bookable_online=True,
    )
    for kind in (ResourceKind.PRACTITIONER, ResourceKind.ROOM):
        TypeRequirement.objects.create(
            organisation_id=org_id, appointment_type=consultation, kind=kind
        )
    phone = AppointmentType.objects.create(
        organisation_id=org_id, unit=unit, name="Telefonkonsultation", duration_minutes=10
    )
    group = AppointmentType.objects.create(
        organisation_id=org_id,
        unit=unit,
        name="Holdtræning",
        duration_minutes=60,
        is_group=True,
        capacity=3,
    )
    return Clinic(unit, made_doctors, made_rooms, consultation, phone, group)
