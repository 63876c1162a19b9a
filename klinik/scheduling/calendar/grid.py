"""Grid geometry: local times as minutes of a day, the time range shown, rows of five minutes,
lanes for overlapping blocks, and the placement of closed time, free cells and appointment
blocks in a column; the week overview's bar segments in percent.

Blocks are positioned with classes (`rs-N` row start, `rn-N` rows) from calendar.css, never
with style attributes: the Content-Security-Policy allows no inline styles.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from klinik.core.models import Unit
from klinik.core.policy import Actor, Perm
from klinik.scheduling.availability import (
    LOCAL,
    Availability,
    Span,
    load_availability,
    load_timetable,
)
from klinik.scheduling.calendar.selectors import AbsenceRow, absence_rows
from klinik.scheduling.choices import AbsenceKind, AppointmentStatus, ResourceKind
from klinik.scheduling.models import Resource
from klinik.scheduling.schedule import DayAppointment, appointments_between, by_resource
from klinik.scheduling.selectors import unit_schedule

ROW_MINUTES = 5  # one grid row; the display grid (5 or 15 minutes) is a multiple of it
DAY_MINUTES = 24 * 60
DEFAULT_HOURS = (8 * 60, 16 * 60)  # shown when nobody works that day
MAX_LANES = 4  # overlapping blocks (group sessions, overbooking) side by side
DASH = "\N{EN DASH}"


# Local time as minutes of a day ------------------------------------------------------------------


def local(moment: datetime) -> datetime:
    return timezone.localtime(moment, LOCAL)


def when(moment: datetime) -> str:
    return date_format(local(moment), "D j.n.Y H:i")


def clip(span: Span, day: date) -> tuple[int, int] | None:
    """The part of a span on a local day, as minutes from midnight (0..1440)."""
    start, end = local(span[0]), local(span[1])
    if start.date() > day or end.date() < day:
        return None
    a = 0 if start.date() < day else start.hour * 60 + start.minute
    b = DAY_MINUTES if end.date() > day else end.hour * 60 + end.minute
    return (a, b) if a < b else None


def by_day(
    spans: Iterable[Span], seen: dict[datetime, tuple[date, int]] | None = None
) -> dict[date, list[tuple[int, int]]]:
    """Spans split into local days, as minutes from midnight; each moment converted once
    (`seen` carries the conversions across calls: resources share opening times)."""
    if seen is None:
        seen = {}
    found: dict[date, list[tuple[int, int]]] = defaultdict(list)
    for span in spans:
        ends = []
        for moment in span:
            converted_once = seen.get(moment)
            if converted_once is None:
                converted = local(moment)
                converted_once = seen[moment] = (
                    converted.date(),
                    converted.hour * 60 + converted.minute,
                )
            ends.append(converted_once)
        (start_day, start_minute), (end_day, end_minute) = ends
        if start_day == end_day:
            found[start_day].append((start_minute, end_minute))
            continue
        day = start_day
        while day <= end_day:
            clipped = clip(span, day)
            if clipped is not None:
                found[day].append(clipped)
            day += timedelta(days=1)
    return found


def minus(spans: list[tuple[int, int]], cuts: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans minus cuts, both sorted and non-overlapping (one day's, so short lists)."""
    result = []
    for a, b in sorted(spans):
        for c, d in cuts:
            if d <= a or c >= b:
                continue
            if c > a:
                result.append((a, c))
            a = d
            if a >= b:
                break
        if a < b:
            result.append((a, b))
    return result


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


# The time range and its rows ---------------------------------------------------------------------


