"""The week: seven day columns for one resource, or, for several, an overview row per resource
with each day's number of appointments, free time, a bar of open, booked and closed time and a
compact block per appointment (its time, coloured by its type)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from klinik.core.policy import Actor
from klinik.scheduling.availability import Availability, load_availability, load_timetable
from klinik.scheduling.calendar.grid import (
    DASH,
    Column,
    OverviewCell,
    TimeRange,
    absence_label,
    by_day,
    close_gaps,
    closed_spans,
    column_book_url,
    column_of,
    hhmm,
    layout_load,
    local,
    minus,
    open_minutes,
    place,
    segment,
    time_range_of,
)
from klinik.scheduling.calendar.markup import bar, cells_html, week_blocks_html
from klinik.scheduling.calendar.selectors import (
    WeekBlock,
    absence_rows,
    appointment_blocks_by_day,
)
from klinik.scheduling.calendar.state import CalendarState
from klinik.scheduling.models import Appointment, AppointmentType, Resource
from klinik.scheduling.selectors import unit_schedule

BAR_GAP = 5  # minutes: free gaps this short are not drawn in the week overview's bars

Minutes = list[tuple[int, int]]


def week_of_one(
    *, actor: Actor, state: CalendarState, monday: date, opened: Appointment | None
) -> tuple[list[Column], TimeRange]:
    """One resource's week as day columns; a weekend day nobody works is left out."""
    resource = state.shown[0]
    layout = layout_load(
        actor=actor,
        unit=state.unit,
        resources=[resource],
        first=monday,
        days=7,
        include_cancelled=state.show_cancelled,
        open_id=opened.public_id if opened else None,
        grid=state.grid,
    )
    columns = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        column = column_of(
            layout, resource, day, date_format(day, "D j.n."), "", column_book_url(resource, day)
        )
        is_weekend = day.weekday() >= 5
        if (
            is_weekend
            and not column.blocks
            and not open_minutes(layout.availability, resource, day)
        ):
            continue  # nobody works on that weekend day: no empty column
        column.day_url = state.url("calendar_day", date=day.isoformat())
        columns.append(column)
    return columns, place(columns, layout)


# The overview of several resources -------------------------------------------------------------


@dataclass
class _Phrases:
    """A hundred cells say the same few things: each phrase translated once."""

    free_first: str = field(default_factory=lambda: _("%(duration)s free, first at %(time)s"))
    free_only: str = field(default_factory=lambda: _("%(duration)s free"))
    fully_booked: str = field(default_factory=lambda: _("Fully booked"))
    closed: str = field(default_factory=lambda: _("Closed"))
    count_labels: dict[int, str] = field(default_factory=dict)
    durations: dict[int, str] = field(default_factory=dict)
    # Each appointment block's markup by (minute, type, status): twenty practitioners start
    # at the same few dozen times, so a week's thousands of blocks are a few hundred strings.
    blocks: dict[WeekBlock, str] = field(default_factory=dict)

    def count(self, count: int) -> str:
        if count not in self.count_labels:
            self.count_labels[count] = ngettext(
                "%(count)d appointment", "%(count)d appointments", count
            ) % {"count": count}
        return self.count_labels[count]


@dataclass
class _Week:
    """The overview's data: per (resource id, day) the open, busy and free minutes, the
    number of appointments and the absence to show."""

    days: list[date]
    availability: Availability
    blocks: dict[tuple[int, date], list[WeekBlock]]
    absences: dict[tuple[int | None, date], str]
    opened: dict[tuple[int, date], Minutes] = field(default_factory=dict)
    busy: dict[tuple[int, date], Minutes] = field(default_factory=dict)
    free: dict[tuple[int, date], Minutes] = field(default_factory=dict)


def week_overview(
    *,
    state: CalendarState,
    monday: date,
    refresh_url: str,
    unit_types: list[AppointmentType],
) -> dict[str, Any]:
    """Several resources over a week: per day the number of appointments, the free time and
    a bar of open, booked and closed time. No patient is shown, so nothing is logged; the
    names are one click away in the day view. Constant queries, whatever the volume.
    `unit_types`: every type of the unit, inactive ones too (the blocks' colours and titles)."""
    week = _week_load(state, monday)
    # Weekend days nobody works are left out, like in the week of one resource.
    days = [
        day
        for day in week.days
        if day.weekday() < 5
        or any(week.opened[(r.pk, day)] or week.blocks.get((r.pk, day)) for r in state.shown)
    ]
    time_range = time_range_of(span for key in week.opened for span in week.opened[key])
    now = local(timezone.now())
    day_urls = {day: state.url("calendar_day", date=day.isoformat()) for day in days}
    phrases = _Phrases()
    types = _type_labels(unit_types)
    rows = []
    for resource in state.shown:
        cells = [
            _overview_cell(week, resource, day, day_urls[day], time_range, now, phrases, types)
            for day in days
        ]
        rows.append(
            {
                "resource": resource,
                "week_url": state.url(
                    "calendar_week", r=[str(resource.public_id)], date=monday.isoformat()
                ),
                "cells": cells,
                "cells_html": cells_html(cells),
            }
        )
    return {
        "state": state,
        "days": [
            {
                "day": day,
                "url": day_urls[day],
                "holiday": week.availability.closed.get(day, ""),
                "is_today": day == now.date(),
            }
            for day in days
        ],
        "overview": rows,
        "hours_label": f"{hhmm(time_range.first)}{DASH}{hhmm(time_range.last)}",
        "refresh_url": refresh_url,
        "is_week": True,
    }


