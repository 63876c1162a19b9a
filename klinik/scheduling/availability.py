"""When resources are free: regular hours, minus holidays, absences and booked time, plus
one-off openings. Times are stored in UTC and reasoned about in Europe/Copenhagen, so a
booking grid of 08:00-16:00 stays 08:00-16:00 across the daylight-saving changes."""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.db import connection
from django.db.models import Q

from klinik.scheduling.models import (
    Absence,
    ExtraOpening,
    Resource,
    UnitSchedule,
    WorkingHours,
)

LOCAL = ZoneInfo(settings.TIME_ZONE)
Span = tuple[datetime, datetime]


@lru_cache(maxsize=64)
def _danish_days(year: int) -> dict[date, str]:
    return dict(
        holidays.country_holidays(
            "DK", years=[year], categories=("public", "optional"), language="da"
        )
    )


@lru_cache(maxsize=64)
def _public_days(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("DK", years=[year]))


def closed_days(schedule: UnitSchedule | None, first: date, last: date) -> dict[date, str]:
    """Days the unit is closed: public holidays (unless it opts out) and the optional days it
    chose (Grundlovsdag, Juleaftensdag, Nytårsaften, 1 May)."""
    closes_public = schedule is None or schedule.closed_on_public_holidays
    optional = set(schedule.closed_optional_days) if schedule else set()
    found: dict[date, str] = {}
    for year in range(first.year, last.year + 1):
        public = _public_days(year)
        for day, name in _danish_days(year).items():
            if first <= day <= last and ((closes_public and day in public) or name in optional):
                found[day] = name
    return found


def local_span(day: date, start: time, end: time) -> Span:
    return (
        datetime.combine(day, start, tzinfo=LOCAL),
        datetime.combine(day, end, tzinfo=LOCAL),
    )


def subtract(spans: Sequence[Span], cuts: Iterable[Span]) -> list[Span]:
    """Spans minus cuts (both lists of half-open intervals)."""
    result = list(spans)
    for cut_start, cut_end in cuts:
        next_result = []
        for start, end in result:
            if cut_end <= start or cut_start >= end:
                next_result.append((start, end))
                continue
            if start < cut_start:
                next_result.append((start, cut_start))
            if cut_end < end:
                next_result.append((cut_end, end))
        result = next_result
    return result


