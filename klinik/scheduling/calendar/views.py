"""The calendar: day and week of a unit, booking from a free time or by slot search, and the
appointment panel (status, cancel, move, history).

Thin: parse the request, call the scheduling selectors and services, lay the result out on
a grid of 5-minute rows and render a page or its htmx partial. Blocks are positioned with
classes (`rs-N` row start, `rn-N` rows) from calendar.css, never with style attributes: the
Content-Security-Policy allows no inline styles.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.functional import cached_property
from django.utils.html import escape, format_html
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from klinik.audit.choices import Channel, Purpose
from klinik.core.db import serial_plans
from klinik.core.models import Unit
from klinik.core.policy import Actor, Perm, requires
from klinik.patients.access import access_patient
from klinik.patients.errors import BreakGlassRequired
from klinik.patients.models import Patient
from klinik.patients.selectors import patient_search
from klinik.scheduling import services
from klinik.scheduling.access import (
    access_appointment,
    access_appointment_type,
    access_resource,
    appointment_detail,
)
from klinik.scheduling.availability import LOCAL, Availability, Span, load_availability
from klinik.scheduling.calendar.forms import BookingForm, CalendarForm, CancelForm, MoveForm
from klinik.scheduling.choices import (
    ACTIVE_STATUSES,
    AbsenceKind,
    AppointmentStatus,
    ResourceKind,
)
from klinik.scheduling.errors import BookingError
from klinik.scheduling.models import (
    Absence,
    Appointment,
    AppointmentEvent,
    AppointmentResource,
    AppointmentType,
    Resource,
    UnitSchedule,
    WorkingHours,
)
from klinik.scheduling.selectors import (
    appointment_types_for,
    appointments_between,
    by_resource,
    local_day_bounds,
    resources_for,
)
from klinik.scheduling.slots import Slot, find_slots

ROW_MINUTES = 5  # one grid row; the display grid (5 or 15 minutes) is a multiple of it
DAY_MINUTES = 24 * 60
DEFAULT_HOURS = (8 * 60, 16 * 60)  # shown when nobody works that day
KIND_ORDER = {ResourceKind.PRACTITIONER: 0, ResourceKind.ROOM: 1, ResourceKind.EQUIPMENT: 2}
MAX_LANES = 4  # overlapping blocks (group sessions, overbooking) side by side
SESSION_KEY = "klinik_calendar"  # the last unit, resources and grid, restored on /calendar/
SLOT_LIMIT = 8
SLOT_SEARCH_DAYS = 60
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
PANEL_TARGET = "cal-panel"  # the calendar page's side panel
GRID_TARGET = "cal-grid"
CHANGED_EVENT = "calendar-changed"  # HX-Trigger: the grid reloads itself
DASH = "\N{EN DASH}"
BAR_GAP = 5  # minutes: free gaps this short are not drawn in the week overview's bars
FORWARD_STATUSES = (
    AppointmentStatus.ARRIVED,
    AppointmentStatus.IN_PROGRESS,
    AppointmentStatus.FINISHED,
    AppointmentStatus.NO_SHOW,
)


# What the calendar shows: unit, day, resources --------------------------------------------------


@dataclass
class CalendarState:
    units: list[Unit]
    unit: Unit
    day: date
    resources: list[Resource]  # every active resource of the unit
    shown: list[Resource]
    grid: int
    show_cancelled: bool
    is_default_selection: bool

    @cached_property
    def resource_checkboxes(self) -> str:
        """The toolbar's checkbox per resource, made here: seventy through the template
        engine cost a few milliseconds on every calendar page. Names are escaped."""
        shown = {r.pk for r in self.shown}
        return mark_safe(  # noqa: S308  (names escaped; the rest fixed text or ids)
            "".join(
                '<label class="cal-check"><input type="checkbox" name="r" '
                f'value="{r.public_id}"{" checked" if r.pk in shown else ""}> {escape(r.name)}'
                + (
                    ""
                    if r.kind == ResourceKind.PRACTITIONER
                    else f' <span class="hint">({escape(r.get_kind_display())})</span>'
                )
                + "</label>"
                for r in self.resources
            )
        )

    @cached_property
    def _shown_param(self) -> list[str]:
        return [str(r.public_id) for r in self.shown]

    def params(self, **changes: object) -> dict[str, object]:
        params: dict[str, object] = {"unit": str(self.unit.public_id)}
        if not self.is_default_selection:
            params["r"] = self._shown_param
        params["grid"] = self.grid
        if self.show_cancelled:
            params["cancelled"] = "1"
        params["date"] = self.day.isoformat()
        params.update(changes)
        return params

    def url(self, name: str, **changes: object) -> str:
        return f"{reverse(name)}?{urlencode(self.params(**changes), doseq=True)}"


def _units(actor: Actor) -> list[Unit]:
    """Units the actor may schedule for: their unit's organisation, or every organisation of
    their community (a shared reception)."""
    return list(
        Unit.objects.filter(organisation_id__in=actor.organisation_ids, is_active=True)
        .select_related("organisation")
        .order_by("organisation__name", "name")
    )


def _unit_label(unit: Unit, units: list[Unit]) -> str:
    if len({u.organisation_id for u in units}) > 1:
        return f"{unit.organisation.name} · {unit.name}"
    return unit.name


def _sorted_resources(resources: Iterable[Resource]) -> list[Resource]:
    return sorted(resources, key=lambda r: (KIND_ORDER.get(r.kind, 9), r.sort_order, r.name))


def _calendar_state(request: HttpRequest) -> CalendarState:
    """Unit, day, resources and grid from the query string. A bare /calendar/ (or a link
    with only unit and date) restores the resources and grid chosen last time."""
    actor = request.actor
    units = _units(actor)
    if not units:
        raise Http404
    query = request.GET
    remembered = request.session.get(SESSION_KEY)
    remembered = remembered if isinstance(remembered, dict) else {}
    unit = None
    if query.get("unit"):
        unit = next((u for u in units if str(u.public_id) == query["unit"]), None)
        if unit is None:
            raise Http404
    elif remembered.get("unit"):
        unit = next((u for u in units if str(u.public_id) == remembered["unit"]), None)
    if unit is None:
        own = actor.unit.pk if actor.unit is not None else None
        unit = next((u for u in units if u.pk == own), units[0])
    # The toolbar form always sends a grid; without one, fill in what was left out.
    if "grid" not in query and remembered.get("unit") == str(unit.public_id):
        merged = query.copy()
        if "r" not in query:
            merged.setlist("r", [str(v) for v in remembered.get("r", [])])
        merged["grid"] = str(remembered.get("grid", 15))
        if remembered.get("cancelled") and "cancelled" not in query:
            merged["cancelled"] = "1"
        query = merged
    resources = _sorted_resources(resources_for(actor=actor, unit_id=unit.pk))
    form = CalendarForm(
        query,
        units=[(str(u.public_id), _unit_label(u, units)) for u in units],
        resources=[(str(r.public_id), r.name) for r in resources],
    )
    form.is_valid()  # each field is read on its own: a bad date must not hide the resources
    data = form.cleaned_data
    chosen = set(data.get("r") or [])
    shown = [r for r in resources if str(r.public_id) in chosen]
    is_default = not shown
    if is_default:
        shown = [r for r in resources if r.kind == ResourceKind.PRACTITIONER] or resources
    state = CalendarState(
        units=units,
        unit=unit,
        day=data.get("date") or timezone.localdate(),
        resources=resources,
        shown=shown,
        grid=data.get("grid") or 15,
        show_cancelled=bool(data.get("cancelled")),
        is_default_selection=is_default,
    )
    chosen_now = {
        "unit": str(unit.public_id),
        "r": [] if is_default else [str(r.public_id) for r in shown],
        "grid": state.grid,
        "cancelled": "1" if state.show_cancelled else "",
    }
    if remembered != chosen_now:  # no session write when nothing changed
        request.session[SESSION_KEY] = chosen_now
    return state


def _toolbar_form(state: CalendarState) -> CalendarForm:
    return CalendarForm(
        initial={
            "unit": str(state.unit.public_id),
            "date": state.day,
            "r": [str(r.public_id) for r in state.shown],
            "grid": state.grid,
            "cancelled": state.show_cancelled,
        },
        units=[(str(u.public_id), _unit_label(u, state.units)) for u in state.units],
        resources=[(str(r.public_id), r.name) for r in state.resources],
    )


def _working_weekdays(resources: list[Resource]) -> set[int]:
    return set(
        WorkingHours.objects.filter(resource__in=resources)
        .values_list("weekday", flat=True)
        .distinct()
    )


def _step(day: date, direction: int, weekdays: set[int]) -> date:
    """The next (or previous) day someone shown works; plain next day if nobody has hours."""
    candidate = day + timedelta(days=direction)
    for _attempt in range(7):
        if not weekdays or candidate.weekday() in weekdays:
            return candidate
        candidate += timedelta(days=direction)
    return day + timedelta(days=direction)


def _absences(unit: Unit, resources: list[Resource], first: date, last: date) -> list[tuple]:
    """Absences of the shown resources and whole-unit closures in the period, for labels."""
    start, end = local_day_bounds(first, (last - first).days + 1)
    ids = {r.pk for r in resources}
    rows = Absence.objects.filter(
        organisation_id=unit.organisation_id, unit=unit, start__lt=end, end__gt=start
    ).values_list("resource_id", "kind", "note", "start", "end")
    return [row for row in rows if row[0] is None or row[0] in ids]


# Layout on the grid ------------------------------------------------------------------------------


def _local(moment: datetime) -> datetime:
    return timezone.localtime(moment, LOCAL)


def _clip(span: Span, day: date) -> tuple[int, int] | None:
    """The part of a span on a local day, as minutes from midnight (0..1440)."""
    start, end = _local(span[0]), _local(span[1])
    if start.date() > day or end.date() < day:
        return None
    a = 0 if start.date() < day else start.hour * 60 + start.minute
    b = DAY_MINUTES if end.date() > day else end.hour * 60 + end.minute
    return (a, b) if a < b else None


def _by_day(
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
            local = seen.get(moment)
            if local is None:
                converted = _local(moment)
                local = seen[moment] = (converted.date(), converted.hour * 60 + converted.minute)
            ends.append(local)
        (start_day, start_minute), (end_day, end_minute) = ends
        if start_day == end_day:
            found[start_day].append((start_minute, end_minute))
            continue
        day = start_day
        while day <= end_day:
            clipped = _clip(span, day)
            if clipped is not None:
                found[day].append(clipped)
            day += timedelta(days=1)
    return found


def _minus(spans: list[tuple[int, int]], cuts: list[tuple[int, int]]) -> list[tuple[int, int]]:
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


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


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


def _time_range(spans: Iterable[tuple[int, int]]) -> TimeRange:
    """From the earliest opening to the latest closing (or appointment), on whole hours."""
    found = list(spans)
    if not found:
        return TimeRange(*DEFAULT_HOURS)
    first = min(a for a, _b in found) // 60 * 60
    last = -(-max(b for _a, b in found) // 60) * 60
    return TimeRange(first, max(last, first + 60))


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
    appointments: list[Appointment]
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
    links: list[tuple[Appointment, str]] = field(default_factory=list)
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
    def appointment(self) -> Appointment:
        return self.appointments[0]

    @property
    def is_group(self) -> bool:
        return self.appointment.appointment_type.is_group

    @property
    def time_label(self) -> str:
        return f"{_hhmm(self.start_minute)}{DASH}{_hhmm(self.end_minute)}"

    @property
    def start_label(self) -> str:
        return _hhmm(self.start_minute)

    @property
    def end_label(self) -> str:
        return _hhmm(self.end_minute)

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
    blocks_html: str = ""  # the blocks as markup (_blocks_html)
    now_row: int = 0
    count: int = 0
    book_url: str = ""
    day_url: str = ""

    @property
    def is_practitioner(self) -> bool:
        return self.resource.kind == ResourceKind.PRACTITIONER


def _assign_lanes(blocks: list[Block]) -> None:
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


def _blocks(appointments: list[Appointment], day: date) -> list[Block]:
    """One block per appointment; a group session's participants share one block."""
    sessions: dict[object, Block] = {}
    blocks: list[Block] = []
    for appointment in appointments:
        span = _clip((appointment.start, appointment.end), day)
        if span is None:
            continue
        key = appointment.session_key if appointment.appointment_type.is_group else None
        if key is not None and key in sessions:
            sessions[key].appointments.append(appointment)
            continue
        hold = _clip((appointment.start, appointment.block_end), day) or span
        block = Block([appointment], span[0], span[1], hold[1])
        if key is not None:
            sessions[key] = block
        blocks.append(block)
    _assign_lanes(blocks)
    return blocks


