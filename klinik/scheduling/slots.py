"""The slot search engine: the first free times at which every resource a type needs is
free, inside working hours, respecting bookings and buffers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.utils import timezone

from klinik.core import rows
from klinik.scheduling.availability import (
    LOCAL,
    Availability,
    HoursRow,
    Timetable,
    closed_days,
    is_odd_week,
    load_availability,
    load_timetable,
    merge,
)
from klinik.scheduling.choices import ResourceKind
from klinik.scheduling.models import AppointmentType, Resource, TypeRequirement, UnitSchedule

# Working days loaded at a time grow 1, 2, 4, 7, 7, ...: most searches end on the first day,
# and sparse weeks are crossed in few queries.
MAX_CHUNK_DAYS = 7
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    resources: tuple[Resource, ...]  # one per requirement, in requirement order

    @property
    def practitioner(self) -> Resource | None:
        return next((r for r in self.resources if r.kind == ResourceKind.PRACTITIONER), None)

    @property
    def others(self) -> list[Resource]:
        return [r for r in self.resources if r.kind != ResourceKind.PRACTITIONER]


# Slot search runs on every booking screen and online page; its few reads are written out
# (klinik.core.rows): building and compiling the equivalent querysets costs more than running
# them.


def _fetch(sql: str, params: list[int | str]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found: list[tuple[Any, ...]] = cursor.fetchall()
    return found


def _candidates_sql(
    type_id: int, unit_id: int, practitioner: Resource | None
) -> tuple[str, list[int | str]]:
    """(requirement, kind, then the resource's columns or NULLs): for each requirement of the
    type, each active resource of the unit that may fill it, in the unit's display order (sort
    order, name); a requirement none can fill gives one row without a resource. A requirement
    with an `allowed` list takes only those; of the practitioners only the chosen one, when one
    is. One statement: slot search, every booking and every alternative read it."""
    through = TypeRequirement.allowed.through._meta
    quote = connection.ops.quote_name
    owner = quote(through.get_field("typerequirement").column)
    allowed = quote(through.get_field("resource").column)
    allowed_table = quote(through.db_table)
    sql = (
        f"SELECT q.id, q.kind, {rows.columns(Resource._meta.concrete_fields, 'r')} "  # noqa: S608
        f"FROM {rows.table(TypeRequirement)} q LEFT JOIN {rows.table(Resource)} r "
        "ON r.unit_id = %s AND r.is_active = %s AND r.kind = q.kind "
        f"AND (NOT EXISTS (SELECT 1 FROM {allowed_table} a WHERE a.{owner} = q.id) "
        f"OR EXISTS (SELECT 1 FROM {allowed_table} a WHERE a.{owner} = q.id "
        f"AND a.{allowed} = r.id))"
    )
    params: list[int | str] = [unit_id, True]
    if practitioner is not None:
        sql += " AND (r.kind <> %s OR r.id = %s)"
        params += [ResourceKind.PRACTITIONER.value, practitioner.pk]
    sql += " WHERE q.appointment_type_id = %s ORDER BY q.id, r.sort_order, r.name"
    return sql, [*params, type_id]


def _practitioners_sql(unit_id: int, practitioner: Resource | None) -> tuple[str, list[int | str]]:
    """The unit's active practitioners (or only the chosen one), in display order: the pool of
    a type without requirements."""
    sql = (
        f"SELECT {rows.columns(Resource._meta.concrete_fields, 'r')} "  # noqa: S608
        f"FROM {rows.table(Resource)} r WHERE r.unit_id = %s AND r.is_active = %s AND r.kind = %s"
    )
    params: list[int | str] = [unit_id, True, ResourceKind.PRACTITIONER.value]
    if practitioner is not None:
        sql += " AND r.id = %s"
        params.append(practitioner.pk)
    return f"{sql} ORDER BY r.sort_order, r.name", params


def type_candidates(
    appointment_type: AppointmentType, practitioner: Resource | None = None
) -> list[list[Resource]]:
    """For each requirement of the type, the resources that may fill it (in preference order).
    A type without requirements needs one practitioner of its unit."""
    pools: dict[int, list[Resource]] = {}
    found = _fetch(*_candidates_sql(appointment_type.pk, appointment_type.unit_id, practitioner))
    for row in found:
        pool = pools.setdefault(row[0], [])
        resource = rows.instance(Resource, row, 2)[0]
        if resource is not None:
            pool.append(resource)
    if found:
        return list(pools.values())
    pool = []
    for row in _fetch(*_practitioners_sql(appointment_type.unit_id, practitioner)):
        resource = rows.instance(Resource, row)[0]
        if resource is not None:  # always: the primary key is never NULL here
            pool.append(resource)
    return [pool]


def pick_resources(
    availability: Availability,
    candidates: list[list[Resource]],
    start: datetime,
    hold_end: datetime,
) -> tuple[Resource, ...] | None:
    # The smallest pool first (usually the rooms): a busy time is rejected after few checks.
    # Ids, not model instances, are compared: this runs for every candidate time.
    order = sorted(range(len(candidates)), key=lambda i: len(candidates[i]))
    is_free = availability.is_free
    chosen: dict[int, Resource] = {}
    taken: set[int] = set()
    for index in order:
        for resource in candidates[index]:
            resource_id = resource.id
            if resource_id not in taken and is_free(resource_id, start, hold_end):
                chosen[index] = resource
                taken.add(resource_id)
                break
        else:
            return None
    return tuple(chosen[i] for i in range(len(candidates)))


@dataclass(frozen=True)
class _Search:
    """What stays the same while a slot search walks the days."""

    candidates: list[list[Resource]]
    # The smallest pool, whose free time gives the candidate start times: a practitioner
    # chosen by name, or the rooms when any of 50 practitioners will do.
    lead: list[Resource]
    others: list[Resource]  # the other pools' resources, each once
    schedule: UnitSchedule | None
    timetable: Timetable
    grid: timedelta
    duration: timedelta
    hold: timedelta  # the duration and the buffer after it
    lead_in: timedelta  # the buffer before it: the resources are held from start - lead_in
    start: datetime
    end: datetime
    time_from: time | None
    time_to: time | None
    limit: int


def find_slots(
    *,
    appointment_type: AppointmentType,
    start: datetime,
    end: datetime,
    practitioner: Resource | None = None,
    limit: int = 10,
    time_from: time | None = None,
    time_to: time | None = None,
) -> list[Slot]:
    """The first `limit` free slots between start and end (never in the past)."""
    now = timezone.now()
    start = max(start, now)
    if start >= end or limit < 1:
        return []
    candidates = type_candidates(appointment_type, practitioner)
    if any(not pool for pool in candidates):
        return []
    first_day = timezone.localtime(start, LOCAL).date()
    last_day = timezone.localtime(end, LOCAL).date()
    schedule = UnitSchedule.objects.filter(unit_id=appointment_type.unit_id).first()
    lead = min(candidates, key=len)
    leading = {r.pk for r in lead}
    resources = [r for pool in candidates for r in pool]
    duration = timedelta(minutes=appointment_type.duration_minutes)
    search = _Search(
        candidates=candidates,
        lead=lead,
        others=list({r.pk: r for r in resources if r.pk not in leading}.values()),
        schedule=schedule,
        # Hours, openings and absences once for the whole search (a day more: a last slot
        # may end after midnight); per period only the bookings are read.
        timetable=load_timetable(resources=resources, first=first_day, last=last_day + ONE_DAY),
        grid=timedelta(minutes=schedule.slot_minutes if schedule else 5),
        duration=duration,
        hold=duration + timedelta(minutes=appointment_type.buffer_minutes),
        lead_in=timedelta(minutes=appointment_type.buffer_before_minutes),
        start=start,
        end=end,
        time_from=time_from,
        time_to=time_to,
        limit=limit,
    )
    return _search_days(search, first_day, last_day)


def _search_days(search: _Search, first_day: date, last_day: date) -> list[Slot]:
    """Walk the days in chunks of working days until the slots are found or the days end."""
    slots: list[Slot] = []
    is_open = _open_days(search.lead, search.timetable, search.schedule)
    day = first_day
    chunk = 1
    while day <= last_day and len(slots) < search.limit:
        # Days the lead pool does not work (weekends, holidays) are passed over and do not
        # count towards the chunk: after a full Friday, Monday is loaded, not Saturday.
        while day <= last_day and not is_open(day):
            day += ONE_DAY
        if day > last_day:
            break
        chunk_end, opened = day, 1
        while opened < chunk and chunk_end < last_day:
            chunk_end += ONE_DAY
            opened += is_open(chunk_end)
        chunk = min(chunk * 2, MAX_CHUNK_DAYS)
        availability = load_availability(
            resources=search.lead,
            schedule=search.schedule,
            first=day,
            last=chunk_end,
            timetable=search.timetable,
        )
        _slots_add(search, availability, _lead_starts(search, availability), slots)
        day = chunk_end + ONE_DAY
    return slots


def _lead_starts(search: _Search, availability: Availability) -> list[datetime]:
    """The grid times in the lead pool's free time at which the appointment fits inside the
    search's period and time of day, in order."""
    starts = []
    for t in sorted(
        {
            t
            for resource in search.lead
            for span_start, span_end in availability.free(resource.pk)
            for t in _grid_times(span_start + search.lead_in, span_end, search.grid, search.hold)
        }
    ):
        if t < search.start or t + search.duration > search.end:
            continue
        local = timezone.localtime(t, LOCAL).time()
        if (search.time_from and local < search.time_from) or (
            search.time_to and local >= search.time_to
        ):
            continue
        starts.append(t)
    return starts


