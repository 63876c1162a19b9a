"""Reception reads: the units a desk works, today's board (by time, by status, the walk-in
queue), the contact card, walk-in types and search, and the waiting-room screen.

Showing a board shows patients: it reads through appointments_between, which writes one
access-log entry per view. The board's version and the waiting-room screen read no patient
data and log nothing.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from django.db.models import Count, Max
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from klinik.audit.choices import Action, Channel
from klinik.audit.services import patient_list_log
from klinik.core.db import serial_plans
from klinik.core.models import Unit
from klinik.core.policy import Actor, Perm, require
from klinik.patients.access import patient_access_log
from klinik.patients.selectors import PatientHit, age_on, patient_search
from klinik.scheduling.access import access_appointment
from klinik.scheduling.availability import LOCAL
from klinik.scheduling.choices import CONTACT_CHECKED, AppointmentStatus, ResourceKind
from klinik.scheduling.models import Appointment, AppointmentEvent, AppointmentType, Resource
from klinik.scheduling.selectors import appointments_between, local_day_bounds, resources_for
from klinik.scheduling.transitions import appointment_transitions, appointment_undo_status

S = AppointmentStatus

# One key per action on a focused row of the board (the same in Danish and English).
ACTION_KEYS: dict[str, str] = {
    S.ARRIVED: "a",
    S.IN_PROGRESS: "i",
    S.FINISHED: "f",
    S.NO_SHOW: "x",
}
UNDO_KEY = "z"
# The board's lanes, in the order of the day.
LANES: tuple[tuple[str, Any, tuple[str, ...]], ...] = (
    ("booked", _("Expected"), (S.BOOKED,)),
    ("arrived", _("Arrived"), (S.ARRIVED,)),
    ("in_progress", _("In progress"), (S.IN_PROGRESS,)),
    ("finished", _("Finished"), (S.FINISHED,)),
    ("absent", _("No-show or cancelled"), (S.NO_SHOW, S.CANCELLED)),
)
# Queue numbers shown on the waiting-room screen as called in.
CALLED_SHOWN = 3


# Units ----------------------------------------------------------------------------------------


def reception_units(*, actor: Actor) -> list[Unit]:
    """The units whose reception the actor may work: every active unit of the actor's
    organisations (for a community receptionist, all the community's clinics)."""
    require(actor, Perm.SCHEDULE_VIEW)
    return list(
        Unit.objects.filter(
            organisation_id__in=actor.organisation_ids,
            is_active=True,
            organisation__is_active=True,
        )
        .select_related("organisation")
        .order_by("organisation__name", "name")
    )


def access_reception_unit(*, actor: Actor, public_id: object) -> Unit:
    """One unit of the actor's organisations; the same 404 for missing and foreign."""
    require(actor, Perm.SCHEDULE_VIEW)
    try:
        key = uuid.UUID(str(public_id))
    except ValueError as exc:
        raise Http404 from exc
    unit = (
        Unit.objects.select_related("organisation")
        .filter(
            public_id=key,
            organisation_id__in=actor.organisation_ids,
            is_active=True,
            organisation__is_active=True,
        )
        .first()
    )
    if unit is None:
        raise Http404
    return unit


def acting_for(actor: Actor, unit: Unit) -> Actor:
    """The actor narrowed to the unit's organisation: at a clinic's reception, a community
    receptionist finds and opens that clinic's patients only (and logs no others)."""
    return replace(actor, organisation_ids=actor.organisation_ids & {unit.organisation_id})


def reception_today() -> date:
    return timezone.localdate(timezone.now(), LOCAL)


# The board ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowAction:
    status: str
    label: str
    key: str
    is_undo: bool = False


@dataclass
class BoardRow:
    """One appointment on the board, with what the row shows worked out once (a board of a
    large unit has thousands of rows; the template only prints these)."""

    appointment: Appointment
    practitioners: list[str]
    rooms: list[str]
    actions: list[RowAction]
    resource_ids: frozenset[int] = frozenset()
    actions_html: str = ""  # the row's action form, made by the view (reception.views)
    id: str = ""  # the appointment's public id
    status: str = ""
    status_label: str = ""
    time: str = ""  # HH:MM, local
    arrived: str = ""  # HH:MM, local, once arrived
    name: str = ""
    identity: str = ""  # age and the CPR number's last four, shown on hover and focus
    type_name: str = ""
    queue_number: int | None = None

    @property
    def is_walk_in(self) -> bool:
        return self.queue_number is not None


@dataclass
class Lane:
    key: str
    title: str
    rows: list[BoardRow] = field(default_factory=list)


@dataclass
class Board:
    unit: Unit
    day: date
    version: str
    rows: list[BoardRow]  # by time
    lanes: list[Lane]
    queue: list[BoardRow]  # walk-ins waiting, by queue number
    counts: dict[str, int]


def row_actions(appointment: Appointment) -> list[RowAction]:
    """The one-key actions a row offers (of transitions.appointment_transitions), and undo where
    the appointment has a status to go back to (transitions.appointment_undo_status)."""
    allowed = appointment_transitions(appointment)
    back = appointment_undo_status(appointment)
    actions = [
        RowAction(target, str(S(target).label), key)
        for target, key in ACTION_KEYS.items()
        if target in allowed and target != back
    ]
    if back is not None:
        actions.append(RowAction(back, str(_("Undo")), UNDO_KEY, is_undo=True))
    return actions


def _row(appointment: Appointment, labels: dict[str, str], day: date, identity: str) -> BoardRow:
    holds = [hold.resource for hold in appointment.holds]
    patient = appointment.patient
    arrived = appointment.arrived_at
    return BoardRow(
        appointment=appointment,
        practitioners=[r.name for r in holds if r.kind == ResourceKind.PRACTITIONER],
        rooms=[r.name for r in holds if r.kind != ResourceKind.PRACTITIONER],
        actions=row_actions(appointment),
        resource_ids=frozenset(r.pk for r in holds),
        id=str(appointment.public_id),
        status=appointment.status,
        status_label=labels.get(appointment.status, appointment.status),
        time=timezone.localtime(appointment.start, LOCAL).strftime("%H:%M"),
        arrived=timezone.localtime(arrived, LOCAL).strftime("%H:%M") if arrived else "",
        name=patient.name,
        identity=identity % {"age": age_on(patient.birth_date, day), "last4": patient.cpr[-4:]},
        type_name=appointment.appointment_type.name,
        queue_number=appointment.queue_number,
    )


def reception_practitioners(*, actor: Actor, unit: Unit) -> list[Resource]:
    """The unit's active practitioners, for the board's filter."""
    return list(resources_for(actor=actor, unit_id=unit.pk).filter(kind=ResourceKind.PRACTITIONER))


def board_version(*, actor: Actor, unit: Unit, day: date | None = None) -> str:
    """A short fingerprint of the day's appointments and their history in the unit.

    The board polls with the version it shows and is only sent again (and the schedule read
    and logged again) when something changed. Reads no patient data.
    """
    require(actor, Perm.SCHEDULE_VIEW)
    start, end = local_day_bounds(day or reception_today())
    day_appointments = Appointment.objects.filter(
        organisation_id=unit.organisation_id, unit_id=unit.pk, start__gte=start, start__lt=end
    )
    with serial_plans():  # polled every few seconds from every desk: no parallel start-up
        counted = day_appointments.aggregate(n=Count("id"), last=Max("id"))
        events = AppointmentEvent.objects.filter(
            organisation_id=unit.organisation_id, appointment__in=day_appointments.values("id")
        ).aggregate(n=Count("id"), last=Max("id"))
    raw = f"{counted['n']}:{counted['last']}:{events['n']}:{events['last']}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def reception_board(
    *, actor: Actor, unit: Unit, day: date | None = None, practitioner_id: int | None = None
) -> Board:
    """Today's appointments of the unit, by time, by status and the walk-in queue; with
    `practitioner_id`, only that practitioner's rows (the walk-in queue stays whole: it is
    the unit's).

    Reads through appointments_between (a fixed number of queries, one access-log entry).
    """
    require(actor, Perm.SCHEDULE_VIEW)
    day = day or reception_today()
    version = board_version(actor=actor, unit=unit, day=day)
    # One practitioner's board reads only their appointments, and the unit's walk-ins for
    # the queue.
    appointments = appointments_between(
        actor=actor,
        first=day,
        unit_id=unit.pk,
        resource_ids=None if practitioner_id is None else [practitioner_id],
        with_walk_ins=True,
        include_cancelled=True,
        channel=Channel.UI,
    )
    labels = {status.value: str(status.label) for status in S}
    identity = str(_("%(age)d years · …%(last4)s"))  # translated once for the whole board
    every = [_row(a, labels, day, identity) for a in appointments]
    rows = [r for r in every if practitioner_id is None or practitioner_id in r.resource_ids]
    lanes = [Lane(key, str(title)) for key, title, _statuses in LANES]
    lane_of = {
        status: lanes[i] for i, (_k, _t, statuses) in enumerate(LANES) for status in statuses
    }
    for row in rows:
        lane_of[row.status].rows.append(row)
    queue = sorted(
        (r for r in every if r.is_walk_in and r.status == S.ARRIVED),
        key=lambda r: r.queue_number or 0,
    )
    counts = {lane.key: len(lane.rows) for lane in lanes}
    return Board(unit, day, version, rows, lanes, queue, counts)


