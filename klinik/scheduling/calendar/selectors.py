"""The calendar's own reads: the units it can show, the shown resources' working days and
absences, the week overview's blocks, and an appointment's holds, history and series.

The schedule itself (appointments of a period, with the access-log entry for showing them)
is read through scheduling.selectors; these reads show no patient.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime

from django.db import connection
from django.db.models import TextField
from django.db.models.functions import Cast

from klinik.core import rows
from klinik.core.db import serial_plans
from klinik.core.models import Organisation, Unit
from klinik.core.policy import Actor
from klinik.patients.models import Patient
from klinik.scheduling.availability import LOCAL, Timetable
from klinik.scheduling.choices import ACTIVE_STATUSES, ResourceKind
from klinik.scheduling.models import (
    Appointment,
    AppointmentEvent,
    AppointmentResource,
    Resource,
    UnitSchedule,
)
from klinik.scheduling.selectors import local_day_bounds

# An absence for the calendar's labels: (resource id or None for the whole unit, kind, note,
# start, end).
AbsenceRow = tuple[int | None, str, str, datetime, datetime]


@functools.cache
def _units_sql(organisations: int, vendor: str) -> str:
    del vendor  # keys the cache: quoting is the backend's
    return (
        f"SELECT {rows.columns(Unit._meta.concrete_fields, 'u')}, "  # noqa: S608
        f"{rows.columns(Organisation._meta.concrete_fields, 'o')} "
        f"FROM {rows.table(Unit)} u JOIN {rows.table(Organisation)} o ON o.id = u.organisation_id "
        f"WHERE u.organisation_id {rows.among(organisations)} AND u.is_active = %s "
        "ORDER BY o.name, u.name"
    )


def calendar_units(*, actor: Actor) -> list[Unit]:
    """Units the actor may schedule for: their unit's organisation, or every organisation of
    their community (a shared reception). Read on every calendar page, so written out
    (klinik.core.rows)."""
    if not actor.organisation_ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            _units_sql(len(actor.organisation_ids), connection.vendor),
            [*sorted(actor.organisation_ids), True],
        )
        found = cursor.fetchall()
    units = []
    for row in found:
        unit, at = rows.instance(Unit, row)
        organisation, _end = rows.instance(Organisation, row, at)
        assert unit is not None and organisation is not None  # inner join of non-null keys
        unit.organisation = organisation
        units.append(unit)
    return units


@functools.cache
def _resources_sql(organisations: int, vendor: str) -> str:
    del vendor  # keys the cache: quoting is the backend's
    return (
        f"SELECT {rows.columns(Resource._meta.concrete_fields, 'r')} "  # noqa: S608
        f"FROM {rows.table(Resource)} r WHERE r.unit_id = %s "
        f"AND r.organisation_id {rows.among(organisations)} AND r.is_active = %s"
    )


def calendar_resources(*, actor: Actor, unit: Unit) -> list[Resource]:
    """The unit's active resources (in no order: the calendar sorts them), each with its
    unit set; written out as calendar_units is."""
    if not actor.organisation_ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            _resources_sql(len(actor.organisation_ids), connection.vendor),
            [unit.pk, *sorted(actor.organisation_ids), True],
        )
        found = cursor.fetchall()
    resources = []
    for row in found:
        resource = rows.instance(Resource, row)[0]
        assert resource is not None  # the primary key is never NULL
        resource.unit = unit
        resources.append(resource)
    return resources


def absence_rows(timetable: Timetable) -> list[AbsenceRow]:
    """The timetable's absences (of the shown resources and their whole units), for the
    calendar's labels."""
    return [(a.resource_id, a.kind, a.note, a.start, a.end) for a in timetable.absences]


# An appointment in the week overview: (minutes after local midnight, type id, status).
WeekBlock = tuple[int, int, str]


