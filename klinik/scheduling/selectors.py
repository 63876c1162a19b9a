"""Reads of the schedule: types, appointments of a day or week, a patient's next visit."""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, QuerySet, Value
from django.utils import timezone

from klinik.audit.choices import Channel
from klinik.audit.services import patient_list_log
from klinik.core import rows
from klinik.core.models import Unit
from klinik.core.policy import Actor, Perm, require
from klinik.scheduling.availability import LOCAL, load_availability, load_timetable
from klinik.scheduling.choices import (
    ACTIVE_STATUSES,
    AbsenceKind,
    ResourceKind,
)
from klinik.scheduling.models import (
    Appointment,
    AppointmentResource,
    AppointmentSeries,
    AppointmentType,
    Resource,
    UnitSchedule,
)


def appointment_types_for(
    *, actor: Actor, unit_id: int | None = None, active_only: bool = True
) -> QuerySet[AppointmentType]:
    """The types the actor may see (of one unit), by unit and name; inactive ones too when
    asked (an old appointment keeps its type)."""
    require(actor, Perm.SCHEDULE_VIEW)
    types = AppointmentType.objects.filter(organisation_id__in=actor.organisation_ids)
    if active_only:
        types = types.filter(is_active=True)
    types = types.select_related("unit")
    if unit_id is not None:
        types = types.filter(unit_id=unit_id)
    return types.order_by("unit__name", "name")


def resources_for(*, actor: Actor, unit_id: int | None = None) -> QuerySet[Resource]:
    require(actor, Perm.SCHEDULE_VIEW)
    resources = Resource.objects.filter(
        organisation_id__in=actor.organisation_ids, is_active=True
    ).select_related("unit")
    if unit_id is not None:
        resources = resources.filter(unit_id=unit_id)
    return resources.order_by("unit__name", "kind", "sort_order", "name")


@functools.cache
def _schedule_sql(vendor: str) -> str:
    del vendor  # keys the cache: quoting is the backend's
    return (
        f"SELECT {rows.columns(UnitSchedule._meta.concrete_fields, 's')} "  # noqa: S608
        f"FROM {rows.table(UnitSchedule)} s WHERE s.unit_id = %s"
    )


def unit_schedule(*, unit_id: int) -> UnitSchedule | None:
    """The unit's opening rules (one per unit). Every booking and calendar page reads them,
    so the statement is written out (klinik.core.rows)."""
    with connection.cursor() as cursor:
        cursor.execute(_schedule_sql(connection.vendor), [unit_id])
        row = cursor.fetchone()
    return None if row is None else rows.instance(UnitSchedule, row)[0]


def local_day_bounds(day: date, days: int = 1) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=LOCAL)
    return start, datetime.combine(day + timedelta(days=days), time.min, tzinfo=LOCAL)


def holds_attach(appointments: list[Appointment]) -> list[Appointment]:
    """Load the holds of all these appointments in one query, each Resource once, into
    `Appointment.holds` (Django's prefetch of a reverse relation builds a queryset per
    appointment, which costs more than the rows themselves on a full week)."""
    by_appointment: dict[int, list[AppointmentResource]] = defaultdict(list)
    if appointments:
        holds = list(
            AppointmentResource.objects.filter(
                appointment_id__in=[a.pk for a in appointments]
            ).order_by("pk")
        )
        resources = Resource.objects.in_bulk({h.resource_id for h in holds})
        for hold in holds:
            hold.resource = resources[hold.resource_id]
            by_appointment[hold.appointment_id].append(hold)
    for appointment in appointments:
        appointment._holds = by_appointment[appointment.pk]
    return appointments


def next_appointments(
    *, actor: Actor, patient_ids: list[int], channel: Channel = Channel.UI
) -> dict[int, Appointment]:
    """Each patient's next active appointment (for search results), within the actor's
    organisations; nothing for a role that does not see the schedule. One log entry."""
    if not actor.can(Perm.SCHEDULE_VIEW):
        return {}
    now = timezone.now()
    upcoming = (
        Appointment.objects.filter(
            organisation_id__in=actor.organisation_ids,
            patient_id__in=patient_ids,
            start__gte=now,
            status__in=ACTIVE_STATUSES,
        )
        .select_related("appointment_type")
        .order_by("patient_id", "start")
    )
    found: dict[int, Appointment] = {}
    for appointment in upcoming:
        found.setdefault(appointment.patient_id, appointment)
    patient_list_log(actor, "next_appointments", len(found), channel)
    return found