def merge(spans: Iterable[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


_EPOCH = {
    "postgresql": "EXTRACT(EPOCH FROM {})::float8",
    "sqlite": "CAST(strftime('%%s', {}) AS INTEGER)",
}


def _holds(
    ids: list[int],
    period: Span,
    ignore_appointment_id: int | None,
    ignore_session_key: object,
) -> list[tuple[int, datetime, datetime]]:
    """(resource, start, end) of the held time overlapping the period.

    The hot loop of slot search reads thousands of holds a day; the database hands out epoch
    seconds, which become datetimes far faster than the drivers' timestamp parsing.
    """
    if not ids:
        return []
    epoch = _EPOCH[connection.vendor]
    adapt = connection.ops.adapt_datetimefield_value
    sql = (
        f"SELECT resource_id, {epoch.format('start')}, {epoch.format('block_end')} "  # noqa: S608
        "FROM scheduling_appointmentresource "
        f"WHERE resource_id IN ({', '.join(['%s'] * len(ids))}) AND holds_time "
        # A lower bound on start keeps the (resource, start) index scan to the period: no
        # hold is longer than a day (types last at most 10 hours).
        "AND start >= %s AND start < %s AND block_end > %s"
    )
    params: list = [*ids, adapt(period[0] - timedelta(days=1)), adapt(period[1]), adapt(period[0])]
    if ignore_appointment_id is not None:
        sql += " AND appointment_id <> %s"
        params.append(ignore_appointment_id)
    if ignore_session_key is not None:
        sql += " AND session_key <> %s"
        params.append(
            ignore_session_key
            if connection.features.has_native_uuid_field
            else ignore_session_key.hex
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    stamp = datetime.fromtimestamp
    return [(rid, stamp(start, UTC), stamp(end, UTC)) for rid, start, end in rows]


@dataclass
class Availability:
    """Free time per resource over a period, loaded with one query per table."""

    open_spans: dict[int, list[Span]] = field(default_factory=dict)  # hours, no bookings
    busy: dict[int, list[Span]] = field(default_factory=dict)
    closed: dict[date, str] = field(default_factory=dict)
    _free: dict[int, tuple[list[datetime], list[Span]]] = field(default_factory=dict)

    def free(self, resource_id: int) -> list[Span]:
        return self._free_index(resource_id)[1]

    def _free_index(self, resource_id: int) -> tuple[list[datetime], list[Span]]:
        # Computed once per resource: slot search asks is_free hundreds of times.
        if resource_id not in self._free:
            spans = subtract(self.open_spans.get(resource_id, []), self.busy.get(resource_id, []))
            self._free[resource_id] = ([start for start, _ in spans], spans)
        return self._free[resource_id]

    def is_open(self, resource_id: int, start: datetime, end: datetime) -> bool:
        return any(s <= start and end <= e for s, e in self.open_spans.get(resource_id, []))

    def is_free(self, resource_id: int, start: datetime, end: datetime) -> bool:
        starts, spans = self._free_index(resource_id)
        index = bisect.bisect_right(starts, start) - 1
        return index >= 0 and end <= spans[index][1]


def load_availability(
    *,
    resources: Sequence[Resource],
    schedule: UnitSchedule | None,
    first: date,
    last: date,
    ignore_appointment_id: int | None = None,
    ignore_session_key: object = None,
) -> Availability:
    """Open hours and booked time of `resources` for the local days first..last."""
    ids = [r.pk for r in resources]
    unit_ids = {r.unit_id for r in resources}
    period = (
        datetime.combine(first, time.min, tzinfo=LOCAL),
        datetime.combine(last + timedelta(days=1), time.min, tzinfo=LOCAL),
    )
    closed = closed_days(schedule, first, last)
    hours: dict[int, dict[int, list[tuple[time, time]]]] = defaultdict(lambda: defaultdict(list))
    for row in WorkingHours.objects.filter(resource_id__in=ids).values_list(
        "resource_id", "weekday", "start", "end"
    ):
        hours[row[0]][row[1]].append((row[2], row[3]))
    open_spans: dict[int, list[Span]] = defaultdict(list)
    day = first
    while day <= last:
        if day not in closed:
            for rid in ids:
                for start, end in hours[rid].get(day.weekday(), []):
                    open_spans[rid].append(local_span(day, start, end))
        day += timedelta(days=1)
    for rid, start, end in ExtraOpening.objects.filter(
        resource_id__in=ids, start__lt=period[1], end__gt=period[0]
    ).values_list("resource_id", "start", "end"):
        open_spans[rid].append((start, end))
    cuts: dict[int, list[Span]] = defaultdict(list)
    for rid, unit_id, start, end in Absence.objects.filter(
        Q(resource_id__in=ids) | Q(resource__isnull=True, unit_id__in=unit_ids),
        start__lt=period[1],
        end__gt=period[0],
    ).values_list("resource_id", "unit_id", "start", "end"):
        targets = [rid] if rid else [r.pk for r in resources if r.unit_id == unit_id]
        for target in targets:
            cuts[target].append((start, end))
    result = Availability(closed=closed)
    for rid in ids:
        result.open_spans[rid] = subtract(merge(open_spans[rid]), cuts[rid])
    busy: dict[int, list[Span]] = defaultdict(list)
    for rid, start, end in _holds(ids, period, ignore_appointment_id, ignore_session_key):
        busy[rid].append((start, end))
    result.busy = {rid: merge(spans) for rid, spans in busy.items()}
    return result
