"""Reception reads: the units a desk works, today's board (by time, by status, the walk-in
queue), the contact card, walk-in types and search, and the waiting-room screen.

Showing a board shows patients: it reads the query of appointments_between and writes one
access-log entry per view (one per clinic on a community's shared board). The board's version
and the waiting-room screen read no patient data and log nothing.
"""

from __future__ import annotations

import functools
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from django.db.models import Count, Max
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from klinik.audit.choices import Action, Channel
from klinik.audit.services import patient_list_log
from klinik.core.db import serial_plans
from klinik.core.models import Unit
from klinik.core.policy import Actor, Perm, require
from klinik.patients.access import patient_access_log
from klinik.patients.selectors import PatientHit, age_on, patient_search
from klinik.scheduling.access import access_appointment, schedule_units
from klinik.scheduling.availability import LOCAL
from klinik.scheduling.choices import (
    CONTACT_CHECKED,
    AppointmentStatus,
    Attendance,
    ResourceKind,
)
from klinik.scheduling.models import (
    Appointment,
    AppointmentEvent,
    AppointmentResource,
    AppointmentType,
    Resource,
)
from klinik.scheduling.schedule import appointments_between_query, schedule_read_log
from klinik.scheduling.selectors import local_day_bounds, resources_for
from klinik.scheduling.transitions import status_transitions, undo_status

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


# The next sensible step of a row (its primary action, Enter on the compact board): the first
# of these its status allows.
PRIMARY_NEXT: dict[str, tuple[str, ...]] = {
    S.BOOKED: (S.ARRIVED, S.IN_PROGRESS),
    S.ARRIVED: (S.IN_PROGRESS,),
    S.IN_PROGRESS: (S.FINISHED,),
}
# A telephone or video consultation starts without anybody arriving: its start says so.
START_LABELS: dict[str, Any] = {
    Attendance.PHONE: _("Call"),
    Attendance.VIDEO: _("Start video"),
}
# The board's filter by status: lane keys.
STATUS_FILTERS = tuple(key for key, _title, _statuses in LANES)
# A unit with more appointments than this on the day opens its board as the compact table.
COMPACT_FROM = 30


@dataclass
class BoardRow:
    """One appointment on the board, with what the row shows worked out once (a board of a
    large unit has thousands of rows; the markup only prints these)."""

    id: str  # the appointment's public id
    status: str
    status_label: str
    lane: str
    time: str  # HH:MM, local
    arrived: str  # HH:MM, local, once arrived
    name: str
    age: int
    identity: str  # age and the CPR number's last four, shown on hover and focus
    type_id: str  # the type's public id
    type_name: str
    attendance: str
    practitioners: list[str]
    rooms: list[str]
    resource_ids: frozenset[int]
    actions: list[RowAction]
    primary: RowAction | None
    queue_number: int | None = None
    unit_id: str = ""  # the unit's public id (the community board acts on each clinic's)
    clinic: str = ""  # the clinic's name, on the community board
    previous_status: str = ""
    actions_html: str = ""  # the row's action form, made by the view (reception.views)

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
    unit: Unit | None  # None on the community board
    day: date
    version: str
    rows: list[BoardRow]  # by time
    lanes: list[Lane]
    queue: list[BoardRow]  # walk-ins waiting, by queue number
    counts: dict[str, int]
    types: list[tuple[str, str]] = field(default_factory=list)  # (public id, name) of the day
    total: int = 0  # the day's rows before the status and type filters


def row_actions(appointment: Appointment) -> list[RowAction]:
    """The one-key actions a row offers (of transitions.appointment_transitions), and undo where
    the appointment has a status to go back to (transitions.appointment_undo_status)."""
    return list(
        status_actions(
            appointment.status,
            appointment.previous_status,
            appointment.appointment_type.attendance,
        )
    )


@functools.cache
def _status_actions(
    status: str, previous: str, attendance: str, language: str
) -> tuple[RowAction, ...]:
    del language  # keys the cache: the labels are translated
    allowed = status_transitions(status, attendance)
    back = undo_status(status, previous, attendance)
    actions = [
        RowAction(target, _action_label(status, target, attendance), key)
        for target, key in ACTION_KEYS.items()
        if target in allowed and target != back
    ]
    if back is not None:
        actions.append(RowAction(back, str(_("Undo")), UNDO_KEY, is_undo=True))
    return tuple(actions)


def status_actions(status: str, previous: str, attendance: str) -> tuple[RowAction, ...]:
    """row_actions of an appointment with this status, previous status and attendance (a
    board asks once per combination; the answer is kept)."""
    return _status_actions(status, previous or "", attendance, get_language() or "")


