"""Confirmations, move and cancellation notices, and reminders: the scheduling side.

Scheduling decides *what* the patient should be told about an appointment and *when*: after a
change, once the unit's undo grace period has passed, only the difference between what the
patient was last told and the appointment's final state (booked then cancelled within the grace
period: nothing); a reminder `reminder_hours` before the start, replaced when the appointment
moves and withdrawn when it is cancelled.

*How* and *whether to whom* (channels, consent, quiet hours, the outbox, delivery) belong to
correspondence, which sits above scheduling. Scheduling must not import it, so correspondence
hands in its outbox through `connect()` from its AppConfig.ready(); `NoticeOutbox` is the
contract between the two.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Protocol

from django.conf import settings
from django.core.signing import TimestampSigner
from django.db import models
from django.utils import dateformat, timezone, translation
from django.utils.translation import gettext_lazy as _

from klinik.core.hooks import hook_register
from klinik.scheduling.availability import LOCAL
from klinik.scheduling.choices import AppointmentStatus
from klinik.scheduling.hooks import APPOINTMENT_CHANGED, ChangeListener
from klinik.scheduling.models import Appointment, UnitSchedule

logger = logging.getLogger(__name__)

# Shared with the online-booking page that verifies the token: change neither alone.
MANAGE_SALT = "klinik.online-booking"
MANAGE_PATH = "/book/manage/{token}/"

# UnitSchedule's defaults, for units that have no schedule row.
DEFAULT_QUIET_HOURS = (time(21), time(8))
DEFAULT_GRACE_SECONDS = 180

# "tirsdag 8. december kl. 09.15": weekday and month names come from Django's own catalogue.
WHEN_FORMATS = {"da": r"l j. F \k\l. H.i", "en": r"l j F \a\t H:i"}


class NoticeKind(models.TextChoices):
    CONFIRMATION = "confirmation", _("Confirmation")
    MOVED = "moved", _("Moved")
    CANCELLED = "cancelled", _("Cancellation")
    REMINDER = "reminder", _("Reminder")


CHANGE_KINDS = (NoticeKind.CONFIRMATION, NoticeKind.MOVED, NoticeKind.CANCELLED)

# What a message template may say; `notice_context` fills every one.
PLACEHOLDERS = ("when", "previous_when", "unit", "type", "preparation", "link")


@dataclass(frozen=True)
class Told:
    """The last change notice the patient was sent (or would have been, without a channel)."""

    kind: str
    start: datetime | None


@dataclass(frozen=True)
class Notice:
    """A message scheduling wants sent about an appointment, due at `due`."""

    appointment: Appointment
    kind: NoticeKind
    due: datetime
    language: str
    context: dict[str, str]
    quiet_hours: tuple[time, time]  # the unit's, read once for all the notices of a change
    # False: the secretary chose not to tell the patient; the outbox records it unsent, so
    # the next notice is worded from it (the patient was told otherwise, e.g. on the phone).
    is_wanted: bool = True


class NoticeOutbox(Protocol):
    """What scheduling needs of the outbox (correspondence implements it)."""

    def last_told(self, appointment: Appointment) -> Told | None:
        """The last change notice about the appointment that went out (or is going)."""

    def withdraw(self, appointment: Appointment) -> None:
        """Cancel every notice and reminder about the appointment that has not gone yet."""

    def queue(self, notice: Notice) -> None:
        """Write the notice from its appointment type's template and schedule delivery."""


# Texts ------------------------------------------------------------------------------------------


def patient_language(language: str) -> str:
    """The language to write to a patient in: theirs when Klinik speaks it, else Danish."""
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def format_when(when: datetime) -> str:
    """An appointment time in the active language's style: "tirsdag 8. december kl. 09.15"."""
    fmt = WHEN_FORMATS.get(translation.get_language() or "", WHEN_FORMATS["da"])
    return dateformat.format(timezone.localtime(when, LOCAL), fmt)


def manage_token(public_id: uuid.UUID) -> str:
    return TimestampSigner(salt=MANAGE_SALT).sign(str(public_id))


def manage_link(appointment: Appointment) -> str:
    """The patient's own link to cancel or move the appointment (the online-booking page)."""
    base = settings.KLINIK_PUBLIC_URL.rstrip("/")
    return base + MANAGE_PATH.format(token=manage_token(appointment.public_id))


def notice_context(
    appointment: Appointment, previous_start: datetime | None = None
) -> dict[str, str]:
    """The template placeholders for a notice about the appointment, in the active language."""
    appointment_type = appointment.appointment_type
    return {
        "when": format_when(appointment.start),
        "previous_when": format_when(previous_start) if previous_start else "",
        "unit": appointment.unit.name,
        "type": appointment_type.name,
        "preparation": appointment_type.preparation_text.strip(),
        "link": manage_link(appointment),
    }


