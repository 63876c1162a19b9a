"""The booking panel: search patient → pick type → pick a free slot (or the time clicked in the
calendar) → confirm. Each step posts the panel's whole state back; it is resolved here, every
id through its access function, so a foreign id is a 404."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.http import Http404
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _

from klinik.audit.choices import Channel, Purpose
from klinik.core.models import Unit
from klinik.core.policy import Actor
from klinik.patients.access import access_patient
from klinik.patients.errors import BreakGlassRequired
from klinik.patients.models import Patient
from klinik.patients.selectors import PatientHit, patient_search
from klinik.scheduling.access import access_appointment, access_appointment_type, access_resource
from klinik.scheduling.availability import LOCAL
from klinik.scheduling.booking import appointment_book
from klinik.scheduling.booking_rules import ROOM_ALTERNATIVES_FACTOR, rooms_for_type, slots_in_room
from klinik.scheduling.calendar.forms import BookingForm
from klinik.scheduling.calendar.grid import local, when
from klinik.scheduling.calendar.selectors import (
    calendar_units,
    last_booked_type_id,
    latest_appointment,
    practitioner_of,
    unit_books_on_enter,
)
from klinik.scheduling.calendar.state import unit_practitioners
from klinik.scheduling.choices import ResourceKind
from klinik.scheduling.errors import BookingError
from klinik.scheduling.hooks import NoticeRoute, notice_route
from klinik.scheduling.models import Appointment, AppointmentType, Resource
from klinik.scheduling.selectors import appointment_types_for
from klinik.scheduling.slots import Slot, find_slots

if TYPE_CHECKING:
    from klinik.scheduling.calendar.repeat import SeriesRow

SLOT_LIMIT = 8
SLOT_SEARCH_DAYS = 60


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
    hits: list[PatientHit] = field(default_factory=list)
    searched: bool = False
    slots: list[SlotChoice] = field(default_factory=list)
    last_slot: str = ""
    error: str = ""
    error_code: str = ""

    @property
    def notice(self) -> NoticeRoute | None:
        """How the confirmation will reach the chosen patient, or why it will not."""
        return notice_route(self.patient) if self.patient is not None else None

    @property
    def from_date_shown(self) -> str:
        """The slot search's "from" date as typed back, Danish style when it is a date."""
        value = (
            self.form.cleaned_data.get("from_date") if hasattr(self.form, "cleaned_data") else None
        )
        if value is not None:
            return f"{value:%d.%m.%Y}"
        return str(self.form.data.get("from_date", ""))

    alternatives: list[SlotChoice] = field(default_factory=list)
    booked: Appointment | None = None
    is_direct: bool = False  # booked on picking the time (no confirm step): offer the undo
    focus: str = ""
    # Repeat: the checked plan of a series (repeat.py), and how many were booked.
    series_rows: list[SeriesRow] = field(default_factory=list)
    series_booked: int = 0

    @property
    def is_series(self) -> bool:
        """Repeat settings were given (a number of times or a last date)."""
        data = self.form.data
        return bool(data.get("count") or data.get("until"))

    @property
    def start_label(self) -> str:
        return when(self.start) if self.start else ""

    @property
    def choose_unit(self) -> bool:
        """A shared reception picks the unit; a time clicked in a column fixes it."""
        return len(self.units) > 1 and self.resource is None


def slot_choice(
    slot: Slot, exact: datetime | None = None, room: Resource | None = None
) -> SlotChoice:
    """A slot to pick; with a chosen `room`, the slot keeps its room when picked."""
    lead = slot.practitioner or slot.resources[0]
    names = lead.name
    if slot.others:
        names += f" ({', '.join(r.name for r in slot.others if r != lead)})"
    moment = local(slot.start)
    in_room = room if room is not None and room in slot.resources else None
    value = f"{slot.start.isoformat()}|{lead.public_id}"
    return SlotChoice(
        value=value + (f"|{in_room.public_id}" if in_room else ""),
        label=f"{date_format(moment, 'D j.n. H:i')} · {names}",
        date=moment.date().isoformat(),
        time=moment.strftime("%H:%M"),
        resource=str(lead.public_id),
        is_exact=exact is not None and slot.start == exact,
        room=str(in_room.public_id) if in_room else "",
    )


def parse_slot(actor: Actor, raw: str) -> tuple[datetime | None, Resource | None, Resource | None]:
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


def same_time_next_week(moment: datetime) -> datetime:
    """The same wall-clock time seven days later (10:00 stays 10:00 across DST)."""
    return (local(moment).replace(tzinfo=None) + timedelta(days=7)).replace(tzinfo=LOCAL)