@functools.cache
def _primary_action(status: str, actions: tuple[RowAction, ...]) -> RowAction | None:
    return primary_action(status, actions)


def _action_label(status: str, target: str, attendance: str) -> str:
    if target == S.IN_PROGRESS and status == S.BOOKED and attendance in START_LABELS:
        return str(START_LABELS[attendance])
    return str(S(target).label)


def primary_action(status: str, actions: tuple[RowAction, ...]) -> RowAction | None:
    """The row's next sensible step: arrived, or the call or video started, then in
    progress, then finished. None when nothing follows (finished, no-show, cancelled)."""
    offered = {a.status: a for a in actions if not a.is_undo}
    return next((offered[s] for s in PRIMARY_NEXT.get(status, ()) if s in offered), None)


# The columns the board reads: a few of thousands of rows, not whole appointments and patients.
_BOARD_COLUMNS = (
    "pk",
    "public_id",
    "start",
    "status",
    "previous_status",
    "arrived_at",
    "queue_number",
    "appointment_type_id",
    "patient__given_name",
    "patient__family_name",
    "patient__birth_date",
    "patient__cpr",
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


def community_board_version(*, actor: Actor, day: date | None = None) -> str:
    """board_version of every clinic the actor's community reception works, in one."""
    raw = ":".join(
        board_version(actor=actor, unit=unit, day=day) for unit in schedule_units(actor=actor)
    )
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def reception_board(
    *,
    actor: Actor,
    unit: Unit,
    day: date | None = None,
    practitioner_id: int | None = None,
    status: str = "",
    type_id: str = "",
) -> Board:
    """Today's appointments of the unit, by time, by status and the walk-in queue; with
    `practitioner_id`, only that practitioner's rows (the walk-in queue stays whole: it is
    the unit's); with `status` (a lane key) or `type_id` (a type's public id), only those rows.

    Reads the day's rows in a fixed number of queries and writes one access-log entry, filed
    under the unit's organisation (also when a community's reception reads it).
    """
    require(actor, Perm.SCHEDULE_VIEW)
    actor = acting_for(actor, unit)
    day = day or reception_today()
    version = board_version(actor=actor, unit=unit, day=day)
    every = _board_rows(actor=actor, unit=unit, day=day, practitioner_id=practitioner_id)
    return _board(unit, day, version, every, practitioner_id, status, type_id)


def community_board(
    *, actor: Actor, day: date | None = None, status: str = "", type_id: str = ""
) -> Board:
    """The boards of every clinic the actor's reception works (a clinic community's shared
    reception), as one list by time, each row labelled with its clinic. One access-log entry
    per clinic, filed under its organisation."""
    require(actor, Perm.SCHEDULE_VIEW)
    day = day or reception_today()
    units = schedule_units(actor=actor)
    every: list[BoardRow] = []
    versions = []
    for unit in units:
        narrowed = acting_for(actor, unit)
        versions.append(board_version(actor=narrowed, unit=unit, day=day))
        every += _board_rows(actor=narrowed, unit=unit, day=day, practitioner_id=None)
    every.sort(key=lambda r: r.time)  # stable: each clinic's rows stay in their order
    version = hashlib.sha256(":".join(versions).encode()).hexdigest()[:16]
    return _board(None, day, version, every, None, status, type_id)


def _board(
    unit: Unit | None,
    day: date,
    version: str,
    every: list[BoardRow],
    practitioner_id: int | None,
    status: str,
    type_id: str,
) -> Board:
    rows = [r for r in every if practitioner_id is None or practitioner_id in r.resource_ids]
    total = len(rows)
    types = sorted({(r.type_id, r.type_name) for r in rows}, key=lambda t: (t[1], t[0]))
    if status in STATUS_FILTERS:
        rows = [r for r in rows if r.lane == status]
    if type_id:
        rows = [r for r in rows if r.type_id == type_id]
    lanes = [Lane(key, str(title)) for key, title, _statuses in LANES]
    by_key = {lane.key: lane for lane in lanes}
    for row in rows:
        by_key[row.lane].rows.append(row)
    queue = sorted(
        (r for r in every if r.is_walk_in and r.status == S.ARRIVED),
        key=lambda r: r.queue_number or 0,
    )
    counts = {lane.key: len(lane.rows) for lane in lanes}
    return Board(unit, day, version, rows, lanes, queue, counts, types, total)


@dataclass
class _DayRead:
    """What the board reads of a unit's day: the appointments' columns (_BOARD_COLUMNS), the
    resources each holds, and the types and resources they name."""

    found: list[tuple[Any, ...]]
    holds: dict[int, list[int]]
    types: dict[int, tuple[str, str, str]]  # id: public id, name, attendance
    resources: dict[int, tuple[str, str]]  # id: name, kind


@dataclass(frozen=True)
class _Shared:
    """What every row of one board has in common, worked out once."""

    day: date
    unit_id: str
    clinic: str
    language: str
    identity: str
    labels: dict[str, str]
    lane_of: dict[str, str]


def _board_rows(
    *, actor: Actor, unit: Unit, day: date, practitioner_id: int | None
) -> list[BoardRow]:
    """The unit's rows of the day (with the walk-ins of every practitioner)."""
    read = _day_read(actor=actor, unit=unit, day=day, practitioner_id=practitioner_id)
    shared = _Shared(
        day=day,
        unit_id=str(unit.public_id),
        clinic=f"{unit.organisation.name} · {unit.name}",
        language=get_language() or "",
        identity=str(_("%(age)d years · …%(last4)s")),  # translated once for the whole board
        labels={s.value: str(s.label) for s in S},
        lane_of={status: key for key, _title, statuses in LANES for status in statuses},
    )
    return [_board_row(values, read, shared) for values in read.found]


def _day_read(*, actor: Actor, unit: Unit, day: date, practitioner_id: int | None) -> _DayRead:
    """One query for the appointments with their patients' names, one for the holds, one
    each for the types and the resources, and the access-log entry."""
    query = appointments_between_query(
        actor=actor,
        first=day,
        unit_id=unit.pk,
        resource_ids=None if practitioner_id is None else [practitioner_id],
        with_walk_ins=True,
        include_cancelled=True,
    )
    found = list(query.order_by("start", "id").values_list(*_BOARD_COLUMNS))
    holds: dict[int, list[int]] = defaultdict(list)
    for appointment_id, resource_id in (
        AppointmentResource.objects.filter(appointment_id__in=query.values("pk"))
        .order_by("pk")
        .values_list("appointment_id", "resource_id")
    ):
        holds[appointment_id].append(resource_id)
    types = {
        pk: (str(public_id), name, attendance)
        for pk, public_id, name, attendance in AppointmentType.objects.filter(
            organisation_id=unit.organisation_id, pk__in={row[7] for row in found}
        ).values_list("pk", "public_id", "name", "attendance")
    }
    resources = {
        pk: (name, kind)
        for pk, name, kind in Resource.objects.filter(
            organisation_id=unit.organisation_id,
            pk__in={r for held in holds.values() for r in held},
        ).values_list("pk", "name", "kind")
    }
    schedule_read_log(actor=actor, first=day, days=1, count=len(found), channel=Channel.UI)
    return _DayRead(found, holds, types, resources)


def _board_row(values: tuple[Any, ...], read: _DayRead, shared: _Shared) -> BoardRow:
    (
        pk,
        public_id,
        start,
        status,
        previous,
        arrived_at,
        queue_number,
        type_pk,
        given_name,
        family_name,
        birth_date,
        cpr,
    ) = values
    type_public_id, type_name, attendance = read.types[type_pk]
    held = [read.resources[r] + (r,) for r in read.holds[pk] if r in read.resources]
    actions = _status_actions(status, previous or "", attendance, shared.language)
    age = age_on(birth_date, shared.day)
    return BoardRow(
        id=str(public_id),
        status=status,
        status_label=shared.labels.get(status, status),
        lane=shared.lane_of[status],
        time=_hhmm(start),
        arrived=_hhmm(arrived_at) if arrived_at else "",
        name=f"{given_name} {family_name}",
        age=age,
        identity=shared.identity % {"age": age, "last4": cpr[-4:]},
        type_id=type_public_id,
        type_name=type_name,
        attendance=attendance,
        practitioners=[n for n, k, _r in held if k == ResourceKind.PRACTITIONER],
        rooms=[n for n, k, _r in held if k != ResourceKind.PRACTITIONER],
        resource_ids=frozenset(r for _n, _k, r in held),
        actions=list(actions),
        primary=_primary_action(status, actions),
        queue_number=queue_number,
        unit_id=shared.unit_id,
        clinic=shared.clinic,
        previous_status=previous,
    )


def _hhmm(moment: datetime) -> str:
    local = moment.astimezone(LOCAL)
    return f"{local.hour:02d}:{local.minute:02d}"


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