def series_appointments(*, actor: Actor, series: AppointmentSeries) -> list[Appointment]:
    """A series' occurrences in order, with patient, type, unit and holds: what the one who
    just booked it is shown (each booking was logged as it was written)."""
    require(actor, Perm.SCHEDULE_VIEW)
    return holds_attach(
        list(
            Appointment.objects.select_related("patient", "appointment_type", "unit")
            .filter(organisation_id__in=actor.organisation_ids, series=series)
            .order_by("series_index")
        )
    )


@dataclass(frozen=True)
class StaffDay:
    """A person's day in the calendar: the hours they work (after absences and holidays), their
    absences that day, and whether the calendar knows them at all (a practitioner resource)."""

    hours: list[tuple[datetime, datetime]]
    absences: list[str]  # the absence kinds' labels (breaks left out)
    closed: str  # the holiday's name when the unit is closed, else ""
    in_calendar: bool


def staff_days(*, actor: Actor, user_ids: set[int], day: date) -> dict[int, StaffDay]:
    """Per user: their working hours and absences on `day`, read from the practitioner
    resources in the actor's organisation (users without one are missing). No patient data."""
    require(actor, Perm.SCHEDULE_VIEW)
    resources = list(
        Resource.objects.filter(
            organisation_id__in=actor.organisation_ids,
            kind=ResourceKind.PRACTITIONER,
            is_active=True,
            user_id__in=user_ids,
        ).order_by("pk")
    )
    by_unit: dict[int, list[Resource]] = defaultdict(list)
    for resource in resources:
        by_unit[resource.unit_id].append(resource)
    schedules = {s.unit_id: s for s in UnitSchedule.objects.filter(unit_id__in=by_unit)}
    labels = dict(AbsenceKind.choices)
    hours: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    absences: dict[int, list[str]] = defaultdict(list)
    closed: dict[int, str] = {}
    for unit_id, unit_resources in by_unit.items():
        timetable = load_timetable(resources=unit_resources, first=day, last=day)
        availability = load_availability(
            resources=unit_resources,
            schedule=schedules.get(unit_id),
            first=day,
            last=day,
            timetable=timetable,
        )
        owner = {r.pk: r.user_id or 0 for r in unit_resources}  # practitioners: all have users
        for resource in unit_resources:
            user_id = owner[resource.pk]
            hours[user_id].extend(availability.open_spans.get(resource.pk, []))
            if day in availability.closed:
                closed[user_id] = availability.closed[day]
        for row in timetable.absences:
            if row.kind == AbsenceKind.BREAK:  # a break in the day is not an absence
                continue
            targets = [row.resource_id] if row.resource_id else [r.pk for r in unit_resources]
            for rid in targets:
                label = str(labels.get(row.kind, row.kind))
                if rid in owner and label not in absences[owner[rid]]:
                    absences[owner[rid]].append(label)
    return {
        user_id: StaffDay(
            hours=sorted(hours.get(user_id, [])),
            absences=absences.get(user_id, []),
            closed=closed.get(user_id, ""),
            in_calendar=True,
        )
        for user_id in {r.user_id for r in resources if r.user_id is not None}
    }


# Figures for the quality dashboards (reporting): counts, no patient rows -----------------


def _month_bounds(first: date, last: date) -> list[tuple[date, datetime, datetime]]:
    """Each local month touching first..last: its first day and its start and end (local
    midnights, clipped to the days)."""
    months = []
    month = first.replace(day=1)
    while month <= last:
        following = (month + timedelta(days=32)).replace(day=1)
        start = local_day_bounds(max(month, first))[0]
        end = local_day_bounds(min(following - timedelta(days=1), last))[1]
        months.append((month, start, end))
        month = following
    return months


def appointment_outcomes_by_month(
    *, unit: Unit, first: date, last: date
) -> dict[date, dict[str, int]]:
    """Per local month (its first day) of the unit's appointments starting on the local days
    first..last, how many ended in each status. One statement: per month a count by status
    over its range of the (organisation, unit, start, status) index, which covers it, the
    months joined by UNION ALL (twelve filtered counts evaluated on every row of a year cost
    SQLite ten times as much)."""
    months = _month_bounds(first, last)
    if not months:
        return {}
    per_month = [
        Appointment.objects.filter(
            organisation_id=unit.organisation_id, unit_id=unit.pk, start__gte=start, start__lt=end
        )
        .values("status")
        .annotate(month=Value(i), count=Count("*"))
        .values_list("month", "status", "count")
        .order_by()
        for i, (_month, start, end) in enumerate(months)
    ]
    found: dict[date, dict[str, int]] = {month: {} for month, _start, _end in months}
    for i, status, count in per_month[0].union(*per_month[1:], all=True):
        found[months[i][0]][status] = count
    return found