def _slots_add(
    search: _Search, availability: Availability, starts: list[datetime], slots: list[Slot]
) -> None:
    """Add to `slots` the starts at which every pool has a free resource, up to the limit.

    The other pools are read only for the days with a free lead, as many days as could fill
    the slots still wanted: a busy practitioner has a gap or two a day, and twenty rooms' week
    need not be read for the first of them."""
    days = _by_local_day(starts)
    while days and len(slots) < search.limit:
        taken, wanted = 0, search.limit - len(slots)
        while taken < len(days) and sum(map(len, days[:taken])) < wanted:
            taken += 1
        batch = [t for on_day in days[:taken] for t in on_day]
        days = days[taken:]
        if search.others:
            # Their bookings only around the candidate times: a chosen practitioner's gaps
            # are checked against the rooms' few bookings there, not their whole day.
            availability.include(
                load_availability(
                    resources=search.others,
                    schedule=search.schedule,
                    first=timezone.localtime(batch[0] - search.lead_in, LOCAL).date(),
                    last=timezone.localtime(batch[-1] + search.hold, LOCAL).date(),
                    timetable=search.timetable,
                    within=merge((t - search.lead_in, t + search.hold) for t in batch),
                )
            )
        for t in batch:
            chosen = pick_resources(
                availability, search.candidates, t - search.lead_in, t + search.hold
            )
            if chosen is not None:
                slots.append(Slot(t, t + search.duration, chosen))
                if len(slots) == search.limit:
                    break