# Check-in -------------------------------------------------------------------------------------


def appointments_today(
    *, actor: Actor, unit: Unit, patient_public_ids: list[Any], channel: Channel = Channel.UI
) -> list[Appointment]:
    """Today's appointments in the unit of these patients, cancelled ones left out (check-in).
    One log entry for the list."""
    require(actor, Perm.SCHEDULE_VIEW)
    start, end = local_day_bounds(reception_today())
    found = list(
        Appointment.objects.filter(
            organisation_id=unit.organisation_id,
            unit_id=unit.pk,
            start__gte=start,
            start__lt=end,
            patient__public_id__in=patient_public_ids,
        )
        .exclude(status=S.CANCELLED)
        .select_related("patient", "appointment_type")
        .order_by("start", "id")
    )
    patient_list_log(actor, "appointments_today", len(found), channel)
    return found


# Contact details confirmed at check-in ------------------------------------------------------


def reception_contact_card(
    *, actor: Actor, unit: Unit, appointment_public_id: object, channel: Channel = Channel.UI
) -> Appointment:
    """The appointment with its patient's contact details, to confirm at the desk (logged)."""
    require(actor, Perm.PATIENT_VIEW)
    appointment = access_appointment(actor=actor, public_id=appointment_public_id)
    if appointment.unit_id != unit.pk:
        raise Http404
    patient_access_log(
        actor, Action.VIEW, appointment.patient, channel, "reception contact details"
    )
    return appointment


