"""Reception: today's arrivals board, check-in by CPR (typed or scanned from the health
insurance card), contact details confirmed at check-in, the walk-in queue and the waiting-room
screen.

Reads and writes go through the scheduling selectors and services (the access log, the status
history and TRANSITIONS live there); what is added here is the reception's view of a day.

Patients are read through their appointments in the unit: an appointment in the unit is the
care relation the reception works under, so a check-in logs the read itself instead of asking
access_patient (which, for now, knows only the patient's own unit and would ask a secretary to
break the glass for a patient of a neighbouring unit who has an appointment here). Walk-ins,
who have no appointment yet, are opened through access_patient.
"""

from __future__ import annotations

import enum
import hashlib
import random
import re
import time
import uuid
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.core.db import serial_plans
from klinik.core.models import Unit
from klinik.core.policy import Actor, Perm, require
from klinik.patients.access import access_patient, patient_access_log
from klinik.patients.errors import BreakGlassRequired
from klinik.patients.identifiers import IdentifierError, compact_identifier, parse_identifier
from klinik.patients.models import Patient
from klinik.patients.selectors import PatientHit, patient_search
from klinik.patients.services import patient_update
from klinik.scheduling.access import access_appointment
from klinik.scheduling.availability import LOCAL
from klinik.scheduling.choices import AppointmentStatus, ResourceKind
from klinik.scheduling.models import Appointment, AppointmentEvent, AppointmentType, Resource
from klinik.scheduling.selectors import appointments_between, local_day_bounds, resources_for
from klinik.scheduling.services import (
    TRANSITIONS,
    BookingRequest,
    appointment_book_within,
    appointment_set_status,
    appointment_set_status_within,
)

S = AppointmentStatus

# One key per action on a focused row of the board (the same in Danish and English).
ACTION_KEYS: dict[str, str] = {
    S.ARRIVED: "a",
    S.IN_PROGRESS: "i",
    S.FINISHED: "f",
    S.NO_SHOW: "x",
}
UNDO_KEY = "z"
# Undo goes one step back along the day's usual course.
UNDO: dict[str, str] = {
    S.ARRIVED: S.BOOKED,
    S.IN_PROGRESS: S.ARRIVED,
    S.FINISHED: S.IN_PROGRESS,
    S.NO_SHOW: S.BOOKED,
}
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
# Tries at a walk-in's queue number when other desks take numbers at the same moment.
QUEUE_ATTEMPTS = 8
CONTACT_CHECKED = "contact_checked"  # AppointmentEvent.kind: contact details confirmed


class ReceptionError(Exception):
    """Something the reception cannot do; the message is shown as it is."""

    NOT_THIS_CLINIC = _(
        "The patient is not registered with this clinic. Register the patient there first."
    )
    ALREADY_QUEUED = _("The patient is already in the walk-in queue as number %(number)d.")
    NO_TYPE = _("Choose the type of the walk-in visit.")
    QUEUE_BUSY = _("Many walk-ins are being registered at this moment. Please try again.")
    STALE = _("The appointment was changed by someone else meanwhile. The board is updated.")
    NEEDS_BREAK_GLASS = _(
        "The patient is not connected to your unit. Open the patient page and state why you "
        "need access before registering the walk-in."
    )

    def __init__(self, message: object) -> None:
        super().__init__(str(message))
        self.message = str(message)


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
    actions_html: str = ""  # the row's action form, made by the view (reception_views)
    id: str = ""  # the appointment's public id
    status: str = ""
    status_label: str = ""
    time: str = ""  # HH:MM, local
    arrived: str = ""  # HH:MM, local, once arrived
    name: str = ""
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


def row_actions(status: str) -> list[RowAction]:
    """The one-key actions a row offers in its status (a subset of TRANSITIONS)."""
    allowed = TRANSITIONS.get(status, set())
    actions = [
        RowAction(target, str(S(target).label), key)
        for target, key in ACTION_KEYS.items()
        if target in allowed and target != UNDO.get(status)
    ]
    back = UNDO.get(status)
    if back is not None and back in allowed:
        actions.append(RowAction(back, str(_("Undo")), UNDO_KEY, is_undo=True))
    return actions


