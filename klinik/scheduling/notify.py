"""What the booking services tell the outside world after a change commits.

`appointment_changed` is called (on commit) for: booked, moved, cancelled, status. The
notification machinery (confirmations, reminders, waitlist offers) hangs off this one place.
"""

from __future__ import annotations

from django.db import transaction

# Functions called with (appointment_id, event) after a change commits; the correspondence
# and reminder modules register themselves here at start-up.
LISTENERS: list = []


def on_appointment_change(listener) -> None:
    if listener not in LISTENERS:
        LISTENERS.append(listener)


def appointment_changed(appointment_id: int, event: str) -> None:
    """Queue the listeners to run once the current transaction commits."""
    for listener in list(LISTENERS):
        transaction.on_commit(lambda listener=listener: listener(appointment_id, event))
