"""When resources are free: regular hours, minus holidays, absences and booked time, plus
one-off openings. Times are stored in UTC and reasoned about in Europe/Copenhagen, so a
booking grid of 08:00-16:00 stays 08:00-16:00 across the daylight-saving changes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.db.models import Q

from klinik.scheduling.models import (
    Absence,
    AppointmentResource,
    ExtraOpening,
    Resource,
    UnitSchedule,
    WorkingHours,
)

LOCAL = ZoneInfo(settings.TIME_ZONE)
Span = tuple[datetime, datetime]


@lru_cache(maxsize=64)
def _danish_days(year: int) -> dict[date, str]:
    return dict(holidays.country_holidays("DK", years=[year], categories=("public", "optional")))


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


@dataclass
class Availability:
    """Free time per resource over a period, loaded with one query per table."""

    open_spans: dict[int, list[Span]] = field(default_factory=dict)  # hours, no bookings
    busy: dict[int, list[Span]] = field(default_factory=dict)
    closed: dict[date, str] = field(default_factory=dict)

    def free(self, resource_id: int) -> list[Span]:
        return subtract(self.open_spans.get(resource_id, []), self.busy.get(resource_id, []))

    def is_open(self, resource_id: int, start: datetime, end: datetime) -> bool:
        return any(s <= start and end <= e for s, e in self.open_spans.get(resource_id, []))

    def is_free(self, resource_id: int, start: datetime, end: datetime) -> bool:
        if not self.is_open(resource_id, start, end):
            return False
        return all(end <= s or start >= e for s, e in self.busy.get(resource_id, []))


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
    holds = AppointmentResource.objects.filter(
        resource_id__in=ids, holds_time=True, start__lt=period[1], block_end__gt=period[0]
    )
    if ignore_appointment_id is not None:
        holds = holds.exclude(appointment_id=ignore_appointment_id)
    if ignore_session_key is not None:
        holds = holds.exclude(session_key=ignore_session_key)
    busy: dict[int, list[Span]] = defaultdict(list)
    for rid, start, end in holds.values_list("resource_id", "start", "block_end"):
        busy[rid].append((start, end))
    result.busy = {rid: merge(spans) for rid, spans in busy.items()}
    return result
