"""Reads of the schedule: types, appointments of a day or week, a patient's next visit."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, QuerySet, Value
from django.utils import timezone

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record, patient_list_log
from klinik.core.models import Unit
from klinik.core.policy import Actor, Perm, require
from klinik.scheduling.availability import LOCAL, load_availability, load_timetable
from klinik.scheduling.choices import (
    ACTIVE_STATUSES,
    AbsenceKind,
    AppointmentStatus,
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


def local_day_bounds(day: date, days: int = 1) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=LOCAL)
    return start, datetime.combine(day + timedelta(days=days), time.min, tzinfo=LOCAL)


@dataclass(frozen=True, slots=True)
class PatientName:
    public_id: uuid.UUID
    given_name: str
    family_name: str

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"


@dataclass(frozen=True, slots=True)
class TypeRef:
    """What a schedule view shows of an appointment type (named as on AppointmentType)."""

    pk: int
    public_id: uuid.UUID
    name: str
    is_group: bool
    capacity: int


@dataclass(frozen=True, slots=True)
class UnitRef:
    pk: int
    name: str


@dataclass(frozen=True, slots=True)
class ResourceRef:
    """What a schedule view shows of a held resource (named as on Resource)."""

    pk: int
    public_id: uuid.UUID
    name: str
    kind: str


@dataclass(frozen=True, slots=True)
class Hold:
    resource_id: int
    resource: ResourceRef


@dataclass(slots=True, eq=False)
class DayAppointment:
    """An appointment as a schedule view shows it (the calendar's columns, the API's day, the
    patient page), read as plain values in two queries (the appointments with patient, type
    and unit; the holds with their resources): building an Appointment, a Patient, a type, a
    unit and a hold and resource model per row cost several times the queries themselves."""

    pk: int
    public_id: uuid.UUID
    start: datetime
    end: datetime
    block_end: datetime
    status: str
    session_key: uuid.UUID
    is_overbooked: bool
    series_id: int | None
    note: str
    patient: PatientName
    appointment_type: TypeRef
    unit: UnitRef
    holds: list[Hold]

    @property
    def status_label(self) -> str:
        return str(AppointmentStatus(self.status).label)


_DAY_COLUMNS = (
    "pk",
    "public_id",
    "start",
    "end",
    "block_end",
    "status",
    "session_key",
    "is_overbooked",
    "series_id",
    "note",
    "patient__public_id",
    "patient__given_name",
    "patient__family_name",
    "appointment_type_id",
    "appointment_type__public_id",
    "appointment_type__name",
    "appointment_type__is_group",
    "appointment_type__capacity",
    "unit_id",
    "unit__name",
)


def appointments_between(
    *,
    actor: Actor,
    first: date,
    days: int = 1,
    unit_id: int | None = None,
    resource_ids: list[int] | None = None,
    channel: Channel = Channel.UI,
    include_cancelled: bool = False,
    with_walk_ins: bool = False,
) -> list[DayAppointment]:
    """Appointments of the period with patient, type and held resources (one query, three
    with `resource_ids` and walk-ins); with `resource_ids`, those holding one of them (and
    every walk-in, with `with_walk_ins`). Showing a schedule shows patients: one access-log
    entry per view."""
    query = appointments_between_query(
        actor=actor,
        first=first,
        days=days,
        unit_id=unit_id,
        resource_ids=resource_ids,
        include_cancelled=include_cancelled,
        with_walk_ins=with_walk_ins,
    )
    result = schedule_rows(query.order_by("start", "id"))
    schedule_read_log(actor=actor, first=first, days=days, count=len(result), channel=channel)
    return result


_HOLD_COLUMNS = (
    "resource_holds__resource_id",
    "resource_holds__resource__public_id",
    "resource_holds__resource__name",
    "resource_holds__resource__kind",
)


def schedule_rows(appointments: QuerySet[Appointment]) -> list[DayAppointment]:
    """The appointments of the query (ordered and sliced as the caller wants) as plain
    values, with patient, type, unit and held resources. One statement, a row per hold (a
    day's schedule: one round trip instead of two); a sliced query (the first N) reads its
    holds in a second one, since a limit on the joined rows would cut holds, not
    appointments."""
    if appointments.query.is_sliced:
        rows = [(*row, None) for row in appointments.values_list(*_DAY_COLUMNS)]
        holds = _holds_of([row[0] for row in rows])
    else:
        ordering = (*appointments.query.order_by, "resource_holds__id")
        joined = appointments.order_by(*ordering).values_list(*_DAY_COLUMNS, *_HOLD_COLUMNS)
        rows, holds = _split_holds(list(joined))
    types: dict[int, TypeRef] = {}
    units: dict[int, UnitRef] = {}
    result = []
    for (pk, public_id, start, end, block_end, status, session_key, is_overbooked, series_id,
         note, patient_public_id, given_name, family_name, type_id, type_public_id, type_name,
         is_group, capacity, unit_pk, unit_name, _hold) in rows:  # fmt: skip
        type_ref = types.get(type_id) or types.setdefault(
            type_id, TypeRef(type_id, type_public_id, type_name, is_group, capacity)
        )
        result.append(
            DayAppointment(
                pk=pk,
                public_id=public_id,
                start=start,
                end=end,
                block_end=block_end,
                status=status,
                session_key=session_key,
                is_overbooked=is_overbooked,
                series_id=series_id,
                note=note,
                patient=PatientName(patient_public_id, given_name, family_name),
                appointment_type=type_ref,
                unit=units.get(unit_pk) or units.setdefault(unit_pk, UnitRef(unit_pk, unit_name)),
                holds=holds[pk],
            )
        )
    return result


def _split_holds(
    joined: list[tuple[Any, ...]],
) -> tuple[list[tuple[Any, ...]], dict[int, list[Hold]]]:
    """Rows of appointment columns followed by one hold's (or NULLs): each appointment once
    (its first row) and its holds in order, each resource once."""
    width = len(_DAY_COLUMNS)
    rows: list[tuple[Any, ...]] = []
    holds: dict[int, list[Hold]] = defaultdict(list)
    resources: dict[int, ResourceRef] = {}
    previous = None
    for row in joined:
        pk = row[0]
        if pk != previous:
            rows.append(row[: width + 1])
            previous = pk
            holds[pk] = []
        resource_id, public_id, name, kind = row[width:]
        if resource_id is not None:
            resource = resources.get(resource_id) or resources.setdefault(
                resource_id, ResourceRef(resource_id, public_id, name, kind)
            )
            holds[pk].append(Hold(resource_id, resource))
    return rows, holds


def _holds_of(appointment_ids: list[int]) -> dict[int, list[Hold]]:
    holds: dict[int, list[Hold]] = defaultdict(list)
    resources: dict[int, ResourceRef] = {}
    if appointment_ids:
        for appointment_id, resource_id, public_id, name, kind in (
            AppointmentResource.objects.filter(appointment_id__in=appointment_ids)
            .order_by("pk")
            .values_list(
                "appointment_id",
                "resource_id",
                "resource__public_id",
                "resource__name",
                "resource__kind",
            )
        ):
            resource = resources.get(resource_id) or resources.setdefault(
                resource_id, ResourceRef(resource_id, public_id, name, kind)
            )
            holds[appointment_id].append(Hold(resource_id, resource))
    return holds


def appointments_between_query(
    *,
    actor: Actor,
    first: date,
    days: int = 1,
    unit_id: int | None = None,
    resource_ids: list[int] | None = None,
    include_cancelled: bool = False,
    with_walk_ins: bool = False,
) -> QuerySet[Appointment]:
    """The appointments appointments_between reads, as a query, for a reader that needs
    only a few columns of thousands of rows (the reception board). The caller shows
    patients and so logs the read with schedule_read_log."""
    require(actor, Perm.SCHEDULE_VIEW)
    start, end = local_day_bounds(first, days)
    appointments = Appointment.objects.filter(
        organisation_id__in=actor.organisation_ids, start__gte=start, start__lt=end
    )
    if unit_id is not None:
        appointments = appointments.filter(unit_id=unit_id)
    if resource_ids is not None:
        held = AppointmentResource.objects.filter(
            resource_id__in=resource_ids, start__gte=start, start__lt=end
        ).values_list("appointment_id", flat=True)
        if with_walk_ins:
            # The ids first: an OR of the two makes PostgreSQL's planner expect hundreds of
            # rows where there are dozens, and walk the whole patient table to join them.
            walk_ins = appointments.filter(queue_number__isnull=False).values_list("pk", flat=True)
            appointments = appointments.filter(pk__in={*held, *walk_ins})
        else:
            appointments = appointments.filter(pk__in=held)
    if not include_cancelled:
        appointments = appointments.exclude(status=AppointmentStatus.CANCELLED)
    return appointments


def schedule_read_log(
    *, actor: Actor, first: date, days: int, count: int, channel: Channel
) -> None:
    """The one access-log entry for showing a schedule; filed under the schedule's
    organisation when the actor reads one clinic of a community."""
    only = next(iter(actor.organisation_ids)) if len(actor.organisation_ids) == 1 else None
    access_log_record(
        actor=actor,
        action=Action.VIEW,
        purpose=Purpose.ADMINISTRATION,
        channel=channel,
        object_type="schedule",
        reason=f"{first.isoformat()} +{days}d: {count} appointments",
        organisation_id=only,
    )


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


def by_resource(appointments: list[DayAppointment]) -> dict[int, list[DayAppointment]]:
    grouped: dict[int, list[DayAppointment]] = defaultdict(list)
    for appointment in appointments:
        for hold in appointment.holds:
            grouped[hold.resource_id].append(appointment)
    return grouped


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


def patient_appointments(
    *, patient_id: int, past_days: int = 90, limit: int = 20
) -> list[DayAppointment]:
    """A patient's appointments from `past_days` ago onwards, soonest first (the caller has
    opened the patient through access_patient, which logged the read)."""
    since = timezone.now() - timedelta(days=past_days)
    return schedule_rows(
        Appointment.objects.filter(patient_id=patient_id, start__gte=since).order_by("start")[
            :limit
        ]
    )


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
