"""Scheduling's extension points (core/hooks.py; ADR 0008).

- `APPOINTMENT_STATUS`: called by `appointment_set_status` inside its own transaction, after
  its writes: the record opens a contact when a patient arrives and closes it when the
  appointment is finished, and the contact and the status change commit or roll back together.
- `APPOINTMENT_CHANGED`: called by the task worker after a booking, move, cancellation or
  status change has committed (notify.py queues it with the change): confirmations, reminders.
- `NOTICE_ROUTE`: how a confirmation would reach a patient (correspondence answers): the
  booking screens say before booking whether one will be sent, and why not.
- `WAITLIST_MESSAGE`: queue a waiting-list message (an offer with its accept link, or "the
  time is taken") in the outbox, inside the caller's transaction (correspondence answers).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from klinik.core.hooks import Hook, hook_items

if TYPE_CHECKING:
    from klinik.core.policy import Actor
    from klinik.patients.models import Patient
    from klinik.scheduling.models import Appointment


@dataclass(frozen=True)
class NoticeRoute:
    """How messages about appointments would reach a patient now, or why they would not."""

    channel: str = ""  # "sms", "email"; "" when nothing would be sent
    channel_label: str = ""  # "SMS", "E-mail"
    address: str = ""  # the number or address
    reason: str = ""  # when nothing would be sent: why (no consent, no number, ...)

    @property
    def sends(self) -> bool:
        return bool(self.channel)


@dataclass(frozen=True)
class WaitlistMessage:
    """A message to a patient on the waiting list; `kind` is "waitlist_offer" or
    "waitlist_taken", `context` fills the text's placeholders (when, unit, type, link)."""

    patient: Patient
    organisation_id: int
    unit_id: int
    kind: str
    context: dict[str, str]


# queue(message) -> when the message goes out (quiet hours hold SMS), None when it is not sent
WaitlistQueuer = Callable[[WaitlistMessage], datetime | None]


# listener(appointment, previous_status, new_status, actor)
StatusListener = Callable[["Appointment", str, str, "Actor | None"], None]
# listener(appointment, event): the appointment as it is now, locked, patient, type and unit
# loaded
ChangeListener = Callable[["Appointment", str], None]

# route(patient) -> how a confirmation would reach the patient
RouteFinder = Callable[["Patient"], NoticeRoute]

APPOINTMENT_STATUS: Hook[StatusListener] = Hook("appointment_status")
APPOINTMENT_CHANGED: Hook[ChangeListener] = Hook("appointment_changed")
NOTICE_ROUTE: Hook[RouteFinder] = Hook("notice_route")
WAITLIST_MESSAGE: Hook[WaitlistQueuer] = Hook("waitlist_message")


def notice_route(patient: Patient) -> NoticeRoute | None:
    """How a confirmation would reach the patient; None when no outbox is installed."""
    finders = hook_items(NOTICE_ROUTE)
    return finders[0](patient) if finders else None


def waitlist_message_queue(message: WaitlistMessage) -> datetime | None:
    """Queue the message in the outbox; None when no outbox is installed or nothing is sent."""
    queuers = hook_items(WAITLIST_MESSAGE)
    return queuers[0](message) if queuers else None


def appointment_status_changed(
    appointment: Appointment, previous: str, status: str, actor: Actor | None
) -> None:
    for listener in hook_items(APPOINTMENT_STATUS):
        listener(appointment, previous, status, actor)
