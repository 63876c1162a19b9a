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
from typing import Any, NamedTuple
from uuid import UUID
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.db import connection

from klinik.scheduling.choices import WeekParity
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
    """Spans minus cuts (both lists of half-open intervals, in any order).

    The cuts are merged first, so each span is cut by the few cuts that overlap it, found by
    bisection: a day of a busy resource has dozens of bookings.
    """
    merged = merge(cuts)
    if not merged:
        return list(spans)
    ends = [end for _start, end in merged]
    count = len(merged)
    result = []
    for start, end in spans:
        index = bisect.bisect_right(ends, start)  # the first cut ending after the span starts
        while index < count:
            cut_start, cut_end = merged[index]
            if cut_start >= end:
                break
            if start < cut_start:
                result.append((start, cut_start))
            if cut_end > start:
                start = cut_end
            index += 1
        if start < end:
            result.append((start, end))
    return result


def merge(spans: Iterable[Span]) -> list[Span]:
    """Overlapping or touching spans joined, in order (the hot path of slot search)."""
    ordered = sorted(spans)
    if not ordered:
        return []
    merged: list[Span] = []
    current_start, current_end = ordered[0]
    for start, end in ordered:
        if start <= current_end:
            if end > current_end:
                current_end = end
        else:
            merged.append((current_start, current_end))
            current_start, current_end = start, end
    merged.append((current_start, current_end))
    return merged


def _busy(
    ids: list[int],
    period: Span,
    ignore_appointment_id: int | None,
    ignore_session_key: UUID | None,
    within: Sequence[Span] = (),
) -> dict[int, list[Span]]:
    """Per resource, the held time overlapping the period, merged into busy spans.

    The hot loop of slot search and the week overview read thousands of holds; their times
    become datetimes once per distinct time (_moments), far faster than the drivers'
    timestamp parsing. PostgreSQL merges back-to-back holds itself (a full day is one span,
    not thirty rows to transfer); SQLite's window functions cost more than merging here.
    """
    # Reads better whole: one statement and the merge of its rows into spans, per resource.
    if not ids:
        return {}
    adapt = connection.ops.adapt_datetimefield_value
    held = (
        "FROM scheduling_appointmentresource "
        f"WHERE resource_id IN ({', '.join(['%s'] * len(ids))}) AND holds_time "
        # A lower bound on start keeps the (resource, start) index scan to the period: no
        # hold is longer than a day (types last at most 10 hours).
        "AND start >= %s AND start < %s AND block_end > %s"
    )
    params: list[int | str | UUID | None] = [
        *ids,
        adapt(period[0] - timedelta(days=1)),
        adapt(period[1]),
        adapt(period[0]),
    ]
    if ignore_appointment_id is not None:
        held += " AND appointment_id <> %s"
        params.append(ignore_appointment_id)
    if ignore_session_key is not None:
        held += " AND session_key <> %s"
        params.append(
            ignore_session_key
            if connection.features.has_native_uuid_field
            else ignore_session_key.hex
        )
    if within:
        # Only the holds overlapping these spans: the rest of the day is not asked about.
        held += " AND (" + " OR ".join(["(start < %s AND block_end > %s)"] * len(within)) + ")"
        params += [adapt(moment) for start, end in within for moment in (end, start)]
    if connection.vendor == "postgresql":
        # Gaps and islands: a hold starts a new island when it starts after every earlier
        # hold (in start order) has ended, as merge() decides.
        window = "PARTITION BY resource_id ORDER BY start, block_end"
        sql = (
            "SELECT resource_id, EXTRACT(EPOCH FROM MIN(start))::float8, "  # noqa: S608
            "EXTRACT(EPOCH FROM MAX(block_end))::float8 FROM ("
            "SELECT resource_id, start, block_end, SUM(CASE WHEN start <= reached "
            f"THEN 0 ELSE 1 END) OVER ({window} ROWS UNBOUNDED PRECEDING) AS island FROM ("
            f"SELECT resource_id, start, block_end, MAX(block_end) OVER ({window} "
            f"ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reached {held}"
            ") held) islands GROUP BY resource_id, island ORDER BY resource_id, 2"
        )
    else:
        # The stored UTC text, cast so that the driver does not parse every value itself.
        sql = f"SELECT resource_id, CAST(start AS TEXT), CAST(block_end AS TEXT) {held}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    moment = _moments(rows)
    busy: dict[int, list[Span]] = defaultdict(list)
    for rid, start, end in rows:
        busy[rid].append((moment[start], moment[end]))
    if connection.vendor == "postgresql":
        return busy  # merged and in order
    return {rid: merge(spans) for rid, spans in busy.items()}


