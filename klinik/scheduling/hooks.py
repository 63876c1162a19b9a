"""Scheduling's extension points (core/hooks.py; ADR 0008).

- `APPOINTMENT_STATUS`: called by `appointment_set_status` inside its own transaction, after
  its writes: the record opens a contact when a patient arrives and closes it when the
  appointment is finished, and the contact and the status change commit or roll back together.
- `APPOINTMENT_CHANGED`: called once the transaction that booked, moved, cancelled or changed
  the status of an appointment commits (notify.py): confirmations, reminders, waitlist offers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from klinik.core.hooks import Hook, hook_items

if TYPE_CHECKING:
    from klinik.core.policy import Actor
    from klinik.scheduling.models import Appointment

# listener(appointment, previous_status, new_status, actor)
StatusListener = Callable[["Appointment", str, str, "Actor | None"], None]
# listener(appointment_id, event)
ChangeListener = Callable[[int, str], None]

APPOINTMENT_STATUS: Hook[StatusListener] = Hook("appointment_status")
APPOINTMENT_CHANGED: Hook[ChangeListener] = Hook("appointment_changed")


def appointment_status_changed(
    appointment: Appointment, previous: str, status: str, actor: Actor | None
) -> None:
    for listener in hook_items(APPOINTMENT_STATUS):
        listener(appointment, previous, status, actor)