@dataclass
class Layout:
    """What a column needs from the period's data."""

    availability: Availability
    absences: list[tuple]
    by_resource: dict[int, list[Appointment]]
    can_book: bool
    open_id: object = None
    grid: int = 15


def _open_minutes(availability: Availability, resource: Resource, day: date) -> list:
    spans = (_clip(span, day) for span in availability.open_spans.get(resource.pk, []))
    return [s for s in spans if s is not None]


def _free_minutes(availability: Availability, resource: Resource, day: date) -> list:
    spans = (_clip(span, day) for span in availability.free(resource.pk))
    return [s for s in spans if s is not None]


def _column(
    layout: Layout, resource: Resource, day: date, title: str, subtitle: str, book_url: str
) -> Column:
    column = Column(resource=resource, day=day, title=title, subtitle=subtitle)
    column.holiday = layout.availability.closed.get(day, "")
    column.is_today = day == timezone.localdate()
    column.book_url = book_url
    column.blocks = _blocks(layout.by_resource.get(resource.pk, []), day)
    column.count = sum(len(b.appointments) for b in column.blocks)
    return column


def _place(columns: list[Column], layout: Layout) -> TimeRange:
    """Rows for every column: one time range for all, so the columns line up."""
    spans: list[tuple[int, int]] = []
    opened: dict[int, list[tuple[int, int]]] = {}
    for index, column in enumerate(columns):
        opened[index] = _open_minutes(layout.availability, column.resource, column.day)
        spans += opened[index]
        spans += [(b.start_minute, b.hold_end_minute) for b in column.blocks]
    time_range = _time_range(spans)
    now = timezone.now()
    now_local = _local(now)
    free_word = _("Free")
    for index, column in enumerate(columns):
        free = _free_minutes(layout.availability, column.resource, column.day)
        _place_column(column, opened[index], free, time_range, layout, now, free_word)
        if column.is_today and time_range.first <= now_local.hour * 60 < time_range.last:
            column.now_row = time_range.row(now_local.hour * 60 + now_local.minute)
    return time_range