@dataclass
class TimeRange:
    first: int  # minutes from midnight, on the hour
    last: int

    @property
    def rows(self) -> int:
        return (self.last - self.first) // ROW_MINUTES

    def row(self, minute: int) -> int:
        """1-based grid row of a minute, clamped into the range."""
        minute = min(max(minute, self.first), self.last - ROW_MINUTES)
        return (minute - self.first) // ROW_MINUTES + 1

    def span(self, a: int, b: int) -> int:
        a, b = max(a, self.first), min(b, self.last)
        return max(1, -(-(b - a) // ROW_MINUTES))


def time_range_of(spans: Iterable[tuple[int, int]]) -> TimeRange:
    """From the earliest opening to the latest closing (or appointment), on whole hours."""
    found = list(spans)
    if not found:
        return TimeRange(*DEFAULT_HOURS)
    first = min(a for a, _b in found) // 60 * 60
    last = -(-max(b for _a, b in found) // 60) * 60
    return TimeRange(first, max(last, first + 60))


def closed_spans(opened: list[tuple[int, int]], time_range: TimeRange) -> list[tuple[int, int]]:
    """The parts of the time range outside the opening hours."""
    closed = []
    cursor = time_range.first
    for a, b in sorted(opened):
        if a > cursor:
            closed.append((cursor, a))
        cursor = max(cursor, b)
    if cursor < time_range.last:
        closed.append((cursor, time_range.last))
    return closed


def ticks(time_range: TimeRange) -> list[tuple[int, str]]:
    return [
        (time_range.row(minute), hhmm(minute))
        for minute in range(time_range.first, time_range.last, 60)
    ]


# What a column shows -----------------------------------------------------------------------------


@dataclass
class Cell:
    row: int
    span: int
    start: str  # local "HH:MM"
    label: str


@dataclass
class Shade:
    row: int
    span: int
    label: str = ""
    kind: str = "closed"


@dataclass
class Block:
    appointments: list[DayAppointment]
    start_minute: int
    end_minute: int
    hold_end_minute: int
    row: int = 0
    span: int = 1
    buffer_row: int = 0
    buffer_span: int = 0
    lane: int = 0
    lanes: int = 1
    is_open: bool = False
    url: str = ""
    links: list[tuple[DayAppointment, str]] = field(default_factory=list)
    # Filled in when placed, so the template only prints (a busy day has hundreds of blocks).
    public_id: str = ""
    patient: str = ""
    type_name: str = ""
    status: str = ""
    status_label: str = ""
    title: str = ""
    draggable: bool = False
    join_url: str = ""  # a group session with places left: book another participant

    @property
    def appointment(self) -> DayAppointment:
        return self.appointments[0]

    @property
    def is_group(self) -> bool:
        return self.appointment.appointment_type.is_group

    @property
    def time_label(self) -> str:
        return f"{hhmm(self.start_minute)}{DASH}{hhmm(self.end_minute)}"

    @property
    def start_label(self) -> str:
        return hhmm(self.start_minute)

    @property
    def end_label(self) -> str:
        return hhmm(self.end_minute)

    @property
    def type_class(self) -> str:
        return f"t-{self.appointment.appointment_type.public_id.hex}"

    @property
    def css(self) -> str:
        a = self.appointment
        classes = [
            "appt",
            self.type_class,
            f"st-{a.status}",
            f"rs-{self.row}",
            f"rn-{self.span}",
            f"lane-{self.lane}",
            f"lanes-{self.lanes}",
        ]
        if self.span <= 4:  # 20 minutes or less: one line
            classes.append("is-short")
        if a.is_overbooked:
            classes.append("is-overbooked")
        if self.is_open:
            classes.append("is-open")
        return " ".join(classes)

    @property
    def is_draggable(self) -> bool:
        return not self.is_group and self.appointment.status == AppointmentStatus.BOOKED


@dataclass
class Column:
    resource: Resource
    day: date
    title: str
    subtitle: str = ""
    holiday: str = ""
    is_today: bool = False
    cells: list[Cell] = field(default_factory=list)
    shades: list[Shade] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    blocks_html: str = ""  # the blocks as markup (markup.blocks_html)
    now_row: int = 0
    count: int = 0
    book_url: str = ""
    day_url: str = ""

    @property
    def is_practitioner(self) -> bool:
        return self.resource.kind == ResourceKind.PRACTITIONER


def assign_lanes(blocks: list[Block]) -> None:
    """Side by side where blocks overlap: greedy lanes per cluster of overlapping blocks."""
    blocks.sort(key=lambda b: (b.start_minute, -b.hold_end_minute))
    cluster: list[Block] = []
    lane_ends: list[int] = []
    cluster_end = -1

    def close() -> None:
        for block in cluster:
            block.lanes = min(len(lane_ends), MAX_LANES)
            block.lane = min(block.lane, MAX_LANES - 1)

    for block in blocks:
        if cluster and block.start_minute >= cluster_end:
            close()
            cluster, lane_ends = [], []
        lane = next((i for i, end in enumerate(lane_ends) if end <= block.start_minute), None)
        if lane is None:
            lane_ends.append(block.hold_end_minute)
            lane = len(lane_ends) - 1
        else:
            lane_ends[lane] = block.hold_end_minute
        block.lane = lane
        cluster.append(block)
        cluster_end = max(cluster_end, block.hold_end_minute)
    if cluster:
        close()


def blocks_of(appointments: list[DayAppointment], day: date) -> list[Block]:
    """One block per appointment; a group session's participants share one block."""
    sessions: dict[object, Block] = {}
    blocks: list[Block] = []
    for appointment in appointments:
        span = clip((appointment.start, appointment.end), day)
        if span is None:
            continue
        key = appointment.session_key if appointment.appointment_type.is_group else None
        if key is not None and key in sessions:
            sessions[key].appointments.append(appointment)
            continue
        hold = clip((appointment.start, appointment.block_end), day) or span
        block = Block([appointment], span[0], span[1], hold[1])
        if key is not None:
            sessions[key] = block
        blocks.append(block)
    assign_lanes(blocks)
    return blocks


# The period's data and the columns laid out from it ----------------------------------------------


@dataclass
class Layout:
    """What a column needs from the period's data."""

    availability: Availability
    absences: list[AbsenceRow]
    by_resource: dict[int, list[DayAppointment]]
    can_book: bool
    open_id: object = None
    grid: int = 15
    weekdays: set[int] = field(default_factory=set)  # on which any resource has hours


def layout_load(
    *,
    actor: Actor,
    unit: Unit,
    resources: list[Resource],
    first: date,
    days: int = 1,
    include_cancelled: bool,
    open_id: object,
    grid: int,
) -> Layout:
    """The resources' appointments (a logged read), opening hours and absences of the days."""
    last = first + timedelta(days=days - 1)
    schedule = unit_schedule(unit_id=unit.pk)
    timetable = load_timetable(resources=resources, first=first, last=last)
    appointments = appointments_between(
        actor=actor,
        first=first,
        days=days,
        unit_id=unit.pk,
        resource_ids=[r.pk for r in resources],
        include_cancelled=include_cancelled,
    )
    return Layout(
        availability=load_availability(
            resources=resources, schedule=schedule, first=first, last=last, timetable=timetable
        ),
        absences=absence_rows(timetable),
        by_resource=by_resource(appointments),
        can_book=actor.can(Perm.SCHEDULE_BOOK),
        open_id=open_id,
        grid=grid,
        weekdays=timetable.weekdays,
    )


def open_minutes(
    availability: Availability, resource: Resource, day: date
) -> list[tuple[int, int]]:
    spans = (clip(span, day) for span in availability.open_spans.get(resource.pk, []))
    return [s for s in spans if s is not None]


def free_minutes(
    availability: Availability, resource: Resource, day: date
) -> list[tuple[int, int]]:
    spans = (clip(span, day) for span in availability.free(resource.pk))
    return [s for s in spans if s is not None]


def column_book_url(resource: Resource, day: date) -> str:
    """The booking panel opened at a time clicked in the resource's column."""
    params = {"resource": str(resource.public_id), "start_date": day.isoformat()}
    return f"{reverse('calendar_book')}?{urlencode(params)}"


def column_of(
    layout: Layout, resource: Resource, day: date, title: str, subtitle: str, book_url: str
) -> Column:
    column = Column(resource=resource, day=day, title=title, subtitle=subtitle)
    column.holiday = layout.availability.closed.get(day, "")
    column.is_today = day == timezone.localdate()
    column.book_url = book_url
    column.blocks = blocks_of(layout.by_resource.get(resource.pk, []), day)
    column.count = sum(len(b.appointments) for b in column.blocks)
    return column


def day_columns(layout: Layout, resources: list[Resource], day: date) -> list[Column]:
    """A column per resource on one day."""
    return [
        column_of(
            layout,
            resource,
            day,
            resource.name,
            "" if resource.kind == ResourceKind.PRACTITIONER else resource.get_kind_display(),
            column_book_url(resource, day),
        )
        for resource in resources
    ]


# Placement ---------------------------------------------------------------------------------------


def place(columns: list[Column], layout: Layout) -> TimeRange:
    """Rows for every column: one time range for all, so the columns line up."""
    spans: list[tuple[int, int]] = []
    opened: dict[int, list[tuple[int, int]]] = {}
    for index, column in enumerate(columns):
        opened[index] = open_minutes(layout.availability, column.resource, column.day)
        spans += opened[index]
        spans += [(b.start_minute, b.hold_end_minute) for b in column.blocks]
    time_range = time_range_of(spans)
    now = timezone.now()
    now_local = local(now)
    free_word = _("Free")
    for index, column in enumerate(columns):
        column.shades = _shades(column, opened[index], time_range, layout.absences, now)
        if layout.can_book:
            free = free_minutes(layout.availability, column.resource, column.day)
            column.cells = _free_cells(column, free, time_range, layout.grid, now, free_word)
        _place_blocks(column, time_range, layout)
        if column.is_today and time_range.first <= now_local.hour * 60 < time_range.last:
            column.now_row = time_range.row(now_local.hour * 60 + now_local.minute)
    return time_range


def _shades(
    column: Column,
    opened: list[tuple[int, int]],
    time_range: TimeRange,
    absences: list[AbsenceRow],
    now: datetime,
) -> list[Shade]:
    """Closed time (the range minus the opening hours, absences already cut out), or the
    holiday; the past; and absences, labelled."""
    shades = [
        Shade(time_range.row(a), time_range.span(a, b)) for a, b in closed_spans(opened, time_range)
    ]
    if column.holiday:
        shades = [Shade(1, time_range.rows, column.holiday, "holiday")]
    local_now = local(now)
    if column.day < local_now.date():
        shades.append(Shade(1, time_range.rows, "", "past"))
    elif column.day == local_now.date():
        minute = local_now.hour * 60 + local_now.minute
        if minute > time_range.first:
            shades.append(Shade(1, time_range.span(time_range.first, minute), "", "past"))
    for resource_id, kind, note, start, end in absences:
        if resource_id not in (None, column.resource.pk):
            continue
        span = clip((start, end), column.day)
        if span is None or span[1] <= time_range.first or span[0] >= time_range.last:
            continue
        label = " · ".join(filter(None, [str(absence_label(kind)), note]))
        shades.append(Shade(time_range.row(span[0]), time_range.span(*span), label, "absence"))
    return shades


def _free_cells(
    column: Column,
    free: list[tuple[int, int]],
    time_range: TimeRange,
    grid: int,
    now: datetime,
    free_word: str,
) -> list[Cell]:
    """Cells on the display grid where the resource is free (open, and not booked)."""
    cells = []
    for a, b in sorted(free):
        t = max(a, time_range.first)
        while t < min(b, time_range.last):
            following = min((t // grid + 1) * grid, b)
            start = datetime.combine(column.day, time(t // 60, t % 60), tzinfo=LOCAL)
            if start >= now:  # the past cannot be booked: no cell to click
                cells.append(
                    Cell(
                        row=time_range.row(t),
                        span=time_range.span(t, following),
                        start=hhmm(t),
                        label=f"{free_word} {hhmm(t)} · {column.resource.name}",
                    )
                )
            t = following
    return cells


def _place_blocks(column: Column, time_range: TimeRange, layout: Layout) -> None:
    """Rows, links and labels of the column's blocks, worked out once for the template."""
    pattern = appointment_url_pattern()
    labels = {status.value: str(status.label) for status in AppointmentStatus}
    for block in column.blocks:
        first = block.appointment
        block.public_id = str(first.public_id)
        block.url = pattern.format(block.public_id)
        block.links = [(a, pattern.format(a.public_id)) for a in block.appointments]
        block.patient = first.patient.name
        block.type_name = first.appointment_type.name
        block.status = first.status
        block.status_label = labels.get(first.status, first.status)
        block.title = " · ".join(
            (block.time_label, block.patient, block.type_name, block.status_label)
        )
        block.draggable = layout.can_book and block.is_draggable
        kind = first.appointment_type
        if block.is_group and layout.can_book and len(block.appointments) < kind.capacity:
            block.join_url = (
                f"{column.book_url}&start_time={block.start_label}"
                f"&appointment_type={kind.public_id}"
            )
        block.row = time_range.row(block.start_minute)
        block.span = time_range.span(block.start_minute, block.end_minute)
        if block.hold_end_minute > block.end_minute:
            block.buffer_row = time_range.row(block.end_minute)
            block.buffer_span = time_range.span(block.end_minute, block.hold_end_minute)
        block.is_open = layout.open_id is not None and any(
            a.public_id == layout.open_id for a in block.appointments
        )


def appointment_url_pattern() -> str:
    """The appointment panel's URL with a {} for the id: one reverse() for all blocks."""
    zero = "00000000-0000-0000-0000-000000000000"
    return reverse("calendar_appointment", args=[zero]).replace(zero, "{}")


def absence_label(kind: str) -> str:
    return str(AbsenceKind(kind).label) if kind in AbsenceKind.values else kind


# The week overview's bars ------------------------------------------------------------------------


@dataclass
class OverviewCell:
    url: str
    count: int = 0
    count_label: str = ""
    free_label: str = ""
    holiday: str = ""
    absence: str = ""
    segments: list[tuple[str, int, int]] = field(default_factory=list)  # kind, left %, width %
    bar: str = ""
    blocks: str = ""  # the day's appointments as markup (markup.week_blocks_html)


def percent(value: int, time_range: TimeRange) -> int:
    return round((value - time_range.first) * 100 / (time_range.last - time_range.first))


def segment(kind: str, a: int, b: int, time_range: TimeRange) -> tuple[str, int, int]:
    a, b = max(a, time_range.first), min(b, time_range.last)
    left = percent(a, time_range)
    return (kind, left, max(1, min(100 - left, percent(b, time_range) - left)))


def close_gaps(spans: list[tuple[int, int]], gap: int) -> list[tuple[int, int]]:
    """Spans with gaps of `gap` minutes or less closed: a bar a few hundred pixels wide
    cannot show them, and they would only add markup."""
    joined: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if joined and a - joined[-1][1] <= gap:
            joined[-1] = (joined[-1][0], max(joined[-1][1], b))
        else:
            joined.append((a, b))
    return joined