def contact_confirmed(appointment: Appointment) -> bool:
    return AppointmentEvent.objects.filter(
        organisation_id=appointment.organisation_id,
        appointment=appointment,
        kind=CONTACT_CHECKED,
    ).exists()


# Walk-in queue --------------------------------------------------------------------------------


def walk_in_types(*, actor: Actor, unit: Unit) -> list[AppointmentType]:
    """The types a walk-in can be registered as: the unit's active single-patient types."""
    require(actor, Perm.SCHEDULE_VIEW)
    return list(
        AppointmentType.objects.filter(
            organisation_id=unit.organisation_id, unit=unit, is_active=True, is_group=False
        ).order_by("name")
    )


def walk_in_search(
    *, actor: Actor, unit: Unit, query: str, channel: Channel = Channel.UI
) -> list[PatientHit]:
    """The clinic's patients matching the query (CPR, name, phone), for a walk-in."""
    require(actor, Perm.SCHEDULE_BOOK)
    return patient_search(actor=acting_for(actor, unit), query=query, channel=channel, limit=10)


# Waiting-room screen --------------------------------------------------------------------------


@dataclass(frozen=True)
class WaitingRoom:
    unit_name: str
    called: list[int]  # being seen now, most recent first
    waiting: list[int]  # in the order they came


def waiting_room(*, actor: Actor, unit: Unit) -> WaitingRoom:
    """Queue numbers only: the screen hangs where everybody sees it. Reads no patient data,
    so nothing is written to the access log."""
    require(actor, Perm.SCHEDULE_VIEW)
    start, end = local_day_bounds(reception_today())
    rows = list(
        Appointment.objects.filter(
            organisation_id=unit.organisation_id,
            unit_id=unit.pk,
            start__gte=start,
            start__lt=end,
            queue_number__isnull=False,
            status__in=(S.ARRIVED, S.IN_PROGRESS),
        )
        .order_by("queue_number")
        .values_list("queue_number", "status")
    )
    # queue_number__isnull=False above: `n is not None` only tells the type checker.
    called = [n for n, status in reversed(rows) if n is not None and status == S.IN_PROGRESS][
        :CALLED_SHOWN
    ]
    waiting = [n for n, status in rows if n is not None and status == S.ARRIVED]
    return WaitingRoom(unit.name, called, waiting)