def _place_column(
    column: Column,
    opened: list[tuple[int, int]],
    free: list[tuple[int, int]],
    time_range: TimeRange,
    layout: Layout,
    now: datetime,
    free_word: str,
) -> None:
    grid = layout.grid
    # Closed time: the range minus the opening hours (absences are already cut out).
    cursor = time_range.first
    for a, b in sorted(opened):
        if a > cursor:
            column.shades.append(Shade(time_range.row(cursor), time_range.span(cursor, a)))
        cursor = max(cursor, b)
    if cursor < time_range.last:
        column.shades.append(
            Shade(time_range.row(cursor), time_range.span(cursor, time_range.last))
        )
    if column.holiday:
        column.shades = [Shade(1, time_range.rows, column.holiday, "holiday")]
    local_now = _local(now)
    if column.day < local_now.date():
        column.shades.append(Shade(1, time_range.rows, "", "past"))
    elif column.day == local_now.date():
        minute = local_now.hour * 60 + local_now.minute
        if minute > time_range.first:
            column.shades.append(Shade(1, time_range.span(time_range.first, minute), "", "past"))
    for resource_id, kind, note, start, end in layout.absences:
        if resource_id not in (None, column.resource.pk):
            continue
        span = _clip((start, end), column.day)
        if span is None or span[1] <= time_range.first or span[0] >= time_range.last:
            continue
        label = " · ".join(filter(None, [str(_absence_label(kind)), note]))
        column.shades.append(
            Shade(time_range.row(span[0]), time_range.span(*span), label, "absence")
        )
    # Cells on the display grid where the resource is free (open, and not booked).
    if layout.can_book:
        for a, b in sorted(free):
            t = max(a, time_range.first)
            while t < min(b, time_range.last):
                following = min((t // grid + 1) * grid, b)
                start = datetime.combine(column.day, time(t // 60, t % 60), tzinfo=LOCAL)
                if start >= now:  # the past cannot be booked: no cell to click
                    column.cells.append(
                        Cell(
                            row=time_range.row(t),
                            span=time_range.span(t, following),
                            start=_hhmm(t),
                            label=f"{free_word} {_hhmm(t)} · {column.resource.name}",
                        )
                    )
                t = following
    pattern = _appointment_url_pattern()
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


def _appointment_url_pattern() -> str:
    """The appointment panel's URL with a {} for the id: one reverse() for all blocks."""
    zero = "00000000-0000-0000-0000-000000000000"
    return reverse("calendar_appointment", args=[zero]).replace(zero, "{}")


def _absence_label(kind: str) -> str:
    return AbsenceKind(kind).label if kind in AbsenceKind.values else kind


def _ticks(time_range: TimeRange) -> list[tuple[int, str]]:
    return [
        (time_range.row(minute), _hhmm(minute))
        for minute in range(time_range.first, time_range.last, 60)
    ]


def _type_colours_url(unit: Unit | None, types: list[AppointmentType]) -> str:
    """The colour stylesheet's URL, versioned by the colours so it can be cached."""
    version = hashlib.sha256("".join(f"{t.public_id}{t.colour}" for t in types).encode())
    params = {"v": version.hexdigest()[:12]}
    if unit is not None:
        params["unit"] = str(unit.public_id)
    return f"{reverse('calendar_colours')}?{urlencode(params)}"


def _grid_context(
    request: HttpRequest,
    state: CalendarState,
    columns: list[Column],
    time_range: TimeRange,
    *,
    is_week: bool,
) -> dict[str, Any]:
    labels = {
        "overbooked_label": _("Overbooked"),
        "series_label": _("Part of a series"),
        "join_label": _("Add a participant"),
    }
    for column in columns:
        column.blocks_html = _blocks_html(column.blocks, labels)
    return {
        "state": state,
        "columns": columns,
        "rows": time_range.rows,
        "first_minute": time_range.first,
        "ticks": _ticks(time_range),
        "grid_step": state.grid,
        "is_week": is_week,
        "can_book": request.actor.can(Perm.SCHEDULE_BOOK),
        "refresh_url": request.get_full_path(),
        **labels,
    }


_BLOCK = (
    '<a class="{}" href="{}" id="appt-{}" data-appointment="{}" data-start="{}"{} tabindex="-1" '
    'title="{}"><span class="appt-head"><span class="appt-time">{}<span class="appt-end">'
    + DASH
    + '{}</span></span>{}{}<span class="st st-{}">{}</span></span>'
    '<span class="appt-patient">{}</span><span class="appt-type">{}</span></a>'
)
_BUFFER = '<div class="buffer rs-{} rn-{} lane-{} lanes-{} {}" aria-hidden="true"></div>'
_DRAGGABLE = mark_safe(' draggable="true"')


def _blocks_html(blocks: list[Block], labels: dict[str, str]) -> str:
    """A column's appointment blocks as markup: a busy day of twenty columns has some eight
    hundred, and printing each through the template engine cost half the page. format_html
    escapes every value; a group session keeps its template."""
    overbooked = format_html(
        '<span class="appt-flag" title="{}">!</span>', labels["overbooked_label"]
    )
    series = format_html('<span class="appt-flag" title="{}">↻</span>', labels["series_label"])
    parts = []
    for b in blocks:
        if b.is_group:
            parts.append(
                render_to_string(
                    "scheduling/calendar/_group_block.html",
                    {"b": b, "join_label": labels["join_label"]},
                )
            )
        else:
            a = b.appointment
            parts.append(
                format_html(
                    _BLOCK,
                    b.css,
                    b.url,
                    b.public_id,
                    b.public_id,
                    b.start_label,
                    _DRAGGABLE if b.draggable else "",
                    b.title,
                    b.start_label,
                    b.end_label,
                    overbooked if a.is_overbooked else "",
                    series if a.series_id else "",
                    b.status,
                    b.status_label,
                    b.patient,
                    b.type_name,
                )
            )
        if b.buffer_span:
            parts.append(
                format_html(_BUFFER, b.buffer_row, b.buffer_span, b.lane, b.lanes, b.type_class)
            )
    return mark_safe("".join(parts))  # noqa: S308  (each part made safe above)


def _open_appointment(request: HttpRequest) -> Appointment | None:
    """The appointment whose panel opens with the page (?open=<public id>), if reachable."""
    raw = request.GET.get("open", "")
    try:
        return appointment_detail(actor=request.actor, public_id=raw) if raw else None
    except Http404:
        return None


def _page_context(
    request: HttpRequest, state: CalendarState, *, is_week: bool, weekdays: set[int]
) -> dict[str, Any]:
    """Navigation, the toolbar form, the type legend and its colour stylesheet."""
    name = "calendar_week" if is_week else "calendar_day"
    if is_week:
        previous, following = state.day - timedelta(days=7), state.day + timedelta(days=7)
    else:
        previous, following = _step(state.day, -1, weekdays), _step(state.day, 1, weekdays)
    types = list(appointment_types_for(actor=request.actor, unit_id=state.unit.pk))
    return {
        "toolbar": _toolbar_form(state),
        "types": types,
        "colours_url": _type_colours_url(state.unit, types),
        "previous_url": state.url(name, date=previous.isoformat()),
        "next_url": state.url(name, date=following.isoformat()),
        "today_url": state.url(name, date=timezone.localdate().isoformat()),
        "day_url": state.url("calendar_day"),
        "week_url": state.url("calendar_week"),
        "book_url": f"{reverse('calendar_book')}?{urlencode({'unit': state.unit.public_id})}",
        "is_today": state.day == timezone.localdate(),
        "unit_label": _unit_label(state.unit, state.units),
    }


@requires(Perm.SCHEDULE_VIEW)
@require_GET
def calendar_day_view(request: HttpRequest) -> HttpResponse:
    """One day: a column per practitioner or room, appointments placed by time."""
    actor = request.actor
    state = _calendar_state(request)
    opened = _open_appointment(request)
    schedule = UnitSchedule.objects.filter(unit=state.unit).first()
    appointments = appointments_between(
        actor=actor,
        first=state.day,
        unit_id=state.unit.pk,
        resource_ids=[r.pk for r in state.shown],
        include_cancelled=state.show_cancelled,
    )
    layout = Layout(
        availability=load_availability(
            resources=state.shown, schedule=schedule, first=state.day, last=state.day
        ),
        absences=_absences(state.unit, state.shown, state.day, state.day),
        by_resource=by_resource(appointments),
        can_book=actor.can(Perm.SCHEDULE_BOOK),
        open_id=opened.public_id if opened else None,
        grid=state.grid,
    )
    book = reverse("calendar_book")
    columns = [
        _column(
            layout,
            resource,
            state.day,
            resource.name,
            "" if resource.kind == ResourceKind.PRACTITIONER else resource.get_kind_display(),
            f"{book}?{urlencode({'resource': resource.public_id, 'start_date': state.day})}",
        )
        for resource in state.shown
    ]
    time_range = _place(columns, layout)
    context = _grid_context(request, state, columns, time_range, is_week=False)
    if request.htmx and request.htmx.target == GRID_TARGET:
        return render(request, "scheduling/calendar/_grid.html", context)
    context |= _page_context(request, state, is_week=False, weekdays=_working_weekdays(state.shown))
    context["detail"] = _appointment_context(actor, opened) if opened else None
    context["holiday"] = layout.availability.closed.get(state.day, "")
    return render(request, "scheduling/calendar/day.html", context)


@requires(Perm.SCHEDULE_VIEW)
@require_GET
def calendar_week_view(request: HttpRequest) -> HttpResponse:
    """A week: seven day columns for one resource, or an overview row per resource."""
    state = _calendar_state(request)
    opened = _open_appointment(request)
    monday = state.day - timedelta(days=state.day.weekday())
    if len(state.shown) == 1:
        context = _week_of_one(request, state, monday, opened)
        if request.htmx and request.htmx.target == GRID_TARGET:
            return render(request, "scheduling/calendar/_grid.html", context)
    else:
        context = _week_overview(request, state, monday)
        if request.htmx and request.htmx.target == GRID_TARGET:
            return render(request, "scheduling/calendar/_week_overview.html", context)
    context |= _page_context(request, state, is_week=True, weekdays=set())
    context["detail"] = _appointment_context(request.actor, opened) if opened else None
    context["monday"] = monday
    context["sunday"] = monday + timedelta(days=6)
    return render(request, "scheduling/calendar/week.html", context)


def _week_of_one(
    request: HttpRequest, state: CalendarState, monday: date, opened: Appointment | None
) -> dict[str, Any]:
    actor = request.actor
    resource = state.shown[0]
    schedule = UnitSchedule.objects.filter(unit=state.unit).first()
    appointments = appointments_between(
        actor=actor,
        first=monday,
        days=7,
        unit_id=state.unit.pk,
        resource_ids=[resource.pk],
        include_cancelled=state.show_cancelled,
    )
    sunday = monday + timedelta(days=6)
    layout = Layout(
        availability=load_availability(
            resources=[resource], schedule=schedule, first=monday, last=sunday
        ),
        absences=_absences(state.unit, [resource], monday, sunday),
        by_resource=by_resource(appointments),
        can_book=actor.can(Perm.SCHEDULE_BOOK),
        open_id=opened.public_id if opened else None,
        grid=state.grid,
    )
    book = reverse("calendar_book")
    columns = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        column = _column(
            layout,
            resource,
            day,
            date_format(day, "D j.n."),
            "",
            f"{book}?{urlencode({'resource': resource.public_id, 'start_date': day})}",
        )
        is_weekend = day.weekday() >= 5
        if (
            is_weekend
            and not column.blocks
            and not _open_minutes(layout.availability, resource, day)
        ):
            continue  # nobody works on that weekend day: no empty column
        column.day_url = state.url("calendar_day", date=day.isoformat())
        columns.append(column)
    time_range = _place(columns, layout)
    return _grid_context(request, state, columns, time_range, is_week=True)


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


def _duration(minutes: int) -> str:
    if minutes < 60:
        return _("%(minutes)d min") % {"minutes": minutes}
    return _("%(hours)d h %(minutes)02d min") % {"hours": minutes // 60, "minutes": minutes % 60}


def _percent(value: int, time_range: TimeRange) -> int:
    return round((value - time_range.first) * 100 / (time_range.last - time_range.first))


def _week_overview(request: HttpRequest, state: CalendarState, monday: date) -> dict[str, Any]:
    """Several resources over a week: per day the number of appointments, the free time and
    a bar of open, booked and closed time. No patient is shown, so nothing is logged; the
    names are one click away in the day view. Constant queries, whatever the volume."""
    sunday = monday + timedelta(days=6)
    ids = [r.pk for r in state.shown]
    schedule = UnitSchedule.objects.filter(unit=state.unit).first()
    availability = load_availability(
        resources=state.shown, schedule=schedule, first=monday, last=sunday
    )
    days = [monday + timedelta(days=i) for i in range(7)]
    start, end = local_day_bounds(monday, 7)
    # One count per local day, compared in SQL (no per-row date function on SQLite).
    per_day = {
        f"d{i}": Count("id", filter=Q(start__gte=bounds[0], start__lt=bounds[1]))
        for i, bounds in enumerate(local_day_bounds(day) for day in days)
    }
    with serial_plans():
        counted = list(
            AppointmentResource.objects.filter(
                organisation_id=state.unit.organisation_id,
                resource_id__in=ids,
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
    counts = {
        (row["resource_id"], day): row[f"d{i}"] for row in counted for i, day in enumerate(days)
    }
    absences: dict[tuple[int | None, date], str] = {}
    for resource_id, kind, note, a_start, a_end in _absences(
        state.unit, state.shown, monday, sunday
    ):
        day = max(_local(a_start).date(), monday)
        while day <= min(_local(a_end).date(), sunday):
            absences.setdefault((resource_id, day), note or _absence_label(kind))
            day += timedelta(days=1)
    opened: dict[tuple[int, date], list[tuple[int, int]]] = {}
    busy: dict[tuple[int, date], list[tuple[int, int]]] = {}
    free: dict[tuple[int, date], list[tuple[int, int]]] = {}
    seen: dict[datetime, tuple[date, int]] = {}
    for r in state.shown:
        open_days = _by_day(availability.open_spans.get(r.pk, []), seen)
        busy_days = _by_day(availability.busy.get(r.pk, []), seen)
        for day in days:
            key = (r.pk, day)
            opened[key] = open_days.get(day, [])
            busy[key] = busy_days.get(day, [])
            free[key] = _minus(opened[key], busy[key])
    # Weekend days nobody works are left out, like in the week of one resource.
    days = [
        day
        for day in days
        if day.weekday() < 5
        or any(opened[(r.pk, day)] or counts.get((r.pk, day)) for r in state.shown)
    ]
    time_range = _time_range(span for key in opened for span in opened[key])
    now = _local(timezone.now())
    day_urls = {day: state.url("calendar_day", date=day.isoformat()) for day in days}
    # A hundred cells say the same few things: translate each phrase once.
    free_first, free_only = _("%(duration)s free, first at %(time)s"), _("%(duration)s free")
    fully_booked, closed = _("Fully booked"), _("Closed")
    count_labels: dict[int, str] = {}
    durations: dict[int, str] = {}
    rows = []
    for resource in state.shown:
        cells = []
        for day in days:
            key = (resource.pk, day)
            cell = OverviewCell(url=day_urls[day])
            cell.holiday = availability.closed.get(day, "")
            cell.absence = absences.get(key) or absences.get((None, day), "")
            cell.count = counts.get(key, 0)
            if cell.count not in count_labels:
                count_labels[cell.count] = ngettext(
                    "%(count)d appointment", "%(count)d appointments", cell.count
                ) % {"count": cell.count}
            cell.count_label = count_labels[cell.count]
            future_free = [
                (a, b)
                for a, b in free[key]
                if day > now.date() or (day == now.date() and b > now.hour * 60 + now.minute)
            ]
            minutes = sum(b - a for a, b in free[key])
            if minutes and minutes not in durations:
                durations[minutes] = _duration(minutes)
            if future_free:
                cell.free_label = free_first % {
                    "duration": durations[minutes],
                    "time": _hhmm(future_free[0][0]),
                }
            elif minutes:
                cell.free_label = free_only % {"duration": durations[minutes]}
            else:
                cell.free_label = fully_booked if opened[key] else closed
            cursor = time_range.first
            for a, b in sorted(opened[key]):
                if a > cursor:
                    cell.segments.append(_segment("closed", cursor, a, time_range))
                cursor = max(cursor, b)
            if cursor < time_range.last:
                cell.segments.append(_segment("closed", cursor, time_range.last, time_range))
            cell.segments += [
                _segment("busy", a, b, time_range) for a, b in _close_gaps(busy[key], BAR_GAP)
            ]
            cell.bar = _bar(cell.segments)
            cells.append(cell)
        rows.append(
            {
                "resource": resource,
                "week_url": state.url(
                    "calendar_week", r=[str(resource.public_id)], date=monday.isoformat()
                ),
                "cells": cells,
                "cells_html": _cells_html(cells),
            }
        )
    return {
        "state": state,
        "days": [
            {
                "day": day,
                "url": day_urls[day],
                "holiday": availability.closed.get(day, ""),
                "is_today": day == now.date(),
            }
            for day in days
        ],
        "overview": rows,
        "hours_label": f"{_hhmm(time_range.first)}{DASH}{_hhmm(time_range.last)}",
        "refresh_url": request.get_full_path(),
        "is_week": True,
    }


def _close_gaps(spans: list[tuple[int, int]], gap: int) -> list[tuple[int, int]]:
    """Spans with gaps of `gap` minutes or less closed: a bar a few hundred pixels wide
    cannot show them, and they would only add markup."""
    joined: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if joined and a - joined[-1][1] <= gap:
            joined[-1] = (joined[-1][0], max(joined[-1][1], b))
        else:
            joined.append((a, b))
    return joined


def _cells_html(cells: list[OverviewCell]) -> str:
    """A row's day cells as markup: a hundred cells through the template engine cost more
    than the rest of the page. format_html escapes every value; the bar is safe (_bar)."""
    parts = []
    for cell in cells:
        note = cell.holiday or cell.absence
        parts.append(
            format_html(
                '<td class="wk-cell{}"><a class="wk-link" href="{}">{}'
                '<span class="wk-count">{}</span><span class="wk-free">{}</span>'
                '<span class="wk-bar" aria-hidden="true">{}</span></a></td>',
                " is-closed" if cell.holiday else "",
                cell.url,
                format_html('<span class="wk-note">{}</span>', note) if note else "",
                cell.count_label,
                cell.free_label,
                cell.bar,
            )
        )
    return mark_safe("".join(parts))  # noqa: S308  (each part made safe above)


def _bar(segments: list[tuple[str, int, int]]) -> str:
    """The day's bar as markup. Built here, not in the template, because a busy week has
    thousands of segments and template rendering would dominate the page's time; every
    part is a fixed word or an integer, so nothing needs escaping."""
    return mark_safe(  # noqa: S308  (fixed class names and integers only)
        "".join(
            f'<span class="seg seg-{kind} wl-{left} ww-{width}"></span>'
            for kind, left, width in segments
        )
    )


def _segment(kind: str, a: int, b: int, time_range: TimeRange) -> tuple[str, int, int]:
    a, b = max(a, time_range.first), min(b, time_range.last)
    left = _percent(a, time_range)
    return (kind, left, max(1, min(100 - left, _percent(b, time_range) - left)))


@requires(Perm.SCHEDULE_VIEW)
@require_GET
def calendar_colours_view(request: HttpRequest) -> HttpResponse:
    """The unit's appointment type colours as a stylesheet (style attributes are forbidden
    by the Content-Security-Policy). Only well-formed hex colours get through."""
    actor = request.actor
    unit_id = None
    if request.GET.get("unit"):
        unit = next((u for u in _units(actor) if str(u.public_id) == request.GET["unit"]), None)
        if unit is None:
            raise Http404
        unit_id = unit.pk
    lines = [
        f".t-{t.public_id.hex}{{--tc:{t.colour}}}"
        for t in appointment_types_for(actor=actor, unit_id=unit_id)
        if HEX_COLOUR.match(t.colour)
    ]
    response = HttpResponse("\n".join(lines) + "\n", content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "private, max-age=86400"
    return response


# Booking -----------------------------------------------------------------------------------------


@dataclass
class SlotChoice:
    value: str  # "ISO start|resource public id[|room public id]", posted back as pick_slot
    label: str
    date: str  # the same, in parts, for the move form
    time: str
    resource: str
    is_exact: bool = False
    room: str = ""  # set when a room was chosen: the slot is in that room


@dataclass
class BookingPanel:
    form: BookingForm
    units: list[Unit]
    unit: Unit | None
    practitioners: list[Resource]
    patient: Patient | None = None
    patient_error: str = ""
    types: list[AppointmentType] = field(default_factory=list)
    appointment_type: AppointmentType | None = None
    resource: Resource | None = None  # a time chosen in a column or from a slot
    start: datetime | None = None
    practitioner: Resource | None = None  # the slot search's filter
    rooms: list[Resource] = field(default_factory=list)  # the rooms the type can use
    room: Resource | None = None  # chosen instead of the schedule's choice
    same_as: Appointment | None = None
    same_as_start: datetime | None = None
    previous: Appointment | None = None  # the patient's latest appointment: "same time next week"
    hits: list = field(default_factory=list)
    searched: bool = False
    slots: list[SlotChoice] = field(default_factory=list)
    last_slot: str = ""
    error: str = ""
    error_code: str = ""
    alternatives: list[SlotChoice] = field(default_factory=list)
    booked: Appointment | None = None
    focus: str = ""

    @property
    def start_label(self) -> str:
        return _when(self.start) if self.start else ""

    @property
    def choose_unit(self) -> bool:
        """A shared reception picks the unit; a time clicked in a column fixes it."""
        return len(self.units) > 1 and self.resource is None


def _when(moment: datetime) -> str:
    return date_format(_local(moment), "D j.n.Y H:i")


def _slot_choice(
    slot: Slot, exact: datetime | None = None, room: Resource | None = None
) -> SlotChoice:
    """A slot to pick; with a chosen `room`, the slot keeps its room when picked."""
    lead = slot.practitioner or slot.resources[0]
    names = lead.name
    if slot.others:
        names += f" ({', '.join(r.name for r in slot.others if r != lead)})"
    local = _local(slot.start)
    in_room = room if room is not None and room in slot.resources else None
    value = f"{slot.start.isoformat()}|{lead.public_id}"
    return SlotChoice(
        value=value + (f"|{in_room.public_id}" if in_room else ""),
        label=f"{date_format(local, 'D j.n. H:i')} · {names}",
        date=local.date().isoformat(),
        time=local.strftime("%H:%M"),
        resource=str(lead.public_id),
        is_exact=exact is not None and slot.start == exact,
        room=str(in_room.public_id) if in_room else "",
    )


def _parse_slot(actor: Actor, raw: str) -> tuple[datetime | None, Resource | None, Resource | None]:
    """Start, lead resource and (when the slot was picked in a chosen room) the room."""
    start_raw, _sep, rest = raw.partition("|")
    resource_raw, _sep, room_raw = rest.partition("|")
    try:
        start = datetime.fromisoformat(start_raw)
    except ValueError:
        return None, None, None
    if timezone.is_naive(start):
        start = start.replace(tzinfo=LOCAL)
    room = access_resource(actor=actor, public_id=room_raw) if room_raw else None
    return start, access_resource(actor=actor, public_id=resource_raw), room


def _same_time_next_week(moment: datetime) -> datetime:
    """The same wall-clock time seven days later (10:00 stays 10:00 across DST)."""
    return (_local(moment).replace(tzinfo=None) + timedelta(days=7)).replace(tzinfo=LOCAL)


def _practitioner_of(appointment: Appointment) -> Resource | None:
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


def _latest_appointment(patient: Patient) -> Appointment | None:
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


def _booking_unit(
    actor: Actor, units: list[Unit], unit_id: int | None, raw: str = ""
) -> Unit | None:
    if unit_id is not None:
        found = next((u for u in units if u.pk == unit_id), None)
        if found is None:
            raise Http404
        return found
    if raw:
        found = next((u for u in units if str(u.public_id) == raw), None)
        if found is None:
            raise Http404
        return found
    own = actor.unit.pk if actor.unit is not None else None
    return next((u for u in units if u.pk == own), None)


def _booking_panel(request: HttpRequest) -> BookingPanel:
    """Resolve the panel's state from what was posted (or, opening it, the query string):
    every id through its access function, so a foreign id is a 404."""
    actor = request.actor
    data = request.POST if request.method == "POST" else request.GET
    action = data.get("action", "")
    units = _units(actor)
    # "Same time next week" from an existing appointment: its patient, type, practitioner.
    fresh_same_as = bool(data.get("pick_same_as")) or (
        request.method == "GET" and bool(data.get("same_as"))
    )
    same_as_id = data.get("pick_same_as") or data.get("same_as")
    same_as = access_appointment(actor=actor, public_id=same_as_id) if same_as_id else None
    resource = None
    start = None
    slot_room = None
    if data.get("pick_slot"):
        start, resource, slot_room = _parse_slot(actor, data["pick_slot"])
    elif data.get("resource") and action != "clear_time" and not fresh_same_as:
        resource = access_resource(actor=actor, public_id=data["resource"])
    type_id = data.get("pick_type") or data.get("appointment_type")
    if fresh_same_as and same_as is not None:
        type_id = str(same_as.appointment_type.public_id)
    appointment_type = access_appointment_type(actor=actor, public_id=type_id) if type_id else None
    unit = _booking_unit(
        actor,
        units,
        resource.unit_id if resource else None,
        data.get("unit", ""),
    )
    if unit is None and appointment_type is not None:
        unit = _booking_unit(actor, units, appointment_type.unit_id)
    if unit is None and same_as is not None:
        unit = _booking_unit(actor, units, same_as.unit_id)
    if appointment_type is not None and unit is not None and appointment_type.unit_id != unit.pk:
        appointment_type = None
    practitioners = (
        [
            r
            for r in _sorted_resources(resources_for(actor=actor, unit_id=unit.pk))
            if r.kind == ResourceKind.PRACTITIONER
        ]
        if unit is not None
        else []
    )
    rooms = services.rooms_for_type(appointment_type) if appointment_type is not None else []
    form = BookingForm(
        data,
        practitioners=[(str(r.public_id), r.name) for r in practitioners],
        rooms=[(str(r.public_id), r.name) for r in rooms],
    )
    form.is_valid()
    cleaned = form.cleaned_data
    panel = BookingPanel(
        form=form,
        units=units,
        unit=unit,
        practitioners=practitioners,
        resource=resource,
        appointment_type=appointment_type,
        same_as=same_as,
        rooms=rooms,
    )
    # The patient: picked from the search, kept from an earlier step, or the prefill.
    patient_id = None
    if action != "clear_patient":
        patient_id = cleaned.get("pick_patient") or cleaned.get("patient")
        if patient_id is None and same_as is not None:
            patient_id = same_as.patient.public_id
        if patient_id is None and request.method == "GET" and data.get("patient"):
            patient_id = data["patient"]  # a malformed id is the access function's 404
    if patient_id is not None:
        try:
            panel.patient = access_patient(
                actor=actor,
                public_id=patient_id,
                channel=Channel.UI,
                purpose=Purpose.ADMINISTRATION,
            )
        except BreakGlassRequired:
            panel.patient_error = _(
                "The patient belongs to another unit. Open the patient page and state why "
                "you need access before booking."
            )
    # The types the unit offers (the patient's organisation's only).
    types = list(appointment_types_for(actor=actor, unit_id=unit.pk if unit else None))
    if panel.patient is not None:
        types = [t for t in types if t.organisation_id == panel.patient.organisation_id]
    panel.types = types
    if appointment_type is not None and appointment_type.pk not in {t.pk for t in types}:
        panel.appointment_type = None
    # The practitioner the slot search is limited to.
    chosen = cleaned.get("practitioner")
    if fresh_same_as and same_as is not None:
        panel.practitioner = _practitioner_of(same_as)
    elif chosen:
        panel.practitioner = next((r for r in practitioners if str(r.public_id) == chosen), None)
    # A fixed time: from a column's free cell, a picked slot, or typed in.
    if start is None and action != "clear_time" and not fresh_same_as:
        day, clock = cleaned.get("start_date"), cleaned.get("start_time")
        if day and clock:
            start = datetime.combine(day, clock.replace(second=0, microsecond=0), tzinfo=LOCAL)
    panel.start = start
    panel.resource = resource if start is not None else None
    # The room: a picked slot's (none: the schedule chooses), the one chosen in the form, or
    # the room whose column the time was clicked in (when the type uses it).
    if panel.appointment_type is not None:
        if data.get("pick_slot"):
            panel.room = next((r for r in rooms if r == slot_room), None)
        elif cleaned.get("room"):
            panel.room = next((r for r in rooms if str(r.public_id) == cleaned["room"]), None)
        elif panel.resource is not None and "room" not in data:
            panel.room = next((r for r in rooms if r == panel.resource), None)
    if same_as is not None:
        panel.same_as_start = _same_time_next_week(same_as.start)
    if panel.patient is not None and same_as is None:
        panel.previous = _latest_appointment(panel.patient)
    if action == "search" and panel.patient is None and cleaned.get("q", "").strip():
        panel.hits = patient_search(actor=actor, query=cleaned["q"], channel=Channel.UI)
        panel.searched = True
    if request.method == "POST" and action == "confirm":
        _confirm(actor, panel, cleaned)
    if panel.booked is None and panel.appointment_type is not None and panel.start is None:
        _find_slots(panel, cleaned)
    if request.htmx and request.htmx.trigger in {"book-options", "book-unit"}:
        panel.focus = ""  # an option changed: htmx keeps the focus in that field
    else:
        panel.focus = _booking_focus(panel)
    return panel


def _booking_practitioner(panel: BookingPanel) -> Resource | None:
    if panel.resource is not None and panel.resource.kind == ResourceKind.PRACTITIONER:
        return panel.resource
    return panel.practitioner


def _confirm(actor: Actor, panel: BookingPanel, cleaned: dict[str, Any]) -> None:
    if panel.patient is None:
        panel.error = panel.patient_error or _("Choose a patient.")
        return
    if panel.appointment_type is None:
        panel.error = _("Choose a type of appointment.")
        return
    if panel.start is None:
        panel.error = _("Choose a time.")
        return
    try:
        panel.booked = services.appointment_book(
            actor=actor,
            patient=panel.patient,
            appointment_type=panel.appointment_type,
            start=panel.start,
            practitioner=_booking_practitioner(panel),
            overbook=bool(cleaned.get("overbook")),
            note=cleaned.get("note", ""),
            room=panel.room,
        )
    except BookingError as exc:
        panel.error, panel.error_code = exc.message, exc.code
        panel.alternatives = [_slot_choice(slot, room=panel.room) for slot in exc.alternatives]


def _find_slots(panel: BookingPanel, cleaned: dict[str, Any]) -> None:
    assert panel.appointment_type is not None
    exact = None
    if cleaned.get("after"):
        begin = cleaned["after"] + timedelta(minutes=1)
    elif cleaned.get("from_date"):
        begin = datetime.combine(cleaned["from_date"], time.min, tzinfo=LOCAL)
    elif panel.same_as_start is not None:
        begin = exact = panel.same_as_start
    else:
        begin = timezone.now()
    part = cleaned.get("time_of_day")
    # With a chosen room: more slots are searched and those at which the room is free kept.
    limit = SLOT_LIMIT if panel.room is None else SLOT_LIMIT * services.ROOM_ALTERNATIVES_FACTOR
    found = find_slots(
        appointment_type=panel.appointment_type,
        start=begin,
        end=begin + timedelta(days=SLOT_SEARCH_DAYS),
        practitioner=panel.practitioner,
        limit=limit,
        time_from=time(12) if part == "afternoon" else None,
        time_to=time(12) if part == "morning" else None,
    )
    shown = found
    if panel.room is not None:
        shown = services.slots_in_room(
            found, room=panel.room, appointment_type=panel.appointment_type
        )[:SLOT_LIMIT]
    panel.slots = [_slot_choice(slot, exact, panel.room) for slot in shown]
    if len(found) == limit:
        panel.last_slot = (shown if len(shown) == SLOT_LIMIT else found)[-1].start.isoformat()


def _booking_focus(panel: BookingPanel) -> str:
    if panel.error and panel.alternatives:
        return "alternative"
    if panel.patient is None:
        return "q"
    if panel.appointment_type is None:
        return "type"
    if panel.start is None:
        return "slot" if panel.slots else "options"
    return "confirm"


def _booking_response(request: HttpRequest, panel: BookingPanel) -> HttpResponse:
    actor = request.actor
    appointment = panel.booked
    if appointment is not None:
        message = _("Booked: %(patient)s, %(when)s.") % {
            "patient": appointment.patient.name,
            "when": _when(appointment.start),
        }
        if request.htmx and request.htmx.target == PANEL_TARGET:
            fresh = access_appointment(actor=actor, public_id=appointment.public_id)
            detail = _appointment_context(actor, fresh, message=message)
            response = render(
                request, "scheduling/calendar/_appointment_panel.html", {"detail": detail}
            )
            response["HX-Trigger"] = CHANGED_EVENT
            return response
        unit = next(u for u in panel.units if u.pk == appointment.unit_id)
        params = {
            "unit": str(unit.public_id),
            "date": _local(appointment.start).date().isoformat(),
            "open": appointment.public_id,
        }
        url = f"{reverse('calendar_day')}?{urlencode(params)}"
        messages.success(request, message)
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    context = {
        "panel": panel,
        "in_calendar": request.htmx and request.htmx.target == PANEL_TARGET,
        "colours_url": _type_colours_url(None, panel.types),
    }
    status = 422 if panel.error or panel.form.errors else 200
    if request.htmx:
        return render(request, "scheduling/calendar/_book_panel.html", context, status=status)
    return render(request, "scheduling/calendar/book.html", context, status=status)


@requires(Perm.SCHEDULE_BOOK)
def calendar_book_view(request: HttpRequest) -> HttpResponse:
    """Book: search patient → pick type → pick a free slot (or the time clicked in the
    calendar) → confirm. Each step posts the panel's state back; nothing is in the URL but
    the prefills (a resource and time, a patient's public id, an appointment to repeat)."""
    return _booking_response(request, _booking_panel(request))


@requires(Perm.SCHEDULE_BOOK, Perm.PATIENT_VIEW)
@require_POST
def calendar_patient_search_view(request: HttpRequest) -> HttpResponse:
    """The booking panel's patient search: POST, so the terms stay out of URLs and logs."""
    query = request.POST.get("q", "")
    hits = (
        patient_search(actor=request.actor, query=query, channel=Channel.UI)
        if query.strip()
        else []
    )
    return render(
        request,
        "scheduling/calendar/_patient_hits.html",
        {"hits": hits, "searched": bool(query.strip())},
    )


# The appointment panel ----------------------------------------------------------------------------


def _status_label(value: str) -> str:
    return AppointmentStatus(value).label if value in AppointmentStatus.values else value


def _history(events: list[AppointmentEvent]) -> list[dict[str, Any]]:
    rows = []
    for event in events:
        if event.by is not None:
            who = event.by.get_full_name() or event.by.username
        else:
            who = _("The patient (online)")
        if event.kind == "booked" and event.to_start:
            text = _("Booked for %(when)s") % {"when": _when(event.to_start)}
        elif event.kind == "moved" and event.from_start and event.to_start:
            text = _("Moved from %(old)s to %(new)s") % {
                "old": _when(event.from_start),
                "new": _when(event.to_start),
            }
        elif event.kind == "status":
            text = _("Status: %(old)s → %(new)s") % {
                "old": _status_label(event.from_status),
                "new": _status_label(event.to_status),
            }
        else:
            text = event.kind
        rows.append({"at": event.at, "who": who, "text": text, "reason": event.reason})
    return rows


def _appointment_context(
    actor: Actor,
    appointment: Appointment,
    *,
    message: str = "",
    error: str = "",
    alternatives: list[SlotChoice] | None = None,
    move_form: MoveForm | None = None,
    cancel_form: CancelForm | None = None,
) -> dict[str, Any]:
    org_id = appointment.organisation_id
    holds = list(
        AppointmentResource.objects.filter(
            organisation_id=org_id, appointment=appointment
        ).select_related("resource")
    )
    resources = _sorted_resources(hold.resource for hold in holds)
    practitioner = next((r for r in resources if r.kind == ResourceKind.PRACTITIONER), None)
    events = list(
        AppointmentEvent.objects.filter(organisation_id=org_id, appointment=appointment)
        .select_related("by")
        .order_by("at", "pk")
    )
    can_book = actor.can(Perm.SCHEDULE_BOOK)
    allowed = services.TRANSITIONS.get(appointment.status, set())
    last = next((e for e in reversed(events) if e.kind == "status"), None)
    undo = None
    if last is not None and last.to_status == appointment.status and last.from_status in allowed:
        undo = last.from_status
    forward = [s for s in FORWARD_STATUSES if s in allowed and s != undo]
    is_booked = appointment.status == AppointmentStatus.BOOKED
    context: dict[str, Any] = {
        "appointment": appointment,
        "resources": resources,
        "history": _history(events),
        "can_book": can_book,
        "forward": [(s.value, s.label) for s in forward],
        "undo": (undo, _status_label(undo)) if undo else None,
        "can_cancel": can_book and AppointmentStatus.CANCELLED in allowed,
        "can_move": can_book and is_booked,
        "message": message,
        "error": error,
        "alternatives": alternatives or [],
        "when": _when(appointment.start),
        "end": date_format(_local(appointment.end), "H:i"),
        "day_url": f"{reverse('calendar_day')}?"
        + urlencode(
            {
                "date": _local(appointment.start).date().isoformat(),
                "open": appointment.public_id,
            }
        ),
        "same_time_url": f"{reverse('calendar_book')}?"
        + urlencode({"same_as": appointment.public_id}),
    }
    if context["can_move"]:
        practitioners = [
            r
            for r in _sorted_resources(resources_for(actor=actor, unit_id=appointment.unit_id))
            if r.kind == ResourceKind.PRACTITIONER
        ]
        local = _local(appointment.start)
        rooms = services.rooms_for_type(appointment.appointment_type)
        context["move_rooms"] = bool(rooms)
        context["move_form"] = move_form or MoveForm(
            initial={
                "date": local.date(),
                "time": local.time().replace(second=0, microsecond=0),
                "resource": str(practitioner.public_id) if practitioner else "",
            },
            resources=[(str(r.public_id), r.name) for r in practitioners],
            rooms=[(str(r.public_id), r.name) for r in rooms],
        )
    if context["can_cancel"]:
        context["cancel_form"] = cancel_form or CancelForm()
    if appointment.series_id is not None:
        context["series_rest"] = Appointment.objects.filter(
            organisation_id=org_id,
            series_id=appointment.series_id,
            series_index__gte=appointment.series_index or 0,
            status=AppointmentStatus.BOOKED,
        ).count()
    return context


def _panel_response(
    request: HttpRequest,
    appointment: Appointment,
    *,
    status: int = 200,
    changed: bool = False,
    **extra: Any,
) -> HttpResponse:
    context = {"detail": _appointment_context(request.actor, appointment, **extra)}
    if request.htmx:
        response = render(
            request, "scheduling/calendar/_appointment_panel.html", context, status=status
        )
        if changed:
            response["HX-Trigger"] = CHANGED_EVENT
        return response
    if changed:
        messages.success(request, extra.get("message", ""))
        return redirect("calendar_appointment", public_id=appointment.public_id)
    return render(request, "scheduling/calendar/appointment.html", context, status=status)


@requires(Perm.SCHEDULE_VIEW)
@require_GET
def calendar_appointment_view(request: HttpRequest, public_id: str) -> HttpResponse:
    """The appointment's panel: patient, time, resources, history (a logged read)."""
    appointment = appointment_detail(actor=request.actor, public_id=public_id)
    return _panel_response(request, appointment)


@requires(Perm.SCHEDULE_BOOK)
@require_POST
def calendar_appointment_status_view(request: HttpRequest, public_id: str) -> HttpResponse:
    """Arrived, in progress, finished, no-show, and back again (undo)."""
    actor = request.actor
    appointment = access_appointment(actor=actor, public_id=public_id, for_update=True)
    status = request.POST.get("status", "")
    if status not in AppointmentStatus.values or status == AppointmentStatus.CANCELLED:
        return _panel_response(request, appointment, status=422, error=_("Choose a status."))
    try:
        services.appointment_set_status(
            actor=actor, appointment=appointment, status=AppointmentStatus(status)
        )
    except BookingError as exc:
        return _panel_response(request, appointment, status=422, error=exc.message)
    fresh = access_appointment(actor=actor, public_id=public_id)
    message = _("Status changed to %(status)s.") % {"status": fresh.get_status_display()}
    return _panel_response(request, fresh, changed=True, message=message)


@requires(Perm.SCHEDULE_BOOK)
@require_POST
def calendar_appointment_cancel_view(request: HttpRequest, public_id: str) -> HttpResponse:
    """Cancel with a reason; for a series occurrence optionally the rest of the series."""
    actor = request.actor
    appointment = access_appointment(actor=actor, public_id=public_id, for_update=True)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _panel_response(request, appointment, status=422, cancel_form=form)
    reason = form.cleaned_data["reason"]
    try:
        if form.cleaned_data["rest_of_series"] and appointment.series_id is not None:
            count = services.series_cancel_rest(actor=actor, appointment=appointment, reason=reason)
            message = ngettext(
                "%(count)d appointment cancelled.", "%(count)d appointments cancelled.", count
            ) % {"count": count}
        else:
            services.appointment_cancel(actor=actor, appointment=appointment, reason=reason)
            message = _("The appointment has been cancelled.")
    except BookingError as exc:
        return _panel_response(
            request, appointment, status=422, error=exc.message, cancel_form=form
        )
    fresh = access_appointment(actor=actor, public_id=public_id)
    return _panel_response(request, fresh, changed=True, message=message)


@requires(Perm.SCHEDULE_BOOK)
@require_POST
def calendar_appointment_move_view(request: HttpRequest, public_id: str) -> HttpResponse:
    """Move to another time (and practitioner): the keyboard form, a dragged block, or an
    alternative the schedule offered. A refusal leaves the appointment where it was."""
    actor = request.actor
    appointment = access_appointment(actor=actor, public_id=public_id, for_update=True)
    practitioners = [
        r
        for r in _sorted_resources(resources_for(actor=actor, unit_id=appointment.unit_id))
        if r.kind == ResourceKind.PRACTITIONER
    ]
    rooms = services.rooms_for_type(appointment.appointment_type)
    form = MoveForm(
        request.POST,
        resources=[(str(r.public_id), r.name) for r in practitioners],
        rooms=[(str(r.public_id), r.name) for r in rooms],
    )
    if not form.is_valid():
        return _panel_response(request, appointment, status=422, move_form=form)
    data = form.cleaned_data
    start = datetime.combine(data["date"], data["time"].replace(second=0), tzinfo=LOCAL)
    current = _practitioner_of(appointment)
    held = set(
        AppointmentResource.objects.filter(
            organisation_id=appointment.organisation_id, appointment=appointment
        ).values_list("resource_id", flat=True)
    )
    target = None
    room = next((r for r in rooms if str(r.public_id) == data.get("room")), None)
    if data.get("column"):
        column = access_resource(actor=actor, public_id=data["column"])
        # A room column: the room the appointment holds or another room its type can use;
        # the appointment is moved into that room.
        if column.unit_id != appointment.unit_id or (
            column.kind != ResourceKind.PRACTITIONER
            and column.pk not in held
            and column not in rooms
        ):
            return _panel_response(
                request,
                appointment,
                status=422,
                error=_("Drop the appointment in a practitioner's column or a room it can use."),
            )
        if column.kind == ResourceKind.PRACTITIONER:
            target = column
        elif column in rooms:
            room = column
    elif data.get("resource"):
        target = next((r for r in practitioners if str(r.public_id) == data["resource"]), None)
    if (
        start == appointment.start
        and (target is None or target == current)
        and (room is None or room.pk in held)
    ):
        return _panel_response(request, appointment, message=_("Nothing to change."))
    try:
        services.appointment_move(
            actor=actor, appointment=appointment, start=start, practitioner=target, room=room
        )
    except BookingError as exc:
        return _panel_response(
            request,
            appointment,
            status=422,
            error=exc.message,
            alternatives=[_slot_choice(slot, room=room) for slot in exc.alternatives],
            move_form=form,
        )
    fresh = access_appointment(actor=actor, public_id=public_id)
    message = _("Moved to %(when)s.") % {"when": _when(fresh.start)}
    return _panel_response(request, fresh, changed=True, message=message)