def booking_unit(
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


@dataclass
class _Named:
    """What the request names by id, each opened through its access function."""

    same_as: Appointment | None
    is_fresh_same_as: bool  # "same time next week" just chosen: its type, practitioner, time
    resource: Resource | None
    start: datetime | None
    slot_room: Resource | None
    appointment_type: AppointmentType | None


def booking_panel(
    *, actor: Actor, data: Mapping[str, Any], method: str, trigger: str | None
) -> BookingPanel:
    """Resolve the panel's state from what was posted (or, opening it, the query string),
    then do what was asked: search, confirm, or find slots. `trigger` is the id of the
    element that sent an htmx request."""
    action = data.get("action", "")
    units = calendar_units(actor=actor)
    named = _named(actor, data, method, action)
    unit = booking_unit(
        actor,
        units,
        named.resource.unit_id if named.resource else None,
        data.get("unit", ""),
    )
    if unit is None and named.appointment_type is not None:
        unit = booking_unit(actor, units, named.appointment_type.unit_id)
    if unit is None and named.same_as is not None:
        unit = booking_unit(actor, units, named.same_as.unit_id)
    appointment_type = named.appointment_type
    if appointment_type is not None and unit is not None and appointment_type.unit_id != unit.pk:
        appointment_type = None
    practitioners = unit_practitioners(actor, unit.pk) if unit is not None else []
    rooms = rooms_for_type(appointment_type) if appointment_type is not None else []
    form = BookingForm(
        data,
        practitioners=[(str(r.public_id), r.name) for r in practitioners],
        rooms=[(str(r.public_id), r.name) for r in rooms],
    )
    form.is_valid()
    panel = BookingPanel(
        form=form,
        units=units,
        unit=unit,
        practitioners=practitioners,
        resource=named.resource,
        appointment_type=appointment_type,
        same_as=named.same_as,
        rooms=rooms,
    )
    _choose_patient(actor, panel, data, form.cleaned_data, method, action)
    _choose_type(actor, panel)
    _preselect_type(panel, data, form.cleaned_data, method)
    _choose_time(panel, named, data, form.cleaned_data, action)
    _act(actor, panel, form.cleaned_data, method, action)
    if trigger in {"book-options", "book-unit"}:
        panel.focus = ""  # an option changed: htmx keeps the focus in that field
    else:
        panel.focus = _booking_focus(panel)
    return panel


def _named(actor: Actor, data: Mapping[str, Any], method: str, action: str) -> _Named:
    # "Same time next week" from an existing appointment: its patient, type, practitioner.
    fresh_same_as = bool(data.get("pick_same_as")) or (
        method == "GET" and bool(data.get("same_as"))
    )
    same_as_id = data.get("pick_same_as") or data.get("same_as")
    same_as = access_appointment(actor=actor, public_id=same_as_id) if same_as_id else None
    resource = None
    start = None
    slot_room = None
    if data.get("pick_slot"):
        start, resource, slot_room = parse_slot(actor, data["pick_slot"])
    elif data.get("resource") and action != "clear_time" and not fresh_same_as:
        resource = access_resource(actor=actor, public_id=data["resource"])
    type_id = data.get("pick_type") or data.get("appointment_type")
    if fresh_same_as and same_as is not None:
        type_id = str(same_as.appointment_type.public_id)
    appointment_type = access_appointment_type(actor=actor, public_id=type_id) if type_id else None
    return _Named(same_as, fresh_same_as, resource, start, slot_room, appointment_type)


def _choose_patient(
    actor: Actor,
    panel: BookingPanel,
    data: Mapping[str, Any],
    cleaned: dict[str, Any],
    method: str,
    action: str,
) -> None:
    """The patient: picked from the search, kept from an earlier step, or the prefill."""
    patient_id = None
    if action != "clear_patient":
        patient_id = cleaned.get("pick_patient") or cleaned.get("patient")
        if patient_id is None and panel.same_as is not None:
            patient_id = panel.same_as.patient.public_id
        if patient_id is None and method == "GET" and data.get("patient"):
            patient_id = data["patient"]  # a malformed id is the access function's 404
    if patient_id is None:
        return
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


def _choose_type(actor: Actor, panel: BookingPanel) -> None:
    """The types the unit offers (the patient's organisation's only)."""
    unit = panel.unit
    types = list(appointment_types_for(actor=actor, unit_id=unit.pk if unit else None))
    if panel.patient is not None:
        types = [t for t in types if t.organisation_id == panel.patient.organisation_id]
    panel.types = types
    if panel.appointment_type is not None and panel.appointment_type.pk not in {
        t.pk for t in types
    }:
        panel.appointment_type = None


def _preselect_type(
    panel: BookingPanel, data: Mapping[str, Any], cleaned: dict[str, Any], method: str
) -> None:
    """When the patient is just chosen and no type yet: the type of the patient's last
    booking at the unit, so the free times come at once (the list stays one Shift+Tab away).
    A pending referral would come first, but a referral names no type yet (ADR 0034)."""
    is_fresh = bool(cleaned.get("pick_patient")) or (method == "GET" and bool(data.get("patient")))
    if panel.appointment_type is not None or panel.patient is None or not is_fresh:
        return
    by_id = {t.pk: t for t in panel.types}
    found = last_booked_type_id(patient=panel.patient, type_ids=set(by_id))
    if found is not None:
        panel.appointment_type = by_id[found]
        panel.rooms = rooms_for_type(panel.appointment_type)


def _choose_time(
    panel: BookingPanel,
    named: _Named,
    data: Mapping[str, Any],
    cleaned: dict[str, Any],
    action: str,
) -> None:
    """The practitioner the slot search is limited to; a fixed time (from a column's free
    cell, a picked slot, or typed in); and the room."""
    chosen = cleaned.get("practitioner")
    if named.is_fresh_same_as and named.same_as is not None:
        panel.practitioner = practitioner_of(appointment=named.same_as)
    elif chosen:
        panel.practitioner = next(
            (r for r in panel.practitioners if str(r.public_id) == chosen), None
        )
    start = named.start
    if start is None and action != "clear_time" and not named.is_fresh_same_as:
        day, clock = cleaned.get("start_date"), cleaned.get("start_time")
        if day and clock:
            start = datetime.combine(day, clock.replace(second=0, microsecond=0), tzinfo=LOCAL)
    panel.start = start
    panel.resource = named.resource if start is not None else None
    # The room: a picked slot's (none: the schedule chooses), the one chosen in the form, or
    # the room whose column the time was clicked in (when the type uses it).
    if panel.appointment_type is not None:
        rooms = panel.rooms
        if data.get("pick_slot"):
            panel.room = next((r for r in rooms if r == named.slot_room), None)
        elif cleaned.get("room"):
            panel.room = next((r for r in rooms if str(r.public_id) == cleaned["room"]), None)
        elif panel.resource is not None and "room" not in data:
            panel.room = next((r for r in rooms if r == panel.resource), None)


def _act(
    actor: Actor, panel: BookingPanel, cleaned: dict[str, Any], method: str, action: str
) -> None:
    """Offers and actions: the same time next week, the patient search, the booking itself,
    and the free slots once a type is chosen without a time."""
    if panel.same_as is not None:
        panel.same_as_start = same_time_next_week(panel.same_as.start)
    if panel.patient is not None and panel.same_as is None:
        panel.previous = latest_appointment(patient=panel.patient)
    if action == "search" and panel.patient is None and cleaned.get("q", "").strip():
        panel.hits = patient_search(actor=actor, query=cleaned["q"], channel=Channel.UI)
        panel.searched = True
    if method == "POST" and action == "confirm":
        _confirm(actor, panel, cleaned)
    elif method == "POST" and _books_directly(panel, cleaned):
        _confirm(actor, panel, cleaned)
        panel.is_direct = panel.booked is not None
    if panel.booked is None and panel.appointment_type is not None and panel.start is None:
        _find_slots(panel, cleaned)


def _books_directly(panel: BookingPanel, cleaned: dict[str, Any]) -> bool:
    """A free time was picked for a chosen patient and type at a unit that books on Enter
    (UnitSchedule.books_on_enter): book at once, with an undo, instead of the confirm step."""
    return bool(
        cleaned.get("pick_slot")
        and panel.patient is not None
        and panel.appointment_type is not None
        and panel.start is not None
        and unit_books_on_enter(unit_id=panel.appointment_type.unit_id)
    )


def booking_practitioner(panel: BookingPanel) -> Resource | None:
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
        panel.booked = appointment_book(
            actor=actor,
            patient=panel.patient,
            appointment_type=panel.appointment_type,
            start=panel.start,
            practitioner=booking_practitioner(panel),
            overbook=bool(cleaned.get("overbook")),
            note=cleaned.get("note", ""),
            room=panel.room,
        )
    except BookingError as exc:
        panel.error, panel.error_code = exc.message, exc.code
        panel.alternatives = [slot_choice(slot, room=panel.room) for slot in exc.alternatives]


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
    limit = SLOT_LIMIT if panel.room is None else SLOT_LIMIT * ROOM_ALTERNATIVES_FACTOR
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
        in_room = slots_in_room(found, room=panel.room, appointment_type=panel.appointment_type)
        shown = in_room[:SLOT_LIMIT]
    panel.slots = [slot_choice(slot, exact, panel.room) for slot in shown]
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