@dataclass(frozen=True)
class CapacityMonth:
    month: date  # the first day
    open_minutes: int  # the practitioners' opening hours, less absences and closed days
    booked_minutes: int  # of those, held by appointments


def _held_minutes_by_month(
    resource_ids: list[int], months: list[tuple[date, datetime, datetime]]
) -> list[float]:
    """Per month, the minutes appointments that keep their time hold the resources. One
    statement summing every hold per month in the database (no grouping by session: that
    sort costs more than the sums at a year of holds; see _group_extra_minutes)."""
    if not resource_ids or not months:
        return [0.0 for _ in months]
    adapt = connection.ops.adapt_datetimefield_value
    among = ", ".join(["%s"] * len(resource_ids))
    if connection.vendor == "postgresql":
        minutes = "EXTRACT(EPOCH FROM (block_end - start)) / 60.0"
    else:
        minutes = "(julianday(block_end) - julianday(start)) * 1440.0"
    # Per month its own range of the covering index, the months joined by UNION ALL: one
    # CASE per month evaluated on every row of a year cost SQLite eight times as much.
    sql = " UNION ALL ".join(
        f"SELECT {i}, SUM({minutes}) FROM scheduling_appointmentresource "  # noqa: S608
        f"WHERE resource_id IN ({among}) AND holds_time AND start >= %s AND start < %s"
        for i in range(len(months))
    )
    params: list[Any] = []
    for _month, start, end in months:
        params += [*resource_ids, adapt(start), adapt(end)]
    held = [0.0 for _ in months]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for i, value in cursor.fetchall():
            held[i] = float(value or 0)
    return held


def _group_extra_minutes(unit: Unit, months: list[tuple[date, datetime, datetime]]) -> list[float]:
    """Per month, the minutes counted more than once because a group session's participants
    each hold the practitioner: (participants - 1) x the session's length. Read from the
    unit's appointments of group types (one practitioner per session); no statement when the
    unit has no group types."""
    group_types = list(
        AppointmentType.objects.filter(
            organisation_id=unit.organisation_id, unit_id=unit.pk, is_group=True
        ).values_list("id", flat=True)
    )
    extra = [0.0 for _ in months]
    if not group_types or not months:
        return extra
    sessions = (
        Appointment.objects.filter(
            organisation_id=unit.organisation_id,
            unit_id=unit.pk,
            start__gte=months[0][1],
            start__lt=months[-1][2],
            appointment_type_id__in=group_types,
            status__in=ACTIVE_STATUSES,
        )
        .values("session_key", "start", "block_end")
        .annotate(participants=Count("id"))
        .filter(participants__gt=1)
        .order_by()
    )
    for row in sessions:
        for i, (_month, start, end) in enumerate(months):
            if start <= row["start"] < end:
                minutes = (row["block_end"] - row["start"]).total_seconds() / 60
                extra[i] += (row["participants"] - 1) * minutes
    return extra


def unit_capacity_by_month(*, unit: Unit, first: date, last: date) -> list[CapacityMonth]:
    """The unit's practitioners' open time per local month of first..last (their hours less
    closed days and absences: scheduling.availability without the bookings) and the time
    appointments hold of it (the sum of the holds, a group session's once, at most the open
    time). Four statements whatever the period."""
    resources = list(
        Resource.objects.filter(
            organisation_id=unit.organisation_id,
            unit_id=unit.pk,
            kind=ResourceKind.PRACTITIONER,
            is_active=True,
        )
    )
    schedule = UnitSchedule.objects.filter(unit_id=unit.pk).first()
    availability = load_availability(
        resources=resources, schedule=schedule, first=first, last=last, with_bookings=False
    )
    open_minutes: dict[date, float] = defaultdict(float)
    for resource in resources:
        for start, end in availability.open_spans.get(resource.pk, []):
            month = start.astimezone(LOCAL).date().replace(day=1)
            open_minutes[month] += (end - start).total_seconds() / 60
    months = _month_bounds(first, last)
    ids = [r.pk for r in resources]
    held = _held_minutes_by_month(ids, months)
    extra = _group_extra_minutes(unit, months)
    result = []
    for (month, _start, _end), minutes, twice in zip(months, held, extra, strict=True):
        opened = round(open_minutes.get(month, 0))
        result.append(CapacityMonth(month, opened, min(opened, round(minutes - twice))))
    return result
