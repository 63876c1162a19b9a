"""Reception writes: a status set from the board, check-in by CPR (typed or scanned from the
health insurance card), contact details confirmed at check-in, and the walk-in queue. The
board, the contact card and the waiting-room screen are read in reception.selectors.

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
import random
import re
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.core.errors import DomainError
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
from klinik.scheduling.booking import BookingRequest, appointment_book_within
from klinik.scheduling.choices import CONTACT_CHECKED, AppointmentStatus
from klinik.scheduling.models import Appointment, AppointmentEvent
from klinik.scheduling.reception.selectors import (
    acting_for,
    appointments_today,
    reception_today,
    walk_in_types,
)
from klinik.scheduling.transitions import appointment_set_status, appointment_set_status_within

S = AppointmentStatus

# Tries at a walk-in's queue number when other desks take numbers at the same moment.
QUEUE_ATTEMPTS = 8


class ReceptionCode(enum.StrEnum):
    """The code of every ReceptionError: the message says what was refused."""

    REFUSED = "reception_refused"


class ReceptionError(DomainError):
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

    def __init__(self, message: object, code: ReceptionCode = ReceptionCode.REFUSED) -> None:
        super().__init__(code, message)


# The board ------------------------------------------------------------------------------------


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
    today = appointments_today(
        actor=actor, unit=unit, patient_public_ids=[h.public_id for h in hits], channel=channel
    )
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


# Walk-in queue --------------------------------------------------------------------------------


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