def appointment_blocks_by_day(
    *, unit: Unit, resource_ids: list[int], days: list[date]
) -> dict[tuple[int, date], list[WeekBlock]]:
    """Active appointments per resource and local day, by time, as (minute of the day, type
    id, status): the week overview's blocks. One query whatever the volume; reads no patient
    (the overview shows times and types, the names are in the day view), so logs nothing."""
    start, end = local_day_bounds(days[0], len(days))
    query = (
        AppointmentResource.objects.filter(
            organisation_id=unit.organisation_id,
            resource_id__in=resource_ids,
            holds_time=True,  # the partial (resource, start) index covers held time only
            start__gte=start,
            start__lt=end,
            appointment__status__in=ACTIVE_STATUSES,
        )
        # In the index's order (each resource's holds by start): no sort in the database.
        .order_by("resource_id", "start")
        # The appointment's own start (a hold begins earlier by the type's buffer before).
        .annotate(moment=Cast("appointment__start", TextField()))
        .values_list(
            "resource_id", "moment", "appointment__appointment_type_id", "appointment__status"
        )
    )
    # Run as the ORM compiles it, without its per-value converters, and with the start read
    # as text (neither driver parses a timestamp per row): a full week has thousands of rows
    # but a few dozen distinct start times, each converted once below.
    sql, params = query.query.sql_with_params()
    with serial_plans(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found: dict[tuple[int, date], list[WeekBlock]] = {}
    # Twenty practitioners start at the same few dozen times a day: each converted once.
    moments: dict[object, tuple[date, int]] = {}
    for resource_id, moment, type_id, status in rows:
        if moment not in moments:
            when = datetime.fromisoformat(moment)
            if when.tzinfo is None:  # SQLite: UTC, without its zone
                when = when.replace(tzinfo=UTC)
            local = when.astimezone(LOCAL)
            moments[moment] = (local.date(), local.hour * 60 + local.minute)
        day, minute = moments[moment]
        found.setdefault((resource_id, day), []).append((minute, type_id, status))
    return found


def practitioner_of(*, appointment: Appointment) -> Resource | None:
    return (
        Resource.objects.filter(
            organisation_id=appointment.organisation_id,
            kind=ResourceKind.PRACTITIONER,
            pk__in=AppointmentResource.objects.filter(appointment=appointment).values(
                "resource_id"
            ),
        )
        .order_by("sort_order")
        .first()
    )


def latest_appointment(*, patient: Patient) -> Appointment | None:
    """The patient's latest active appointment ("same time next week" in the booking panel;
    the caller opened the patient through access_patient, which logged the read)."""
    return (
        Appointment.objects.filter(
            organisation_id=patient.organisation_id,
            patient=patient,
            status__in=ACTIVE_STATUSES,
        )
        .select_related("appointment_type")
        .order_by("-start")
        .first()
    )


def unit_books_on_enter(*, unit_id: int) -> bool:
    """Whether the unit books directly when a free time is picked (UnitSchedule)."""
    return UnitSchedule.objects.filter(unit_id=unit_id, books_on_enter=True).exists()


def last_booked_type_id(*, patient: Patient, type_ids: set[int]) -> int | None:
    """The type of the patient's most recently booked appointment among `type_ids` (the
    booking panel pre-selects it; issue 20), cancelled ones included: a patient who cancelled
    a physiotherapy session and calls again wants the same kind."""
    if not type_ids:
        return None
    found: int | None = (
        Appointment.objects.filter(
            organisation_id=patient.organisation_id,
            patient=patient,
            appointment_type_id__in=type_ids,
        )
        .order_by("-created_at", "-pk")
        .values_list("appointment_type_id", flat=True)
        .first()
    )
    return found


def appointment_holds(*, appointment: Appointment) -> list[AppointmentResource]:
    return list(
        AppointmentResource.objects.filter(
            organisation_id=appointment.organisation_id, appointment=appointment
        ).select_related("resource")
    )


def held_resource_ids(*, appointment: Appointment) -> set[int]:
    return set(
        AppointmentResource.objects.filter(
            organisation_id=appointment.organisation_id, appointment=appointment
        ).values_list("resource_id", flat=True)
    )


def appointment_events(*, appointment: Appointment) -> list[AppointmentEvent]:
    """The appointment's history, oldest first, with who made each change."""
    return list(
        AppointmentEvent.objects.filter(
            organisation_id=appointment.organisation_id, appointment=appointment
        )
        .select_related("by")
        .order_by("at", "pk")
    )