def _open_days(
    lead: list[Resource], timetable: Timetable, schedule: UnitSchedule | None
) -> Callable[[date], bool]:
    """Whether anyone of the lead pool may work on a day: regular hours on that weekday and
    not a closed day, or a one-off opening. Other days cannot hold a slot."""
    leading = {r.pk for r in lead}
    # Per weekday, the lead pool's rows of hours (each valid for a period, in some weeks).
    by_weekday: dict[int, list[HoursRow]] = {}
    for r in lead:
        for weekday, spans in timetable.hours.get(r.pk, {}).items():
            by_weekday.setdefault(weekday, []).extend(spans)
    extra: set[date] = set()
    for rid, _unit, opens, closes, _kind, _note in timetable.openings:
        if rid in leading:
            day = timezone.localtime(opens, LOCAL).date()
            while day <= timezone.localtime(closes, LOCAL).date():
                extra.add(day)
                day += ONE_DAY
    closed_years: dict[int, dict[date, str]] = {}

    def is_open(day: date) -> bool:
        if day in extra:
            return True
        spans = by_weekday.get(day.weekday())
        if not spans:
            return False
        odd_week = is_odd_week(day)
        if not any(row.holds_on(day, odd_week) for row in spans):
            return False
        if day.year not in closed_years:
            year_first, year_last = date(day.year, 1, 1), date(day.year, 12, 31)
            closed_years[day.year] = closed_days(schedule, year_first, year_last)
        return day not in closed_years[day.year]

    return is_open


def _by_local_day(starts: list[datetime]) -> list[list[datetime]]:
    """Sorted start times grouped by their local day."""
    groups: list[list[datetime]] = []
    current = None
    for t in starts:
        day = timezone.localtime(t, LOCAL).date()
        if day != current:
            groups.append([])
            current = day
        groups[-1].append(t)
    return groups


def _grid_times(
    span_start: datetime, span_end: datetime, grid: timedelta, hold: timedelta
) -> list[datetime]:
    """Start times on the unit's grid (local clock) at which `hold` fits in the span."""
    local_start = timezone.localtime(span_start, LOCAL)
    midnight = local_start.replace(hour=0, minute=0, second=0, microsecond=0)
    offset = (local_start - midnight) % grid
    t = span_start if not offset else span_start + (grid - offset)
    times = []
    while t + hold <= span_end:
        times.append(t)
        t += grid
    return times


def first_day(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else value.replace(tzinfo=LOCAL)
    return datetime.combine(value, time.min, tzinfo=LOCAL)
