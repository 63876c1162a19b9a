"""The appointment panel: patient, time, resources and history of one appointment, with the
status changes, cancelling and moving it offers; and where a move goes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from klinik.core.policy import Actor, Perm
from klinik.patients.models import Patient
from klinik.scheduling.access import access_resource, appointment_detail
from klinik.scheduling.availability import LOCAL
from klinik.scheduling.booking_rules import rooms_for_type
from klinik.scheduling.calendar.booking import SlotChoice, slot_choice
from klinik.scheduling.calendar.forms import CancelForm, MoveForm
from klinik.scheduling.calendar.grid import local, when
from klinik.scheduling.calendar.selectors import (
    appointment_events,
    appointment_holds,
    held_resource_ids,
    practitioner_of,
)
from klinik.scheduling.calendar.state import sorted_resources, unit_practitioners
from klinik.scheduling.choices import CONTACT_CHECKED, AppointmentStatus, ResourceKind
from klinik.scheduling.hooks import NoticeRoute, notice_route
from klinik.scheduling.models import Appointment, AppointmentEvent, Resource
from klinik.scheduling.series import PlannedOccurrence, SeriesScope, series_occurrences
from klinik.scheduling.transitions import (
    UNDO_BOOKING_SECONDS,
    appointment_transitions,
    appointment_undo_status,
)

FORWARD_STATUSES = (
    AppointmentStatus.ARRIVED,
    AppointmentStatus.IN_PROGRESS,
    AppointmentStatus.FINISHED,
    AppointmentStatus.NO_SHOW,
)


def open_appointment(actor: Actor, raw: str) -> Appointment | None:
    """The appointment whose panel opens with the page (?open=<public id>), if reachable."""
    try:
        return appointment_detail(actor=actor, public_id=raw) if raw else None
    except Http404:
        return None


def notice_text(route: NoticeRoute | None) -> str:
    """Before a cancel or move: whether and how the patient will be told."""
    if route is None:
        return ""
    if route.sends:
        return _("The patient is notified by %(channel)s (%(address)s).") % {
            "channel": route.channel_label,
            "address": route.address,
        }
    return no_notice(route.reason)


def no_notice(reason: str) -> str:
    """ "Ingen besked: intet samtykke til SMS eller e-mail, ..." """
    return _("No notice: %(reason)s.") % {"reason": reason[:1].lower() + reason[1:]}


def told_text(patient: Patient, *, notify: bool) -> str:
    """After a cancel or move: whether and how the patient is told."""
    route = notice_route(patient)
    if route is None:
        return ""
    if route.sends and not notify:
        return str(_("The patient is not notified (your choice)."))
    if route.sends:
        return _("The patient gets a notice by %(channel)s.") % {"channel": route.channel_label}
    return no_notice(route.reason)


def status_label(value: str) -> str:
    return str(AppointmentStatus(value).label) if value in AppointmentStatus.values else value


def history(events: list[AppointmentEvent]) -> list[dict[str, Any]]:
    rows = []
    for event in events:
        if event.by is not None:
            who = event.by.get_full_name() or event.by.username
        else:
            who = _("The patient (online)")
        if event.kind == "booked":
            text = (
                _("Booked for %(when)s") % {"when": when(event.to_start)}
                if event.to_start
                else _("Booked")
            )
        elif event.kind == "moved" and event.from_start and event.to_start:
            text = _("Moved from %(old)s to %(new)s") % {
                "old": when(event.from_start),
                "new": when(event.to_start),
            }
        elif event.kind == "status":
            text = _("Status: %(old)s → %(new)s") % {
                "old": status_label(event.from_status),
                "new": status_label(event.to_status),
            }
        elif event.kind == CONTACT_CHECKED:
            text = _("Contact details confirmed at check-in")
        else:
            text = event.kind
        rows.append({"at": event.at, "who": who, "text": text, "reason": event.reason})
    return rows


def appointment_context(
    actor: Actor,
    appointment: Appointment,
    *,
    message: str = "",
    error: str = "",
    alternatives: list[SlotChoice] | None = None,
    move_form: MoveForm | None = None,
    cancel_form: CancelForm | None = None,
    series_conflicts: list[ConflictRow] | None = None,
    undo_booking: bool = False,
) -> dict[str, Any]:
    resources = sorted_resources(
        hold.resource for hold in appointment_holds(appointment=appointment)
    )
    practitioner = next((r for r in resources if r.kind == ResourceKind.PRACTITIONER), None)
    events = appointment_events(appointment=appointment)
    can_book = actor.can(Perm.SCHEDULE_BOOK)
    allowed = appointment_transitions(appointment)
    undo = appointment_undo_status(appointment)
    forward = [s for s in FORWARD_STATUSES if s in allowed and s != undo]
    is_booked = appointment.status == AppointmentStatus.BOOKED
    context: dict[str, Any] = {
        "appointment": appointment,
        "resources": resources,
        "history": history(events),
        "can_book": can_book,
        "forward": [(s.value, s.label) for s in forward],
        "undo": (undo, status_label(undo)) if undo else None,
        "can_cancel": can_book and AppointmentStatus.CANCELLED in allowed,
        "can_move": can_book and is_booked,
        "message": message,
        "error": error,
        "alternatives": alternatives or [],
        "when": when(appointment.start),
        "end": date_format(local(appointment.end), "H:i"),
        "day_url": f"{reverse('calendar_day')}?"
        + urlencode(
            {
                "date": local(appointment.start).date().isoformat(),
                "open": str(appointment.public_id),
            }
        ),
        "same_time_url": f"{reverse('calendar_book')}?"
        + urlencode({"same_as": str(appointment.public_id)}),
    }
    if context["can_move"] or context["can_cancel"]:
        route = notice_route(appointment.patient)
        context["notice"] = route
        context["notice_text"] = notice_text(route)
        context["notify_initial"] = bool(route and route.sends)
    if context["can_move"]:
        context["move_rooms"], context["move_form"] = _move_form(
            actor, appointment, practitioner, move_form, notify=context["notify_initial"]
        )
    if context["can_cancel"]:
        context["cancel_form"] = cancel_form or CancelForm(
            initial={"notify": context["notify_initial"]}
        )
    if undo_booking:
        # How long calendar.js shows the undo (seconds left, not a time: the PC's clock may
        # differ from the server's).
        until = appointment.created_at + timedelta(seconds=UNDO_BOOKING_SECONDS)
        left = (until - timezone.now()).total_seconds()
        context["undo_booking_ms"] = max(1, int(left * 1000))
    context["series_conflicts"] = series_conflicts or []
    if appointment.series_id is not None:
        context["series"] = series_context(appointment)
    return context


def series_context(appointment: Appointment) -> dict[str, int]:
    """ "3 of 10", and how many booked occurrences a change of this one and the following, or
    of all still to come, would concern."""
    assert appointment.series is not None
    return {
        "number": (appointment.series_index or 0) + 1,
        "count": appointment.series.count,
        "following": series_occurrences(appointment, SeriesScope.FOLLOWING).count(),
        "all": series_occurrences(appointment, SeriesScope.ALL).count(),
    }


@dataclass(frozen=True)
class ConflictRow:
    """An occurrence of a series that cannot be booked (or moved) at its time."""

    index: int
    number: int  # 1-based, as the secretary counts
    label: str
    problem: str
    alternative: SlotChoice | None


def conflict_rows(conflicts: list[PlannedOccurrence]) -> list[ConflictRow]:
    return [
        ConflictRow(
            index=c.index,
            number=c.index + 1,
            label=date_format(local(c.start), "D j.n.Y H:i"),
            problem=c.problem,
            alternative=slot_choice(c.alternative) if c.alternative else None,
        )
        for c in conflicts
    ]


def _move_form(
    actor: Actor,
    appointment: Appointment,
    practitioner: Resource | None,
    move_form: MoveForm | None,
    *,
    notify: bool,
) -> tuple[bool, MoveForm]:
    """Whether the type uses rooms, and the move form (the one sent back, with its errors,
    or one at the appointment's time and practitioner)."""
    practitioners = unit_practitioners(actor, appointment.unit_id)
    moment = local(appointment.start)
    rooms = rooms_for_type(appointment.appointment_type)
    return bool(rooms), move_form or MoveForm(
        initial={
            "date": moment.date(),
            "time": moment.time().replace(second=0, microsecond=0),
            "resource": str(practitioner.public_id) if practitioner else "",
            "notify": notify,
        },
        resources=[(str(r.public_id), r.name) for r in practitioners],
        rooms=[(str(r.public_id), r.name) for r in rooms],
    )


@dataclass
class Move:
    """Where a move goes: a start, and a practitioner or room when they change."""

    start: datetime
    practitioner: Resource | None = None
    room: Resource | None = None
    refusal: str = ""  # the column it was dropped in cannot take it
    is_unchanged: bool = False


def move_from_form(
    *,
    actor: Actor,
    appointment: Appointment,
    data: Mapping[str, Any],
    practitioners: list[Resource],
    rooms: list[Resource],
) -> Move:
    """The move the form asks for: the keyboard form's date, time, practitioner and room, or
    the column a block was dropped in (a practitioner's, the room the appointment holds, or
    another room its type can use: the appointment is moved into that room)."""
    move = Move(start=datetime.combine(data["date"], data["time"].replace(second=0), tzinfo=LOCAL))
    current = practitioner_of(appointment=appointment)
    held = held_resource_ids(appointment=appointment)
    move.room = next((r for r in rooms if str(r.public_id) == data.get("room")), None)
    if data.get("column"):
        column = access_resource(actor=actor, public_id=data["column"])
        if column.unit_id != appointment.unit_id or (
            column.kind != ResourceKind.PRACTITIONER
            and column.pk not in held
            and column not in rooms
        ):
            move.refusal = _(
                "Drop the appointment in a practitioner's column or a room it can use."
            )
            return move
        if column.kind == ResourceKind.PRACTITIONER:
            move.practitioner = column
        elif column in rooms:
            move.room = column
    elif data.get("resource"):
        move.practitioner = next(
            (r for r in practitioners if str(r.public_id) == data["resource"]), None
        )
    move.is_unchanged = (
        move.start == appointment.start
        and (move.practitioner is None or move.practitioner == current)
        and (move.room is None or move.room.pk in held)
    )
    return move