def _week_load(state: CalendarState, monday: date) -> _Week:
    sunday = monday + timedelta(days=6)
    schedule = unit_schedule(unit_id=state.unit.pk)
    timetable = load_timetable(resources=state.shown, first=monday, last=sunday)
    availability = load_availability(
        resources=state.shown, schedule=schedule, first=monday, last=sunday, timetable=timetable
    )
    days = [monday + timedelta(days=i) for i in range(7)]
    blocks = appointment_blocks_by_day(
        unit=state.unit, resource_ids=[r.pk for r in state.shown], days=days
    )
    absences: dict[tuple[int | None, date], str] = {}
    for resource_id, kind, note, a_start, a_end in absence_rows(timetable):
        day = max(local(a_start).date(), monday)
        while day <= min(local(a_end).date(), sunday):
            absences.setdefault((resource_id, day), note or absence_label(kind))
            day += timedelta(days=1)
    week = _Week(days, availability, blocks, absences)
    seen: dict[datetime, tuple[date, int]] = {}
    for r in state.shown:
        open_days = by_day(availability.open_spans.get(r.pk, []), seen)
        busy_days = by_day(availability.busy.get(r.pk, []), seen)
        for day in days:
            key = (r.pk, day)
            week.opened[key] = open_days.get(day, [])
            week.busy[key] = busy_days.get(day, [])
            week.free[key] = minus(week.opened[key], week.busy[key])
    return week


def _overview_cell(
    week: _Week,
    resource: Resource,
    day: date,
    url: str,
    time_range: TimeRange,
    now: datetime,
    phrases: _Phrases,
    types: dict[int, tuple[str, str]],
) -> OverviewCell:
    key = (resource.pk, day)
    cell = OverviewCell(url=url)
    cell.holiday = week.availability.closed.get(day, "")
    cell.absence = week.absences.get(key) or week.absences.get((None, day), "")
    blocks = week.blocks.get(key, [])
    cell.count = len(blocks)
    cell.blocks = week_blocks_html(blocks, types, phrases.blocks)
    cell.count_label = phrases.count(cell.count)
    cell.free_label = _free_label(week.free[key], bool(week.opened[key]), day, now, phrases)
    cell.segments = [
        segment("closed", a, b, time_range) for a, b in closed_spans(week.opened[key], time_range)
    ]
    cell.segments += [
        segment("busy", a, b, time_range) for a, b in close_gaps(week.busy[key], BAR_GAP)
    ]
    cell.bar = bar(cell.segments)
    return cell


def _type_labels(types: list[AppointmentType]) -> dict[int, tuple[str, str]]:
    """Per type id: its colour class and its name, escaped (the blocks' colour and title)."""
    return {t.pk: (f"t-{t.public_id.hex}", escape(t.name)) for t in types}


def _free_label(free: Minutes, is_open: bool, day: date, now: datetime, phrases: _Phrases) -> str:
    """How much of the day is free and, if some of it is still to come, from when."""
    future_free = [
        (a, b)
        for a, b in free
        if day > now.date() or (day == now.date() and b > now.hour * 60 + now.minute)
    ]
    minutes = sum(b - a for a, b in free)
    if minutes and minutes not in phrases.durations:
        phrases.durations[minutes] = _duration(minutes)
    if future_free:
        return phrases.free_first % {
            "duration": phrases.durations[minutes],
            "time": hhmm(future_free[0][0]),
        }
    if minutes:
        return phrases.free_only % {"duration": phrases.durations[minutes]}
    return phrases.fully_booked if is_open else phrases.closed


def _duration(minutes: int) -> str:
    if minutes < 60:
        return _("%(minutes)d min") % {"minutes": minutes}
    return _("%(hours)d h %(minutes)02d min") % {"hours": minutes // 60, "minutes": minutes % 60}