def _moments(rows: Sequence[Sequence[Any]]) -> dict[Any, datetime]:
    """The rows' times (columns 1 and 2: epoch seconds from PostgreSQL, UTC text from
    SQLite) as datetimes. Bookings start and end on the unit's grid, so a few hundred
    distinct times cover thousands of holds: each is converted once."""
    stamps = {stamp for row in rows for stamp in (row[1], row[2])}
    if connection.vendor == "postgresql":
        return {stamp: datetime.fromtimestamp(stamp, UTC) for stamp in stamps}
    return {stamp: datetime.fromisoformat(stamp).replace(tzinfo=UTC) for stamp in stamps}


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

    def include(self, other: Availability) -> None:
        """Take over the other's resources (replacing what was known of them)."""
        for resource_id in other.open_spans.keys() | other.busy.keys():
            self._free.pop(resource_id, None)
            self.open_spans[resource_id] = other.open_spans.get(resource_id, [])
            self.busy[resource_id] = other.busy.get(resource_id, [])


class TimedRow(NamedTuple):
    """An absence or a one-off opening of a resource (or, an absence, of a whole unit)."""

    resource_id: int | None
    unit_id: int | None
    start: datetime
    end: datetime
    kind: str
    note: str


PARITY_ODD, PARITY_EVEN = 1, 2
PARITIES = {
    WeekParity.EVERY.value: 0,
    WeekParity.ODD.value: PARITY_ODD,
    WeekParity.EVEN.value: PARITY_EVEN,
}


class HoursRow(NamedTuple):
    """One row of regular hours: its times, the days it is valid (either end open) and the
    ISO weeks it holds in (0 every week, 1 odd weeks, 2 even weeks)."""

    start: time
    end: time
    valid_from: date | None = None
    valid_to: date | None = None
    parity: int = 0

    def holds_on(self, day: date, odd_week: bool) -> bool:
        """Whether the row applies on `day` (`odd_week`: its ISO week number is odd)."""
        if self.parity and (self.parity == PARITY_ODD) != odd_week:
            return False
        if self.valid_from is not None and day < self.valid_from:
            return False
        return self.valid_to is None or day <= self.valid_to


# Regular hours per resource and weekday (0 = Monday).
WeeklyHours = dict[int, dict[int, list[HoursRow]]]


def is_odd_week(day: date) -> bool:
    return day.isocalendar()[1] % 2 == 1


@lru_cache(maxsize=512)
def _clock(text: str) -> time:
    return time.fromisoformat(text)


@lru_cache(maxsize=512)
def _day(text: str | None) -> date | None:
    return date.fromisoformat(text[:10]) if text else None


@dataclass(frozen=True)
class Timetable:
    """What stays the same while a search loads period after period for the same resources:
    their regular hours, and their one-off openings and absences over the whole search."""

    hours: WeeklyHours
    openings: list[TimedRow]
    absences: list[TimedRow]

    @property
    def weekdays(self) -> set[int]:
        """The weekdays on which any of the resources has regular hours."""
        return {weekday for by_day in self.hours.values() for weekday in by_day}


def load_timetable(*, resources: Sequence[Resource], first: date, last: date) -> Timetable:
    """The timetable of the resources for the local days first..last, in one statement: their
    regular hours, their one-off openings and their (and their whole units') absences overlapping
    the days. On every slot search, booking and calendar page, so written out; the times come as
    text and are parsed through caches, since every resource has the same few opening and
    closing times."""
    hours: WeeklyHours = defaultdict(lambda: defaultdict(list))
    ids = [r.pk for r in resources]
    if not ids:
        return Timetable(hours, [], [])
    unit_ids = sorted({r.unit_id for r in resources})
    period = local_day_span(first, last)
    quote = connection.ops.quote_name
    start, end = quote("start"), quote("end")
    adapt = connection.ops.adapt_datetimefield_value
    within = [adapt(period[1]), adapt(period[0])]
    among = ", ".join(["%s"] * len(ids))
    units = ", ".join(["%s"] * len(unit_ids))
    table = {m: quote(m._meta.db_table) for m in (WorkingHours, ExtraOpening, Absence)}
    # Table and column names from the models; every value a parameter.
    sql = (
        f"SELECT 0, resource_id, CAST(NULL AS BIGINT), weekday, CAST({start} AS TEXT), "  # noqa: S608
        f"CAST({end} AS TEXT), "
        "CAST(valid_from AS TEXT), CAST(valid_to AS TEXT), weeks, '', '' "
        f"FROM {table[WorkingHours]} WHERE resource_id IN ({among}) "
        f"UNION ALL SELECT 1, resource_id, NULL, NULL, CAST({start} AS TEXT), "
        f"CAST({end} AS TEXT), NULL, NULL, NULL, '', '' FROM {table[ExtraOpening]} "
        f"WHERE resource_id IN ({among}) AND {start} < %s AND {end} > %s "
        f"UNION ALL SELECT 2, resource_id, unit_id, NULL, CAST({start} AS TEXT), "
        f"CAST({end} AS TEXT), NULL, NULL, NULL, kind, note FROM {table[Absence]} "
        f"WHERE (resource_id IN ({among}) OR (resource_id IS NULL AND unit_id IN ({units}))) "
        f"AND {start} < %s AND {end} > %s "
        "ORDER BY 1, 4, 5"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*ids, *ids, *within, *ids, *unit_ids, *within])
        found = cursor.fetchall()
    openings: list[TimedRow] = []
    absences: list[TimedRow] = []
    for (
        source,
        rid,
        unit_id,
        weekday,
        opens,
        closes,
        valid_from,
        valid_to,
        weeks,
        kind,
        note,
    ) in found:
        if source == 0:  # regular hours, by weekday and opening time
            hours[rid][weekday].append(
                HoursRow(
                    _clock(opens),
                    _clock(closes),
                    _day(valid_from),
                    _day(valid_to),
                    PARITIES.get(weeks, 0),
                )
            )
        else:
            row = TimedRow(rid, unit_id, _moment(opens), _moment(closes), kind, note)
            (openings if source == 1 else absences).append(row)
    return Timetable(hours, openings, absences)


