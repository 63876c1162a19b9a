"""The calendar's own reads: the units it can show, the shown resources' working days and
absences, the week overview's counts, and an appointment's holds, history and series.

The schedule itself (appointments of a period, with the access-log entry for showing them)
is read through scheduling.selectors; these reads show no patient.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from django.db.models import Count, Q

from klinik.core.db import serial_plans
from klinik.core.models import Unit
from klinik.core.policy import Actor
from klinik.patients.models import Patient
from klinik.scheduling.choices import ACTIVE_STATUSES, ResourceKind
from klinik.scheduling.models import (
    Absence,
    Appointment,
    AppointmentEvent,
    AppointmentResource,
    Resource,
    UnitSchedule,
    WorkingHours,
)
from klinik.scheduling.selectors import local_day_bounds

# An absence for the calendar's labels: (resource id or None for the whole unit, kind, note,
# start, end).
AbsenceRow = tuple[int | None, str, str, datetime, datetime]


def calendar_units(*, actor: Actor) -> list[Unit]:
    """Units the actor may schedule for: their unit's organisation, or every organisation of
    their community (a shared reception)."""
    return list(
        Unit.objects.filter(organisation_id__in=actor.organisation_ids, is_active=True)
        .select_related("organisation")
        .order_by("organisation__name", "name")
    )


def unit_schedule(*, unit: Unit) -> UnitSchedule | None:
    return UnitSchedule.objects.filter(unit=unit).first()


def working_weekdays(*, resources: list[Resource]) -> set[int]:
    return set(
        WorkingHours.objects.filter(resource__in=resources)
        .values_list("weekday", flat=True)
        .distinct()
    )


def absences_between(
    *, unit: Unit, resources: list[Resource], first: date, last: date
) -> list[AbsenceRow]:
    """Absences of the shown resources and whole-unit closures in the period, for labels."""
    start, end = local_day_bounds(first, (last - first).days + 1)
    ids = {r.pk for r in resources}
    rows = Absence.objects.filter(
        organisation_id=unit.organisation_id, unit=unit, start__lt=end, end__gt=start
    ).values_list("resource_id", "kind", "note", "start", "end")
    return [row for row in rows if row[0] is None or row[0] in ids]


def appointment_counts_by_day(
    *, unit: Unit, resource_ids: list[int], days: list[date]
) -> dict[tuple[int, date], int]:
    """Active appointments per resource and local day, in one query whatever the volume."""
    start, end = local_day_bounds(days[0], len(days))
    # One count per local day, compared in SQL (no per-row date function on SQLite).
    per_day = {
        f"d{i}": Count("id", filter=Q(start__gte=bounds[0], start__lt=bounds[1]))
        for i, bounds in enumerate(local_day_bounds(day) for day in days)
    }
    with serial_plans():
        # A mapping: the type checker's row type does not know the annotated day columns.
        counted: list[Mapping[str, Any]] = list(
            AppointmentResource.objects.filter(
                organisation_id=unit.organisation_id,
                resource_id__in=resource_ids,
                # holds_time: the partial (resource, start) index covers only held time, and
                # active appointments always hold theirs.
                holds_time=True,
                start__gte=start,
                start__lt=end,
                appointment__status__in=ACTIVE_STATUSES,
            )
            .values("resource_id")
            .annotate(**per_day)
            .order_by()
        )
    return {
        (row["resource_id"], day): row[f"d{i}"] for row in counted for i, day in enumerate(days)
    }


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