def render(text: str, context: dict[str, str]) -> str:
    """Fill `{placeholder}`s (unknown ones stay as typed) and tidy blank lines left by empty
    values. Plain substitution, not a template language: staff write these texts."""
    filled = re.sub(r"\{(\w+)\}", lambda m: context.get(m.group(1), m.group(0)), str(text))
    filled = re.sub(r"[ \t]+\n", "\n", filled)
    return re.sub(r"\n{3,}", "\n\n", filled).strip()


def unknown_placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", text)) - set(PLACEHOLDERS)


# Rules ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    grace: timedelta
    quiet_hours: tuple[time, time]


def unit_timing(unit_id: int | None) -> Timing:
    """The unit's undo grace period and SMS quiet hours (defaults without a schedule)."""
    schedule = None
    if unit_id is not None:
        schedule = UnitSchedule.objects.filter(unit_id=unit_id).first()
    if schedule is None:
        return Timing(timedelta(seconds=DEFAULT_GRACE_SECONDS), DEFAULT_QUIET_HOURS)
    return Timing(
        timedelta(seconds=schedule.undo_grace_seconds),
        (schedule.quiet_start, schedule.quiet_end),
    )


def change_notice_kind(told: Told | None, appointment: Appointment) -> NoticeKind | None:
    """What to tell a patient who was last told `told`, now that the appointment is as it is."""
    if appointment.status == AppointmentStatus.BOOKED:
        if told is None or told.kind == NoticeKind.CANCELLED:
            return NoticeKind.CONFIRMATION
        return NoticeKind.MOVED if told.start != appointment.start else None
    # A cancellation is told whether or not a confirmation went earlier: a patient booked on
    # the telephone knows of the appointment without one (ADR 0034). Whether it goes is the
    # secretary's choice (Appointment.notifies_patient) and the patient's consent.
    if appointment.status == AppointmentStatus.CANCELLED and (
        told is None or told.kind != NoticeKind.CANCELLED
    ):
        return NoticeKind.CANCELLED
    # Arrived, in progress, finished, no-show: nothing to say.
    return None


def reminder_due(appointment: Appointment, *, now: datetime, grace: timedelta) -> datetime | None:
    """When to remind, or None: only booked appointments, and only when the reminder time is
    still ahead (after the confirmation's grace period); otherwise the confirmation suffices."""
    if appointment.status != AppointmentStatus.BOOKED:
        return None
    due = appointment.start - timedelta(hours=appointment.appointment_type.reminder_hours)
    return due if due > now + grace else None


def notice_is_current(
    *, appointment_public_id: uuid.UUID, kind: str, start: datetime | None, now: datetime
) -> bool:
    """Whether a notice written earlier still tells the truth at send time (a reminder for a
    cancelled or moved appointment, or one whose time has passed, is not)."""
    appointment = (
        Appointment.objects.filter(public_id=appointment_public_id).only("status", "start").first()
    )
    if appointment is None:
        return False
    if kind == NoticeKind.CANCELLED:
        return appointment.status == AppointmentStatus.CANCELLED
    is_booked_then = appointment.status == AppointmentStatus.BOOKED and appointment.start == start
    if kind == NoticeKind.REMINDER:
        return is_booked_then and appointment.start > now
    return is_booked_then


# The listener -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AppointmentNotices:
    """Called (by the task worker, the appointment locked) for every change of an
    appointment; plans its notices from what the patient was last told."""

    outbox: NoticeOutbox

    def __call__(self, appointment: Appointment, event: str) -> None:
        now = timezone.now()
        # Withdraw first: a notice a worker has already taken counts as told.
        self.outbox.withdraw(appointment)
        told = self.outbox.last_told(appointment)
        timing = unit_timing(appointment.unit_id)
        language = patient_language(appointment.patient.language)
        kind = change_notice_kind(told, appointment) if appointment.start > now else None
        if kind is not None:
            previous = told.start if kind == NoticeKind.MOVED and told else None
            self._queue(
                appointment,
                kind,
                now + timing.grace,
                language,
                timing,
                previous,
                is_wanted=appointment.notifies_patient,
            )
        due = reminder_due(appointment, now=now, grace=timing.grace)
        if due is not None:
            self._queue(appointment, NoticeKind.REMINDER, due, language, timing)

    def _queue(
        self,
        appointment: Appointment,
        kind: NoticeKind,
        due: datetime,
        language: str,
        timing: Timing,
        previous_start: datetime | None = None,
        *,
        is_wanted: bool = True,
    ) -> None:
        with translation.override(language):
            context = notice_context(appointment, previous_start)
        self.outbox.queue(
            Notice(appointment, kind, due, language, context, timing.quiet_hours, is_wanted)
        )


def connect(outbox: NoticeOutbox) -> None:
    """Start planning notices for every appointment change (called once, at start-up)."""
    listener: ChangeListener = AppointmentNotices(outbox)
    hook_register(APPOINTMENT_CHANGED, listener)