def _row(appointment: Appointment, labels: dict[str, str]) -> BoardRow:
    holds = [hold.resource for hold in appointment.holds]
    arrived = appointment.arrived_at
    return BoardRow(
        appointment=appointment,
        practitioners=[r.name for r in holds if r.kind == ResourceKind.PRACTITIONER],
        rooms=[r.name for r in holds if r.kind != ResourceKind.PRACTITIONER],
        actions=row_actions(appointment.status),
        resource_ids=frozenset(r.pk for r in holds),
        id=str(appointment.public_id),
        status=appointment.status,
        status_label=labels.get(appointment.status, appointment.status),
        time=timezone.localtime(appointment.start, LOCAL).strftime("%H:%M"),
        arrived=timezone.localtime(arrived, LOCAL).strftime("%H:%M") if arrived else "",
        name=appointment.patient.name,
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
    every = [_row(a, labels) for a in appointments]
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


def reception_set_status(
    *,
    actor: Actor,
    unit: Unit,
    appointment_public_id: object,
    status: str,
    seen_status: str = "",
    channel: Channel = Channel.UI,
) -> Appointment:
    """A one-key action from the board. `seen_status` is the status the board showed: if the
    appointment has moved on since, nothing is changed (the service checks the transition)."""
    appointment = access_appointment(actor=actor, public_id=appointment_public_id, for_update=True)
    if appointment.unit_id != unit.pk:
        raise Http404
    if seen_status and seen_status != appointment.status:
        raise ReceptionError(ReceptionError.STALE)
    try:
        target = S(status)
    except ValueError as exc:
        raise Http404 from exc
    return appointment_set_status(
        actor=actor, appointment=appointment, status=target, channel=channel
    )


# Check-in -------------------------------------------------------------------------------------


class CheckInOutcome(enum.StrEnum):
    ARRIVED = "arrived"  # marked arrived now
    ALREADY_ARRIVED = "already_arrived"  # arrived (or further) before
    NO_APPOINTMENT = "no_appointment"  # the patient has no appointment today: offer a walk-in
    NOT_FOUND = "not_found"  # no patient with that number
    INVALID = "invalid"  # not a CPR number


@dataclass
class CheckIn:
    outcome: CheckInOutcome
    message: str
    patient: Patient | None = None
    appointment: Appointment | None = None
    later_today: list[Appointment] = field(default_factory=list)


_SCANNED_CPR = re.compile(r"(\d{6})-?(\d{4})")


def parse_scanned(raw: str) -> str:
    """The CPR number in what was typed or scanned.

    A barcode scanner types like a keyboard: usually the ten digits (sometimes with the dash)
    and Enter; some readers add a prefix or suffix. The number must stand alone, so a longer
    run of digits is not cut into a CPR number by guesswork.
    """
    text = raw.strip()
    try:
        return parse_identifier(text).value
    except IdentifierError:
        pass
    found = [m for m in _SCANNED_CPR.finditer(text) if _stands_alone(text, m)]
    if len(found) == 1:
        return parse_identifier(found[0].group(1) + found[0].group(2)).value
    return parse_identifier(compact_identifier(text)).value  # raises with the reason


def _stands_alone(text: str, match: re.Match[str]) -> bool:
    before = text[match.start() - 1] if match.start() > 0 else ""
    after = text[match.end()] if match.end() < len(text) else ""
    return not before.isdigit() and not after.isdigit()


def _todays_appointments(unit: Unit, patient_public_ids: list[Any]) -> list[Appointment]:
    start, end = local_day_bounds(reception_today())
    return list(
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


def reception_check_in(
    *, actor: Actor, unit: Unit, identifier: str, channel: Channel = Channel.UI
) -> CheckIn:
    """Find today's appointment in the unit of the patient with this CPR number and mark it
    arrived; tell what was found (the patient's contact details are to be confirmed)."""
    require(actor, Perm.SCHEDULE_BOOK)
    require(actor, Perm.PATIENT_VIEW)
    try:
        number = parse_scanned(identifier)
    except IdentifierError as exc:
        return CheckIn(CheckInOutcome.INVALID, str(exc.message))
    actor = acting_for(actor, unit)
    hits: list[PatientHit] = patient_search(actor=actor, query=number, channel=channel, limit=5)
    if not hits:
        return CheckIn(CheckInOutcome.NOT_FOUND, str(_("No patient has that CPR number.")))
    today = _todays_appointments(unit, [h.public_id for h in hits])
    if not today:
        return _no_appointment(actor, unit, hits, channel)
    waiting = [a for a in today if a.status in (S.BOOKED, S.NO_SHOW)]
    patient = today[0].patient
    patient_access_log(actor, Action.VIEW, patient, channel, "reception check-in")
    if not waiting:
        done = today[-1]
        return CheckIn(
            CheckInOutcome.ALREADY_ARRIVED,
            str(_("Already checked in at %(time)s."))
            % {"time": _clock(done.arrived_at or done.start)},
            patient=patient,
            appointment=done,
        )
    chosen = waiting[0]
    arrived = appointment_set_status(
        actor=actor, appointment=chosen, status=S.ARRIVED, channel=channel
    )
    arrived.patient = patient
    arrived.appointment_type = chosen.appointment_type
    return CheckIn(
        CheckInOutcome.ARRIVED,
        str(_("Checked in for %(time)s %(type)s."))
        % {"time": _clock(chosen.start), "type": chosen.appointment_type.name},
        patient=patient,
        appointment=arrived,
        later_today=waiting[1:],
    )


def _no_appointment(actor: Actor, unit: Unit, hits: list[PatientHit], channel: Channel) -> CheckIn:
    """No appointment today: open the patient (the one registered with this clinic) so a
    walk-in can be offered."""
    for hit in hits:
        try:
            patient = access_patient(
                actor=actor,
                public_id=hit.public_id,
                channel=channel,
                purpose=Purpose.ADMINISTRATION,
            )
        except BreakGlassRequired:
            return CheckIn(
                CheckInOutcome.NO_APPOINTMENT,
                f"{_('The patient has no appointment here today.')} "
                f"{ReceptionError.NEEDS_BREAK_GLASS}",
            )
        except Http404:
            continue
        if patient.organisation_id == unit.organisation_id:
            return CheckIn(
                CheckInOutcome.NO_APPOINTMENT,
                str(_("%(name)s has no appointment here today.")) % {"name": patient.name},
                patient=patient,
            )
    return CheckIn(
        CheckInOutcome.NO_APPOINTMENT,
        str(_("The patient has no appointment here today and is not registered with this clinic.")),
    )


def _clock(moment: datetime) -> str:
    return timezone.localtime(moment, LOCAL).strftime("%H:%M")


# Contact details confirmed at check-in ------------------------------------------------------

CONTACT_FIELDS = ("phone", "email", "address_line", "postal_code", "city")


def reception_contact_confirm(
    *,
    actor: Actor,
    unit: Unit,
    appointment_public_id: object,
    changes: dict[str, str] | None = None,
    channel: Channel = Channel.UI,
) -> Appointment:
    """Record that the patient confirmed their contact details at the desk, correcting them
    first when `changes` holds new values (through patient_update, which keeps the history).

    Raises PatientInvalid (fields named) for a correction the register refuses.
    """
    require(actor, Perm.SCHEDULE_BOOK)
    appointment = access_appointment(actor=actor, public_id=appointment_public_id, for_update=True)
    if appointment.unit_id != unit.pk:
        raise Http404
    patient = appointment.patient
    corrected = {
        name: value
        for name, value in (changes or {}).items()
        if name in CONTACT_FIELDS and value != getattr(patient, name)
    }
    if patient.is_address_protected:
        corrected = {k: v for k, v in corrected.items() if k in ("phone", "email")}
    if corrected:
        patient = patient_update(
            actor=actor,
            patient=patient,
            data=corrected,
            reason=str(_("Corrected at check-in")),
            channel=channel,
        )
        appointment.patient = patient
    with transaction.atomic(durable=True):
        AppointmentEvent.objects.create(
            organisation_id=appointment.organisation_id,
            appointment=appointment,
            at=timezone.now(),
            by=actor.user,
            kind=CONTACT_CHECKED,
            reason=("corrected: " + ", ".join(sorted(corrected))) if corrected else "",
        )
        access_log_record(
            actor=actor,
            action=Action.VIEW,
            purpose=Purpose.ADMINISTRATION,
            channel=channel,
            object_type="patient_contact",
            object_id=patient.public_id,
            patient_id=patient.public_id,
            organisation_id=patient.organisation_id,
            reason="contact details confirmed at check-in",
        )
    return appointment


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


def _walk_in_start() -> datetime:
    """Now, on the next whole minute (a booking cannot start in the past)."""
    now = timezone.now()
    return now.replace(second=0, microsecond=0) + timedelta(minutes=1)


def walk_in_register(
    *,
    actor: Actor,
    unit: Unit,
    patient_public_id: object,
    appointment_type_public_id: object,
    channel: Channel = Channel.UI,
) -> Appointment:
    """Put a patient in today's walk-in queue: an appointment from now, overbooked on purpose
    (a walk-in waits for a gap), marked arrived, with the next queue number of the unit today.

    One durable transaction books, numbers and marks the arrival: a walk-in is in the queue
    with its number, or not at all. Two desks registering at the same moment may compute the
    same number; the database's unique constraint on (unit, day, number) refuses the second,
    which starts again and takes the next number.

    Raises ReceptionError or BookingError (closed, outside the opening hours) with a message.
    """
    require(actor, Perm.SCHEDULE_BOOK)
    try:
        patient = access_patient(
            actor=acting_for(actor, unit),
            public_id=str(patient_public_id),
            channel=channel,
            purpose=Purpose.ADMINISTRATION,
        )
    except BreakGlassRequired as exc:
        raise ReceptionError(ReceptionError.NEEDS_BREAK_GLASS) from exc
    if patient.organisation_id != unit.organisation_id:
        raise ReceptionError(ReceptionError.NOT_THIS_CLINIC)
    appointment_type = next(
        (
            t
            for t in walk_in_types(actor=actor, unit=unit)
            if str(t.public_id) == str(appointment_type_public_id)
        ),
        None,
    )
    if appointment_type is None:
        raise ReceptionError(ReceptionError.NO_TYPE)
    request = BookingRequest(
        patient,
        appointment_type,
        _walk_in_start(),
        overbook=True,
        note=str(_("Walk-in")),
    )
    for attempt in range(1, QUEUE_ATTEMPTS + 1):
        try:
            with transaction.atomic(durable=True):
                return _walk_in_write(actor, unit, request, channel)
        except IntegrityError:
            # Another desk took the number first: the next attempt reads the new highest.
            if attempt == QUEUE_ATTEMPTS:
                raise ReceptionError(ReceptionError.QUEUE_BUSY) from None
            time.sleep(random.uniform(0, 0.02 * attempt))  # noqa: S311 (jitter, not secrets)
    raise AssertionError("unreachable")


def _walk_in_write(
    actor: Actor, unit: Unit, request: BookingRequest, channel: Channel
) -> Appointment:
    """Inside the walk-in's transaction: not queued already today, booked, numbered, arrived."""
    day = reception_today()
    queued = (
        Appointment.objects.filter(
            organisation_id=unit.organisation_id,
            unit_id=unit.pk,
            patient=request.patient,
            queue_day=day,
            status=S.ARRIVED,
        )
        .order_by("queue_number")
        .first()
    )
    if queued is not None:
        raise ReceptionError(ReceptionError.ALREADY_QUEUED % {"number": queued.queue_number})
    appointment = appointment_book_within(actor=actor, request=request, channel=channel)
    _queue_number_give(appointment, unit, day)
    return appointment_set_status_within(
        actor=actor, appointment=appointment, status=S.ARRIVED, channel=channel
    )


def _queue_number_give(appointment: Appointment, unit: Unit, day: date) -> None:
    """The next queue number of the unit on `day`, inside the caller's transaction.

    The highest number plus one, written at once: the unique constraint on (unit, queue_day,
    queue_number) makes a number given twice an IntegrityError (on PostgreSQL the second
    writer waits for the first to commit, then fails), which walk_in_register retries. On
    SQLite the IMMEDIATE transaction already holds the write lock, so the read cannot be
    overtaken.
    """
    highest = Appointment.objects.filter(unit_id=unit.pk, queue_day=day).aggregate(
        n=Max("queue_number")
    )["n"]
    appointment.queue_number, appointment.queue_day = (highest or 0) + 1, day
    appointment.save(update_fields=["queue_number", "queue_day"])


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
    called = [n for n, status in reversed(rows) if status == S.IN_PROGRESS][:CALLED_SHOWN]
    waiting = [n for n, status in rows if status == S.ARRIVED]
    return WaitingRoom(unit.name, called, waiting)