def _moment(text: str) -> datetime:
    """A stored time read as text: UTC without its zone from SQLite, with it from PostgreSQL."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def local_day_span(first: date, last: date) -> Span:
    """From the local midnight starting `first` to the one ending `last`."""
    return (
        datetime.combine(first, time.min, tzinfo=LOCAL),
        datetime.combine(last + timedelta(days=1), time.min, tzinfo=LOCAL),
    )


def load_availability(
    *,
    resources: Sequence[Resource],
    schedule: UnitSchedule | None,
    first: date,
    last: date,
    ignore_appointment_id: int | None = None,
    ignore_session_key: UUID | None = None,
    timetable: Timetable | None = None,
    within: Sequence[Span] = (),
    with_bookings: bool = True,
) -> Availability:
    """Open hours and booked time of `resources` for the local days first..last.

    A `timetable` (load_timetable) covering the days saves reading the hours, openings and
    absences again when several periods are loaded for the same resources, as slot search
    does; then only the bookings are read. With `within`, only the bookings overlapping
    those spans are: the resources' free time is then right inside them only.
    """
    ids = [r.pk for r in resources]
    wanted = set(ids)
    period = local_day_span(first, last)
    closed = closed_days(schedule, first, last)
    if timetable is None:
        timetable = load_timetable(resources=resources, first=first, last=last)
    hours = timetable.hours
    open_spans: dict[int, list[Span]] = defaultdict(list)
    # Most resources share their hours: each (day, start, end) becomes a span once.
    made: dict[tuple[date, time, time], Span] = {}
    day = first
    while day <= last:
        if day not in closed:
            weekday = day.weekday()
            odd_week = is_odd_week(day)
            for resource_id in ids:
                for row in hours.get(resource_id, {}).get(weekday, ()):
                    if (row.valid_from or row.valid_to or row.parity) and not row.holds_on(
                        day, odd_week
                    ):
                        continue
                    opens, closes = row.start, row.end
                    key = (day, opens, closes)
                    span = made.get(key)
                    if span is None:
                        span = made[key] = local_span(day, opens, closes)
                    open_spans[resource_id].append(span)
        day += timedelta(days=1)
    for rid, _unit_id, start, end, _kind, _note in timetable.openings:
        if rid in wanted and start < period[1] and end > period[0]:
            open_spans[rid].append((start, end))
    cuts: dict[int, list[Span]] = defaultdict(list)
    for rid, unit_id, start, end, _kind, _note in timetable.absences:
        if start >= period[1] or end <= period[0]:
            continue
        if rid:  # one resource's absence, else the whole unit's
            targets = [rid] if rid in wanted else []
        else:
            targets = [r.pk for r in resources if r.unit_id == unit_id]
        for target in targets:
            cuts[target].append((start, end))
    result = Availability(closed=closed)
    for rid in ids:
        result.open_spans[rid] = subtract(merge(open_spans[rid]), cuts[rid])
    if with_bookings:  # without: the open hours alone (capacity reports)
        result.busy = dict(_busy(ids, period, ignore_appointment_id, ignore_session_key, within))
    return result
